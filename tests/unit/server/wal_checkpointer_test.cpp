#include "server/wal_checkpointer.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::server;

namespace {

struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; CREATE TABLE t (x BLOB)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
  }
  ~Db() { sqlite3_close(db); }
  // One transaction that writes about one page.
  void commit_one() { REQUIRE(sqlite3_exec(db, "INSERT INTO t VALUES (randomblob(3000))", nullptr, nullptr, nullptr) == SQLITE_OK); }
};

std::uintmax_t wal_size(const std::string& path) { return std::filesystem::file_size(path + "-wal"); }

// Frames are a page and a 24-byte header; the WAL file starts with a 32-byte header.
constexpr std::uintmax_t k_frame = 4096 + 24;

}  // namespace

TEST_SUITE("server::wal_checkpointer") {
  TEST_CASE("commits past the threshold are checkpointed on another thread, and the WAL starts over instead of growing") {
    test::ScratchDir dir;
    const auto path = dir.file("wal.db");
    Db db(path);
    auto checkpointer = WalCheckpointer::start(path, db.db, 50);
    REQUIRE(checkpointer.has_value());
    std::uintmax_t largest = 0;
    for (int i = 0; i < 1000; ++i) {
      db.commit_one();
      largest = std::max(largest, wal_size(path));
      // Give the checkpoint thread a moment now and then, as a real server's pauses between
      // batches do; the writer never waits for it.
      if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK((*checkpointer)->checkpoints() > 0);
    // About 3,000 frames were written; without checkpoints (automatic ones are off) the WAL holds
    // them all. The bound leaves room for a slow checkpoint thread on a busy machine.
    INFO("largest WAL: " << largest / k_frame << " frames; checkpoints " << (*checkpointer)->checkpoints() << ", in line " << (*checkpointer)->inline_checkpoints());
    CHECK(largest < 1000 * k_frame);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db.db, "SELECT count(*) FROM t", -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    CHECK(sqlite3_column_int(stmt, 0) == 1000);
    sqlite3_finalize(stmt);
  }

  TEST_CASE("the writer's automatic checkpoint is off while the checkpointer stands, and back after it goes") {
    test::ScratchDir dir;
    const auto path = dir.file("wal.db");
    Db db(path);
    {
      // A threshold the test never reaches: nothing checkpoints, so the WAL keeps every frame.
      auto checkpointer = WalCheckpointer::start(path, db.db, 100000);
      REQUIRE(checkpointer.has_value());
      for (int i = 0; i < 1200; ++i) db.commit_one();
      CHECK((*checkpointer)->checkpoints() == 0);
      CHECK(wal_size(path) > 1200 * k_frame);
    }
    // Without the hook, the next commit past SQLite's default threshold checkpoints in-line, and
    // the one after it starts the WAL over.
    sqlite3_wal_autocheckpoint(db.db, 1000);
    db.commit_one();
    db.commit_one();
    int log = -1, copied = -1;
    REQUIRE(sqlite3_wal_checkpoint_v2(db.db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK);
    CHECK(log < 10);
  }
}
