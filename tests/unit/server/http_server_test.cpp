// The HTTPS server over real loopback TLS: answers, request ids, limits (431, 413, slow clients,
// the connection cap), answers from other threads, graceful stop and the access log.
#include "server/http_server.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "server/dev_pki.hpp"
#include "support/tls_client.hpp"
#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::server;
using acctsec::test::HttpReply;
using acctsec::test::https_request;
using acctsec::test::http_request_text;
using acctsec::test::TcpConnection;
using acctsec::test::TlsConnection;
using namespace std::chrono_literals;

namespace {

// A server on a free loopback port with a dev PKI, recording its access log.
struct Served {
  test::ScratchDir dir;
  DevPki pki;
  std::mutex log_mutex;
  std::vector<AccessRecord> log;
  std::unique_ptr<HttpServer> server;

  explicit Served(HttpHandler handler, HttpServerOptions options = {}) {
    auto made = dev_pki_ensure(dir.file(""));
    REQUIRE_MESSAGE(made.has_value(), made.error().message);
    pki = std::move(*made);
    options.port = 0;
    options.tls_cert_file = pki.server_cert;
    options.tls_key_file = pki.server_key;
    options.threads = 2;
    auto started = HttpServer::start(options, std::move(handler), [this](const AccessRecord& record) {
      const std::lock_guard lock(log_mutex);
      log.push_back(record);
    });
    REQUIRE_MESSAGE(started.has_value(), started.error().message);
    server = std::move(*started);
  }
  unsigned port() const { return server->port(); }
  std::optional<HttpReply> get(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return https_request(port(), pki.ca_cert, "GET", target, headers);
  }
  // The access records so far, waiting (up to 5 s) until there are at least `count`: a record is
  // written once its response has gone out, so the client can see the response first.
  std::vector<AccessRecord> records(std::size_t count = 0) {
    for (int i = 0; i < 500; ++i) {
      {
        const std::lock_guard lock(log_mutex);
        if (log.size() >= count) return log;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const std::lock_guard lock(log_mutex);
    return log;
  }
};

HttpHandler echo() {
  return [](HttpRequest&& request, Respond respond) {
    nlohmann::json body = {{"method", request.method}, {"path", request.path}, {"query", request.query},
                           {"bodySize", request.body.size()}, {"requestId", request.request_id}};
    respond(HttpResponse{.status = 200, .content_type = "application/json", .body = body.dump(), .headers = {}, .principal = "tester"});
  };
}

}  // namespace

TEST_SUITE("server::http_server") {
  TEST_CASE("answers over TLS with a request id, keeps the connection alive, and logs each request") {
    Served s(echo());
    auto connection = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(connection);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(connection->send(http_request_text("GET", "/v1/thing?cursor=abc", {{"Authorization", "Bearer s3cret"}}, "")));
      auto reply = connection->read_reply();
      REQUIRE(reply.has_value());
      CHECK(reply->status == 200);
      CHECK(reply->headers["content-type"] == "application/json");
      CHECK(reply->headers["cache-control"] == "no-store");
      const auto body = nlohmann::json::parse(reply->body);
      CHECK(body["path"] == "/v1/thing");
      CHECK(body["query"] == "cursor=abc");
      CHECK(reply->headers["x-request-id"] == body["requestId"]);
      CHECK(reply->headers["x-request-id"].size() == 32);
    }
    connection.reset();
    const auto records = s.records(3);
    REQUIRE(records.size() == 3);
    const std::string line = access_record_json(records[0]);
    CHECK(records[0].status == 200);
    CHECK(records[0].path == "/v1/thing");
    CHECK(records[0].principal == "tester");
    CHECK(line.find("cursor") == std::string::npos);  // the query is not logged
    CHECK(line.find("s3cret") == std::string::npos);  // nor any header
    const auto parsed = nlohmann::json::parse(line);
    CHECK(parsed["requestId"] == records[0].request_id);
    CHECK(parsed["time"].get<std::string>().size() == 24);  // 2026-12-01T09:30:05.123Z
    CHECK(line == parsed.dump());  // nlohmann's layout, members in name order
  }

  TEST_CASE("an access line's duration is in milliseconds to the microsecond, and the line is nlohmann's text for it") {
    AccessRecord record;
    record.request_id = "r1";
    record.remote = "127.0.0.1";
    record.method = "GET";
    record.path = "/v1/x\"y";
    record.status = 503;
    for (const double ms : {0.0, 2.0, 0.125, 13.5, 1.0004, 0.0005, 1234.5678, 99999.999}) {
      record.duration_ms = ms;
      const std::string line = access_record_json(record);
      const auto parsed = nlohmann::json::parse(line);
      CHECK(line == parsed.dump());
      CHECK(parsed["durationMs"].get<double>() == std::round(ms * 1000) / 1000);
      CHECK_FALSE(parsed.contains("principal"));
    }
    record.principal = "alice";
    CHECK(nlohmann::json::parse(access_record_json(record))["principal"] == "alice");
  }

  TEST_CASE("accepted connections send at once (TCP_NODELAY): a small reply never waits for the client's delayed ACK") {
    Served s(echo());
    auto connection = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(connection);
    REQUIRE(connection->send(http_request_text("GET", "/v1/thing", {}, "")));
    REQUIRE(connection->read_reply().has_value());
    // The server runs in this process: its side of the connection is one of our descriptors,
    // the socket whose own port is the server's and which has a peer.
    int accepted = 0, delayed = 0;
    DIR* fds = ::opendir("/proc/self/fd");
    REQUIRE(fds != nullptr);
    while (const dirent* entry = ::readdir(fds)) {
      const int fd = std::atoi(entry->d_name);
      sockaddr_storage local{}, peer{};
      socklen_t local_size = sizeof local, peer_size = sizeof peer;
      if (fd <= 2 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0) continue;
      if (local.ss_family != AF_INET || ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) continue;
      if (ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port) != s.port()) continue;
      int nodelay = 0;
      socklen_t size = sizeof nodelay;
      REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &size) == 0);
      ++accepted;
      if (nodelay == 0) ++delayed;
    }
    ::closedir(fds);
    CHECK(accepted == 1);
    CHECK(delayed == 0);
  }

  TEST_CASE("a client's X-Request-Id is kept when it is a short token, replaced otherwise") {
    Served s(echo());
    CHECK(s.get("/", {{"X-Request-Id", "ci-run-42.step_3"}})->headers["x-request-id"] == "ci-run-42.step_3");
    auto replaced = s.get("/", {{"X-Request-Id", "has spaces and {braces}"}});
    CHECK(replaced->headers["x-request-id"].size() == 32);
    CHECK(s.get("/", {{"X-Request-Id", std::string(65, 'a')}})->headers["x-request-id"].size() == 32);
  }

  TEST_CASE("HEAD gets the headers of GET and no body") {
    Served s([](HttpRequest&& request, Respond respond) {
      respond(HttpResponse{.status = 200, .content_type = "text/plain", .body = request.method == "HEAD" ? "twelve bytes" : "", .headers = {}, .principal = {}});
    });
    auto connection = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(connection->send(http_request_text("HEAD", "/", {}, "")));
    auto head = connection->read_reply(10s, true);
    REQUIRE(head.has_value());
    CHECK(head->status == 200);
    CHECK(head->headers["content-length"] == "12");
    // Had the HEAD reply carried a body, it would be read as the start of the next reply.
    REQUIRE(connection->send(http_request_text("GET", "/", {}, "")));
    auto get = connection->read_reply();
    REQUIRE(get.has_value());
    CHECK(get->status == 200);
    CHECK(get->body.empty());
  }

  TEST_CASE("headers beyond the limit get 431 and bodies beyond it 413, then the connection closes") {
    HttpServerOptions options;
    options.header_limit = 4096;
    options.body_limit = 64 * 1024;
    Served s(echo(), options);
    {
      auto connection = TlsConnection::open(s.port(), s.pki.ca_cert);
      REQUIRE(connection->send(http_request_text("GET", "/", {{"X-Filler", std::string(8000, 'x')}}, "")));
      auto reply = connection->read_reply();
      REQUIRE(reply.has_value());
      CHECK(reply->status == 431);
      CHECK(reply->headers["content-type"] == "application/problem+json");
      const auto problem = nlohmann::json::parse(reply->body);
      CHECK(problem["status"] == 431);
      CHECK(problem["instance"] == reply->headers["x-request-id"]);
      CHECK(connection->closed_by_peer(5s));
    }
    {
      auto connection = TlsConnection::open(s.port(), s.pki.ca_cert);
      REQUIRE(connection->send(http_request_text("POST", "/", {}, std::string(100 * 1024, 'y'))));
      auto reply = connection->read_reply();
      REQUIRE(reply.has_value());
      CHECK(reply->status == 413);
      CHECK(nlohmann::json::parse(reply->body)["detail"].get<std::string>().find("65536") != std::string::npos);
      CHECK(connection->closed_by_peer(5s));
    }
    // Within the limits the same server answers.
    auto fine = https_request(s.port(), s.pki.ca_cert, "POST", "/", {}, std::string(60 * 1024, 'z'));
    REQUIRE(fine.has_value());
    CHECK(nlohmann::json::parse(fine->body)["bodySize"] == 60 * 1024);
    const auto records = s.records(3);
    CHECK(std::count_if(records.begin(), records.end(), [](const AccessRecord& r) { return r.status == 431; }) == 1);
    CHECK(std::count_if(records.begin(), records.end(), [](const AccessRecord& r) { return r.status == 413; }) == 1);
  }

  TEST_CASE("bytes that are not HTTP get 400") {
    Served s(echo());
    auto connection = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(connection->send("HELLO THERE\r\n\r\n"));
    auto reply = connection->read_reply();
    REQUIRE(reply.has_value());
    CHECK(reply->status == 400);
    CHECK(connection->closed_by_peer(5s));
  }

  TEST_CASE("slow clients are cut off at the request deadline and delay nobody meanwhile") {
    HttpServerOptions options;
    options.request_timeout = 800ms;
    Served s(echo(), options);
    // One that never starts TLS, one that sends half a request, one that idles after a request.
    auto silent = TcpConnection::open(s.port());
    auto half = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(half->send("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
    auto idle = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(idle->send(http_request_text("GET", "/", {}, "")));
    REQUIRE(idle->read_reply().has_value());
    // Others are served while those three hang on.
    for (int i = 0; i < 5; ++i) CHECK(s.get("/")->status == 200);
    CHECK(silent->closed_by_peer(10s));
    CHECK(half->closed_by_peer(10s));
    CHECK(idle->closed_by_peer(10s));
  }

  TEST_CASE("connections beyond the cap are closed at once, the ones inside it are still served") {
    HttpServerOptions options;
    options.max_connections = 2;
    Served s(echo(), options);
    auto first = TlsConnection::open(s.port(), s.pki.ca_cert);
    auto second = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(first);
    REQUIRE(second);
    std::string why;
    CHECK_FALSE(TlsConnection::open(s.port(), s.pki.ca_cert, &why));
    REQUIRE(first->send(http_request_text("GET", "/", {}, "")));
    CHECK(first->read_reply()->status == 200);
    second.reset();
    // The freed place goes to the next client (the server notices the close asynchronously).
    std::unique_ptr<TlsConnection> third;
    for (int i = 0; i < 100 && !third; ++i) {
      third = TlsConnection::open(s.port(), s.pki.ca_cert);
      if (!third) std::this_thread::sleep_for(20ms);
    }
    REQUIRE(third);
    REQUIRE(third->send(http_request_text("GET", "/", {}, "")));
    CHECK(third->read_reply()->status == 200);
  }

  TEST_CASE("TLS before 1.2 and clients that do not trust the CA get no connection") {
    Served s(echo());
    std::string why;
    CHECK_FALSE(TlsConnection::open(s.port(), s.pki.ca_cert, &why, TLS1_1_VERSION));
    test::ScratchDir other_dir;
    auto other = dev_pki_ensure(other_dir.file(""));
    REQUIRE(other.has_value());
    CHECK_FALSE(TlsConnection::open(s.port(), other->ca_cert, &why));
    CHECK(why.find("certificate") != std::string::npos);
  }

  TEST_CASE("a handler may answer later from another thread, one that drops its Respond answers 500") {
    std::vector<std::jthread> workers;
    std::mutex workers_mutex;
    Served s([&](HttpRequest&& request, Respond respond) {
      if (request.path == "/drop") return;  // the Respond goes out of scope unanswered
      const std::lock_guard lock(workers_mutex);
      workers.emplace_back([respond] {
        std::this_thread::sleep_for(50ms);
        respond(HttpResponse{.status = 202, .content_type = "application/json", .body = "{}", .headers = {}, .principal = {}});
        respond(HttpResponse{.status = 500, .content_type = "application/json", .body = "{}", .headers = {}, .principal = {}});  // ignored
      });
    });
    CHECK(s.get("/later")->status == 202);
    auto dropped = s.get("/drop");
    REQUIRE(dropped.has_value());
    CHECK(dropped->status == 500);
    CHECK(dropped->headers["content-type"] == "application/problem+json");
    const std::lock_guard lock(workers_mutex);
    workers.clear();
  }

  TEST_CASE("stop() lets a request in progress finish with Connection: close and refuses new connections") {
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future().share();
    Served s([&](HttpRequest&& request, Respond respond) {
      if (request.path != "/slow") return respond(HttpResponse{.status = 200, .content_type = "text/plain", .body = "ok", .headers = {}, .principal = {}});
      std::thread([respond, released, &entered] {
        entered.set_value();
        released.wait();
        respond(HttpResponse{.status = 200, .content_type = "text/plain", .body = "finished", .headers = {}, .principal = {}});
      }).detach();
    });
    auto busy = TlsConnection::open(s.port(), s.pki.ca_cert);
    auto idle = TlsConnection::open(s.port(), s.pki.ca_cert);
    REQUIRE(idle->send(http_request_text("GET", "/", {}, "")));
    REQUIRE(idle->read_reply().has_value());
    REQUIRE(busy->send(http_request_text("GET", "/slow", {}, "")));
    entered.get_future().wait();
    s.server->stop();
    CHECK(idle->closed_by_peer(5s));  // waiting for its next request: closed at once
    std::string why;
    std::unique_ptr<TlsConnection> late;
    for (int i = 0; i < 50; ++i) {  // the acceptor closes asynchronously
      late = TlsConnection::open(s.port(), s.pki.ca_cert, &why);
      if (!late) break;
      late.reset();
      std::this_thread::sleep_for(20ms);
    }
    CHECK_FALSE(late);
    release.set_value();
    auto reply = busy->read_reply();
    REQUIRE(reply.has_value());
    CHECK(reply->body == "finished");
    CHECK(reply->headers["connection"] == "close");
    s.server->wait();
    CHECK(s.server->connections() == 0);
  }
}
