#include "fido/virtual/state.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "fido/virtual/key_wrap.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::fido;
using ScratchDir = acctsec::test::ScratchDir;
using acctsec::test::slurp;
using acctsec::test::spill;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A changed copy of a created key's state, with one discoverable credential.
soft::VirtualState sample_state(const std::string& file) {
  auto state = soft::state_load(file);
  REQUIRE(state.has_value());
  state->sign_count = 41;
  state->cancels_received = 3;
  state->pin_hash = Bytes(16, 0x11);
  state->pin_retries = 5;
  state->pin_protocols = {1};
  soft::StoredCredential c;
  c.id = Bytes(32, 0x22);
  c.rp_id = "example.com";
  c.rp_name = "Example";
  c.user_id = Bytes{1, 2, 3};
  c.user_name = "alice";
  c.user_display_name = "Alice";
  c.alg = soft::CoseAlg::eddsa;
  c.public_key = Bytes{0xa4, 0x01, 0x01};
  c.private_key = Bytes(soft::k_wrapped_key_size, 0x33);
  c.created = 7;
  state->credentials.push_back(c);
  state->next_created = 8;
  return std::move(*state);
}

}  // namespace

TEST_SUITE("fido::virtual::state") {
  TEST_CASE("virtual_create writes a 0600 file with the schema, the AAGUID and the attestation mode") {
    ScratchDir dir;
    const std::string file = dir.file("key.json");
    VirtualCreateOptions options;
    options.attestation = VirtualAttestation::self;
    const auto created = virtual_create(file, options);
    REQUIRE(created.has_value());
    CHECK(mode_of(file) == 0600);
    CHECK(created->aaguid == k_virtual_aaguid);
    CHECK(created->attestation == VirtualAttestation::self);
    CHECK_FALSE(created->pin_set);
    CHECK(created->pin_retries == 8);
    CHECK(created->sign_count == 0);
    CHECK(created->attestation_ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    CHECK(slurp(file).find("\"schema\": \"acctsec.virtual-key/1\"") != std::string::npos);
  }

  TEST_CASE("virtual_create keeps 0600 whatever the umask says") {
    ScratchDir dir;
    const std::string file = dir.file("key.json");
    const mode_t old = ::umask(0);
    const auto created = virtual_create(file, {});
    ::umask(old);
    REQUIRE(created.has_value());
    CHECK(mode_of(file) == 0600);
  }

  TEST_CASE("virtual_create refuses to overwrite an existing file and leaves it alone") {
    ScratchDir dir;
    const std::string file = dir.file("key.json");
    spill(file, "precious", 0644);
    const auto created = virtual_create(file, {});
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().category == ErrorCategory::usage);
    CHECK(created.error().message.find("already exists") != std::string::npos);
    CHECK(slurp(file) == "precious");
    CHECK(mode_of(file) == 0644);
  }

  TEST_CASE("virtual_create refuses bad options as usage errors") {
    ScratchDir dir;
    VirtualCreateOptions short_aaguid;
    short_aaguid.aaguid = Bytes(15, 0);
    CHECK(virtual_create(dir.file("a.json"), short_aaguid).error().category == ErrorCategory::usage);
    const Secret short_pin("123");
    VirtualCreateOptions pin_options;
    pin_options.pin = &short_pin;
    CHECK(virtual_create(dir.file("b.json"), pin_options).error().category == ErrorCategory::usage);
    const Secret long_pin(std::string(64, '7'));
    pin_options.pin = &long_pin;
    CHECK(virtual_create(dir.file("c.json"), pin_options).error().category == ErrorCategory::usage);
    VirtualCreateOptions protocols;
    protocols.pin_protocols = {3};
    CHECK(virtual_create(dir.file("d.json"), protocols).error().category == ErrorCategory::usage);
    CHECK(virtual_create(dir.file("missing/e.json"), {}).error().category == ErrorCategory::usage);
    CHECK_FALSE(std::filesystem::exists(dir.file("a.json")));
  }

  TEST_CASE("a PIN given at creation is set with full retries") {
    ScratchDir dir;
    const Secret pin("4826");
    VirtualCreateOptions options;
    options.pin = &pin;
    const auto created = virtual_create(dir.file("key.json"), options);
    REQUIRE(created.has_value());
    CHECK(created->pin_set);
    CHECK(slurp(dir.file("key.json")).find("4826") == std::string::npos);
  }

  TEST_CASE("state survives a save and load round trip unchanged") {
    ScratchDir dir;
    const std::string file = dir.file("key.json");
    REQUIRE(virtual_create(file, {}).has_value());
    const soft::VirtualState state = sample_state(file);
    REQUIRE(soft::state_save(file, state).has_value());
    CHECK(mode_of(file) == 0600);
    const auto loaded = soft::state_load(file);
    REQUIRE(loaded.has_value());
    CHECK(soft::state_serialize(*loaded) == soft::state_serialize(state));
    CHECK(loaded->sign_count == 41);
    CHECK(loaded->pin_protocols == std::vector<std::uint8_t>{1});
    REQUIRE(loaded->credentials.size() == 1);
    CHECK(loaded->credentials[0].user_name == "alice");
    CHECK(loaded->credentials[0].alg == soft::CoseAlg::eddsa);

    const auto described = virtual_describe(file);
    REQUIRE(described.has_value());
    CHECK(described->discoverable_credentials == 1);
    CHECK(described->cancels_received == 3);
    CHECK(described->pin_set);
    CHECK(described->pin_retries == 5);
  }

  TEST_CASE("a missing file is not_found and the message says how to create one") {
    ScratchDir dir;
    const std::string file = dir.file("absent.json");
    for (const auto& error : {soft::state_load(file).error(), virtual_describe(file).error()}) {
      CHECK(error.category == ErrorCategory::not_found);
      CHECK(error.message.find("acctsec key virtual create " + file) != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(file));
  }

  TEST_CASE("corrupt or foreign files are device errors and stay byte-identical") {
    ScratchDir dir;
    const std::string file = dir.file("key.json");
    REQUIRE(virtual_create(file, {}).has_value());
    const std::string good = slurp(file);
    std::string wrong_schema = good;
    wrong_schema.replace(wrong_schema.find("acctsec.virtual-key/1"), 21, "acctsec.virtual-key/9");
    std::string bad_master = good;
    const auto at = bad_master.find("\"master_key\": \"") + 15;
    bad_master.replace(at, 4, "!!!!");
    const std::vector<std::string> broken = {
        "",
        "not json at all",
        good.substr(0, good.size() / 2),
        "[]",
        "{\"schema\": \"acctsec.virtual-key/1\"}",
        wrong_schema,
        bad_master,
        "\x89PNG\r\n\x1a\n",
    };
    for (const auto& content : broken) {
      CAPTURE(content.substr(0, 40));
      spill(file, content, 0600);
      const auto described = virtual_describe(file);
      REQUIRE_FALSE(described.has_value());
      CHECK(described.error().category == ErrorCategory::device);
      CHECK(described.error().message.find("left untouched") != std::string::npos);
      CHECK(described.error().message.find("acctsec key virtual create") != std::string::npos);
      CHECK(slurp(file) == content);
    }
  }

  TEST_CASE("the device path helpers split virtual:FILE") {
    CHECK(is_virtual_path("virtual:/tmp/key.json"));
    CHECK_FALSE(is_virtual_path("/dev/hidraw0"));
    CHECK(virtual_file("virtual:/tmp/key.json") == "/tmp/key.json");
    CHECK(virtual_attestation_parse("self") == VirtualAttestation::self);
    CHECK_FALSE(virtual_attestation_parse("full").has_value());
    for (const auto mode : {VirtualAttestation::packed, VirtualAttestation::self, VirtualAttestation::none})
      CHECK(virtual_attestation_parse(virtual_attestation_name(mode)) == mode);
  }
}
