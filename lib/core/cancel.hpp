// Cancellation: a process-wide flag that a signal handler may set (async-signal-safe) and that
// long operations poll, so Ctrl-C can stop a device operation cleanly.
#pragma once

namespace acctsec {

void cancel_request();        // async-signal-safe
bool cancel_requested();
void cancel_reset();          // for tests and for a new operation in the same process

}  // namespace acctsec
