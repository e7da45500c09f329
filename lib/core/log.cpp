#include "core/log.hpp"

#include <atomic>
#include <mutex>

namespace acctsec {
namespace {
std::mutex g_mutex;
LogSink g_sink;
std::atomic<bool> g_enabled{false};
}  // namespace

void log_set_sink(LogSink sink) {
  std::lock_guard lock(g_mutex);
  g_enabled = static_cast<bool>(sink);
  g_sink = std::move(sink);
}

bool log_enabled() { return g_enabled.load(std::memory_order_relaxed); }

void log_write(std::string_view component, std::string_view message) {
  std::lock_guard lock(g_mutex);
  if (g_sink) g_sink(component, message);
}

}  // namespace acctsec
