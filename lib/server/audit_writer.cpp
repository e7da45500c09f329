#include "server/audit_writer.hpp"

#include <vector>

namespace acctsec::server {

Result<std::unique_ptr<AuditWriter>> AuditWriter::start(Store& store, std::size_t batch_max) {
  auto head = store.audit_head();
  if (!head) return fail(head.error());
  return std::unique_ptr<AuditWriter>(new AuditWriter(store, std::move(*head), batch_max < 1 ? 1 : batch_max));
}

AuditWriter::AuditWriter(Store& store, AuditHead head, std::size_t batch_max)
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
  {
    const std::lock_guard lock(m_mutex);
    if (!m_stopping) {
      m_queue.push_back(Pending{std::move(event), std::move(done)});
      m_wake.notify_one();
      return;
    }
  }
  done(fail(ErrorCategory::internal, "the audit writer is shutting down; nothing was recorded"));
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
  std::vector<AuditEntry> entries;
  std::vector<Completion> accepted;
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
    entries.clear();
    accepted.clear();
    AuditHead next = m_head;
    for (auto& pending : batch) {
      auto entry = audit_chain_next(next.seq, next.hash, std::move(pending.event));
      if (!entry) {
        pending.done(fail(entry.error()));
        continue;
      }
      next = AuditHead{entry->seq, entry->hash};
      entries.push_back(std::move(*entry));
      accepted.push_back(std::move(pending.done));
    }
    if (entries.empty()) continue;
    if (auto committed = m_store.audit_append(entries); !committed) {
      for (auto& done : accepted) done(fail(committed.error()));
      // Nothing of the batch is stored; continue from what the store says its head is.
      if (auto head = m_store.audit_head()) m_head = std::move(*head);
      continue;
    }
    m_head = next;
    {
      const std::lock_guard lock(m_mutex);
      ++m_commits;
      m_committed_events += entries.size();
    }
    for (std::size_t i = 0; i < entries.size(); ++i) accepted[i](std::move(entries[i]));
  }
}

}  // namespace acctsec::server
