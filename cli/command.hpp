// How a verb plugs into the tree: its CLI11 callback records which action to run; the root
// runs it after parsing, with the Context built from the parsed global options.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "output.hpp"

namespace acctsec::cli {

// An action returns the exit status of a completed command (0, or 1 when a check said no),
// or the Error that stopped it.
using Action = std::function<Result<int>(Context&)>;

struct Dispatch {
  Action action;
  // When set, only the subcommands named by these words of the command line are built, so that
  // start-up pays for the one command it runs rather than the whole tree (bench/startup.sh).
  std::optional<std::vector<std::string>> only_path;
};

// Adds subcommand `name` to `parent`, or returns nullptr when `dispatch.only_path` leaves it out.
CLI::App* add_command(CLI::App& parent, const Dispatch& dispatch, const std::string& name, const std::string& description);

// Binds `run` with its options struct (owned by the callback) to `command`.
template <typename Options>
void bind_action(CLI::App* command, Dispatch& dispatch, std::shared_ptr<Options> options,
                 Result<int> (*run)(const Options&, Context&)) {
  command->callback([&dispatch, options, run] {
    dispatch.action = [options, run](Context& ctx) { return run(*options, ctx); };
  });
}

void register_version(CLI::App& app, Dispatch& dispatch);
void register_key(CLI::App& app, Dispatch& dispatch);
void register_webauthn(CLI::App& app, Dispatch& dispatch);
void register_mds(CLI::App& app, Dispatch& dispatch);
void register_serve(CLI::App& app, Dispatch& dispatch);
void register_session(CLI::App& app, Dispatch& dispatch);
void register_audit(CLI::App& app, Dispatch& dispatch);
void register_token(CLI::App& app, Dispatch& dispatch);
void register_config(CLI::App& app, Dispatch& dispatch);
void register_access(CLI::App& app, Dispatch& dispatch);
void register_account(CLI::App& app, Dispatch& dispatch);
void register_doctor(CLI::App& app, Dispatch& dispatch);

}  // namespace acctsec::cli
