// Signing what the backend asks a key to sign: a login ceremony, an access request or review.
#include "backend.hpp"
#include "core/bytes.hpp"
#include "fido/enrollment.hpp"
#include "key_common.hpp"
#include "webauthn/authentication_response.hpp"

namespace acctsec::cli {

fido::UserVerification user_verification_from(std::string_view text) {
  return text == "required" ? fido::UserVerification::required
         : text == "discouraged" ? fido::UserVerification::discouraged
                                 : fido::UserVerification::preferred;
}

fido::AttestationConveyance attestation_from(std::string_view text) {
  return text == "none" ? fido::AttestationConveyance::none
         : text == "indirect" ? fido::AttestationConveyance::indirect
         : text == "enterprise" ? fido::AttestationConveyance::enterprise
                                : fido::AttestationConveyance::direct;
}

Result<nlohmann::json> key_sign_server_options(Context& ctx, const nlohmann::json& public_key, const std::string& origin,
                                               const PinSource& pin, const std::string& not_enrolled) {
  fido::SignRequest request;
  request.rp_id = reply_text(public_key, "rpId");
  request.origin = origin;
  auto challenge = base64url_decode(reply_text(public_key, "challenge"));
  if (!challenge || request.rp_id.empty())
    return fail(ErrorCategory::network, "the server's request options name no challenge or relying party; nothing was signed");
  request.challenge = std::move(*challenge);
  if (const auto allow = public_key.find("allowCredentials"); public_key.is_object() && allow != public_key.end() && allow->is_array())
    for (const auto& d : *allow)
      if (auto id = base64url_decode(reply_text(d, "id"))) request.allow.push_back(std::move(*id));

  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  std::optional<Secret> pin_read;
  if (reply_text(public_key, "userVerification") == "required") {
    request.user_verification = fido::UserVerification::required;
    auto read = key_pin_if_needed(*device, pin, ctx);
    if (!read) return fail(read.error());
    pin_read = std::move(*read);
    if (pin_read) request.pin = &*pin_read;
  }
  if (!device->is_virtual()) ctx.out.info("Touch your security key.");
  auto signed_by_key = fido::key_sign(*device, request);
  if (!signed_by_key && signed_by_key.error().category == ErrorCategory::not_found) return fail(ErrorCategory::not_found, not_enrolled);
  if (!signed_by_key) return fail(signed_by_key.error());
  return webauthn::authentication_response_to_json(*signed_by_key);
}

}  // namespace acctsec::cli
