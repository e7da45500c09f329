// login, logout, whoami: a security-key login to the backend, and the session it gives.
#include <fmt/format.h>

#include "backend.hpp"
#include "core/bytes.hpp"
#include "fido/enrollment.hpp"
#include "key_common.hpp"
#include "webauthn/authentication_response.hpp"

namespace acctsec::cli {
namespace {

struct LoginOptions {
  std::string user;
  PinSource pin;
};

struct SessionOptions {};

Result<int> run_login(const LoginOptions& o, Context& ctx) {
  const BackendSettings settings = backend_settings(ctx, o.user);
  if (!settings.user.set())
    return fail(ErrorCategory::usage, "who is logging in? pass --user NAME, set ACCTSEC_USER, or put user = \"NAME\" in the config file");
  if (!settings.session_file.set()) return fail(ErrorCategory::usage, "no place for the session: set HOME or XDG_STATE_HOME");
  auto api = backend_client(ctx, false);
  if (!api) return fail(api.error());

  auto options = api->post("/v1/auth/login/options", {{"principal", settings.user.value}});
  if (!options) return fail(options.error());
  const nlohmann::json& ceremony = options->body;
  const nlohmann::json& pk = ceremony.value("publicKey", nlohmann::json::object());
  if (!base64url_decode(reply_text(pk, "challenge")) || reply_text(ceremony, "ceremonyId").empty() || reply_text(pk, "rpId").empty())
    return fail(ErrorCategory::network, "the server's login options are not a login ceremony (no ceremonyId, rpId or challenge)");

  auto signed_in = key_sign_server_options(
      ctx, pk, reply_text(ceremony, "origin"), o.pin,
      fmt::format("this key holds none of the credentials enrolled for {} on {}; use the key you enrolled, or ask an admin to enroll this one",
                  settings.user.value, api->base_url()));
  if (!signed_in) return fail(signed_in.error());

  client::CallOptions once;
  once.idempotency = client::IdempotencyKey::omit;  // the ceremony is single-use: never replayed
  once.body_trace = client::BodyTrace::hidden;      // the reply carries the token
  auto session = api->post("/v1/auth/login/verify",
                           {{"ceremonyId", ceremony["ceremonyId"]}, {"response", *signed_in}},
                           once);
  if (!session) return fail(session.error());
  nlohmann::json& body = session->body;
  if (reply_text(body, "token").empty()) return fail(ErrorCategory::network, "the server answered the login without a session token");
  client::StoredSession stored;
  stored.server = api->base_url();
  stored.principal = reply_text(body, "principal");
  stored.session_id = reply_text(body, "sessionId");
  stored.expires = reply_text(body, "expiresAt");
  stored.token = Secret(body["token"].get<std::string>());
  wipe(body["token"].get_ref<std::string&>());
  if (auto written = client::session_write(settings.session_file.value, stored); !written) return fail(written.error());

  if (ctx.out.json()) {
    ctx.out.document("acctsec.login/1", {{"server", stored.server},
                                         {"principal", stored.principal},
                                         {"sessionId", stored.session_id},
                                         {"expiresAt", stored.expires},
                                         {"sessionFile", settings.session_file.value}});
  } else {
    ctx.out.line(fmt::format("logged in to {} as {} until {}", stored.server, stored.principal, stored.expires));
  }
  return 0;
}

Result<int> run_whoami(const SessionOptions&, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  auto me = api->get("/v1/auth/whoami");
  if (!me) return fail(me.error());
  const nlohmann::json& body = me->body;
  if (ctx.out.json()) {
    nlohmann::json out = body;
    out.erase("schema");
    out["server"] = api->base_url();
    ctx.out.document("acctsec.whoami/1", std::move(out));
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> fields{{"server", api->base_url()}, {"principal", reply_text(body, "principal")}};
  for (const auto& [key, value] : body.items()) {
    if (key == "schema" || key == "principal") continue;
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_array()) {
      for (const auto& item : value) text += (text.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
      if (text.empty()) text = "-";
    } else {
      text = value.dump();
    }
    fields.emplace_back(key, text);
  }
  ctx.out.fields(fields);
  return 0;
}

Result<int> run_logout(const SessionOptions&, Context& ctx) {
  const BackendSettings settings = backend_settings(ctx);
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  // Revoked on the server first; the file goes even when the server says the token was dead.
  auto revoked = api->post("/v1/auth/logout", nlohmann::json::object());
  const bool dead = !revoked && revoked.error().category == ErrorCategory::auth;
  if (!revoked && !dead) return fail(revoked.error());
  bool removed = false;
  if (settings.token.origin != "ACCTSEC_TOKEN" && settings.session_file.set()) {
    auto gone = client::session_remove(settings.session_file.value);
    if (!gone) return fail(gone.error());
    removed = *gone;
  }
  if (ctx.out.json()) {
    ctx.out.document("acctsec.logout/1", {{"server", api->base_url()}, {"revoked", !dead}, {"sessionFileRemoved", removed}});
  } else {
    ctx.out.line(dead ? "the session had already ended on the server; logged out" : "logged out: the session token is revoked");
  }
  return 0;
}

}  // namespace

void register_session(CLI::App& app, Dispatch& dispatch) {
  if (auto* cmd = add_command(app, dispatch, "login", "Log in to the acctsec backend with your security key")) {
    auto o = std::make_shared<LoginOptions>();
    cmd->add_option("--user", o->user, "Your principal's name (else ACCTSEC_USER, the config's user)");
    add_pin_options(cmd, o->pin);
    bind_action(cmd, dispatch, o, run_login);
  }
  if (auto* cmd = add_command(app, dispatch, "logout", "Revoke the session on the server and forget it here")) {
    bind_action(cmd, dispatch, std::make_shared<SessionOptions>(), run_logout);
  }
  if (auto* cmd = add_command(app, dispatch, "whoami", "Show the principal, roles and session the backend sees")) {
    bind_action(cmd, dispatch, std::make_shared<SessionOptions>(), run_whoami);
  }
}

}  // namespace acctsec::cli
