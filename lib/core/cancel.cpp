#include "core/cancel.hpp"

#include <atomic>
#include <thread>

namespace acctsec {
namespace {
std::atomic<bool> g_cancelled{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");
}  // namespace

void cancel_request() { g_cancelled.store(true, std::memory_order_relaxed); }
bool cancel_requested() { return g_cancelled.load(std::memory_order_relaxed); }
void cancel_reset() { g_cancelled.store(false, std::memory_order_relaxed); }

bool sleep_unless_cancelled(std::chrono::milliseconds wait) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + wait;
  while (Clock::now() < until) {
    if (cancel_requested()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(20)));
  }
  return !cancel_requested();
}

}  // namespace acctsec
