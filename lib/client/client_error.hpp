// The error a Client call returns: an acctsec Error (category, message, http_status) together
// with the server's problem document, so that a command can act on its members (a 403
// grant-required's requiredGrant, say) and still pass the Error on unchanged.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "client/problem.hpp"
#include "core/error.hpp"

namespace acctsec::client {

// Is-an Error: `return fail(client_error);` passes on the category, message and http_status
// (slicing off the rest, on purpose).
struct ClientError : Error {
  std::optional<Problem> problem;  // set when the server answered with a problem document
  std::string request_id;          // the failing reply's X-Request-Id (the server's access log)
  // The server could not be reached or answered that it is unavailable for now (no connection, a
  // connection that broke, 429, 502, 503, 504), and the call's own retries did not outlast it: a
  // command that waits anyway (access wait) may try again later. Not set for a reply that came
  // whole and is wrong, nor for a TLS failure.
  bool unavailable = false;
  // The TLS handshake failed: the certificate did not verify against the trusted CAs, did not
  // name the host, or the server's key did not match the pinned one. Not an outage: waiting
  // does not help, the trust settings must change.
  bool tls_failure = false;

  ClientError() = default;
  explicit ClientError(Error error) : Error(std::move(error)) {}
};

template <typename T>
using ClientResult = std::expected<T, ClientError>;

// The category of a non-2xx reply (cli/ maps each to an exit status):
//   401, 403 → auth; 404, 410 → not_found;
//   400, 413, other 4xx → usage (the request was malformed: a caller's input or a bug);
//   409, 422 → rejected (well-formed, but refused by the server's rules or the object's state — the
//     server answers 409 for its own `rejected` errors, and 422 with `reasons`);
//   408 → timeout; 429 (after the retries) and 5xx → network; anything else (1xx, 3xx — the
//   client follows no redirects) → network.
ErrorCategory status_category(int status);

}  // namespace acctsec::client
