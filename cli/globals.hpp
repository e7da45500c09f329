// Global options (DESIGN.md): accepted before or after the subcommand.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/config.hpp"
#include "core/error.hpp"

namespace acctsec::cli {

enum class ColorMode { auto_, always, never };

struct GlobalOptions {
  bool json = false;
  ColorMode color = ColorMode::auto_;
  std::string color_text;                    // as given; settled into `color` after parsing
  bool quiet = false;
  bool verbose = false;
  bool debug = false;
  std::string config_file;
  std::string profile;
  std::string timeout_text;
  std::chrono::milliseconds timeout{30000};  // deadline for each device or network call
  std::optional<std::string> device;
  // The device came from the config file, not from --device or ACCTSEC_DEVICE for this run: a
  // default for the key commands, not a request to prove a key (key verify-enrollment).
  bool device_from_config = false;
  std::string server;   // --server-url; ACCTSEC_SERVER and the config file are read where it is used
  std::string ca_file;  // --ca-file
  std::string server_key_pin;  // --server-key-pin
  Config config;        // the file as loaded, for the settings commands read themselves
  std::optional<Error> config_error;  // why the config file was not loaded, for `doctor` to report
};

void add_global_options(CLI::App& app, GlobalOptions& globals);

// "auto", "always", "never" -> ColorMode.
std::optional<ColorMode> parse_color(std::string_view text);

}  // namespace acctsec::cli
