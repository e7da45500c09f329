// Global options from the config file: flag > environment > profile > file default.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/cli_harness.hpp"

using acctsec::test::FakeWorld;
using acctsec::test::run_cli;
using acctsec::test::TempDir;
using acctsec::test::write_file;

TEST_SUITE("cli::config") {
  TEST_CASE("the config file's device and profile pick the key, and --device still wins") {
    TempDir dir;
    REQUIRE(run_cli({"key", "virtual", "create", dir.file("a.json")}).status == 0);
    REQUIRE(run_cli({"key", "virtual", "create", dir.file("b.json")}).status == 0);
    write_file(dir.file("config.toml"), "device = \"virtual:" + dir.file("a.json") + "\"\n[profile.other]\ndevice = \"virtual:" +
                                            dir.file("b.json") + "\"\n");
    FakeWorld w;
    w.env["XDG_CONFIG_HOME"] = dir.path().string();
    std::filesystem::create_directories(dir.path() / "acctsec");
    std::filesystem::copy_file(dir.file("config.toml"), dir.path() / "acctsec" / "config.toml");
    auto path_of = [&](std::vector<std::string> args) {
      auto r = run_cli(args, w);
      INFO(r.err);
      REQUIRE(r.status == 0);
      return nlohmann::json::parse(r.out)["path"].get<std::string>();
    };
    CHECK(path_of({"--json", "key", "info"}) == "virtual:" + dir.file("a.json"));
    CHECK(path_of({"--json", "--profile", "other", "key", "info"}) == "virtual:" + dir.file("b.json"));
    CHECK(path_of({"--json", "--profile", "other", "--device", "virtual:" + dir.file("a.json"), "key", "info"}) ==
          "virtual:" + dir.file("a.json"));
    CHECK(path_of({"--json", "--config", dir.file("config.toml"), "key", "info"}) == "virtual:" + dir.file("a.json"));
  }

  TEST_CASE("a named config file that is missing or malformed is a usage error") {
    TempDir dir;
    CHECK(run_cli({"--config", dir.file("absent.toml"), "version"}).status == 2);
    write_file(dir.file("bad.toml"), "timeout = [\n");
    auto r = run_cli({"--config", dir.file("bad.toml"), "version"});
    CHECK(r.status == 2);
    CHECK(r.err.find("not valid TOML") != std::string::npos);
    write_file(dir.file("t.toml"), "timeout = \"forever\"\n");
    CHECK(run_cli({"--config", dir.file("t.toml"), "version"}).status == 2);
    CHECK(run_cli({"--config", dir.file("t.toml"), "--timeout", "5s", "version"}).status == 0);
  }
}
