#include "support/tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace acctsec::test {
namespace {

int tcp_connect(unsigned port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Waits until `fd` is readable or `deadline` passes.
bool readable(int fd, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

struct TlsConnection::State {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  std::string pending;  // bytes read past the last reply
  ~State() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
  // Reads what is available (waiting until `deadline`); false on close, error or deadline.
  bool read_more(std::chrono::steady_clock::time_point deadline) {
    char buffer[16384];
    while (true) {
      if (SSL_pending(ssl) == 0 && !readable(fd, deadline)) return false;
      const int n = SSL_read(ssl, buffer, sizeof buffer);
      if (n > 0) {
        pending.append(buffer, static_cast<std::size_t>(n));
        return true;
      }
      const int reason = SSL_get_error(ssl, n);
      if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) continue;
      ERR_clear_error();
      return false;
    }
  }
};

std::unique_ptr<TlsConnection> TlsConnection::open(unsigned port, const std::string& ca_file, std::string* error,
                                                   int max_tls_version) {
  auto say = [&](const std::string& why) {
    if (error) *error = why;
    ERR_clear_error();
    return nullptr;
  };
  // A server that closes first must fail a write, not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<TlsConnection> connection(new TlsConnection);
  connection->m_state = std::make_unique<State>();
  State& s = *connection->m_state;
  s.fd = tcp_connect(port);
  if (s.fd < 0) return say("connect failed");
  s.ctx = SSL_CTX_new(TLS_client_method());
  if (!s.ctx || SSL_CTX_load_verify_locations(s.ctx, ca_file.c_str(), nullptr) != 1) return say("cannot load the CA");
  SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER, nullptr);
  if (max_tls_version) {
    SSL_CTX_set_security_level(s.ctx, 0);  // let the client offer old versions at all
    SSL_CTX_set_min_proto_version(s.ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(s.ctx, max_tls_version);
  }
  s.ssl = SSL_new(s.ctx);
  if (!s.ssl) return say("SSL_new failed");
  SSL_set_fd(s.ssl, s.fd);
  static char host_name[] = "localhost";
  SSL_ctrl(s.ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host_name);  // SNI, without the macro's C cast
  SSL_set1_host(s.ssl, "localhost");
  timeval timeout{10, 0};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (SSL_connect(s.ssl) != 1) {
    const long verify = SSL_get_verify_result(s.ssl);
    return say(verify != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(verify) : "handshake failed");
  }
  return connection;
}

TlsConnection::~TlsConnection() = default;

bool TlsConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const int n = SSL_write(m_state->ssl, bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) {
      ERR_clear_error();
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<HttpReply> TlsConnection::read_reply(std::chrono::milliseconds deadline_after, bool to_head) {
  const auto deadline = std::chrono::steady_clock::now() + deadline_after;
  State& s = *m_state;
  std::size_t header_end;
  while ((header_end = s.pending.find("\r\n\r\n")) == std::string::npos)
    if (!s.read_more(deadline)) return std::nullopt;
  HttpReply reply;
  const std::string head = s.pending.substr(0, header_end);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return std::nullopt;
  reply.status = std::stoi(status_line.substr(9, 3));
  for (auto& [name, value] : http_header_fields(head)) reply.headers[name] = std::move(value);
  const std::size_t length =
      !to_head && reply.headers.count("content-length") ? std::stoul(reply.headers["content-length"]) : 0;
  s.pending.erase(0, header_end + 4);
  while (s.pending.size() < length)
    if (!s.read_more(deadline)) return std::nullopt;
  reply.body = s.pending.substr(0, length);
  s.pending.erase(0, length);
  return reply;
}

bool TlsConnection::closed_by_peer(std::chrono::milliseconds deadline_after) {
  const auto deadline = std::chrono::steady_clock::now() + deadline_after;
  State& s = *m_state;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!readable(s.fd, deadline)) return false;
    char buffer[4096];
    const int n = SSL_read(s.ssl, buffer, sizeof buffer);
    if (n > 0) continue;
    const int reason = SSL_get_error(s.ssl, n);
    ERR_clear_error();
    if (reason == SSL_ERROR_WANT_READ) continue;
    return true;  // close_notify, EOF or reset
  }
  return false;
}

std::unique_ptr<TcpConnection> TcpConnection::open(unsigned port) {
  const int fd = tcp_connect(port);
  if (fd < 0) return nullptr;
  return std::unique_ptr<TcpConnection>(new TcpConnection(fd));
}

TcpConnection::~TcpConnection() {
  if (m_fd >= 0) ::close(m_fd);
}

bool TcpConnection::closed_by_peer(std::chrono::milliseconds deadline_after) {
  const auto deadline = std::chrono::steady_clock::now() + deadline_after;
  while (readable(m_fd, deadline)) {
    char buffer[4096];
    const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
    if (n <= 0) return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> http_header_fields(const std::string& head) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t line_end = head.find("\r\n");
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    fields.emplace_back(lower(line.substr(0, colon)), std::move(value));
  }
  return fields;
}

std::string http_request_text(const std::string& method, const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                              bool keep_alive) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (!keep_alive) text += "Connection: close\r\n";
  return text + "\r\n" + body;
}

std::optional<HttpReply> https_request(unsigned port, const std::string& ca_file, const std::string& method,
                                       const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers,
                                       const std::string& body) {
  auto connection = TlsConnection::open(port, ca_file);
  if (!connection || !connection->send(http_request_text(method, target, headers, body))) return std::nullopt;
  return connection->read_reply();
}

}  // namespace acctsec::test
