// config show: every setting acctsec would use now, with where each value came from.
#include <fmt/format.h>

#include "backend.hpp"
#include "command.hpp"

namespace acctsec::cli {
namespace {

struct ConfigShowOptions {};

// A global option set by flag or its environment variable, else by the config file, else the
// built-in default. CLI11 reads both the flag and the variable, so it cannot say which of the two.
Setting global_setting(Context& ctx, const std::string& value, const char* key, const char* flag, const char* env_name,
                       const char* fallback) {
  if (auto found = ctx.globals.config.settings.find(key); found != ctx.globals.config.settings.end() && value == found->second.value)
    return {value, found->second.origin};
  if (!value.empty()) {
    const bool from_env = ctx.deps.env && ctx.deps.env(env_name).value_or("") == value;
    return {value, from_env ? env_name : flag};
  }
  return {fallback, "default"};
}

Result<int> run_config_show(const ConfigShowOptions&, Context& ctx) {
  const BackendSettings backend = backend_settings(ctx);
  const GlobalOptions& g = ctx.globals;
  const std::string color = g.color_text.empty() ? "auto" : g.color_text;
  std::vector<std::pair<std::string, Setting>> settings{
      {"config", {g.config.path.empty() ? "(no file)" : g.config.path, g.config.path.empty() ? "none" : "read"}},
      {"profile", {g.profile, g.profile.empty() ? "none" : "--profile or ACCTSEC_PROFILE"}},
      {"server", backend.server},
      {"ca_file", backend.ca_file},
      {"server_key_pin", backend.server_key_pin},
      {"user", backend.user},
      {"session_file", backend.session_file},
      {"token_file", backend.token_file},
      {"token", {backend.token.origin.starts_with("none") ? "" : "(set)", backend.token.origin}},
      {"rp_id", backend.rp_id},
      {"device", global_setting(ctx, g.device.value_or(""), "device", "--device", "ACCTSEC_DEVICE", "(the only key attached)")},
      {"timeout", global_setting(ctx, g.timeout_text, "timeout", "--timeout", "ACCTSEC_TIMEOUT", "30s")},
      {"color", global_setting(ctx, g.color_text, "color", "--color", "NO_COLOR", color.c_str())},
  };
  if (ctx.out.json()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, s] : settings) out[name] = {{"value", s.value.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.value)},
                                                        {"origin", s.origin}};
    ctx.out.document("acctsec.config/1", {{"settings", out}});
    return 0;
  }
  Table table{{"SETTING", "VALUE", "FROM"}, {}};
  for (const auto& [name, s] : settings) table.rows.push_back({name, s.value.empty() ? "-" : s.value, s.origin});
  ctx.out.table(table);
  return 0;
}

}  // namespace

void register_config(CLI::App& app, Dispatch& dispatch) {
  auto* config = add_command(app, dispatch, "config", "Show the settings in use and where each comes from");
  if (!config) return;
  config->require_subcommand(1);
  if (auto* cmd = add_command(*config, dispatch, "show", "Print each setting with its origin (flag, environment, config file, default)"))
    bind_action(cmd, dispatch, std::make_shared<ConfigShowOptions>(), run_config_show);
}

}  // namespace acctsec::cli
