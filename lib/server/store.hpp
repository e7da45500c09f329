// The backend's store, behind an interface so that several `acctsec serve` processes can later
// share one PostgreSQL database; SQLite (sqlite_store.hpp) is the embedded default.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/audit_chain.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "server/access_request.hpp"
#include "server/account_posture.hpp"
#include "server/store_time.hpp"

namespace acctsec::server {

// Where the audit chain ends: the last entry's seq and hash, or (0, k_audit_genesis) when empty.
struct AuditHead {
  std::uint64_t seq = 0;
  std::string hash{k_audit_genesis};
};


// A staff member: engineer, helpdesk, approver, admin or auditor (any number of them).
struct PrincipalRecord {
  std::string name;  // unique, e.g. alice@example.com
  std::string display_name;
  std::vector<std::string> roles;
  Bytes user_handle;  // the WebAuthn user.id, random
  StoreTime created = 0;
};

// An enrolled security key and what its registration proved.
struct CredentialRecord {
  Bytes id;
  std::string principal;
  std::string nickname;
  std::string fmt;
  std::string aaguid;  // canonical UUID text
  int algorithm = 0;   // COSE
  Bytes public_key;    // COSE_Key
  std::uint32_t counter = 0;
  std::optional<bool> discoverable;
  bool user_verified = false;
  bool backup_eligible = false;
  bool virtual_key = false;
  std::string trust_status;  // trusted, untrusted, unverified, self, none
  std::vector<std::string> trust_path;
  nlohmann::json mds;  // null, or {"status", "certificationLevel"}
  std::vector<std::string> transports;
  StoreTime created = 0;
  std::optional<StoreTime> last_used;
};

// A registration or login ceremony in progress: single-use, expiring.
struct CeremonyRecord {
  std::string id;
  std::string kind;       // "registration" or "login"
  std::string principal;  // whose key
  Bytes challenge;
  bool require_user_verification = false;
  StoreTime expires = 0;
};

// A bearer token: a login session or a scoped API token. Only the token's SHA-256 is stored.
struct TokenRecord {
  std::string id;
  std::string kind;  // "session" or "api"
  Bytes hash;
  std::string principal;  // the session's principal, or the API token's creator
  std::string name;       // API tokens
  std::vector<std::string> scopes;
  StoreTime created = 0;
  StoreTime expires = 0;
  std::optional<StoreTime> revoked;
  std::optional<StoreTime> last_used;
};

// A token and the principal it names, read together (one query per authenticated request).
struct TokenWithPrincipal {
  TokenRecord token;
  std::optional<PrincipalRecord> principal;  // nullopt when no principal has that name (any more)
};

// The first reply to a request made with an Idempotency-Key.
struct IdempotentReply {
  Bytes fingerprint;  // SHA-256 of the request's method, path and body
  unsigned status = 0;
  std::string body;
};

// An alert a detection rule raised (api/openapi.yaml Alert). `key` makes raising it idempotent: the
// same rule over the same entries raises one alert, however often the rule is evaluated.
struct AlertRecord {
  std::int64_t id = 0;  // given by the store
  std::string key;
  std::string rule;
  std::string severity;
  StoreTime time = 0;
  std::string actor;
  std::string summary;
  std::vector<std::uint64_t> entries;
};

// Which audit entries a listing wants; empty members match everything.
struct AuditFilter {
  std::string since;  // RFC 3339 UTC, as entries store their time
  std::string actor;
  std::string resource;
  std::string action;
};

// Which access requests a listing wants, newest first.
struct AccessRequestQuery {
  StoreTime before_created = 0;  // with before_id, the last of the previous page; 0: from the newest
  std::string before_id;
  std::string requester;  // empty: anyone's
  std::string state;      // effective state at `now`; empty: any
  StoreTime now = 0;
  std::size_t limit = 100;
};

// Writes inside the audit writer's transaction (Store::audit_commit). Errors: not_found (the row
// to change or take is not there), rejected (a uniqueness rule: the name or id exists), internal.
class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  virtual Result<void> principal_insert(const PrincipalRecord& principal) = 0;
  virtual Result<void> credential_insert(const CredentialRecord& credential) = 0;
  // Records a successful assertion: the new counter and the time of use.
  virtual Result<void> credential_used(ByteView id, std::uint32_t counter, StoreTime when) = 0;
  virtual Result<void> credential_delete(ByteView id) = 0;
  // Deletes the ceremony so that it cannot be used twice; not_found when it is already gone.
  virtual Result<void> ceremony_take(std::string_view id) = 0;
  virtual Result<void> token_insert(const TokenRecord& token) = 0;
  virtual Result<void> token_revoke(std::string_view id, StoreTime when) = 0;
  // Records the reply to (principal, key); rejected when that key has a reply already.
  virtual Result<void> idempotency_insert(std::string_view principal, std::string_view key, const IdempotentReply& reply,
                                          StoreTime when) = 0;
  // Adds an account with its posture summary (for the list filters) and group memberships;
  // rejected when the id exists.
  virtual Result<void> account_insert(const AccountRecord& account) = 0;
  // Marks the one-time bootstrap code used; rejected when it was used already.
  virtual Result<void> bootstrap_take(ByteView code_hash, StoreTime when) = 0;
  // Uses up a signing nonce; not_found when it is already gone.
  virtual Result<void> access_nonce_take(std::string_view nonce) = 0;
  // The request as this transaction sees it (reviews read-modify-write inside it). Errors: not_found.
  virtual Result<AccessRequestRecord> access_request_get(std::string_view id) = 0;
  // Inserts or replaces the request.
  virtual Result<void> access_request_put(const AccessRequestRecord& request) = 0;
};

// A change to the store and the audit event that records it, stored together or not at all.
// `change` may fill in the event (an id it made, say); it may be empty for an event alone.
struct AuditedWrite {
  std::function<Result<void>(StoreTransaction&, AuditEvent&)> change;
  AuditEvent event;
};

// The audit log, with the writes it records (everything the audit writer needs).
class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends `entries` — consecutive seqs directly after the stored head — in one transaction that
  // is durable when this returns (SQLite: synchronous=FULL). All or nothing. Errors: internal (the
  // commit failed; nothing was written), usage (the entries do not continue the stored chain).
  virtual Result<void> audit_append(std::span<const AuditEntry> entries) = 0;

  // In one transaction, durable when this returns: for each write in order, applies its change
  // and appends its event as the next entry after `head`. A change that fails is undone alone, its
  // event is not appended, and its error is that write's result. Errors (the whole batch, nothing
  // stored): internal (the commit failed), usage (`head` is not the stored head).
  virtual Result<std::vector<Result<AuditEntry>>> audit_commit(const AuditHead& head, std::span<AuditedWrite> writes) = 0;

  // Whether the store takes writes now (GET /v1/health). Errors: internal, naming the cause.
  virtual Result<void> check_writable() = 0;

  // "sqlite" or "postgresql", as GET /v1/health reports it.
  virtual std::string_view kind() const = 0;

  // The stored head. Errors: internal.
  virtual Result<AuditHead> audit_head() = 0;

  // Up to `limit` entries after `after_seq` in seq order that match `filter`. Errors: internal.
  virtual Result<std::vector<AuditEntry>> audit_search(std::uint64_t after_seq, const AuditFilter& filter, std::size_t limit) = 0;

  // Up to `limit` entries with seq greater than `after_seq`, in seq order. Errors: internal.
  virtual Result<std::vector<AuditEntry>> audit_page(std::uint64_t after_seq, std::size_t limit) = 0;
};

// Staff identity: principals, their keys, ceremonies, tokens and the bootstrap code. Writes that
// change who may do what go through AuditStore::audit_commit (StoreTransaction).
class IdentityStore {
 public:
  virtual ~IdentityStore() = default;

  // Ceremonies are written outside the audit log: starting one changes nothing until it is used.
  // Starting one also drops those that expired before `now`.
  virtual Result<void> ceremony_insert(const CeremonyRecord& ceremony, StoreTime now) = 0;
  // Errors: not_found (unknown, used or expired at `now`), internal.
  virtual Result<CeremonyRecord> ceremony_get(std::string_view id, StoreTime now) = 0;

  // Errors: not_found, internal.
  virtual Result<PrincipalRecord> principal_get(std::string_view name) = 0;
  // Principals after `after` in name order, `role` ("" for any), at most `limit`. Errors: internal.
  virtual Result<std::vector<PrincipalRecord>> principal_page(std::string_view after, std::string_view role,
                                                              std::size_t limit) = 0;
  virtual Result<std::size_t> principal_count() = 0;

  // Errors: not_found, internal.
  virtual Result<CredentialRecord> credential_get(ByteView id) = 0;
  virtual Result<std::vector<CredentialRecord>> credentials_of(std::string_view principal) = 0;

  // The token whose hash this is, revoked or expired ones too. Errors: not_found, internal.
  virtual Result<TokenRecord> token_by_hash(ByteView hash) = 0;
  // The same token with its principal. Errors: not_found (no such token), internal.
  virtual Result<TokenWithPrincipal> token_with_principal(ByteView hash) = 0;
  virtual Result<TokenRecord> token_get(std::string_view id) = 0;
  // API tokens after `after` in id order, at most `limit`. Errors: internal.
  virtual Result<std::vector<TokenRecord>> api_token_page(std::string_view after, std::size_t limit) = 0;
  // Notes a token's use; not audited (every request would be). Errors: internal.
  virtual Result<void> token_touch(std::string_view id, StoreTime when) = 0;

  // Sets the one-time bootstrap code (its hash), replacing an unused one; returns false, changing
  // nothing, once a code has been used. Errors: internal.
  virtual Result<bool> bootstrap_set(ByteView code_hash, StoreTime expires) = 0;
  // Whether `code_hash` is the stored, unused and unexpired code. Errors: internal.
  virtual Result<bool> bootstrap_valid(ByteView code_hash, StoreTime now) = 0;
  // The reply recorded for (principal, key), if any. Errors: internal.
  virtual Result<std::optional<IdempotentReply>> idempotency_get(std::string_view principal, std::string_view key) = 0;

  // Whether the bootstrap code has been used (the first admin exists). Errors: internal.
  virtual Result<bool> bootstrap_used() = 0;
};

// Customer and staff accounts with their security posture, listed in pages from an index so
// that no call holds more than a page of them.
class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Errors: not_found, internal.
  virtual Result<AccountRecord> account_get(std::string_view id) = 0;
  // Accounts after `after` in id order that match every filter (api/openapi.yaml PostureFilter,
  // as posture_matches() decides them) and, when
  // `group` is not empty, belong to it; at most `limit`. Errors: usage (an unknown filter), internal.
  virtual Result<std::vector<AccountRecord>> account_page(std::string_view after, std::span<const std::string> filters,
                                                          std::string_view group, std::size_t limit) = 0;
  // How many accounts of `kind` ("" for all). Errors: internal.
  virtual Result<std::size_t> account_count(std::string_view kind) = 0;
};

// Access requests and their grants, signing nonces, and the alerts detection raised. Requests
// change only through StoreTransaction (audited); nonces and alerts are written directly: a nonce
// changes nothing until it is used, and an alert is derived from audit entries already stored.
class AccessStore {
 public:
  virtual ~AccessStore() = default;
  // Stores a nonce, dropping those that expired before `now`. Errors: internal.
  virtual Result<void> access_nonce_insert(const AccessNonceRecord& nonce, StoreTime now) = 0;
  // Errors: not_found (unknown, used or expired at `now`), internal.
  virtual Result<AccessNonceRecord> access_nonce_get(std::string_view nonce, StoreTime now) = 0;
  // Errors: not_found, internal.
  virtual Result<AccessRequestRecord> access_request_get(std::string_view id) = 0;
  virtual Result<std::vector<AccessRequestRecord>> access_request_page(const AccessRequestQuery& query) = 0;
  // `principal`'s requests that are active grants at `now`. Errors: internal.
  virtual Result<std::vector<AccessRequestRecord>> access_grants_of(std::string_view principal, StoreTime now) = 0;
  // How many accounts belong to `group`. Errors: internal.
  virtual Result<std::size_t> account_group_count(std::string_view group) = 0;
  // Stores the alert unless one with its key exists; returns whether it was new. Errors: internal.
  virtual Result<bool> alert_insert(const AlertRecord& alert) = 0;
  // Alerts with id below `before_id` (0: from the newest), newest first, at or after `since` and of
  // one of `severities` (empty: any), at most `limit`. Errors: internal.
  virtual Result<std::vector<AlertRecord>> alert_page(std::int64_t before_id, StoreTime since, std::span<const std::string> severities,
                                                      std::size_t limit) = 0;
};

class Store : public AuditStore, public IdentityStore, public AccountStore, public AccessStore {};

}  // namespace acctsec::server
