#include "server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace acctsec::server {

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_keys)
    : m_rate(rate > 0 ? rate : 1), m_burst(burst >= 1 ? burst : 1), m_max_keys(max_keys > 0 ? max_keys : 1) {}

std::chrono::milliseconds RateLimiter::take(std::string_view key, Clock::time_point now) {
  const std::lock_guard lock(m_mutex);
  auto found = m_buckets.find(std::string(key));
  if (found == m_buckets.end()) {
    if (m_buckets.size() >= m_max_keys) {
      // Full buckets forget nothing a new one would not also allow; drop those first, then the stalest.
      std::erase_if(m_buckets, [&](const auto& entry) {
        const double refilled = entry.second.tokens + std::chrono::duration<double>(now - entry.second.updated).count() * m_rate;
        return refilled >= m_burst;
      });
      if (m_buckets.size() >= m_max_keys) {
        auto stalest = std::min_element(m_buckets.begin(), m_buckets.end(),
                                        [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
        m_buckets.erase(stalest);
      }
    }
    found = m_buckets.emplace(std::string(key), Bucket{m_burst, now}).first;
  }
  Bucket& bucket = found->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(m_burst, bucket.tokens + std::max(0.0, elapsed) * m_rate);
  bucket.updated = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::chrono::milliseconds(0);
  }
  const double wait_seconds = (1 - bucket.tokens) / m_rate;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_seconds * 1000)));
}

}  // namespace acctsec::server
