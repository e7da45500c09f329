// Verifying an authentication assertion (WebAuthn Level 3 §7.2) for a caller that already knows the
// challenge it issued and the credential it expects — no server session needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "webauthn/authentication_response.hpp"

namespace acctsec::webauthn {

struct AssertionExpectation {
  Bytes challenge;              // the challenge that was issued, raw bytes
  std::string origin;           // the expected origin, e.g. "https://example.com"
  std::string rp_id;            // the RP ID, e.g. "example.com"
  Bytes credential_public_key;  // the stored COSE_Key of the credential
  // When set, the response must name this credential (the allowCredentials check, §7.2 step 5).
  std::optional<Bytes> credential_id;
  std::uint32_t stored_sign_count = 0;  // the signature counter last seen for this credential
  bool require_user_verification = false;
};

struct AssertionVerdict {
  bool verified = false;
  // One sentence per failed check, naming the check; empty exactly when verified.
  std::vector<std::string> reasons;
  // From the authenticator data (zero/false when it could not be parsed).
  std::uint32_t sign_count = 0;
  bool user_present = false;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;
  // The signature verified but the counter did not increase: the credential may have been cloned.
  bool possible_clone = false;
};

// Runs the §7.2 checks that need no server session and returns every failure, not just the first:
// credential ID (when expected), clientData parses, type is "webauthn.get", challenge equals the
// issued one exactly, origin equals, crossOrigin is not true, authenticator data parses, rpIdHash is
// SHA-256(rp_id), UP is set, UV is set when required, BS is not set without BE, the signature over
// authenticatorData || SHA-256(clientDataJSON) verifies with the stored key, and the signature
// counter increased when either counter is non-zero. `verified` is true only if every check passed.
// Never fails: malformed input becomes a reason.
AssertionVerdict assertion_verify(const AuthenticationResponse& response, const AssertionExpectation& expected);

}  // namespace acctsec::webauthn
