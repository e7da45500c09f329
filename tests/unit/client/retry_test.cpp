// Which replies are retried, the jittered backoff between attempts, and Retry-After.
#include "client/retry.hpp"

#include <doctest/doctest.h>

using namespace acctsec::client;
using namespace std::chrono_literals;

TEST_SUITE("client::retry") {
  TEST_CASE("backoff doubles from the initial wait up to the cap, jittered within the upper half") {
    const RetryPolicy policy{.max_retries = 5, .initial_backoff = 100ms, .max_backoff = 1000ms};
    CHECK(backoff_delay(policy, 0, 0.0) == 50ms);
    CHECK(backoff_delay(policy, 0, 1.0) == 100ms);
    CHECK(backoff_delay(policy, 1, 1.0) == 200ms);
    CHECK(backoff_delay(policy, 2, 0.5) == 300ms);
    CHECK(backoff_delay(policy, 4, 1.0) == 1000ms);
    CHECK(backoff_delay(policy, 60, 1.0) == 1000ms);  // no overflow
    CHECK(backoff_delay(policy, 0, 7.0) == 100ms);    // jitter is clamped
  }

  TEST_CASE("retryable statuses are 429, 502, 503 and 504") {
    for (int status : {429, 502, 503, 504}) CHECK(retryable_status(status));
    for (int status : {200, 400, 401, 404, 409, 500, 501, 505}) CHECK_FALSE(retryable_status(status));
  }

  TEST_CASE("Retry-After is read as seconds or as an HTTP date") {
    const std::chrono::system_clock::time_point now =
        std::chrono::sys_days(std::chrono::year(1994) / 11 / 6) + 8h + 49min + 27s;
    CHECK(retry_after_parse("0", now) == 0ms);
    CHECK(retry_after_parse(" 120 ", now) == 120'000ms);
    CHECK(retry_after_parse("99999999999999", now) == 86'400'000ms);
    CHECK(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", now) == 10'000ms);
    CHECK(retry_after_parse("Sun, 06 Nov 1994 08:49:00 GMT", now) == 0ms);  // already past
    for (const char* bad : {"", "-1", "1.5", "soon", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
      INFO(bad);
      CHECK_FALSE(retry_after_parse(bad, now).has_value());
    }
  }
}
