#include "backend.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <ostream>

#include "core/secret.hpp"

namespace acctsec::cli {
namespace {

Setting first_of(Context& ctx, const std::string& flag_value, const char* flag, const char* env_name, const char* config_key,
                 std::string fallback = "", std::string fallback_origin = "default") {
  if (!flag_value.empty()) return {flag_value, flag};
  if (auto value = ctx.deps.env ? ctx.deps.env(env_name) : std::nullopt; value && !value->empty()) return {*value, env_name};
  if (auto found = ctx.globals.config.settings.find(config_key); found != ctx.globals.config.settings.end())
    return {found->second.value, found->second.origin};
  return {std::move(fallback), fallback.empty() ? "none" : std::move(fallback_origin)};
}

}  // namespace

std::string reply_text(const nlohmann::json& json, const char* name) {
  const auto found = json.is_object() ? json.find(name) : json.end();
  return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
}

BackendSettings backend_settings(Context& ctx, const std::string& user_flag, const std::string& rp_id_flag) {
  BackendSettings s;
  s.server = first_of(ctx, ctx.globals.server, "--server-url", "ACCTSEC_SERVER", "server");
  s.ca_file = first_of(ctx, ctx.globals.ca_file, "--ca-file", "ACCTSEC_CA_FILE", "ca_file", "", "");
  if (!s.ca_file.set()) s.ca_file.origin = "the system CA store";
  s.server_key_pin = first_of(ctx, ctx.globals.server_key_pin, "--server-key-pin", "ACCTSEC_SERVER_KEY_PIN", "server_key_pin");
  s.user = first_of(ctx, user_flag, "--user", "ACCTSEC_USER", "user");
  s.rp_id = first_of(ctx, rp_id_flag, "--rp-id", "ACCTSEC_RP_ID", "rp_id");
  s.token_file = first_of(ctx, "", "", "ACCTSEC_TOKEN_FILE", "token_file");
  const auto env = [&](const char* name) { return ctx.deps.env ? ctx.deps.env(name) : std::nullopt; };
  const std::string dir = client::session_state_dir(env("XDG_STATE_HOME"), env("HOME"));
  if (!dir.empty()) s.session_file = {client::session_file(dir, ctx.globals.profile), "$XDG_STATE_HOME/acctsec"};
  if (auto token = env("ACCTSEC_TOKEN"); token && !token->empty()) s.token = {"", "ACCTSEC_TOKEN"};
  else if (s.token_file.set()) s.token = {"", s.token_file.value};
  else if (s.session_file.set() && std::filesystem::exists(s.session_file.value)) s.token = {"", s.session_file.value};
  else s.token = {"", "none (acctsec login)"};
  return s;
}

Result<client::Client> backend_client(Context& ctx, bool with_token) {
  const BackendSettings s = backend_settings(ctx);
  if (!s.server.set())
    return fail(ErrorCategory::usage, "no acctsec server is set: pass --server-url https://HOST:PORT, set ACCTSEC_SERVER, or put "
                                      "server = \"https://HOST:PORT\" in the config file (acctsec config show says where it is)");
  client::ClientOptions options;
  options.base_url = s.server.value;
  options.ca_file = s.ca_file.value;
  options.pinned_public_key = s.server_key_pin.value;
  options.deadline = ctx.globals.timeout;
  if (ctx.globals.debug) options.debug = [&ctx](std::string_view line) { *ctx.deps.err << "acctsec: debug: " << line << '\n'; };
  if (with_token) {
    if (auto token = ctx.deps.env ? ctx.deps.env("ACCTSEC_TOKEN") : std::nullopt; token && !token->empty()) {
      options.token = Secret(std::move(*token));
    } else if (s.token_file.set()) {
      auto from_file = secret_from_file(s.token_file.value);  // refused unless only its owner may read it
      if (!from_file) return fail(from_file.error());
      options.token = std::move(*from_file);
    } else {
      if (!s.session_file.set())
        return fail(ErrorCategory::auth, "not logged in, and no session can be kept without HOME or XDG_STATE_HOME; set ACCTSEC_TOKEN");
      auto stored = client::session_read(s.session_file.value);
      if (!stored) return fail(stored.error());
      if (!*stored)
        return fail(ErrorCategory::auth, fmt::format("not logged in to {}: run acctsec login --user NAME{}", s.server.value,
                                                     ctx.globals.profile.empty() ? "" : " --profile " + ctx.globals.profile));
      const auto parsed = client::base_url_parse(s.server.value);
      if (!parsed) return fail(parsed.error());
      if ((*stored)->server != parsed->text)
        return fail(ErrorCategory::auth, fmt::format("the session in {} is for {}, not {}; run acctsec login to log in there",
                                                     s.session_file.value, (*stored)->server, s.server.value));
      options.token = std::move((*stored)->token);
    }
  }
  auto opened = client::Client::open(std::move(options));
  if (!opened) return fail(opened.error());
  return std::move(*opened);
}

}  // namespace acctsec::cli
