// Error: the one error type that crosses library boundaries.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace acctsec {

// What kind of failure this is; cli/ maps each category to one exit status.
enum class ErrorCategory {
  usage,      // the caller asked for something malformed or contradictory
  rejected,   // a check ran and the answer is no (non-compliant, denied, invalid)
  auth,       // authentication or authorization failed
  not_found,  // the named thing does not exist
  device,     // no device, device failure, or a user action (touch, PIN) is missing
  network,    // backend, network or TLS failure
  timeout,    // a deadline passed
  cancelled,  // the user interrupted the operation
  internal,   // a bug or an impossible state
};

std::string_view category_name(ErrorCategory category);

struct Error {
  ErrorCategory category = ErrorCategory::internal;
  // What went wrong and what to do next, as one or two sentences.
  std::string message;
  // libfido2 return code (FIDO_ERR_*) when the error came from the device layer, else 0.
  int fido_code = 0;
  // HTTP status when the error came from a server, else 0.
  int http_status = 0;

  Error() = default;
  Error(ErrorCategory c, std::string m) : category(c), message(std::move(m)) {}
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for returning a failure from a function that returns Result<T>.
inline std::unexpected<Error> fail(ErrorCategory category, std::string message) {
  return std::unexpected<Error>(Error{category, std::move(message)});
}
inline std::unexpected<Error> fail(Error error) {
  return std::unexpected<Error>(std::move(error));
}

}  // namespace acctsec
