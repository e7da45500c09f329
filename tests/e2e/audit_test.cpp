// audit log, verify and alerts: the real binary against `acctsec serve --dev` over loopback TLS,
// as the bootstrap admin (audit routes are for auditors and admins) and as a helpdesk member.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/cli_harness.hpp"
#include "support/staff_client.hpp"

using namespace acctsec::test;
using nlohmann::json;

namespace {

struct AuditBackend {
  TempDir dir;
  std::string data = dir.file("data");
  std::unique_ptr<BinaryProcess> process;
  json ready;
  std::unique_ptr<ApiClient> api;
  StaffMember admin;

  AuditBackend() {
    start();
    admin = bootstrap_admin(*api, data, "root@example.com", dir.file("root-key.json"));
  }

  // Starts (or starts again, on the same data dir: same CA, same tokens) the server.
  void start() {
    process = BinaryProcess::start(
        {"--json", "serve", "--dev", "--seed-accounts", "10", "--data-dir", data, "--listen", "127.0.0.1:0"},
        {{"HOME", data}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    ready = json::parse(process->out());
    const std::string url = ready["url"];
    api = std::make_unique<ApiClient>(static_cast<unsigned>(std::stoul(url.substr(url.rfind(':') + 1))), ready["ca"]);
  }

  void stop() {
    process->signal(SIGTERM);
    REQUIRE(process->wait().status == 0);
  }

  std::map<std::string, std::string> env(const std::string& token) const {
    return {{"HOME", dir.file("home")},
            {"XDG_STATE_HOME", dir.file("state")},
            {"ACCTSEC_SERVER", ready["url"]},
            {"ACCTSEC_CA_FILE", ready["ca"]},
            {"ACCTSEC_TOKEN", token}};
  }
};

std::vector<json> ndjson(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

// The public half of a fresh Ed25519 key, as PEM.
std::string other_public_key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE((key && bio && PEM_write_bio_PUBKEY(bio, key) == 1));
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free_all(bio);
  EVP_PKEY_free(key);
  return pem;
}

void sql(const std::string& db_file, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_file.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &message);
  const std::string why = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, why);
}

}  // namespace

TEST_SUITE("e2e::audit") {
  TEST_CASE(
      "audit log prints the chain as a table or NDJSON, filters by actor, and refuses a helpdesk token with exit 3") {
    AuditBackend b;
    auto helpdesk = enroll_staff(*b.api, b.admin, "helpdesk@example.com", b.dir.file("helpdesk-key.json"));
    const auto env = b.env(b.admin.token);

    auto log = run_binary({"audit", "log"}, env);
    REQUIRE_MESSAGE(log.status == 0, log.err);
    // Piped: tab-separated SEQ TIME ACTOR ACTION RESOURCE GRANT, no header.
    CHECK(log.out.find("\tserver\taccounts.seeded\t") != std::string::npos);
    CHECK(log.out.find("\troot@example.com\tprincipal.bootstrapped\tprincipal:root@example.com\t-\n") !=
          std::string::npos);
    CHECK(log.out.starts_with("1\t"));
    CHECK(log.out.find(b.admin.token) == std::string::npos);
    CHECK(log.err.find(b.admin.token) == std::string::npos);

    auto json_log = run_binary({"--json", "audit", "log", "--limit", "3"}, env);
    REQUIRE_MESSAGE(json_log.status == 0, json_log.err);
    const auto entries = ndjson(json_log.out);
    REQUIRE(entries.size() == 3);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      CHECK(entries[i]["schema"] == "acctsec.audit-entry/1");
      CHECK(entries[i]["seq"] == i + 1);
      CHECK(entries[i]["hash"].get<std::string>().size() == 64);
    }
    CHECK(entries[0]["prev"] == std::string(64, '0'));
    CHECK(entries[1]["prev"] == entries[0]["hash"]);

    auto by_root = run_binary({"--json", "audit", "log", "--actor", "root@example.com"}, env);
    REQUIRE_MESSAGE(by_root.status == 0, by_root.err);
    const auto mine = ndjson(by_root.out);
    REQUIRE_FALSE(mine.empty());
    std::set<std::string> actions;
    for (const auto& e : mine) {
      CHECK(e["actor"] == "root@example.com");
      actions.insert(e["action"]);
    }
    CHECK(actions.contains("principal.bootstrapped"));
    CHECK(actions.contains("credential.registered"));
    CHECK_FALSE(actions.contains("accounts.seeded"));

    auto nobody = run_binary({"audit", "log", "--actor", "nobody@example.com"}, env);
    CHECK(nobody.status == 0);
    CHECK(nobody.out.empty());

    auto bad_since = run_binary({"audit", "log", "--since", "yesterday"}, env);
    CHECK(bad_since.status == 2);
    CHECK(bad_since.err.find("acctsec: error: --since takes an RFC 3339 time") == 0);

    auto refused = run_binary({"audit", "log"}, b.env(helpdesk.token));
    CHECK(refused.status == 3);
    CHECK(refused.err.find("acctsec: error: ") == 0);
    CHECK(refused.out.empty());
    CHECK(refused.err.find(helpdesk.token) == std::string::npos);
    b.stop();
  }

  TEST_CASE("audit log --follow prints an entry appended after it started, until Ctrl-C (exit 130)") {
    AuditBackend b;
    auto follow =
        BinaryProcess::start({"audit", "log", "--follow", "--actor", "root@example.com"}, b.env(b.admin.token));
    REQUIRE_MESSAGE(follow->wait_for_out("principal.bootstrapped"), follow->err());
    CHECK(follow->out().find("token.created") == std::string::npos);
    auto created = b.api->call("POST", "/v1/tokens", {{"name", "follow-probe"}, {"scopes", {"audit:read"}}},
                               b.admin.token, {{"Idempotency-Key", "follow-probe-0000000000000000"}});
    REQUIRE(created.status == 201);
    CHECK_MESSAGE(follow->wait_for_out("\troot@example.com\ttoken.created\t"), follow->out(), follow->err());
    follow->signal(SIGINT);
    const auto ended = follow->wait();
    CHECK(ended.status == 130);
    CHECK(ended.err.find("acctsec: error: interrupted") != std::string::npos);
    b.stop();
  }

  TEST_CASE("audit verify passes on the server's chain and names the first edited entry with exit 1") {
    AuditBackend b;
    const auto env = b.env(b.admin.token);
    auto good = run_binary({"audit", "verify"}, env);
    REQUIRE_MESSAGE(good.status == 0, good.out, good.err);
    CHECK(good.out.starts_with("audit chain verified: "));
    auto good_json = run_binary({"--json", "audit", "verify"}, env);
    REQUIRE_MESSAGE(good_json.status == 0, good_json.out, good_json.err);
    const json verdict = json::parse(good_json.out);
    CHECK(verdict["schema"] == "acctsec.audit-verify/1");
    CHECK(verdict["verified"] == true);
    CHECK(verdict["entriesChecked"].get<int>() >= 3);
    CHECK(verdict["head"]["seq"] == verdict["lastSeq"]);

    // The key the server signs heads with, pinned: its public half from a head already trusted.
    const auto head = b.api->call("GET", "/v1/audit/head", nullptr, b.admin.token);
    REQUIRE(head.status == 200);
    const std::string key_file = b.dir.file("audit-key.pem");
    write_file(key_file, head.body["publicKey"].get<std::string>());
    auto pinned = run_binary({"audit", "verify", "--public-key", key_file}, env);
    CHECK_MESSAGE(pinned.status == 0, pinned.out, pinned.err);
    // A key that is not the server's: the head does not verify with it.
    write_file(key_file, other_public_key());
    auto other_key = run_binary({"--json", "audit", "verify", "--public-key", key_file}, env);
    CHECK(other_key.status == 1);
    CHECK(json::parse(other_key.out)["headProblem"].get<std::string>().find("does not verify with the key in") !=
          std::string::npos);

    b.stop();
    sql(b.data + "/acctsec.db", "UPDATE audit SET detail = '{\"count\":9999}' WHERE seq = 3");
    b.start();
    auto tampered = run_binary({"audit", "verify"}, b.env(b.admin.token));
    CHECK(tampered.status == 1);
    CHECK_MESSAGE(tampered.out.starts_with("audit chain NOT verified: first bad entry 3: audit entry 3 was altered"),
                  tampered.out);
    auto tampered_json = run_binary({"--json", "audit", "verify"}, b.env(b.admin.token));
    CHECK(tampered_json.status == 1);
    const json bad = json::parse(tampered_json.out);
    CHECK(bad["verified"] == false);
    CHECK(bad["firstBad"]["seq"] == 3);
    CHECK(bad["entriesChecked"] == 2);
    b.stop();
  }

  TEST_CASE("audit alerts lists what detection raised, and --fail-on exits 1 only at or above that severity") {
    AuditBackend b;
    auto helpdesk = enroll_staff(*b.api, b.admin, "helpdesk@example.com", b.dir.file("helpdesk-key.json"));
    const auto env = b.env(b.admin.token);
    auto before = run_binary({"--json", "audit", "alerts", "--fail-on", "medium"}, env);
    CHECK_MESSAGE(before.status == 0, before.out, before.err);
    CHECK(before.out.empty());

    // Three reads without any grant raise read-without-grant (medium).
    for (int i = 0; i < 3; ++i)
      CHECK(b.api->call("GET", "/v1/accounts/c-000001/security", nullptr, helpdesk.token).status == 403);
    auto listed = run_binary({"--json", "audit", "alerts"}, env);
    REQUIRE_MESSAGE(listed.status == 0, listed.err);
    const auto alerts = ndjson(listed.out);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0]["schema"] == "acctsec.alert/1");
    CHECK(alerts[0]["rule"] == "read-without-grant");
    CHECK(alerts[0]["severity"] == "medium");
    CHECK(alerts[0]["actor"] == "helpdesk@example.com");
    CHECK(alerts[0]["entries"].size() == 3);

    auto table = run_binary({"audit", "alerts", "--fail-on", "medium"}, env);
    CHECK(table.status == 1);
    CHECK(table.out.find("\tmedium\tread-without-grant\thelpdesk@example.com\t") != std::string::npos);
    CHECK(table.err.find("1 alert at or above medium severity") != std::string::npos);
    CHECK(run_binary({"audit", "alerts", "--fail-on", "low"}, env).status == 1);
    auto high = run_binary({"audit", "alerts", "--fail-on", "high"}, env);
    CHECK(high.status == 0);
    CHECK_FALSE(high.out.empty());
    auto only_high = run_binary({"audit", "alerts", "--severity", "high"}, env);
    CHECK(only_high.status == 0);
    CHECK(only_high.out.empty());
    CHECK(run_binary({"audit", "alerts", "--fail-on", "severe"}, env).status == 2);
    CHECK(run_binary({"audit", "alerts"}, b.env(helpdesk.token)).status == 3);
    b.stop();
  }

  TEST_CASE("audit commands report a server that is not there with exit 6") {
    AuditBackend b;
    const auto env = b.env(b.admin.token);
    b.stop();
    auto down = run_binary({"audit", "verify"}, env);
    CHECK(down.status == 6);
    CHECK(down.err.find("acctsec: error: ") == 0);
  }
}
