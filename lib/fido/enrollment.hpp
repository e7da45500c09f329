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
};

// Runs a registration ceremony with a fresh random challenge and returns its record.
// Errors: those of make_credential, and usage (bad rp id or user).
Result<webauthn::EnrollmentRecord> key_enroll(Device& device, const EnrollRequest& request);

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
