// Enrolling a key locally (a registration ceremony whose result is an enrollment record) and
// testing it (an assertion checked against that record).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "fido/credential_ops.hpp"
#include "fido/device.hpp"
#include "webauthn/assertion_check.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/enrollment_record.hpp"

namespace acctsec::fido {

// WebAuthn attestation conveyance: "none" replaces the statement with fmt "none", as a browser does.
enum class AttestationConveyance { none, indirect, direct, enterprise };

struct EnrollRequest {
  std::string rp_id;
  std::string rp_name;
  std::string origin;              // empty: https://<rp_id>
  Bytes user_id;                   // empty: 16 random bytes
  std::string user_name;
  std::string user_display_name;
  ResidentKey resident_key = ResidentKey::no;
  UserVerification user_verification = UserVerification::preferred;
  Algorithm algorithm = Algorithm::es256;
  AttestationConveyance attestation = AttestationConveyance::direct;
  std::vector<Bytes> exclude;
  const Secret* pin = nullptr;
  Bytes challenge;                 // a server's challenge; empty: 32 fresh random bytes
};

// Runs a registration ceremony over `request.challenge` (or a fresh random one) and returns its record.
// Errors: those of make_credential, and usage (bad rp id or user).
Result<webauthn::EnrollmentRecord> key_enroll(Device& device, const EnrollRequest& request);

// An assertion over a given challenge, as a login or a signed request needs one.
struct SignRequest {
  std::string rp_id;
  std::string origin;              // empty: https://<rp_id>
  Bytes challenge;
  std::vector<Bytes> allow;        // the credentials that may answer; empty: discoverable ones
  UserVerification user_verification = UserVerification::discouraged;
  const Secret* pin = nullptr;
};

// Gets one assertion and returns it in the shape AuthenticationResponseJSON carries.
// Errors: those of get_assertion, and device (the key answered nothing).
Result<webauthn::AuthenticationResponse> key_sign(Device& device, const SignRequest& request);

struct KeyTestRequest {
  bool require_user_verification = false;
  const Secret* pin = nullptr;
};

struct KeyTestReport {
  webauthn::AssertionVerdict verdict;
  webauthn::AuthenticationResponse response;
  webauthn::AssertionExpectation expectation;
};

// Gets an assertion for the record's credential over a fresh challenge and verifies it with
// OpenSSL against the record (signature, rpIdHash, UP, UV when asked, counter progression).
// A failed check is a verdict, not an error. Errors: those of get_assertion, and usage (a record
// whose credential cannot be read).
Result<KeyTestReport> key_test(Device& device, const webauthn::EnrollmentRecord& record, const KeyTestRequest& request);

}  // namespace acctsec::fido
