// The backend's store, behind an interface so that several `acctsec serve` processes can later
// share one PostgreSQL database; SQLite (sqlite_store.hpp) is the embedded default.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_chain.hpp"
#include "core/error.hpp"

namespace acctsec::server {

// Where the audit chain ends: the last entry's seq and hash, or (0, k_audit_genesis) when empty.
struct AuditHead {
  std::uint64_t seq = 0;
  std::string hash{k_audit_genesis};
};

class Store {
 public:
  virtual ~Store() = default;

  // Appends `entries` — consecutive seqs directly after the stored head — in one transaction that
  // is durable when this returns (SQLite: synchronous=FULL). All or nothing. Errors: internal (the
  // commit failed; nothing was written), usage (the entries do not continue the stored chain).
  virtual Result<void> audit_append(std::span<const AuditEntry> entries) = 0;

  // Whether the store takes writes now (GET /v1/health). Errors: internal, naming the cause.
  virtual Result<void> check_writable() = 0;

  // "sqlite" or "postgresql", as GET /v1/health reports it.
  virtual std::string_view kind() const = 0;

  // The stored head. Errors: internal.
  virtual Result<AuditHead> audit_head() = 0;

  // Up to `limit` entries with seq greater than `after_seq`, in seq order. Errors: internal.
  virtual Result<std::vector<AuditEntry>> audit_page(std::uint64_t after_seq, std::size_t limit) = 0;
};

}  // namespace acctsec::server
