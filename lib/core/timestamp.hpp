// Points in time as users and documents write them: RFC 3339 date-times and plain dates.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace acctsec {

// The years accepted; others cannot be compared with system_clock times without overflow.
inline constexpr int k_earliest_year = 1900;
inline constexpr int k_latest_year = 2200;

// Parses RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction] then Z or ±HH:MM; 't', 'z' and a
// space for 'T' accepted, as §5.6 allows) or a plain date YYYY-MM-DD, read as midnight UTC.
// Fractions are truncated to whole seconds; a leap second (:60) counts as the next second.
// Returns nullopt when malformed, not a valid calendar date, or outside the accepted years.
std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text);

// Parses a plain date YYYY-MM-DD (ISO 8601 calendar date, as FIDO metadata writes nextUpdate).
// Returns nullopt when malformed or not a valid calendar date.
std::optional<std::chrono::sys_days> parse_date(std::string_view text);

// Formats a time as RFC 3339 UTC: 2026-12-01T09:30:00Z, or with milliseconds
// 2026-12-01T09:30:00.123Z (logs, where order within a second matters).
std::string format_timestamp(std::chrono::system_clock::time_point time, bool milliseconds = false);

}  // namespace acctsec
