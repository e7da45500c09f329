#include "webauthn/registration_response.hpp"

#include "core/json_parse.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/response_json.hpp"

namespace acctsec::webauthn {
namespace {

constexpr const char* k_document = "registration response";

}  // namespace

nlohmann::json registration_response_to_json(const RegistrationResponse& response) {
  auto out = detail::credential_header_write(response.credential_id, response.authenticator_attachment,
                                             response.client_extension_results);
  nlohmann::json body = nlohmann::json::object();
  body["clientDataJSON"] = base64url_encode(as_bytes(response.client_data_json));
  body["attestationObject"] = base64url_encode(response.attestation_object);
  body["authenticatorData"] = base64url_encode(response.authenticator_data);
  body["transports"] = response.transports;
  if (response.public_key_spki) body["publicKey"] = base64url_encode(*response.public_key_spki);
  body["publicKeyAlgorithm"] = response.public_key_algorithm;
  out["response"] = std::move(body);
  return out;
}

Result<RegistrationResponse> registration_response_from_json(const boost::json::value& json) {
  const detail::JsonReader top(json, k_document);
  if (auto ok = top.require_object(); !ok) return fail(ok.error());
  auto header = detail::credential_header_read(top);
  if (!header) return fail(header.error());
  auto body_json = top.object("response");
  if (!body_json) return fail(body_json.error());
  const detail::JsonReader body(**body_json, k_document, "response.");

  RegistrationResponse out;
  out.credential_id = std::move(header->raw_id);
  out.authenticator_attachment = std::move(header->authenticator_attachment);
  out.client_extension_results = std::move(header->client_extension_results);

  auto client_data = body.bytes("clientDataJSON");
  if (!client_data) return fail(client_data.error());
  out.client_data_json.assign(as_chars(*client_data));

  auto attestation = body.bytes("attestationObject");
  if (!attestation) return fail(attestation.error());
  out.attestation_object = std::move(*attestation);
  auto decoded = attestation_object_decode(out.attestation_object);
  if (!decoded) return body.error("attestationObject", "is not a valid attestation object: " + decoded.error().message);

  auto auth_data = body.optional_bytes("authenticatorData");
  if (!auth_data) return fail(auth_data.error());
  if (*auth_data && **auth_data != decoded->auth_data) {
    return body.error("authenticatorData", "differs from the authData inside \"response.attestationObject\"");
  }
  out.authenticator_data = decoded->auth_data;

  if (const auto* transports = body.find("transports")) {
    if (!transports->is_array()) return body.error("transports", "is not an array");
    for (const auto& transport : transports->get_array()) {
      if (!transport.is_string()) return body.error("transports", "has an entry that is not a string");
      out.transports.emplace_back(transport.get_string());
    }
  }

  auto parsed = authenticator_data_parse(out.authenticator_data);
  if (!parsed) return body.error("attestationObject", "has malformed authData: " + parsed.error().message);
  if (!parsed->attested) {
    return body.error("attestationObject", "has authData without attested credential data (the AT flag is clear)");
  }
  if (parsed->attested->credential_id != out.credential_id) {
    return body.error("attestationObject", "names a different credential ID than \"rawId\"");
  }
  auto key = cose_key_decode(parsed->attested->public_key_cose);
  if (!key)
    return body.error("attestationObject", "has a credential public key acctsec cannot use: " + key.error().message);

  auto algorithm = body.optional_int("publicKeyAlgorithm");
  if (!algorithm) return fail(algorithm.error());
  if (*algorithm && **algorithm != key->alg) {
    return body.error("publicKeyAlgorithm", "differs from the alg of the credential public key");
  }
  out.public_key_algorithm = key->alg;

  auto spki = body.optional_bytes("publicKey");
  if (!spki) return fail(spki.error());
  auto expected_spki = cose_key_spki_der(*key);
  if (!expected_spki) return fail(expected_spki.error());
  if (*spki && **spki != *expected_spki) {
    return body.error("publicKey", "is not the SubjectPublicKeyInfo of the credential public key");
  }
  out.public_key_spki = std::move(*expected_spki);
  return out;
}

Result<RegistrationResponse> registration_response_from_json(const nlohmann::json& json) {
  return registration_response_from_json(json_to_boost(json));
}

}  // namespace acctsec::webauthn
