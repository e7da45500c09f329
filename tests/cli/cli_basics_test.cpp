// The command tree without a device: parsing, output conventions, exit statuses, PIN sources.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "cli/app.hpp"
#include "cli/exit_status.hpp"
#include "support/cli_harness.hpp"

using acctsec::test::FakeWorld;
using acctsec::test::run_binary;
using acctsec::test::run_cli;
using acctsec::test::TempDir;

TEST_SUITE("cli::basics") {
  TEST_CASE("version prints the version, and --json a schema-tagged document") {
    auto r = run_cli({"version"});
    CHECK(r.status == 0);
    CHECK(r.out == std::string("acctsec ") + ACCTSEC_VERSION + "\n");
    auto j = run_cli({"version", "--json"});
    CHECK(j.status == 0);
    auto doc = nlohmann::json::parse(j.out);
    CHECK(doc["schema"] == "acctsec.version/1");
    CHECK(doc["version"] == ACCTSEC_VERSION);
    CHECK(doc["libfido2"].get<std::string>().starts_with("1."));
    CHECK(j.out.starts_with("{\"schema\":"));
  }

  TEST_CASE("--version works without a subcommand") {
    auto r = run_cli({"--version"});
    CHECK(r.status == 0);
    CHECK(r.out.find(ACCTSEC_VERSION) != std::string::npos);
  }

  TEST_CASE("global options are accepted after the subcommand too") {
    auto r = run_cli({"version", "--json", "--color", "never", "-q"});
    CHECK(r.status == 0);
    CHECK(nlohmann::json::parse(r.out)["schema"] == "acctsec.version/1");
  }

  TEST_CASE("an unknown command is a usage error (2) that points at --help") {
    auto r = run_cli({"frobnicate"});
    CHECK(r.status == 2);
    CHECK(r.err.starts_with("acctsec: error: "));
    CHECK(r.err.find("--help") != std::string::npos);
    CHECK(r.out.empty());
  }

  TEST_CASE("a missing required option is a usage error naming the option") {
    auto r = run_cli({"key", "enroll", "--rp-id", "example.com"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--user") != std::string::npos);
    CHECK(r.err.find("acctsec key enroll --help") != std::string::npos);
    // --rp-id is required unless the server names the relying party (--server).
    auto local = run_cli({"key", "enroll", "--user", "alice"});
    CHECK(local.status == 2);
    CHECK(local.err.find("--rp-id") != std::string::npos);
    CHECK(local.err.find("acctsec key enroll --help") != std::string::npos);
  }

  TEST_CASE("an unknown verb is named in the error") {
    auto r = run_cli({"key", "bogus"});
    CHECK(r.status == 2);
    CHECK(r.err.find("'bogus' is not a command of 'acctsec key'") != std::string::npos);
    CHECK(r.err.find("acctsec key --help") != std::string::npos);
  }

  TEST_CASE("--color takes only auto, always or never") {
    CHECK(run_cli({"--color", "1", "version"}).status == 2);
    CHECK(run_cli({"--color", "always", "version"}).status == 0);
  }

  TEST_CASE("a noun without a verb is a usage error") {
    CHECK(run_cli({"key"}).status == 2);
    CHECK(run_cli({}).status == 2);
  }

  TEST_CASE("there is no PIN option on argv") {
    auto r = run_cli({"key", "enroll", "--rp-id", "example.com", "--user", "alice", "--pin", "1234"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--pin") != std::string::npos);
  }

  TEST_CASE("--timeout takes a duration and refuses anything else") {
    auto r = run_cli({"--timeout", "soon", "version"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--timeout takes a duration") != std::string::npos);
    CHECK(run_cli({"--timeout", "0", "version"}).status == 2);
    CHECK(run_cli({"--timeout", "1500ms", "version"}).status == 0);
    CHECK(run_cli({"--timeout", "2m", "version"}).status == 0);
  }

  TEST_CASE("an unknown virtual fault name is a usage error") {
    FakeWorld w;
    w.env["ACCTSEC_VIRTUAL_FAULT"] = "explode";
    auto r = run_cli({"version"}, w);
    CHECK(r.status == 2);
    CHECK(r.err.find("ACCTSEC_VIRTUAL_FAULT") != std::string::npos);
  }

  TEST_CASE("--help prints usage on stdout and exits 0") {
    auto r = run_cli({"key", "--help"});
    CHECK(r.status == 0);
    CHECK(r.out.find("enroll") != std::string::npos);
    CHECK(r.out.find("virtual") != std::string::npos);
  }

  TEST_CASE("help at any depth lists the whole subtree, though a run builds only its command") {
    auto root = run_cli({"--help"});
    CHECK(root.status == 0);
    CHECK(root.out.find("key") != std::string::npos);
    CHECK(root.out.find("version") != std::string::npos);
    auto verb = run_cli({"key", "enroll", "--help"});
    CHECK(verb.status == 0);
    CHECK(verb.out.find("--rp-id") != std::string::npos);
    CHECK(verb.out.find("--pin-fd") != std::string::npos);
  }

  TEST_CASE("a start-up tree holds only the path the command line names") {
    acctsec::cli::GlobalOptions globals;
    acctsec::cli::Dispatch dispatch;
    CLI::App app;
    const std::vector<std::string> line{"--device", "version", "--timeout=5s", "key", "-v", "pin", "set", "--pin-fd", "3"};
    acctsec::cli::build_app(app, globals, dispatch, &line);
    auto names = [](const CLI::App& parent) {
      std::vector<std::string> out;
      for (const auto* sub : parent.get_subcommands([](const CLI::App*) { return true; })) out.push_back(sub->get_name());
      return out;
    };
    REQUIRE(names(app) == std::vector<std::string>{"key"});
    auto* key = app.get_subcommand("key");
    REQUIRE(names(*key) == std::vector<std::string>{"pin"});
    CHECK(names(*key->get_subcommand("pin")) == std::vector<std::string>{"set"});
    CHECK(dispatch.only_path == std::vector<std::string>{"key", "pin", "set", "3"});
  }

  TEST_CASE("a global option's value that names a command is still read as the value") {
    // "list" is the device path here, not the verb: key info looks for that device and fails.
    auto r = run_cli({"--device", "list", "key", "info"});
    CHECK(r.status == 5);
    auto misplaced = run_cli({"key", "--device", "info", "list"});
    CHECK(misplaced.status == 0);  // key list, naming a device path "info" that is not a virtual key
  }

  TEST_CASE("with no key attached, key info fails with 5 and says how to select a virtual key") {
    auto r = run_cli({"key", "info"});
    CHECK(r.status == 5);
    CHECK(r.err.find("no security key found") != std::string::npos);
    CHECK(r.err.find("--device virtual:FILE") != std::string::npos);
  }

  TEST_CASE("with no key attached, key list prints nothing on stdout and exits 0") {
    auto r = run_cli({"key", "list"});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
    auto j = run_cli({"key", "list", "--json"});
    CHECK(j.status == 0);
    CHECK(nlohmann::json::parse(j.out) == nlohmann::json::parse(R"({"schema":"acctsec.key.list/1","devices":[]})"));
  }

  TEST_CASE("colour follows --color, NO_COLOR and the terminal") {
    FakeWorld tty;
    tty.terminal = true;
    auto colored = run_cli({"--color", "always", "frobnicate"}, tty);
    CHECK(colored.err.find("\x1b[") != std::string::npos);
    auto plain = run_cli({"--color", "never", "frobnicate"}, tty);
    CHECK(plain.err.find("\x1b[") == std::string::npos);
    // A parse error is reported before options settle, so check NO_COLOR on a later error.
    FakeWorld no_color = tty;
    no_color.env["NO_COLOR"] = "1";
    auto r = run_cli({"key", "info"}, no_color);
    CHECK(r.status == 5);
    CHECK(r.err.find("\x1b[") == std::string::npos);
    auto on_tty = run_cli({"key", "info"}, tty);
    CHECK(on_tty.err.find("\x1b[31m") != std::string::npos);
    auto piped = run_cli({"key", "info"});
    CHECK(piped.err.find("\x1b[") == std::string::npos);
  }
}

TEST_SUITE("cli::pin_sources") {
  TEST_CASE("a PIN file readable by others is refused with the chmod to run") {
    TempDir dir;
    acctsec::test::write_file(dir.file("pin"), "1234\n", 0644);
    auto r = run_cli({"key", "virtual", "create", dir.file("key.json"), "--pin-file", dir.file("pin")});
    CHECK(r.status == 2);
    CHECK(r.err.find("chmod 600 " + dir.file("pin")) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.file("key.json")));
  }

  TEST_CASE("a missing PIN file is a usage error") {
    TempDir dir;
    auto r = run_cli({"key", "virtual", "create", dir.file("key.json"), "--pin-file", dir.file("nope")});
    CHECK(r.status == 2);
    CHECK(r.err.find("cannot open") != std::string::npos);
  }

  TEST_CASE("--pin-fd with a descriptor that is not open is a usage error") {
    TempDir dir;
    auto r = run_cli({"key", "virtual", "create", dir.file("key.json"), "--pin-fd", "977"});
    CHECK(r.status == 2);
    CHECK(r.err.find("not open") != std::string::npos);
  }

  TEST_CASE("--pin-env reads ACCTSEC_PIN only when asked, and an empty one is refused") {
    TempDir dir;
    FakeWorld w;
    w.env["ACCTSEC_PIN"] = "";
    auto r = run_cli({"key", "virtual", "create", dir.file("key.json"), "--pin-env"}, w);
    CHECK(r.status == 2);
    CHECK(r.err.find("ACCTSEC_PIN is empty") != std::string::npos);
  }

  TEST_CASE("two PIN sources at once are a usage error") {
    TempDir dir;
    auto r = run_cli({"key", "virtual", "create", dir.file("k"), "--pin-env", "--pin-fd", "0"});
    CHECK(r.status == 2);
  }
}

TEST_SUITE("cli::exit_status") {
  TEST_CASE("every error category maps to the documented exit status") {
    using acctsec::ErrorCategory;
    using acctsec::cli::exit_status;
    CHECK(exit_status(ErrorCategory::rejected) == 1);
    CHECK(exit_status(ErrorCategory::usage) == 2);
    CHECK(exit_status(ErrorCategory::auth) == 3);
    CHECK(exit_status(ErrorCategory::not_found) == 4);
    CHECK(exit_status(ErrorCategory::device) == 5);
    CHECK(exit_status(ErrorCategory::network) == 6);
    CHECK(exit_status(ErrorCategory::timeout) == 7);
    CHECK(exit_status(ErrorCategory::internal) == 70);
    CHECK(exit_status(ErrorCategory::cancelled) == 130);
  }

  // Start-up cost (bench/startup.sh) rests on what the loader maps and in what order; a change to
  // the link line that undoes it shows here rather than only in a benchmark.
  TEST_CASE("start-up loads libcrypto and libc first, and none of the server's or C++ libraries") {
    auto r = run_binary({"version"}, {{"LD_TRACE_LOADED_OBJECTS", "1"}});
    REQUIRE(r.status == 0);
    std::vector<std::string> names;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      const auto start = line.find_first_not_of("\t ");
      if (start == std::string::npos) continue;
      const auto end = line.find_first_of(" (", start);
      names.push_back(line.substr(start, end - start));
    }
    const bool sanitized = std::any_of(names.begin(), names.end(), [](const std::string& n) {
      return n.starts_with("libasan") || n.starts_with("libubsan");
    });
    if (sanitized) return;  // the sanitizer runtime must come first there
    std::erase_if(names, [](const std::string& n) { return n.starts_with("linux-vdso"); });
    REQUIRE(names.size() >= 2);
    CHECK(names[0] == "libcrypto.so.3");
    CHECK(names[1] == "libc.so.6");
    for (const auto& n : names) {
      INFO(n);
      CHECK_FALSE(n.starts_with("libssl"));
      CHECK_FALSE(n.starts_with("libsqlite"));
      CHECK_FALSE(n.starts_with("libstdc++"));
      CHECK_FALSE(n.starts_with("libm.so"));
      CHECK_FALSE(n.starts_with("libcurl"));
    }
  }
}
