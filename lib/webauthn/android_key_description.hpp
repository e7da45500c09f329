// Android Keystore key attestation: the KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17)
// of an attestation certificate, as far as WebAuthn §8.4 needs it. Internal to lib/webauthn.
//
//   KeyDescription ::= SEQUENCE {
//     attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
//     keymasterVersion INTEGER, keymasterSecurityLevel ENUMERATED,
//     attestationChallenge OCTET STRING, uniqueId OCTET STRING,
//     softwareEnforced AuthorizationList, teeEnforced AuthorizationList }
//   AuthorizationList ::= SEQUENCE { purpose [1] EXPLICIT SET OF INTEGER OPTIONAL, ...,
//     allApplications [600] EXPLICIT NULL OPTIONAL, ..., origin [702] EXPLICIT INTEGER OPTIONAL, ... }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn {

inline constexpr std::string_view k_oid_android_key_description = "1.3.6.1.4.1.11129.2.1.17";
inline constexpr std::int64_t k_km_purpose_sign = 2;     // KM_PURPOSE_SIGN
inline constexpr std::int64_t k_km_origin_generated = 0;  // KM_ORIGIN_GENERATED

// The authorization list members WebAuthn checks; the others are skipped.
struct AuthorizationList {
  std::vector<std::int64_t> purpose;   // [1]
  bool all_applications = false;       // [600]
  std::optional<std::int64_t> origin;  // [702]
};

struct KeyDescription {
  std::int64_t attestation_version = 0;
  std::int64_t attestation_security_level = 0;  // 0 Software, 1 TrustedEnvironment, 2 StrongBox
  std::int64_t keymaster_version = 0;
  std::int64_t keymaster_security_level = 0;
  Bytes attestation_challenge;
  Bytes unique_id;
  AuthorizationList software_enforced;
  AuthorizationList tee_enforced;  // "hardwareEnforced" in KeyMint
};

// Parses the extension's DER content strictly and bounds-checked: the eight fields in order, nothing
// after them; within an authorization list the members read here may appear at most once each
// (unknown members are skipped). Errors: rejected, naming the field.
Result<KeyDescription> android_key_description_parse(ByteView der);

// Returns "Software", "TrustedEnvironment", "StrongBox" or the number.
std::string security_level_name(std::int64_t level);

// Which authorization lists §8.4's origin and purpose checks may use.
enum class KeyEnforcement {
  tee_only,  // the RP accepts only keys from a trusted execution environment: teeEnforced
  any,       // the union of teeEnforced and softwareEnforced (the spec's default)
};

// Where origin == KM_ORIGIN_GENERATED and purpose ∋ KM_PURPOSE_SIGN were found.
enum class KeyEnforcedBy { tee, software, mixed };
std::string_view key_enforced_by_name(KeyEnforcedBy by);  // "teeEnforced", "softwareEnforced", "mixed"

// §8.4's authorization list checks: allApplications in neither list; origin KM_ORIGIN_GENERATED and
// purpose containing KM_PURPOSE_SIGN in the lists `enforcement` allows (teeEnforced preferred when
// both qualify). Returns where they were found. Errors: rejected, prefixed "android-key: ".
Result<KeyEnforcedBy> android_key_check_authorizations(const KeyDescription& description, KeyEnforcement enforcement);

}  // namespace acctsec::webauthn
