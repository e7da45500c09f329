// The `key` verbs that talk to the backend: key list --server, key test --server, key remove.
#include <fmt/format.h>

#include "backend.hpp"
#include "key_server.hpp"

namespace acctsec::cli {
namespace {

// The principal whose keys a command is about: --user, ACCTSEC_USER, the config's user, or else
// whoever the session belongs to. An API token belongs to no one, so it needs --user.
Result<std::string> key_owner(Context& ctx, client::Client& api, const std::string& user_flag) {
  const BackendSettings settings = backend_settings(ctx, user_flag);
  if (settings.user.set()) return settings.user.value;
  auto me = api.get("/v1/auth/whoami");
  if (!me) return fail(me.error());
  const std::string principal = reply_text(me->body, "principal");
  if (principal.empty() || reply_text(me->body, "tokenKind") == "api" || principal.rfind("token:", 0) == 0)
    return fail(ErrorCategory::usage, "an API token belongs to no user: pass --user NAME");
  return principal;
}

std::string when_or(const nlohmann::json& json, const char* name, std::string_view fallback) {
  const std::string text = reply_text(json, name);
  return text.empty() ? std::string(fallback) : text;
}

}  // namespace

Result<int> run_key_list_server(const std::string& user_flag, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  auto user = key_owner(ctx, *api, user_flag);
  if (!user) return fail(user.error());
  auto listed = api->get("/v1/principals/" + client::url_encode_component(*user) + "/credentials");
  if (!listed) return fail(listed.error());
  const nlohmann::json credentials = listed->body.value("credentials", nlohmann::json::array());
  if (!credentials.is_array()) return fail(ErrorCategory::network, "the server's credential list has no credentials array");
  if (ctx.out.json()) {
    ctx.out.document("acctsec.key.list-server/1", {{"server", api->base_url()}, {"user", *user}, {"credentials", credentials}});
    return 0;
  }
  if (credentials.empty()) {
    ctx.out.info(fmt::format("{} has no security key enrolled at {}. Enroll one: acctsec key enroll --server --user {}", *user,
                             api->base_url(), *user));
    return 0;
  }
  Table table{{"CREDENTIAL", "NICKNAME", "FORMAT", "AAGUID", "TRUST", "UV", "COUNTER", "ENROLLED", "LAST USED"}, {}};
  for (const auto& c : credentials) {
    const bool is_virtual = c.value("virtualKey", false);
    const nlohmann::json trust = c.value("trust", nlohmann::json::object());
    table.rows.push_back({reply_text(c, "id"), when_or(c, "nickname", "-"),
                          reply_text(c, "fmt") + (is_virtual ? " " + ctx.out.styled("(virtual)", Style::warn) : ""),
                          reply_text(c, "aaguid"), reply_text(trust, "status"), c.value("userVerified", false) ? "yes" : "no",
                          std::to_string(c.value("counter", 0)), reply_text(c, "createdAt"), when_or(c, "lastUsedAt", "never")});
  }
  ctx.out.table(table);
  return 0;
}

Result<nlohmann::json> key_test_with_server(Context& ctx, client::Client& api, const std::string& user, const PinSource& pin) {
  auto options = api.post("/v1/auth/key-test/options", user.empty() ? nlohmann::json::object() : nlohmann::json{{"principal", user}});
  if (!options) return fail(options.error());
  const nlohmann::json& ceremony = options->body;
  const nlohmann::json pk = ceremony.value("publicKey", nlohmann::json::object());
  if (reply_text(ceremony, "ceremonyId").empty())
    return fail(ErrorCategory::network, "the server's key-test options are not a ceremony (no ceremonyId)");
  const std::string owner = user.empty() ? "you" : user;
  auto signed_by_key = key_sign_server_options(ctx, pk, reply_text(ceremony, "origin"), pin, "not enrolled");
  if (!signed_by_key && signed_by_key.error().category == ErrorCategory::not_found) {
    // A "no", not a failure to ask: the key in hand is not one of the enrolled ones.
    return nlohmann::json{{"schema", "acctsec.key-test/1"},
                          {"verified", false},
                          {"principal", user},
                          {"credentialId", nullptr},
                          {"reasons", {fmt::format("the key in hand holds none of the credentials enrolled for {} at {}", owner,
                                                   api.base_url())}}};
  }
  if (!signed_by_key) return fail(signed_by_key.error());
  client::CallOptions once;
  once.idempotency = client::IdempotencyKey::omit;  // the ceremony is single-use: never replayed
  auto verdict = api.post("/v1/auth/key-test/verify", {{"ceremonyId", ceremony["ceremonyId"]}, {"response", *signed_by_key}}, once);
  if (!verdict) return fail(verdict.error());
  if (!verdict->body.is_object() || !verdict->body.contains("verified") || !verdict->body["verified"].is_boolean())
    return fail(ErrorCategory::network, "the server's key-test reply has no verdict");
  return std::move(verdict->body);
}

Result<int> run_key_test_server(const std::string& user_flag, const PinSource& pin, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  auto user = key_owner(ctx, *api, user_flag);
  if (!user) return fail(user.error());
  auto verdict = key_test_with_server(ctx, *api, *user, pin);
  if (!verdict) return fail(verdict.error());
  const bool verified = (*verdict)["verified"].get<bool>();
  std::vector<std::string> reasons;
  if (verdict->contains("reasons") && (*verdict)["reasons"].is_array())
    for (const auto& r : (*verdict)["reasons"])
      if (r.is_string()) reasons.push_back(r.get<std::string>());
  if (ctx.out.json()) {
    nlohmann::json body = *verdict;
    body.erase("schema");
    body["server"] = api->base_url();
    body["device"] = ctx.globals.device.value_or("");
    ctx.out.document("acctsec.key.test-server/1", body);
  } else {
    std::vector<std::pair<std::string, std::string>> fields{
        {"Verdict", verified ? ctx.out.styled("verified", Style::good) : ctx.out.styled("REJECTED", Style::bad)},
        {"User", reply_text(*verdict, "principal") + " at " + api->base_url()}};
    if (!reply_text(*verdict, "credentialId").empty()) fields.emplace_back("Credential", reply_text(*verdict, "credentialId"));
    if (verdict->contains("counter")) fields.emplace_back("Sign count", std::to_string(verdict->value("counter", 0)));
    if (verdict->contains("userVerified")) fields.emplace_back("User verified", verdict->value("userVerified", false) ? "yes" : "no");
    if (verdict->value("possibleClone", false)) fields.emplace_back("Warning", ctx.out.styled("the counter went back: possibly a cloned key", Style::bad));
    ctx.out.fields(fields);
    for (const auto& reason : reasons) ctx.out.line("  - " + reason);
  }
  return verified ? 0 : 1;
}

Result<int> run_key_remove(const KeyRemoveOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  auto user = key_owner(ctx, *api, o.user);
  if (!user) return fail(user.error());
  const std::string base = "/v1/principals/" + client::url_encode_component(*user) + "/credentials";
  // Confirm against what the server holds, so the question names the key that would go.
  auto listed = api->get(base);
  if (!listed) return fail(listed.error());
  const nlohmann::json credentials = listed->body.value("credentials", nlohmann::json::array());
  if (!credentials.is_array()) return fail(ErrorCategory::network, "the server's credential list has no credentials array");
  const nlohmann::json* found = nullptr;
  for (const auto& c : credentials)  // the list itself, not a copy: `found` points into it
    if (reply_text(c, "id") == o.credential) found = &c;
  if (!found)
    return fail(ErrorCategory::not_found, fmt::format("{} has no enrolled key {} at {}; see acctsec key list --server --user {}", *user,
                                                      o.credential, api->base_url(), *user));
  const std::size_t left = credentials.size() - 1;
  const std::string what = fmt::format("Removing key {}{} ({}, enrolled {}) from {} leaves {} key{}; it will no longer log in.",
                                       o.credential, reply_text(*found, "nickname").empty() ? "" : " \"" + reply_text(*found, "nickname") + "\"",
                                       reply_text(*found, "fmt"), reply_text(*found, "createdAt"), *user, left, left == 1 ? "" : "s");
  if (auto ok = confirm_typed(ctx, o.yes, what, "remove"); !ok) return fail(ok.error());
  client::Query query;
  if (o.force) query.emplace_back("force", "true");
  auto removed = api->call(client::Method::delete_, base + "/" + client::url_encode_component(o.credential), query);
  if (!removed) {
    if (removed.error().category == ErrorCategory::rejected && !o.force)
      return fail(ErrorCategory::rejected, removed.error().message + "\nEnroll another key first (acctsec key enroll --server), or pass --force.");
    return fail(removed.error());
  }
  if (ctx.out.json()) ctx.out.document("acctsec.key.remove/1", {{"server", api->base_url()}, {"user", *user}, {"credentialId", o.credential}, {"removed", true}});
  else ctx.out.info(fmt::format("Removed key {} from {}.", o.credential, *user));
  return 0;
}

void register_key_remove(CLI::App& key, Dispatch& dispatch) {
  auto o = std::make_shared<KeyRemoveOptions>();
  auto* cmd = add_command(key, dispatch, "remove", "Remove an enrolled key from the backend (asks for typed confirmation)");
  if (!cmd) return;
  cmd->add_option("credential", o->credential, "The credential id (base64url), as acctsec key list --server shows it")->required();
  cmd->add_option("--user", o->user, "Whose key (default: yours)");
  cmd->add_flag("--force", o->force, "Remove it even when fewer keys than the policy's minimum are left");
  cmd->add_flag("-y,--yes", o->yes, "Do not ask for confirmation (for scripts)");
  bind_action(cmd, dispatch, o, run_key_remove);
}

}  // namespace acctsec::cli
