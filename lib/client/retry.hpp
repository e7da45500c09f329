// When and how long to wait before trying a call again: which replies are worth retrying, the
// jittered exponential backoff between attempts, and the server's Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace acctsec::client {

struct RetryPolicy {
  // The retry budget: attempts after the first. 0 turns retrying off.
  int max_retries = 3;
  // Before the first retry about this long (between half of it and all of it), doubling with
  // each retry up to max_backoff. Retry-After, when the server sends it, replaces the backoff.
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{4000};
};

// 429, 502, 503 and 504: the server (or a proxy in front of it) says that a later attempt may
// succeed, and did nothing with this one.
bool retryable_status(int status);

// The wait before retry number `retry` (0 for the first retry): base = initial_backoff * 2^retry
// capped at max_backoff, then base/2 + jitter * base/2, where `jitter` is in [0, 1] (random, so
// that clients turned away together do not come back together).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double jitter);

// A Retry-After value (RFC 9110 §10.2.3): delay-seconds ("120") or an IMF-fixdate ("Sun, 06 Nov
// 1994 08:49:37 GMT"), as the wait from `now`; a date already past is a wait of 0. nullopt when
// the value is neither (the obsolete RFC 850 and asctime date forms are not read either).
std::optional<std::chrono::milliseconds> retry_after_parse(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace acctsec::client
