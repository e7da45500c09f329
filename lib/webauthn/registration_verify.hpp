// The registration ceremony (WebAuthn Level 3 §7.1) for a caller that knows the challenge it issued:
// clientData, authenticator data, credential key, the attestation statement by format, then trust in
// the attestation path (configured anchors, or FIDO metadata roots by AAGUID) at a chosen time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/authenticator_metadata.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::webauthn {

struct RegistrationExpectation {
  Bytes challenge;     // the challenge that was issued, raw bytes
  std::string origin;  // e.g. "https://example.com"
  std::string rp_id;   // e.g. "example.com"
  bool require_user_verification = false;
  // Verification time for certificate validity and statement timestamps; now when unset.
  std::optional<std::chrono::system_clock::time_point> at;
  // Trust anchors for the attestation path (--trust-anchor). Used together with metadata roots.
  std::vector<X509Ptr> trust_anchors;
  // When set (--mds), FIDO metadata for the response's AAGUID: its attestation roots become
  // anchors, and a refused status rejects the registration. Returns nullopt for an unknown AAGUID.
  std::function<std::optional<AuthenticatorMetadata>(ByteView aaguid)> metadata;
};

struct RegistrationVerdict {
  bool verified = false;
  std::vector<std::string> reasons;   // one sentence per failed check, naming it; empty when verified
  std::vector<std::string> warnings;  // e.g. stale MDS BLOB, trust unverified
  std::string fmt;
  std::string attestation_type;  // attestation_type_name(), empty when the statement did not verify
  Bytes aaguid;                  // 16 bytes, empty when authData could not be parsed
  Bytes credential_id;
  Bytes public_key_cose;  // the credential public key as stored for later assertions
  int public_key_alg = 0;
  std::uint32_t sign_count = 0;
  std::uint8_t flags = 0;
  bool user_present = false;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;
  TrustResult trust;                                // trust in the attestation path
  std::optional<AuthenticatorMetadata> metadata;    // what MDS said, when consulted and known
  std::vector<std::string> attestation_subjects;    // x5c subjects, attestation certificate first
};

// Runs every §7.1 check that needs no server session and collects every failure: clientData type
// "webauthn.create", exact challenge, origin, crossOrigin not true; rpIdHash; UP; UV when required;
// BS not without BE; AT present; credential ID ≤ 1023 bytes; credential key decodes and its alg is
// supported; attestation statement verifies for its fmt; trust: with anchors or metadata roots the
// path must verify at `at` (else untrusted → rejected); with none it is "unverified" and a warning;
// a refused MDS status rejects. Never fails: malformed input becomes a reason.
RegistrationVerdict registration_verify(const RegistrationResponse& response, const RegistrationExpectation& expected);

}  // namespace acctsec::webauthn
