#include "core/audit_chain.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace acctsec;

namespace {

AuditEvent event(int n) {
  return AuditEvent{.time = "2026-12-01T21:11:56Z",
                    .actor = "helpdesk@example.com",
                    .action = "account.security.read",
                    .resource = "account:c-" + std::to_string(n),
                    .grant = "g-1",
                    .detail = {{"n", n}, {"note", "line\nbreak \"quoted\" é"}}};
}

std::vector<AuditEntry> chain(int count) {
  std::vector<AuditEntry> out;
  std::uint64_t seq = 0;
  std::string hash{k_audit_genesis};
  for (int i = 1; i <= count; ++i) {
    auto entry = audit_chain_next(seq, hash, event(i));
    REQUIRE(entry.has_value());
    seq = entry->seq;
    hash = entry->hash;
    out.push_back(std::move(*entry));
  }
  return out;
}

// Entry 7 after genesis, with nesting, an array, a null grant and a string that needs an escape.
AuditEntry known_entry() {
  return AuditEntry{.seq = 7,
                    .event = {.time = "2026-12-01T21:11:56Z",
                              .actor = "a",
                              .action = "x.y",
                              .resource = "r",
                              .grant = std::nullopt,
                              .detail = {{"z", 1}, {"a", {{"k", "tab\there"}}}, {"m", nlohmann::json::array({true, nullptr})}}},
                    .prev = std::string(k_audit_genesis),
                    .hash = {}};
}

Result<void> verify_all(const std::vector<AuditEntry>& entries) {
  AuditChainVerifier verifier;
  for (const auto& entry : entries) {
    if (auto ok = verifier.add(entry); !ok) return ok;
  }
  return {};
}

}  // namespace

TEST_SUITE("core::audit_chain") {
  TEST_CASE("the canonical encoding sorts members, has no white space and escapes only what JSON requires") {
    const AuditEntry entry = known_entry();
    CHECK(*audit_canonical(entry) ==
          R"({"action":"x.y","actor":"a","detail":{"a":{"k":"tab\there"},"m":[true,null],"z":1},"grant":null,)"
          R"("prev":"0000000000000000000000000000000000000000000000000000000000000000","resource":"r","seq":7,)"
          R"("time":"2026-12-01T21:11:56Z"})");
  }

  TEST_CASE("a known entry hashes to a fixed value, so the encoding cannot drift silently") {
    // SHA-256 of the canonical text of the test above, computed outside acctsec (Python's hashlib).
    const AuditEntry entry = known_entry();
    auto next = audit_chain_next(6, k_audit_genesis, entry.event);
    REQUIRE(next.has_value());
    CHECK(next->hash == "cbf0c050ef0af5cd94cd8ce7f6af2080e7b8c4816b04d4ba78295a4ca6c8b8dc");
  }

  TEST_CASE("entries chain from genesis and verify in order") {
    const auto entries = chain(5);
    CHECK(entries.front().prev == k_audit_genesis);
    for (std::size_t i = 1; i < entries.size(); ++i) CHECK(entries[i].prev == entries[i - 1].hash);
    CHECK(verify_all(entries).has_value());
  }

  TEST_CASE("every kind of tampering is caught at the entry where it happened") {
    struct Case {
      const char* name;
      void (*tamper)(std::vector<AuditEntry>&);
      const char* message;
    };
    const Case cases[] = {
        {"edited detail", [](std::vector<AuditEntry>& e) { e[2].event.detail["n"] = 99; }, "audit entry 3 was altered"},
        {"edited actor", [](std::vector<AuditEntry>& e) { e[2].event.actor = "someone-else"; }, "audit entry 3 was altered"},
        {"grant removed", [](std::vector<AuditEntry>& e) { e[2].event.grant.reset(); }, "audit entry 3 was altered"},
        {"deleted entry", [](std::vector<AuditEntry>& e) { e.erase(e.begin() + 2); }, "entries 3 to 3 are missing"},
        {"swapped entries", [](std::vector<AuditEntry>& e) { std::swap(e[1], e[2]); }, "entries 2 to 2 are missing"},
        {"repeated entry", [](std::vector<AuditEntry>& e) { e.insert(e.begin() + 2, e[1]); }, "out of order or repeats"},
        {"rehashed edit", [](std::vector<AuditEntry>& e) {
           // Editing a row and recomputing its own hash breaks the next entry's link instead.
           e[2].event.detail["n"] = 99;
           e[2] = *audit_chain_next(2, e[1].hash, e[2].event);
         }, "audit entry 4 does not link to entry 3"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      auto entries = chain(5);
      c.tamper(entries);
      const auto verdict = verify_all(entries);
      REQUIRE_FALSE(verdict.has_value());
      CHECK(verdict.error().category == ErrorCategory::rejected);
      CHECK_MESSAGE(verdict.error().message.find(c.message) != std::string::npos, verdict.error().message);
    }
  }

  TEST_CASE("verification can start after a known head") {
    const auto entries = chain(4);
    AuditChainVerifier verifier(entries[1].seq, entries[1].hash);
    CHECK(verifier.add(entries[2]).has_value());
    CHECK(verifier.add(entries[3]).has_value());
    CHECK(verifier.last_seq() == 4);
    AuditChainVerifier wrong_head(entries[1].seq, std::string(k_audit_genesis));
    CHECK_FALSE(wrong_head.add(entries[2]).has_value());
  }

  TEST_CASE("details must be objects without floating-point numbers") {
    auto bad = event(1);
    bad.detail = {{"ratio", 0.5}};
    CHECK(audit_chain_next(0, k_audit_genesis, bad).error().category == ErrorCategory::usage);
    bad.detail = nlohmann::json::array();
    CHECK(audit_chain_next(0, k_audit_genesis, bad).error().category == ErrorCategory::usage);
  }
}
