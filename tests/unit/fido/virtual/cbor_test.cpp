#include "fido/virtual/cbor.hpp"

#include <doctest/doctest.h>

using namespace acctsec;
namespace cbor = acctsec::fido::soft::cbor;

TEST_SUITE("fido::virtual::cbor") {
  TEST_CASE("the map builder emits CTAP2 canonical key order whatever the insertion order") {
    cbor::Item map = cbor::MapBuilder()
                         .add("displayName", cbor::make_uint(0))
                         .add(-2, cbor::make_uint(0))
                         .add(256, cbor::make_uint(0))
                         .add("id", cbor::make_uint(0))
                         .add(3, cbor::make_uint(0))
                         .add(-1, cbor::make_uint(0))
                         .add("name", cbor::make_uint(0))
                         .add(24, cbor::make_uint(0))
                         .add(1, cbor::make_uint(0))
                         .add(-25, cbor::make_uint(0))
                         .build();
    // Unsigned before negative before text; within a type shorter encodings first, then bytewise.
    const Bytes expected = {
        0xaa,                                                                   // map(10)
        0x01, 0x00,                                                             // 1
        0x03, 0x00,                                                             // 3
        0x18, 0x18, 0x00,                                                       // 24
        0x19, 0x01, 0x00, 0x00,                                                 // 256
        0x20, 0x00,                                                             // -1
        0x21, 0x00,                                                             // -2
        0x38, 0x18, 0x00,                                                       // -25
        0x62, 'i',  'd',  0x00,                                                 // "id"
        0x64, 'n',  'a',  'm',  'e', 0x00,                                      // "name"
        0x6b, 'd',  'i',  's',  'p', 'l',  'a', 'y', 'N', 'a', 'm', 'e', 0x00,  // "displayName"
    };
    CHECK(cbor::encode(*map) == expected);
  }

  TEST_CASE("the options of getInfo come out as rk, up, plat, credMgmt, clientPin") {
    cbor::Item map = cbor::MapBuilder()
                         .add("clientPin", cbor::make_bool(false))
                         .add("plat", cbor::make_bool(false))
                         .add("up", cbor::make_bool(true))
                         .add("credMgmt", cbor::make_bool(true))
                         .add("rk", cbor::make_bool(true))
                         .build();
    const Bytes encoded = cbor::encode(*map);
    const std::string text(encoded.begin(), encoded.end());
    CHECK(text.find("rk") < text.find("up"));
    CHECK(text.find("up") < text.find("plat"));
    CHECK(text.find("plat") < text.find("credMgmt"));
    CHECK(text.find("credMgmt") < text.find("clientPin"));
  }

  TEST_CASE("small integers are 8-bit items, as libfido2 requires of keys and protocol numbers") {
    for (const std::uint64_t n : {0u, 1u, 23u, 24u, 255u}) {
      cbor::Item item = cbor::make_uint(n);
      CHECK(cbor_int_get_width(item.get()) == CBOR_INT_8);
      cbor::Item decoded = cbor::decode(cbor::encode(*item));
      REQUIRE(decoded);
      CHECK(cbor_int_get_width(decoded.get()) == CBOR_INT_8);
      CHECK(cbor::to_uint(*decoded) == n);
    }
    CHECK(cbor_int_get_width(cbor::make_int(-7).get()) == CBOR_INT_8);
    CHECK(cbor_int_get_width(cbor::make_uint(256).get()) == CBOR_INT_16);
    CHECK(cbor::encode(*cbor::make_int(-7)) == Bytes{0x26});
    CHECK(cbor::encode(*cbor::make_int(-25)) == Bytes{0x38, 0x18});
  }

  TEST_CASE("decoding refuses trailing bytes, truncation and garbage") {
    const Bytes valid = cbor::encode(*cbor::MapBuilder().add(1, cbor::make_text("x")).build());
    CHECK(cbor::decode(valid));
    Bytes trailing = valid;
    trailing.push_back(0x00);
    CHECK_FALSE(cbor::decode(trailing));
    CHECK_FALSE(cbor::decode(ByteView(valid).first(valid.size() - 1)));
    CHECK_FALSE(cbor::decode(Bytes{0xff}));
    CHECK_FALSE(cbor::decode(Bytes{}));
  }

  TEST_CASE("typed reads find keys by number or text and refuse the wrong type") {
    cbor::Item map = cbor::MapBuilder()
                         .add(1, cbor::make_bytes(Bytes{1, 2, 3}))
                         .add(-1, cbor::make_int(-25))
                         .add("id", cbor::make_text("example.com"))
                         .add("up", cbor::make_bool(false))
                         .build();
    REQUIRE(cbor::find(*map, 1));
    CHECK(cbor::to_bytes(*cbor::find(*map, 1)) == Bytes{1, 2, 3});
    CHECK(cbor::to_integer(*cbor::find(*map, -1)) == -25);
    CHECK(cbor::to_text(*cbor::find(*map, "id")) == "example.com");
    CHECK(cbor::to_bool(*cbor::find(*map, "up")) == false);
    CHECK_FALSE(cbor::to_text(*cbor::find(*map, 1)).has_value());
    CHECK_FALSE(cbor::to_uint(*cbor::find(*map, -1)).has_value());
    CHECK(cbor::find(*map, 2) == nullptr);
    CHECK(cbor::find(*map, "name") == nullptr);
  }
}
