// Durations as users write them in flags and files: "500ms", "30s", "2m", "1h", "30d".
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace acctsec {

// Parses a whole number with an optional unit (ms, s, m, h, d; none means seconds). Refuses
// anything else, and values over a billion units. Returns nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace acctsec
