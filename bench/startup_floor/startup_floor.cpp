// The floor under `acctsec key list`'s start-up: a program with acctsec's stack and none of its
// code. It parses a command line with CLI11 against a root that has acctsec's global options and
// a `key list` subcommand, lists the devices through libfido2 as fido2-token -L does, and writes
// its answer with iostreams, linked as acctsec is (cmake/LeanStartup.cmake). bench/startup.sh
// times it beside the anchor and acctsec, so the share of the start-up that the stack itself
// takes is measured in the same run.
#include <fido.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{"startup_floor: acctsec's stack, none of its code", "startup_floor"};
  bool json = false, quiet = false, verbose = false, debug = false;
  std::string color, config, profile, timeout, server, ca_file, key_pin;
  std::optional<std::string> device;
  app.add_flag("--json", json, "JSON");
  app.add_option("--color", color, "colour")->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("-q,--quiet", quiet, "quiet");
  app.add_flag("-v,--verbose", verbose, "verbose");
  app.add_flag("--debug", debug, "debug");
  app.add_option("--config", config, "config")->envname("ACCTSEC_CONFIG");
  app.add_option("--profile", profile, "profile")->envname("ACCTSEC_PROFILE");
  app.add_option("--timeout", timeout, "timeout")->envname("ACCTSEC_TIMEOUT");
  app.add_option("--device", device, "device")->envname("ACCTSEC_DEVICE");
  app.add_option("--server-url", server, "server");
  app.add_option("--ca-file", ca_file, "CA file");
  app.add_option("--server-key-pin", key_pin, "key pin");
  app.require_subcommand(1);
  CLI::App* key = app.add_subcommand("key", "security keys");
  key->require_subcommand(1);
  key->add_subcommand("list", "list the keys");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  fido_init(0);
  constexpr std::size_t k_max_devices = 64;
  fido_dev_info_t* devices = fido_dev_info_new(k_max_devices);
  std::size_t found = 0;
  if (devices == nullptr || fido_dev_info_manifest(devices, k_max_devices, &found) != FIDO_OK) found = 0;
  for (std::size_t i = 0; i < found; ++i) std::cout << fido_dev_info_path(fido_dev_info_ptr(devices, i)) << '\n';
  if (found == 0) std::cerr << "No security keys found.\n";
  fido_dev_info_free(&devices, k_max_devices);
  return 0;
}
