// An access request and the grant it becomes: the justification, the reviews, and the state
// machine pending → active (enough approvals; the grant's clock starts) | denied (one denial) →
// expired (the grant ran out, or nobody reviewed in time) | revoked. `expired` is never stored:
// it follows from the clock, so a request expires on time whether or not anything runs then.
//
// A justification and each review are signed with a security key: the client asserts over
// base64url(SHA-256(canonical JSON of the fields and a single-use server nonce)), and the server
// recomputes that digest from what it receives, so a signature over other fields does not verify.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "server/store_time.hpp"

namespace acctsec::server {

struct Justification {
  std::string resource;  // account:<id>, group:<name> or accounts
  std::string scope;     // security:read, posture:list
  std::string code;      // CUSTOMER_SUPPORT, ...
  std::string ticket;
  std::string reason;
  std::string duration;  // as asked, e.g. "1h"
};

struct ReviewRecord {
  std::string reviewer;
  std::string decision;  // approve or deny
  std::string reason;
  StoreTime at = 0;
  Bytes signed_with;  // the reviewer's credential id
};

struct AccessRequestRecord {
  std::string id;
  std::string requester;
  Justification justification;
  std::chrono::milliseconds duration{0};
  std::string state = "pending";  // stored: pending, active, denied, revoked
  StoreTime created = 0;
  StoreTime pending_until = 0;
  int approvals_required = 1;
  std::vector<ReviewRecord> reviews;
  std::string grant_id;  // once active
  StoreTime grant_start = 0;
  StoreTime grant_end = 0;
  std::string revoked_by;
  std::string revoked_reason;
  StoreTime revoked_at = 0;
  Bytes signed_with;  // the requester's credential id
};

// A nonce handed out for one signature: whose, for what (request, or review of `request_id`).
struct AccessNonceRecord {
  std::string nonce;  // base64url
  std::string principal;
  std::string purpose;  // request or review
  std::string request_id;
  StoreTime expires = 0;
};

// pending, active, denied, revoked, or expired when the clock says so at `now`.
std::string access_effective_state(const AccessRequestRecord& request, StoreTime now);

// Whether the request is an active grant at `now` that lets its requester use `scope` on the
// account `account_id`, a member of `groups`.
bool grant_covers(const AccessRequestRecord& request, StoreTime now, std::string_view scope, std::string_view account_id,
                  const std::vector<std::string>& groups);
// As grant_covers, for the account list: resource `accounts`, or `group:<group>` when `group` is set.
bool grant_covers_list(const AccessRequestRecord& request, StoreTime now, std::string_view scope, std::string_view group);

std::size_t access_approvals(const AccessRequestRecord& request);

// What the requester's and a reviewer's keys sign (api/openapi.yaml, createAccessChallenge).
std::string justification_digest_input(std::string_view requester, const Justification& justification, std::string_view nonce);
std::string review_digest_input(std::string_view reviewer, std::string_view request_id, std::string_view decision,
                                std::string_view reason, std::string_view nonce);
// SHA-256 of the digest input: the WebAuthn challenge.
Bytes access_challenge(std::string_view digest_input);

// The request as api/openapi.yaml AccessRequest shows it at `now`.
nlohmann::json access_request_json(const AccessRequestRecord& request, StoreTime now);

// The stored form, and back. Errors: internal (not a stored request).
nlohmann::json access_request_record_json(const AccessRequestRecord& request);
Result<AccessRequestRecord> access_request_record_from_json(const nlohmann::json& json);

}  // namespace acctsec::server
