#include "client/client_error.hpp"

namespace acctsec::client {

ErrorCategory status_category(int status) {
  switch (status) {
    case 401:
    case 403:
      return ErrorCategory::auth;
    case 404:
    case 410:
      return ErrorCategory::not_found;
    case 409:
    case 422:
      return ErrorCategory::rejected;
    case 408:
      return ErrorCategory::timeout;
    case 429:
      return ErrorCategory::network;
    default:
      break;
  }
  if (status >= 400 && status < 500) return ErrorCategory::usage;
  return ErrorCategory::network;
}

}  // namespace acctsec::client
