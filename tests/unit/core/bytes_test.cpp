#include <doctest/doctest.h>

#include "core/bytes.hpp"

using namespace acctsec;

TEST_SUITE("core::bytes") {
  TEST_CASE("base64url round-trips every length without padding") {
    for (std::size_t n = 0; n < 40; ++n) {
      Bytes data(n);
      for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
      const auto text = base64url_encode(data);
      CHECK(text.find('=') == std::string::npos);
      CHECK(base64url_decode(text) == data);
    }
  }
  TEST_CASE("base64url matches RFC 4648 vectors") {
    CHECK(base64url_encode(as_bytes("foobar")) == "Zm9vYmFy");
    CHECK(base64url_encode(as_bytes("fo")) == "Zm8");
    CHECK(base64url_encode(Bytes{0xfb, 0xff}) == "-_8");
    CHECK(base64_encode(Bytes{0xfb, 0xff}) == "+/8=");
  }
  TEST_CASE("base64url rejects foreign characters, impossible lengths and non-zero trailing bits") {
    CHECK_FALSE(base64url_decode("ab+c").has_value());
    CHECK_FALSE(base64url_decode("abcde").has_value());
    CHECK_FALSE(base64url_decode("Zm9").has_value());  // 'Zm9' has stray low bits
    CHECK(base64url_decode("Zm8=").has_value());
  }
  TEST_CASE("hex and uuid round-trip and refuse malformed text") {
    const auto id = uuid_parse("0123abcd-4567-89ab-cdef-0123456789ab");
    REQUIRE(id.has_value());
    CHECK(id->size() == 16);
    CHECK(uuid_format(*id) == "0123abcd-4567-89ab-cdef-0123456789ab");
    CHECK_FALSE(uuid_parse("0123abcd-4567-89ab-cdef-0123456789").has_value());
    CHECK_FALSE(uuid_parse("0123abcd_4567-89ab-cdef-0123456789ab").has_value());
    CHECK_FALSE(hex_decode("0g").has_value());
  }
  TEST_CASE("constant_time_equal compares length and content") {
    CHECK(constant_time_equal(as_bytes("abc"), as_bytes("abc")));
    CHECK_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abd")));
    CHECK_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("ab")));
  }
}
