// The configuration file ($XDG_CONFIG_HOME/acctsec/config.toml): top-level settings are the
// defaults, and a [profile.NAME] table overrides them when that profile is chosen.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace acctsec {

struct ConfigSetting {
  std::string value;
  std::string origin;  // e.g. "config.toml" or "config.toml [profile.ci]"
};

struct Config {
  std::string path;     // empty when no file was read
  std::string profile;  // the chosen profile, empty for none
  std::map<std::string, ConfigSetting> settings;

  std::optional<std::string> get(const std::string& key) const;
};

// The settings a config file may hold.
bool config_key_known(const std::string& key);

// Where the config file lives by default: $XDG_CONFIG_HOME/acctsec/config.toml, else
// $HOME/.config/acctsec/config.toml; empty when neither variable is set.
std::string config_default_path(const std::optional<std::string>& xdg_config_home, const std::optional<std::string>& home);

// Reads `path`. A missing file is an empty config unless `required` (the user named it).
// Errors: usage (unreadable, not TOML — with line and column —, an unknown setting, a value that
// is not a string, the chosen profile missing from the file).
Result<Config> config_load(const std::string& path, bool required, const std::string& profile);

}  // namespace acctsec
