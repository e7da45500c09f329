// Input files for libfido2's own verifiers, `fido2-cred -V` and `fido2-assert -V` (fido2-tools),
// built from acctsec's WebAuthn records. Formats per fido2-cred(1) and fido2-assert(1), INPUT FORMAT:
// newline-separated lines, binary as standard base64, and authenticator data CBOR-wrapped as a byte
// string (libfido2's fido_cred_set_authdata / fido_assert_set_authdata expect the CBOR form).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/enrollment_record.hpp"

namespace acctsec::interop {

// The fido2-tools type argument for a COSE algorithm: "es256", "es384", "rs256" or "eddsa".
// Errors: usage (fido2-tools cannot verify that algorithm).
Result<std::string> fido2_type_name(int cose_alg);

// The `fido2-cred -V` lines: client data hash, RP ID, fmt, CBOR-wrapped authData, credential ID,
// attestation signature, then the attestation certificate when there is one (without it,
// fido2-cred checks self attestation).
std::string fido2_cred_lines(ByteView client_data_hash, std::string_view rp_id, std::string_view fmt,
                             ByteView auth_data, ByteView credential_id, ByteView signature,
                             std::optional<ByteView> certificate);

// The `fido2-assert -V` lines: client data hash, RP ID, CBOR-wrapped authData, signature.
std::string fido2_assert_lines(ByteView client_data_hash, std::string_view rp_id, ByteView auth_data,
                               ByteView signature);

// A PEM "PUBLIC KEY" block for a DER SubjectPublicKeyInfo.
std::string pem_public_key(ByteView spki_der);

struct Fido2Input {
  std::string lines;           // what to pass with -i
  std::string type;            // the type argument: es256, es384, rs256, eddsa
  std::string public_key_pem;  // for fido2-assert's key_file (also what fido2-cred -V prints)
};

// Converts an enrollment record's packed registration. Errors: usage (fmt is not "packed" — fido2-cred
// cannot verify "none" — or the algorithm is unsupported by fido2-tools), and the errors of decoding
// the record's attestation object.
Result<Fido2Input> fido2_cred_input(const webauthn::EnrollmentRecord& record);

// Converts an assertion for `rp_id`, verified with the COSE public key `public_key_cose`.
// Errors: usage (unsupported algorithm), rejected (undecodable key).
Result<Fido2Input> fido2_assert_input(const webauthn::AuthenticationResponse& response, std::string_view rp_id,
                                      ByteView public_key_cose);

}  // namespace acctsec::interop
