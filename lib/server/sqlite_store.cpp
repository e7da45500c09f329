#include "server/sqlite_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace acctsec::server {
namespace {

// Migration n (1-based) takes the schema from version n-1 to n. Append only; never edit one that
// has shipped.
constexpr std::array<std::string_view, 1> k_migrations{
    R"sql(
CREATE TABLE audit (
  seq      INTEGER PRIMARY KEY CHECK (seq > 0),
  time     TEXT NOT NULL,
  actor    TEXT NOT NULL,
  action   TEXT NOT NULL,
  resource TEXT NOT NULL,
  grant_id TEXT,
  detail   TEXT NOT NULL,
  prev     TEXT NOT NULL,
  hash     TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_resource ON audit (resource, seq);
)sql",
};

struct DbClose {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

std::unexpected<Error> db_error(sqlite3* db, std::string_view what) {
  return fail(ErrorCategory::internal, fmt::format("store: {}: {}", what, sqlite3_errmsg(db)));
}

Result<void> exec(sqlite3* db, std::string_view sql, std::string_view what) {
  if (sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db, what);
  return {};
}

Result<StmtPtr> prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
    return db_error(db, "preparing a statement");
  return StmtPtr(raw);
}

void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* stmt, int index) {
  const auto* text = sqlite3_column_text(stmt, index);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)))
              : std::string();
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(DbPtr db) : m_db(std::move(db)) {}

  Result<void> prepare_statements() {
    auto insert = prepare(m_db.get(),
                          "INSERT INTO audit (seq, time, actor, action, resource, grant_id, detail, prev, hash) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!insert) return fail(insert.error());
    auto head = prepare(m_db.get(), "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!head) return fail(head.error());
    auto page = prepare(m_db.get(),
                        "SELECT seq, time, actor, action, resource, grant_id, detail, prev, hash FROM audit "
                        "WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!page) return fail(page.error());
    m_insert = std::move(*insert);
    m_head = std::move(*head);
    m_page = std::move(*page);
    return {};
  }

  Result<void> audit_append(std::span<const AuditEntry> entries) override {
    if (entries.empty()) return {};
    const std::lock_guard lock(m_mutex);
    auto head = head_locked();
    if (!head) return fail(head.error());
    if (entries.front().seq != head->seq + 1 || entries.front().prev != head->hash)
      return fail(ErrorCategory::usage, fmt::format("store: audit entry {} does not follow the stored head {}",
                                                    entries.front().seq, head->seq));
    if (auto begun = exec(m_db.get(), "BEGIN IMMEDIATE", "starting an audit transaction"); !begun) return begun;
    for (const auto& entry : entries) {
      if (auto inserted = insert_locked(entry); !inserted) {
        rollback_locked();
        return inserted;
      }
    }
    if (sqlite3_exec(m_db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto error = db_error(m_db.get(), "committing audit entries");
      rollback_locked();  // a failed COMMIT can leave the transaction open
      return error;
    }
    return {};
  }

  Result<void> check_writable() override {
    const std::lock_guard lock(m_mutex);
    // Taking the write lock proves the file is writable and not held by a stuck writer.
    if (auto begun = exec(m_db.get(), "BEGIN IMMEDIATE", "taking the database write lock"); !begun) return begun;
    return exec(m_db.get(), "ROLLBACK", "releasing the database write lock");
  }

  std::string_view kind() const override { return "sqlite"; }

  Result<AuditHead> audit_head() override {
    const std::lock_guard lock(m_mutex);
    return head_locked();
  }

  Result<std::vector<AuditEntry>> audit_page(std::uint64_t after_seq, std::size_t limit) override {
    const std::lock_guard lock(m_mutex);
    sqlite3_stmt* stmt = m_page.get();
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, static_cast<sqlite3_int64>(after_seq));
    sqlite3_bind_int64(stmt, 2, static_cast<sqlite3_int64>(limit));
    std::vector<AuditEntry> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      AuditEntry entry;
      entry.seq = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 0));
      entry.event.time = column_text(stmt, 1);
      entry.event.actor = column_text(stmt, 2);
      entry.event.action = column_text(stmt, 3);
      entry.event.resource = column_text(stmt, 4);
      if (sqlite3_column_type(stmt, 5) != SQLITE_NULL) entry.event.grant = column_text(stmt, 5);
      // Stored as written; if the text was edited into something else, the chain check says so.
      entry.event.detail = nlohmann::json::parse(column_text(stmt, 6), nullptr, false);
      entry.prev = column_text(stmt, 7);
      entry.hash = column_text(stmt, 8);
      out.push_back(std::move(entry));
    }
    if (rc != SQLITE_DONE) return db_error(m_db.get(), "reading audit entries");
    return out;
  }

 private:
  Result<AuditHead> head_locked() {
    sqlite3_stmt* stmt = m_head.get();
    sqlite3_reset(stmt);
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return AuditHead{};
    if (rc != SQLITE_ROW) return db_error(m_db.get(), "reading the audit head");
    return AuditHead{static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 0)), column_text(stmt, 1)};
  }

  Result<void> insert_locked(const AuditEntry& entry) {
    sqlite3_stmt* stmt = m_insert.get();
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    sqlite3_bind_int64(stmt, 1, static_cast<sqlite3_int64>(entry.seq));
    bind_text(stmt, 2, entry.event.time);
    bind_text(stmt, 3, entry.event.actor);
    bind_text(stmt, 4, entry.event.action);
    bind_text(stmt, 5, entry.event.resource);
    if (entry.event.grant) bind_text(stmt, 6, *entry.event.grant);
    bind_text(stmt, 7, entry.event.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
    bind_text(stmt, 8, entry.prev);
    bind_text(stmt, 9, entry.hash);
    if (sqlite3_step(stmt) != SQLITE_DONE) return db_error(m_db.get(), fmt::format("writing audit entry {}", entry.seq));
    return {};
  }

  void rollback_locked() { sqlite3_exec(m_db.get(), "ROLLBACK", nullptr, nullptr, nullptr); }

  std::mutex m_mutex;  // one connection, one statement set: one caller at a time
  DbPtr m_db;
  StmtPtr m_insert;
  StmtPtr m_head;
  StmtPtr m_page;
};

Result<int> user_version(sqlite3* db) {
  auto stmt = prepare(db, "PRAGMA user_version");
  if (!stmt) return fail(stmt.error());
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) return db_error(db, "reading the schema version");
  return sqlite3_column_int(stmt->get(), 0);
}

Result<void> migrate(sqlite3* db, const std::string& path) {
  auto version = user_version(db);
  if (!version) return fail(version.error());
  if (*version > sqlite_schema_version()) {
    return fail(ErrorCategory::usage,
                fmt::format("{} has schema version {}, newer than this acctsec knows ({}); run a newer acctsec", path,
                            *version, sqlite_schema_version()));
  }
  for (int next = *version + 1; next <= sqlite_schema_version(); ++next) {
    const auto step = [&]() -> Result<void> {
      if (auto r = exec(db, "BEGIN IMMEDIATE", "starting a migration"); !r) return r;
      if (auto r = exec(db, k_migrations[static_cast<std::size_t>(next - 1)], fmt::format("migration {}", next)); !r) return r;
      if (auto r = exec(db, fmt::format("PRAGMA user_version = {}", next), "recording the schema version"); !r) return r;
      return exec(db, "COMMIT", fmt::format("committing migration {}", next));
    }();
    if (!step) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return step;
    }
  }
  return {};
}

}  // namespace

int sqlite_schema_version() { return static_cast<int>(k_migrations.size()); }

Result<std::unique_ptr<Store>> sqlite_store_open(const std::string& path) {
  // Create the file ourselves so that it is 0600 from the first byte (SQLite would follow the umask).
  if (const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) {
    ::close(fd);
  } else {
    return fail(ErrorCategory::usage, fmt::format("cannot open or create the database {}: {}", path, std::strerror(errno)));
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return fail(ErrorCategory::usage,
                fmt::format("cannot open the database {}: {}", path, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 5000);
  // WAL lets readers run beside the writer; synchronous=FULL makes each commit durable before it
  // returns, which the audit rule (no response before its row is on disk) relies on.
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
    if (auto r = exec(db.get(), pragma, pragma); !r) return fail(ErrorCategory::usage, fmt::format("{}: {}", path, r.error().message));
  }
  if (auto r = migrate(db.get(), path); !r) return fail(r.error());
  auto store = std::make_unique<SqliteStore>(std::move(db));
  if (auto r = store->prepare_statements(); !r) return fail(r.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace acctsec::server
