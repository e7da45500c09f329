#include "webauthn/authentication_response.hpp"

#include "core/json_parse.hpp"
#include "webauthn/response_json.hpp"

namespace acctsec::webauthn {
namespace {

constexpr const char* k_document = "authentication response";

}  // namespace

nlohmann::json authentication_response_to_json(const AuthenticationResponse& response) {
  auto out = detail::credential_header_write(response.credential_id, response.authenticator_attachment,
                                             response.client_extension_results);
  nlohmann::json body = nlohmann::json::object();
  body["clientDataJSON"] = base64url_encode(as_bytes(response.client_data_json));
  body["authenticatorData"] = base64url_encode(response.authenticator_data);
  body["signature"] = base64url_encode(response.signature);
  if (response.user_handle) body["userHandle"] = base64url_encode(*response.user_handle);
  out["response"] = std::move(body);
  return out;
}

Result<AuthenticationResponse> authentication_response_from_json(const boost::json::value& json) {
  const detail::JsonReader top(json, k_document);
  if (auto ok = top.require_object(); !ok) return fail(ok.error());
  auto header = detail::credential_header_read(top);
  if (!header) return fail(header.error());
  auto body_json = top.object("response");
  if (!body_json) return fail(body_json.error());
  const detail::JsonReader body(**body_json, k_document, "response.");

  AuthenticationResponse out;
  out.credential_id = std::move(header->raw_id);
  out.authenticator_attachment = std::move(header->authenticator_attachment);
  out.client_extension_results = std::move(header->client_extension_results);

  auto client_data = body.bytes("clientDataJSON");
  if (!client_data) return fail(client_data.error());
  if (client_data->empty()) return body.error("clientDataJSON", "is empty");
  out.client_data_json.assign(as_chars(*client_data));

  auto auth_data = body.bytes("authenticatorData");
  if (!auth_data) return fail(auth_data.error());
  if (auth_data->empty()) return body.error("authenticatorData", "is empty");
  out.authenticator_data = std::move(*auth_data);

  auto signature = body.bytes("signature");
  if (!signature) return fail(signature.error());
  if (signature->empty()) return body.error("signature", "is empty");
  out.signature = std::move(*signature);

  auto user_handle = body.optional_bytes("userHandle");
  if (!user_handle) return fail(user_handle.error());
  out.user_handle = std::move(*user_handle);
  return out;
}

Result<AuthenticationResponse> authentication_response_from_json(const nlohmann::json& json) {
  return authentication_response_from_json(json_to_boost(json));
}

}  // namespace acctsec::webauthn
