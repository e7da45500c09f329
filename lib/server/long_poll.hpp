// Requests that wait for something to change (GET /v1/access-requests/{id}?wait=, GET
// /v1/audit?follow=true) without holding a server thread: each waiter is parked under a key and
// fired once — when the key is notified, when its deadline passes, or when the server stops. The
// waiter then reads the current state and answers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace acctsec::server {

class LongPoll {
 public:
  using Clock = std::chrono::steady_clock;

  LongPoll();
  // Fires every waiter still parked.
  ~LongPoll();
  LongPoll(const LongPoll&) = delete;
  LongPoll& operator=(const LongPoll&) = delete;

  // Parks `fire` under `key` until notify(key) or `deadline`. `fire` runs exactly once, on the
  // notifying thread or the timer thread, and must not block.
  void wait(const std::string& key, Clock::time_point deadline, std::function<void()> fire);

  // Fires every waiter parked under `key`.
  void notify(const std::string& key);

  // Fires every waiter, and from now on fires new ones at once (the server is stopping).
  void close();

  // Waiters parked now, for tests.
  std::size_t waiting() const;

 private:
  struct Waiter {
    std::string key;
    std::function<void()> fire;
  };
  void run(std::stop_token stop);

  mutable std::mutex m_mutex;
  std::condition_variable_any m_wake;
  std::multimap<Clock::time_point, Waiter> m_waiters;
  bool m_closed = false;
  std::jthread m_timer;  // last: starts after the members it uses exist
};

}  // namespace acctsec::server
