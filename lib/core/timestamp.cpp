#include "core/timestamp.hpp"

namespace acctsec {
namespace {

// Reads exactly `count` decimal digits at `pos`.
bool digits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::chrono::sys_days> parse_date(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || !digits(text, 0, 4, year) || text[4] != '-' || !digits(text, 5, 2, month) ||
      text[7] != '-' || !digits(text, 8, 2, day))
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  // Callers compare with std::chrono::system_clock, whose nanoseconds span only the years
  // 1678..2262: a date outside what any certificate or BLOB could mean is refused, not wrapped.
  if (!date.ok() || year < k_earliest_year || year > k_latest_year) return std::nullopt;
  return std::chrono::sys_days{date};
}

std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  if (text.size() == 10) {
    auto day = parse_date(text);
    if (!day) return std::nullopt;
    return sys_seconds{*day};
  }
  if (text.size() < 20) return std::nullopt;
  auto day = parse_date(text.substr(0, 10));
  int hour = 0, minute = 0, second = 0;
  const char t = text[10];
  if (!day || (t != 'T' && t != 't' && t != ' ') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second) || hour > 23 || minute > 59 ||
      second > 60)
    return std::nullopt;
  std::size_t pos = 19;
  if (text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;
  seconds offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int offset_hours = 0, offset_minutes = 0;
    if (!digits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59)
      return std::nullopt;
    offset = hours{offset_hours} + minutes{offset_minutes};
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  // The local time minus its offset from UTC is the UTC time.
  return sys_seconds{*day} + hours{hour} + minutes{minute} + seconds{second} - offset;
}

std::string format_timestamp(std::chrono::system_clock::time_point time, bool milliseconds) {
  // The fields are taken apart and written here, not by fmt's chrono: fmt 9 renders a
  // system_clock time in the local zone, and every text here ends in Z. Digits go straight into
  // the text (every audited read writes several of these; parsing a format string each time
  // cost more than the rest). system_clock spans the years 1678..2262: four digits hold them.
  using namespace std::chrono;
  const auto millis = floor<std::chrono::milliseconds>(time);
  const auto day = floor<days>(millis);
  const year_month_day date{day};
  const hh_mm_ss<std::chrono::milliseconds> clock{millis - day};
  char text[] = "0000-00-00T00:00:00.000Z";
  const auto put = [&text](std::size_t at, std::size_t width, long long value) {
    for (std::size_t i = at + width; i > at; --i, value /= 10) text[i - 1] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, static_cast<int>(date.year()));
  put(5, 2, static_cast<unsigned>(date.month()));
  put(8, 2, static_cast<unsigned>(date.day()));
  put(11, 2, clock.hours().count());
  put(14, 2, clock.minutes().count());
  put(17, 2, clock.seconds().count());
  if (!milliseconds) {
    text[19] = 'Z';
    return std::string(text, 20);
  }
  put(20, 3, clock.subseconds().count());
  return std::string(text, sizeof text - 1);
}

}  // namespace acctsec
