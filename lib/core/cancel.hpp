// Cancellation: a process-wide flag that a signal handler may set (async-signal-safe) and that
// long operations poll, so Ctrl-C can stop a device operation cleanly.
#pragma once

#include <chrono>

namespace acctsec {

void cancel_request();        // async-signal-safe
bool cancel_requested();
void cancel_reset();          // for tests and for a new operation in the same process

// Sleeps for `wait` in short steps, so that Ctrl-C is noticed: false when a cancel came first.
bool sleep_unless_cancelled(std::chrono::milliseconds wait);

}  // namespace acctsec
