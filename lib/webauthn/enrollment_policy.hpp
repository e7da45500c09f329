// Enrollment policy: which authenticators an organisation accepts, as a TOML file shared by the CLI
// (`webauthn verify-registration --policy`, `key verify-enrollment`) and the server (`serve --policy`).
//
//   [enrollment]
//   allowed_aaguids = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]   # absent: any model
//   denied_aaguids = []
//   formats = ["packed", "tpm", "apple"]                          # absent: every verifiable format
//   require_trusted_attestation = true    # the attestation path must reach an anchor or MDS root
//   min_certification_level = 1           # FIDO certification level (needs --mds); 0: no minimum
//   require_user_verification = true
//   require_discoverable = false          # needs credProps in the response
//   min_keys_per_account = 2              # checked over an account's enrollments
//   max_mds_age = "30d"                   # how old the cached MDS BLOB may be; absent: any age
//   allow_virtual_keys = false            # acctsec's software authenticator
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/registration_verify.hpp"
#include "webauthn/virtual_key_marks.hpp"

namespace acctsec::webauthn {

struct EnrollmentPolicy {
  std::string source;  // the file it came from, for messages
  std::vector<Bytes> allowed_aaguids;
  std::vector<Bytes> denied_aaguids;
  std::vector<std::string> formats;
  bool require_trusted_attestation = false;
  int min_certification_level = 0;
  bool require_user_verification = false;
  bool require_discoverable = false;
  int min_keys_per_account = 1;
  std::optional<std::chrono::seconds> max_mds_age;
  bool allow_virtual_keys = false;
};

// Parses policy TOML. Unknown keys, wrong types, malformed AAGUIDs, unknown formats and negative
// numbers are refused with the key's name, file, line and column. Errors: usage.
Result<EnrollmentPolicy> enrollment_policy_parse(std::string_view toml_text, const std::string& source);

// Reads and parses a policy file. Errors: not_found (no such file), usage (unreadable, invalid).
Result<EnrollmentPolicy> enrollment_policy_load(const std::string& path);

// What the policy needs to know beyond the verdict.
struct PolicyInput {
  std::optional<bool> discoverable;                 // credProps.rk, when the client reported it
  std::optional<std::chrono::seconds> mds_age;      // age of the cached MDS BLOB, when MDS was used
};

// True when the registration came from acctsec's virtual authenticator (AAGUID or attestation
// certificate organisation).
bool registration_is_virtual_key(const RegistrationVerdict& verdict);

// What the policy judges of one key, whether from a fresh registration or from what a server
// recorded of it (`key verify-enrollment`).
struct KeyFacts {
  Bytes aaguid;
  std::string fmt;
  std::string trust;                       // trusted, unverified, untrusted, none (or "self")
  std::optional<int> certification_level;  // from FIDO metadata, when there was any
  bool user_verified = false;
  std::optional<bool> discoverable;
  bool virtual_key = false;
};

// The per-key rules (every rule but max_mds_age and min_keys_per_account), one sentence per
// refusal, each naming its rule.
std::vector<std::string> enrollment_policy_check_key(const EnrollmentPolicy& policy, const KeyFacts& key);

// Applies the policy to a registration that verified. Returns one sentence per refusal, each
// naming the rule ("policy denied_aaguids: ..."); empty means accepted.
std::vector<std::string> enrollment_policy_check(const EnrollmentPolicy& policy, const RegistrationVerdict& verdict,
                                                 const PolicyInput& input);

// The account-level rule: returns the refusal when `key_count` is below min_keys_per_account.
std::optional<std::string> enrollment_policy_check_key_count(const EnrollmentPolicy& policy, std::size_t key_count);

}  // namespace acctsec::webauthn
