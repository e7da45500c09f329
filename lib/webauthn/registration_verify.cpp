#include "webauthn/registration_verify.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/hash.hpp"

namespace acctsec::webauthn {
namespace {

void check_client_data(const RegistrationResponse& response, const RegistrationExpectation& expected,
                       std::vector<std::string>& reasons) {
  // §7.1 steps 5-10.
  auto client = client_data_parse(response.client_data_json);
  if (!client) {
    reasons.push_back("clientDataJSON cannot be checked: " + client.error().message + ".");
    return;
  }
  if (client->type != ceremony_type_name(CeremonyType::create)) {
    reasons.push_back(
        fmt::format("clientData.type is \"{}\"; a registration needs \"webauthn.create\".", client->type));
  }
  if (!constant_time_equal(client->challenge, expected.challenge)) {
    reasons.push_back("clientData.challenge does not match the challenge that was issued.");
  }
  if (client->origin != expected.origin) {
    reasons.push_back(fmt::format("clientData.origin is \"{}\"; expected \"{}\".", client->origin, expected.origin));
  }
  if (client->cross_origin) {
    reasons.push_back("clientData.crossOrigin is true; cross-origin registrations are not accepted.");
  }
}

// §7.1 steps 13-19 on the parsed authenticator data; fills the verdict's authenticator fields.
void check_auth_data(const AuthenticatorData& data, const RegistrationResponse& response,
                     const RegistrationExpectation& expected, RegistrationVerdict& verdict) {
  auto& reasons = verdict.reasons;
  verdict.flags = data.flags;
  verdict.sign_count = data.sign_count;
  verdict.user_present = data.user_present;
  verdict.user_verified = data.user_verified;
  verdict.backup_eligible = data.backup_eligible;
  verdict.backup_state = data.backup_state;
  if (!constant_time_equal(data.rp_id_hash, sha256(as_bytes(expected.rp_id)))) {
    reasons.push_back(
        fmt::format("authenticatorData.rpIdHash is not the SHA-256 of the RP ID \"{}\".", expected.rp_id));
  }
  if (!data.user_present) {
    reasons.push_back("The authenticator did not report user presence (the UP flag is clear).");
  }
  if (expected.require_user_verification && !data.user_verified) {
    reasons.push_back("User verification was required but the UV flag is clear.");
  }
  if (data.backup_state && !data.backup_eligible) {
    reasons.push_back("The BS (backup state) flag is set without the BE (backup eligible) flag.");
  }
  if (!data.attested) {
    reasons.push_back("authenticatorData has no attested credential data (the AT flag is clear).");
    return;
  }
  verdict.aaguid = data.attested->aaguid;
  verdict.credential_id = data.attested->credential_id;
  verdict.public_key_cose = data.attested->public_key_cose;
  if (data.attested->credential_id.size() > k_credential_id_max_size) {
    reasons.push_back(fmt::format("The credential ID is {} bytes; at most {} are allowed.",
                                  data.attested->credential_id.size(), k_credential_id_max_size));
  }
  // A response built by hand may disagree with its own attestation object; the JSON parser checks
  // this too, but the ceremony must not depend on how the response was made.
  if (!response.credential_id.empty() && response.credential_id != data.attested->credential_id) {
    reasons.push_back("The response's credential ID differs from the one in the attested credential data.");
  }
}

}  // namespace

RegistrationVerdict registration_verify(const RegistrationResponse& response, const RegistrationExpectation& expected) {
  RegistrationVerdict verdict;
  auto& reasons = verdict.reasons;
  auto& warnings = verdict.warnings;

  check_client_data(response, expected, reasons);
  const Bytes client_data_hash = sha256(as_bytes(response.client_data_json));

  // §7.1 step 12: the attestation object.
  auto object = attestation_object_decode(response.attestation_object);
  if (!object) {
    reasons.push_back("attestationObject cannot be checked: " + object.error().message + ".");
    return verdict;
  }
  verdict.fmt = object->fmt;
  if (!response.authenticator_data.empty() && response.authenticator_data != object->auth_data) {
    reasons.push_back("response.authenticatorData differs from the authData inside attestationObject.");
  }
  auto auth_data = authenticator_data_parse(object->auth_data);
  if (!auth_data) {
    reasons.push_back("authenticatorData cannot be checked: " + auth_data.error().message + ".");
    return verdict;
  }
  check_auth_data(*auth_data, response, expected, verdict);
  if (!auth_data->attested) return verdict;

  // §7.1 step 20: the credential key and its algorithm.
  auto key = cose_key_decode(auth_data->attested->public_key_cose);
  if (!key) {
    reasons.push_back("The credential public key cannot be used: " + key.error().message + ".");
    return verdict;
  }
  verdict.public_key_alg = key->alg;
  if (key->alg == k_cose_alg_rs1) {
    reasons.push_back("The credential public key's alg is RS1 (RSASSA-PKCS1-v1_5 with SHA-1); it is accepted for "
                      "legacy attestation signatures only, not for credentials.");
  }
  if (response.public_key_algorithm != 0 && response.public_key_algorithm != key->alg) {
    reasons.push_back(fmt::format("response.publicKeyAlgorithm is {} but the credential public key's alg is {}.",
                                  response.public_key_algorithm, key->alg));
  }

  // FIDO metadata for the AAGUID, consulted whatever the format: a refused status condemns the
  // model even when the statement itself carries no certificate.
  const bool zero_aaguid = std::all_of(verdict.aaguid.begin(), verdict.aaguid.end(), [](auto b) { return b == 0; });
  std::vector<X509Ptr> anchors;
  for (const auto& anchor : expected.trust_anchors) {
    if (anchor) anchors.push_back(certificate_share(anchor.get()));
  }
  if (expected.metadata && !zero_aaguid) {
    if (auto metadata = expected.metadata(verdict.aaguid)) {
      if (auto refused = metadata_refused_status(*metadata)) {
        reasons.push_back(fmt::format("FIDO metadata reports status {} for this authenticator (AAGUID {}).",
                                      *refused, uuid_format(verdict.aaguid)));
      }
      if (metadata->stale) {
        warnings.push_back(fmt::format("The FIDO metadata BLOB (no. {}) is past its nextUpdate; run `acctsec mds "
                                       "update`.",
                                       metadata->blob_number));
      }
      for (const auto& root : metadata->attestation_roots) {
        if (root) anchors.push_back(certificate_share(root.get()));
      }
      verdict.metadata = std::move(*metadata);
    } else {
      warnings.push_back(fmt::format("FIDO metadata has no entry for AAGUID {}.", uuid_format(verdict.aaguid)));
    }
  }

  // §7.1 steps 21-22: the attestation statement, by format.
  const AttestationInput input{*object, *auth_data, client_data_hash, *key, expected.at};
  auto attestation = attestation_statement_verify(input);
  if (!attestation) {
    reasons.push_back("The attestation statement does not verify: " + attestation.error().message + ".");
    verdict.trust.status = TrustStatus::untrusted;
    verdict.trust.reason = "the attestation statement did not verify";
    return verdict;
  }
  verdict.attestation_type = attestation_type_name(attestation->type);
  for (const auto& cert : attestation->trust_path) verdict.attestation_subjects.push_back(certificate_subject(cert.get()));

  // §7.1 step 23: trust in the attestation path.
  if (attestation->trust_path.empty()) {
    verdict.trust.status = TrustStatus::none;  // none or self attestation: nothing to chain
  } else {
    verdict.trust = certificate_chain_verify(attestation->trust_path, anchors, expected.at);
    if (verdict.trust.status == TrustStatus::untrusted) {
      reasons.push_back("The attestation certificate path is not trusted: " + verdict.trust.reason + ".");
    } else if (verdict.trust.status == TrustStatus::unverified) {
      warnings.push_back("No trust anchor applies to this attestation; its certificate chain was checked for "
                         "signatures only, not against a root (use --trust-anchor or --mds).");
    }
  }

  verdict.verified = reasons.empty();
  return verdict;
}

}  // namespace acctsec::webauthn
