// --batch: NDJSON verification requests in, NDJSON verdicts out, in input order, on every core,
// with memory bounded by a fixed window of lines however long the input is.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <string>

#include "webauthn/verification_request.hpp"

namespace acctsec::webauthn {

enum class VerifyKind { registration, assertion };

struct BatchTotals {
  std::size_t lines = 0;     // non-blank input lines
  std::size_t verified = 0;
  std::size_t rejected = 0;  // verdicts that said no
  std::size_t errors = 0;    // lines that could not be verified at all (malformed, missing expectation)
};

// How many lines a window holds per worker; with more than one worker, two windows are in flight.
inline constexpr std::size_t k_batch_lines_per_worker = 256;

// Reads `in` line by line; each non-blank line is one request {"id", "response", "expected"?} (see
// verification_request.hpp). Verifies the lines on `workers` threads (at least 1) and calls `emit`
// with each verdict, serialised as one line of JSON without a newline and carrying the line's
// "id" (null when absent or unreadable), in input order, from the calling thread. A line that is
// not JSON or lacks what it needs gets an error verdict naming its line number; the batch goes on.
// `should_stop` is polled between windows (Ctrl-C). Returns the totals.
BatchTotals batch_verify(std::istream& in, VerifyKind kind, const VerifyDefaults& defaults, unsigned workers,
                         const std::function<void(const std::string&)>& emit,
                         const std::function<bool()>& should_stop = {});

}  // namespace acctsec::webauthn
