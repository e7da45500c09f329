// Where a PIN comes from. Never argv: an echo-off prompt on a terminal, --pin-fd N,
// --pin-file F (mode 0600 only), or the environment when explicitly enabled with --pin-env.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "core/secret.hpp"
#include "output.hpp"

namespace acctsec::cli {

struct PinSource {
  std::optional<int> fd;
  std::string file;
  bool env = false;
  std::string env_name;  // ACCTSEC_PIN or ACCTSEC_NEW_PIN
  bool given() const { return fd.has_value() || !file.empty() || env; }
};

enum class PinRole { current, new_pin };

// Adds --pin-fd/--pin-file/--pin-env (or the --new-pin-* trio) to a command.
void add_pin_options(CLI::App* command, PinSource& source, PinRole role = PinRole::current);

// Reads the PIN from its source, or prompts on a terminal. For a new PIN typed at a prompt, asks
// twice. Errors: usage (bad fd/file/env, mismatch), device (no source and no terminal: the
// message names the options), cancelled (Ctrl-C at the prompt).
Result<Secret> pin_read(const PinSource& source, Context& ctx, PinRole role = PinRole::current);

}  // namespace acctsec::cli
