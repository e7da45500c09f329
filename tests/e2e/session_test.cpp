// login, whoami, logout and config show: the real binary against `acctsec serve --dev` over
// loopback TLS, logging in with a virtual key that the server enrolled.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_harness.hpp"
#include "support/staff_client.hpp"

using namespace acctsec::test;
using nlohmann::json;

namespace {

struct Backend {
  TempDir dir;
  std::unique_ptr<BinaryProcess> process;
  json ready;
  std::unique_ptr<ApiClient> api;
  StaffMember admin;
  std::string engineer_key;

  Backend() {
    const std::string data = dir.file("data");
    process = BinaryProcess::start({"--json", "serve", "--dev", "--seed-accounts", "10", "--data-dir", data, "--listen", "127.0.0.1:0"},
                                   {{"HOME", data}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    ready = json::parse(process->out());
    const std::string url = ready["url"];
    api = std::make_unique<ApiClient>(static_cast<unsigned>(std::stoul(url.substr(url.rfind(':') + 1))), ready["ca"]);
    admin = bootstrap_admin(*api, data, "root@example.com", dir.file("root-key.json"));
    engineer_key = dir.file("engineer-key.json");
    auto engineer = enroll_staff(*api, admin, "engineer@example.com", engineer_key);
    engineer.key.reset();  // the CLI opens this key file next; a key is used by one process at a time
  }

  // The environment of a user of this server: its URL and CA, a state folder of their own.
  std::map<std::string, std::string> env() const {
    return {{"HOME", dir.file("home")}, {"XDG_STATE_HOME", dir.file("state")}, {"ACCTSEC_SERVER", ready["url"]},
            {"ACCTSEC_CA_FILE", ready["ca"]}};
  }
  std::string session_path() const { return dir.file("state") + "/acctsec/session.json"; }
};

}  // namespace

TEST_SUITE("e2e::session") {
  TEST_CASE("login with a security key keeps a 0600 session that whoami uses and logout revokes on the server") {
    Backend b;
    const auto env = b.env();
    auto login = run_binary({"--device", "virtual:" + b.engineer_key, "login", "--user", "engineer@example.com"}, env);
    REQUIRE_MESSAGE(login.status == 0, login.err);
    CHECK(login.out.find("logged in to " + b.ready["url"].get<std::string>() + " as engineer@example.com until ") == 0);
    struct stat st {};
    REQUIRE(::stat(b.session_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::ifstream in(b.session_path());
    const json stored = json::parse(in);
    const std::string token = stored["token"];
    CHECK(stored["principal"] == "engineer@example.com");
    // The token appears nowhere but in the file: not in the output, not in the server's log.
    CHECK(login.out.find(token) == std::string::npos);
    CHECK(login.err.find(token) == std::string::npos);
    CHECK(b.process->err().find(token) == std::string::npos);

    auto whoami = run_binary({"--json", "whoami"}, env);
    REQUIRE_MESSAGE(whoami.status == 0, whoami.err);
    const json me = json::parse(whoami.out);
    CHECK(me["schema"] == "acctsec.whoami/1");
    CHECK(me["principal"] == "engineer@example.com");
    CHECK(me["roles"] == json::array({"engineer"}));
    CHECK(me["tokenKind"] == "session");
    CHECK(me["server"] == b.ready["url"]);

    auto config = run_binary({"--json", "config", "show"}, env);
    REQUIRE_MESSAGE(config.status == 0, config.err);
    const json settings = json::parse(config.out)["settings"];
    CHECK(settings["server"] == json{{"value", b.ready["url"]}, {"origin", "ACCTSEC_SERVER"}});
    CHECK(settings["ca_file"]["origin"] == "ACCTSEC_CA_FILE");
    CHECK(settings["token"] == json{{"value", "(set)"}, {"origin", b.session_path()}});
    CHECK(config.out.find(token) == std::string::npos);

    // A session file others could read is refused, not used.
    ::chmod(b.session_path().c_str(), 0644);
    auto exposed = run_binary({"whoami"}, env);
    CHECK(exposed.status == 3);
    CHECK(exposed.err.find("can be read or written by others") != std::string::npos);
    ::chmod(b.session_path().c_str(), 0600);

    auto logout = run_binary({"logout"}, env);
    REQUIRE_MESSAGE(logout.status == 0, logout.err);
    CHECK(logout.out == "logged out: the session token is revoked\n");
    CHECK_FALSE(std::filesystem::exists(b.session_path()));
    CHECK(b.api->call("GET", "/v1/auth/whoami", nullptr, token).status == 401);
    auto after = run_binary({"whoami"}, env);
    CHECK(after.status == 3);
    CHECK(after.err.find("not logged in to " + b.ready["url"].get<std::string>() + ": run acctsec login") != std::string::npos);
  }

  TEST_CASE("a token in ACCTSEC_TOKEN is used as it is, a revoked one is refused with exit 3") {
    Backend b;
    auto env = b.env();
    env["ACCTSEC_TOKEN"] = b.admin.token;
    auto whoami = run_binary({"--json", "whoami"}, env);
    REQUIRE_MESSAGE(whoami.status == 0, whoami.err);
    CHECK(json::parse(whoami.out)["principal"] == "root@example.com");
    auto logout = run_binary({"logout"}, env);
    REQUIRE_MESSAGE(logout.status == 0, logout.err);
    auto revoked = run_binary({"whoami"}, env);
    CHECK(revoked.status == 3);
    CHECK(revoked.err.find("acctsec: error: ") == 0);
  }

  TEST_CASE("login errors: no server, no user, an unknown user, a key the server does not know, a server with the wrong CA") {
    Backend b;
    auto env = b.env();
    auto no_user = run_binary({"--device", "virtual:" + b.engineer_key, "login"}, env);
    CHECK(no_user.status == 2);
    CHECK(no_user.err.find("--user NAME") != std::string::npos);

    auto unknown = run_binary({"--device", "virtual:" + b.engineer_key, "login", "--user", "nobody@example.com"}, env);
    CHECK(unknown.status == 4);
    CHECK(unknown.err.find("nobody@example.com") != std::string::npos);

    // A key of its own, never enrolled: it holds none of the credentials the server allows.
    const std::string stranger = b.dir.file("stranger.json");
    REQUIRE(run_binary({"key", "virtual", "create", stranger}).status == 0);
    auto unknown_key = run_binary({"--device", "virtual:" + stranger, "login", "--user", "engineer@example.com"}, env);
    CHECK(unknown_key.status == 4);
    CHECK(unknown_key.err.find("holds none of the credentials enrolled for engineer@example.com") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(b.session_path()));

    // The system store does not trust the dev CA: TLS fails, and the message says what to pass.
    auto untrusted_env = env;
    untrusted_env.erase("ACCTSEC_CA_FILE");
    auto untrusted = run_binary({"--device", "virtual:" + b.engineer_key, "login", "--user", "engineer@example.com"}, untrusted_env);
    CHECK(untrusted.status == 6);
    CHECK(untrusted.err.find("--ca-file") != std::string::npos);

    auto no_server = env;
    no_server.erase("ACCTSEC_SERVER");
    auto unset = run_binary({"--device", "virtual:" + b.engineer_key, "login", "--user", "engineer@example.com"}, no_server);
    CHECK(unset.status == 2);
    CHECK(unset.err.find("--server-url https://HOST:PORT") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(b.session_path()));
  }
  TEST_CASE("key enroll --server: the first admin from the bootstrap code, then a key for another principal, the server's policy and codes are enforced") {
    TempDir dir;
    const std::string data = dir.file("data");
    auto serve = BinaryProcess::start({"--json", "serve", "--dev", "--seed-accounts", "10", "--data-dir", data, "--listen", "127.0.0.1:0"},
                                      {{"HOME", data}});
    REQUIRE_MESSAGE(serve->wait_for_out("\"url\""), serve->err());
    const json ready = json::parse(serve->out());
    const std::map<std::string, std::string> env{{"HOME", dir.file("home")}, {"XDG_STATE_HOME", dir.file("state")},
                                                 {"ACCTSEC_SERVER", ready["url"]}, {"ACCTSEC_CA_FILE", ready["ca"]}};
    const std::string root_key = dir.file("root.json"), engineer_key = dir.file("engineer.json");
    REQUIRE(run_binary({"key", "virtual", "create", root_key}).status == 0);
    REQUIRE(run_binary({"key", "virtual", "create", engineer_key}).status == 0);

    auto wrong = run_binary({"key", "enroll", "--server", "--rp-id", "example.com", "--user", "root@example.com"}, env);
    CHECK(wrong.status == 2);
    CHECK(wrong.err.find("leave out --rp-id") != std::string::npos);
    auto no_login = run_binary({"--device", "virtual:" + engineer_key, "key", "enroll", "--server", "--user", "engineer@example.com"}, env);
    CHECK(no_login.status == 3);
    CHECK(no_login.err.find("run acctsec login") != std::string::npos);

    const std::string code_file = data + "/bootstrap-code";
    auto boot = run_binary({"--json", "--device", "virtual:" + root_key, "key", "enroll", "--server", "--user", "root@example.com",
                            "--bootstrap-code-file", code_file},
                           env);
    REQUIRE_MESSAGE(boot.status == 0, boot.err);
    const json enrolled = json::parse(boot.out);
    CHECK(enrolled["schema"] == "acctsec.key.enroll/1");
    CHECK(enrolled["user"] == "root@example.com");
    CHECK(enrolled["rpId"] == "localhost");
    CHECK(enrolled["enrolled"]["id"] == enrolled["credentialId"]);
    CHECK(enrolled["enrolled"]["principal"] == "root@example.com");
    REQUIRE(enrolled["file"].is_string());
    CHECK(std::filesystem::exists(enrolled["file"].get<std::string>()));
    // The code is used up; the server says so, and nothing is enrolled.
    auto again = run_binary({"--device", "virtual:" + engineer_key, "key", "enroll", "--server", "--user", "eve@example.com",
                             "--bootstrap-code-file", code_file},
                            env);
    CHECK(again.status != 0);
    CHECK(again.err.find("acctsec: error: ") == 0);

    REQUIRE(run_binary({"--device", "virtual:" + root_key, "login", "--user", "root@example.com"}, env).status == 0);
    auto engineer = run_binary({"--device", "virtual:" + engineer_key, "key", "enroll", "--server", "--user", "engineer@example.com"}, env);
    REQUIRE_MESSAGE(engineer.status == 0, engineer.err);
    CHECK(engineer.out.find("Enrolled: engineer@example.com at " + ready["url"].get<std::string>()) == 0);
    // The engineer logs in with the key just enrolled, in a profile of their own that names the user.
    std::filesystem::create_directories(dir.file("home") + "/.config/acctsec");
    { std::ofstream(dir.file("home") + "/.config/acctsec/config.toml") << "[profile.engineer]\nuser = \"engineer@example.com\"\n"; }
    auto as_engineer = env;
    as_engineer["ACCTSEC_PROFILE"] = "engineer";
    auto login = run_binary({"--device", "virtual:" + engineer_key, "login"}, as_engineer);
    REQUIRE_MESSAGE(login.status == 0, login.err);
    CHECK(std::filesystem::exists(dir.file("state") + "/acctsec/session-engineer.json"));
    auto who = run_binary({"--json", "whoami"}, as_engineer);
    REQUIRE(who.status == 0);
    CHECK(json::parse(who.out)["principal"] == "engineer@example.com");
  }

  TEST_CASE("key enroll --server under a policy that refuses virtual keys: exit 1, naming the rule, and no credential") {
    TempDir dir;
    const std::string data = dir.file("data");
    const std::string policy = dir.file("policy.toml");
    { std::ofstream(policy) << "[enrollment]\nallow_virtual_keys = false\n"; }
    auto serve = BinaryProcess::start(
        {"--json", "serve", "--dev", "--policy", policy, "--seed-accounts", "10", "--data-dir", data, "--listen", "127.0.0.1:0"}, {{"HOME", data}});
    REQUIRE_MESSAGE(serve->wait_for_out("\"url\""), serve->err());
    const json ready = json::parse(serve->out());
    const std::map<std::string, std::string> env{{"HOME", dir.file("home")}, {"XDG_STATE_HOME", dir.file("state")},
                                                 {"ACCTSEC_SERVER", ready["url"]}, {"ACCTSEC_CA_FILE", ready["ca"]}};
    const std::string key = dir.file("root.json");
    REQUIRE(run_binary({"key", "virtual", "create", key}).status == 0);
    auto refused = run_binary({"--device", "virtual:" + key, "key", "enroll", "--server", "--user", "root@example.com",
                               "--bootstrap-code-file", data + "/bootstrap-code"},
                              env);
    CHECK(refused.status == 1);
    CHECK(refused.err.find("virtual") != std::string::npos);
    CHECK(run_binary({"--device", "virtual:" + key, "login", "--user", "root@example.com"}, env).status != 0);
  }
}
