// acctsec key enroll --server: the backend's registration ceremony. The server names the relying
// party, the user and the challenge, and verifies the attestation under its enrollment policy;
// a record of the enrollment is kept here as well.
#include <filesystem>
#include <fmt/format.h>

#include "backend.hpp"
#include "core/secret.hpp"
#include "core/file.hpp"
#include "fido/enrollment.hpp"
#include "key_common.hpp"
#include "key_enroll_server.hpp"
#include "webauthn/enrollment_record.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::cli {
namespace {

// What the server's creation options ask of the key.
Result<fido::EnrollRequest> enroll_request_from(const nlohmann::json& ceremony) {
  const nlohmann::json pk = ceremony.value("publicKey", nlohmann::json::object());
  const nlohmann::json rp = pk.value("rp", nlohmann::json::object());
  const nlohmann::json user = pk.value("user", nlohmann::json::object());
  auto challenge = base64url_decode(reply_text(pk, "challenge"));
  auto user_id = base64url_decode(reply_text(user, "id"));
  if (!challenge || !user_id || reply_text(rp, "id").empty() || reply_text(ceremony, "ceremonyId").empty())
    return fail(ErrorCategory::network, "the server's registration options are not a registration ceremony");
  fido::EnrollRequest r;
  r.rp_id = reply_text(rp, "id");
  r.rp_name = reply_text(rp, "name");
  r.origin = reply_text(ceremony, "origin");
  r.user_id = std::move(*user_id);
  r.user_name = reply_text(user, "name");
  r.user_display_name = reply_text(user, "displayName");
  r.challenge = std::move(*challenge);
  const nlohmann::json selection = pk.value("authenticatorSelection", nlohmann::json::object());
  const std::string resident = reply_text(selection, "residentKey");
  r.resident_key = resident == "required" || resident == "preferred" ? fido::ResidentKey::yes : fido::ResidentKey::no;
  r.user_verification = user_verification_from(reply_text(selection, "userVerification"));
  r.attestation = attestation_from(reply_text(pk, "attestation"));
  // The first algorithm the server lists that the key can make.
  r.algorithm = fido::Algorithm::es256;
  if (pk.contains("pubKeyCredParams") && pk["pubKeyCredParams"].is_array())
    for (const auto& p : pk["pubKeyCredParams"]) {
      const int alg = p.value("alg", 0);
      if (alg == -7) break;
      if (alg == -8) {
        r.algorithm = fido::Algorithm::eddsa;
        break;
      }
    }
  if (pk.contains("excludeCredentials") && pk["excludeCredentials"].is_array())
    for (const auto& d : pk["excludeCredentials"])
      if (auto id = base64url_decode(reply_text(d, "id"))) r.exclude.push_back(std::move(*id));
  return r;
}

}  // namespace

Result<int> run_key_enroll_server(const EnrollServerRequest& o, Context& ctx) {
  const bool bootstrap = !o.bootstrap_code_file.empty();
  auto api = backend_client(ctx, !bootstrap);
  if (!api) return fail(api.error());
  client::CallOptions once;
  once.idempotency = client::IdempotencyKey::omit;  // single-use codes and ceremonies: never replayed
  once.body_trace = client::BodyTrace::hidden;
  client::ClientResult<client::Response> started = [&]() -> client::ClientResult<client::Response> {
    if (!bootstrap) return api->post("/v1/auth/registration/options", {{"principal", o.user}});
    auto code = secret_from_file(o.bootstrap_code_file);  // the server writes it 0600; anything wider is refused
    if (!code) return std::unexpected(client::ClientError(code.error()));
    const std::string display = o.display_name.empty() ? o.user : o.display_name;
    return api->post("/v1/bootstrap", {{"code", std::string(code->view())}, {"name", o.user}, {"displayName", display}}, once);
  }();
  if (!started) return fail(started.error());
  const nlohmann::json ceremony = started->body;
  auto request = enroll_request_from(ceremony);
  if (!request) return fail(request.error());

  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  auto pin = key_pin_if_needed(*device, o.pin, ctx);
  if (!pin) return fail(pin.error());
  request->pin = *pin ? &**pin : nullptr;
  if (!device->is_virtual()) ctx.out.info("Touch the key to create the credential.");
  auto record = fido::key_enroll(*device, *request);
  if (!record) return fail(record.error());

  auto verified = api->post("/v1/auth/registration/verify",
                            {{"ceremonyId", ceremony["ceremonyId"]}, {"response", webauthn::registration_response_to_json(record->response)}},
                            once);
  if (!verified) return fail(verified.error());

  const std::string credential_id = base64url_encode(record->response.credential_id);
  std::string out = o.out;
  if (out.empty()) {
    const BackendSettings settings = backend_settings(ctx);
    if (settings.session_file.set()) {
      const auto dir = std::filesystem::path(settings.session_file.value).parent_path() / "enrollments";
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      out = (dir / (credential_id.substr(0, 16) + ".json")).string();
    }
  }
  if (!out.empty())
    if (auto ok = file_write_atomic(out, webauthn::enrollment_record_to_json(*record).dump(2) + "\n", file_mode_for_umask()); !ok)
      return fail(ok.error());

  const nlohmann::json& server = verified->body;
  if (ctx.out.json()) {
    ctx.out.document("acctsec.key.enroll/1", {{"server", api->base_url()},
                                              {"rpId", record->rp_id},
                                              {"user", record->user.name},
                                              {"credentialId", credential_id},
                                              {"file", out.empty() ? nlohmann::json(nullptr) : nlohmann::json(out)},
                                              {"device", record->device},
                                              {"enrolled", server}});
    return 0;
  }
  ctx.out.fields({{"Enrolled", record->user.name + " at " + api->base_url() + " (rp " + record->rp_id + ")"},
                  {"Credential", credential_id},
                  {"Attestation", record->device.value("attestationFormat", "")},
                  {"AAGUID", record->device.value("aaguid", "")},
                  {"Key", device->path() + (device->is_virtual() ? " (virtual)" : "")},
                  {"Record", out.empty() ? "-" : out}});
  ctx.out.info(bootstrap ? fmt::format("Log in with: acctsec login --user {}", record->user.name)
                         : fmt::format("{} can log in with this key: acctsec login --user {}", record->user.name, record->user.name));
  return 0;
}

}  // namespace acctsec::cli
