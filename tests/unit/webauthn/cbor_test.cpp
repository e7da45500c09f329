#include "webauthn/cbor.hpp"

#include <cbor.h>
#include <doctest/doctest.h>

#include <limits>
#include <string>

using namespace acctsec;
using namespace acctsec::webauthn;

namespace {

Bytes h(std::string_view text) {
  return *hex_decode(text);
}

bool error_mentions(const Error& error, std::string_view text) {
  return error.message.find(text) != std::string::npos;
}

}  // namespace

TEST_SUITE("webauthn::cbor") {
  TEST_CASE("the writer produces the shortest heads at every width boundary") {
    const std::pair<std::uint64_t, std::string_view> cases[] = {
        {0, "00"},
        {23, "17"},
        {24, "1818"},
        {255, "18ff"},
        {256, "190100"},
        {65535, "19ffff"},
        {65536, "1a00010000"},
        {4294967295, "1affffffff"},
        {4294967296, "1b0000000100000000"},
    };
    for (const auto& [value, expected] : cases) {
      cbor::Writer w;
      w.head(cbor::MajorType::unsigned_integer, value);
      CHECK(hex_encode(w.data()) == expected);
    }
    cbor::Writer w;
    w.integer(-1);
    w.integer(-7);
    w.integer(-257);
    CHECK(hex_encode(w.data()) == "2026390100");
  }

  TEST_CASE("reader and writer round-trip integers, strings, booleans, arrays and maps") {
    cbor::Writer w;
    w.map(3);
    w.integer(1), w.integer(-9223372036854775807LL - 1);
    w.text("k"), w.bytes(Bytes{1, 2, 3});
    w.integer(-2), w.array(2);
    w.boolean(true), w.text("é");
    cbor::Reader r(w.data());
    auto entries = r.read_map();
    REQUIRE(entries.has_value());
    CHECK(r.at_end());
    REQUIRE(entries->size() == 3);
    CHECK(cbor::Reader(entries->at(0).value).read_int() == std::numeric_limits<std::int64_t>::min());
    CHECK(std::get<std::string>(entries->at(1).key) == "k");
    CHECK(cbor::Reader(entries->at(1).value).read_bytes() == Bytes{1, 2, 3});
    cbor::Reader array(entries->at(2).value);
    CHECK(array.read_array_header() == 2u);
    CHECK(array.read_bool() == true);
    CHECK(array.read_text() == "é");
  }

  TEST_CASE("an independent decoder (libcbor) reads what the writer writes") {
    cbor::Writer w;
    w.map(2);
    w.text("fmt"), w.text("none");
    w.integer(-3), w.bytes(Bytes(300, 0xab));
    cbor_load_result result{};
    cbor_item_t* item = cbor_load(w.data().data(), w.data().size(), &result);
    REQUIRE(item != nullptr);
    CHECK(result.read == w.data().size());
    CHECK(cbor_isa_map(item));
    CHECK(cbor_map_size(item) == 2);
    const cbor_pair* pairs = cbor_map_handle(item);
    CHECK(cbor_isa_string(pairs[0].key));
    CHECK(cbor_isa_negint(pairs[1].key));
    CHECK(cbor_get_int(pairs[1].key) == 2);  // libcbor stores -1 - n as n
    CHECK(cbor_bytestring_length(pairs[1].value) == 300);
    cbor_decref(&item);
  }

  TEST_CASE("item_size finds where one item ends and ignores what follows") {
    CHECK(cbor::item_size(h("a201020304ff")) == 5u);
    CHECK(cbor::item_size(h("5820" + std::string(64, '0') + "00")) == 34u);
    CHECK(cbor::item_size(h("c11a514b67b0")) == 6u);  // a tag and its item
    CHECK(cbor::item_size(h("f93c00")) == 3u);        // a half-precision float
  }

  TEST_CASE("truncated items are rejected with a message saying so") {
    for (const auto* text : {"", "58", "5820", "a1", "a101", "820102ff"}) {
      const auto bytes = h(text);
      auto size = cbor::item_size(bytes);
      if (std::string_view(text) == "820102ff") {
        CHECK(size == 3u);  // complete array; the stray byte is for the caller to judge
        continue;
      }
      REQUIRE_FALSE(size.has_value());
      CHECK(size.error().category == ErrorCategory::rejected);
    }
    auto claims = cbor::item_size(h("5a7fffffff00"));
    REQUIRE_FALSE(claims.has_value());
    CHECK(error_mentions(claims.error(), "claims 2147483647 bytes"));
  }

  TEST_CASE("indefinite lengths, reserved encodings and stray breaks are rejected") {
    auto indefinite = cbor::item_size(h("5f4101ff"));
    REQUIRE_FALSE(indefinite.has_value());
    CHECK(error_mentions(indefinite.error(), "indefinite length"));
    CHECK_FALSE(cbor::item_size(h("bf01ff")).has_value());
    auto reserved = cbor::item_size(h("1c"));
    REQUIRE_FALSE(reserved.has_value());
    CHECK(error_mentions(reserved.error(), "reserved"));
    auto brk = cbor::item_size(h("ff"));
    REQUIRE_FALSE(brk.has_value());
    CHECK(error_mentions(brk.error(), "break"));
  }

  TEST_CASE("nesting deeper than the limit is rejected, nesting at the limit is accepted") {
    const auto nested = [](std::size_t depth) {
      Bytes out(depth, 0x81);  // array(1) of array(1) of ...
      out.push_back(0x00);
      return out;
    };
    CHECK(cbor::item_size(nested(cbor::k_max_depth)).has_value());
    auto deep = cbor::item_size(nested(cbor::k_max_depth + 1));
    REQUIRE_FALSE(deep.has_value());
    CHECK(error_mentions(deep.error(), "deeper than"));
    // A long run of nesting must fail fast rather than recurse without bound.
    CHECK_FALSE(cbor::item_size(nested(100000)).has_value());
  }

  TEST_CASE("text strings must be valid UTF-8") {
    CHECK(cbor::item_size(h("62c3a9")).has_value());          // é
    CHECK_FALSE(cbor::item_size(h("62c0af")).has_value());    // overlong '/'
    CHECK_FALSE(cbor::item_size(h("63eda080")).has_value());  // a UTF-16 surrogate
    CHECK_FALSE(cbor::item_size(h("61ff")).has_value());
    CHECK_FALSE(cbor::item_size(h("62e282")).has_value());  // cut short
    CHECK_FALSE(cbor::Reader(h("61ff")).read_text().has_value());
  }

  TEST_CASE("maps with a key twice or with keys that are neither integers nor text are rejected") {
    auto duplicate = cbor::Reader(h("a201020103")).read_map();
    REQUIRE_FALSE(duplicate.has_value());
    CHECK(error_mentions(duplicate.error(), "the key 1 twice"));
    auto text_duplicate = cbor::Reader(h("a2616101616102")).read_map();
    REQUIRE_FALSE(text_duplicate.has_value());
    CHECK(error_mentions(text_duplicate.error(), "\"a\" twice"));
    auto bytes_key = cbor::Reader(h("a1410001")).read_map();
    REQUIRE_FALSE(bytes_key.has_value());
    CHECK(error_mentions(bytes_key.error(), "only integer and text keys"));
    // The same number as an integer and as text are different keys.
    CHECK(cbor::Reader(h("a20101613102")).read_map().has_value());
  }

  TEST_CASE("typed reads name the type they expected and the one they found") {
    auto wrong = cbor::Reader(h("4100")).read_text();
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().message == "expected a CBOR text string, found a byte string");
    auto big = cbor::Reader(h("1bffffffffffffffff")).read_int();
    REQUIRE_FALSE(big.has_value());
    CHECK(error_mentions(big.error(), "64 bits"));
    CHECK_FALSE(cbor::Reader(h("f6")).read_bool().has_value());  // null is not a boolean
  }

  TEST_CASE("byte strings wrap and unwrap as libfido2 carries authenticator data") {
    const Bytes data(37, 0x5a);
    const Bytes wrapped = cbor::encode_byte_string(data);
    CHECK(hex_encode(ByteView(wrapped).first(2)) == "5825");
    CHECK(cbor::decode_byte_string(wrapped) == data);
    Bytes trailing = wrapped;
    trailing.push_back(0);
    CHECK_FALSE(cbor::decode_byte_string(trailing).has_value());
    CHECK_FALSE(cbor::decode_byte_string(data).has_value());
  }
}
