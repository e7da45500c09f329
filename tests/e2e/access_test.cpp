// Access justification end to end against the real `acctsec serve --dev` over loopback TLS, with
// virtual keys signing: a helpdesk member's signed request, an approver's signed approval, an
// audited read under the grant, the audit chain and its signed head; and `kill -9` in the middle
// of a burst of writes, after which every acknowledged write is still there and the chain verifies.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/audit_chain.hpp"
#include "support/cli_harness.hpp"
#include "support/staff_client.hpp"

using acctsec::test::ApiClient;
using acctsec::test::BinaryProcess;
using acctsec::test::TempDir;
using nlohmann::json;

namespace {

struct DevServer {
  std::unique_ptr<BinaryProcess> process;
  json ready;
  std::unique_ptr<ApiClient> api;

  explicit DevServer(const std::string& data_dir) {
    process = BinaryProcess::start({"--json", "serve", "--dev", "--seed-accounts", "200", "--data-dir", data_dir, "--listen", "127.0.0.1:0"},
                                   {{"HOME", data_dir}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    ready = json::parse(process->out());
    const std::string url = ready["url"];
    api = std::make_unique<ApiClient>(static_cast<unsigned>(std::stoul(url.substr(url.rfind(':') + 1))), ready["ca"]);
  }
};

// Every entry of the log through GET /v1/audit, checked link by link.
std::vector<acctsec::AuditEntry> fetch_and_verify(const ApiClient& api, const std::string& token) {
  std::vector<acctsec::AuditEntry> out;
  acctsec::AuditChainVerifier verifier;
  std::string cursor;
  while (true) {
    auto page = api.call("GET", "/v1/audit?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor), nullptr, token);
    REQUIRE(page.status == 200);
    if (page.body["items"].empty()) break;
    for (const auto& item : page.body["items"]) {
      acctsec::AuditEntry entry;
      entry.seq = item["seq"];
      entry.event = acctsec::AuditEvent{item["time"], item["actor"], item["action"], item["resource"],
                                        item["grant"].is_null() ? std::nullopt : std::optional<std::string>(item["grant"]),
                                        item["detail"]};
      entry.prev = item["prev"];
      entry.hash = item["hash"];
      auto ok = verifier.add(entry);
      REQUIRE_MESSAGE(ok.has_value(), ok.error().message);
      out.push_back(std::move(entry));
    }
    cursor = page.body["next"];
  }
  return out;
}

}  // namespace

TEST_SUITE("e2e::access") {
  TEST_CASE("a helpdesk member reads a customer's security posture under a grant approved by an approver, and the auditor sees it all") {
    TempDir dir;
    const std::string data = dir.file("data");
    DevServer server(data);
    const ApiClient& api = *server.api;
    auto admin = acctsec::test::bootstrap_admin(api, data, "root@example.com", dir.file("root-key.json"));
    auto helpdesk = acctsec::test::enroll_staff(api, admin, "helpdesk@example.com", dir.file("helpdesk-key.json"));
    auto approver = acctsec::test::enroll_staff(api, admin, "approver@example.com", dir.file("approver-key.json"));
    auto auditor = acctsec::test::enroll_staff(api, admin, "auditor@example.com", dir.file("auditor-key.json"));

    auto refused = api.call("GET", "/v1/accounts/c-000042/security", nullptr, helpdesk.token);
    CHECK(refused.status == 403);
    CHECK(refused.body["type"] == "urn:acctsec:problem:grant-required");
    CHECK(refused.body["requiredGrant"] == json::parse(R"({"resource":"account:c-000042","scope":"security:read"})"));

    const json wanted = json::parse(R"({"resource":"account:c-000042","scope":"security:read","code":"CUSTOMER_SUPPORT",
                                        "ticket":"SUP-20431","reason":"customer locked out after losing their phone","duration":"30m"})");
    auto created = acctsec::test::request_access(api, helpdesk, wanted, "0f6f3c1e-2a4b-4c5d-9e8f-101112131415");
    REQUIRE_MESSAGE(created.status == 201, created.body.dump());
    const std::string id = created.body["id"];
    json shown = created.body;
    for (const char* varying : {"id", "createdAt", "pendingUntil", "signedWith"}) {
      CHECK(shown.contains(varying));
      shown.erase(varying);
    }
    CHECK(shown == json::parse(R"({"schema":"acctsec.access-request/1","requester":"helpdesk@example.com",
      "justification":{"resource":"account:c-000042","scope":"security:read","code":"CUSTOMER_SUPPORT","ticket":"SUP-20431",
                       "reason":"customer locked out after losing their phone","duration":"30m"},
      "state":"pending","approvalsRequired":1,"reviews":[],"grant":null})"));
    CHECK(acctsec::test::review_access(api, helpdesk, id, "approve", "mine", "1f6f3c1e-2a4b-4c5d-9e8f-101112131415").status == 403);

    auto approved = acctsec::test::review_access(api, approver, id, "approve", "ticket checked", "2f6f3c1e-2a4b-4c5d-9e8f-101112131415");
    REQUIRE_MESSAGE(approved.status == 201, approved.body.dump());
    CHECK(approved.body["state"] == "active");
    const std::string grant = approved.body["grant"]["id"];
    json review = approved.body["reviews"][0];
    review.erase("at");
    review.erase("signedWith");
    CHECK(review == json::parse(R"({"reviewer":"approver@example.com","decision":"approve","reason":"ticket checked"})"));

    auto read = api.call("GET", "/v1/accounts/c-000042/security", nullptr, helpdesk.token);
    REQUIRE(read.status == 200);
    CHECK(read.body["schema"] == "acctsec.account-security/1");
    CHECK(read.body["account"] == "c-000042");
    CHECK(read.body["grant"] == grant);

    // The auditor: the chain verifies, the read is in it with its grant, and the head is signed.
    const auto entries = fetch_and_verify(api, auditor.token);
    const auto found = std::find_if(entries.begin(), entries.end(), [](const auto& e) { return e.event.action == "account.security.read"; });
    REQUIRE(found != entries.end());
    CHECK(found->event.actor == "helpdesk@example.com");
    CHECK(found->event.grant == grant);
    auto head = api.call("GET", "/v1/audit/head", nullptr, auditor.token);
    REQUIRE(head.status == 200);
    CHECK(head.body["seq"] == entries.back().seq);
    CHECK(head.body["hash"] == entries.back().hash);
    CHECK(head.body["publicKey"].get<std::string>().starts_with("-----BEGIN PUBLIC KEY-----"));
    // The refused read raised no alert on its own; the new key followed by the request did.
    auto alerts = api.call("GET", "/v1/alerts", nullptr, auditor.token);
    REQUIRE(alerts.status == 200);
    std::set<std::string> rules;
    for (const auto& a : alerts.body["items"]) rules.insert(a["rule"]);
    CHECK(rules.contains("new-key-then-privileged-action"));
    CHECK_FALSE(rules.contains("read-without-grant"));
    server.process->signal(SIGTERM);
    CHECK(server.process->wait().status == 0);
  }

  TEST_CASE("kill -9 during a burst of writes loses no acknowledged write and leaves a chain that verifies") {
    TempDir dir;
    const std::string data = dir.file("data");
    std::string admin_token;
    std::set<std::string> acknowledged;
    {
      DevServer server(data);
      auto admin = acctsec::test::bootstrap_admin(*server.api, data, "root@example.com", dir.file("root-key.json"));
      admin_token = admin.token;
      std::mutex mutex;
      std::atomic<bool> killed = false;
      std::atomic<int> count = 0;
      std::vector<std::thread> writers;
      for (int t = 0; t < 4; ++t) {
        writers.emplace_back([&, t] {
          for (int i = 0; !killed; ++i) {
            const std::string name = "burst-" + std::to_string(t) + "-" + std::to_string(i);
            try {
              auto reply = server.api->call("POST", "/v1/tokens", {{"name", name}, {"scopes", {"audit:read"}}}, admin_token,
                                            {{"Idempotency-Key", "burst-key-" + name + "-0000000000"}});
              if (reply.status == 201) {
                const std::lock_guard lock(mutex);
                acknowledged.insert(name);
                ++count;
              }
            } catch (const std::exception&) {
              return;  // the server is gone
            }
          }
        });
      }
      while (count < 60) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      server.process->signal(SIGKILL);
      killed = true;
      for (auto& w : writers) w.join();
      server.process->wait();
    }
    REQUIRE(acknowledged.size() >= 60);
    DevServer again(data);
    std::set<std::string> stored;
    std::string cursor;
    do {
      auto page = again.api->call("GET", "/v1/tokens?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor), nullptr, admin_token);
      REQUIRE(page.status == 200);
      for (const auto& t : page.body["items"]) stored.insert(t["name"]);
      cursor = page.body.value("next", "");
    } while (!cursor.empty());
    for (const auto& name : acknowledged) CHECK_MESSAGE(stored.contains(name), name, " was acknowledged but is gone");
    const auto entries = fetch_and_verify(*again.api, admin_token);
    std::set<std::string> audited;
    for (const auto& e : entries)
      if (e.event.action == "token.created") audited.insert(e.event.detail["name"].get<std::string>());
    CHECK(audited == stored);  // each stored token has its entry, and no entry lacks its token
    again.process->signal(SIGTERM);
    CHECK(again.process->wait().status == 0);
  }
}
