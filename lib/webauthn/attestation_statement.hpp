// Attestation statement verification (WebAuthn Level 3 §8): one function per format, each making
// every check its section lists, and one dispatcher on the attestation object's "fmt". Trust in the
// resulting path (anchors, MDS) is decided afterwards by the registration ceremony.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/cose_key.hpp"

namespace acctsec::webauthn {

// Attestation types (§6.5.3).
enum class AttestationType { none, self, basic, attca, anonca };
std::string_view attestation_type_name(AttestationType type);  // "none", "self", "basic", "attca", "anonca"

struct AttestationInput {
  const AttestationObject& object;         // fmt, raw attStmt, raw authData
  const AuthenticatorData& auth_data;      // parsed; `attested` is present
  ByteView client_data_hash;               // SHA-256(clientDataJSON)
  const CoseKey& credential_key;           // decoded from auth_data.attested->public_key_cose
  // The verification time for formats whose statement carries its own time checks (SafetyNet's
  // timestampMs); now when unset.
  std::optional<std::chrono::system_clock::time_point> at;
};

struct AttestationResult {
  AttestationType type = AttestationType::none;
  std::vector<X509Ptr> trust_path;  // x5c in statement order (attestation certificate first); empty for none/self
};

// The formats acctsec verifies, in the order the spec defines them.
const std::vector<std::string>& attestation_formats();  // packed, tpm, android-key, android-safetynet, fido-u2f, none, apple

// Verifies the statement by input.object.fmt. Errors: rejected, naming the format and the check
// that failed (an unknown fmt is rejected by name).
Result<AttestationResult> attestation_statement_verify(const AttestationInput& input);

// One per format (§8.2–§8.8); each Errors: rejected, naming the failed check.
Result<AttestationResult> attestation_verify_packed(const AttestationInput& input);
Result<AttestationResult> attestation_verify_tpm(const AttestationInput& input);
Result<AttestationResult> attestation_verify_android_key(const AttestationInput& input);
Result<AttestationResult> attestation_verify_android_safetynet(const AttestationInput& input);
Result<AttestationResult> attestation_verify_fido_u2f(const AttestationInput& input);
Result<AttestationResult> attestation_verify_apple(const AttestationInput& input);

// The id-fido-gen-ce-aaguid extension (1.3.6.1.4.1.45724.1.1.4): when the certificate carries it,
// it must be non-critical and hold an OCTET STRING equal to `aaguid`. Errors: rejected.
Result<void> certificate_check_aaguid_extension(X509* cert, ByteView aaguid);

}  // namespace acctsec::webauthn
