// Test support: a small blocking HTTPS/1.1 client on OpenSSL that verifies the server as any
// client would (the given CA, the name "localhost"), and can also misbehave on purpose — send
// part of a request and stall, send oversized headers, speak old TLS — to test the server's
// limits. Every read has a deadline, so a test fails rather than hangs.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acctsec::test {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class TlsConnection {
 public:
  // Connects to 127.0.0.1:`port` and completes a TLS handshake that trusts only `ca_file`.
  // `max_tls_version` (e.g. TLS1_1_VERSION) caps what the client offers; 0 leaves it open.
  // Returns nullptr (and the reason in `error`) when the connection or handshake fails.
  static std::unique_ptr<TlsConnection> open(unsigned port, const std::string& ca_file, std::string* error = nullptr,
                                             int max_tls_version = 0);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool send(std::string_view bytes);
  // Reads one response (Content-Length framed; a reply to HEAD has no body whatever its
  // Content-Length says). nullopt when the peer closes first or the deadline passes.
  std::optional<HttpReply> read_reply(std::chrono::milliseconds deadline = std::chrono::seconds(10), bool to_head = false);
  // Whether the peer closes the connection (or resets it) within `deadline`, reading and
  // discarding anything it sends before that.
  bool closed_by_peer(std::chrono::milliseconds deadline);

 private:
  TlsConnection() = default;
  struct State;
  std::unique_ptr<State> m_state;
};

// A raw TCP connection that sends nothing: the slowest possible client.
class TcpConnection {
 public:
  static std::unique_ptr<TcpConnection> open(unsigned port);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;
  bool closed_by_peer(std::chrono::milliseconds deadline);

 private:
  explicit TcpConnection(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

// One request on a fresh connection. `headers` are sent as given, plus Host and Content-Length.
std::optional<HttpReply> https_request(unsigned port, const std::string& ca_file, const std::string& method,
                                       const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {},
                                       const std::string& body = "");

// The header fields of an HTTP message head (the lines after its first), names in lower case,
// values without leading blanks, in the order sent.
std::vector<std::pair<std::string, std::string>> http_header_fields(const std::string& head);

// The request text a client would send.
std::string http_request_text(const std::string& method, const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                              bool keep_alive = true);

}  // namespace acctsec::test
