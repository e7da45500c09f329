#include <doctest/doctest.h>

#include "core/config.hpp"
#include "support/temp_file.hpp"

using namespace acctsec;

TEST_SUITE("core::config") {
  TEST_CASE("top-level settings are defaults and a chosen profile overrides them, each with its origin") {
    test::TempFile f("device = \"virtual:a.json\"\ntimeout = \"10s\"\n[profile.ci]\ndevice = \"virtual:ci.json\"\n");
    auto c = config_load(f.path(), true, "ci");
    REQUIRE(c);
    CHECK(c->get("device") == "virtual:ci.json");
    CHECK(c->get("timeout") == "10s");
    CHECK(c->settings["device"].origin == f.path() + " [profile.ci]");
    CHECK(c->settings["timeout"].origin == f.path());
    auto plain = config_load(f.path(), true, "");
    REQUIRE(plain);
    CHECK(plain->get("device") == "virtual:a.json");
  }

  TEST_CASE("a missing default file is an empty config, a named missing file is an error") {
    auto c = config_load("/nonexistent/acctsec/config.toml", false, "");
    REQUIRE(c);
    CHECK(c->settings.empty());
    CHECK(config_load("/nonexistent/acctsec/config.toml", true, "").error().category == ErrorCategory::usage);
    CHECK_FALSE(config_load("/nonexistent/acctsec/config.toml", false, "ci"));
  }

  TEST_CASE("bad TOML, unknown settings, non-strings and missing profiles are usage errors") {
    test::TempFile bad("device = \n");
    auto e = config_load(bad.path(), true, "");
    REQUIRE_FALSE(e);
    CHECK(e.error().message.find(bad.path() + ":1:") != std::string::npos);
    test::TempFile unknown("colour = \"never\"\n");
    CHECK(config_load(unknown.path(), true, "").error().message.find("unknown setting 'colour'") != std::string::npos);
    test::TempFile number("timeout = 30\n");
    CHECK_FALSE(config_load(number.path(), true, ""));
    test::TempFile ok("device = \"x\"\n");
    CHECK(config_load(ok.path(), true, "nope").error().message.find("[profile.nope]") != std::string::npos);
  }

  TEST_CASE("the default path follows XDG_CONFIG_HOME, then HOME") {
    CHECK(config_default_path("/x", "/home/u") == "/x/acctsec/config.toml");
    CHECK(config_default_path(std::nullopt, "/home/u") == "/home/u/.config/acctsec/config.toml");
    CHECK(config_default_path(std::nullopt, std::nullopt).empty());
  }
}
