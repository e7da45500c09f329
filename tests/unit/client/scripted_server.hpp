// A scripted HTTPS server for the client's tests: the project's own server::HttpServer on a free
// loopback port with a dev PKI, answering each request with the next reply of a script (or from
// a route function), recording every request as it arrived. A reply may be held back (never
// sent), for deadlines and Ctrl-C. Requests nobody scripted, and scripted replies nobody asked
// for, fail the test, so a fake that went unused cannot hide a broken client.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/client.hpp"
#include "server/dev_pki.hpp"
#include "server/http_server.hpp"
#include "server/problem.hpp"
#include "unit/fido/virtual/scratch_dir.hpp"

namespace acctsec::test {

enum class Hold { no, yes };

struct ScriptedReply {
  server::HttpResponse response;
  Hold hold = Hold::no;
};

inline ScriptedReply json_reply(unsigned status, const nlohmann::json& body,
                                std::vector<std::pair<std::string, std::string>> headers = {}) {
  server::HttpResponse response;
  response.status = status;
  response.body = body.dump();
  response.headers = std::move(headers);
  return {std::move(response), Hold::no};
}

inline ScriptedReply problem_reply(unsigned status, std::string_view title, std::string_view detail,
                                   std::vector<std::pair<std::string, std::string>> headers = {},
                                   std::string_view type = "about:blank",
                                   nlohmann::json extra = nlohmann::json::object()) {
  auto response = server::problem_response(status, title, detail, type, std::move(extra));
  response.headers = std::move(headers);
  return {std::move(response), Hold::no};
}

inline ScriptedReply held_reply() {
  return {server::HttpResponse{}, Hold::yes};
}

using Route = std::function<ScriptedReply(const server::HttpRequest&)>;

class ScriptedServer {
 public:
  ScriptedServer() {
    auto made = server::dev_pki_ensure(m_dir.file(""));
    REQUIRE_MESSAGE(made.has_value(), made.error().message);
    m_pki = std::move(*made);
    server::HttpServerOptions options;
    options.port = 0;
    options.tls_cert_file = m_pki.server_cert;
    options.tls_key_file = m_pki.server_key;
    options.threads = 2;
    options.drain_timeout = std::chrono::milliseconds(500);
    auto started = server::HttpServer::start(options, [this](server::HttpRequest&& request, server::Respond respond) {
      answer(std::move(request), std::move(respond));
    });
    REQUIRE_MESSAGE(started.has_value(), started.error().message);
    m_server = std::move(*started);
  }

  ~ScriptedServer() {
    {
      const std::lock_guard lock(m_mutex);
      m_held.clear();  // answers 500 to clients that gave up long ago
    }
    m_server.reset();
    if (std::uncaught_exceptions() == 0) {
      CHECK_MESSAGE(m_unscripted == 0, "the client sent requests nobody scripted");
      CHECK_MESSAGE(m_script.empty(), "scripted replies were never asked for");
    }
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  // Appends to the script: each request takes the next reply.
  ScriptedServer& then(ScriptedReply reply) {
    const std::lock_guard lock(m_mutex);
    m_script.push_back(std::move(reply));
    return *this;
  }

  // Answers every request with `route` instead of the script.
  void route(Route route) {
    const std::lock_guard lock(m_mutex);
    m_route = std::move(route);
  }

  std::vector<server::HttpRequest> requests() const {
    const std::lock_guard lock(m_mutex);
    return m_requests;
  }

  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(m_server->port()); }
  const server::DevPki& pki() const { return m_pki; }

  // Options for a client of this server: its CA, and retries with tiny waits.
  client::ClientOptions client_options() const {
    client::ClientOptions options;
    options.base_url = base_url();
    options.ca_file = m_pki.ca_cert;
    options.deadline = std::chrono::seconds(10);
    options.retry = client::RetryPolicy{
        .max_retries = 3, .initial_backoff = std::chrono::milliseconds(1), .max_backoff = std::chrono::milliseconds(4)};
    return options;
  }

 private:
  void answer(server::HttpRequest&& request, server::Respond respond) {
    std::unique_lock lock(m_mutex);
    m_requests.push_back(request);
    std::optional<ScriptedReply> reply;
    if (m_route) {
      const Route route = m_route;
      lock.unlock();
      reply = route(request);
      lock.lock();
    } else if (!m_script.empty()) {
      reply = std::move(m_script.front());
      m_script.pop_front();
    }
    if (!reply) {
      ++m_unscripted;
      lock.unlock();
      respond(server::problem_response(500, "Unscripted", "No reply was scripted for " + request.target));
      return;
    }
    if (reply->hold == Hold::yes) {
      m_held.push_back(std::move(respond));
      return;
    }
    lock.unlock();
    respond(std::move(reply->response));
  }

  ScratchDir m_dir;
  server::DevPki m_pki;
  mutable std::mutex m_mutex;
  std::deque<ScriptedReply> m_script;
  Route m_route;
  std::vector<server::HttpRequest> m_requests;
  std::vector<server::Respond> m_held;
  int m_unscripted = 0;
  std::unique_ptr<server::HttpServer> m_server;
};

// A TCP socket bound to a free loopback port, and that port.
inline int bound_loopback_socket(unsigned& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t size = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  port = ntohs(address.sin_port);
  return fd;
}

// A loopback port where nothing listens: bound (so no one else takes it) but not listening, so a
// connection to it is refused.
class RefusingPort {
 public:
  RefusingPort() : m_fd(bound_loopback_socket(m_port)) {}
  ~RefusingPort() { ::close(m_fd); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  unsigned port() const { return m_port; }

 private:
  unsigned m_port = 0;
  int m_fd = -1;
};

// A loopback port that accepts each connection and closes it once the client has begun its TLS
// handshake, as a server killed or restarting mid-handshake does.
class HandshakeCuttingPort {
 public:
  HandshakeCuttingPort() : m_fd(bound_loopback_socket(m_port)) {
    REQUIRE(::listen(m_fd, 8) == 0);
    m_thread = std::thread([this] {
      while (true) {
        const int fd = ::accept(m_fd, nullptr, nullptr);
        if (fd < 0) return;  // shut down
        char byte = 0;
        (void)::recv(fd, &byte, 1, 0);  // the ClientHello has begun
        ::close(fd);
      }
    });
  }
  ~HandshakeCuttingPort() {
    ::shutdown(m_fd, SHUT_RDWR);  // ends the accept
    m_thread.join();
    ::close(m_fd);
  }
  HandshakeCuttingPort(const HandshakeCuttingPort&) = delete;
  HandshakeCuttingPort& operator=(const HandshakeCuttingPort&) = delete;
  unsigned port() const { return m_port; }

 private:
  unsigned m_port = 0;
  int m_fd = -1;
  std::thread m_thread;
};

}  // namespace acctsec::test
