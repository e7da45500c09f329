// The command tree, built in one place for run() and for the tests that walk it (tests/docs).
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "globals.hpp"

namespace acctsec::cli {

// Adds the global options and every noun, in the order --help and acctsec(1) list them, to
// `app`. Parsing fills `globals`; the parsed command's callback sets `dispatch.action`. Both
// must outlive `app`.
void build_app(CLI::App& app, GlobalOptions& globals, Dispatch& dispatch);

}  // namespace acctsec::cli
