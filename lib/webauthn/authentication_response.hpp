// AuthenticationResponseJSON (WebAuthn Level 3 §5.1.9, PublicKeyCredential.toJSON() after get()).
//
//   {"id", "rawId", "type": "public-key", "authenticatorAttachment", "clientExtensionResults": {},
//    "response": {"clientDataJSON", "authenticatorData", "signature", "userHandle"?}}
//
// Binary members are base64url without padding.
#pragma once

#include <boost/json/value.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn {

struct AuthenticationResponse {
  Bytes credential_id;
  std::string client_data_json;  // the exact bytes the client hashed, as text
  Bytes authenticator_data;
  Bytes signature;
  std::optional<Bytes> user_handle;                         // present for discoverable credentials
  std::string authenticator_attachment = "cross-platform";  // empty: emitted as null
  nlohmann::json client_extension_results = nlohmann::json::object();
};

// Serialises in the toJSON() shape above (userHandle left out when absent). Returns the object.
nlohmann::json authentication_response_to_json(const AuthenticationResponse& response);

// Parses an AuthenticationResponseJSON: "id" and "rawId" decode to the same bytes, "type" is
// "public-key", "response.clientDataJSON", "response.authenticatorData" and "response.signature"
// are non-empty base64url, "response.userHandle" is base64url or null when present. The contents
// are not verified here (see assertion_verify). Returns the decoded response.
// Errors: usage, naming the member and what is wrong with it.
Result<AuthenticationResponse> authentication_response_from_json(const boost::json::value& json);
Result<AuthenticationResponse> authentication_response_from_json(const nlohmann::json& json);

}  // namespace acctsec::webauthn
