#include "client/retry.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace acctsec::client {
namespace {

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> number_at(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  const char* first = text.data() + pos;
  const auto [end, ec] = std::from_chars(first, first + digits, value);
  if (ec != std::errc() || end != first + digits) return std::nullopt;
  return value;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT", exactly 29 characters.
std::optional<std::chrono::sys_seconds> imf_fixdate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> k_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
    return std::nullopt;
  const auto month = std::find(k_months.begin(), k_months.end(), text.substr(8, 3));
  const auto day = number_at(text, 5, 2);
  const auto year = number_at(text, 12, 4);
  const auto hour = number_at(text, 17, 2);
  const auto minute = number_at(text, 20, 2);
  const auto second = number_at(text, 23, 2);
  if (month == k_months.end() || !day || !year || !hour || !minute || !second || *hour > 23 || *minute > 59 ||
      *second > 60)
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(month - k_months.begin() + 1)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second);
}

}  // namespace

bool retryable_status(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double jitter) {
  auto base = std::max(policy.initial_backoff, std::chrono::milliseconds(0));
  for (int i = 0; i < retry && base < policy.max_backoff; ++i) base *= 2;
  base = std::min(base, policy.max_backoff);
  jitter = std::clamp(jitter, 0.0, 1.0);
  const auto half = base.count() / 2;
  return std::chrono::milliseconds(
      half + static_cast<std::chrono::milliseconds::rep>(jitter * static_cast<double>(base.count() - half)));
}

std::optional<std::chrono::milliseconds> retry_after_parse(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // More than a day is as good as never for a command; the cap keeps the arithmetic in range.
    constexpr long long k_cap_seconds = 86'400;
    long long seconds = k_cap_seconds;
    if (value.size() <= 6) {
      const auto parsed = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (parsed.ec != std::errc()) return std::nullopt;
    }
    return std::chrono::seconds(std::min(seconds, k_cap_seconds));
  }
  const auto date = imf_fixdate(value);
  if (!date) return std::nullopt;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*date - now);
  return std::max(wait, std::chrono::milliseconds(0));
}

}  // namespace acctsec::client
