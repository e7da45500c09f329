#include "run.hpp"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "app.hpp"
#include "command.hpp"
#include "core/cancel.hpp"
#include "core/config.hpp"
#include "core/duration.hpp"
#include "core/log.hpp"
#include "exit_status.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "globals.hpp"
#include "output.hpp"

namespace acctsec::cli {
namespace {

void on_interrupt(int) {
  cancel_request();
  // A second Ctrl-C ends the process at once, for an operation that will not notice the first.
  ::signal(SIGINT, SIG_DFL);
}

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking read or poll must return EINTR
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

// Fills the global options that neither a flag nor the environment set from the config file
// (flag > environment > profile > file default > built-in default). Errors: usage.
Result<void> apply_config(const CLI::App& app, GlobalOptions& globals, Deps& deps) {
  const bool named = !globals.config_file.empty();
  const std::string path = named ? globals.config_file
                                 : config_default_path(deps.env("XDG_CONFIG_HOME"), deps.env("HOME"));
  auto config = config_load(path, named, globals.profile);
  if (!config) return fail(config.error());
  auto unset = [&](const char* name) { return app.get_option(name)->count() == 0; };
  if (auto device = config->get("device"); device && unset("--device")) {
    globals.device = *device;
    globals.device_from_config = true;
  }
  if (auto timeout = config->get("timeout"); timeout && unset("--timeout")) globals.timeout_text = *timeout;
  if (auto color = config->get("color"); color && unset("--color")) {
    if (!parse_color(*color)) return fail(ErrorCategory::usage, config->settings["color"].origin + ": color must be auto, always or never");
    globals.color_text = *color;
  }
  globals.config = std::move(*config);
  return {};
}

// Settles options that need checking after parsing. Errors: usage.
Result<void> finish_globals(const CLI::App& app, GlobalOptions& globals, Deps& deps) {
  if (auto ok = apply_config(app, globals, deps); !ok) {
    // doctor reports a broken config file among its checks instead of stopping at it.
    const auto parsed = app.get_subcommands();
    if (std::none_of(parsed.begin(), parsed.end(), [](const CLI::App* command) { return command->get_name() == "doctor"; })) return ok;
    globals.config_error = ok.error();
  }
  if (!globals.color_text.empty()) globals.color = *parse_color(globals.color_text);
  if (!globals.timeout_text.empty()) {
    auto timeout = parse_duration(globals.timeout_text);
    if (!timeout || timeout->count() == 0)
      return fail(ErrorCategory::usage, "--timeout takes a duration such as 30s, 500ms or 2m, not '" + globals.timeout_text + "'");
    globals.timeout = *timeout;
  }
  if (globals.device && globals.device->empty()) globals.device.reset();
  auto fault_text = deps.env ? deps.env("ACCTSEC_VIRTUAL_FAULT") : std::nullopt;
  auto fault = fido::virtual_fault_parse(fault_text.value_or("none"));
  if (!fault)
    return fail(ErrorCategory::usage, "ACCTSEC_VIRTUAL_FAULT must be one of none, up-denied, touch-timeout, malformed-reply");
  fido::virtual_set_fault(*fault);
  return {};
}

// The words of the command line that name subcommands (noun, verb, ...): everything that is not
// an option, less the values of the root's options. A guess: anything it gets wrong leaves out a
// subcommand the line needs, which fails to parse, and run() then parses against the whole tree.
std::vector<std::string> command_words(const CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') {
      words.push_back(arg);
      continue;
    }
    if (arg.find('=') != std::string::npos) continue;
    const CLI::Option* option = app.get_option_no_throw(arg);
    if (option && option->get_expected_max() > 0) ++i;
  }
  return words;
}

// Answers a parse that stopped: help or the version when asked for, else names the mistake and
// points at the help of the deepest subcommand the parse reached. Returns the exit status.
int answer_parse_stop(const CLI::App& app, const std::vector<std::string>& args, const CLI::ParseError& e,
                      GlobalOptions& globals, Deps& deps) {
  if (dynamic_cast<const CLI::CallForHelp*>(&e)) {
    *deps.out << app.help();
    return k_exit_ok;
  }
  if (dynamic_cast<const CLI::CallForAllHelp*>(&e)) {
    *deps.out << app.help("", CLI::AppFormatMode::All);
    return k_exit_ok;
  }
  if (dynamic_cast<const CLI::CallForVersion*>(&e)) {
    *deps.out << app.version() << '\n';
    return k_exit_ok;
  }
  std::string path = "acctsec";
  const CLI::App* deepest = &app;
  while (!deepest->get_subcommands().empty()) {
    deepest = deepest->get_subcommands().front();
    path += " " + deepest->get_name();
  }
  // CLI11 passes a word it does not know up the tree and then complains that a subcommand is
  // missing; name the word instead.
  std::string message = e.what();
  const auto at = std::find(args.begin(), args.end(), deepest->get_name());
  if (deepest != &app && at != args.end() && at + 1 != args.end() && !(at + 1)->starts_with("-") &&
      !deepest->get_subcommands([](const CLI::App*) { return true; }).empty())
    message = fmt::format("'{}' is not a command of '{}'", *(at + 1), path);
  // Built after parsing so that a --color given before the mistake is honoured.
  if (auto color = parse_color(globals.color_text)) globals.color = *color;
  Output(deps, globals).error(message + fmt::format("\nRun '{} --help' for usage.", path));
  return k_exit_usage;
}

}  // namespace

// Builds the command tree (all of it unless dispatch.only_path narrows it); the root calls the
// nouns in the order --help lists them.
void build_app(CLI::App& app, GlobalOptions& globals, Dispatch& dispatch, const std::vector<std::string>* only_for) {
  app.set_version_flag("--version", std::string("acctsec ") + ACCTSEC_VERSION);
  app.fallthrough();
  app.require_subcommand(1);
  app.footer("Exit status: 0 ok, 1 the answer is no, 2 usage, 3 auth, 4 not found, 5 device or user action, "
             "6 network, 7 timeout, 70 internal error, 130 interrupted. See acctsec(1).");
  add_global_options(app, globals);
  if (only_for) dispatch.only_path = command_words(app, *only_for);
  register_version(app, dispatch);
  register_key(app, dispatch);
  register_webauthn(app, dispatch);
  register_mds(app, dispatch);
  register_session(app, dispatch);
  register_account(app, dispatch);
  register_access(app, dispatch);
  register_audit(app, dispatch);
  register_token(app, dispatch);
  register_config(app, dispatch);
  register_doctor(app, dispatch);
  register_serve(app, dispatch);
}

namespace {

// Parses `args` against the tree and runs the command. With `whole_tree` false only the path
// the command line names is built; it returns nullopt when that parse fails or asks for help or
// the version, for the caller to try again with the whole tree.
std::optional<int> run_tree(const std::vector<std::string>& args, Deps& deps, bool whole_tree) {
  GlobalOptions globals;
  Dispatch dispatch;
  CLI::App app{"acctsec: enroll and test FIDO2 security keys, verify enrollment, check account security, "
               "and justify access to account data.",
               "acctsec"};
  build_app(app, globals, dispatch, whole_tree ? nullptr : &args);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (!whole_tree) return std::nullopt;
    return answer_parse_stop(app, args, e, globals, deps);
  }

  if (auto ok = finish_globals(app, globals, deps); !ok) {
    Output(deps, globals).error(ok.error().message);
    return exit_status(ok.error().category);
  }
  Output output(deps, globals);
  if (globals.debug) {
    std::ostream* err = deps.err;
    log_set_sink([err](std::string_view component, std::string_view message) {
      *err << "acctsec: debug: " << component << ": " << message << '\n';
    });
  }
  Context ctx{deps, globals, output};
  Result<int> result = dispatch.action ? dispatch.action(ctx) : fail(ErrorCategory::usage, "no command given; run acctsec --help");
  log_set_sink({});
  if (result) return *result;
  output.error(result.error().message);
  return exit_status(result.error().category);
}

}  // namespace

int run(const std::vector<std::string>& args, Deps& deps) {
  // Start-up builds only the command named on the line; help and mistakes get the whole tree,
  // so that their messages list everything.
  if (auto status = run_tree(args, deps, false)) return *status;
  return *run_tree(args, deps, true);
}

int run(int argc, char** argv) {
  install_interrupt_handler();
  Deps deps = Deps::from_process();
  std::vector<std::string> args(argv + 1, argv + argc);
  const int status = run(args, deps);
  deps.out->flush();
  return status;
}

}  // namespace acctsec::cli
