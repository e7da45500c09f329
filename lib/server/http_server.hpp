// The HTTPS server under `acctsec serve`: Boost.Beast over Asio and OpenSSL, TLS 1.2 or later,
// HTTP/1.1 with keep-alive. This header is free of Beast; http_server.cpp is the one translation
// unit that includes it (it takes about 20 s to compile).
//
// Slow or oversized clients never delay anyone else: every connection is asynchronous, a request
// must arrive whole within `request_timeout` (slowloris), headers beyond `header_limit` get 431 and
// bodies beyond `body_limit` 413 before the connection is closed, and connections beyond
// `max_connections` are closed as soon as they are accepted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "server/http_message.hpp"

namespace acctsec::server {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8443;  // 0: any free port (see HttpServer::port)
  std::string tls_cert_file;  // PEM chain, server certificate first
  std::string tls_key_file;   // PEM private key
  unsigned threads = 0;       // 0: one per core
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  // From the moment the server waits for a request (after the TLS handshake, or after the previous
  // response on a kept-alive connection) until its last byte: also the idle keep-alive limit.
  std::chrono::milliseconds request_timeout{30'000};
  std::size_t max_connections = 1024;
  // How long stop() lets requests in progress finish before connections are cut.
  std::chrono::milliseconds drain_timeout{10'000};
};

// One line of the access log, per answered request (and per request cut off by a limit).
struct AccessRecord {
  std::chrono::system_clock::time_point time;  // when the request was complete
  std::string request_id;
  std::string remote;
  std::string method;  // empty when the request never parsed
  std::string path;    // without the query, which may carry cursors but never secrets
  unsigned status = 0;
  std::size_t request_bytes = 0;
  std::size_t response_bytes = 0;
  double duration_ms = 0;  // from the complete request to the written response
  std::string principal;
};

// Called from any server thread; the sink serialises its own output.
using AccessLog = std::function<void(const AccessRecord&)>;

// The access record as one JSON line (no newline): {"time","requestId","remote","method","path",
// "status","requestBytes","responseBytes","durationMs","principal"?}.
std::string access_record_json(const AccessRecord& record);

class HttpServer {
 public:
  // Loads the certificate and key, binds, and starts serving on `options.threads` threads.
  // Errors: usage (the certificate or key cannot be loaded, naming the file), network (the
  // address cannot be bound, naming it).
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options, HttpHandler handler,
                                                   AccessLog log = {});

  // Stops and waits (see stop()).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port bound (the chosen one when options.port was 0).
  std::uint16_t port() const;

  // Starts a graceful stop: no new connections; idle connections close; a request in progress is
  // answered (with Connection: close) unless drain_timeout passes first. Returns at once.
  void stop();

  // Blocks until every server thread has finished (after stop()).
  void wait();

  // Connections open now, for tests and metrics.
  std::size_t connections() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace acctsec::server
