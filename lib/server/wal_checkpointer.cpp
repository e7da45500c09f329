#include "server/wal_checkpointer.hpp"

#include <fmt/format.h>

namespace acctsec::server {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::string& path, sqlite3* writer, int pages) {
  sqlite3* own = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = own ? sqlite3_errmsg(own) : sqlite3_errstr(rc);
    sqlite3_close_v2(own);
    return fail(ErrorCategory::usage, fmt::format("cannot open the database {} for checkpoints: {}", path, why));
  }
  // A checkpoint that finds the writer mid-commit waits a little instead of failing at once.
  sqlite3_busy_timeout(own, 1000);
  // A connection learns that the file is in WAL mode when it first reads it; until then a
  // checkpoint on it does nothing.
  if (sqlite3_exec(own, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const std::string why = sqlite3_errmsg(own);
    sqlite3_close_v2(own);
    return fail(ErrorCategory::usage, fmt::format("cannot read the database {} for checkpoints: {}", path, why));
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(writer, own, pages < 1 ? 1 : pages));
}

WalCheckpointer::WalCheckpointer(sqlite3* writer, sqlite3* own, int pages)
    : m_writer(writer), m_own(own), m_pages(pages), m_thread([this](std::stop_token stop) { run(stop); }) {
  // Replaces the automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(m_writer, &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(m_writer, nullptr, nullptr);
  m_thread.request_stop();
  m_wake.notify_all();
  m_thread.join();
  sqlite3_close_v2(m_own);
}

std::uint64_t WalCheckpointer::checkpoints() const {
  const std::lock_guard lock(m_mutex);
  return m_checkpoints;
}

std::uint64_t WalCheckpointer::inline_checkpoints() const {
  const std::lock_guard lock(m_mutex);
  return m_inline_checkpoints;
}

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char*, int frames) {
  auto& c = *static_cast<WalCheckpointer*>(self);
  bool finish = false;
  {
    const std::lock_guard lock(c.m_mutex);
    if (frames < c.m_last_frames) c.m_backfilled = 0;
    c.m_last_frames = frames;
    if (frames < c.m_pages || c.m_running) return SQLITE_OK;
    // What the thread left is a small part of the threshold: copy it now, so the WAL starts over.
    // And when the thread cannot keep up, the WAL still stops growing, as SQLite's own would.
    finish = (c.m_backfilled > 0 && frames - c.m_backfilled <= c.m_pages / 2) || frames >= 4 * c.m_pages;
    if (!finish) c.m_wanted = true;
  }
  if (!finish) {
    c.m_wake.notify_one();
    return SQLITE_OK;
  }
  sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  const std::lock_guard lock(c.m_mutex);
  ++c.m_inline_checkpoints;
  return SQLITE_OK;
}

void WalCheckpointer::run(std::stop_token stop) {
  while (true) {
    {
      std::unique_lock lock(m_mutex);
      if (!m_wake.wait(lock, stop, [&] { return m_wanted; })) return;
      m_wanted = false;
      m_running = true;
    }
    // A failure (busy, I/O) leaves the WAL as it is; the next commit past the threshold asks again.
    int copied = 0;
    if (sqlite3_wal_checkpoint_v2(m_own, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied) != SQLITE_OK) copied = 0;
    const std::lock_guard lock(m_mutex);
    m_running = false;
    m_backfilled = copied;
    ++m_checkpoints;
  }
}

}  // namespace acctsec::server
