// Token buckets keyed by a string (the client address, say): `rate` requests a second on average,
// `burst` at once. Thread-safe. The table is bounded: the oldest idle buckets go first.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace acctsec::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double rate, double burst, std::size_t max_keys = 65536);

  // Takes one token for `key`; zero when allowed, else how long until one is available.
  std::chrono::milliseconds take(std::string_view key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  const double m_rate;
  const double m_burst;
  const std::size_t m_max_keys;
  std::mutex m_mutex;
  std::unordered_map<std::string, Bucket> m_buckets;
};

}  // namespace acctsec::server
