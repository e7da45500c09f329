#include "server/sqlite_store.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

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

AuditEvent event(std::string action, std::string resource) {
  return AuditEvent{.time = "2026-12-01T22:00:00Z", .actor = "admin", .action = std::move(action),
                    .resource = std::move(resource), .grant = std::nullopt, .detail = nlohmann::json::object()};
}

AccountRecord account(const std::string& id, StoreTime created) {
  AccountRecord a;
  a.id = id;
  a.methods.push_back(AccountMethod{"totp", "phone", created, std::nullopt});
  a.created = created;
  return a;
}

TokenRecord api_token(int n) {
  return TokenRecord{.id = "t-" + std::to_string(n), .kind = "api", .hash = Bytes(32, static_cast<std::uint8_t>(n)),
                     .principal = "admin@example.com", .name = "token " + std::to_string(n), .scopes = {"accounts:read"},
                     .created = n, .expires = n + 3600, .revoked = std::nullopt, .last_used = std::nullopt};
}

// Commits `writes` after the stored head and says whether every one of them was stored.
bool commit_all(Store& store, std::vector<AuditedWrite> writes) {
  const auto head = store.audit_head();
  if (!head) return false;
  const auto results = store.audit_commit(*head, writes);
  if (!results) return false;
  for (const auto& result : *results)
    if (!result) return false;
  return true;
}

// A flag that threads wait for; opening it again does nothing.
class Gate {
 public:
  void open() {
    m_open = true;
    m_open.notify_all();
  }
  void wait() const { m_open.wait(false); }

 private:
  std::atomic<bool> m_open{false};
};

// Opens the gate on the way out of a scope, so that a thread waiting for it finishes (and the
// future that waits for that thread returns) even when a check failed first.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.open(); }
};

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

  TEST_CASE("a group commit after another connection moved the audit head is refused, and nothing is written") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(store.has_value());
    auto audited_read = [](int n) {
      return AuditedWrite{.change = {}, .event = AuditEvent{.time = "2026-12-01T10:00:00Z", .actor = "helpdesk@example.com",
                                                            .action = "account.security.read", .resource = "account:c-" + std::to_string(n),
                                                            .grant = "g-1", .detail = {{"request", "r-1"}}}};
    };
    REQUIRE(commit_all(**store, {audited_read(1), audited_read(2)}));  // this connection now knows the head it left
    const auto mine = (*store)->audit_head();
    REQUIRE(mine.has_value());
    {
      // Another writer of the same file (a second process, say) appends behind this store's back.
      auto other = sqlite_store_open(dir.file("acctsec.db"));
      REQUIRE(other.has_value());
      REQUIRE(commit_all(**other, {audited_read(3)}));
    }
    std::vector<AuditedWrite> late = {audited_read(4)};
    const auto refused = (*store)->audit_commit(*mine, late);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().category == ErrorCategory::usage);
    CHECK(refused.error().message == "store: the audit head is 3, not 2");
    CHECK((*store)->audit_head()->seq == 3);
    // From the head as it now is, the next commit goes on, and the chain still verifies.
    REQUIRE(commit_all(**store, {audited_read(5)}));
    const auto all = (*store)->audit_page(0, 10);
    REQUIRE(all.has_value());
    REQUIRE(all->size() == 4);
    AuditChainVerifier verifier(0, std::string(k_audit_genesis));
    for (const auto& entry : *all) CHECK(verifier.add(entry).has_value());
  }

  TEST_CASE("a batch is all or nothing: a failing row rolls back the rows before it") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(store.has_value());
    auto batch = entries_after(AuditHead{}, 3);
    batch[2].seq = batch[1].seq;  // the third insert reuses the second's key
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

  TEST_CASE("migration 6 keeps every audit entry and its chain, and drops the unique index on the hash") {
    test::ScratchDir dir;
    const auto path = dir.file("acctsec.db");
    std::vector<AuditEntry> written = entries_after(AuditHead{}, 30);
    {
      auto store = sqlite_store_open(path);
      REQUIRE((*store)->audit_append(written).has_value());
    }
    // Back to the shape of version 5: the hash had a unique index.
    sql(path, "CREATE UNIQUE INDEX audit_hash_unique ON audit (hash); PRAGMA user_version = 5");
    CHECK(pragma_text(path, "SELECT count(*) FROM pragma_index_list('audit') WHERE \"unique\" = 1") == "1");
    auto store = sqlite_store_open(path);
    REQUIRE(store.has_value());
    CHECK(pragma_text(path, "PRAGMA user_version") == std::to_string(sqlite_schema_version()));
    CHECK(pragma_text(path, "SELECT count(*) FROM pragma_index_list('audit') WHERE \"unique\" = 1") == "0");
    CHECK(pragma_text(path, "SELECT group_concat(name) FROM (SELECT name FROM pragma_index_list('audit') ORDER BY name)") ==
          "audit_actor,audit_resource,audit_time");
    const auto page = (*store)->audit_page(0, 100);
    REQUIRE(page.has_value());
    REQUIRE(page->size() == written.size());
    AuditChainVerifier verifier;
    for (std::size_t i = 0; i < written.size(); ++i) {
      CHECK((*page)[i].hash == written[i].hash);
      CHECK(verifier.add((*page)[i]).has_value());
    }
    // And the chain goes on from where it was.
    const auto head = (*store)->audit_head();
    REQUIRE(head.has_value());
    CHECK(head->seq == 30);
    CHECK((*store)->audit_append(entries_after(*head, 2)).has_value());
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

  TEST_CASE("an account whose stored text changes is read anew on every reader, and a broken one is an error") {
    test::ScratchDir dir;
    const std::string path = dir.file("acctsec.db");
    auto opened = sqlite_store_open(path);
    REQUIRE(opened.has_value());
    Store& store = **opened;
    std::vector<AuditedWrite> writes(1);
    writes[0].event = event("account.created", "account:c-1");
    writes[0].change = [](StoreTransaction& tx, AuditEvent&) -> Result<void> { return tx.account_insert(account("c-1", 5)); };
    REQUIRE(commit_all(store, std::move(writes)));
    // Several reads, so that every reader connection has parsed (and kept) the record.
    for (int i = 0; i < 8; ++i) CHECK(store.account_get("c-1")->created == 5);

    AccountRecord changed = account("c-1", 6);
    changed.groups = {"high-profile"};
    const std::string text = account_record_json(changed).dump();
    sql(path, fmt::format("UPDATE accounts SET record = '{}' WHERE id = 'c-1'", text).c_str());
    for (int i = 0; i < 8; ++i) {
      const auto read = store.account_get("c-1");
      REQUIRE(read.has_value());
      CHECK(read->created == 6);
      CHECK(read->groups == std::vector<std::string>{"high-profile"});
    }
    sql(path, "UPDATE accounts SET record = '{\"id\": 3}' WHERE id = 'c-1'");
    for (int i = 0; i < 8; ++i) {
      const auto read = store.account_get("c-1");
      REQUIRE_FALSE(read.has_value());
      CHECK(read.error().category == ErrorCategory::internal);
    }
  }

  TEST_CASE("a token is read with its principal, and one whose principal is gone comes without") {
    test::ScratchDir dir;
    auto opened = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(opened.has_value());
    Store& store = **opened;
    TokenRecord session = api_token(1);
    session.kind = "session";
    session.principal = "carol@example.com";
    std::vector<AuditedWrite> writes(1);
    writes[0].event = event("session.created", "principal:carol@example.com");
    writes[0].change = [&](StoreTransaction& tx, AuditEvent&) -> Result<void> {
      if (auto r = tx.principal_insert(PrincipalRecord{.name = "carol@example.com", .display_name = "Carol",
                                                       .roles = {"helpdesk", "approver"}, .user_handle = Bytes{1, 2, 3}, .created = 7});
          !r)
        return r;
      if (auto r = tx.token_insert(session); !r) return r;
      return tx.token_insert(api_token(2));  // made by admin@example.com, who is not a principal here
    };
    REQUIRE(commit_all(store, std::move(writes)));

    const auto found = store.token_with_principal(session.hash);
    REQUIRE(found.has_value());
    CHECK(found->token.id == session.id);
    CHECK(found->token.kind == "session");
    CHECK(found->token.scopes == session.scopes);
    CHECK(found->token.expires == session.expires);
    REQUIRE(found->principal.has_value());
    CHECK(found->principal->name == "carol@example.com");
    CHECK(found->principal->roles == std::vector<std::string>{"helpdesk", "approver"});
    CHECK(found->principal->user_handle == Bytes{1, 2, 3});

    const auto orphan = store.token_with_principal(api_token(2).hash);
    REQUIRE(orphan.has_value());
    CHECK(orphan->token.id == "t-2");
    CHECK_FALSE(orphan->principal.has_value());

    const auto missing = store.token_with_principal(Bytes(32, 0xee));
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().category == ErrorCategory::not_found);
  }

  TEST_CASE("reads go on beside an open write transaction, see only what it committed, and see it on every reader") {
    using namespace std::chrono_literals;
    test::ScratchDir dir;
    auto opened = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(opened.has_value());
    Store& store = **opened;
    REQUIRE(store.audit_append(entries_after(AuditHead{}, 2)).has_value());
    const auto head = store.audit_head();
    REQUIRE(head.has_value());
    // Every reader has run a query (and ended its read) before the write, so a reader that kept
    // its old snapshot would miss the row afterwards.
    for (int i = 0; i < 8; ++i) CHECK_FALSE(store.principal_get("carol@example.com").has_value());

    std::promise<void> inside;  // the change has run and holds the transaction open
    auto in_transaction = inside.get_future();
    std::vector<AuditedWrite> writes(1);
    writes[0].event = event("principal.created", "principal:carol@example.com");
    Gate release;
    writes[0].change = [&](StoreTransaction& tx, AuditEvent&) -> Result<void> {
      auto inserted = tx.principal_insert(PrincipalRecord{.name = "carol@example.com", .display_name = "Carol",
                                                          .roles = {"admin"}, .user_handle = Bytes{1, 2, 3}, .created = 7});
      inside.set_value();
      release.wait();
      return inserted;
    };
    auto commit = std::async(std::launch::async, [&] { return store.audit_commit(*head, writes); });
    const OpenOnExit open_on_exit{release};
    REQUIRE(in_transaction.wait_for(10s) == std::future_status::ready);

    // The timeout only keeps a broken store from hanging the suite; with one connection the reads
    // would wait for the writer, which waits for `release`.
    auto during = std::async(std::launch::async, [&] {
      return std::pair{store.principal_get("carol@example.com"), store.audit_page(0, 100)};
    });
    const bool read_beside_the_writer = during.wait_for(10s) == std::future_status::ready;
    release.open();
    CHECK(read_beside_the_writer);
    const auto [principal_before, page_before] = during.get();
    if (read_beside_the_writer) {
      REQUIRE_FALSE(principal_before.has_value());
      CHECK(principal_before.error().category == ErrorCategory::not_found);
      REQUIRE(page_before.has_value());
      CHECK(page_before->size() == 2);
    }

    const auto committed = commit.get();
    REQUIRE(committed.has_value());
    REQUIRE(committed->size() == 1);
    REQUIRE((*committed)[0].has_value());
    CHECK((*committed)[0]->seq == 3);
    for (int i = 0; i < 8; ++i) {  // twice round the pool
      const auto principal = store.principal_get("carol@example.com");
      REQUIRE(principal.has_value());
      CHECK(principal->display_name == "Carol");
      CHECK(principal->roles == std::vector<std::string>{"admin"});
      const auto page = store.audit_page(0, 100);
      REQUIRE(page.has_value());
      REQUIRE(page->size() == 3);
      CHECK(page->back().hash == (*committed)[0]->hash);
      CHECK(store.principal_count().value_or(0) == 1);
    }
    CHECK(store.audit_head()->seq == 3);
  }

  TEST_CASE("many threads read correct rows while the writer commits, and each sees every commit made before its read") {
    test::ScratchDir dir;
    auto opened = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(opened.has_value());
    Store& store = **opened;
    constexpr int k_seeded = 50;
    {
      std::vector<AuditedWrite> seed;
      for (int i = 0; i < k_seeded; ++i) {
        seed.push_back(AuditedWrite{.change = [i](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                                      if (auto r = tx.account_insert(account(fmt::format("c-{:04}", i), i)); !r) return r;
                                      return tx.token_insert(api_token(i));
                                    },
                                    .event = event("seed", fmt::format("account:c-{:04}", i))});
      }
      REQUIRE(commit_all(store, std::move(seed)));
    }

    // The writer commits one account at a time; `published` is how many of them have committed
    // (audit_commit returned). Readers go on until the writer is done, so every commit lands
    // among reads.
    constexpr int k_commits = 50;
    std::atomic<int> published{0};
    std::atomic<bool> writer_done{false};
    std::atomic<bool> writer_failed{false};
    constexpr int k_threads = 8;
    constexpr int k_reads = 200;  // each, at least
    std::atomic<int> wrong{0};
    std::atomic<int> reads_after_a_commit{0};
    {
      std::jthread writer([&] {
        for (int n = 0; n < k_commits; ++n) {
          std::vector<AuditedWrite> one;
          one.push_back(AuditedWrite{.change = [n](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                                       return tx.account_insert(account(fmt::format("w-{:06}", n), 1000 + n));
                                     },
                                     .event = event("account.created", fmt::format("account:w-{:06}", n))});
          if (!commit_all(store, std::move(one))) {
            writer_failed = true;
            break;
          }
          published = n + 1;
        }
        writer_done = true;
      });
      std::vector<std::jthread> readers;
      for (int t = 0; t < k_threads; ++t) {
        readers.emplace_back([&, t] {
          for (int i = 0; i < k_reads || !writer_done; ++i) {
            const int n = (t * k_reads + i) % k_seeded;
            const auto seeded = store.account_get(fmt::format("c-{:04}", n));
            if (!seeded || account_record_json(*seeded) != account_record_json(account(fmt::format("c-{:04}", n), n))) ++wrong;
            const auto token = store.token_by_hash(Bytes(32, static_cast<std::uint8_t>(n)));
            if (!token || token->id != api_token(n).id || token->scopes != api_token(n).scopes) ++wrong;
            // Read-your-writes: a commit that returned before this read began is there, whichever
            // reader serves it.
            if (const int committed = published; committed > 0) {
              const auto latest = store.account_get(fmt::format("w-{:06}", committed - 1));
              if (!latest || latest->created != 1000 + committed - 1) ++wrong;
              const auto count = store.account_count("");
              if (!count || *count < static_cast<std::size_t>(k_seeded + committed)) ++wrong;
              ++reads_after_a_commit;
            }
          }
        });
      }
    }  // joins the readers, then the writer
    CHECK_FALSE(writer_failed.load());
    CHECK(published.load() == k_commits);
    CHECK(wrong.load() == 0);
    CHECK(reads_after_a_commit.load() > 0);
    CHECK(*store.account_count("") == static_cast<std::size_t>(k_seeded + k_commits));
    CHECK(store.audit_head()->seq == static_cast<std::uint64_t>(k_seeded + k_commits));  // an entry per write
  }
}
