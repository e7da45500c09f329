// Every key command, in-process and through the real binary, against virtual keys; and every
// fault the issue names: no device, missing or corrupt state, wrong and blocked PINs, denied
// presence, touch timeout, malformed replies, Ctrl-C.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include "core/bytes.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "support/cli_harness.hpp"

using acctsec::test::FakeWorld;
using acctsec::test::read_file;
using acctsec::test::run_binary;
using acctsec::test::run_binary_interrupted;
using acctsec::test::run_cli;
using acctsec::test::TempDir;
using acctsec::test::write_file;
using nlohmann::json;

namespace {

// A temporary folder with a virtual key, a PIN file and helpers to run commands on that key.
struct Bench {
  TempDir dir;
  std::string key = dir.file("key.json");
  std::string device = "virtual:" + key;
  std::string pin_file = dir.file("pin");

  explicit Bench(bool with_pin = false, const std::string& attestation = "packed") {
    write_file(pin_file, "246810\n", 0600);
    std::vector<std::string> args = {"key", "virtual", "create", key, "--attestation", attestation};
    if (with_pin) args.insert(args.end(), {"--pin-file", pin_file});
    auto r = run_cli(args);
    REQUIRE_MESSAGE(r.status == 0, r.err);
  }

  acctsec::test::CliRun run(std::vector<std::string> args, const FakeWorld& world = {}) const {
    args.insert(args.begin(), {"--device", device});
    return run_cli(args, world);
  }

  std::string enroll(const std::string& name, std::vector<std::string> extra = {}) const {
    const std::string out = dir.file(name + ".json");
    std::vector<std::string> args = {"key", "enroll", "--rp-id", "example.com", "--user", name, "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    return out;
  }

  json state() const { return json::parse(read_file(key)); }
};

json parse_out(const acctsec::test::CliRun& r) {
  INFO(r.err);
  return json::parse(r.out);
}

}  // namespace

TEST_SUITE("device::key_virtual_create") {
  TEST_CASE("creates a state file that only its owner can read, and refuses to overwrite it") {
    Bench b;
    struct stat st {};
    REQUIRE(::stat(b.key.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string before = read_file(b.key);
    auto again = run_cli({"key", "virtual", "create", b.key});
    CHECK(again.status == 2);
    CHECK(read_file(b.key) == before);
  }

  TEST_CASE("--json reports the AAGUID, attestation mode and the attestation CA") {
    TempDir dir;
    auto r = run_cli({"--json", "key", "virtual", "create", dir.file("k"), "--aaguid", "0123abcd-4567-89ab-cdef-0123456789ab",
                      "--attestation", "self"});
    REQUIRE(r.status == 0);
    auto doc = parse_out(r);
    CHECK(doc["schema"] == "acctsec.key.virtual/1");
    CHECK(doc["aaguid"] == "0123abcd-4567-89ab-cdef-0123456789ab");
    CHECK(doc["attestation"] == "self");
    CHECK(doc["virtual"] == true);
    CHECK(doc["attestationCa"].get<std::string>().starts_with("-----BEGIN CERTIFICATE-----"));
  }

  TEST_CASE("a malformed AAGUID or attestation mode is a usage error and creates nothing") {
    TempDir dir;
    CHECK(run_cli({"key", "virtual", "create", dir.file("k"), "--aaguid", "xyz"}).status == 2);
    CHECK(run_cli({"key", "virtual", "create", dir.file("k"), "--attestation", "tpm"}).status == 2);
    CHECK_FALSE(std::filesystem::exists(dir.file("k")));
  }
}

TEST_SUITE("device::key_list_info") {
  TEST_CASE("key list always says a virtual key is virtual: table on a terminal, TSV when piped, JSON") {
    Bench b;
    FakeWorld tty;
    tty.terminal = true;
    auto table = b.run({"key", "list", "--color", "never"}, tty);
    REQUIRE(table.status == 0);
    CHECK(table.out.find("PATH") != std::string::npos);
    CHECK(table.out.find(b.device) != std::string::npos);
    CHECK(table.out.find("virtual") != std::string::npos);
    auto piped = b.run({"key", "list"});
    CHECK(piped.out.find(b.device + "\tvirtual\t") == 0);
    auto doc = parse_out(b.run({"key", "list", "--json"}));
    REQUIRE(doc["devices"].size() == 1);
    CHECK(doc["devices"][0]["path"] == b.device);
    CHECK(doc["devices"][0]["virtual"] == true);
    CHECK(doc["devices"][0]["type"] == "virtual");
  }

  TEST_CASE("key info reports what the virtual key supports and that it is virtual") {
    Bench b(true);
    auto text = b.run({"key", "info"});
    REQUIRE(text.status == 0);
    CHECK(text.out.find("VIRTUAL") != std::string::npos);
    auto doc = parse_out(b.run({"key", "info", "--json"}));
    CHECK(doc["schema"] == "acctsec.key.info/1");
    CHECK(doc["virtual"] == true);
    CHECK(doc["aaguid"].get<std::string>().size() == 36);
    CHECK(std::find(doc["versions"].begin(), doc["versions"].end(), "FIDO_2_1") != doc["versions"].end());
    std::vector<std::string> names;
    for (const auto& a : doc["algorithms"]) names.push_back(a["name"]);
    CHECK(std::find(names.begin(), names.end(), "ES256") != names.end());
    CHECK(std::find(names.begin(), names.end(), "EdDSA") != names.end());
    CHECK(doc["pin"]["set"] == true);
    CHECK(doc["pin"]["retries"] == 8);
    CHECK(doc["credentialManagement"] == true);
    CHECK(doc["remainingDiscoverableCredentials"].is_number());
  }

  TEST_CASE("a missing virtual key file is a device error (5) that says how to make one") {
    TempDir dir;
    auto r = run_cli({"--device", "virtual:" + dir.file("absent"), "key", "info"});
    CHECK(r.status == 5);
    CHECK(r.err.find("acctsec key virtual create") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.file("absent")));
  }

  TEST_CASE("a corrupt virtual key file is a device error (5) and the file is left untouched") {
    TempDir dir;
    for (const std::string content : {"{not json", "{\"schema\":\"something-else/1\"}", "", "[]"}) {
      write_file(dir.file("bad"), content);
      for (const auto& verb : std::vector<std::vector<std::string>>{{"key", "info"}, {"key", "list"}, {"key", "enroll", "--rp-id", "x.example", "--user", "u"}}) {
        std::vector<std::string> args = {"--device", "virtual:" + dir.file("bad")};
        args.insert(args.end(), verb.begin(), verb.end());
        auto r = run_cli(args);
        CHECK(r.status == 5);
        CHECK(read_file(dir.file("bad")) == content);
      }
    }
  }
}

TEST_SUITE("device::key_enroll_test") {
  TEST_CASE("enroll writes an acctsec.enrollment/1 record with a WebAuthn registration response") {
    Bench b;
    const auto path = b.enroll("alice", {"--display-name", "Alice Example"});
    auto rec = json::parse(read_file(path));
    CHECK(rec["schema"] == "acctsec.enrollment/1");
    CHECK(rec["rpId"] == "example.com");
    CHECK(rec["origin"] == "https://example.com");
    CHECK(acctsec::base64url_decode(rec["challenge"].get<std::string>())->size() == 32);
    CHECK(rec["user"]["name"] == "alice");
    CHECK(rec["user"]["displayName"] == "Alice Example");
    CHECK(rec["device"]["type"] == "virtual");
    const auto& resp = rec["response"];
    CHECK(resp["type"] == "public-key");
    CHECK(resp["id"] == resp["rawId"]);
    CHECK(resp["response"]["attestationObject"].is_string());
    auto cdj = acctsec::base64url_decode(resp["response"]["clientDataJSON"].get<std::string>());
    REQUIRE(cdj);
    auto cd = json::parse(acctsec::as_chars(*cdj));
    CHECK(cd["type"] == "webauthn.create");
    CHECK(cd["challenge"] == rec["challenge"]);
    CHECK(cd["origin"] == "https://example.com");
  }

  TEST_CASE("two enrollments get different challenges") {
    Bench b;
    auto a = json::parse(read_file(b.enroll("a")));
    auto c = json::parse(read_file(b.enroll("c")));
    CHECK(a["challenge"] != c["challenge"]);
  }

  TEST_CASE("key test verifies an assertion against the record and exits 0") {
    Bench b;
    const auto path = b.enroll("alice");
    auto r = b.run({"key", "test", "--enrollment", path, "--json"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto doc = parse_out(r);
    CHECK(doc["schema"] == "acctsec.key.test/1");
    CHECK(doc["verified"] == true);
    CHECK(doc["userPresent"] == true);
    CHECK(doc["reasons"].empty());
    CHECK(doc["signCount"].get<std::uint32_t>() > doc["previousSignCount"].get<std::uint32_t>());
    auto text = b.run({"key", "test", "--enrollment", path});
    CHECK(text.status == 0);
    CHECK(text.out.find("verified") != std::string::npos);
  }

  TEST_CASE("EdDSA, discoverable and attestation none and self all enroll and test") {
    for (const std::string mode : {"packed", "self", "none"}) {
      Bench b(false, mode);
      for (const auto& extra : std::vector<std::vector<std::string>>{{"--alg", "eddsa"}, {"--discoverable"}, {"--attestation", "none"}}) {
        const auto path = b.enroll("u" + std::to_string(std::rand()), extra);
        auto r = b.run({"key", "test", "--enrollment", path});
        CHECK_MESSAGE(r.status == 0, mode, " ", extra[0], " ", r.err);
      }
    }
  }

  TEST_CASE("a record whose sign counter is ahead of the key's is rejected as a possible clone (1)") {
    Bench b;
    const auto path = b.enroll("alice");
    auto rec = json::parse(read_file(path));
    // Raise the enrolled counter inside both copies of authData; lengths stay the same.
    auto patch = [](std::string b64, const acctsec::Bytes& auth_data) {
      auto bytes = *acctsec::base64url_decode(b64);
      auto at = std::search(bytes.begin(), bytes.end(), auth_data.begin(), auth_data.end());
      REQUIRE(at != bytes.end());
      for (int i = 33; i < 37; ++i) at[i] = 0xff;
      return acctsec::base64url_encode(bytes);
    };
    auto& r = rec["response"]["response"];
    const auto auth_data = *acctsec::base64url_decode(r["authenticatorData"].get<std::string>());
    r["attestationObject"] = patch(r["attestationObject"], auth_data);
    r["authenticatorData"] = patch(r["authenticatorData"], auth_data);
    write_file(path, rec.dump());
    auto t = b.run({"key", "test", "--enrollment", path, "--json"});
    CHECK(t.status == 1);
    auto doc = parse_out(t);
    CHECK(doc["verified"] == false);
    CHECK(doc["possibleClone"] == true);
    CHECK_FALSE(doc["reasons"].empty());
  }

  TEST_CASE("a record for a credential another key holds: not found (4)") {
    Bench a, b;
    const auto path = a.enroll("alice");
    auto r = b.run({"key", "test", "--enrollment", path});
    CHECK(r.status == 4);
  }

  TEST_CASE("a malformed record is a usage error naming the file") {
    Bench b;
    write_file(b.dir.file("junk.json"), "{\"schema\":\"acctsec.enrollment/1\"}");
    auto r = b.run({"key", "test", "--enrollment", b.dir.file("junk.json")});
    CHECK(r.status == 2);
    CHECK(r.err.find(b.dir.file("junk.json")) != std::string::npos);
    CHECK(b.run({"key", "test", "--enrollment", b.dir.file("none.json")}).status == 4);
  }

  TEST_CASE("the exclude list refuses to enroll a key twice (1)") {
    Bench b;
    const auto first = b.enroll("alice");
    auto r = b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice", "--exclude", first});
    CHECK(r.status == 1);
    CHECK(r.err.find("already") != std::string::npos);
    auto id = json::parse(read_file(first))["response"]["id"].get<std::string>();
    CHECK(b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice", "--exclude-id", id}).status == 1);
  }

  TEST_CASE("enroll without --out prints the record on stdout") {
    Bench b;
    auto r = b.run({"key", "enroll", "--rp-id", "example.com", "--user", "bob"});
    REQUIRE(r.status == 0);
    CHECK(parse_out(r)["schema"] == "acctsec.enrollment/1");
  }

  TEST_CASE("the relying party comes from --rp-id, else ACCTSEC_RP_ID, else the config's rp_id, else it is a usage error") {
    Bench b;
    const std::string config = b.dir.file("config.toml");
    write_file(config, "rp_id = \"config.example\"\n[profile.other]\nrp_id = \"profile.example\"\n", 0600);
    const auto rp_of = [&](std::vector<std::string> args, const FakeWorld& world = {}) {
      auto r = b.run(args, world);
      REQUIRE_MESSAGE(r.status == 0, r.err);
      return parse_out(r)["rpId"].get<std::string>();
    };
    CHECK(rp_of({"--config", config, "key", "enroll", "--user", "a"}) == "config.example");
    CHECK(rp_of({"--config", config, "--profile", "other", "key", "enroll", "--user", "a"}) == "profile.example");
    FakeWorld with_env;
    with_env.env = {{"ACCTSEC_RP_ID", "env.example"}};
    CHECK(rp_of({"--config", config, "key", "enroll", "--user", "a"}, with_env) == "env.example");
    CHECK(rp_of({"--config", config, "key", "enroll", "--user", "a", "--rp-id", "flag.example"}, with_env) == "flag.example");
    auto none = b.run({"key", "enroll", "--user", "a"});
    CHECK(none.status == 2);
    CHECK(none.err.find("needs --rp-id (or ACCTSEC_RP_ID, or rp_id in the config file") != std::string::npos);
    auto shown = run_cli({"--json", "--config", config, "config", "show"});
    REQUIRE(shown.status == 0);
    CHECK(parse_out(shown)["settings"]["rp_id"] == json{{"value", "config.example"}, {"origin", config}});
  }
}

TEST_SUITE("device::key_pin") {
  TEST_CASE("enroll and test with a PIN: UV is proved, and without a PIN and terminal it fails with 5") {
    Bench b(true);
    auto no_pin = b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice"});
    CHECK(no_pin.status == 5);
    CHECK(no_pin.err.find("--pin-file") != std::string::npos);
    const auto path = b.enroll("alice", {"--pin-file", b.pin_file, "--uv", "required"});
    auto t = b.run({"key", "test", "--enrollment", path, "--require-uv", "--pin-file", b.pin_file, "--json"});
    REQUIRE_MESSAGE(t.status == 0, t.err);
    CHECK(parse_out(t)["userVerified"] == true);
  }

  TEST_CASE("the PIN is prompted for on a terminal") {
    Bench b(true);
    FakeWorld tty;
    tty.terminal = true;
    tty.answers = {"246810"};
    std::vector<std::string> prompts;
    tty.prompts_seen = &prompts;
    auto r = b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice", "--out", b.dir.file("a.json")}, tty);
    CHECK_MESSAGE(r.status == 0, r.err);
    REQUIRE(prompts.size() == 1);
    CHECK(prompts[0].find("PIN") != std::string::npos);
  }

  TEST_CASE("pin set, then change, a wrong PIN says how many attempts are left (3)") {
    Bench b;
    write_file(b.dir.file("new"), "13579\n");
    auto set = b.run({"key", "pin", "set", "--new-pin-file", b.dir.file("new")});
    REQUIRE_MESSAGE(set.status == 0, set.err);
    CHECK(parse_out(b.run({"key", "info", "--json"}))["pin"]["set"] == true);
    CHECK(b.run({"key", "pin", "set", "--new-pin-file", b.dir.file("new")}).status == 2);  // already set

    write_file(b.dir.file("wrong"), "000000\n");
    auto wrong = b.run({"key", "pin", "change", "--pin-file", b.dir.file("wrong"), "--new-pin-file", b.pin_file});
    CHECK(wrong.status == 3);
    CHECK(wrong.err.find("7 attempts left") != std::string::npos);
    auto change = b.run({"key", "pin", "change", "--pin-file", b.dir.file("new"), "--new-pin-file", b.pin_file});
    CHECK_MESSAGE(change.status == 0, change.err);
    CHECK(parse_out(b.run({"key", "info", "--json"}))["pin"]["retries"] == 8);
  }

  TEST_CASE("a PIN that is too short is refused before it reaches the key") {
    Bench b;
    write_file(b.dir.file("short"), "12\n");
    auto r = b.run({"key", "pin", "set", "--new-pin-file", b.dir.file("short")});
    CHECK(r.status == 2);
    CHECK(r.err.find("at least 4") != std::string::npos);
  }

  TEST_CASE("new PINs typed at a prompt must match") {
    Bench b;
    FakeWorld tty;
    tty.terminal = true;
    tty.answers = {"123456", "654321"};
    auto r = b.run({"key", "pin", "set"}, tty);
    CHECK(r.status == 2);
    CHECK(r.err.find("differ") != std::string::npos);
    CHECK(parse_out(b.run({"key", "info", "--json"}))["pin"]["set"] == false);
  }

  TEST_CASE("eight wrong PINs block it (5) and the message says to reset") {
    Bench b(true);
    write_file(b.dir.file("wrong"), "000000\n");
    acctsec::test::CliRun last;
    for (int i = 0; i < 8; ++i)
      last = b.run({"key", "credentials", "list", "--pin-file", b.dir.file("wrong")});
    CHECK(last.status == 5);
    auto blocked = b.run({"key", "credentials", "list", "--pin-file", b.pin_file});
    CHECK(blocked.status == 5);
    CHECK(blocked.err.find("acctsec key reset") != std::string::npos);
  }
}

TEST_SUITE("device::key_credentials_reset") {
  TEST_CASE("credentials list shows discoverable credentials and delete removes one") {
    Bench b(true);
    b.enroll("alice", {"--discoverable", "--pin-file", b.pin_file});
    b.enroll("bob", {"--discoverable", "--pin-file", b.pin_file});
    auto doc = parse_out(b.run({"key", "credentials", "list", "--json", "--pin-file", b.pin_file}));
    REQUIRE(doc["credentials"].size() == 2);
    CHECK(doc["existing"] == 2);
    const std::string id = doc["credentials"][0]["credentialId"];
    // "--" ends the options: a base64url id may begin with "-" (one in 32 do).
    CHECK(b.run({"key", "credentials", "delete", "--pin-file", b.pin_file, "--", id}).status == 2);  // no --yes, no terminal
    auto del = b.run({"key", "credentials", "delete", "--yes", "--pin-file", b.pin_file, "--", id});
    CHECK_MESSAGE(del.status == 0, del.err);
    auto after = parse_out(b.run({"key", "credentials", "list", "--json", "--pin-file", b.pin_file}));
    CHECK(after["credentials"].size() == 1);
    CHECK(after["credentials"][0]["credentialId"] != id);
    auto filtered = parse_out(b.run({"key", "credentials", "list", "--json", "--rp-id", "other.example", "--pin-file", b.pin_file}));
    CHECK(filtered["credentials"].empty());
  }

  TEST_CASE("credential management on a key without a PIN says to set one, before asking for a PIN") {
    Bench b;
    FakeWorld tty;
    tty.terminal = true;
    std::vector<std::string> prompts;
    tty.prompts_seen = &prompts;
    auto r = b.run({"key", "credentials", "list"}, tty);
    CHECK(r.status == 5);
    CHECK(r.err.find("acctsec key pin set") != std::string::npos);
    CHECK(prompts.empty());
  }

  TEST_CASE("deleting an id the key does not hold: not found (4)") {
    Bench b(true);
    auto r = b.run({"key", "credentials", "delete", "AAAAAAAAAAAAAAAAAAAAAA", "--yes", "--pin-file", b.pin_file});
    CHECK(r.status == 4);
    CHECK(r.err.find("no discoverable credential with that id") != std::string::npos);
  }

  TEST_CASE("reset asks for the typed word, refuses without a terminal, and erases everything") {
    Bench b(true);
    const auto path = b.enroll("alice", {"--discoverable", "--pin-file", b.pin_file});
    CHECK(b.run({"key", "reset"}).status == 2);
    FakeWorld tty;
    tty.terminal = true;
    tty.answers = {"yes"};
    auto declined = b.run({"key", "reset"}, tty);
    CHECK(declined.status == 1);
    CHECK(declined.err.find("1 discoverable") != std::string::npos);
    CHECK(parse_out(b.run({"key", "info", "--json"}))["pin"]["set"] == true);
    tty.answers = {"reset"};
    auto reset = b.run({"key", "reset"}, tty);
    CHECK_MESSAGE(reset.status == 0, reset.err);
    CHECK(parse_out(b.run({"key", "info", "--json"}))["pin"]["set"] == false);
    CHECK(b.run({"key", "test", "--enrollment", path}).status == 4);  // the credential is gone
  }
}

TEST_SUITE("device::faults") {
  TEST_CASE("denied user presence: 5") {
    Bench b;
    FakeWorld w;
    w.env["ACCTSEC_VIRTUAL_FAULT"] = "up-denied";
    auto r = b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice"}, w);
    CHECK(r.status == 5);
    CHECK(r.err.find("presence") != std::string::npos);
  }

  TEST_CASE("no touch before the deadline: 7") {
    Bench b;
    FakeWorld w;
    w.env["ACCTSEC_VIRTUAL_FAULT"] = "touch-timeout";
    auto r = b.run({"--timeout", "300ms", "key", "enroll", "--rp-id", "example.com", "--user", "alice"}, w);
    CHECK(r.status == 7);
    CHECK(r.err.find("--timeout") != std::string::npos);
  }

  TEST_CASE("a malformed reply: 5, and the key still works afterwards") {
    Bench b;
    FakeWorld w;
    w.env["ACCTSEC_VIRTUAL_FAULT"] = "malformed-reply";
    auto r = b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice"}, w);
    CHECK(r.status == 5);
    CHECK(b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice"}).status == 0);
  }

  TEST_CASE("Ctrl-C while waiting for a touch: 130, and the key was sent CTAPHID_CANCEL") {
    Bench b;
    const auto before = acctsec::fido::virtual_describe(b.key);
    REQUIRE(before);
    auto r = run_binary_interrupted({"-v", "--device", b.device, "--timeout", "60s", "key", "enroll", "--rp-id", "example.com", "--user", "alice"},
                                    {{"ACCTSEC_VIRTUAL_FAULT", "touch-timeout"}}, "Waiting for " + b.device);
    CHECK(r.status == 130);
    CHECK(r.err.find("interrupted") != std::string::npos);
    const auto after = acctsec::fido::virtual_describe(b.key);
    REQUIRE(after);
    CHECK(after->cancels_received > before->cancels_received);
    CHECK(b.run({"key", "enroll", "--rp-id", "example.com", "--user", "alice"}).status == 0);  // still usable
  }

  TEST_CASE("the real binary reads a PIN from a descriptor and never echoes it") {
    Bench b(true);
    auto r = run_binary({"--device", b.device, "key", "enroll", "--rp-id", "example.com", "--user", "alice", "--pin-fd", "0", "--json",
                         "--out", b.dir.file("a.json")},
                        {}, "246810\n");
    CHECK_MESSAGE(r.status == 0, r.err);
    CHECK(r.out.find("246810") == std::string::npos);
    CHECK(r.err.find("246810") == std::string::npos);
    auto debug = run_binary({"--debug", "--device", b.device, "key", "test", "--enrollment", b.dir.file("a.json"), "--pin-fd", "0"}, {},
                            "246810\n");
    CHECK_MESSAGE(debug.status == 0, debug.err);
    CHECK(debug.err.find("acctsec: debug:") != std::string::npos);
    CHECK(debug.err.find("246810") == std::string::npos);
  }
}
