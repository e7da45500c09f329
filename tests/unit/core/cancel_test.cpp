#include <doctest/doctest.h>

#include <thread>

#include "core/cancel.hpp"

using namespace acctsec;
using namespace std::chrono_literals;

TEST_SUITE("core::cancel") {
  TEST_CASE("sleep_unless_cancelled sleeps the whole wait, and stops at a cancel with false") {
    cancel_reset();
    CHECK(sleep_unless_cancelled(30ms));

    std::thread interrupter([] {
      std::this_thread::sleep_for(50ms);
      cancel_request();
    });
    const bool slept = sleep_unless_cancelled(60s);  // ends at the cancel, not after a minute
    interrupter.join();
    CHECK_FALSE(slept);
    CHECK_FALSE(sleep_unless_cancelled(10ms));  // a cancel already requested ends it at once
    cancel_reset();
  }
}
