#include <doctest/doctest.h>

#include "core/duration.hpp"

using acctsec::parse_duration;
using std::chrono::milliseconds;

TEST_SUITE("core::duration") {
  TEST_CASE("a number with a unit, or plain seconds") {
    CHECK(parse_duration("500ms") == milliseconds(500));
    CHECK(parse_duration("30s") == milliseconds(30'000));
    CHECK(parse_duration("30") == milliseconds(30'000));
    CHECK(parse_duration("2m") == milliseconds(120'000));
    CHECK(parse_duration("1h") == milliseconds(3'600'000));
    CHECK(parse_duration("30d") == milliseconds(30LL * 86'400'000));
  }

  TEST_CASE("anything else is refused") {
    for (const char* bad : {"", "s", "-1s", "1.5s", "10 s", "10sec", "1w", "1000000001s", "0x10"})
      CHECK_MESSAGE(!parse_duration(bad), bad);
  }
}
