#include "fido/enrollment.hpp"

#include "core/log.hpp"
#include "fido/key_info.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/hash.hpp"

namespace acctsec::fido {
namespace {

constexpr std::size_t k_challenge_size = 32;

std::string default_origin(const std::string& rp_id) { return "https://" + rp_id; }

}  // namespace

Result<webauthn::EnrollmentRecord> key_enroll(Device& device, const EnrollRequest& request) {
  if (request.rp_id.empty()) return fail(ErrorCategory::usage, "an rp id is needed, e.g. --rp-id example.com");
  if (request.user_name.empty()) return fail(ErrorCategory::usage, "a user name is needed, e.g. --user alice");
  if (request.user_id.size() > 64) return fail(ErrorCategory::usage, "a user id can be at most 64 bytes");

  webauthn::EnrollmentRecord record;
  record.rp_id = request.rp_id;
  record.origin = request.origin.empty() ? default_origin(request.rp_id) : request.origin;
  record.challenge = request.challenge.empty() ? random_bytes(k_challenge_size) : request.challenge;
  record.user.id = request.user_id.empty() ? random_bytes(16) : request.user_id;
  record.user.name = request.user_name;
  record.user.display_name = request.user_display_name.empty() ? request.user_name : request.user_display_name;

  const std::string client_data = webauthn::client_data_json(webauthn::CeremonyType::create, record.challenge, record.origin);
  MakeCredentialRequest mc;
  mc.client_data_hash = webauthn::sha256(as_bytes(client_data));
  mc.rp_id = request.rp_id;
  mc.rp_name = request.rp_name.empty() ? request.rp_id : request.rp_name;
  mc.user_id = record.user.id;
  mc.user_name = record.user.name;
  mc.user_display_name = record.user.display_name;
  mc.resident_key = request.resident_key;
  mc.user_verification = request.user_verification;
  mc.algorithm = request.algorithm;
  mc.exclude = request.exclude;
  mc.pin = request.pin;
  auto made = make_credential(device, mc);
  if (!made) return fail(made.error());

  std::string fmt = made->fmt;
  Bytes statement = made->att_stmt_cbor;
  if (request.attestation == AttestationConveyance::none) {
    fmt = "none";
    statement = webauthn::none_statement_encode();
  }
  auto auth_data = webauthn::authenticator_data_parse(made->auth_data);
  if (!auth_data || !auth_data->attested) return fail(ErrorCategory::device, "the key returned authenticator data without a credential");

  webauthn::RegistrationResponse& response = record.response;
  response.credential_id = made->credential_id;
  response.client_data_json = client_data;
  response.attestation_object = webauthn::attestation_object_encode(fmt, statement, made->auth_data);
  response.authenticator_data = made->auth_data;
  response.transports = {"usb"};
  response.public_key_algorithm = made->cose_algorithm;
  if (auto key = webauthn::cose_key_decode(auth_data->attested->public_key_cose)) {
    if (auto spki = webauthn::cose_key_spki_der(*key)) response.public_key_spki = std::move(*spki);
  }

  record.device = {{"path", device.path()},
                   {"type", device.is_virtual() ? "virtual" : "hardware"},
                   {"aaguid", uuid_format(auth_data->attested->aaguid)},
                   {"attestationFormat", made->fmt},
                   {"discoverable", request.resident_key == ResidentKey::yes},
                   {"algorithm", webauthn::cose_algorithm_name(made->cose_algorithm)}};
  record.created_at = webauthn::rfc3339_utc(std::chrono::system_clock::now());
  log_debug("fido", "enrolled credential {} for {} at {}", base64url_encode(made->credential_id), record.user.name, record.rp_id);
  return record;
}

Result<webauthn::AuthenticationResponse> key_sign(Device& device, const SignRequest& request) {
  const std::string origin = request.origin.empty() ? default_origin(request.rp_id) : request.origin;
  const std::string client_data = webauthn::client_data_json(webauthn::CeremonyType::get, request.challenge, origin);
  GetAssertionRequest ga;
  ga.rp_id = request.rp_id;
  ga.client_data_hash = webauthn::sha256(as_bytes(client_data));
  ga.allow = request.allow;
  ga.user_verification = request.user_verification;
  ga.pin = request.pin;
  auto assertions = get_assertion(device, ga);
  if (!assertions) return fail(assertions.error());
  if (assertions->empty()) return fail(ErrorCategory::device, "the key returned no assertion");
  const AssertionResult& a = assertions->front();
  webauthn::AuthenticationResponse response;
  response.credential_id = a.credential_id;
  response.client_data_json = client_data;
  response.authenticator_data = a.auth_data;
  response.signature = a.signature;
  if (!a.user_id.empty()) response.user_handle = a.user_id;
  return response;
}

Result<KeyTestReport> key_test(Device& device, const webauthn::EnrollmentRecord& record, const KeyTestRequest& request) {
  auto credential = webauthn::enrollment_record_credential(record);
  if (!credential) return fail(ErrorCategory::usage, "the enrollment record's credential cannot be read: " + credential.error().message);

  KeyTestReport report;
  report.expectation.challenge = random_bytes(k_challenge_size);
  report.expectation.origin = record.origin;
  report.expectation.rp_id = record.rp_id;
  report.expectation.credential_public_key = credential->public_key_cose;
  report.expectation.credential_id = credential->credential_id;
  report.expectation.stored_sign_count = credential->sign_count;
  report.expectation.require_user_verification = request.require_user_verification;

  SignRequest sign{.rp_id = record.rp_id,
                   .origin = record.origin,
                   .challenge = report.expectation.challenge,
                   .allow = {credential->credential_id},
                   .user_verification = request.require_user_verification ? UserVerification::required : UserVerification::discouraged,
                   .pin = request.pin};
  auto response = key_sign(device, sign);
  if (!response) return fail(response.error());
  report.response = std::move(*response);
  report.verdict = webauthn::assertion_verify(report.response, report.expectation);
  return report;
}

}  // namespace acctsec::fido
