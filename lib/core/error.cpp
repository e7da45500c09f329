#include "core/error.hpp"

namespace acctsec {

std::string_view category_name(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::usage: return "usage";
    case ErrorCategory::rejected: return "rejected";
    case ErrorCategory::auth: return "auth";
    case ErrorCategory::not_found: return "not_found";
    case ErrorCategory::device: return "device";
    case ErrorCategory::network: return "network";
    case ErrorCategory::timeout: return "timeout";
    case ErrorCategory::cancelled: return "cancelled";
    case ErrorCategory::internal: return "internal";
  }
  return "internal";
}

}  // namespace acctsec
