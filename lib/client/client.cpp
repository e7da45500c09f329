#include "client/client.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <random>

#include "client/idempotency_key.hpp"
#include "core/public_key_pin.hpp"
#include "client/trace.hpp"
#include "core/cancel.hpp"
#include "core/curl_library.hpp"
#include "core/file.hpp"
#include "core/json_parse.hpp"

namespace acctsec::client {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* k_user_agent = "acctsec/" ACCTSEC_VERSION;

const char* method_name(Method method) {
  switch (method) {
    case Method::get:
      return "GET";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::delete_:
      return "DELETE";
  }
  return "GET";
}

// RFC 9110 §9.2.2: repeating these has the effect of sending them once.
bool idempotent(Method method) {
  return method == Method::get || method == Method::put || method == Method::delete_;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

bool json_content_type(std::string_view content_type) {
  const std::string type = lower(trim(content_type.substr(0, content_type.find(';'))));
  return type == "application/json" || (type.starts_with("application/") && type.ends_with("+json"));
}

// Failures where the request did not reach the server's handler, or the connection went away
// before the whole reply came: worth another attempt when repeating the request is safe.
bool retryable_transport(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_GOT_NOTHING || code == CURLE_SEND_ERROR ||
         code == CURLE_RECV_ERROR || code == CURLE_PARTIAL_FILE;
}

// Whether curl's words for a failed handshake say the peer closed or reset the connection (OpenSSL's
// SSL_ERROR_SYSCALL, "unexpected eof", a reset or broken pipe) rather than refusing what it saw.
bool handshake_cut(std::string_view detail) {
  for (const std::string_view sign : {"SSL_ERROR_SYSCALL", "unexpected eof", "Connection reset", "Broken pipe"})
    if (detail.find(sign) != std::string_view::npos) return true;
  return false;
}

bool tls_failure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return true;
    default:
      return false;
  }
}

// What the debug callback needs; the request body is shown once per attempt, when libcurl
// starts sending it.
struct TraceContext {
  const DebugSink* sink = nullptr;
  std::string_view token;  // scrubbed from every line, whatever libcurl prints
  std::string_view request_body;
  BodyTrace body_trace = BodyTrace::shown;
  bool body_shown = false;
};

std::string body_for_trace(std::string_view body, BodyTrace mode) {
  return mode == BodyTrace::shown ? trace_json_body(body) : fmt::format("({} bytes, hidden)", body.size());
}

enum class LineKind { text, header };

// Sends each line of a block (libcurl hands over the request headers as one block) to the sink.
void trace_lines(const TraceContext& context, std::string_view prefix, std::string_view block, LineKind kind) {
  while (!block.empty()) {
    const auto end = block.find('\n');
    const std::string_view line = trim(block.substr(0, end));
    if (!line.empty()) {
      const std::string scrubbed = trace_scrub(line, context.token);
      (*context.sink)(fmt::format("{}{}", prefix,
                                  kind == LineKind::header ? trace_header_line(scrubbed) : trace_text_line(scrubbed)));
    }
    if (end == std::string_view::npos) break;
    block.remove_prefix(end + 1);
  }
}

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* context = static_cast<TraceContext*>(user);
  const std::string_view text(data, size);
  switch (type) {
    case CURLINFO_TEXT:
      trace_lines(*context, "* ", text, LineKind::text);
      break;
    case CURLINFO_HEADER_OUT:
      trace_lines(*context, "> ", text, LineKind::header);
      break;
    case CURLINFO_HEADER_IN:
      trace_lines(*context, "< ", text, LineKind::header);
      break;
    case CURLINFO_DATA_OUT:
      if (!context->body_shown) {
        context->body_shown = true;
        (*context->sink)("> body: " + body_for_trace(context->request_body, context->body_trace));
      }
      break;
    default:  // bodies as they arrive (shown whole afterwards) and TLS records
      break;
  }
  return 0;
}

// What one attempt brought back.
struct Transfer {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string reason;  // the status line's reason phrase (HTTP/1.1 only)
  std::size_t max_size = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (transfer->body.size() + n > transfer->max_size) {
    transfer->too_large = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new reply begins (after a 100 Continue, or a proxy's CONNECT): only the last one counts.
    transfer->headers.clear();
    const auto status_end = line.find(' ', line.find(' ') + 1);
    transfer->reason =
        status_end == std::string_view::npos ? std::string() : std::string(trim(line.substr(status_end)));
  } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    if (!transfer->headers.empty()) transfer->headers.back().second += " " + std::string(trim(line));
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    transfer->headers.emplace_back(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return n;
}

int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return cancel_requested() ? 1 : 0;
}

std::optional<std::string_view> header_in(const std::vector<std::pair<std::string, std::string>>& headers,
                                          std::string_view name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return std::nullopt;
}

ClientError error_of(ErrorCategory category, std::string message) {
  return ClientError(Error(category, std::move(message)));
}

// The request headers of one call; every entry is wiped before the list is freed, since one
// holds the bearer token (libcurl keeps its own copy of each string).
class HeaderList {
 public:
  explicit HeaderList(const CurlLibrary& curl) : m_curl(curl) {}
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() {
    for (curl_slist* entry = m_list; entry; entry = entry->next)
      if (entry->data) OPENSSL_cleanse(entry->data, std::strlen(entry->data));
    if (m_list) m_curl.slist_free_all(m_list);
  }
  bool add(const std::string& line) {
    curl_slist* grown = m_curl.slist_append(m_list, line.c_str());
    if (!grown) return false;
    m_list = grown;
    return true;
  }
  curl_slist* get() const { return m_list; }

 private:
  const CurlLibrary& m_curl;
  curl_slist* m_list = nullptr;
};

}  // namespace

std::optional<std::string_view> Response::header(std::string_view name) const {
  return header_in(headers, name);
}

struct Client::Impl {
  const CurlLibrary* curl = nullptr;
  ClientOptions options;
  BaseUrl base;
  CURL* handle = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::mt19937_64 random{std::random_device{}()};

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (handle) curl->easy_cleanup(handle);
  }

  void trace(std::string_view line) const {
    if (options.debug) options.debug(trace_scrub(line, options.token.view()));
  }

  template <typename T>
  bool set(CURLoption option, T value) {
    return curl->easy_setopt(handle, option, value) == CURLE_OK;
  }

  // One request. Returns libcurl's code; the reply (if any) is in `transfer`.
  CURLcode perform(Method method, const std::string& url, std::string_view body, const HeaderList& headers,
                   milliseconds timeout, TraceContext& trace_context, Transfer& transfer, long& status) {
    curl->easy_reset(handle);  // keeps the connection, DNS and TLS session caches
    error_buffer[0] = '\0';
    const long timeout_ms = std::max<long>(1, static_cast<long>(timeout.count()));
    bool ok = set(CURLOPT_URL, url.c_str()) && set(CURLOPT_PROTOCOLS_STR, base.scheme.c_str()) &&
              set(CURLOPT_FOLLOWLOCATION, 0L) && set(CURLOPT_SSL_VERIFYPEER, 1L) && set(CURLOPT_SSL_VERIFYHOST, 2L) &&
              set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)) &&
              set(CURLOPT_TIMEOUT_MS, timeout_ms) && set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) &&
              set(CURLOPT_NOSIGNAL, 1L) && set(CURLOPT_USERAGENT, k_user_agent) && set(CURLOPT_ACCEPT_ENCODING, "") &&
              set(CURLOPT_HTTPHEADER, headers.get()) && set(CURLOPT_ERRORBUFFER, static_cast<char*>(error_buffer)) &&
              set(CURLOPT_WRITEFUNCTION, static_cast<curl_write_callback>(on_body)) &&
              set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer)) &&
              set(CURLOPT_HEADERFUNCTION, static_cast<curl_write_callback>(on_header)) &&
              set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer)) &&
              set(CURLOPT_XFERINFOFUNCTION, static_cast<curl_xferinfo_callback>(on_progress)) &&
              set(CURLOPT_NOPROGRESS, 0L);
    // A CA file replaces the system store rather than adding to it.
    if (ok && !options.ca_file.empty())
      ok = set(CURLOPT_CAINFO, options.ca_file.c_str()) && set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    if (ok && !options.pinned_public_key.empty()) ok = set(CURLOPT_PINNEDPUBLICKEY, options.pinned_public_key.c_str());
    if (ok && base.loopback == Loopback::yes) ok = set(CURLOPT_NOPROXY, "*");
    switch (method) {
      case Method::get:
        ok = ok && set(CURLOPT_HTTPGET, 1L);
        break;
      case Method::post:
        ok = ok && set(CURLOPT_POST, 1L);
        break;
      default:
        ok = ok && set(CURLOPT_CUSTOMREQUEST, method_name(method));
        break;
    }
    if (ok && (method == Method::post || !body.empty()))
      ok = set(CURLOPT_POSTFIELDS, body.data()) &&
           set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (ok && options.debug) {
      trace_context.body_shown = false;
      ok = set(CURLOPT_VERBOSE, 1L) && set(CURLOPT_DEBUGFUNCTION, static_cast<curl_debug_callback>(on_debug)) &&
           set(CURLOPT_DEBUGDATA, static_cast<void*>(&trace_context));
    }
    if (!ok) return CURLE_BAD_FUNCTION_ARGUMENT;
    // HTTP/2 over TLS when both sides have it; a libcurl built without it refuses the option and
    // speaks HTTP/1.1, which is fine.
    set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    const CURLcode code = curl->easy_perform(handle);
    status = 0;
    curl->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    return code;
  }

  // The error for a transfer that got no usable reply.
  ClientError transport_error(CURLcode code, const Transfer& transfer, Method method, std::string_view path,
                              milliseconds deadline) const {
    const std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : curl->easy_strerror(code);
    const std::string_view what = method_name(method);
    const auto untrusted = [](ClientError error) {
      error.tls_failure = true;
      return error;
    };
    if (code == CURLE_OPERATION_TIMEDOUT)
      return error_of(ErrorCategory::timeout,
                      fmt::format("{} {} got no reply from {} within {} ms; try again, or allow longer with --timeout",
                                  what, path, base.text, deadline.count()));
    if (code == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
      return untrusted(error_of(ErrorCategory::network,
                      fmt::format("the public key of {} does not match the pinned key: the server has a new key, or "
                                  "this is not the server meant; update the pin only if its operator confirms it",
                                  base.text)));
    const auto unavailable = [](ClientError error) {
      error.unavailable = true;
      return error;
    };
    // A server that dies or restarts while a TLS handshake is under way cuts the connection; curl
    // reports that as a failed handshake too, but no CA file would help: it is an outage.
    if (code == CURLE_SSL_CONNECT_ERROR && handshake_cut(detail))
      return unavailable(error_of(ErrorCategory::network, fmt::format("the connection to {} broke during the TLS handshake ({}); try again",
                                                                      base.text, detail)));
    if (tls_failure(code)) {
      const std::string trusted =
          options.ca_file.empty() ? std::string("the system CA store") : fmt::format("the CA file {}", options.ca_file);
      return untrusted(error_of(ErrorCategory::network,
                                fmt::format("cannot verify the TLS certificate of {} ({}); it was checked against {}: pass the "
                                            "CA certificate that issued the server's certificate with --ca-file FILE",
                                            base.text, detail, trusted)));
    }
    if (code == CURLE_WRITE_ERROR && transfer.too_large)
      return error_of(ErrorCategory::network, fmt::format("the reply to {} {} is larger than {} bytes; refused", what,
                                                          path, options.max_reply_size));
    if (code == CURLE_COULDNT_RESOLVE_HOST)
      return error_of(ErrorCategory::network,
                      fmt::format("cannot resolve the host of {} ({}); check the server URL", base.text, detail));
    if (code == CURLE_COULDNT_CONNECT)
      return unavailable(error_of(
          ErrorCategory::network,
          fmt::format("cannot connect to {} ({}); check that the server is running and the URL is right", base.text,
                      detail)));
    if (code == CURLE_GOT_NOTHING || code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR)
      return unavailable(error_of(ErrorCategory::network, fmt::format("the connection to {} broke during {} {} ({}); try again",
                                                                      base.text, what, path, detail)));
    if (code == CURLE_PARTIAL_FILE)
      return unavailable(error_of(ErrorCategory::network,
                                  fmt::format("the reply to {} {} was cut short ({}); try again", what, path, detail)));
    if (code == CURLE_URL_MALFORMAT)
      return error_of(ErrorCategory::usage, fmt::format("{} is not a valid URL ({})", base.text, detail));
    if (code == CURLE_BAD_FUNCTION_ARGUMENT)
      return error_of(ErrorCategory::network, "libcurl refused a transfer option; install libcurl4 7.85 or later");
    return error_of(ErrorCategory::network, fmt::format("{} {} to {} failed: {}", what, path, base.text, detail));
  }

  // The error for a non-2xx reply.
  static ClientError reply_error(long status, Transfer& transfer) {
    const auto content_type = header_in(transfer.headers, "content-type");
    std::optional<Problem> problem;
    if (content_type && json_content_type(*content_type)) {
      if (auto parsed = json_parse_value(transfer.body))
        problem = problem_parse(json_to_nlohmann(*parsed), static_cast<int>(status));
    }
    const int code = static_cast<int>(status);
    std::string message = problem ? problem_message(*problem)
                                  : fmt::format("the server answered HTTP {}{}{}", code,
                                                transfer.reason.empty() ? "" : " ", transfer.reason);
    ClientError error = error_of(status_category(code), std::move(message));
    error.http_status = code;
    error.unavailable = retryable_status(code);
    error.problem = std::move(problem);
    if (const auto id = header_in(transfer.headers, "x-request-id")) error.request_id = std::string(*id);
    return error;
  }

  milliseconds backoff(int retry) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    return backoff_delay(options.retry, retry, unit(random));
  }
};

Client::Client(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Client::Client(Client&& other) noexcept = default;
Client& Client::operator=(Client&& other) noexcept = default;
Client::~Client() = default;

Result<Client> Client::open(ClientOptions options) {
  auto base = base_url_parse(options.base_url);
  if (!base) return fail(base.error());
  if (!options.ca_file.empty()) {
    auto readable = file_read(options.ca_file, 16 * 1024 * 1024);
    if (!readable)
      return fail(ErrorCategory::usage,
                  fmt::format("the CA file {} cannot be read ({}); pass a PEM file with --ca-file", options.ca_file,
                              readable.error().message));
  }
  if (!options.pinned_public_key.empty()) {
    if (auto checked = public_key_pin_check(options.pinned_public_key); !checked) return fail(checked.error());
  }
  if (options.deadline <= milliseconds(0))
    return fail(ErrorCategory::usage, "the deadline of a call must be longer than 0 ms");
  auto library = curl_library();
  if (!library) return fail(library.error());
  auto impl = std::make_unique<Impl>();
  impl->curl = *library;
  impl->base = std::move(*base);
  impl->options = std::move(options);
  impl->options.base_url = impl->base.text;
  impl->handle = impl->curl->easy_init();
  if (!impl->handle) return fail(ErrorCategory::network, "libcurl could not start a transfer");
  return Client(std::move(impl));
}

void Client::token_set(Secret token) {
  m_impl->options.token = std::move(token);
}

const std::string& Client::base_url() const {
  return m_impl->base.text;
}

ClientResult<Response> Client::call(Method method, std::string_view path, const Query& query,
                                    const std::optional<nlohmann::json>& body, const CallOptions& options) {
  Impl& impl = *m_impl;
  auto url = request_url(impl.base, path, query);
  if (!url) return std::unexpected(ClientError(url.error()));
  if (cancel_requested()) return std::unexpected(error_of(ErrorCategory::cancelled, "interrupted"));

  const milliseconds deadline = options.deadline.value_or(impl.options.deadline);
  const auto deadline_at = Clock::now() + deadline;
  std::string key = options.idempotency_key;
  if (key.empty() && (method == Method::post || method == Method::patch) &&
      options.idempotency == IdempotencyKey::generate)
    key = idempotency_key_new();
  const bool may_retry = idempotent(method) || !key.empty();

  // A Secret so that it is wiped afterwards: request bodies carry assertions and codes.
  const Secret request_body(body ? body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                 : std::string());
  HeaderList headers(*impl.curl);
  bool built = headers.add("Accept: application/json, application/problem+json") && headers.add("Expect:");
  if (body) built = built && headers.add("Content-Type: application/json");
  if (!key.empty()) built = built && headers.add("Idempotency-Key: " + key);
  for (const auto& [name, value] : options.headers) built = built && headers.add(name + ": " + value);
  if (!impl.options.token.empty()) {
    constexpr std::string_view k_prefix = "Authorization: Bearer ";
    std::string authorization;
    authorization.reserve(k_prefix.size() + impl.options.token.size());  // one buffer, so one wipe covers it
    authorization += k_prefix;
    authorization += impl.options.token.view();
    built = built && headers.add(authorization);
    wipe(authorization);
  }
  if (!built) return std::unexpected(error_of(ErrorCategory::internal, "out of memory for request headers"));

  TraceContext trace_context{.sink = &impl.options.debug,
                             .token = impl.options.token.view(),
                             .request_body = request_body.view(),
                             .body_trace = options.body_trace,
                             .body_shown = false};
  const int budget = std::max(0, impl.options.retry.max_retries);
  for (int attempt = 1;; ++attempt) {
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline_at - Clock::now());
    Transfer transfer;
    transfer.max_size = impl.options.max_reply_size;
    long status = 0;
    const CURLcode code = remaining <= milliseconds(0) ? CURLE_OPERATION_TIMEDOUT
                                                       : impl.perform(method, *url, request_body.view(), headers,
                                                                      remaining, trace_context, transfer, status);
    const bool retries_left = attempt <= budget;
    const auto after_attempts = [attempt](ClientError error) {
      if (attempt > 1) error.message += fmt::format(" (after {} attempts)", attempt);
      return std::unexpected(std::move(error));
    };
    // Waits before the next attempt; false when that would pass the deadline.
    const auto wait_for_retry = [&](milliseconds wait, std::string_view why) {
      if (Clock::now() + wait >= deadline_at) return false;
      impl.trace(fmt::format("* retrying in {} ms ({}; attempt {} of at most {})", wait.count(), why, attempt + 1,
                             budget + 1));
      return sleep_unless_cancelled(wait);
    };

    if (code != CURLE_OK) {
      if (cancel_requested()) return std::unexpected(error_of(ErrorCategory::cancelled, "interrupted"));
      ClientError error = impl.transport_error(code, transfer, method, path, deadline);
      if (retries_left && may_retry && retryable_transport(code) && wait_for_retry(impl.backoff(attempt - 1), error.message))
        continue;
      if (cancel_requested()) return std::unexpected(error_of(ErrorCategory::cancelled, "interrupted"));
      return after_attempts(std::move(error));
    }

    if (impl.options.debug && !transfer.body.empty()) {
      const auto content_type = header_in(transfer.headers, "content-type");
      impl.trace("< body: " + (content_type && json_content_type(*content_type)
                                   ? body_for_trace(transfer.body, options.body_trace)
                                   : fmt::format("({} bytes of {})", transfer.body.size(),
                                                 content_type ? *content_type : "unknown type")));
    }

    if (status >= 200 && status <= 299) {
      Response response;
      response.status = static_cast<int>(status);
      response.idempotency_key = key;
      response.attempts = attempt;
      const auto content_type = header_in(transfer.headers, "content-type");
      if (content_type && json_content_type(*content_type) && !transfer.body.empty()) {
        auto parsed = json_parse_value(transfer.body);
        wipe(transfer.body);  // a login's reply holds the new token
        if (!parsed)
          return std::unexpected(error_of(
              ErrorCategory::network,
              fmt::format("the reply to {} {} claims to be JSON and is not; the server, or a proxy before it, sent "
                          "something else",
                          method_name(method), path)));
        response.body = json_to_nlohmann(*parsed);
      } else {
        response.text = std::move(transfer.body);
      }
      response.headers = std::move(transfer.headers);
      return response;
    }

    ClientError error = Impl::reply_error(status, transfer);
    wipe(transfer.body);
    // 429 is a refusal before any work (acctsec serve's rate limits answer it before the route
    // runs), so even a call that is never repeated otherwise, such as a single-use login
    // ceremony, is sent again after it.
    if (retries_left && (may_retry || status == 429) && retryable_status(static_cast<int>(status))) {
      std::optional<milliseconds> wait;
      if (const auto retry_after = header_in(transfer.headers, "retry-after"))
        wait = retry_after_parse(*retry_after, std::chrono::system_clock::now());
      if (wait_for_retry(wait.value_or(impl.backoff(attempt - 1)), fmt::format("HTTP {}", status))) continue;
      if (cancel_requested()) return std::unexpected(error_of(ErrorCategory::cancelled, "interrupted"));
      if (wait)
        error.message += fmt::format("; the server asks to wait {} s, past this call's deadline", wait->count() / 1000);
    }
    return after_attempts(std::move(error));
  }
}

}  // namespace acctsec::client
