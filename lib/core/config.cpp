#include "core/config.hpp"

#include <toml++/toml.h>

#include <array>
#include <sstream>

#include "core/file.hpp"

namespace acctsec {
namespace {

constexpr std::array k_known_keys = {"device", "timeout", "color", "server", "ca_file", "user", "rp_id", "token_file", "server_key_pin"};

std::string known_keys_text() {
  std::string text;
  for (const char* key : k_known_keys) text += (text.empty() ? "" : ", ") + std::string(key);
  return text;
}

Result<void> take_settings(const toml::table& table, const std::string& origin, const std::string& path, Config& config) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (name == "profile" && origin.find('[') == std::string::npos) continue;  // the profiles themselves
    if (!config_key_known(name))
      return fail(ErrorCategory::usage, path + ": unknown setting '" + name + "' (known: " + known_keys_text() + ")");
    const auto* text = node.as_string();
    if (text == nullptr) return fail(ErrorCategory::usage, path + ": setting '" + name + "' must be a string");
    config.settings[name] = {text->get(), origin};
  }
  return {};
}

}  // namespace

std::optional<std::string> Config::get(const std::string& key) const {
  auto it = settings.find(key);
  if (it == settings.end()) return std::nullopt;
  return it->second.value;
}

bool config_key_known(const std::string& key) {
  for (const char* k : k_known_keys)
    if (key == k) return true;
  return false;
}

std::string config_default_path(const std::optional<std::string>& xdg_config_home, const std::optional<std::string>& home) {
  if (xdg_config_home && !xdg_config_home->empty()) return *xdg_config_home + "/acctsec/config.toml";
  if (home && !home->empty()) return *home + "/.config/acctsec/config.toml";
  return {};
}

Result<Config> config_load(const std::string& path, bool required, const std::string& profile) {
  Config config;
  config.profile = profile;
  if (path.empty()) {
    if (!profile.empty()) return fail(ErrorCategory::usage, "profile '" + profile + "' was chosen but there is no config file");
    return config;
  }
  auto text = file_read(path, 1024 * 1024);
  if (!text) {
    if (text.error().category == ErrorCategory::not_found && !required) {
      if (!profile.empty()) return fail(ErrorCategory::usage, "profile '" + profile + "' was chosen but " + path + " does not exist");
      return config;
    }
    return fail(ErrorCategory::usage, "cannot read the config file: " + text.error().message);
  }
  toml::table root;
  try {
    root = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return fail(ErrorCategory::usage, "the config file is not valid TOML: " + where.str());
  }
  config.path = path;
  if (auto ok = take_settings(root, path, path, config); !ok) return fail(ok.error());
  if (!profile.empty()) {
    const auto* table = root["profile"][profile].as_table();
    if (table == nullptr) return fail(ErrorCategory::usage, path + " has no [profile." + profile + "] table");
    if (auto ok = take_settings(*table, path + " [profile." + profile + "]", path, config); !ok) return fail(ok.error());
  }
  return config;
}

}  // namespace acctsec
