// The one translation unit that includes Boost.Beast.
#include "server/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <algorithm>
#include <cmath>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/bytes.hpp"
#include "core/timestamp.hpp"
#include "core/json_writer.hpp"
#include "server/problem.hpp"

namespace acctsec::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// Milliseconds rounded to the microsecond, as the shortest decimal that is that double ("2.0",
// "0.125", "13.5"): what nlohmann writes for std::round(ms * 1000) / 1000. A duration from the
// steady clock is never negative.
std::string milliseconds_text(double ms) {
  const long long micros = std::llround(std::max(ms, 0.0) * 1000);
  long long fraction = micros % 1000;
  if (fraction == 0) return fmt::format("{}.0", micros / 1000);
  int digits = 3;
  while (fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  return fmt::format("{}.{:0{}}", micros / 1000, fraction, digits);
}

}  // namespace

std::string access_record_json(const AccessRecord& record) {
  // One line per request: written directly, members in name order (nlohmann's layout), since
  // building a tree for it showed in the profile of every request.
  JsonWriter line;
  line.begin_object().key("durationMs").raw(milliseconds_text(record.duration_ms));
  line.member("method", record.method).member("path", record.path);
  if (!record.principal.empty()) line.member("principal", record.principal);
  line.member("remote", record.remote).member("requestBytes", std::uint64_t{record.request_bytes});
  line.member("requestId", record.request_id).member("responseBytes", std::uint64_t{record.response_bytes});
  line.member("status", std::uint64_t{record.status}).member("time", format_timestamp(record.time, true)).end_object();
  return line.take();
}

namespace {

class Session;

// What every connection shares: options, the handler, the TLS context and the session registry.
struct Shared {
  HttpServerOptions options;
  HttpHandler handler;
  AccessLog log;
  ssl::context tls{ssl::context::tls_server};
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  std::mutex sessions_mutex;
  std::list<std::weak_ptr<Session>> sessions;
  std::function<void()> on_last_connection;  // set by stop() before `stopping`: ends the drain early
  // Last, so that it is destroyed first: sessions its queue still holds touch the members above.
  net::io_context io;
};

// 128 random bits in hex. Drawn from a per-thread block of randomness: an id names a request and
// guards nothing, and a call into OpenSSL's generator for each one showed in every request's profile.
std::string new_request_id() {
  constexpr std::size_t k_id_bytes = 16;
  constexpr std::size_t k_block = 256 * k_id_bytes;
  thread_local Bytes block;
  thread_local std::size_t used = k_block;
  if (used == k_block) {
    block = random_bytes(k_block);
    used = 0;
  }
  used += k_id_bytes;
  return hex_encode(ByteView(block.data() + used - k_id_bytes, k_id_bytes));
}

// A client's X-Request-Id is kept when it is a short token, so requests can be followed across
// services; anything else (or nothing) gets a new one.
std::string request_id_for(std::string_view given) {
  const bool sane = !given.empty() && given.size() <= 64 && given.find_first_not_of(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string_view::npos;
  return sane ? std::string(given) : new_request_id();
}

// Adds "instance" (the request id, as api/openapi.yaml's Problem says) to a problem reply.
void stamp_problem(HttpResponse& response, const std::string& request_id) {
  if (response.content_type != k_problem_content_type) return;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || body.contains("instance")) return;
  body["instance"] = request_id;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared) : m_shared(shared), m_stream(std::move(socket), shared.tls) {
    beast::error_code ec;
    const auto peer = beast::get_lowest_layer(m_stream).socket().remote_endpoint(ec);
    if (!ec) m_remote = peer.address().to_string();
    ++m_shared.connections;
  }

  ~Session() {
    if (--m_shared.connections == 0 && m_shared.stopping && m_shared.on_last_connection) m_shared.on_last_connection();
  }

  void run() {
    net::dispatch(m_stream.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

  // Called on stop(): a connection waiting for its next request closes now; one in the middle
  // of a request finishes it and closes after the response.
  void drain() {
    net::dispatch(m_stream.get_executor(), [self = shared_from_this()] {
      if (self->m_waiting && self->m_buffer.size() == 0 && !(self->m_parser && self->m_parser->got_some()))
        self->close_now();
    });
  }

 private:
  void handshake() {
    beast::get_lowest_layer(m_stream).expires_after(m_shared.options.request_timeout);
    m_stream.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close_now();
      self->read();
    });
  }

  void read() {
    if (m_shared.stopping) return shutdown();
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(m_shared.options.header_limit));
    m_parser->body_limit(m_shared.options.body_limit);
    m_waiting = true;
    beast::get_lowest_layer(m_stream).expires_after(m_shared.options.request_timeout);
    http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
      self->on_read(ec, bytes);
    });
  }

  void on_read(beast::error_code ec, std::size_t bytes) {
    m_waiting = false;
    m_request_bytes = bytes;
    m_request_id.clear();
    m_method.clear();
    m_path.clear();
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec == http::error::header_limit)
      return reply_and_close(problem_response(431, "Request Header Fields Too Large",
                                              fmt::format("Request headers are limited to {} bytes.", m_shared.options.header_limit)));
    if (ec == http::error::body_limit)
      return reply_and_close(problem_response(413, "Content Too Large",
                                              fmt::format("Request bodies are limited to {} bytes.", m_shared.options.body_limit)));
    if (ec == beast::error::timeout || ec == net::error::operation_aborted || ec == net::ssl::error::stream_truncated ||
        ec == net::error::eof || ec == net::error::connection_reset)
      return close_now();
    if (ec) {
      // Bytes arrived but do not make an HTTP/1.1 request.
      if (m_parser && m_parser->got_some())
        return reply_and_close(problem_response(400, "Bad Request", "The request is not well-formed HTTP/1.1: " + ec.message() + "."));
      return close_now();
    }

    auto& message = m_parser->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const auto question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    request.headers.reserve(8);
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.request_id = request_id_for(request.header("x-request-id").value_or(""));
    request.remote = m_remote;
    m_request_id = request.request_id;
    m_method = request.method;
    m_path = request.path;
    m_keep_alive = message.keep_alive();
    m_head = message.method() == http::verb::head;
    m_started = std::chrono::steady_clock::now();
    m_completed = std::chrono::system_clock::now();
    // The handler may answer from another thread (after a group commit): come back to this strand.
    Respond respond([self = shared_from_this()](HttpResponse response) {
      net::post(self->m_stream.get_executor(),
                [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
    });
    // No deadline while the handler works; the write sets one again.
    beast::get_lowest_layer(m_stream).expires_never();
    try {
      m_shared.handler(std::move(request), std::move(respond));
    } catch (const std::exception&) {
      // The Respond was moved into the handler: when it unwinds without answering, it answers 500.
    }
  }

  void reply_and_close(HttpResponse response) {
    m_keep_alive = false;
    m_linger = true;
    m_head = false;
    m_started = std::chrono::steady_clock::now();
    m_completed = std::chrono::system_clock::now();
    if (m_request_id.empty()) m_request_id = new_request_id();
    write(std::move(response));
  }

  void write(HttpResponse response) {
    stamp_problem(response, m_request_id);
    const bool keep_alive = m_keep_alive && !m_shared.stopping;
    m_response.emplace();
    m_response->version(11);
    m_response->result(response.status);
    m_response->set(http::field::content_type, response.content_type);
    m_response->set(http::field::cache_control, "no-store");
    m_response->set("X-Request-Id", m_request_id);
    for (const auto& [name, value] : response.headers) m_response->set(name, value);
    m_response->keep_alive(keep_alive);
    const std::size_t length = response.body.size();
    if (!m_head) m_response->body() = std::move(response.body);
    m_response->content_length(length);  // HEAD: the length GET would send, and no body
    m_principal = std::move(response.principal);
    m_status = response.status;
    beast::get_lowest_layer(m_stream).expires_after(m_shared.options.request_timeout);
    http::async_write(m_stream, *m_response, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t bytes) {
      self->log(bytes);
      if (ec) return self->close_now();
      if (self->m_linger) return self->linger();
      if (!keep_alive) return self->shutdown();
      self->read();
    });
  }

  void log(std::size_t response_bytes) {
    if (!m_shared.log) return;
    AccessRecord record;
    record.time = m_completed;
    record.request_id = m_request_id;
    record.remote = m_remote;
    record.method = m_method;
    record.path = m_path;
    record.status = m_status;
    record.request_bytes = m_request_bytes;
    record.response_bytes = response_bytes;
    record.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_started).count();
    record.principal = m_principal;
    try {
      m_shared.log(record);
    } catch (const std::exception&) {  // a failing log sink must not take the connection down
    }
  }

  // After refusing a request the client may still be sending its body; closing now would make
  // the kernel reset the connection and lose the reply. Read and discard for a little while
  // (bounded in time and bytes), as nginx's lingering close does, then close.
  void linger() {
    beast::get_lowest_layer(m_stream).expires_after(std::chrono::seconds(2));
    m_linger_buffer.resize(16 * 1024);
    m_stream.async_read_some(net::buffer(m_linger_buffer), [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
      self->m_lingered += bytes;
      if (ec || self->m_lingered > k_linger_bytes) return self->close_now();
      self->linger();
    });
  }

  void shutdown() {
    beast::get_lowest_layer(m_stream).expires_after(std::chrono::seconds(2));
    m_stream.async_shutdown([self = shared_from_this()](beast::error_code) { self->close_now(); });
  }

  void close_now() {
    beast::error_code ignored;
    beast::get_lowest_layer(m_stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(m_stream).close();
  }

  Shared& m_shared;
  beast::ssl_stream<beast::tcp_stream> m_stream;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::optional<http::response<http::string_body>> m_response;
  std::string m_remote;
  std::string m_request_id;
  std::string m_method;
  std::string m_path;
  std::string m_principal;
  unsigned m_status = 0;
  std::size_t m_request_bytes = 0;
  bool m_keep_alive = false;
  bool m_head = false;
  bool m_waiting = false;
  bool m_linger = false;
  std::vector<char> m_linger_buffer;
  std::size_t m_lingered = 0;
  static constexpr std::size_t k_linger_bytes = 4 * 1024 * 1024;
  std::chrono::steady_clock::time_point m_started;
  std::chrono::system_clock::time_point m_completed;
};

}  // namespace

struct HttpServer::Impl {
  Shared shared;
  tcp::acceptor acceptor{net::make_strand(shared.io)};
  std::optional<net::steady_timer> drain_timer;
  std::vector<std::thread> threads;
  std::once_flag stop_once;
  std::uint16_t port = 0;

  void accept() {
    acceptor.async_accept(net::make_strand(shared.io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        if (shared.connections >= shared.options.max_connections) {
          beast::error_code ignored;
          socket.close(ignored);  // over the cap: refused at once, at no cost to the others
        } else {
          // Replies are small writes after the TLS handshake's own: without this, Nagle holds one
          // back until the client's delayed ACK, some 40 ms (bench/account_audit.sh found it).
          beast::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          auto session = std::make_shared<Session>(std::move(socket), shared);
          {
            const std::lock_guard lock(shared.sessions_mutex);
            shared.sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
            shared.sessions.push_back(session);
          }
          session->run();
        }
      }
      accept();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options, HttpHandler handler, AccessLog log) {
  auto impl = std::make_unique<Impl>();
  Shared& shared = impl->shared;
  shared.options = options;
  shared.handler = std::move(handler);
  shared.log = std::move(log);

  shared.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  shared.tls.use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec)
    return fail(ErrorCategory::usage, fmt::format("--tls-cert {}: not a readable PEM certificate chain ({})", options.tls_cert_file, ec.message()));
  shared.tls.use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
  if (ec)
    return fail(ErrorCategory::usage, fmt::format("--tls-key {}: not a readable PEM private key for the certificate ({})", options.tls_key_file, ec.message()));

  const auto address = net::ip::make_address(options.address, ec);
  if (ec) return fail(ErrorCategory::usage, fmt::format("--listen: '{}' is not an IP address", options.address));
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = fmt::format("{}:{}", options.address, options.port);
  auto& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail(ErrorCategory::network, "cannot open a socket for " + where + ": " + ec.message());
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) return fail(ErrorCategory::network, "cannot listen on " + where + ": " + ec.message());
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec)
    return fail(ErrorCategory::network, "cannot listen on " + where + ": " + ec.message());
  impl->port = acceptor.local_endpoint().port();

  impl->accept();
  const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  Impl* raw = impl.get();
  for (unsigned i = 0; i < threads; ++i) raw->threads.emplace_back([raw] { raw->shared.io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  stop();
  wait();
  m_impl->shared.on_last_connection = nullptr;  // sessions destroyed with the io_context post nothing
}

std::uint16_t HttpServer::port() const { return m_impl->port; }

std::size_t HttpServer::connections() const { return m_impl->shared.connections; }

void HttpServer::stop() {
  Impl* impl = m_impl.get();
  std::call_once(impl->stop_once, [impl] {
    Shared& shared = impl->shared;
    net::post(impl->acceptor.get_executor(), [impl] {
      beast::error_code ignored;
      impl->acceptor.close(ignored);
    });
    // The drain ends when the last connection closes or when the timer fires, whichever is first.
    impl->drain_timer.emplace(shared.io);
    impl->drain_timer->expires_after(shared.options.drain_timeout);
    impl->drain_timer->async_wait([impl](beast::error_code ec) {
      if (!ec) impl->shared.io.stop();
    });
    shared.on_last_connection = [impl] {
      net::post(impl->shared.io, [impl] { impl->drain_timer->cancel(); });
    };
    shared.stopping = true;
    std::vector<std::shared_ptr<Session>> open;
    {
      const std::lock_guard lock(shared.sessions_mutex);
      for (auto& weak : shared.sessions)
        if (auto session = weak.lock()) open.push_back(std::move(session));
    }
    for (auto& session : open) session->drain();
    if (shared.connections == 0) net::post(shared.io, [impl] { impl->drain_timer->cancel(); });
  });
}

void HttpServer::wait() {
  for (auto& thread : m_impl->threads)
    if (thread.joinable()) thread.join();
}

}  // namespace acctsec::server
