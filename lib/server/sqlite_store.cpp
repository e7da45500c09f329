#include "server/sqlite_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <type_traits>

#include "server/wal_checkpointer.hpp"

namespace acctsec::server {
namespace {

// Migration n (1-based) takes the schema from version n-1 to n. Append only; never edit one that
// has shipped.
constexpr std::array<std::string_view, 7> k_migrations{
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
    // 2: staff identity. Lists (roles, scopes, paths, transports) are JSON arrays.
    R"sql(
CREATE TABLE principals (
  name         TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  roles        TEXT NOT NULL,
  user_handle  BLOB NOT NULL UNIQUE,
  created      INTEGER NOT NULL
) STRICT;
CREATE TABLE credentials (
  id              BLOB PRIMARY KEY,
  principal       TEXT NOT NULL REFERENCES principals (name),
  nickname        TEXT NOT NULL,
  fmt             TEXT NOT NULL,
  aaguid          TEXT NOT NULL,
  algorithm       INTEGER NOT NULL,
  public_key      BLOB NOT NULL,
  counter         INTEGER NOT NULL CHECK (counter >= 0),
  discoverable    INTEGER,
  user_verified   INTEGER NOT NULL,
  backup_eligible INTEGER NOT NULL,
  virtual_key     INTEGER NOT NULL,
  trust_status    TEXT NOT NULL,
  trust_path      TEXT NOT NULL,
  mds             TEXT NOT NULL,
  transports      TEXT NOT NULL,
  created         INTEGER NOT NULL,
  last_used       INTEGER
) STRICT;
CREATE INDEX credentials_principal ON credentials (principal);
CREATE TABLE ceremonies (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('registration', 'login')),
  principal  TEXT NOT NULL,
  challenge  BLOB NOT NULL,
  require_uv INTEGER NOT NULL,
  expires    INTEGER NOT NULL
) STRICT;
CREATE TABLE tokens (
  id        TEXT PRIMARY KEY,
  kind      TEXT NOT NULL CHECK (kind IN ('session', 'api')),
  hash      BLOB NOT NULL UNIQUE,
  principal TEXT NOT NULL,
  name      TEXT NOT NULL,
  scopes    TEXT NOT NULL,
  created   INTEGER NOT NULL,
  expires   INTEGER NOT NULL,
  revoked   INTEGER,
  last_used INTEGER
) STRICT;
CREATE TABLE bootstrap (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  code_hash BLOB NOT NULL,
  expires   INTEGER NOT NULL,
  used      INTEGER
) STRICT;
)sql",
    // 3: the first reply to each Idempotency-Key, per caller.
    R"sql(
CREATE TABLE idempotency (
  principal   TEXT NOT NULL,
  key         TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  status      INTEGER NOT NULL,
  body        TEXT NOT NULL,
  created     INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
) STRICT;
)sql",
    // 4: accounts. `record` is the whole account as JSON; the posture columns beside it are what
    // the list filters read, kept in step with it on every write.
    R"sql(
CREATE TABLE accounts (
  id                 TEXT PRIMARY KEY,
  kind               TEXT NOT NULL CHECK (kind IN ('customer', 'staff')),
  record             TEXT NOT NULL,
  two_factor         INTEGER NOT NULL,
  phishing_resistant INTEGER NOT NULL,
  reset_protection   INTEGER NOT NULL,
  sms_only           INTEGER NOT NULL,
  security_keys      INTEGER NOT NULL,
  created            INTEGER NOT NULL
) STRICT;
CREATE TABLE account_groups (
  name    TEXT NOT NULL,
  account TEXT NOT NULL REFERENCES accounts (id),
  PRIMARY KEY (name, account)
) STRICT;
)sql",
    // 5: access requests (the whole request as JSON in `record`, with the columns that listings
    // and grant lookups select on), signing nonces, detection alerts, and audit by time.
    R"sql(
CREATE TABLE access_requests (
  id            TEXT PRIMARY KEY,
  requester     TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('pending', 'active', 'denied', 'revoked')),
  created       INTEGER NOT NULL,
  pending_until INTEGER NOT NULL,
  grant_end     INTEGER NOT NULL,
  record        TEXT NOT NULL
) STRICT;
CREATE INDEX access_requests_created ON access_requests (created, id);
CREATE INDEX access_requests_grants ON access_requests (requester, state, grant_end);
CREATE TABLE access_nonces (
  nonce      TEXT PRIMARY KEY,
  principal  TEXT NOT NULL,
  purpose    TEXT NOT NULL CHECK (purpose IN ('request', 'review')),
  request_id TEXT NOT NULL,
  expires    INTEGER NOT NULL
) STRICT;
CREATE TABLE alerts (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  key      TEXT NOT NULL UNIQUE,
  rule     TEXT NOT NULL,
  severity TEXT NOT NULL,
  time     INTEGER NOT NULL,
  actor    TEXT NOT NULL,
  summary  TEXT NOT NULL,
  entries  TEXT NOT NULL
) STRICT;
CREATE INDEX audit_time ON audit (time, seq);
)sql",
    // 6: the audit hash loses its UNIQUE index. Nothing looks entries up by hash, and a random
    // hash lands on a random page of that index, so every entry cost one more page in the WAL
    // and in each checkpoint. The chain makes each hash unique already (it covers seq and prev).
    R"sql(
CREATE TABLE audit_chain (
  seq      INTEGER PRIMARY KEY CHECK (seq > 0),
  time     TEXT NOT NULL,
  actor    TEXT NOT NULL,
  action   TEXT NOT NULL,
  resource TEXT NOT NULL,
  grant_id TEXT,
  detail   TEXT NOT NULL,
  prev     TEXT NOT NULL,
  hash     TEXT NOT NULL
) STRICT;
INSERT INTO audit_chain SELECT seq, time, actor, action, resource, grant_id, detail, prev, hash FROM audit ORDER BY seq;
DROP TABLE audit;
ALTER TABLE audit_chain RENAME TO audit;
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_resource ON audit (resource, seq);
CREATE INDEX audit_time ON audit (time, seq);
)sql",
    // 7: a third kind of ceremony, the key test (`key test --server`, `key verify-enrollment
    // --device`): an assertion verified like a login's that makes no session.
    R"sql(
CREATE TABLE ceremonies_v7 (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('registration', 'login', 'key-test')),
  principal  TEXT NOT NULL,
  challenge  BLOB NOT NULL,
  require_uv INTEGER NOT NULL,
  expires    INTEGER NOT NULL
) STRICT;
INSERT INTO ceremonies_v7 SELECT id, kind, principal, challenge, require_uv, expires FROM ceremonies;
DROP TABLE ceremonies;
ALTER TABLE ceremonies_v7 RENAME TO ceremonies;
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

template <typename T>
inline constexpr bool is_result = false;
template <typename T>
inline constexpr bool is_result<Result<T>> = true;
template <typename T>
const T& unwrap(const Result<T>& r) { return *r; }
template <typename T>
const T& unwrap(const T& t) { return t; }
template <typename T>
Result<T> as_result(T t) { return t; }
template <typename T>
Result<T> as_result(Result<T> r) { return r; }

// One use of a cached statement: bind, step, read columns; reset when it goes.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  ~Query() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& text(std::string_view value) {
    bind_text(m_stmt, ++m_bound, value);
    return *this;
  }
  Query& blob(ByteView value) {
    sqlite3_bind_blob(m_stmt, ++m_bound, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& integer(std::int64_t value) {
    sqlite3_bind_int64(m_stmt, ++m_bound, value);
    return *this;
  }
  Query& optional_integer(std::optional<std::int64_t> value) {
    if (value) return integer(*value);
    sqlite3_bind_null(m_stmt, ++m_bound);
    return *this;
  }
  Query& optional_text(const std::optional<std::string>& value) {
    if (value) return text(*value);
    sqlite3_bind_null(m_stmt, ++m_bound);
    return *this;
  }
  Query& json(const nlohmann::json& value) { return text(value.dump()); }

  int step() { return sqlite3_step(m_stmt); }
  // Runs a statement that returns no rows. Errors: rejected (a uniqueness or key rule), internal.
  Result<void> run(std::string_view what) {
    const int rc = step();
    if (rc == SQLITE_DONE) return {};
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return fail(ErrorCategory::rejected, fmt::format("store: {}: {}", what, sqlite3_errmsg(m_db)));
    return db_error(m_db, what);
  }
  int changes() const { return sqlite3_changes(m_db); }

  // Every row, each made into a T by `read` (which returns T or Result<T>). Errors: internal.
  template <typename Read>
  auto rows(Read read, std::string_view what) -> Result<std::vector<std::remove_cvref_t<decltype(unwrap(read(*this)))>>> {
    std::vector<std::remove_cvref_t<decltype(unwrap(read(*this)))>> out;
    int rc = SQLITE_ROW;
    while ((rc = step()) == SQLITE_ROW) {
      auto item = read(*this);
      if constexpr (is_result<decltype(item)>) {
        if (!item) return fail(item.error());
        out.push_back(std::move(*item));
      } else {
        out.push_back(std::move(item));
      }
    }
    if (rc != SQLITE_DONE) return db_error(m_db, what);
    return out;
  }

  // The one row, made by `read`; not_found with `missing` when there is none. Errors: internal.
  template <typename Read>
  auto row(Read read, std::string_view missing, std::string_view what) -> std::remove_cvref_t<decltype(as_result(read(*this)))> {
    const int rc = step();
    if (rc == SQLITE_DONE) return fail(ErrorCategory::not_found, std::string(missing));
    if (rc != SQLITE_ROW) return db_error(m_db, what);
    return read(*this);
  }

  std::string column_string(int index) const { return column_text(m_stmt, index); }
  // Valid until the next step or reset of the statement.
  std::string_view column_view(int index) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, index));
    return text ? std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, index))) : std::string_view{};
  }
  std::optional<std::string> column_optional_string(int index) const {
    if (sqlite3_column_type(m_stmt, index) == SQLITE_NULL) return std::nullopt;
    return column_string(index);
  }
  Bytes column_blob(int index) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, index));
    return data ? Bytes(data, data + sqlite3_column_bytes(m_stmt, index)) : Bytes{};
  }
  std::int64_t column_integer(int index) const { return sqlite3_column_int64(m_stmt, index); }
  bool column_null(int index) const { return sqlite3_column_type(m_stmt, index) == SQLITE_NULL; }
  std::optional<std::int64_t> column_optional(int index) const {
    if (sqlite3_column_type(m_stmt, index) == SQLITE_NULL) return std::nullopt;
    return column_integer(index);
  }
  nlohmann::json column_json(int index) const { return nlohmann::json::parse(column_string(index), nullptr, false); }
  std::vector<std::string> column_strings(int index) const {
    std::vector<std::string> out;
    const auto list = column_json(index);
    if (list.is_array())
      for (const auto& item : list)
        if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
  }

 private:
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
  int m_bound = 0;
};

constexpr std::string_view k_principal_columns = "name, display_name, roles, user_handle, created";
constexpr std::string_view k_credential_columns =
    "id, principal, nickname, fmt, aaguid, algorithm, public_key, counter, discoverable, user_verified, backup_eligible, "
    "virtual_key, trust_status, trust_path, mds, transports, created, last_used";
constexpr std::string_view k_token_columns = "id, kind, hash, principal, name, scopes, created, expires, revoked, last_used";

// How many columns a list such as k_token_columns names.
constexpr int column_count(std::string_view columns) {
  int count = 1;
  for (std::size_t at = columns.find(", "); at != std::string_view::npos; at = columns.find(", ", at + 2)) ++count;
  return count;
}

// "a, b" as "t.a, t.b".
std::string qualified(std::string_view columns, std::string_view table) {
  std::string out;
  std::size_t start = 0;
  while (start <= columns.size()) {
    const std::size_t end = std::min(columns.find(", ", start), columns.size());
    out += fmt::format("{}{}.{}", out.empty() ? "" : ", ", table, columns.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

// The principal in k_principal_columns order from column `first` on.
PrincipalRecord read_principal_at(const Query& q, int first) {
  return PrincipalRecord{.name = q.column_string(first),
                         .display_name = q.column_string(first + 1),
                         .roles = q.column_strings(first + 2),
                         .user_handle = q.column_blob(first + 3),
                         .created = q.column_integer(first + 4)};
}
PrincipalRecord read_principal(const Query& q) { return read_principal_at(q, 0); }

CredentialRecord read_credential(const Query& q) {
  CredentialRecord c;
  c.id = q.column_blob(0);
  c.principal = q.column_string(1);
  c.nickname = q.column_string(2);
  c.fmt = q.column_string(3);
  c.aaguid = q.column_string(4);
  c.algorithm = static_cast<int>(q.column_integer(5));
  c.public_key = q.column_blob(6);
  c.counter = static_cast<std::uint32_t>(q.column_integer(7));
  if (auto rk = q.column_optional(8)) c.discoverable = *rk != 0;
  c.user_verified = q.column_integer(9) != 0;
  c.backup_eligible = q.column_integer(10) != 0;
  c.virtual_key = q.column_integer(11) != 0;
  c.trust_status = q.column_string(12);
  c.trust_path = q.column_strings(13);
  c.mds = q.column_json(14);
  c.transports = q.column_strings(15);
  c.created = q.column_integer(16);
  c.last_used = q.column_optional(17);
  return c;
}

TokenRecord read_token(const Query& q) {
  return TokenRecord{.id = q.column_string(0),
                     .kind = q.column_string(1),
                     .hash = q.column_blob(2),
                     .principal = q.column_string(3),
                     .name = q.column_string(4),
                     .scopes = q.column_strings(5),
                     .created = q.column_integer(6),
                     .expires = q.column_integer(7),
                     .revoked = q.column_optional(8),
                     .last_used = q.column_optional(9)};
}

nlohmann::json json_list(const std::vector<std::string>& items) { return nlohmann::json(items); }

Result<AccountRecord> account_from_text(std::string_view text) {
  auto account = account_record_from_json(nlohmann::json::parse(text, nullptr, false));
  if (!account) return fail(ErrorCategory::internal, "store: " + account.error().message);
  return account;
}

Result<AccountRecord> account_from_row(const Query& q) { return account_from_text(q.column_view(0)); }

Result<AccessRequestRecord> access_request_from_row(const Query& q) {
  auto request = access_request_record_from_json(q.column_json(0));
  if (!request) return fail(request.error());
  return request;
}

AlertRecord read_alert(const Query& q) {
  AlertRecord a;
  a.id = q.column_integer(0);
  a.key = q.column_string(1);
  a.rule = q.column_string(2);
  a.severity = q.column_string(3);
  a.time = q.column_integer(4);
  a.actor = q.column_string(5);
  a.summary = q.column_string(6);
  for (const auto& seq : q.column_json(7))
    if (seq.is_number_unsigned()) a.entries.push_back(seq.get<std::uint64_t>());
  return a;
}

// The SQL condition for an effective state at a bound time `?now` (see access_effective_state).
std::string state_condition(std::string_view state) {
  if (state == "pending") return "state = 'pending' AND pending_until > :now";
  if (state == "active") return "state = 'active' AND grant_end > :now";
  if (state == "expired") return "((state = 'pending' AND pending_until <= :now) OR (state = 'active' AND grant_end <= :now))";
  if (state == "approved") return "grant_end > 0 AND :now = :now";
  return fmt::format("state = '{}' AND :now = :now", state == "denied" ? "denied" : "revoked");
}

AuditEntry read_audit_entry(const Query& q) {
  AuditEntry entry;
  entry.seq = static_cast<std::uint64_t>(q.column_integer(0));
  entry.event.time = q.column_string(1);
  entry.event.actor = q.column_string(2);
  entry.event.action = q.column_string(3);
  entry.event.resource = q.column_string(4);
  entry.event.grant = q.column_optional_string(5);
  // Stored as written; if the text was edited into something else, the chain check says so.
  entry.event.detail = q.column_json(6);
  entry.prev = q.column_string(7);
  entry.hash = q.column_string(8);
  return entry;
}

// Records as last parsed, by id, with the text they came from: every audited read looks up the
// account and its caller's grants, and parsing the same stored JSON each time cost more than the
// query. A row whose text changed is parsed again, so nothing stale is ever returned.
template <typename Record>
class ParseMemo {
 public:
  // The record that `text` (the row of `id`) holds, parsed by `parse` unless it was parsed already.
  template <typename Parse>
  Result<Record> get(std::string_view id, std::string_view text, Parse parse) {
    constexpr std::size_t k_max = 4096;  // a bound on memory, not a working set: past it, start over
    if (m_records.size() > k_max) m_records.clear();
    auto found = m_records.find(id);
    if (found != m_records.end() && found->second.first == text) return found->second.second;
    auto record = parse(text);
    if (!record) {
      if (found != m_records.end()) m_records.erase(found);
      return fail(record.error());
    }
    if (found == m_records.end()) found = m_records.emplace(std::string(id), std::pair<std::string, Record>{}).first;
    found->second = {std::string(text), *record};
    return std::move(*record);
  }

 private:
  std::map<std::string, std::pair<std::string, Record>, std::less<>> m_records;
};

// One SQLite connection and the statements prepared on it. A connection and its statements serve
// one caller at a time: hold `mutex` from the first cached() to the end of the last Query.
struct Connection {
  std::mutex mutex;
  DbPtr db;
  std::map<std::string, StmtPtr, std::less<>> statements;
  ParseMemo<AccessRequestRecord> parsed_requests;
  ParseMemo<AccountRecord> parsed_accounts;

  // Statements are prepared once per connection and kept.
  Result<sqlite3_stmt*> cached(const std::string& sql) {
    if (auto found = statements.find(sql); found != statements.end()) return found->second.get();
    auto stmt = prepare(db.get(), sql);
    if (!stmt) return fail(stmt.error());
    return statements.emplace(sql, std::move(*stmt)).first->second.get();
  }
};

// Read-only connections beside the writer. In WAL mode each reads the last commit while the writer
// holds its transaction and its fsync, so handlers' reads do not wait for the audit log. A read
// holds one for a single short query, so a few serve a server thread per core; when all are busy a
// read waits for one rather than opening more (each costs a file handle and a statement cache).
constexpr std::size_t k_read_connections = 4;

class SqliteStore final : public Store {
 public:
  // `readers` were opened after the migrations ran on `writer`, so they see the current schema.
  SqliteStore(DbPtr writer, std::array<DbPtr, k_read_connections> readers, std::unique_ptr<WalCheckpointer> checkpointer) {
    m_writer.db = std::move(writer);
    for (std::size_t i = 0; i < k_read_connections; ++i) m_readers[i].db = std::move(readers[i]);
    m_checkpointer = std::move(checkpointer);
  }

  Result<void> audit_append(std::span<const AuditEntry> entries) override {
    if (entries.empty()) return {};
    const std::lock_guard lock(m_writer.mutex);
    auto head = head_locked();
    if (!head) return fail(head.error());
    if (entries.front().seq != head->seq + 1 || entries.front().prev != head->hash)
      return fail(ErrorCategory::usage, fmt::format("store: audit entry {} does not follow the stored head {}",
                                                    entries.front().seq, head->seq));
    if (auto begun = exec(m_writer.db.get(), "BEGIN IMMEDIATE", "starting an audit transaction"); !begun) return begun;
    for (const auto& entry : entries) {
      if (auto inserted = insert_locked(entry); !inserted) {
        rollback_locked();
        return inserted;
      }
    }
    if (sqlite3_exec(m_writer.db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto error = db_error(m_writer.db.get(), "committing audit entries");
      rollback_locked();  // a failed COMMIT can leave the transaction open
      return error;
    }
    m_known_head.reset();  // read anew by the next commit
    return {};
  }

  Result<std::vector<Result<AuditEntry>>> audit_commit(const AuditHead& head, std::span<AuditedWrite> writes) override {
    const std::lock_guard lock(m_writer.mutex);
    // The head is checked inside the write transaction, so that no other writer can move it
    // between the check and the first insert.
    if (auto begun = exec(m_writer.db.get(), "BEGIN IMMEDIATE", "starting an audit transaction"); !begun) return fail(begun.error());
    auto stored = head_in_transaction_locked();
    if (!stored || stored->seq != head.seq || stored->hash != head.hash) {
      rollback_locked();
      if (!stored) return fail(stored.error());
      return fail(ErrorCategory::usage, fmt::format("store: the audit head is {}, not {}", stored->seq, head.seq));
    }
    std::vector<Result<AuditEntry>> results;
    results.reserve(writes.size());
    AuditHead next = head;
    Transaction tx(*this);
    for (auto& write : writes) {
      if (!write.change) {
        // An entry alone (an audited read, say) needs no savepoint: its insert fails only when the
        // database does, and then nothing of the batch may stand.
        auto entry = audit_chain_next(next.seq, next.hash, std::move(write.event));
        if (entry) {
          if (auto inserted = insert_locked(*entry); !inserted) {
            rollback_locked();
            return fail(inserted.error());
          }
          next = AuditHead{entry->seq, entry->hash};
        }
        results.push_back(std::move(entry));
        continue;
      }
      if (auto saved = exec(m_writer.db.get(), "SAVEPOINT one_write", "starting a write"); !saved) {
        rollback_locked();
        return fail(saved.error());
      }
      auto applied = [&]() -> Result<AuditEntry> {
        if (write.change)
          if (auto changed = write.change(tx, write.event); !changed) return fail(changed.error());
        auto entry = audit_chain_next(next.seq, next.hash, std::move(write.event));
        if (!entry) return entry;
        if (auto inserted = insert_locked(*entry); !inserted) return fail(inserted.error());
        return entry;
      }();
      if (!applied) {
        exec(m_writer.db.get(), "ROLLBACK TO one_write", "undoing a write");
      } else {
        next = AuditHead{applied->seq, applied->hash};
      }
      if (auto released = exec(m_writer.db.get(), "RELEASE one_write", "ending a write"); !released) {
        rollback_locked();
        return fail(released.error());
      }
      results.push_back(std::move(applied));
    }
    if (sqlite3_exec(m_writer.db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto error = db_error(m_writer.db.get(), "committing audit entries");
      rollback_locked();
      return error;
    }
    m_known_head = next;  // this connection's own commit leaves data_version as it was
    return results;
  }

  Result<void> ceremony_insert(const CeremonyRecord& c, StoreTime now) override {
    const std::lock_guard lock(m_writer.mutex);
    // Ceremonies nobody finished go when new ones start, so the table holds only live ones.
    auto expired = m_writer.cached("DELETE FROM ceremonies WHERE expires <= ?");
    if (!expired) return fail(expired.error());
    if (auto dropped = Query(m_writer.db.get(), *expired).integer(now).run("dropping expired ceremonies"); !dropped) return dropped;
    auto stmt = m_writer.cached("INSERT INTO ceremonies (id, kind, principal, challenge, require_uv, expires) VALUES (?, ?, ?, ?, ?, ?)");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    return q.text(c.id).text(c.kind).text(c.principal).blob(c.challenge).integer(c.require_user_verification).integer(c.expires).run(
        "starting a ceremony");
  }

  Result<CeremonyRecord> ceremony_get(std::string_view id, StoreTime now) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT id, kind, principal, challenge, require_uv, expires FROM ceremonies WHERE id = ? AND expires > ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(id).integer(now);
    return q.row(
        [](const Query& r) {
          return CeremonyRecord{.id = r.column_string(0),
                                .kind = r.column_string(1),
                                .principal = r.column_string(2),
                                .challenge = r.column_blob(3),
                                .require_user_verification = r.column_integer(4) != 0,
                                .expires = r.column_integer(5)};
        },
        "no such ceremony, or it was used or has expired", "reading a ceremony");
  }

  Result<PrincipalRecord> principal_get(std::string_view name) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(fmt::format("SELECT {} FROM principals WHERE name = ?", k_principal_columns));
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(name);
    return q.row(read_principal, fmt::format("no principal named {}", name), "reading a principal");
  }

  Result<std::vector<PrincipalRecord>> principal_page(std::string_view after, std::string_view role, std::size_t limit) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(fmt::format(
        "SELECT {} FROM principals WHERE name > ? AND (? = '' OR EXISTS (SELECT 1 FROM json_each(roles) WHERE value = ?)) "
        "ORDER BY name LIMIT ?",
        k_principal_columns));
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(after).text(role).text(role).integer(static_cast<std::int64_t>(limit));
    return q.rows(read_principal, "listing principals");
  }

  Result<std::size_t> principal_count() override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT count(*) FROM principals");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    if (q.step() != SQLITE_ROW) return db_error(reader.db.get(), "counting principals");
    return static_cast<std::size_t>(q.column_integer(0));
  }

  Result<CredentialRecord> credential_get(ByteView id) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(fmt::format("SELECT {} FROM credentials WHERE id = ?", k_credential_columns));
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.blob(id);
    return q.row(read_credential, "no such credential", "reading a credential");
  }

  Result<std::vector<CredentialRecord>> credentials_of(std::string_view principal) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(fmt::format("SELECT {} FROM credentials WHERE principal = ? ORDER BY created, id", k_credential_columns));
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(principal);
    return q.rows(read_credential, "listing credentials");
  }

  Result<TokenRecord> token_by_hash(ByteView hash) override { return token_where("hash = ?", [&](Query& q) { q.blob(hash); }); }

  Result<TokenWithPrincipal> token_with_principal(ByteView hash) override {
    static const std::string sql =
        fmt::format("SELECT {}, {} FROM tokens t LEFT JOIN principals p ON p.name = t.principal WHERE t.hash = ?",
                    qualified(k_token_columns, "t"), qualified(k_principal_columns, "p"));
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(sql);
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.blob(hash);
    return q.row(
        [](const Query& row) {
          constexpr int k_principal_first = column_count(k_token_columns);
          TokenWithPrincipal found{.token = read_token(row), .principal = std::nullopt};
          if (!row.column_null(k_principal_first)) found.principal = read_principal_at(row, k_principal_first);
          return found;
        },
        "no such token", "reading a token");
  }
  Result<TokenRecord> token_get(std::string_view id) override { return token_where("id = ?", [&](Query& q) { q.text(id); }); }

  Result<std::vector<TokenRecord>> api_token_page(std::string_view after, std::size_t limit) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(fmt::format("SELECT {} FROM tokens WHERE kind = 'api' AND id > ? ORDER BY id LIMIT ?", k_token_columns));
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(after).integer(static_cast<std::int64_t>(limit));
    return q.rows(read_token, "listing tokens");
  }

  Result<void> token_touch(std::string_view id, StoreTime when) override {
    const std::lock_guard lock(m_writer.mutex);
    auto stmt = m_writer.cached("UPDATE tokens SET last_used = ? WHERE id = ?");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    return q.integer(when).text(id).run("noting a token's use");
  }

  Result<bool> bootstrap_set(ByteView code_hash, StoreTime expires) override {
    const std::lock_guard lock(m_writer.mutex);
    auto stmt = m_writer.cached(
        "INSERT INTO bootstrap (id, code_hash, expires, used) VALUES (1, ?, ?, NULL) "
        "ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash, expires = excluded.expires WHERE used IS NULL");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    if (auto r = q.blob(code_hash).integer(expires).run("setting the bootstrap code"); !r) return fail(r.error());
    return q.changes() == 1;
  }

  Result<std::optional<IdempotentReply>> idempotency_get(std::string_view principal, std::string_view key) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT fingerprint, status, body FROM idempotency WHERE principal = ? AND key = ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(principal).text(key);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<IdempotentReply>{};
    if (rc != SQLITE_ROW) return db_error(reader.db.get(), "reading an idempotency key");
    return std::optional<IdempotentReply>(IdempotentReply{.fingerprint = q.column_blob(0),
                                                          .status = static_cast<unsigned>(q.column_integer(1)),
                                                          .body = q.column_string(2)});
  }

  Result<AccountRecord> account_get(std::string_view id) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT record FROM accounts WHERE id = ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(id);
    return q.row([&](const Query& row) { return reader.parsed_accounts.get(id, row.column_view(0), account_from_text); },
                 fmt::format("no account {}", id), "reading an account");
  }

  Result<std::vector<AccountRecord>> account_page(std::string_view after, std::span<const std::string> filters, std::string_view group,
                                                  std::size_t limit) override {
    // Each filter is a fixed condition on an indexed posture column; the SQL text depends only on
    // which filters are asked for, so each combination is prepared once.
    static const std::map<std::string, std::string, std::less<>> conditions = {
        {"no-2fa", "two_factor = 0"},
        {"no-phishing-resistant", "phishing_resistant = 0"},
        {"reset-protection-off", "reset_protection = 0"},
        {"sms-only", "sms_only = 1"},
        {"single-security-key", "security_keys = 1"}};
    std::string sql = "SELECT record FROM accounts WHERE id > ?";
    std::vector<std::string> sorted(filters.begin(), filters.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (const auto& filter : sorted) {
      const auto found = conditions.find(filter);
      if (found == conditions.end()) return fail(ErrorCategory::usage, fmt::format("no account filter named {}", filter));
      sql += " AND " + found->second;
    }
    if (!group.empty()) sql += " AND id IN (SELECT account FROM account_groups WHERE name = ?)";
    sql += " ORDER BY id LIMIT ?";
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(sql);
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(after);
    if (!group.empty()) q.text(group);
    q.integer(static_cast<std::int64_t>(limit));
    return q.rows(account_from_row, "listing accounts");
  }

  Result<std::size_t> account_count(std::string_view kind) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT count(*) FROM accounts WHERE ? = '' OR kind = ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(kind).text(kind);
    if (q.step() != SQLITE_ROW) return db_error(reader.db.get(), "counting accounts");
    return static_cast<std::size_t>(q.column_integer(0));
  }

  Result<bool> bootstrap_used() override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT count(*) FROM bootstrap WHERE used IS NOT NULL");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    if (q.step() != SQLITE_ROW) return db_error(reader.db.get(), "reading the bootstrap state");
    return q.column_integer(0) > 0;
  }

  Result<bool> bootstrap_valid(ByteView code_hash, StoreTime now) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT code_hash FROM bootstrap WHERE id = 1 AND used IS NULL AND expires > ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.integer(now);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) return db_error(reader.db.get(), "reading the bootstrap code");
    return constant_time_equal(q.column_blob(0), code_hash);
  }

  Result<void> check_writable() override {
    const std::lock_guard lock(m_writer.mutex);
    // Taking the write lock proves the file is writable and not held by a stuck writer.
    if (auto begun = exec(m_writer.db.get(), "BEGIN IMMEDIATE", "taking the database write lock"); !begun) return begun;
    return exec(m_writer.db.get(), "ROLLBACK", "releasing the database write lock");
  }

  std::string_view kind() const override { return "sqlite"; }

  Result<AuditHead> audit_head() override {
    const std::lock_guard lock(m_writer.mutex);
    return head_locked();
  }

  Result<std::vector<AuditEntry>> audit_page(std::uint64_t after_seq, std::size_t limit) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(
        "SELECT seq, time, actor, action, resource, grant_id, detail, prev, hash FROM audit "
        "WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.integer(static_cast<std::int64_t>(after_seq)).integer(static_cast<std::int64_t>(limit));
    return q.rows(read_audit_entry, "reading audit entries");
  }

  Result<std::vector<AuditEntry>> audit_search(std::uint64_t after_seq, const AuditFilter& filter, std::size_t limit) override {
    // Only the conditions asked for, so that SQLite can use the actor, resource and time indexes.
    std::string sql = "SELECT seq, time, actor, action, resource, grant_id, detail, prev, hash FROM audit WHERE seq > ?";
    if (!filter.since.empty()) sql += " AND time >= ?";
    if (!filter.actor.empty()) sql += " AND actor = ?";
    if (!filter.resource.empty()) sql += " AND resource = ?";
    if (!filter.action.empty()) sql += " AND action = ?";
    sql += " ORDER BY seq LIMIT ?";
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(sql);
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.integer(static_cast<std::int64_t>(after_seq));
    if (!filter.since.empty()) q.text(filter.since);
    if (!filter.actor.empty()) q.text(filter.actor);
    if (!filter.resource.empty()) q.text(filter.resource);
    if (!filter.action.empty()) q.text(filter.action);
    q.integer(static_cast<std::int64_t>(limit));
    return q.rows(read_audit_entry, "searching audit entries");
  }

  Result<void> access_nonce_insert(const AccessNonceRecord& n, StoreTime now) override {
    const std::lock_guard lock(m_writer.mutex);
    auto expired = m_writer.cached("DELETE FROM access_nonces WHERE expires <= ?");
    if (!expired) return fail(expired.error());
    if (auto dropped = Query(m_writer.db.get(), *expired).integer(now).run("dropping expired nonces"); !dropped) return dropped;
    auto stmt = m_writer.cached("INSERT INTO access_nonces (nonce, principal, purpose, request_id, expires) VALUES (?, ?, ?, ?, ?)");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    return q.text(n.nonce).text(n.principal).text(n.purpose).text(n.request_id).integer(n.expires).run("storing a nonce");
  }

  Result<AccessNonceRecord> access_nonce_get(std::string_view nonce, StoreTime now) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT nonce, principal, purpose, request_id, expires FROM access_nonces WHERE nonce = ? AND expires > ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(nonce).integer(now);
    return q.row(
        [](const Query& r) {
          return AccessNonceRecord{.nonce = r.column_string(0), .principal = r.column_string(1), .purpose = r.column_string(2),
                                   .request_id = r.column_string(3), .expires = r.column_integer(4)};
        },
        "no such nonce, or it was used or has expired", "reading a nonce");
  }

  Result<AccessRequestRecord> access_request_get(std::string_view id) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT record FROM access_requests WHERE id = ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(id);
    return q.row(access_request_from_row, fmt::format("no access request {}", id), "reading an access request");
  }

  Result<std::vector<AccessRequestRecord>> access_request_page(const AccessRequestQuery& query) override {
    std::string sql = "SELECT record FROM access_requests WHERE 1";
    if (query.before_created != 0) sql += " AND (created < :created OR (created = :created AND id < :id))";
    if (!query.requester.empty()) sql += " AND requester = :requester";
    if (!query.state.empty()) sql += " AND " + state_condition(query.state);
    sql += " ORDER BY created DESC, id DESC LIMIT :limit";
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(sql);
    if (!stmt) return fail(stmt.error());
    auto bind = [&](const char* name, auto value) {
      const int index = sqlite3_bind_parameter_index(*stmt, name);
      if (index == 0) return;
      if constexpr (std::is_integral_v<decltype(value)>) sqlite3_bind_int64(*stmt, index, static_cast<sqlite3_int64>(value));
      else sqlite3_bind_text(*stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    };
    Query q(reader.db.get(), *stmt);
    bind(":created", query.before_created);
    bind(":id", std::string_view(query.before_id));
    bind(":requester", std::string_view(query.requester));
    bind(":now", query.now);
    bind(":limit", static_cast<std::int64_t>(query.limit));
    return q.rows(access_request_from_row, "listing access requests");
  }

  Result<std::vector<AccessRequestRecord>> access_grants_of(std::string_view principal, StoreTime now) override {
    auto [reader, lock] = take_reader();
    // Sorted here, not by ORDER BY: the index serves the WHERE, and SQLite would set up a sorter
    // (allocations on every audited read) for the few grants one person holds.
    auto stmt = reader.cached("SELECT id, record FROM access_requests WHERE requester = ? AND state = 'active' AND grant_end > ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(principal).integer(now);
    auto grants = q.rows(
        [&reader](const Query& row) {
          return reader.parsed_requests.get(row.column_view(0), row.column_view(1), [](std::string_view text) {
            return access_request_record_from_json(nlohmann::json::parse(text, nullptr, false));
          });
        },
        "reading grants");
    if (grants) std::sort(grants->begin(), grants->end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return grants;
  }

  Result<std::size_t> account_group_count(std::string_view group) override {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached("SELECT count(*) FROM account_groups WHERE name = ?");
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.text(group);
    if (q.step() != SQLITE_ROW) return db_error(reader.db.get(), "counting a group's accounts");
    return static_cast<std::size_t>(q.column_integer(0));
  }

  Result<bool> alert_insert(const AlertRecord& a) override {
    const std::lock_guard lock(m_writer.mutex);
    auto stmt = m_writer.cached(
        "INSERT INTO alerts (key, rule, severity, time, actor, summary, entries) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO NOTHING");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    q.text(a.key).text(a.rule).text(a.severity).integer(a.time).text(a.actor).text(a.summary).json(a.entries);
    if (auto r = q.run("storing an alert"); !r) return fail(r.error());
    return q.changes() == 1;
  }

  Result<std::vector<AlertRecord>> alert_page(std::int64_t before_id, StoreTime since, std::span<const std::string> severities,
                                              std::size_t limit) override {
    std::string sql = "SELECT id, key, rule, severity, time, actor, summary, entries FROM alerts WHERE (? = 0 OR id < ?) AND time >= ?";
    if (!severities.empty()) {
      sql += " AND severity IN (?";
      for (std::size_t i = 1; i < severities.size(); ++i) sql += ", ?";
      sql += ")";
    }
    sql += " ORDER BY id DESC LIMIT ?";
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(sql);
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    q.integer(before_id).integer(before_id).integer(since);
    for (const auto& severity : severities) q.text(severity);
    q.integer(static_cast<std::int64_t>(limit));
    return q.rows(read_alert, "listing alerts");
  }

 private:
  // A reader connection, held (locked) for one query.
  struct HeldReader {
    Connection& connection;
    std::unique_lock<std::mutex> lock;
  };

  // The first free reader, starting from the calling thread's own. A connection drops its page
  // cache whenever the writer has committed since its last read; a thread that keeps to one
  // connection pays that once per commit, not once per query (an audited read makes three).
  // When all are busy, waits for the thread's own.
  HeldReader take_reader() {
    static std::atomic<std::size_t> threads_seen{0};
    thread_local const std::size_t home = threads_seen.fetch_add(1, std::memory_order_relaxed);
    const std::size_t start = home % k_read_connections;
    for (std::size_t i = 0; i < k_read_connections; ++i) {
      Connection& reader = m_readers[(start + i) % k_read_connections];
      if (std::unique_lock lock(reader.mutex, std::try_to_lock); lock.owns_lock()) return {reader, std::move(lock)};
    }
    return {m_readers[start], std::unique_lock(m_readers[start].mutex)};
  }

  Result<TokenRecord> token_where(std::string_view condition, const std::function<void(Query&)>& bind) {
    auto [reader, lock] = take_reader();
    auto stmt = reader.cached(fmt::format("SELECT {} FROM tokens WHERE {}", k_token_columns, condition));
    if (!stmt) return fail(stmt.error());
    Query q(reader.db.get(), *stmt);
    bind(q);
    return q.row(read_token, "no such token", "reading a token");
  }

  // These run on the writer, with m_writer.mutex held.
  Result<AuditHead> head_locked() {
    auto stmt = m_writer.cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return AuditHead{};
    if (rc != SQLITE_ROW) return db_error(m_writer.db.get(), "reading the audit head");
    return AuditHead{static_cast<std::uint64_t>(q.column_integer(0)), q.column_string(1)};
  }

  // Errors: internal, a broken uniqueness rule too (unlike Query::run).
  Result<void> insert_locked(const AuditEntry& entry) {
    auto stmt = m_writer.cached(
        "INSERT INTO audit (seq, time, actor, action, resource, grant_id, detail, prev, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    q.integer(static_cast<std::int64_t>(entry.seq)).text(entry.event.time).text(entry.event.actor);
    q.text(entry.event.action).text(entry.event.resource).optional_text(entry.event.grant);
    q.text(entry.event.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
    q.text(entry.prev).text(entry.hash);
    if (q.step() != SQLITE_DONE) return db_error(m_writer.db.get(), fmt::format("writing audit entry {}", entry.seq));
    return {};
  }

  void rollback_locked() {
    sqlite3_exec(m_writer.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    m_known_head.reset();
  }

  // The audit head within the open write transaction. What this connection committed last is
  // known; a commit by any other connection (another process on the file, say) changes PRAGMA
  // data_version, and then the head is read again. Saves a query and a read transaction on
  // every group commit.
  Result<AuditHead> head_in_transaction_locked() {
    auto stmt = m_writer.cached("PRAGMA data_version");
    if (!stmt) return fail(stmt.error());
    Query q(m_writer.db.get(), *stmt);
    if (q.step() != SQLITE_ROW) return db_error(m_writer.db.get(), "reading the database's data version");
    const std::int64_t version = q.column_integer(0);
    if (m_known_head && version == m_known_version) return *m_known_head;
    auto head = head_locked();
    if (!head) return head;
    m_known_head = *head;
    m_known_version = version;
    return head;
  }

  // The writes of audit_commit, inside its transaction (on the writer, m_writer.mutex held).
  class Transaction final : public StoreTransaction {
   public:
    explicit Transaction(SqliteStore& store) : m_store(store) {}

    Result<void> principal_insert(const PrincipalRecord& p) override {
      return run("INSERT INTO principals (name, display_name, roles, user_handle, created) VALUES (?, ?, ?, ?, ?)",
                 "adding a principal", [&](Query& q) {
                   q.text(p.name).text(p.display_name).json(json_list(p.roles)).blob(p.user_handle).integer(p.created);
                 });
    }
    Result<void> credential_insert(const CredentialRecord& c) override {
      return run(fmt::format("INSERT INTO credentials ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             k_credential_columns),
                 "adding a credential", [&](Query& q) {
                   q.blob(c.id).text(c.principal).text(c.nickname).text(c.fmt).text(c.aaguid).integer(c.algorithm);
                   q.blob(c.public_key).integer(c.counter);
                   q.optional_integer(c.discoverable ? std::optional<std::int64_t>(*c.discoverable) : std::nullopt);
                   q.integer(c.user_verified).integer(c.backup_eligible).integer(c.virtual_key).text(c.trust_status);
                   q.json(json_list(c.trust_path)).json(c.mds).json(json_list(c.transports)).integer(c.created);
                   q.optional_integer(c.last_used);
                 });
    }
    Result<void> credential_used(ByteView id, std::uint32_t counter, StoreTime when) override {
      return run_one("UPDATE credentials SET counter = ?, last_used = ? WHERE id = ?", "recording a credential's use",
                     [&](Query& q) { q.integer(counter).integer(when).blob(id); });
    }
    Result<void> credential_delete(ByteView id) override {
      return run_one("DELETE FROM credentials WHERE id = ?", "removing a credential", [&](Query& q) { q.blob(id); });
    }
    Result<void> ceremony_take(std::string_view id) override {
      return run_one("DELETE FROM ceremonies WHERE id = ?", "using a ceremony", [&](Query& q) { q.text(id); });
    }
    Result<void> token_insert(const TokenRecord& t) override {
      return run(fmt::format("INSERT INTO tokens ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", k_token_columns), "adding a token",
                 [&](Query& q) {
                   q.text(t.id).text(t.kind).blob(t.hash).text(t.principal).text(t.name).json(json_list(t.scopes));
                   q.integer(t.created).integer(t.expires).optional_integer(t.revoked).optional_integer(t.last_used);
                 });
    }
    Result<void> token_revoke(std::string_view id, StoreTime when) override {
      return run_one("UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL", "revoking a token",
                     [&](Query& q) { q.integer(when).text(id); });
    }
    Result<void> idempotency_insert(std::string_view principal, std::string_view key, const IdempotentReply& reply,
                                    StoreTime when) override {
      return run("INSERT INTO idempotency (principal, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?)",
                 "recording an idempotency key", [&](Query& q) {
                   q.text(principal).text(key).blob(reply.fingerprint).integer(reply.status).text(reply.body).integer(when);
                 });
    }
    Result<void> account_insert(const AccountRecord& a) override {
      const PostureSummary p = posture_summarize(a);
      auto inserted = run(
          "INSERT INTO accounts (id, kind, record, two_factor, phishing_resistant, reset_protection, sms_only, security_keys, created) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          "adding an account", [&](Query& q) {
            q.text(a.id).text(a.kind).json(account_record_json(a)).integer(p.two_factor).integer(p.phishing_resistant);
            q.integer(p.reset_protection).integer(p.sms_only).integer(static_cast<std::int64_t>(p.security_keys)).integer(a.created);
          });
      if (!inserted) return inserted;
      for (const auto& group : a.groups) {
        auto member = run("INSERT INTO account_groups (name, account) VALUES (?, ?)", "adding an account to a group",
                          [&](Query& q) { q.text(group).text(a.id); });
        if (!member) return member;
      }
      return {};
    }
    Result<void> access_nonce_take(std::string_view nonce) override {
      return run_one("DELETE FROM access_nonces WHERE nonce = ?", "using a nonce", [&](Query& q) { q.text(nonce); });
    }
    Result<AccessRequestRecord> access_request_get(std::string_view id) override {
      auto stmt = m_store.m_writer.cached("SELECT record FROM access_requests WHERE id = ?");
      if (!stmt) return fail(stmt.error());
      Query q(m_store.m_writer.db.get(), *stmt);
      q.text(id);
      return q.row(access_request_from_row, fmt::format("no access request {}", id), "reading an access request");
    }
    Result<void> access_request_put(const AccessRequestRecord& r) override {
      return run(
          "INSERT INTO access_requests (id, requester, state, created, pending_until, grant_end, record) VALUES (?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO UPDATE SET state = excluded.state, grant_end = excluded.grant_end, record = excluded.record",
          "storing an access request", [&](Query& q) {
            q.text(r.id).text(r.requester).text(r.state).integer(r.created).integer(r.pending_until).integer(r.grant_end);
            q.json(access_request_record_json(r));
          });
    }
    Result<void> bootstrap_take(ByteView code_hash, StoreTime when) override {
      auto taken = run_one("UPDATE bootstrap SET used = ? WHERE id = 1 AND used IS NULL AND code_hash = ?",
                           "using the bootstrap code", [&](Query& q) { q.integer(when).blob(code_hash); });
      if (!taken && taken.error().category == ErrorCategory::not_found)
        return fail(ErrorCategory::rejected, "the bootstrap code was used already");
      return taken;
    }

   private:
    Result<void> run(const std::string& sql, std::string_view what, const std::function<void(Query&)>& bind) {
      auto stmt = m_store.m_writer.cached(sql);
      if (!stmt) return fail(stmt.error());
      Query q(m_store.m_writer.db.get(), *stmt);
      bind(q);
      return q.run(what);
    }
    // As run(), for a statement that must change exactly one row (else not_found).
    Result<void> run_one(const std::string& sql, std::string_view what, const std::function<void(Query&)>& bind) {
      auto stmt = m_store.m_writer.cached(sql);
      if (!stmt) return fail(stmt.error());
      Query q(m_store.m_writer.db.get(), *stmt);
      bind(q);
      if (auto r = q.run(what); !r) return r;
      if (q.changes() != 1) return fail(ErrorCategory::not_found, fmt::format("store: {}: no such row", what));
      return {};
    }
    SqliteStore& m_store;
  };

  Connection m_writer;  // every write, and the audit head (read as the writer sees it)
  std::optional<AuditHead> m_known_head;  // under m_writer.mutex: see head_in_transaction_locked
  std::int64_t m_known_version = 0;
  std::array<Connection, k_read_connections> m_readers;  // every other read; closed before the writer
  std::unique_ptr<WalCheckpointer> m_checkpointer;  // last: its hook on the writer goes first
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

// One connection to the file at `path`; `mode` is SQLITE_OPEN_READWRITE or SQLITE_OPEN_READONLY.
// The writer is serialized by SQLite too (the WAL checkpointer calls it from its own thread);
// a reader is only ever used under its Connection's mutex, so SQLite's own would be paid for
// twice on every query. Errors: usage (cannot open it).
Result<DbPtr> open_connection(const std::string& path, int mode) {
  // SQLite's allocation statistics take one process-wide mutex on every allocation, which the
  // io threads and the writer then contend for; nothing here reads them. Only possible before
  // SQLite initializes, so a process that opened a database another way keeps them.
  [[maybe_unused]] static const int no_memstatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  sqlite3* raw = nullptr;
  const int threading = mode == SQLITE_OPEN_READONLY ? SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, mode | threading, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return fail(ErrorCategory::usage,
                fmt::format("cannot open the database {}: {}", path, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
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
  auto writer = open_connection(path, SQLITE_OPEN_READWRITE);
  if (!writer) return fail(writer.error());
  sqlite3* db = writer->get();
  // WAL lets readers run beside the writer; synchronous=FULL makes each commit durable before it
  // returns, which the audit rule (no response before its row is on disk) relies on.
  // SQLite keeps its old journal mode, without an error, where WAL cannot work (no shared memory
  // on the file system, say); the answer says which mode it is in.
  auto mode = prepare(db, "PRAGMA journal_mode = WAL");
  if (!mode) return fail(ErrorCategory::usage, fmt::format("{}: {}", path, mode.error().message));
  const bool wal = sqlite3_step(mode->get()) == SQLITE_ROW && sqlite3_column_text(mode->get(), 0) != nullptr &&
                   std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(mode->get(), 0))) == "wal";
  mode->reset();
  if (!wal)
    return fail(ErrorCategory::usage, fmt::format("{}: the database cannot use write-ahead logging here (is it on a network file "
                                                  "system?); put it on a local disk with --db sqlite:PATH", path));
  for (const char* pragma : {"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
    if (auto r = exec(db, pragma, pragma); !r) return fail(ErrorCategory::usage, fmt::format("{}: {}", path, r.error().message));
  }
  if (auto r = migrate(db, path); !r) return fail(r.error());
  // Only now, so that no reader has seen an older schema (and none holds the file while it changes).
  std::array<DbPtr, k_read_connections> readers;
  for (auto& reader : readers) {
    auto opened = open_connection(path, SQLITE_OPEN_READONLY);
    if (!opened) return fail(opened.error());
    reader = std::move(*opened);
  }
  auto checkpointer = WalCheckpointer::start(path, db);
  if (!checkpointer) return fail(checkpointer.error());
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(*writer), std::move(readers), std::move(*checkpointer)));
}

}  // namespace acctsec::server
