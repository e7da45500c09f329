// Test support: a TLS server on loopback that answers each request with whatever bytes the test
// gives it and then closes the connection cleanly (close_notify). The project's HttpServer always
// frames its replies correctly; this one can send a reply whose Content-Length promises more than
// comes, so a client sees a whole TLS stream with a cut HTTP message in it — the truncated reply
// of a proxy or a server that died mid-write. With `relay`, it is a gateway in front of a real
// server that alters some replies and passes the rest on.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/tls_client.hpp"

namespace acctsec::test {

struct RawRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
};

// What to send back, given the request and its number on this server (from 0).
using RawAnswer = std::function<std::string(const RawRequest&, std::size_t index)>;

class RawTlsServer {
 public:
  // Serves with the certificate and key in these PEM files, one connection at a time.
  RawTlsServer(const std::string& cert_file, const std::string& key_file, RawAnswer answer);
  ~RawTlsServer();
  RawTlsServer(const RawTlsServer&) = delete;
  RawTlsServer& operator=(const RawTlsServer&) = delete;

  unsigned port() const { return m_port; }
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
  std::size_t requests() const { return m_requests.load(); }

 private:
  void serve();
  void answer_one(int fd);

  struct Tls;
  std::unique_ptr<Tls> m_tls;
  RawAnswer m_answer;
  int m_listener = -1;
  unsigned m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<std::size_t> m_requests{0};
  std::thread m_thread;
};

// The bytes of an HTTP/1.1 reply that closes its connection, with a Content-Length for all of
// `body` (so that cutting the text short makes a truncated reply).
std::string http_reply_text(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body, const std::string& content_type = "application/json");

// The same for a reply read from a real server (its framing headers replaced).
std::string http_reply_text(const HttpReply& reply);

// Sends `request` on to the server at 127.0.0.1:`port` (trusting `ca_file`) and returns its reply;
// nullopt when that server cannot be reached.
std::optional<HttpReply> relay(unsigned port, const std::string& ca_file, const RawRequest& request);

}  // namespace acctsec::test
