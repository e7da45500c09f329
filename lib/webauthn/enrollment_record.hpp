// The local enrollment record that `acctsec key enroll --out FILE` writes and `acctsec key test`
// and `acctsec key verify-enrollment` read:
//
//   {"schema": "acctsec.enrollment/1", "rpId", "origin", "challenge" (base64url),
//    "user": {"id" (base64url), "name", "displayName"}, "device": {...free-form...},
//    "createdAt" (RFC 3339 UTC), "response": <RegistrationResponseJSON>}
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::webauthn {

inline constexpr std::string_view k_enrollment_schema = "acctsec.enrollment/1";

struct EnrollmentUser {
  Bytes id;  // the user handle, 1..64 bytes
  std::string name;
  std::string display_name;
};

struct EnrollmentRecord {
  std::string rp_id;
  std::string origin;
  Bytes challenge;  // the challenge of the registration ceremony
  EnrollmentUser user;
  nlohmann::json device = nlohmann::json::object();  // free-form facts about the key (AAGUID, ...)
  std::string created_at;                            // RFC 3339 UTC, e.g. "2024-05-01T12:00:00Z"
  RegistrationResponse response;
};

// Serialises the record with "schema" set to k_enrollment_schema. Returns the JSON object.
nlohmann::json enrollment_record_to_json(const EnrollmentRecord& record);

// Parses a record: "schema" must be exactly k_enrollment_schema; "rpId", "origin", "user.name" are
// non-empty strings, "user.displayName" a string; "challenge" and "user.id" base64url (user.id 1..64
// bytes); "device" an object; "createdAt" RFC 3339 in UTC ("Z"); "response" a valid
// RegistrationResponseJSON (see registration_response_from_json). Returns the record.
// Errors: usage, naming the offending field and saying the document is not an acctsec enrollment
// record.
Result<EnrollmentRecord> enrollment_record_from_json(const nlohmann::json& json);

// What `key test` needs from an enrollment: the credential and its state at registration.
struct EnrolledCredential {
  Bytes credential_id;
  Bytes public_key_cose;         // the COSE_Key from the attested credential data
  int algorithm = 0;             // its COSE alg
  std::uint32_t sign_count = 0;  // the counter in the registration's authenticator data
  Bytes aaguid;
};

// Extracts the credential from the record's attestationObject. Returns it.
// Errors: usage (the attestation object or its authenticator data is malformed or lacks attested
// credential data, or the key is unusable — a record from enrollment_record_from_json passes).
Result<EnrolledCredential> enrollment_record_credential(const EnrollmentRecord& record);

// Formats a time as RFC 3339 UTC with whole seconds ("2024-05-01T12:00:00Z"), for createdAt.
std::string rfc3339_utc(std::chrono::system_clock::time_point time);

// True when `text` is RFC 3339 date-time in UTC: YYYY-MM-DDTHH:MM:SS[.fraction]Z with valid
// calendar values (seconds up to 60 for leap seconds).
bool rfc3339_utc_valid(std::string_view text);

}  // namespace acctsec::webauthn
