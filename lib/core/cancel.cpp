#include "core/cancel.hpp"

#include <atomic>

namespace acctsec {
namespace {
std::atomic<bool> g_cancelled{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");
}  // namespace

void cancel_request() { g_cancelled.store(true, std::memory_order_relaxed); }
bool cancel_requested() { return g_cancelled.load(std::memory_order_relaxed); }
void cancel_reset() { g_cancelled.store(false, std::memory_order_relaxed); }

}  // namespace acctsec
