// Whether a user's enrolled keys, as the server recorded them (GET /v1/enrollment/verification),
// meet an enrollment policy: the verdict `key verify-enrollment` gives a CI job. The server reports
// facts; the policy applied to them is the caller's own file.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "webauthn/enrollment_policy.hpp"

namespace acctsec::webauthn {

struct EnrolledKey {
  std::string id;  // base64url credential id
  std::string nickname;
  KeyFacts facts;
  std::string mds_status;    // the newest MDS status the server saw; empty when it had no metadata
  std::string created_at;    // RFC 3339
  std::string last_used_at;  // RFC 3339; empty when never used
  std::vector<std::string> refusals;  // why the policy does not accept this key; empty: accepted
};

struct UserCompliance {
  std::string user;
  std::vector<std::string> roles;
  std::vector<EnrolledKey> keys;
  std::size_t accepted = 0;           // keys with no refusal
  std::vector<std::string> refusals;  // the user's: too few accepted keys, each refused key
  std::string last_used_at;           // the newest last use over the keys; empty when never

  bool compliant() const { return refusals.empty(); }
};

// One item of an acctsec.enrollment-page/1. Errors: network (not the shape the contract gives).
Result<UserCompliance> user_compliance_from_json(const nlohmann::json& item);

// Applies `policy` to every key (its per-key rules, and an MDS status that FIDO says no one should
// trust), then min_keys_per_account to the keys it accepts.
void enrollment_compliance_check(const EnrollmentPolicy& policy, UserCompliance& user);

}  // namespace acctsec::webauthn
