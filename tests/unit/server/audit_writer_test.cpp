#include "server/audit_writer.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "server/sqlite_store.hpp"
#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::server;

namespace {

AuditEvent event(const std::string& actor, int n) {
  return AuditEvent{.time = "2026-12-01T22:00:00Z", .actor = actor, .action = "account.security.read",
                    .resource = "account:c-" + std::to_string(n), .grant = "g-1", .detail = {{"n", n}}};
}

// A store that fails the next `failures` commits (nothing written), as a full disk would.
class FailingStore final : public AuditStore {
 public:
  explicit FailingStore(Store& inner) : m_inner(inner) {}
  std::atomic<int> failures{0};
  std::atomic<int> appends{0};
  Result<void> audit_append(std::span<const AuditEntry> entries) override { return m_inner.audit_append(entries); }
  Result<std::vector<Result<AuditEntry>>> audit_commit(const AuditHead& head, std::span<AuditedWrite> writes) override {
    ++appends;
    if (failures > 0) {
      --failures;
      return fail(ErrorCategory::internal, "store: committing audit entries: disk I/O error");
    }
    return m_inner.audit_commit(head, writes);
  }
  Result<AuditHead> audit_head() override { return m_inner.audit_head(); }
  Result<void> check_writable() override { return m_inner.check_writable(); }
  std::string_view kind() const override { return m_inner.kind(); }
  Result<std::vector<AuditEntry>> audit_search(std::uint64_t after, const AuditFilter& filter, std::size_t limit) override {
    return m_inner.audit_search(after, filter, limit);
  }
  Result<std::vector<AuditEntry>> audit_page(std::uint64_t after, std::size_t limit) override {
    return m_inner.audit_page(after, limit);
  }

 private:
  Store& m_inner;
};

// Appends and waits, as a request handler does before it answers.
Result<AuditEntry> append_and_wait(AuditWriter& writer, AuditEvent e) {
  std::promise<Result<AuditEntry>> promise;
  auto future = promise.get_future();
  writer.append(std::move(e), [&](Result<AuditEntry> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<void> verify_stored_chain(Store& store, std::uint64_t expected_count) {
  AuditChainVerifier verifier;
  auto entries = store.audit_page(0, 1000000);
  if (!entries) return fail(entries.error());
  for (const auto& entry : *entries) {
    if (auto ok = verifier.add(entry); !ok) return ok;
  }
  if (verifier.last_seq() != expected_count) return fail(ErrorCategory::rejected, "wrong number of entries");
  return {};
}

}  // namespace

TEST_SUITE("server::audit_writer") {
  TEST_CASE("concurrent appends are all committed, in one unbroken chain, in fewer commits than events") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(store.has_value());
    auto writer = AuditWriter::start(**store);
    REQUIRE(writer.has_value());
    constexpr int k_threads = 16;
    constexpr int k_per_thread = 50;
    std::atomic<int> committed{0};
    {
      std::vector<std::jthread> threads;
      for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < k_per_thread; ++i) {
            auto entry = append_and_wait(**writer, event("actor-" + std::to_string(t), i));
            // Durable before the completion runs: the store already has it.
            if (entry && (*store)->audit_head()->seq >= entry->seq) ++committed;
          }
        });
      }
    }
    CHECK(committed == k_threads * k_per_thread);
    CHECK((*writer)->committed_events() == k_threads * k_per_thread);
    // 16 waiting clients share commits: batching happened (each commit takes what queued meanwhile).
    CHECK((*writer)->commits() < static_cast<std::size_t>(k_threads * k_per_thread));
    CHECK(verify_stored_chain(**store, k_threads * k_per_thread).has_value());
  }

  TEST_CASE("a failed commit fails every event of its batch, stores none, and the chain goes on unbroken") {
    test::ScratchDir dir;
    auto real = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(real.has_value());
    FailingStore store(**real);
    auto writer = AuditWriter::start(store);
    REQUIRE(writer.has_value());
    REQUIRE(append_and_wait(**writer, event("a", 1)).has_value());
    store.failures = 1;
    const auto failed = append_and_wait(**writer, event("a", 2));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().category == ErrorCategory::internal);  // the server answers 503
    const auto after = append_and_wait(**writer, event("a", 3));
    REQUIRE(after.has_value());
    CHECK(after->seq == 2);  // the failed event took no place in the chain
    CHECK(verify_stored_chain(**real, 2).has_value());
  }

  TEST_CASE("an event that cannot be encoded fails alone, its batch commits") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    auto writer = AuditWriter::start(**store);
    auto bad = event("a", 1);
    bad.detail = {{"ratio", 0.25}};
    CHECK(append_and_wait(**writer, bad).error().category == ErrorCategory::usage);
    CHECK(append_and_wait(**writer, event("a", 2))->seq == 1);
  }

  TEST_CASE("a writer on an existing log continues its chain") {
    test::ScratchDir dir;
    const auto path = dir.file("acctsec.db");
    {
      auto store = sqlite_store_open(path);
      auto writer = AuditWriter::start(**store);
      for (int i = 0; i < 3; ++i) REQUIRE(append_and_wait(**writer, event("a", i)).has_value());
    }
    auto store = sqlite_store_open(path);
    auto writer = AuditWriter::start(**store);
    CHECK(append_and_wait(**writer, event("b", 9))->seq == 4);
    CHECK(verify_stored_chain(**store, 4).has_value());
  }

  TEST_CASE("events still queued when the writer stops are committed, not dropped") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    std::atomic<int> done{0};
    {
      auto writer = AuditWriter::start(**store, 4);
      for (int i = 0; i < 40; ++i) {
        (*writer)->append(event("a", i), [&](Result<AuditEntry> r) {
          if (r) ++done;
        });
      }
    }  // destructor drains the queue
    CHECK(done == 40);
    CHECK(verify_stored_chain(**store, 40).has_value());
  }
}
