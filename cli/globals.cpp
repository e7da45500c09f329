#include "globals.hpp"

namespace acctsec::cli {

std::optional<ColorMode> parse_color(std::string_view text) {
  if (text == "auto") return ColorMode::auto_;
  if (text == "always") return ColorMode::always;
  if (text == "never") return ColorMode::never;
  return std::nullopt;
}

void add_global_options(CLI::App& app, GlobalOptions& g) {
  const char* group = "Global options";
  app.add_flag("--json", g.json, "Print one JSON document (NDJSON for streams) on stdout")->group(group);
  app.add_option("--color", g.color_text, "Colour output: auto, always or never (NO_COLOR also turns it off)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->group(group);
  app.add_flag("-q,--quiet", g.quiet, "Print only data and errors")->group(group);
  app.add_flag("-v,--verbose", g.verbose, "Explain what is being done, on stderr")->group(group);
  app.add_flag("--debug", g.debug, "Trace library and device traffic on stderr (secrets redacted)")->group(group);
  app.add_option("--config", g.config_file, "Configuration file (default $XDG_CONFIG_HOME/acctsec/config.toml)")
      ->envname("ACCTSEC_CONFIG")->group(group);
  app.add_option("--profile", g.profile, "Configuration profile")->envname("ACCTSEC_PROFILE")->group(group);
  app.add_option("--timeout", g.timeout_text, "Deadline for each device or network call, e.g. 30s, 500ms, 2m")
      ->envname("ACCTSEC_TIMEOUT")->group(group);
  app.add_option("--device", g.device, "Security key to use: a device path, or virtual:FILE for a virtual key")
      ->envname("ACCTSEC_DEVICE")->group(group);
  app.add_option("--server-url", g.server, "The acctsec backend's URL, https://HOST[:PORT] (else ACCTSEC_SERVER, the config's server)")
      ->group(group);
  app.add_option("--ca-file", g.ca_file, "PEM file of the CAs to trust for the backend instead of the system store")->group(group);
  app.add_option("--server-key-pin", g.server_key_pin,
                 "Accept the backend only with this public key, sha256//BASE64 (acctsec serve prints it); ';' joins several")
      ->group(group);
}

}  // namespace acctsec::cli
