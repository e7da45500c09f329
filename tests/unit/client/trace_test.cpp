// Redaction in the debug trace: credential headers and secret JSON members.
#include "client/trace.hpp"

#include <doctest/doctest.h>

using namespace acctsec::client;

TEST_SUITE("client::trace") {
  TEST_CASE("credential headers are redacted, other headers pass") {
    CHECK(trace_header_line("Authorization: Bearer abc.def") == "Authorization: Bearer [redacted]");
    CHECK(trace_header_line("authorization: abc") == "authorization: [redacted]");
    CHECK(trace_header_line("Proxy-Authorization: Basic dXNlcjpwdw==") == "Proxy-Authorization: Basic [redacted]");
    CHECK(trace_header_line("Cookie: session=1") == "Cookie: [redacted]");
    CHECK(trace_header_line("Set-Cookie: a=b") == "Set-Cookie: [redacted]");
    CHECK(trace_header_line("Accept: application/json") == "Accept: application/json");
    CHECK(trace_header_line("GET /v1/x HTTP/1.1") == "GET /v1/x HTTP/1.1");
  }

  TEST_CASE("secret JSON members are redacted at any depth, and a body that is not JSON shows only its size") {
    CHECK(trace_secret_member("token"));
    CHECK(trace_secret_member("sessionToken"));
    CHECK(trace_secret_member("SECRET"));
    CHECK_FALSE(trace_secret_member("tokenId"));
    CHECK_FALSE(trace_secret_member("secretShown"));
    const std::string body = R"({"a":{"token":"T1","list":[{"apiSecret":"S1","ok":1}]},"secretShown":true})";
    CHECK(trace_json_body(body) ==
          R"({"a":{"list":[{"apiSecret":"[redacted]","ok":1}],"token":"[redacted]"},"secretShown":true})");
    CHECK(trace_json_body("token=T1&x") == "(10 bytes, not JSON)");
    CHECK(trace_json_body("") == "(empty)");
    const std::string shortened = trace_json_body(R"({"k":")" + std::string(100, 'v') + R"("})", 20);
    CHECK(shortened.starts_with(R"({"k":"vvvvvvvvvvvvvv)"));
    CHECK(shortened.ends_with("\xe2\x80\xa6 (108 bytes)"));
  }
}

TEST_SUITE("client::trace") {
  TEST_CASE("libcurl's own lines lose the credentials they name, and the token is scrubbed from any line") {
    CHECK(trace_text_line("[HTTP/2] [1] [authorization: Bearer abc.def]") ==
          "[HTTP/2] [1] [authorization: Bearer [redacted]]");
    CHECK(trace_text_line("[HTTP/2] [1] [cookie: a=b]") == "[HTTP/2] [1] [cookie: [redacted]]");
    CHECK(trace_text_line("Connected to 127.0.0.1 (127.0.0.1) port 8443") ==
          "Connected to 127.0.0.1 (127.0.0.1) port 8443");
    CHECK(trace_scrub("a TOKEN b TOKENTOKEN", "TOKEN") == "a [redacted] b [redacted][redacted]");
    CHECK(trace_scrub("nothing here", "TOKEN") == "nothing here");
    CHECK(trace_scrub("anything", "") == "anything");
  }
}
