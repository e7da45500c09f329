// The exit-status table (DESIGN.md; acctsec(1) EXIT STATUS). The only place codes are chosen.
#pragma once

#include "core/error.hpp"

namespace acctsec::cli {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_no = 1;           // the check ran and the answer is no
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_auth = 3;
inline constexpr int k_exit_not_found = 4;
inline constexpr int k_exit_device = 5;
inline constexpr int k_exit_network = 6;
inline constexpr int k_exit_timeout = 7;
inline constexpr int k_exit_internal = 70;    // a bug: EX_SOFTWARE
inline constexpr int k_exit_interrupted = 130;

int exit_status(ErrorCategory category);

}  // namespace acctsec::cli
