// The REST client that every command talking to the backend uses: HTTPS on libcurl (loaded at run
// time, core/curl_library.hpp), with a deadline on every call, retries that never duplicate a
// POST, problem details read into errors, and a redacted --debug trace. Never prints.
//
// Transport, as libcurl does it here:
// - TLS is always verified (peer and host name), TLS 1.2 or later, against `ca_file` or else the
//   system CA store; optionally the server's public key must also match a pin.
// - HTTP/2 is negotiated over TLS where libcurl and the server support it, HTTP/1.1 otherwise.
// - One connection is kept and reused from call to call (one libcurl handle per Client).
// - Proxies come from the environment, as libcurl reads it: https_proxy / HTTPS_PROXY (http_proxy
//   for http), all_proxy, and no_proxy / NO_PROXY. A loopback server is always reached directly,
//   since a proxy's loopback is not this machine's.
// - Redirects are not followed: the API answers none, and a token must not travel to another URL.
//
// A Client is not thread-safe: use one per thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/base_url.hpp"
#include "client/client_error.hpp"
#include "client/retry.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"

namespace acctsec::client {

// Receives the trace of each exchange, one line per call: "* " libcurl's notes (connecting,
// TLS), "> " the request line and headers, "< " the status line and headers, and "> body:" /
// "< body:" the JSON bodies. Tokens and secrets are redacted (client/trace.hpp).
using DebugSink = std::function<void(std::string_view line)>;

struct ClientOptions {
  // https://host[:port][/prefix]; http:// only for a loopback host (client/base_url.hpp).
  std::string base_url;
  // PEM file of the CA certificates to trust; empty: the system store.
  std::string ca_file;
  // "sha256//BASE64" (or several joined by ';'): besides verifying against the trusted CAs, the
  // server's public key must match one, so a CA that signs a certificate for another key is not
  // enough (core/public_key_pin.hpp computes one). Empty: no pin.
  std::string pinned_public_key;
  // Each call's deadline, its retries and waits included (a CallOptions may set another).
  std::chrono::milliseconds deadline{30'000};
  RetryPolicy retry;
  // Sent as "Authorization: Bearer <token>" when not empty; never traced or logged.
  Secret token;
  DebugSink debug;
  // Replies larger than this are refused (a page of 1,000 accounts is about 1 MiB).
  std::size_t max_reply_size = 64 * 1024 * 1024;
};

enum class Method { get, post, put, patch, delete_ };

// Whether a POST or PATCH gets an Idempotency-Key when the caller gives none. With `omit` it is
// sent without one and, since a retry could then do the work twice, never retried. Use `omit`
// for the few POSTs that have no key in api/openapi.yaml and cannot be replayed (finishing a
// login or registration ceremony, whose challenge is single-use).
enum class IdempotencyKey { generate, omit };

// Whether the request and reply bodies of a call appear in the debug trace (redacted as
// client/trace.hpp says), or only their sizes (for bodies with secrets in other members, such as
// a bootstrap code).
enum class BodyTrace { shown, hidden };

struct CallOptions {
  // Replaces ClientOptions::deadline for this call (a long poll needs more).
  std::optional<std::chrono::milliseconds> deadline;
  // The Idempotency-Key to send (on any method); empty: a fresh one for POST and PATCH, unless
  // `idempotency` is omit. The same key goes with every retry of the call.
  std::string idempotency_key;
  IdempotencyKey idempotency = IdempotencyKey::generate;
  // Extra request headers ("X-Request-Id", say).
  std::vector<std::pair<std::string, std::string>> headers;
  BodyTrace body_trace = BodyTrace::shown;
};

struct Response {
  int status = 0;
  // In arrival order, names in lower case, values trimmed.
  std::vector<std::pair<std::string, std::string>> headers;
  // The reply parsed, when it is JSON (application/json or application/*+json); null otherwise
  // and for an empty body.
  nlohmann::json body;
  // The reply as sent, when it is not JSON; empty otherwise.
  std::string text;
  // The Idempotency-Key sent, when one was.
  std::string idempotency_key;
  // How many requests the call took (1 when the first attempt answered).
  int attempts = 1;

  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
};

class Client {
 public:
  // Checks the options and loads libcurl. Nothing is sent yet.
  // Errors: usage (a bad base URL, a CA file that cannot be read, a malformed pin), network
  // (libcurl missing or failing to start).
  static Result<Client> open(ClientOptions options);

  Client(Client&& other) noexcept;
  Client& operator=(Client&& other) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // Sends `method` to base URL + `path` + `query` with `body` as JSON, and returns a 2xx reply.
  // Connect errors (and connections dropped before a reply), 429, 502, 503 and 504 are retried
  // with jittered backoff, or after the reply's Retry-After, at most RetryPolicy::max_retries
  // times and never past the deadline; only GET, PUT and DELETE, and requests that carry an
  // Idempotency-Key, are retried, except after a 429, which refuses a request before any work.
  // Errors (ClientError::problem set when the server sent one; the message is its title,
  // detail, errors and reasons; http_status set for a reply):
  //   auth (401, 403), not_found (404), usage (400, 413, a path that is not one, ...), rejected
  //   (409, 422) — status_category says which —; network (429 or 5xx after the retries, connect,
  //   DNS and TLS failures — the message names the CA file or the system store and --ca-file —,
  //   a public key that does not match the pin, a reply that is too large or claims to be JSON
  //   and is not); timeout (the deadline passed); cancelled (cancel_request(), Ctrl-C).
  ClientResult<Response> call(Method method, std::string_view path, const Query& query = {},
                              const std::optional<nlohmann::json>& body = std::nullopt,
                              const CallOptions& options = {});

  ClientResult<Response> get(std::string_view path, const Query& query = {}, const CallOptions& options = {}) {
    return call(Method::get, path, query, std::nullopt, options);
  }
  ClientResult<Response> post(std::string_view path, const nlohmann::json& body, const CallOptions& options = {}) {
    return call(Method::post, path, {}, body, options);
  }

  // Replaces the bearer token (after a login, say); an empty one sends none.
  void token_set(Secret token);

  // The base URL, normalised (no trailing '/').
  const std::string& base_url() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace acctsec::client
