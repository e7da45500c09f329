// The audit log's hash chain: the canonical encoding of an entry and the chain rule, shared by the
// server that appends entries and the client that recomputes the chain (`acctsec audit verify`).
//
// Entry n's hash is SHA-256 over the canonical encoding of
//   {"action","actor","detail","grant","prev","resource","seq","time"}
// where "prev" is entry n-1's hash (k_audit_genesis for seq 1). The encoding is RFC 8785 (JSON
// Canonicalization Scheme) for the values an entry may hold: members sorted by name, no white
// space, strings in UTF-8 with only the escapes JSON requires, integers (no floating point), and
// `detail` an object of the same kind, nested. Editing, inserting, deleting or reordering any entry
// changes a hash that a later entry, or the signed head, commits to.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace acctsec {

// The "prev" of the first entry: 64 zeros.
inline constexpr std::string_view k_audit_genesis = "0000000000000000000000000000000000000000000000000000000000000000";

// What happened, before the chain gives it a place.
struct AuditEvent {
  std::string time;                  // RFC 3339 UTC, whole seconds or with a fraction
  std::string actor;                 // principal name, token id, or "server"
  std::string action;                // e.g. "access.request.created", "account.security.read"
  std::string resource;              // e.g. "account:c-1042", "request:r-7"
  std::optional<std::string> grant;  // the grant a privileged read was made under
  nlohmann::json detail = nlohmann::json::object();
};

// An event with its place in the chain.
struct AuditEntry {
  std::uint64_t seq = 0;  // 1, 2, 3, ...
  AuditEvent event;
  std::string prev;  // hex SHA-256 of entry seq-1, or k_audit_genesis
  std::string hash;  // hex SHA-256 of this entry's canonical encoding
};

// Returns the canonical encoding (the bytes that are hashed). Errors: usage — `detail` is not an
// object or holds a floating-point number (which has no single canonical form here).
Result<std::string> audit_canonical(const AuditEntry& entry);

// Gives `event` the place after (seq, hash): entry seq+1 with prev = hash and its own hash.
// Errors: usage (as audit_canonical).
Result<AuditEntry> audit_chain_next(std::uint64_t last_seq, std::string_view last_hash, AuditEvent event);

// Checks entries one at a time, in order, starting anywhere: from genesis, or after a known
// (seq, hash) such as a previously verified head.
class AuditChainVerifier {
 public:
  AuditChainVerifier() = default;
  AuditChainVerifier(std::uint64_t last_seq, std::string last_hash);

  // Accepts `entry` if it is the next link: seq is one more than the last, prev is the last hash,
  // and hash is what its content hashes to. Errors: rejected, naming the seq and what is wrong (a
  // gap, a reordering, a broken link or edited content).
  Result<void> add(const AuditEntry& entry);

  std::uint64_t last_seq() const { return m_last_seq; }
  const std::string& last_hash() const { return m_last_hash; }

 private:
  std::uint64_t m_last_seq = 0;
  std::string m_last_hash{k_audit_genesis};
};

}  // namespace acctsec
