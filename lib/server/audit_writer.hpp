// The single audit writer with group commit: every handler queues its event and waits; one thread
// takes everything queued (up to a cap), chains it after the head, commits it in one transaction,
// and only then completes each event. It commits again as soon as the previous commit returns —
// there is no linger timer, which measurements showed only adds latency
// (shared notes: http-server-measurements.md §3). A failed commit fails every event of its batch.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/audit_chain.hpp"
#include "core/error.hpp"
#include "server/store.hpp"

namespace acctsec::server {

inline constexpr std::size_t k_audit_batch_max = 256;

class AuditWriter {
 public:
  // Called once per event from the writer thread: the committed entry, or why it was not committed
  // (internal: the commit failed and nothing of the batch is stored; usage: the event cannot be
  // encoded). Must not block for long: it delays the next batch.
  using Completion = std::function<void(Result<AuditEntry>)>;

  // Starts the writer on `store` (which outlives it), continuing the chain from the stored head.
  // Errors: internal (the head cannot be read).
  static Result<std::unique_ptr<AuditWriter>> start(AuditStore& store, std::size_t batch_max = k_audit_batch_max);

  // Stops taking events, commits what is queued, and joins the thread.
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Queues `event`; `done` runs once it is durable or has failed. After stop() begins, `done` runs
  // at once with an internal error.
  void append(AuditEvent event, Completion done);

  // Queues a change to the store with the event that records it: both are committed in the same
  // transaction, or neither. A change that fails completes with its own error and takes nothing
  // else of the batch with it.
  void append(AuditedWrite write, Completion done);

  // Queues `writes` together and blocks until each is committed or has failed, for callers
  // outside a request (start-up seeding). Results are in the order of `writes`.
  std::vector<Result<AuditEntry>> append_and_wait(std::vector<AuditedWrite> writes);

  // Called on the writer thread after each commit, with the entries it stored, before their
  // requests are answered (an alert a request raised is stored when it gets its reply): detection and waiting readers (GET /v1/audit?follow) see every
  // entry exactly once, in chain order. Must not block for long.
  using Observer = std::function<void(const std::vector<AuditEntry>&)>;
  void observe(Observer observer);

  // Commits so far and how many events they carried, for tests and metrics.
  std::size_t commits() const;
  std::size_t committed_events() const;

 private:
  AuditWriter(AuditStore& store, AuditHead head, std::size_t batch_max);
  void run(std::stop_token stop);

  struct Pending {
    AuditedWrite write;
    Completion done;
  };

  AuditStore& m_store;
  AuditHead m_head;  // writer thread only
  const std::size_t m_batch_max;
  mutable std::mutex m_mutex;
  std::condition_variable_any m_wake;
  std::deque<Pending> m_queue;
  bool m_stopping = false;
  std::vector<Observer> m_observers;
  std::size_t m_commits = 0;
  std::size_t m_committed_events = 0;
  std::jthread m_thread;  // last: starts after every member it uses exists
};

}  // namespace acctsec::server
