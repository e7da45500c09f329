#include "webauthn/assertion_check.hpp"

#include <fmt/format.h>

#include "webauthn/authenticator_data.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/hash.hpp"

namespace acctsec::webauthn {

AssertionVerdict assertion_verify(const AuthenticationResponse& response, const AssertionExpectation& expected) {
  AssertionVerdict verdict;
  auto& reasons = verdict.reasons;

  if (expected.credential_id && *expected.credential_id != response.credential_id) {
    reasons.push_back("The response is for a different credential than the enrolled one.");
  }

  // §7.2 steps 10-14: the client data.
  if (auto client = client_data_parse(response.client_data_json); !client) {
    reasons.push_back("clientDataJSON cannot be checked: " + client.error().message + ".");
  } else {
    if (client->type != ceremony_type_name(CeremonyType::get)) {
      reasons.push_back(fmt::format("clientData.type is \"{}\"; an assertion needs \"webauthn.get\".", client->type));
    }
    if (!constant_time_equal(client->challenge, expected.challenge)) {
      reasons.push_back("clientData.challenge does not match the challenge that was issued.");
    }
    if (client->origin != expected.origin) {
      reasons.push_back(fmt::format("clientData.origin is \"{}\"; expected \"{}\".", client->origin, expected.origin));
    }
    if (client->cross_origin) {
      reasons.push_back("clientData.crossOrigin is true; cross-origin assertions are not accepted.");
    }
  }

  // §7.2 steps 15-18: the authenticator data.
  auto auth_data = authenticator_data_parse(response.authenticator_data);
  if (!auth_data) {
    reasons.push_back("authenticatorData cannot be checked: " + auth_data.error().message + ".");
  } else {
    verdict.sign_count = auth_data->sign_count;
    verdict.user_present = auth_data->user_present;
    verdict.user_verified = auth_data->user_verified;
    verdict.backup_eligible = auth_data->backup_eligible;
    verdict.backup_state = auth_data->backup_state;
    if (!constant_time_equal(auth_data->rp_id_hash, sha256(as_bytes(expected.rp_id)))) {
      reasons.push_back(
          fmt::format("authenticatorData.rpIdHash is not the SHA-256 of the RP ID \"{}\".", expected.rp_id));
    }
    if (!auth_data->user_present) {
      reasons.push_back("The authenticator did not report user presence (the UP flag is clear).");
    }
    if (expected.require_user_verification && !auth_data->user_verified) {
      reasons.push_back("User verification was required but the UV flag is clear.");
    }
    if (auth_data->backup_state && !auth_data->backup_eligible) {
      reasons.push_back("The BS (backup state) flag is set without the BE (backup eligible) flag.");
    }
  }

  // §7.2 steps 19-21: the signature over authenticatorData || SHA-256(clientDataJSON).
  bool signature_ok = false;
  if (auto key = cose_verifier_decode(expected.credential_public_key); !key) {
    reasons.push_back("The stored credential public key cannot be used: " + key.error().message + ".");
  } else {
    Bytes signed_data = response.authenticator_data;
    const Bytes client_hash = sha256(as_bytes(response.client_data_json));
    signed_data.insert(signed_data.end(), client_hash.begin(), client_hash.end());
    if (auto ok = cose_verifier_verify(*key, signed_data, response.signature); !ok) {
      reasons.push_back(fmt::format(
          "The {} signature does not verify over authenticatorData and the clientDataJSON hash with the stored "
          "credential public key.",
          cose_algorithm_name(key->m_key.alg)));
    } else {
      signature_ok = true;
    }
  }

  // §7.2 step 22: the signature counter.
  if (auth_data && (expected.stored_sign_count != 0 || auth_data->sign_count != 0) &&
      auth_data->sign_count <= expected.stored_sign_count) {
    reasons.push_back(fmt::format(
        "The signature counter went from {} to {}; a counter that does not increase suggests a cloned authenticator.",
        expected.stored_sign_count, auth_data->sign_count));
    // Only a counter the authenticator really signed says anything about cloning.
    verdict.possible_clone = signature_ok;
  }

  verdict.verified = reasons.empty();
  return verdict;
}

}  // namespace acctsec::webauthn
