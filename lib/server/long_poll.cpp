#include "server/long_poll.hpp"

namespace acctsec::server {

LongPoll::LongPoll() : m_timer([this](std::stop_token stop) { run(stop); }) {}

LongPoll::~LongPoll() {
  m_timer.request_stop();
  m_wake.notify_all();
  m_timer.join();
  close();
}

void LongPoll::wait(const std::string& key, Clock::time_point deadline, std::function<void()> fire) {
  {
    const std::lock_guard lock(m_mutex);
    if (!m_closed) {
      m_waiters.emplace(deadline, Waiter{key, std::move(fire)});
      m_wake.notify_all();
      return;
    }
  }
  fire();
}

void LongPoll::close() {
  std::multimap<Clock::time_point, Waiter> left;
  {
    const std::lock_guard lock(m_mutex);
    m_closed = true;
    left.swap(m_waiters);
  }
  for (auto& [deadline, waiter] : left) waiter.fire();
}

void LongPoll::notify(const std::string& key) {
  std::vector<std::function<void()>> due;
  {
    const std::lock_guard lock(m_mutex);
    for (auto it = m_waiters.begin(); it != m_waiters.end();) {
      if (it->second.key == key) {
        due.push_back(std::move(it->second.fire));
        it = m_waiters.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& fire : due) fire();
}

std::size_t LongPoll::waiting() const {
  const std::lock_guard lock(m_mutex);
  return m_waiters.size();
}

void LongPoll::run(std::stop_token stop) {
  std::unique_lock lock(m_mutex);
  while (!stop.stop_requested()) {
    if (m_waiters.empty()) {
      m_wake.wait(lock, stop, [&] { return !m_waiters.empty(); });
      continue;
    }
    const auto next = m_waiters.begin()->first;
    if (Clock::now() < next) {
      m_wake.wait_until(lock, stop, next, [&] { return m_waiters.empty() || m_waiters.begin()->first < next; });
      continue;
    }
    std::vector<std::function<void()>> due;
    while (!m_waiters.empty() && m_waiters.begin()->first <= Clock::now()) {
      due.push_back(std::move(m_waiters.begin()->second.fire));
      m_waiters.erase(m_waiters.begin());
    }
    lock.unlock();
    for (auto& fire : due) fire();
    lock.lock();
  }
}

}  // namespace acctsec::server
