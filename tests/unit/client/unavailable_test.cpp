// Replies cut short, and which failures mark the server as unavailable for now (what lets
// `access wait` keep waiting through a restart) and which do not.
#include <doctest/doctest.h>

#include "client/client.hpp"
#include "server/dev_pki.hpp"
#include "support/raw_tls_server.hpp"
#include "unit/client/scripted_server.hpp"

using namespace acctsec;
using namespace acctsec::client;
using acctsec::test::http_reply_text;
using acctsec::test::json_reply;
using acctsec::test::problem_reply;
using acctsec::test::RawRequest;
using acctsec::test::RawTlsServer;
using acctsec::test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

// A RawTlsServer with a dev PKI of its own, and a client that trusts it.
struct CuttingServer {
  test::ScratchDir dir;
  server::DevPki pki;
  std::unique_ptr<RawTlsServer> raw;

  explicit CuttingServer(test::RawAnswer answer) {
    auto made = server::dev_pki_ensure(dir.file(""));
    REQUIRE_MESSAGE(made.has_value(), made.error().message);
    pki = std::move(*made);
    raw = std::make_unique<RawTlsServer>(pki.server_cert, pki.server_key, std::move(answer));
  }

  Client client() const {
    ClientOptions options;
    options.base_url = raw->base_url();
    options.ca_file = pki.ca_cert;
    options.deadline = 10s;
    options.retry = RetryPolicy{.max_retries = 2, .initial_backoff = 1ms, .max_backoff = 4ms};
    auto opened = Client::open(std::move(options));
    REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
    return std::move(*opened);
  }
};

const std::string k_whole = R"({"items":[{"id":"c-000001"},{"id":"c-000002"}],"next":null})";

// The reply promises all of k_whole and stops after 20 bytes.
std::string cut_reply() {
  const std::string text = http_reply_text(200, {}, k_whole);
  return text.substr(0, text.size() - k_whole.size() + 20);
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

TEST_SUITE("client::cut replies") {
  TEST_CASE("a GET whose reply is cut short is sent again, and the whole reply is what comes back") {
    CuttingServer s([](const RawRequest&, std::size_t index) { return index == 0 ? cut_reply() : http_reply_text(200, {}, k_whole); });
    Client client = s.client();
    auto reply = client.get("/v1/accounts");
    REQUIRE_MESSAGE(reply.has_value(), reply.error().message);
    CHECK(reply->attempts == 2);
    CHECK(reply->body["items"].size() == 2);
    CHECK(s.raw->requests() == 2);
  }

  TEST_CASE("a reply that stays cut is a network error that says so, and marks the server unavailable") {
    CuttingServer s([](const RawRequest&, std::size_t) { return cut_reply(); });
    Client client = s.client();
    auto reply = client.get("/v1/accounts");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK(contains(reply.error().message, "was cut short"));
    CHECK(contains(reply.error().message, "(after 3 attempts)"));
    CHECK(reply.error().unavailable);
    CHECK(s.raw->requests() == 3);
  }

  TEST_CASE("a POST with an Idempotency-Key is resent with the same key after a cut reply, one without is not resent") {
    std::vector<RawRequest> seen;
    CuttingServer s([&seen](const RawRequest& request, std::size_t index) {
      seen.push_back(request);
      return index == 0 || index == 2 ? cut_reply() : http_reply_text(201, {}, k_whole);
    });
    Client client = s.client();
    auto keyed = client.post("/v1/access-requests", {{"reason", "INC-1"}});
    REQUIRE_MESSAGE(keyed.has_value(), keyed.error().message);
    CHECK(keyed->attempts == 2);
    REQUIRE(seen.size() == 2);
    auto key_of = [](const RawRequest& request) {
      for (const auto& [name, value] : request.headers)
        if (name == "idempotency-key") return value;
      return std::string();
    };
    CHECK_FALSE(key_of(seen[0]).empty());
    CHECK(key_of(seen[1]) == key_of(seen[0]));

    CallOptions once;
    once.idempotency = IdempotencyKey::omit;
    auto unkeyed = client.post("/v1/auth/login/verify", {{"assertion", "..."}}, once);
    REQUIRE_FALSE(unkeyed.has_value());
    CHECK(contains(unkeyed.error().message, "was cut short"));
    CHECK(seen.size() == 3);  // the server may have acted on it: sending it again could do it twice
  }
}

TEST_SUITE("client::unavailable") {
  TEST_CASE("nothing listening is unavailable") {
    test::RefusingPort closed;
    ClientOptions options;
    options.base_url = "https://127.0.0.1:" + std::to_string(closed.port());
    options.retry = RetryPolicy{.max_retries = 1, .initial_backoff = 1ms, .max_backoff = 2ms};
    auto opened = Client::open(std::move(options));
    REQUIRE(opened.has_value());
    auto reply = opened->get("/v1/health");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().unavailable);
  }

  TEST_CASE("503 after the retry budget is unavailable, a 404, a 500 and a whole reply that is not JSON are not") {
    ScriptedServer s;
    for (int i = 0; i < 4; ++i) s.then(problem_reply(503, "Service Unavailable", "Restarting.", {{"Retry-After", "0"}}));
    s.then(problem_reply(404, "Not Found", "No such request."));
    s.then(problem_reply(500, "Internal Server Error", "A bug."));
    server::HttpResponse broken;
    broken.body = R"({"items": [1, 2)";
    s.then({broken, test::Hold::no});
    auto opened = Client::open(s.client_options());
    REQUIRE(opened.has_value());
    auto busy = opened->get("/v1/access-requests/r1");
    REQUIRE_FALSE(busy.has_value());
    CHECK(busy.error().http_status == 503);
    CHECK(busy.error().unavailable);
    auto missing = opened->get("/v1/access-requests/r2");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().category == ErrorCategory::not_found);
    CHECK_FALSE(missing.error().unavailable);
    auto bug = opened->get("/v1/access-requests/r3");
    REQUIRE_FALSE(bug.has_value());
    CHECK(bug.error().category == ErrorCategory::network);
    CHECK_FALSE(bug.error().unavailable);
    auto malformed = opened->get("/v1/access-requests/r4");
    REQUIRE_FALSE(malformed.has_value());
    CHECK(contains(malformed.error().message, "claims to be JSON"));
    CHECK_FALSE(malformed.error().unavailable);
    CHECK_FALSE(malformed.error().tls_failure);
  }

  TEST_CASE("a server that closes the connection in the middle of the TLS handshake is unavailable, not untrusted") {
    test::HandshakeCuttingPort cutting;
    ClientOptions options;
    options.base_url = "https://127.0.0.1:" + std::to_string(cutting.port());
    options.retry = RetryPolicy{.max_retries = 1, .initial_backoff = 1ms, .max_backoff = 2ms};
    auto opened = Client::open(std::move(options));
    REQUIRE(opened.has_value());
    auto reply = opened->get("/v1/health");
    REQUIRE_FALSE(reply.has_value());
    CHECK_MESSAGE(reply.error().unavailable, reply.error().message);
    CHECK_FALSE(reply.error().tls_failure);
    CHECK(contains(reply.error().message, "broke during the TLS handshake"));
  }

  TEST_CASE("a TLS failure is not unavailable: waiting would not fix it") {
    ScriptedServer s;
    test::ScratchDir other;
    auto foreign = server::dev_pki_ensure(other.file(""));
    REQUIRE(foreign.has_value());
    auto options = s.client_options();
    options.ca_file = foreign->ca_cert;
    auto opened = Client::open(std::move(options));
    REQUIRE(opened.has_value());
    auto reply = opened->get("/v1/health");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().category == ErrorCategory::network);
    CHECK_FALSE(reply.error().unavailable);
    CHECK(reply.error().tls_failure);
  }
}
