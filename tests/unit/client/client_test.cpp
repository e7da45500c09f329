// The REST client against a scripted HTTPS server on loopback: replies and their errors, retries
// and idempotency keys, deadlines, TLS trust and pinning, Ctrl-C, and the redacted debug trace.
#include "client/client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "core/public_key_pin.hpp"
#include "core/cancel.hpp"
#include "unit/client/scripted_server.hpp"

using namespace acctsec;
using namespace acctsec::client;
using acctsec::test::held_reply;
using acctsec::test::json_reply;
using acctsec::test::problem_reply;
using acctsec::test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

Client open_client(ClientOptions options) {
  auto opened = Client::open(std::move(options));
  REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
  return std::move(*opened);
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string header_of(const server::HttpRequest& request, std::string_view name) {
  return std::string(request.header(name).value_or(""));
}

}  // namespace

TEST_SUITE("client::client") {
  TEST_CASE("a 200 JSON reply comes back parsed, and the request carries the User-Agent, Accept and token") {
    ScriptedServer s;
    s.then(json_reply(200, {{"schema", "acctsec.whoami/1"}, {"name", "alice@example.com"}}, {{"X-Extra", "Yes"}}));
    auto options = s.client_options();
    options.token = Secret("tok-123");
    Client client = open_client(std::move(options));
    auto reply = client.get("/v1/auth/whoami", {{"filter", "no 2fa"}, {"x&y", "1=2"}});
    REQUIRE_MESSAGE(reply.has_value(), reply.error().message);
    CHECK(reply->status == 200);
    CHECK(reply->body == nlohmann::json{{"schema", "acctsec.whoami/1"}, {"name", "alice@example.com"}});
    CHECK(reply->text.empty());
    CHECK(reply->header("x-extra") == "Yes");
    CHECK(reply->header("content-type") == "application/json");
    CHECK(reply->attempts == 1);
    CHECK(reply->idempotency_key.empty());  // a GET gets none
    const auto seen = s.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "GET");
    CHECK(seen[0].path == "/v1/auth/whoami");
    CHECK(seen[0].query == "filter=no%202fa&x%26y=1%3D2");
    CHECK(header_of(seen[0], "user-agent") == std::string("acctsec/") + ACCTSEC_VERSION);
    CHECK(header_of(seen[0], "authorization") == "Bearer tok-123");
    CHECK(contains(header_of(seen[0], "accept"), "application/problem+json"));
    CHECK_FALSE(seen[0].header("idempotency-key").has_value());
  }

  TEST_CASE("a POST sends its JSON body with a fresh Idempotency-Key per call, or the caller's") {
    ScriptedServer s;
    s.then(json_reply(201, {{"id", "r1"}})).then(json_reply(201, {{"id", "r2"}})).then(json_reply(201, {{"id", "r3"}}));
    Client client = open_client(s.client_options());
    const nlohmann::json body = {{"resource", "account:cust-1"}, {"scope", "posture:read"}};
    auto first = client.post("/v1/access-requests", body);
    auto second = client.post("/v1/access-requests", body);
    CallOptions given;
    given.idempotency_key = "caller-chosen-key-0001";
    auto third = client.post("/v1/access-requests", body, given);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE(third.has_value());
    CHECK(first->status == 201);
    const auto seen = s.requests();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].method == "POST");
    CHECK(nlohmann::json::parse(seen[0].body) == body);
    CHECK(header_of(seen[0], "content-type") == "application/json");
    const std::string key = header_of(seen[0], "idempotency-key");
    CHECK(key.size() == 36);
    CHECK(key == first->idempotency_key);
    CHECK(header_of(seen[1], "idempotency-key") != key);
    CHECK(header_of(seen[2], "idempotency-key") == "caller-chosen-key-0001");
  }

  TEST_CASE("each error status maps to its category, with the problem's title and detail as the message") {
    struct Row {
      unsigned status;
      ErrorCategory category;
    };
    const Row rows[] = {{400, ErrorCategory::usage},     {401, ErrorCategory::auth},     {403, ErrorCategory::auth},
                        {404, ErrorCategory::not_found}, {409, ErrorCategory::rejected}, {413, ErrorCategory::usage},
                        {422, ErrorCategory::rejected},  {500, ErrorCategory::network},  {501, ErrorCategory::network}};
    ScriptedServer s;
    for (const Row& row : rows)
      s.then(problem_reply(row.status, "Title " + std::to_string(row.status), "detail of " + std::to_string(row.status),
                           {{"X-Request-Id", "req-" + std::to_string(row.status)}}));
    Client client = open_client(s.client_options());
    for (const Row& row : rows) {
      INFO("HTTP " << row.status);
      auto reply = client.get("/v1/thing");
      REQUIRE_FALSE(reply.has_value());
      const ClientError& error = reply.error();
      CHECK(error.category == row.category);
      CHECK(error.http_status == static_cast<int>(row.status));
      CHECK(error.message == "Title " + std::to_string(row.status) + ": detail of " + std::to_string(row.status));
      REQUIRE(error.problem.has_value());
      CHECK(error.problem->status == static_cast<int>(row.status));
      CHECK(error.request_id == "req-" + std::to_string(row.status));
    }
    CHECK(s.requests().size() == std::size(rows));  // none of these is retried
  }

  TEST_CASE("a 400's errors and a 422's reasons are all in the message") {
    ScriptedServer s;
    s.then(problem_reply(400, "Bad Request", "The body is not valid.", {}, "about:blank",
                         {{"errors",
                           {{{"pointer", "/duration"}, {"detail", "not a duration"}},
                            {{"pointer", "/scope"}, {"detail", "unknown scope"}}}}}));
    s.then(problem_reply(422, "Unprocessable Content", "The justification was refused.", {}, "about:blank",
                         {{"reasons", {"ticket INC-1 is closed", "code X is not allowed"}}}));
    Client client = open_client(s.client_options());
    auto bad = client.post("/v1/access-requests", nlohmann::json::object());
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().category == ErrorCategory::usage);
    CHECK(bad.error().message ==
          "Bad Request: The body is not valid.; /duration: not a duration; /scope: unknown scope");
    auto refused = client.post("/v1/access-requests", nlohmann::json::object());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().category == ErrorCategory::rejected);
    CHECK(contains(refused.error().message, "ticket INC-1 is closed"));
    CHECK(contains(refused.error().message, "code X is not allowed"));
  }

  TEST_CASE("a 403 grant-required keeps requiredGrant reachable, and the error passes on as an Error") {
    ScriptedServer s;
    s.then(problem_reply(403, "Grant required", "No active grant covers account cust-7.", {},
                         "urn:acctsec:problem:grant-required",
                         {{"requiredGrant", {{"resource", "account:cust-7"}, {"scope", "posture:read"}}}}));
    Client client = open_client(s.client_options());
    auto reply = client.get("/v1/accounts/cust-7");
    REQUIRE_FALSE(reply.has_value());
    const ClientError& error = reply.error();
    CHECK(error.category == ErrorCategory::auth);
    REQUIRE(error.problem.has_value());
    CHECK(error.problem->type == k_problem_grant_required);
    const auto grant = problem_required_grant(*error.problem);
    REQUIRE(grant.has_value());
    CHECK(grant->resource == "account:cust-7");
    CHECK(grant->scope == "posture:read");
    const auto passed_on = [&]() -> Result<int> { return fail(error); }();
    CHECK(passed_on.error().category == ErrorCategory::auth);
    CHECK(passed_on.error().http_status == 403);
  }

  TEST_CASE("a reply that is not JSON comes back as text, and one that claims JSON and is not is a network error") {
    ScriptedServer s;
    server::HttpResponse yaml;
    yaml.content_type = "application/yaml";
    yaml.body = "openapi: 3.1.0\n";
    server::HttpResponse broken;
    broken.body = R"({"items": [1, 2)";
    s.then({yaml, test::Hold::no}).then({broken, test::Hold::no});
    Client client = open_client(s.client_options());
    auto text = client.get("/v1/openapi.yaml");
    REQUIRE(text.has_value());
    CHECK(text->text == "openapi: 3.1.0\n");
    CHECK(text->body.is_null());
    auto malformed = client.get("/v1/accounts");
    REQUIRE_FALSE(malformed.has_value());
    CHECK(malformed.error().category == ErrorCategory::network);
    CHECK(contains(malformed.error().message, "claims to be JSON"));
  }

  TEST_CASE("a reply larger than max_reply_size is refused") {
    ScriptedServer s;
    s.then(json_reply(200, {{"filler", std::string(4096, 'x')}}));
    auto options = s.client_options();
    options.max_reply_size = 1024;
    Client client = open_client(std::move(options));
    auto reply = client.get("/v1/big");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(contains(reply.error().message, "larger than 1024 bytes"));
  }
}

TEST_SUITE("client::retries") {
  TEST_CASE("a POST answered 503 with Retry-After: 0 is retried with the same Idempotency-Key and succeeds") {
    ScriptedServer s;
    s.then(problem_reply(503, "Service Unavailable", "Nothing was changed.", {{"Retry-After", "0"}}))
        .then(json_reply(201, {{"id", "req-1"}}));
    Client client = open_client(s.client_options());
    auto reply = client.post("/v1/access-requests", {{"reason", "INC-1"}});
    REQUIRE_MESSAGE(reply.has_value(), reply.error().message);
    CHECK(reply->status == 201);
    CHECK(reply->attempts == 2);
    const auto seen = s.requests();
    REQUIRE(seen.size() == 2);
    const std::string key = header_of(seen[0], "idempotency-key");
    CHECK(key.size() >= 16);
    CHECK(header_of(seen[1], "idempotency-key") == key);
    CHECK(seen[1].body == seen[0].body);
    CHECK(reply->idempotency_key == key);
  }

  TEST_CASE("Retry-After: 1 on a 429 is waited for before the next attempt") {
    ScriptedServer s;
    s.then(problem_reply(429, "Too Many Requests", "Slow down.", {{"Retry-After", "1"}}))
        .then(json_reply(200, {{"ok", true}}));
    Client client = open_client(s.client_options());  // its own backoff is 1-4 ms
    const auto start = std::chrono::steady_clock::now();
    auto reply = client.get("/v1/accounts");
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_MESSAGE(reply.has_value(), reply.error().message);
    CHECK(reply->attempts == 2);
    CHECK(took >= 900ms);
    CHECK(s.requests().size() == 2);
  }

  TEST_CASE("a POST sent without an Idempotency-Key is not retried") {
    ScriptedServer s;
    s.then(problem_reply(503, "Service Unavailable", "Nothing was changed.", {{"Retry-After", "0"}}));
    Client client = open_client(s.client_options());
    CallOptions options;
    options.idempotency = IdempotencyKey::omit;
    auto reply = client.post("/v1/auth/login/verify", {{"assertion", "..."}}, options);
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(reply.error().http_status == 503);
    const auto seen = s.requests();
    REQUIRE(seen.size() == 1);
    CHECK_FALSE(seen[0].header("idempotency-key").has_value());
  }

  TEST_CASE("a POST sent without an Idempotency-Key is sent again after a 429, which refuses it before any work") {
    ScriptedServer s;
    s.then(problem_reply(429, "Too Many Requests", "Slow down.", {{"Retry-After", "0"}})).then(json_reply(200, {{"token", "t"}}));
    Client client = open_client(s.client_options());
    CallOptions options;
    options.idempotency = IdempotencyKey::omit;
    auto reply = client.post("/v1/auth/login/verify", {{"assertion", "..."}}, options);
    REQUIRE_MESSAGE(reply.has_value(), reply.error().message);
    CHECK(reply->attempts == 2);
    const auto seen = s.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].body == seen[0].body);
    CHECK_FALSE(seen[1].header("idempotency-key").has_value());
  }

  TEST_CASE("retries stop at the budget, and a 429 that stays is a network error") {
    ScriptedServer s;
    for (int i = 0; i < 3; ++i) s.then(problem_reply(429, "Too Many Requests", "Slow down.", {{"Retry-After", "0"}}));
    auto options = s.client_options();
    options.retry.max_retries = 2;
    Client client = open_client(std::move(options));
    auto reply = client.get("/v1/accounts");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(reply.error().http_status == 429);
    CHECK(reply.error().message == "Too Many Requests: Slow down. (after 3 attempts)");
    CHECK(s.requests().size() == 3);
  }

  TEST_CASE("502 and 504 without Retry-After are retried after the backoff") {
    ScriptedServer s;
    s.then(problem_reply(502, "Bad Gateway", "upstream")).then(problem_reply(504, "Gateway Timeout", "upstream"));
    s.then(json_reply(200, {{"ok", true}}));
    Client client = open_client(s.client_options());
    auto reply = client.call(Method::delete_, "/v1/tokens/t1");
    REQUIRE_MESSAGE(reply.has_value(), reply.error().message);
    CHECK(reply->attempts == 3);
    const auto seen = s.requests();
    REQUIRE(seen.size() == 3);
    CHECK(seen[2].method == "DELETE");
  }

  TEST_CASE("a Retry-After beyond the deadline ends the call at once with the server's error") {
    ScriptedServer s;
    s.then(problem_reply(503, "Service Unavailable", "Maintenance.", {{"Retry-After", "30"}}));
    auto options = s.client_options();
    options.deadline = 3s;
    Client client = open_client(std::move(options));
    auto reply = client.get("/v1/accounts");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(contains(reply.error().message, "Maintenance."));
    CHECK(contains(reply.error().message, "wait 30 s, past this call's deadline"));
    CHECK(s.requests().size() == 1);
  }

  TEST_CASE("a connection refused is retried, then a network error") {
    test::RefusingPort closed;
    ClientOptions options;
    options.base_url = "https://127.0.0.1:" + std::to_string(closed.port());
    options.retry = RetryPolicy{.max_retries = 2, .initial_backoff = 1ms, .max_backoff = 4ms};
    std::vector<std::string> trace;
    options.debug = [&trace](std::string_view line) { trace.emplace_back(line); };
    Client client = open_client(std::move(options));
    auto reply = client.get("/v1/health");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(reply.error().http_status == 0);
    CHECK(contains(reply.error().message, "cannot connect to https://127.0.0.1:"));
    CHECK(contains(reply.error().message, "(after 3 attempts)"));
    CHECK(std::count_if(trace.begin(), trace.end(), [](const std::string& l) { return l.starts_with("* retrying"); }) ==
          2);
  }
}

TEST_SUITE("client::deadlines") {
  TEST_CASE("a reply that does not come before the deadline is a timeout") {
    ScriptedServer s;
    s.then(held_reply());
    auto options = s.client_options();
    options.deadline = 300ms;
    Client client = open_client(std::move(options));
    const auto start = std::chrono::steady_clock::now();
    auto reply = client.get("/v1/slow");
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::timeout);
    CHECK(contains(reply.error().message, "within 300 ms"));
    CHECK(took >= 250ms);
    CHECK(took < 5s);
  }

  TEST_CASE("Ctrl-C (cancel_request) stops a call in progress") {
    ScriptedServer s;
    s.then(held_reply());
    Client client = open_client(s.client_options());
    std::thread interrupter([] {
      std::this_thread::sleep_for(200ms);
      cancel_request();
    });
    const auto start = std::chrono::steady_clock::now();
    auto reply = client.get("/v1/slow");
    const auto took = std::chrono::steady_clock::now() - start;
    interrupter.join();
    cancel_reset();
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::cancelled);
    CHECK(took < 5s);  // stopped by the interruption, long before the 10 s deadline
  }
}

TEST_SUITE("client::tls") {
  TEST_CASE("a server whose certificate the CA file did not issue is a network error that names the CA file") {
    ScriptedServer s;
    ScriptedServer other;  // its CA is not the one that issued s's certificate
    auto options = s.client_options();
    options.ca_file = other.pki().ca_cert;
    Client client = open_client(std::move(options));
    auto reply = client.get("/v1/health");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(contains(reply.error().message, "cannot verify the TLS certificate"));
    CHECK(contains(reply.error().message, other.pki().ca_cert));
    CHECK(contains(reply.error().message, "--ca-file"));
    CHECK(s.requests().empty());
  }

  TEST_CASE("without a CA file the system store is used, and the message says so") {
    ScriptedServer s;
    auto options = s.client_options();
    options.ca_file.clear();
    Client client = open_client(std::move(options));
    auto reply = client.get("/v1/health");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(contains(reply.error().message, "the system CA store"));
    CHECK(contains(reply.error().message, "--ca-file"));
    CHECK(reply.error().tls_failure);
  }

  TEST_CASE("a pinned public key: the server's own passes, another one fails") {
    ScriptedServer s;
    ScriptedServer other;
    s.then(json_reply(200, {{"ok", true}}));
    const auto right = public_key_pin_of_certificate(s.pki().server_cert);
    const auto wrong = public_key_pin_of_certificate(other.pki().server_cert);
    REQUIRE(right.has_value());
    REQUIRE(wrong.has_value());
    REQUIRE(*right != *wrong);
    {
      auto options = s.client_options();
      options.pinned_public_key = *right;
      Client client = open_client(std::move(options));
      auto reply = client.get("/v1/health");
      CHECK_MESSAGE(reply.has_value(), reply.error().message);
    }
    {
      auto options = s.client_options();
      options.pinned_public_key = *wrong;
      Client client = open_client(std::move(options));
      auto reply = client.get("/v1/health");
      REQUIRE_FALSE(reply.has_value());
      CHECK(reply.error().category == ErrorCategory::network);
      CHECK(contains(reply.error().message, "does not match the pinned key"));
      CHECK(reply.error().tls_failure);
      CHECK_FALSE(reply.error().unavailable);
    }
    CHECK(s.requests().size() == 1);
  }

  TEST_CASE("options that cannot work are refused before anything is sent") {
    ClientOptions http;
    http.base_url = "http://acctsec.example.com";
    CHECK(Client::open(std::move(http)).error().category == ErrorCategory::usage);
    ClientOptions missing_ca;
    missing_ca.base_url = "https://127.0.0.1:1";
    missing_ca.ca_file = "/nonexistent/ca.pem";
    CHECK(Client::open(std::move(missing_ca)).error().category == ErrorCategory::usage);
    ClientOptions bad_pin;
    bad_pin.base_url = "https://127.0.0.1:1";
    bad_pin.pinned_public_key = "sha1//abc";
    CHECK(Client::open(std::move(bad_pin)).error().category == ErrorCategory::usage);
    ClientOptions loopback_http;
    loopback_http.base_url = "http://127.0.0.1:1";
    CHECK(Client::open(std::move(loopback_http)).has_value());
  }
}

TEST_SUITE("client::trace") {
  TEST_CASE("the debug trace shows the request line, headers, status and bodies, and never the token or secrets") {
    ScriptedServer s;
    s.then(json_reply(201, {{"schema", "acctsec.token/1"}, {"id", "tok-id-1"}, {"secret", "SERVER-SECRET-42"}}));
    s.then(json_reply(200, {{"ok", true}}));
    std::vector<std::string> trace;
    auto options = s.client_options();
    options.token = Secret("BEARER-TOKEN-9000");
    options.debug = [&trace](std::string_view line) { trace.emplace_back(line); };
    Client client = open_client(std::move(options));
    auto created = client.post("/v1/tokens", {{"name", "ci"}, {"clientSecret", "CLIENT-SECRET-7"}});
    REQUIRE_MESSAGE(created.has_value(), created.error().message);
    CHECK(created->body["secret"] == "SERVER-SECRET-42");  // the caller gets it; only the trace hides it
    auto again = client.get("/v1/health");
    REQUIRE(again.has_value());

    std::string all;
    for (const auto& line : trace) all += line + "\n";
    INFO(all);
    CHECK(contains(all, "> POST /v1/tokens HTTP/"));
    CHECK(contains(all, "> Authorization: Bearer [redacted]"));
    CHECK(contains(all, "> Idempotency-Key: " + created->idempotency_key));
    CHECK(contains(all, "< HTTP/1.1 201"));
    CHECK(contains(all, R"(> body: {"clientSecret":"[redacted]","name":"ci"})"));
    CHECK(contains(all, R"("secret":"[redacted]")"));
    CHECK(contains(all, "> GET /v1/health HTTP/"));
    // One connection, kept from the first call to the second.
    CHECK(contains(all, "Re-using existing"));  // libcurl 7.88: "connection #0", 8.x: "https: connection"
    CHECK_FALSE(contains(all, "BEARER-TOKEN-9000"));
    CHECK_FALSE(contains(all, "SERVER-SECRET-42"));
    CHECK_FALSE(contains(all, "CLIENT-SECRET-7"));
  }

  TEST_CASE("a call can keep its bodies out of the trace altogether") {
    ScriptedServer s;
    s.then(json_reply(201, {{"ok", true}}));
    std::vector<std::string> trace;
    auto options = s.client_options();
    options.debug = [&trace](std::string_view line) { trace.emplace_back(line); };
    Client client = open_client(std::move(options));
    CallOptions hidden;
    hidden.body_trace = BodyTrace::hidden;
    REQUIRE(client.post("/v1/bootstrap", {{"code", "BOOTSTRAP-CODE-1"}}, hidden).has_value());
    std::string all;
    for (const auto& line : trace) all += line + "\n";
    INFO(all);
    CHECK(contains(all, "> body: ("));
    CHECK_FALSE(contains(all, "BOOTSTRAP-CODE-1"));
  }
}
