#include "server/sqlite_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <type_traits>

namespace acctsec::server {
namespace {

// Migration n (1-based) takes the schema from version n-1 to n. Append only; never edit one that
// has shipped.
constexpr std::array<std::string_view, 4> k_migrations{
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
  Bytes column_blob(int index) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, index));
    return data ? Bytes(data, data + sqlite3_column_bytes(m_stmt, index)) : Bytes{};
  }
  std::int64_t column_integer(int index) const { return sqlite3_column_int64(m_stmt, index); }
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

PrincipalRecord read_principal(const Query& q) {
  return PrincipalRecord{.name = q.column_string(0),
                         .display_name = q.column_string(1),
                         .roles = q.column_strings(2),
                         .user_handle = q.column_blob(3),
                         .created = q.column_integer(4)};
}

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

Result<AccountRecord> account_from_row(const Query& q) {
  auto account = account_record_from_json(q.column_json(0));
  if (!account) return fail(ErrorCategory::internal, "store: " + account.error().message);
  return account;
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

  Result<std::vector<Result<AuditEntry>>> audit_commit(const AuditHead& head, std::span<AuditedWrite> writes) override {
    const std::lock_guard lock(m_mutex);
    auto stored = head_locked();
    if (!stored) return fail(stored.error());
    if (stored->seq != head.seq || stored->hash != head.hash)
      return fail(ErrorCategory::usage, fmt::format("store: the audit head is {}, not {}", stored->seq, head.seq));
    if (auto begun = exec(m_db.get(), "BEGIN IMMEDIATE", "starting an audit transaction"); !begun) return fail(begun.error());
    std::vector<Result<AuditEntry>> results;
    results.reserve(writes.size());
    AuditHead next = head;
    Transaction tx(*this);
    for (auto& write : writes) {
      if (auto saved = exec(m_db.get(), "SAVEPOINT one_write", "starting a write"); !saved) {
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
        exec(m_db.get(), "ROLLBACK TO one_write", "undoing a write");
      } else {
        next = AuditHead{applied->seq, applied->hash};
      }
      if (auto released = exec(m_db.get(), "RELEASE one_write", "ending a write"); !released) {
        rollback_locked();
        return fail(released.error());
      }
      results.push_back(std::move(applied));
    }
    if (sqlite3_exec(m_db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto error = db_error(m_db.get(), "committing audit entries");
      rollback_locked();
      return error;
    }
    return results;
  }

  Result<void> ceremony_insert(const CeremonyRecord& c, StoreTime now) override {
    const std::lock_guard lock(m_mutex);
    // Ceremonies nobody finished go when new ones start, so the table holds only live ones.
    auto expired = cached("DELETE FROM ceremonies WHERE expires <= ?");
    if (!expired) return fail(expired.error());
    if (auto dropped = Query(m_db.get(), *expired).integer(now).run("dropping expired ceremonies"); !dropped) return dropped;
    auto stmt = cached("INSERT INTO ceremonies (id, kind, principal, challenge, require_uv, expires) VALUES (?, ?, ?, ?, ?, ?)");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    return q.text(c.id).text(c.kind).text(c.principal).blob(c.challenge).integer(c.require_user_verification).integer(c.expires).run(
        "starting a ceremony");
  }

  Result<CeremonyRecord> ceremony_get(std::string_view id, StoreTime now) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("SELECT id, kind, principal, challenge, require_uv, expires FROM ceremonies WHERE id = ? AND expires > ?");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
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
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(fmt::format("SELECT {} FROM principals WHERE name = ?", k_principal_columns));
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(name);
    return q.row(read_principal, fmt::format("no principal named {}", name), "reading a principal");
  }

  Result<std::vector<PrincipalRecord>> principal_page(std::string_view after, std::string_view role, std::size_t limit) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(fmt::format(
        "SELECT {} FROM principals WHERE name > ? AND (? = '' OR EXISTS (SELECT 1 FROM json_each(roles) WHERE value = ?)) "
        "ORDER BY name LIMIT ?",
        k_principal_columns));
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(after).text(role).text(role).integer(static_cast<std::int64_t>(limit));
    return q.rows(read_principal, "listing principals");
  }

  Result<std::size_t> principal_count() override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("SELECT count(*) FROM principals");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    if (q.step() != SQLITE_ROW) return db_error(m_db.get(), "counting principals");
    return static_cast<std::size_t>(q.column_integer(0));
  }

  Result<CredentialRecord> credential_get(ByteView id) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(fmt::format("SELECT {} FROM credentials WHERE id = ?", k_credential_columns));
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.blob(id);
    return q.row(read_credential, "no such credential", "reading a credential");
  }

  Result<std::vector<CredentialRecord>> credentials_of(std::string_view principal) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(fmt::format("SELECT {} FROM credentials WHERE principal = ? ORDER BY created, id", k_credential_columns));
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(principal);
    return q.rows(read_credential, "listing credentials");
  }

  Result<TokenRecord> token_by_hash(ByteView hash) override { return token_where("hash = ?", [&](Query& q) { q.blob(hash); }); }
  Result<TokenRecord> token_get(std::string_view id) override { return token_where("id = ?", [&](Query& q) { q.text(id); }); }

  Result<std::vector<TokenRecord>> api_token_page(std::string_view after, std::size_t limit) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(fmt::format("SELECT {} FROM tokens WHERE kind = 'api' AND id > ? ORDER BY id LIMIT ?", k_token_columns));
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(after).integer(static_cast<std::int64_t>(limit));
    return q.rows(read_token, "listing tokens");
  }

  Result<void> token_touch(std::string_view id, StoreTime when) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("UPDATE tokens SET last_used = ? WHERE id = ?");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    return q.integer(when).text(id).run("noting a token's use");
  }

  Result<bool> bootstrap_set(ByteView code_hash, StoreTime expires) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(
        "INSERT INTO bootstrap (id, code_hash, expires, used) VALUES (1, ?, ?, NULL) "
        "ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash, expires = excluded.expires WHERE used IS NULL");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    if (auto r = q.blob(code_hash).integer(expires).run("setting the bootstrap code"); !r) return fail(r.error());
    return q.changes() == 1;
  }

  Result<std::optional<IdempotentReply>> idempotency_get(std::string_view principal, std::string_view key) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("SELECT fingerprint, status, body FROM idempotency WHERE principal = ? AND key = ?");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(principal).text(key);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<IdempotentReply>{};
    if (rc != SQLITE_ROW) return db_error(m_db.get(), "reading an idempotency key");
    return std::optional<IdempotentReply>(IdempotentReply{.fingerprint = q.column_blob(0),
                                                          .status = static_cast<unsigned>(q.column_integer(1)),
                                                          .body = q.column_string(2)});
  }

  Result<AccountRecord> account_get(std::string_view id) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("SELECT record FROM accounts WHERE id = ?");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(id);
    return q.row(account_from_row, fmt::format("no account {}", id), "reading an account");
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
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(sql);
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(after);
    if (!group.empty()) q.text(group);
    q.integer(static_cast<std::int64_t>(limit));
    return q.rows(account_from_row, "listing accounts");
  }

  Result<std::size_t> account_count(std::string_view kind) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("SELECT count(*) FROM accounts WHERE ? = '' OR kind = ?");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.text(kind).text(kind);
    if (q.step() != SQLITE_ROW) return db_error(m_db.get(), "counting accounts");
    return static_cast<std::size_t>(q.column_integer(0));
  }

  Result<bool> bootstrap_used() override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("SELECT count(*) FROM bootstrap WHERE used IS NOT NULL");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    if (q.step() != SQLITE_ROW) return db_error(m_db.get(), "reading the bootstrap state");
    return q.column_integer(0) > 0;
  }

  Result<bool> bootstrap_valid(ByteView code_hash, StoreTime now) override {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached("SELECT code_hash FROM bootstrap WHERE id = 1 AND used IS NULL AND expires > ?");
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    q.integer(now);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) return db_error(m_db.get(), "reading the bootstrap code");
    return constant_time_equal(q.column_blob(0), code_hash);
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

  // Statements are prepared once and kept; callers hold m_mutex.
  Result<sqlite3_stmt*> cached(const std::string& sql) {
    if (auto found = m_statements.find(sql); found != m_statements.end()) return found->second.get();
    auto stmt = prepare(m_db.get(), sql);
    if (!stmt) return fail(stmt.error());
    return m_statements.emplace(sql, std::move(*stmt)).first->second.get();
  }

  Result<TokenRecord> token_where(std::string_view condition, const std::function<void(Query&)>& bind) {
    const std::lock_guard lock(m_mutex);
    auto stmt = cached(fmt::format("SELECT {} FROM tokens WHERE {}", k_token_columns, condition));
    if (!stmt) return fail(stmt.error());
    Query q(m_db.get(), *stmt);
    bind(q);
    return q.row(read_token, "no such token", "reading a token");
  }

  // The writes of audit_commit, inside its transaction (m_mutex held).
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
    Result<void> bootstrap_take(ByteView code_hash, StoreTime when) override {
      auto taken = run_one("UPDATE bootstrap SET used = ? WHERE id = 1 AND used IS NULL AND code_hash = ?",
                           "using the bootstrap code", [&](Query& q) { q.integer(when).blob(code_hash); });
      if (!taken && taken.error().category == ErrorCategory::not_found)
        return fail(ErrorCategory::rejected, "the bootstrap code was used already");
      return taken;
    }

   private:
    Result<void> run(const std::string& sql, std::string_view what, const std::function<void(Query&)>& bind) {
      auto stmt = m_store.cached(sql);
      if (!stmt) return fail(stmt.error());
      Query q(m_store.m_db.get(), *stmt);
      bind(q);
      return q.run(what);
    }
    // As run(), for a statement that must change exactly one row (else not_found).
    Result<void> run_one(const std::string& sql, std::string_view what, const std::function<void(Query&)>& bind) {
      auto stmt = m_store.cached(sql);
      if (!stmt) return fail(stmt.error());
      Query q(m_store.m_db.get(), *stmt);
      bind(q);
      if (auto r = q.run(what); !r) return r;
      if (q.changes() != 1) return fail(ErrorCategory::not_found, fmt::format("store: {}: no such row", what));
      return {};
    }
    SqliteStore& m_store;
  };

  std::mutex m_mutex;  // one connection, one statement set: one caller at a time
  DbPtr m_db;
  StmtPtr m_insert;
  StmtPtr m_head;
  StmtPtr m_page;
  std::map<std::string, StmtPtr, std::less<>> m_statements;
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
