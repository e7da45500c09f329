#include "exit_status.hpp"

namespace acctsec::cli {

int exit_status(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::usage: return k_exit_usage;
    case ErrorCategory::rejected: return k_exit_no;
    case ErrorCategory::auth: return k_exit_auth;
    case ErrorCategory::not_found: return k_exit_not_found;
    case ErrorCategory::device: return k_exit_device;
    case ErrorCategory::network: return k_exit_network;
    case ErrorCategory::timeout: return k_exit_timeout;
    case ErrorCategory::cancelled: return k_exit_interrupted;
    case ErrorCategory::internal: return k_exit_internal;
  }
  return k_exit_internal;
}

}  // namespace acctsec::cli
