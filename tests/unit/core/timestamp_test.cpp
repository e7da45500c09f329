#include "core/timestamp.hpp"

#include <cstdlib>
#include <ctime>
#include <string>

#include <doctest/doctest.h>

using namespace acctsec;
using namespace std::chrono;

TEST_SUITE("core::timestamp") {
  TEST_CASE("RFC 3339 times in UTC and with offsets name the same instant") {
    const sys_seconds noon = sys_days{2024y / May / 1} + 12h;
    CHECK(parse_timestamp("2024-05-01T12:00:00Z") == noon);
    CHECK(parse_timestamp("2024-05-01t12:00:00z") == noon);
    CHECK(parse_timestamp("2024-05-01 12:00:00Z") == noon);
    CHECK(parse_timestamp("2024-05-01T12:00:00.987Z") == noon);
    CHECK(parse_timestamp("2024-05-01T14:30:00+02:30") == noon);
    CHECK(parse_timestamp("2024-05-01T07:00:00-05:00") == noon);
    CHECK(parse_timestamp("2016-12-31T23:59:60Z") == sys_days{2017y / January / 1});
  }

  TEST_CASE("a plain date is midnight UTC") {
    CHECK(parse_timestamp("2024-02-29") == sys_seconds{sys_days{2024y / February / 29}});
    CHECK(parse_date("2030-01-01") == sys_days{2030y / January / 1});
  }

  TEST_CASE("refuses malformed text and impossible dates") {
    for (const char* text :
         {"", "2024", "2024-5-1", "2023-02-29", "2024-13-01", "2024-05-01T12:00:00", "2024-05-01T24:00:00Z",
          "2024-05-01T12:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0200", "2024-05-01T12:00:00Zjunk",
          "2024-05-01T12:00:00+24:00", "yesterday"}) {
      CAPTURE(text);
      CHECK_FALSE(parse_timestamp(text).has_value());
    }
    CHECK_FALSE(parse_date("2024-05-01T00:00:00Z").has_value());
  }

  TEST_CASE("refuses years that system_clock cannot hold (found by fuzzing MDS nextUpdate)") {
    for (const char* text : {"1013-12-01", "1899-12-31", "2201-01-01", "7723-12-01", "0000-01-01"}) {
      CAPTURE(text);
      CHECK_FALSE(parse_date(text).has_value());
      CHECK_FALSE(parse_timestamp(text).has_value());
    }
    CHECK(parse_date("1900-01-01").has_value());
    CHECK(parse_date("2200-12-31").has_value());
  }

  TEST_CASE("formats UTC times as RFC 3339, with milliseconds when asked, and reads them back") {
    using namespace std::chrono;
    const sys_seconds at = sys_days{2026y / December / 1} + 9h + 30min + 5s;
    CHECK(format_timestamp(at) == "2026-12-01T09:30:05Z");
    CHECK(format_timestamp(at + 7ms) == "2026-12-01T09:30:05Z");
    CHECK(format_timestamp(at + 7ms, true) == "2026-12-01T09:30:05.007Z");
    CHECK(format_timestamp(at + 999ms, true) == "2026-12-01T09:30:05.999Z");
    CHECK(format_timestamp(at, true) == "2026-12-01T09:30:05.000Z");
    CHECK(parse_timestamp(format_timestamp(at)) == at);
    CHECK(parse_timestamp(format_timestamp(at + 250ms, true)) == at);
  }

  TEST_CASE("formats times in UTC whatever the local time zone, before 1970 too") {
    using namespace std::chrono;
    const char* was = std::getenv("TZ");
    const std::string saved = was ? was : "";
    ::setenv("TZ", "JST-9", 1);  // UTC+9 as a POSIX rule (no zone files needed): a local rendering would show it
    ::tzset();
    const sys_seconds at = sys_days{2026y / December / 31} + 23h + 59min + 59s;
    CHECK(format_timestamp(at) == "2026-12-31T23:59:59Z");
    CHECK(format_timestamp(at + 1s, true) == "2027-01-01T00:00:00.000Z");
    CHECK(format_timestamp(sys_days{1969y / July / 20} + 20h + 17min + 40s - 1ms, true) == "1969-07-20T20:17:39.999Z");
    CHECK(format_timestamp(sys_days{2024y / February / 29}) == "2024-02-29T00:00:00Z");
    if (was) ::setenv("TZ", saved.c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }
}
