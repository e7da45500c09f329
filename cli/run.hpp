// The command-line entry points.
#pragma once

#include <string>
#include <vector>

#include "deps.hpp"

namespace acctsec::cli {

// The real process: installs the Ctrl-C handler and uses Deps::from_process().
int run(int argc, char** argv);

// Runs one command line (without the program name) against the given Deps; returns its exit
// status. Used by tests to drive the whole command tree in-process.
int run(const std::vector<std::string>& args, Deps& deps);

}  // namespace acctsec::cli
