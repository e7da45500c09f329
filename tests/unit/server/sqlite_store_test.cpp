#include "server/sqlite_store.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::server;

namespace {

std::vector<AuditEntry> entries_after(const AuditHead& head, int count) {
  std::vector<AuditEntry> out;
  std::uint64_t seq = head.seq;
  std::string hash = head.hash;
  for (int i = 0; i < count; ++i) {
    auto entry = audit_chain_next(seq, hash,
                                  AuditEvent{.time = "2026-12-01T22:00:00Z", .actor = "admin", .action = "test.event",
                                             .resource = "r:" + std::to_string(seq + 1), .grant = std::nullopt,
                                             .detail = {{"i", i}}});
    REQUIRE(entry.has_value());
    seq = entry->seq;
    hash = entry->hash;
    out.push_back(std::move(*entry));
  }
  return out;
}

void sql(const std::string& path, const char* statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, statement, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

std::string pragma_text(const std::string& path, const char* pragma) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, pragma, -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  std::string out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_SUITE("server::sqlite_store") {
  TEST_CASE("a new database is 0600, in WAL mode, at the current schema version") {
    test::ScratchDir dir;
    const auto path = dir.file("acctsec.db");
    auto store = sqlite_store_open(path);
    REQUIRE(store.has_value());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(pragma_text(path, "PRAGMA journal_mode") == "wal");
    CHECK(pragma_text(path, "PRAGMA user_version") == std::to_string(sqlite_schema_version()));
    const auto head = (*store)->audit_head();
    REQUIRE(head.has_value());
    CHECK(head->seq == 0);
    CHECK(head->hash == k_audit_genesis);
  }

  TEST_CASE("appended entries survive reopening, and pages read them back in order") {
    test::ScratchDir dir;
    const auto path = dir.file("acctsec.db");
    std::vector<AuditEntry> written;
    {
      auto store = sqlite_store_open(path);
      REQUIRE(store.has_value());
      written = entries_after(AuditHead{}, 5);
      REQUIRE((*store)->audit_append(written).has_value());
    }
    auto store = sqlite_store_open(path);  // the migrations do not run twice
    REQUIRE(store.has_value());
    const auto head = (*store)->audit_head();
    CHECK(head->seq == 5);
    CHECK(head->hash == written.back().hash);
    const auto first = (*store)->audit_page(0, 3);
    const auto rest = (*store)->audit_page(3, 100);
    REQUIRE(first.has_value());
    REQUIRE(rest.has_value());
    REQUIRE(first->size() == 3);
    REQUIRE(rest->size() == 2);
    AuditChainVerifier verifier;
    for (const auto* page : {&*first, &*rest}) {
      for (const auto& entry : *page) CHECK(verifier.add(entry).has_value());
    }
    CHECK((*rest)[1].event.detail == written[4].event.detail);
  }

  TEST_CASE("entries that do not continue the stored chain are refused and nothing is written") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(store.has_value());
    auto first = entries_after(AuditHead{}, 2);
    REQUIRE((*store)->audit_append(first).has_value());
    const auto replay = (*store)->audit_append(first);
    REQUIRE_FALSE(replay.has_value());
    CHECK(replay.error().category == ErrorCategory::usage);
    auto gap = entries_after(AuditHead{5, first.back().hash}, 1);
    CHECK_FALSE((*store)->audit_append(gap).has_value());
    CHECK((*store)->audit_head()->seq == 2);
  }

  TEST_CASE("a batch is all or nothing: a failing row rolls back the rows before it") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(store.has_value());
    auto batch = entries_after(AuditHead{}, 3);
    batch[2].hash = batch[0].hash;  // violates UNIQUE(hash) on the third insert
    CHECK((*store)->audit_append(batch).error().category == ErrorCategory::internal);
    CHECK((*store)->audit_head()->seq == 0);
    CHECK((*store)->audit_page(0, 10)->empty());
  }

  TEST_CASE("a row edited behind the server's back is found by the chain check") {
    test::ScratchDir dir;
    const auto path = dir.file("acctsec.db");
    {
      auto store = sqlite_store_open(path);
      REQUIRE((*store)->audit_append(entries_after(AuditHead{}, 4)).has_value());
    }
    sql(path, R"(UPDATE audit SET detail = '{"i":42}' WHERE seq = 2)");
    auto store = sqlite_store_open(path);
    AuditChainVerifier verifier;
    std::string problem;
    const auto page = (*store)->audit_page(0, 10);
    REQUIRE(page.has_value());
    for (const auto& entry : *page) {
      if (auto ok = verifier.add(entry); !ok) {
        problem = ok.error().message;
        break;
      }
    }
    CHECK(problem.find("audit entry 2 was altered") != std::string::npos);
  }

  TEST_CASE("a database from a newer acctsec is refused, untouched") {
    test::ScratchDir dir;
    const auto path = dir.file("acctsec.db");
    sql(path, "PRAGMA user_version = 999");
    const auto store = sqlite_store_open(path);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().category == ErrorCategory::usage);
    CHECK(store.error().message.find("schema version 999") != std::string::npos);
    CHECK(pragma_text(path, "PRAGMA user_version") == "999");
  }

  TEST_CASE("a path that cannot be created says which and why") {
    const auto store = sqlite_store_open("/nonexistent-dir/acctsec.db");
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().category == ErrorCategory::usage);
    CHECK(store.error().message.find("/nonexistent-dir/acctsec.db") != std::string::npos);
  }
}
