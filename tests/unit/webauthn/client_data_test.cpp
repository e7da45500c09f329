#include "webauthn/client_data.hpp"

#include <doctest/doctest.h>

#include "unit/webauthn/vectors.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

TEST_SUITE("webauthn::client_data") {
  TEST_CASE("the builder writes the spec's member order and the parser reads it back") {
    const Bytes challenge{0xfb, 0xff, 0x00, 0x01};
    const auto json = client_data_json(CeremonyType::get, challenge, "https://example.com");
    CHECK(json == R"({"type":"webauthn.get","challenge":"-_8AAQ","origin":"https://example.com","crossOrigin":false})");
    const auto parsed = client_data_parse(json);
    REQUIRE(parsed.has_value());
    CHECK(parsed->type == "webauthn.get");
    CHECK(parsed->challenge == challenge);
    CHECK(parsed->origin == "https://example.com");
    CHECK_FALSE(parsed->cross_origin);
    CHECK_FALSE(parsed->top_origin.has_value());
  }

  TEST_CASE("the builder escapes an origin that needs JSON escaping") {
    const auto json = client_data_json(CeremonyType::create, Bytes{1}, "https://a\"b.example");
    const auto parsed = client_data_parse(json);
    REQUIRE(parsed.has_value());
    CHECK(parsed->origin == "https://a\"b.example");
    CHECK(parsed->type == "webauthn.create");
  }

  TEST_CASE("parses real clientDataJSON, ignoring members it does not know") {
    for (const auto& file : real_example_files()) {
      CAPTURE(file);
      const auto example = load_real_example(file);
      const auto parsed = client_data_parse(example.assertion.client_data_json);
      REQUIRE(parsed.has_value());
      CHECK(parsed->type == "webauthn.get");
      CHECK(parsed->challenge == example.assertion_challenge);
      CHECK(parsed->origin == example.origin);
      CHECK_FALSE(parsed->cross_origin);
    }
  }

  TEST_CASE("reads crossOrigin and topOrigin when present") {
    const auto parsed = client_data_parse(
        R"({"type":"webauthn.get","challenge":"AA","origin":"https://a.example","crossOrigin":true,"topOrigin":"https://top.example"})");
    REQUIRE(parsed.has_value());
    CHECK(parsed->cross_origin);
    CHECK(parsed->top_origin == "https://top.example");
  }

  TEST_CASE("long members with escapes, which the parser hands over in pieces, are read whole") {
    std::string origin = "https://";
    std::string escaped = origin;
    for (int i = 0; i < 5000; ++i) {
      origin += "a\"";
      escaped += "\\u0061\\\"";
    }
    std::string key(5000, 'k');
    const auto parsed = client_data_parse(R"({")" + key + R"(":1,"type":"webauthn.get","challenge":"AA","origin":")" +
                                          escaped + R"("})");
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error().message);
    CHECK(parsed->origin == origin);
    CHECK(parsed->type == "webauthn.get");
  }

  TEST_CASE("malformed clientDataJSON is rejected with the member named") {
    struct Case {
      const char* json;
      const char* message;
    };
    const Case cases[] = {
        {"", "not valid JSON"},
        {"{\"type\":", "not valid JSON"},
        {"[]", "not a JSON object"},
        {R"({"challenge":"AA","origin":"o"})", "\"type\" is missing"},
        {R"({"type":1,"challenge":"AA","origin":"o"})", "\"type\" is not a string"},
        {R"({"type":"webauthn.get","origin":"o"})", "\"challenge\" is missing"},
        {R"({"type":"webauthn.get","challenge":"","origin":"o"})", "\"challenge\" is empty"},
        {R"({"type":"webauthn.get","challenge":"AA==","origin":"o"})", "not base64url without padding"},
        {R"({"type":"webauthn.get","challenge":"a+b/","origin":"o"})", "not base64url without padding"},
        {R"({"type":"webauthn.get","challenge":"AAB","origin":"o"})", "not base64url without padding"},
        {R"({"type":"webauthn.get","challenge":"AA"})", "\"origin\" is missing"},
        {R"({"type":"webauthn.get","challenge":"AA","origin":""})", "\"origin\" is empty"},
        {R"({"type":"webauthn.get","challenge":"AA","origin":"o","crossOrigin":"false"})",
         "\"crossOrigin\" is not a boolean"},
        {R"({"type":"webauthn.get","challenge":"AA","origin":"o","topOrigin":7})", "\"topOrigin\" is not a string"},
        {R"({"type":"webauthn.get","challenge":"AA","challenge":"BB","origin":"o"})",
         "\"challenge\" appears more than once"},
        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"\xff\"}", "not valid JSON"},
        {R"({"type":"webauthn.get","challenge":"AA","origin":"o"} x)", "not valid JSON"},
        {R"({"type":"webauthn.get","challenge":{"v":"AA"},"origin":"o"})", "\"challenge\" is not a string"},
        {R"({"type":"webauthn.get","challenge":"AA","origin":["o"]})", "\"origin\" is not a string"},
        {R"({"type":"webauthn.get","challenge":"AA","origin":"o","crossOrigin":null})", "\"crossOrigin\" is not a boolean"},
        // A key spelled with an escape is the same key: a second "type" must not slip past.
        {R"({"type":"webauthn.get","typ\u0065":"webauthn.create","challenge":"AA","origin":"o"})",
         "\"type\" appears more than once"},
        {"\"webauthn.get\"", "not a JSON object"},
    };
    for (const auto& c : cases) {
      const std::string json_text = c.json;
      CAPTURE(json_text);
      const auto parsed = client_data_parse(c.json);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().category == ErrorCategory::rejected);
      CHECK_MESSAGE(parsed.error().message.find(c.message) != std::string::npos, parsed.error().message);
      CHECK(parsed.error().message.rfind("clientDataJSON: ", 0) == 0);
    }
  }

  TEST_CASE("a duplicate member inside a nested object is not a duplicate top-level member") {
    const auto parsed = client_data_parse(
        R"({"type":"webauthn.get","challenge":"AA","origin":"o","x":{"origin":"1"},"y":{"origin":"2"}})");
    CHECK(parsed.has_value());
  }
}
