#include "server/router.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace acctsec::server;

namespace {

// Dispatches a request and returns the answer, which the router or the handler gives at once.
HttpResponse dispatch(const Router& router, const std::string& method, const std::string& path) {
  HttpResponse answer;
  HttpRequest request;
  request.method = method;
  request.path = path;
  router.dispatch(std::move(request), Respond([&](HttpResponse response) { answer = std::move(response); }));
  return answer;
}

HttpHandler named(const std::string& name) {
  return [name](HttpRequest&& request, Respond respond) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [key, value] : request.params) params[key] = value;
    respond(HttpResponse{.status = 200, .content_type = "application/json",
                         .body = nlohmann::json{{"route", name}, {"params", params}}.dump(), .headers = {}, .principal = {}});
  };
}

}  // namespace

TEST_SUITE("server::router") {
  TEST_CASE("routes by method and pattern, with percent-decoded path parameters") {
    Router router;
    router.add("GET", "/v1/accounts", named("list"));
    router.add("GET", "/v1/accounts/{id}/security", named("security"));
    router.add("POST", "/v1/access-requests/{id}/reviews", named("review"));
    auto body = [](const HttpResponse& r) { return nlohmann::json::parse(r.body); };
    CHECK(body(dispatch(router, "GET", "/v1/accounts"))["route"] == "list");
    const auto security = body(dispatch(router, "GET", "/v1/accounts/cust%2D42%40example/security"));
    CHECK(security["route"] == "security");
    CHECK(security["params"]["id"] == "cust-42@example");
    CHECK(body(dispatch(router, "POST", "/v1/access-requests/ar_1/reviews"))["params"]["id"] == "ar_1");
    CHECK(body(dispatch(router, "HEAD", "/v1/accounts"))["route"] == "list");  // HEAD is GET without the body
  }

  TEST_CASE("no match is 404, a known path with another method 405 naming the allowed ones") {
    Router router;
    router.add("GET", "/v1/accounts/{id}", named("get"));
    router.add("DELETE", "/v1/accounts/{id}", named("delete"));
    const auto missing = dispatch(router, "GET", "/v1/nothing");
    CHECK(missing.status == 404);
    CHECK(missing.content_type == "application/problem+json");
    const auto wrong = dispatch(router, "PUT", "/v1/accounts/a");
    CHECK(wrong.status == 405);
    REQUIRE(wrong.headers.size() == 1);
    CHECK(wrong.headers[0] == std::pair<std::string, std::string>{"Allow", "GET, DELETE"});
    CHECK(nlohmann::json::parse(wrong.body)["status"] == 405);
  }

  TEST_CASE("a parameter that is empty, holds an encoded slash or is badly encoded does not match") {
    Router router;
    router.add("GET", "/v1/accounts/{id}", named("get"));
    for (const char* path : {"/v1/accounts/", "/v1/accounts/a%2Fb", "/v1/accounts/%zz", "/v1/accounts/%4", "/v1/accounts/a/b"}) {
      CAPTURE(path);
      CHECK(dispatch(router, "GET", path).status == 404);
    }
  }

  TEST_CASE("percent_decode") {
    CHECK(percent_decode("a%20b%2b+") == "a b++");
    CHECK_FALSE(percent_decode("%").has_value());
    CHECK_FALSE(percent_decode("%g0").has_value());
  }
}
