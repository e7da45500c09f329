// Deps: everything a command needs from the outside world, injected so tests can fake it.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/secret.hpp"

namespace acctsec::cli {

struct Deps {
  std::ostream* out = nullptr;  // data
  std::ostream* err = nullptr;  // messages, progress, errors
  std::istream* in = nullptr;   // data read from "-" (stdin)
  bool out_is_tty = false;
  bool err_is_tty = false;
  bool in_is_tty = false;       // whether prompts can be answered
  std::function<std::optional<std::string>(std::string_view name)> env;
  // Reads a secret with echo off. Errors: cancelled (Ctrl-C), usage (no terminal).
  std::function<Result<Secret>(std::string_view prompt)> prompt_secret;
  // Reads one line of typed text (confirmations). Errors: cancelled, usage (no terminal).
  std::function<Result<std::string>(std::string_view prompt)> prompt_line;

  // The real process: std::cout/std::cerr/std::cin, isatty, getenv, /dev/tty prompts.
  static Deps from_process();
};

}  // namespace acctsec::cli
