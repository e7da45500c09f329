// Base URLs (https, or http to this machine only) and request URLs with encoded queries.
#include "client/base_url.hpp"

#include <doctest/doctest.h>

using namespace acctsec;
using namespace acctsec::client;

TEST_SUITE("client::base_url") {
  TEST_CASE("https anywhere, http only to this machine") {
    auto https = base_url_parse("https://acctsec.example.com:8443/api/");
    REQUIRE(https.has_value());
    CHECK(https->text == "https://acctsec.example.com:8443/api");
    CHECK(https->host == "acctsec.example.com");
    CHECK(https->loopback == Loopback::no);
    for (const char* url : {"http://127.0.0.1:8443", "http://localhost", "http://[::1]:80/", "http://127.9.8.7"}) {
      INFO(url);
      auto parsed = base_url_parse(url);
      REQUIRE(parsed.has_value());
      CHECK(parsed->loopback == Loopback::yes);
    }
    CHECK(base_url_parse("HTTPS://[::1]:8443")->host == "::1");
    for (const char* url : {"http://acctsec.example.com", "http://10.0.0.1", "ftp://127.0.0.1", "127.0.0.1:8443",
                            "https://user:pw@host", "https://host/?x=1", "https://", "http://128.0.0.1"}) {
      INFO(url);
      auto parsed = base_url_parse(url);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().category == ErrorCategory::usage);
    }
  }

  TEST_CASE("request URLs append the path and an encoded query") {
    const auto base = *base_url_parse("https://h:1/api");
    CHECK(*request_url(base, "/v1/accounts", {}) == "https://h:1/api/v1/accounts");
    CHECK(*request_url(base, "/v1/accounts", {{"cursor", "a+b/c="}, {"limit", "5"}}) ==
          "https://h:1/api/v1/accounts?cursor=a%2Bb%2Fc%3D&limit=5");
    CHECK(url_encode_component("alice@example.com") == "alice%40example.com");
    CHECK(url_encode_component("a-b_c.d~\xc3\xa9") == "a-b_c.d~%C3%A9");
    for (const char* path : {"v1/accounts", "/v1/a b", "/v1/a?b", "/v1/a#b", ""}) {
      INFO(path);
      CHECK(request_url(base, path, {}).error().category == ErrorCategory::usage);
    }
  }
}
