#include "server/audit_writer.hpp"

#include <future>
#include <vector>

namespace acctsec::server {

Result<std::unique_ptr<AuditWriter>> AuditWriter::start(AuditStore& store, std::size_t batch_max) {
  auto head = store.audit_head();
  if (!head) return fail(head.error());
  return std::unique_ptr<AuditWriter>(new AuditWriter(store, std::move(*head), batch_max < 1 ? 1 : batch_max));
}

AuditWriter::AuditWriter(AuditStore& store, AuditHead head, std::size_t batch_max)
    : m_store(store), m_head(std::move(head)), m_batch_max(batch_max), m_thread([this](std::stop_token stop) { run(stop); }) {}

AuditWriter::~AuditWriter() {
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_thread.request_stop();
  m_wake.notify_all();
  m_thread.join();
}

void AuditWriter::append(AuditEvent event, Completion done) {
  append(AuditedWrite{.change = {}, .event = std::move(event)}, std::move(done));
}

void AuditWriter::append(AuditedWrite write, Completion done) {
  {
    const std::lock_guard lock(m_mutex);
    if (!m_stopping) {
      m_queue.push_back(Pending{std::move(write), std::move(done)});
      m_wake.notify_one();
      return;
    }
  }
  done(fail(ErrorCategory::internal, "the audit writer is shutting down; nothing was recorded"));
}

std::vector<Result<AuditEntry>> AuditWriter::append_and_wait(std::vector<AuditedWrite> writes) {
  std::vector<std::future<Result<AuditEntry>>> pending;
  pending.reserve(writes.size());
  for (auto& write : writes) {
    auto promise = std::make_shared<std::promise<Result<AuditEntry>>>();
    pending.push_back(promise->get_future());
    append(std::move(write), [promise](Result<AuditEntry> done) { promise->set_value(std::move(done)); });
  }
  std::vector<Result<AuditEntry>> results;
  results.reserve(pending.size());
  for (auto& future : pending) results.push_back(future.get());
  return results;
}

void AuditWriter::observe(Observer observer) {
  const std::lock_guard lock(m_mutex);
  m_observers.push_back(std::move(observer));
}

std::size_t AuditWriter::commits() const {
  const std::lock_guard lock(m_mutex);
  return m_commits;
}

std::size_t AuditWriter::committed_events() const {
  const std::lock_guard lock(m_mutex);
  return m_committed_events;
}

void AuditWriter::run(std::stop_token stop) {
  std::vector<Pending> batch;
  std::vector<AuditedWrite> writes;
  while (true) {
    batch.clear();
    {
      std::unique_lock lock(m_mutex);
      // Drains what is queued even after a stop was requested, so no accepted event is dropped.
      m_wake.wait(lock, stop, [&] { return !m_queue.empty(); });
      if (m_queue.empty()) return;  // stop requested and nothing left
      while (!m_queue.empty() && batch.size() < m_batch_max) {
        batch.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
      }
    }
    writes.clear();
    for (auto& pending : batch) writes.push_back(std::move(pending.write));
    auto committed = m_store.audit_commit(m_head, writes);
    if (!committed) {
      for (auto& pending : batch) pending.done(fail(committed.error()));
      // Nothing of the batch is stored; continue from what the store says its head is.
      if (auto head = m_store.audit_head()) m_head = std::move(*head);
      continue;
    }
    std::vector<AuditEntry> stored;
    for (const auto& result : *committed)
      if (result) {
        m_head = AuditHead{result->seq, result->hash};
        stored.push_back(*result);
      }
    std::vector<Observer> observers;
    {
      const std::lock_guard lock(m_mutex);
      ++m_commits;
      m_committed_events += stored.size();
      observers = m_observers;
    }
    // Observers first, so that what they derive (alerts) is there when a request is answered.
    if (!stored.empty())
      for (const auto& observer : observers) observer(stored);
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move((*committed)[i]));
  }
}

}  // namespace acctsec::server
