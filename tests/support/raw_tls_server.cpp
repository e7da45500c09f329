#include "support/raw_tls_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace acctsec::test {
namespace {

// Reads one request (head and Content-Length body) from `ssl`; nullopt when the client closes,
// stalls past the socket's timeout, or sends something that is not HTTP.
std::optional<RawRequest> read_request(SSL* ssl) {
  std::string bytes;
  char buffer[16384];
  auto read_more = [&] {
    const int n = SSL_read(ssl, buffer, sizeof buffer);
    if (n <= 0) return false;
    bytes.append(buffer, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t head_end;
  while ((head_end = bytes.find("\r\n\r\n")) == std::string::npos)
    if (!read_more()) return std::nullopt;
  RawRequest request;
  const std::string head = bytes.substr(0, head_end);
  const std::string request_line = head.substr(0, head.find("\r\n"));
  const auto first_space = request_line.find(' ');
  const auto second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return std::nullopt;
  request.method = request_line.substr(0, first_space);
  request.target = request_line.substr(first_space + 1, second_space - first_space - 1);
  request.headers = http_header_fields(head);
  std::size_t length = 0;
  for (const auto& [name, value] : request.headers)
    if (name == "content-length") length = std::stoul(value);
  bytes.erase(0, head_end + 4);
  while (bytes.size() < length)
    if (!read_more()) return std::nullopt;
  request.body = bytes.substr(0, length);
  return request;
}

bool write_all(SSL* ssl, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const int n = SSL_write(ssl, bytes.data() + sent, static_cast<int>(bytes.size() - sent));
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

struct RawTlsServer::Tls {
  SSL_CTX* ctx = nullptr;
  ~Tls() {
    if (ctx) SSL_CTX_free(ctx);
  }
};

RawTlsServer::RawTlsServer(const std::string& cert_file, const std::string& key_file, RawAnswer answer)
    : m_tls(std::make_unique<Tls>()), m_answer(std::move(answer)) {
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up early must fail a write, not end the test
  m_tls->ctx = SSL_CTX_new(TLS_server_method());
  if (!m_tls->ctx || SSL_CTX_use_certificate_chain_file(m_tls->ctx, cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(m_tls->ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("raw TLS server: cannot load " + cert_file + " and " + key_file);
  m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(m_listener, 16) != 0 || ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &size) != 0)
    throw std::runtime_error("raw TLS server: cannot listen on loopback");
  m_port = ntohs(address.sin_port);
  m_thread = std::thread([this] { serve(); });
}

RawTlsServer::~RawTlsServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_listener);
}

void RawTlsServer::serve() {
  while (!m_stop) {
    pollfd p{m_listener, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    answer_one(fd);
    ::close(fd);
  }
}

void RawTlsServer::answer_one(int fd) {
  SSL* ssl = SSL_new(m_tls->ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    if (auto request = read_request(ssl)) {
      const std::size_t index = m_requests++;
      if (write_all(ssl, m_answer(*request, index))) SSL_shutdown(ssl);  // close_notify: the stream ends cleanly
    }
  }
  ERR_clear_error();
  SSL_free(ssl);
}

std::string http_reply_text(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body, const std::string& content_type) {
  std::string text = "HTTP/1.1 " + std::to_string(status) + " Status\r\n";
  text += "Content-Type: " + content_type + "\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  text += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return text + body;
}

std::string http_reply_text(const HttpReply& reply) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : reply.headers)
    if (name != "content-length" && name != "content-type" && name != "connection" && name != "keep-alive") headers.emplace_back(name, value);
  const auto type = reply.headers.find("content-type");
  return http_reply_text(reply.status, headers, reply.body, type == reply.headers.end() ? "application/json" : type->second);
}

std::optional<HttpReply> relay(unsigned port, const std::string& ca_file, const RawRequest& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers)
    if (name != "host" && name != "content-length" && name != "connection") headers.emplace_back(name, value);
  return https_request(port, ca_file, request.method, request.target, headers, request.body);
}

}  // namespace acctsec::test
