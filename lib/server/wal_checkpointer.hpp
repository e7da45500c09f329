// Checkpoints the SQLite WAL on a thread of its own, so that the audit writer's commits seldom
// wait for one.
//
// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that commit
// copies the WAL's pages (a thousand by default) into the database and syncs both files before it
// returns, and every request whose audit entry is in that batch waits for it. Here the writer
// connection's WAL hook only wakes this thread, which copies them on its own connection (a
// PASSIVE checkpoint: it never blocks the writer or the readers).
//
// A WAL starts over from its beginning only when a write begins with every frame copied, and
// under steady writes a checkpoint on another thread always ends behind the writer. So once one
// has copied most of the WAL, the hook copies the few frames left itself, in line: a short copy
// and one sync, after which the next commit writes at the start of the file again instead of
// growing it (and a growing file makes every sync rewrite its inode too). A WAL four times the
// threshold is copied in line whatever the thread has done, so it never grows without bound.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace acctsec::server {

class WalCheckpointer {
 public:
  // Opens a connection to `path`, turns off `writer`'s automatic checkpoints and installs its WAL
  // hook; a checkpoint starts once the WAL holds `pages` frames. `writer` must outlive this.
  // Errors: usage (the database cannot be opened).
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::string& path, sqlite3* writer, int pages = 1000);

  // Removes the hook, stops the thread (after the checkpoint in progress, if any).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints run so far on the thread, and in line by the writer (for tests).
  std::uint64_t checkpoints() const;
  std::uint64_t inline_checkpoints() const;

 private:
  WalCheckpointer(sqlite3* writer, sqlite3* own, int pages);
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);
  void run(std::stop_token stop);

  sqlite3* m_writer;
  sqlite3* m_own;
  const int m_pages;
  mutable std::mutex m_mutex;
  std::condition_variable_any m_wake;
  bool m_wanted = false;
  bool m_running = false;      // the thread is copying
  int m_last_frames = 0;       // the WAL's size at the last commit; smaller next time: it started over
  int m_backfilled = 0;        // frames the thread's last checkpoint copied, since the WAL started over
  std::uint64_t m_checkpoints = 0;
  std::uint64_t m_inline_checkpoints = 0;
  std::jthread m_thread;  // last, so that it starts after the rest is set
};

}  // namespace acctsec::server
