// Debug logging through one opt-in sink. The library never writes to stdout or stderr itself;
// the CLI connects the sink to stderr under --debug. Callers never pass secrets to it.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string_view>

namespace acctsec {

using LogSink = std::function<void(std::string_view component, std::string_view message)>;

void log_set_sink(LogSink sink);  // an empty sink turns logging off
bool log_enabled();
void log_write(std::string_view component, std::string_view message);

template <typename... Args>
void log_debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (log_enabled()) log_write(component, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace acctsec
