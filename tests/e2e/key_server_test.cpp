// The key verbs against the backend — key list --server, key test --server, key remove, key
// verify-enrollment — and doctor: the real binary against `acctsec serve --dev`.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "support/dev_org.hpp"

using namespace acctsec::test;
using nlohmann::json;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string policy_file(const DevOrg& org, const std::string& name, const std::string& body) {
  const std::string path = org.dir.file(name);
  write_file(path, "[enrollment]\n" + body, 0644);
  return path;
}

json audit_actions(const DevOrg& org, const std::string& action) {
  auto listed = org.api->call("GET", "/v1/audit?limit=500", nullptr, org.admin.token);
  REQUIRE(listed.status == 200);
  json found = json::array();
  for (const auto& e : listed.body["items"])
    if (e["action"] == action) found.push_back(e);
  return found;
}

}  // namespace

TEST_SUITE("e2e::key_server") {
  TEST_CASE("key list --server shows a user's keys, key test --server proves the key in hand, a stranger key is a no") {
    DevOrg org({"engineer", "helpdesk"});
    auto listed = org.run("engineer", {"--json", "key", "list", "--server"});
    REQUIRE_MESSAGE(listed.status == 0, listed.err);
    const json list = json::parse(listed.out);
    CHECK(list["schema"] == "acctsec.key.list-server/1");
    CHECK(list["user"] == "engineer@example.com");
    REQUIRE(list["credentials"].size() == 1);
    const json key = list["credentials"][0];
    CHECK(key["virtualKey"] == true);
    CHECK(key["lastUsedAt"].is_string());  // the login used it
    const std::string id = key["id"];
    const int counter = key["counter"];

    auto table = org.run("engineer", {"key", "list", "--server"});
    REQUIRE_MESSAGE(table.status == 0, table.err);
    CHECK(table.out.find(id) != std::string::npos);
    CHECK(table.out.find("packed") != std::string::npos);

    auto tested = org.run("engineer", {"--json", "key", "test", "--server"});
    REQUIRE_MESSAGE(tested.status == 0, tested.err);
    const json verdict = json::parse(tested.out);
    CHECK(verdict["schema"] == "acctsec.key.test-server/1");
    CHECK(verdict["verified"] == true);
    CHECK(verdict["credentialId"] == id);
    CHECK(verdict["counter"].get<int>() > counter);
    CHECK(verdict["reasons"].empty());
    // The server recorded the use: the counter it holds moved, and the audit log has the test.
    auto after = json::parse(org.run("engineer", {"--json", "key", "list", "--server"}).out);
    CHECK(after["credentials"][0]["counter"] == verdict["counter"]);
    CHECK(audit_actions(org, "credential.tested").size() == 1);

    // A key the server never enrolled holds none of the user's credentials: the answer is no.
    const std::string stranger = org.dir.file("stranger.json");
    REQUIRE(run_binary({"key", "virtual", "create", stranger}).status == 0);
    auto env = org.env("engineer");
    auto rejected = run_binary({"--device", "virtual:" + stranger, "key", "test", "--server"}, env);
    CHECK(rejected.status == 1);
    CHECK(rejected.out.find("REJECTED") != std::string::npos);
    CHECK(rejected.out.find("holds none of the credentials enrolled for engineer@example.com") != std::string::npos);

    // The engineer's key signing for the helpdesk's keys: only admins and auditors test others'.
    auto others = org.run("engineer", {"key", "test", "--server", "--user", "helpdesk@example.com"});
    CHECK(others.status == 3);
    CHECK(others.err.find("may test only its own keys") != std::string::npos);
    auto others_list = org.run("engineer", {"key", "list", "--server", "--user", "helpdesk@example.com"});
    CHECK(others_list.status == 3);

    // Options that belong to the local test are refused with --server, and the reverse.
    CHECK(org.run("engineer", {"key", "test", "--server", "--enrollment", "x.json"}).status == 2);
    CHECK(org.run("engineer", {"key", "test"}).status == 2);
    CHECK(org.run("engineer", {"key", "list", "--user", "helpdesk@example.com"}).status == 2);
  }

  TEST_CASE("key remove asks for typed confirmation, keeps the policy's minimum without --force, and removes") {
    DevOrg org({"engineer"});
    // A second key, enrolled by the engineer for themself.
    const std::string spare = org.dir.file("spare.json");
    REQUIRE(run_binary({"key", "virtual", "create", spare}).status == 0);
    auto enrolled = run_binary({"--json", "--device", "virtual:" + spare, "key", "enroll", "--server", "--user", "engineer@example.com"},
                               org.env("engineer"));
    REQUIRE_MESSAGE(enrolled.status == 0, enrolled.err);
    const std::string spare_id = json::parse(enrolled.out)["credentialId"];
    auto listed = json::parse(org.run("engineer", {"--json", "key", "list", "--server"}).out);
    REQUIRE(listed["credentials"].size() == 2);

    // No terminal and no --yes: nothing is removed.
    auto unconfirmed = org.run("engineer", {"key", "remove", spare_id});
    CHECK(unconfirmed.status == 2);
    CHECK(unconfirmed.err.find("pass --yes") != std::string::npos);
    CHECK(json::parse(org.run("engineer", {"--json", "key", "list", "--server"}).out)["credentials"].size() == 2);

    auto unknown = org.run("engineer", {"key", "remove", "AAAA", "--yes"});
    CHECK(unknown.status == 4);
    CHECK(unknown.err.find("no enrolled key AAAA") != std::string::npos);

    auto removed = org.run("engineer", {"--json", "key", "remove", spare_id, "--yes"});
    REQUIRE_MESSAGE(removed.status == 0, removed.err);
    CHECK(json::parse(removed.out)["removed"] == true);
    auto one = json::parse(org.run("engineer", {"--json", "key", "list", "--server"}).out);
    REQUIRE(one["credentials"].size() == 1);
    const std::string last = one["credentials"][0]["id"];
    CHECK(last != spare_id);

    // The last key: below the policy's minimum of one, refused unless forced.
    auto kept = org.run("engineer", {"key", "remove", last, "--yes"});
    CHECK(kept.status == 1);
    CHECK(kept.err.find("or pass --force") != std::string::npos);
    auto forced = org.run("engineer", {"key", "remove", last, "--yes", "--force"});
    REQUIRE_MESSAGE(forced.status == 0, forced.err);
    CHECK(audit_actions(org, "credential.removed").size() == 2);
    // The session lives on, but the key no longer logs in.
    auto relogin = org.run("engineer", {"login", "--user", "engineer@example.com"});
    CHECK(relogin.status == 4);
  }

  TEST_CASE("key verify-enrollment gives one verdict per user in text, json and junit, exit 1 when any falls short") {
    DevOrg org({"engineer"});
    const std::string lenient = policy_file(org, "lenient.toml", "allow_virtual_keys = true\nmin_keys_per_account = 1\n");
    const std::string strict = policy_file(org, "strict.toml", "allow_virtual_keys = false\n");
    // A CI job's API token, scoped to enrollment reads.
    auto token = org.api->call("POST", "/v1/tokens", json{{"name", "ci"}, {"scopes", {"enrollment:read"}}, {"expiresIn", "1h"}}, org.admin.token,
                               {{"Idempotency-Key", "ci-token-for-the-enrollment-test"}});
    REQUIRE_MESSAGE(token.status == 201, token.body.dump());
    const std::map<std::string, std::string> ci{{"ACCTSEC_TOKEN", token.body["secret"]}};

    auto one = org.run_keyless("ci", {"--json", "key", "verify-enrollment", "--user", "engineer@example.com", "--policy", lenient}, ci);
    REQUIRE_MESSAGE(one.status == 0, one.err);
    const json verdict = json::parse(one.out);
    CHECK(verdict["schema"] == "acctsec.key.verify-enrollment/1");
    CHECK(verdict["compliant"] == true);
    REQUIRE(verdict["users"].size() == 1);
    const json user = verdict["users"][0];
    CHECK(user["user"] == "engineer@example.com");
    CHECK(user["acceptedKeys"] == 1);
    CHECK(user["lastUsedAt"].is_string());
    CHECK(user["keys"][0]["virtualKey"] == true);
    CHECK(user["keys"][0]["trust"].is_string());
    CHECK(user["keys"][0]["userVerified"].is_boolean());

    // The same key under a policy that refuses virtual keys: the rule is named, the exit is 1.
    auto refused = org.run_keyless("ci", {"--json", "key", "verify-enrollment", "--user", "engineer@example.com", "--policy", strict}, ci);
    CHECK(refused.status == 1);
    const json no = json::parse(refused.out);
    CHECK(no["compliant"] == false);
    const std::string reasons = no["users"][0]["refusals"].dump();
    CHECK(reasons.find("policy allow_virtual_keys") != std::string::npos);
    CHECK(reasons.find("policy min_keys_per_account: 0 of 1 enrolled keys acceptable") != std::string::npos);

    // Everyone: the seeded staff without keys fall short; JUnit has a case per user and a
    // failure per user who falls short.
    auto all = org.run_keyless("ci", {"--json", "key", "verify-enrollment", "--all", "--policy", lenient}, ci);
    CHECK(all.status == 1);
    const json everyone = json::parse(all.out);
    const std::size_t users = everyone["summary"]["users"];
    const std::size_t failing = everyone["summary"]["noncompliant"];
    CHECK(users >= 6);
    CHECK(failing == users - 2);  // root and engineer have keys
    auto junit = org.run_keyless("ci", {"key", "verify-enrollment", "--all", "--policy", lenient, "--format", "junit"}, ci);
    CHECK(junit.status == 1);
    CHECK(junit.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"acctsec key verify-enrollment\"", 0) == 0);
    CHECK(count_of(junit.out, "<testcase ") == users);
    CHECK(count_of(junit.out, "<failure ") == failing);
    CHECK(junit.out.find("<testcase classname=\"acctsec.enrollment\" name=\"engineer@example.com\">") != std::string::npos);
    CHECK(junit.out.find("policy min_keys_per_account: 0 keys enrolled, at least 1 required") != std::string::npos);
    auto text = org.run_keyless("ci", {"key", "verify-enrollment", "--all", "--policy", lenient, "--format", "text"}, ci);
    CHECK(text.status == 1);
    CHECK(count_of(text.out, "\n") == users);  // piped: one tab-separated row per user
    CHECK(text.out.find("engineer@example.com\tcompliant\t1/1 accepted") != std::string::npos);

    // The token can live in a file only its owner reads (ACCTSEC_TOKEN_FILE or token_file).
    const std::string token_file = org.dir.file("ci-token");
    write_file(token_file, token.body["secret"].get<std::string>() + "\n", 0600);
    auto from_file = org.run_keyless("ci", {"key", "verify-enrollment", "--user", "engineer@example.com", "--policy", lenient},
                                     {{"ACCTSEC_TOKEN_FILE", token_file}});
    CHECK_MESSAGE(from_file.status == 0, from_file.err);
    write_file(token_file, token.body["secret"].get<std::string>() + "\n", 0644);
    auto exposed = org.run_keyless("ci", {"key", "verify-enrollment", "--user", "engineer@example.com", "--policy", lenient},
                                   {{"ACCTSEC_TOKEN_FILE", token_file}});
    CHECK(exposed.status == 2);
    CHECK(exposed.err.find("chmod 600 " + token_file) != std::string::npos);

    // Usage: exactly one of --user and --all; --device only with --user; --json against junit.
    CHECK(org.run_keyless("ci", {"key", "verify-enrollment", "--policy", lenient}, ci).status == 2);
    CHECK(org.run_keyless("ci", {"key", "verify-enrollment", "--all", "--user", "x", "--policy", lenient}, ci).status == 2);
    CHECK(org.run_keyless("ci", {"--json", "key", "verify-enrollment", "--all", "--policy", lenient, "--format", "junit"}, ci).status == 2);
    auto missing_policy = org.run_keyless("ci", {"key", "verify-enrollment", "--all", "--policy", org.dir.file("none.toml")}, ci);
    CHECK(missing_policy.status == 4);
    CHECK(missing_policy.err.find("none.toml") != std::string::npos);
    auto unknown = org.run_keyless("ci", {"key", "verify-enrollment", "--user", "nobody@example.com", "--policy", lenient}, ci);
    CHECK(unknown.status == 4);
  }

  TEST_CASE("key verify-enrollment --device proves the key in hand is the user's, and says no for another key") {
    DevOrg org({"engineer"});
    const std::string lenient = policy_file(org, "lenient.toml", "allow_virtual_keys = true\n");
    auto token = org.api->call("POST", "/v1/tokens", json{{"name", "ci"}, {"scopes", {"enrollment:read"}}, {"expiresIn", "1h"}}, org.admin.token,
                               {{"Idempotency-Key", "ci-token-for-the-enrollment-test"}});
    REQUIRE(token.status == 201);
    auto env = org.env("ci");
    env["ACCTSEC_TOKEN"] = token.body["secret"];

    auto proved = run_binary({"--json", "--device", "virtual:" + org.keys["engineer"], "key", "verify-enrollment", "--user",
                              "engineer@example.com", "--policy", lenient},
                             env);
    REQUIRE_MESSAGE(proved.status == 0, proved.err);
    const json yes = json::parse(proved.out)["users"][0];
    CHECK(yes["proof"]["verified"] == true);
    CHECK(yes["proof"]["credentialId"] == yes["keys"][0]["id"]);

    const std::string stranger = org.dir.file("stranger.json");
    REQUIRE(run_binary({"key", "virtual", "create", stranger}).status == 0);
    auto not_proved = run_binary({"--json", "--device", "virtual:" + stranger, "key", "verify-enrollment", "--user", "engineer@example.com",
                                  "--policy", lenient},
                                 env);
    CHECK(not_proved.status == 1);
    const json no = json::parse(not_proved.out)["users"][0];
    CHECK(no["proof"]["verified"] == false);
    CHECK(no["refusals"].dump().find("did not prove to be one of engineer@example.com's") != std::string::npos);

    auto with_all = run_binary({"--device", "virtual:" + stranger, "key", "verify-enrollment", "--all", "--policy", lenient}, env);
    CHECK(with_all.status == 2);
    CHECK(with_all.err.find("use it with --user") != std::string::npos);

    // A device from the config file is the key commands' default, not a request for proof.
    const std::string config = org.dir.file("device.toml");
    write_file(config, "device = \"virtual:" + stranger + "\"\n", 0600);
    auto from_config = run_binary({"--json", "--config", config, "key", "verify-enrollment", "--all", "--policy", lenient}, env);
    auto without = run_binary({"--json", "key", "verify-enrollment", "--all", "--policy", lenient}, env);
    CHECK_MESSAGE(from_config.status == without.status, from_config.err);  // 1: the dev org's other staff have no keys
    const json all_users = json::parse(from_config.out);
    CHECK(all_users["users"].size() == json::parse(without.out)["users"].size());
    for (const auto& user : all_users["users"]) CHECK_FALSE(user.contains("proof"));
  }

  TEST_CASE("doctor: every check says ok, warn or fail with its fix, and a dead server, an untrusted CA and a broken config fail") {
    DevOrg org({"engineer"});
    const auto check = [](const json& report, const std::string& name) {
      for (const auto& c : report["checks"])
        if (c["check"] == name) return c;
      return json();
    };
    auto healthy = org.run("engineer", {"--json", "doctor"});
    REQUIRE_MESSAGE(healthy.status == 0, (healthy.out + healthy.err));
    const json report = json::parse(healthy.out);
    CHECK(report["schema"] == "acctsec.doctor/1");
    CHECK(report["ok"] == true);
    for (const std::string name : {"hidraw", "libfido2", "keys", "config", "server", "tls", "clock", "token"}) {
      const json c = check(report, name);
      REQUIRE_MESSAGE(c.is_object(), name);
      CHECK(std::string("ok warn").find(c["status"].get<std::string>()) != std::string::npos);
    }
    CHECK(check(report, "server")["status"] == "ok");
    CHECK(check(report, "tls")["status"] == "ok");
    CHECK(check(report, "clock")["status"] == "ok");
    CHECK(check(report, "token")["status"] == "ok");
    CHECK(check(report, "token")["detail"].get<std::string>().find("engineer@example.com") == 0);
    CHECK(check(report, "keys")["detail"].get<std::string>().find("(virtual)") != std::string::npos);
    CHECK(check(report, "libfido2")["detail"].get<std::string>().find("version 1.") == 0);

    // Not logged in is a warning with the command to run.
    auto anonymous = org.run_keyless("nobody", {"--json", "doctor"});
    CHECK(anonymous.status == 0);
    CHECK(check(json::parse(anonymous.out), "token")["status"] == "warn");
    CHECK(check(json::parse(anonymous.out), "token")["fix"] == "acctsec login --user NAME");

    // The system CA store does not trust the dev CA.
    auto env = org.env("engineer");
    env.erase("ACCTSEC_CA_FILE");
    auto untrusted = run_binary({"--json", "doctor"}, env);
    CHECK(untrusted.status == 1);
    const json tls = check(json::parse(untrusted.out), "tls");
    CHECK(tls["status"] == "fail");
    CHECK(tls["fix"].get<std::string>().find("--ca-file") != std::string::npos);

    // Nothing listens there.
    auto dead = org.run_keyless("engineer", {"--json", "doctor"}, {{"ACCTSEC_SERVER", "https://127.0.0.1:1"}});
    CHECK(dead.status == 1);
    CHECK(check(json::parse(dead.out), "server")["status"] == "fail");

    // A broken config file is reported by doctor (and stops every other command).
    const std::string config = org.dir.file("broken.toml");
    write_file(config, "server = [unclosed\n", 0600);
    auto broken = org.run_keyless("engineer", {"--json", "--config", config, "doctor"});
    CHECK(broken.status == 1);
    const json c = check(json::parse(broken.out), "config");
    CHECK(c["status"] == "fail");
    CHECK(c["detail"].get<std::string>().find("broken.toml") != std::string::npos);
    CHECK(org.run_keyless("engineer", {"--config", config, "whoami"}).status == 2);

    // The table form, one line per check.
    auto table = org.run("engineer", {"doctor"});
    CHECK(table.status == 0);
    CHECK(count_of(table.out, "\n") == 8);
    CHECK(table.out.find("ok\tserver\t") != std::string::npos);
  }
}
