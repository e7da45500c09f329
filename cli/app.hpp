// The command tree, built in one place for run() and for the tests that walk it (tests/docs).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "command.hpp"
#include "globals.hpp"

namespace acctsec::cli {

// Adds the global options and every noun, in the order --help and acctsec(1) list them, to
// `app`; given `only_for` (a command line), only the subcommands it names. Parsing fills
// `globals`; the parsed command's callback sets `dispatch.action`. Both must outlive `app`.
void build_app(CLI::App& app, GlobalOptions& globals, Dispatch& dispatch,
               const std::vector<std::string>* only_for = nullptr);

}  // namespace acctsec::cli
