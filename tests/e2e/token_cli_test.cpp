// token create, list and revoke through the real binary against `acctsec serve --dev`: an admin
// makes a scoped token for a CI job, the job works with it and only within its scopes, and a
// revoked token stops working.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "support/dev_org.hpp"

using namespace acctsec::test;
using nlohmann::json;

namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

TEST_SUITE("e2e::token_cli") {
  TEST_CASE("token create --out writes the secret 0600 for ACCTSEC_TOKEN_FILE, and the job may do what its scope allows and nothing else") {
    DevOrg org({"engineer"});
    // The admin's own session, as the CLI keeps it after login.
    auto login = org.run("root", {"login", "--user", "root@example.com"});
    REQUIRE_MESSAGE(login.status == 0, login.err);

    const std::string file = org.dir.file("ci-token");
    auto made = org.run_keyless("root", {"token", "create", "--name", "ci-enrollment", "--scope", "enrollment:read", "--expires-in", "2h",
                               "--out", file});
    REQUIRE_MESSAGE(made.status == 0, made.err);
    CHECK(made.out.find("ACCTSEC_TOKEN_FILE=" + file) != std::string::npos);
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string secret = trimmed(read_file(file));
    CHECK(secret.size() > 20);
    CHECK(made.out.find(secret) == std::string::npos);  // the secret is in the file only
    CHECK(made.err.find(secret) == std::string::npos);

    // The job: no key, no session, the token file.
    auto ci_env = org.env("ci");
    ci_env["ACCTSEC_TOKEN_FILE"] = file;
    auto me = run_binary({"--json", "whoami"}, ci_env);
    REQUIRE_MESSAGE(me.status == 0, me.err);
    CHECK(json::parse(me.out)["tokenKind"] == "api");
    CHECK(json::parse(me.out)["scopes"] == json::array({"enrollment:read"}));
    const std::string policy = org.dir.file("lenient.toml");
    write_file(policy, "[enrollment]\nallow_virtual_keys = true\n", 0644);
    auto verified = run_binary({"key", "verify-enrollment", "--user", "engineer@example.com", "--policy", policy}, ci_env);
    CHECK_MESSAGE(verified.status == 0, verified.err);
    auto audit = run_binary({"audit", "log", "--limit", "1"}, ci_env);
    CHECK(audit.status == 3);  // no audit:read scope

    // An existing --out file is not replaced without --force; with it, the new secret replaces it.
    auto again = org.run_keyless("root", {"token", "create", "--name", "ci-enrollment", "--scope", "enrollment:read", "--out", file});
    CHECK(again.status == 2);
    CHECK(again.err.find("--force") != std::string::npos);
    CHECK(trimmed(read_file(file)) == secret);
    auto rotated = org.run_keyless("root", {"token", "create", "--name", "ci-enrollment-2", "--scope", "enrollment:read", "--out", file, "--force"});
    REQUIRE_MESSAGE(rotated.status == 0, rotated.err);
    CHECK(trimmed(read_file(file)) != secret);
  }

  TEST_CASE("token create without --out prints the secret alone on stdout, list shows it, revoke stops it") {
    DevOrg org({});
    auto login = org.run("root", {"login", "--user", "root@example.com"});
    REQUIRE_MESSAGE(login.status == 0, login.err);

    auto made = org.run_keyless("root", {"token", "create", "--name", "ci-audit", "--scope", "audit:read", "--scope", "alerts:read"});
    REQUIRE_MESSAGE(made.status == 0, made.err);
    const std::string secret = trimmed(made.out);
    CHECK(secret.find('\n') == std::string::npos);
    CHECK(secret.find(' ') == std::string::npos);
    CHECK(made.err.find("ci-audit") != std::string::npos);
    CHECK(made.err.find(secret) == std::string::npos);

    auto ci_env = org.env("ci");
    ci_env["ACCTSEC_TOKEN"] = secret;
    CHECK(run_binary({"audit", "verify"}, ci_env).status == 0);

    auto listed = org.run_keyless("root", {"--json", "token", "list"});
    REQUIRE_MESSAGE(listed.status == 0, listed.err);
    json token;
    for (std::size_t at = 0; at < listed.out.size();) {
      const auto end = listed.out.find('\n', at);
      const json line = json::parse(listed.out.substr(at, end - at));
      if (line["name"] == "ci-audit") token = line;
      at = end == std::string::npos ? listed.out.size() : end + 1;
    }
    REQUIRE(token.is_object());
    CHECK(token["schema"] == "acctsec.token/1");
    CHECK(token["state"] == "active");
    CHECK(token["scopes"] == json::array({"audit:read", "alerts:read"}));
    CHECK(token["createdBy"] == "root@example.com");
    CHECK_FALSE(token.contains("secret"));
    CHECK(listed.out.find(secret) == std::string::npos);
    const std::string id = token["id"];

    auto table = org.run_keyless("root", {"token", "list"});
    CHECK(table.status == 0);
    CHECK(table.out.find(id) != std::string::npos);

    auto revoked = org.run_keyless("root", {"token", "revoke", id});
    REQUIRE_MESSAGE(revoked.status == 0, revoked.err);
    auto refused = run_binary({"audit", "verify"}, ci_env);
    CHECK(refused.status == 3);
    CHECK(org.run_keyless("root", {"token", "revoke", id}).status == 0);  // revoked already: nothing to do

    // Revoked tokens leave the default list and show with --all.
    CHECK(org.run_keyless("root", {"token", "list"}).out.find(id) == std::string::npos);
    auto all = org.run_keyless("root", {"--json", "token", "list", "--all"});
    CHECK(all.out.find("\"state\":\"revoked\"") != std::string::npos);

    // The audit log has both, with the admin who did them.
    auto log = org.api->call("GET", "/v1/audit?limit=500", nullptr, org.admin.token);
    REQUIRE(log.status == 200);
    int created = 0, revokes = 0;
    for (const auto& e : log.body["items"]) {
      if (e["resource"] != "token:" + id) continue;
      CHECK(e["actor"] == "root@example.com");
      created += e["action"] == "token.created";
      revokes += e["action"] == "token.revoked";
    }
    CHECK(created == 1);
    CHECK(revokes == 1);
  }

  TEST_CASE("token errors: not an admin is exit 3, an unknown id exit 4, bad scopes and durations exit 2, and nothing is made") {
    DevOrg org({"engineer"});
    auto by_engineer = org.run_keyless("engineer", {"token", "create", "--name", "x", "--scope", "enrollment:read"});
    CHECK(by_engineer.status == 3);
    CHECK(by_engineer.err.rfind("acctsec: error: ", 0) == 0);
    CHECK(org.run_keyless("engineer", {"token", "list"}).status == 3);

    auto login = org.run("root", {"login", "--user", "root@example.com"});
    REQUIRE_MESSAGE(login.status == 0, login.err);
    auto unknown = org.run_keyless("root", {"token", "revoke", "t-nosuchtoken"});
    CHECK(unknown.status == 4);
    CHECK(unknown.err.find("t-nosuchtoken") != std::string::npos);
    CHECK(org.run_keyless("root", {"token", "create", "--name", "x", "--scope", "account:write"}).status == 2);
    CHECK(org.run_keyless("root", {"token", "create", "--scope", "audit:read"}).status == 2);
    auto long_lived = org.run_keyless("root", {"token", "create", "--name", "x", "--scope", "audit:read", "--expires-in", "400d"});
    CHECK(long_lived.status == 2);
    CHECK(long_lived.err.find("expiresIn") != std::string::npos);
    auto missing_dir = org.run_keyless("root", {"token", "create", "--name", "x", "--scope", "audit:read", "--out", org.dir.file("no/such/dir/t")});
    CHECK(missing_dir.status == 2);

    auto listed = org.run_keyless("root", {"--json", "token", "list", "--all"});
    REQUIRE(listed.status == 0);
    CHECK(listed.out.empty());
  }
}
