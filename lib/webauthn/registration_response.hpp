// RegistrationResponseJSON (WebAuthn Level 3 §5.1.8, PublicKeyCredential.toJSON() after create()).
//
//   {"id", "rawId", "type": "public-key", "authenticatorAttachment", "clientExtensionResults": {},
//    "response": {"clientDataJSON", "attestationObject", "authenticatorData", "transports": [...],
//                 "publicKey"?, "publicKeyAlgorithm"}}
//
// Binary members are base64url without padding; publicKey is DER SubjectPublicKeyInfo.
#pragma once

#include <boost/json/value.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn {

struct RegistrationResponse {
  Bytes credential_id;
  std::string client_data_json;  // the exact bytes the client hashed, as text
  Bytes attestation_object;
  Bytes authenticator_data;                                 // the authData inside attestation_object
  std::vector<std::string> transports;                      // "usb", "nfc", ...
  std::optional<Bytes> public_key_spki;                     // absent when the client could not express the key
  int public_key_algorithm = 0;                             // COSE algorithm of the credential key
  std::string authenticator_attachment = "cross-platform";  // empty: emitted as null
  nlohmann::json client_extension_results = nlohmann::json::object();
};

// Serialises in the toJSON() shape above (publicKey left out when absent). Returns the JSON object.
nlohmann::json registration_response_to_json(const RegistrationResponse& response);

// Parses and cross-checks a RegistrationResponseJSON:
//  - "id" and "rawId" are base64url and decode to the same bytes; "type" is "public-key";
//  - "response.clientDataJSON" and "response.attestationObject" are required base64url;
//    "authenticatorData", "transports" (strings), "publicKey" and "publicKeyAlgorithm" are optional
//    (older clients leave them out) and filled from the attestation object when absent;
//  - the attestation object decodes; its authData equals "authenticatorData" when both are present,
//    carries attested credential data whose credential ID equals rawId, and whose public key is a
//    usable COSE_Key whose alg equals "publicKeyAlgorithm" and whose SPKI equals "publicKey";
//  - "clientExtensionResults" is an object and "authenticatorAttachment" a string or null.
// Returns the decoded response. Errors: usage, naming the member and what is wrong with it.
Result<RegistrationResponse> registration_response_from_json(const boost::json::value& json);
Result<RegistrationResponse> registration_response_from_json(const nlohmann::json& json);

}  // namespace acctsec::webauthn
