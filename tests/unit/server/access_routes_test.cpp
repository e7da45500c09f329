// Access justification, grants over account reads, the audit routes and detection, driven through
// the router with a real store and virtual keys signing justifications and reviews.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <fmt/format.h>
#include <openssl/pem.h>

#include <filesystem>
#include <future>
#include <thread>

#include "core/audit_chain.hpp"
#include "server/dev_seed.hpp"
#include "unit/server/route_harness.hpp"

using namespace acctsec;
using namespace acctsec::server;
using namespace acctsec::test;
using nlohmann::json;

namespace {

// An organisation: root (admin), a helpdesk member, two approvers, an auditor; 50 seeded accounts.
struct Org {
  Harness h;
  Key root_key;
  std::string admin;
  Staff helpdesk, approver, approver2, auditor;

  explicit Org(ServerPolicy policy = server_policy_default(true))
      : h(Harness::dev_options(), std::move(policy)),
        root_key(make_key(h, "root")),
        admin(admin_session(h, root_key)),
        helpdesk(staff_member(h, admin, "hd@example.com", {"helpdesk"})),
        approver(staff_member(h, admin, "ap@example.com", {"approver"})),
        approver2(staff_member(h, admin, "ap2@example.com", {"approver"})),
        auditor(staff_member(h, admin, "au@example.com", {"auditor"})) {
    REQUIRE(dev_seed_accounts(*h.store, *h.writer, 50).value_or(0) == 50);
  }

  // A request by the helpdesk member, approved: the grant's id.
  std::string grant(const json& wanted) {
    auto created = request_access(h, helpdesk, wanted);
    REQUIRE_MESSAGE(created.status == 201, created.raw.body);
    auto approved = review_access(h, approver, created.body["id"], "approve");
    REQUIRE_MESSAGE(approved.status == 201, approved.raw.body);
    REQUIRE(approved.body["state"] == "active");
    return approved.body["grant"]["id"];
  }

  std::vector<std::string> actions() {
    std::vector<std::string> out;
    for (const auto& e : h.audit()) out.push_back(e.event.action);
    return out;
  }
};

bool has_header(const Reply& reply, const std::string& name, const std::string& value) {
  for (const auto& [n, v] : reply.raw.headers)
    if (n == name && v == value) return true;
  return false;
}

}  // namespace

TEST_SUITE("server::access") {
  TEST_CASE("a signed request approved by another approver becomes an active grant, reads under it are audited with it") {
    Org org;
    CHECK(org.h.get("/v1/accounts/c-000007/security", org.helpdesk.token).status == 403);
    auto created = request_access(org.h, org.helpdesk, justification("account:c-000007"));
    REQUIRE_MESSAGE(created.status == 201, created.raw.body);
    CHECK(created.body["state"] == "pending");
    CHECK(created.body["requester"] == "hd@example.com");
    CHECK(created.body["approvalsRequired"] == 1);
    CHECK(created.body["grant"].is_null());
    CHECK(created.body["justification"] == justification("account:c-000007"));
    const std::string id = created.body["id"];

    // Pending: no read yet.
    CHECK(org.h.get("/v1/accounts/c-000007/security", org.helpdesk.token).status == 403);
    auto approved = review_access(org.h, org.approver, id, "approve");
    REQUIRE_MESSAGE(approved.status == 201, approved.raw.body);
    CHECK(approved.body["state"] == "active");
    REQUIRE(approved.body["reviews"].size() == 1);
    CHECK(approved.body["reviews"][0]["reviewer"] == "ap@example.com");
    CHECK(approved.body["reviews"][0]["decision"] == "approve");
    const std::string grant = approved.body["grant"]["id"];

    auto read = org.h.get("/v1/accounts/c-000007/security", org.helpdesk.token);
    REQUIRE_MESSAGE(read.status == 200, read.raw.body);
    CHECK(read.body["schema"] == "acctsec.account-security/1");
    CHECK(read.body["account"] == "c-000007");
    CHECK(read.body["grant"] == grant);
    CHECK(read.body["twoFactor"]["methods"].is_array());
    CHECK(read.body["resetProtection"]["channels"].is_array());
    CHECK(read.body["recentEvents"].size() >= 1);
    // The grant covers that account only, and that scope only.
    auto other = org.h.get("/v1/accounts/c-000008/security", org.helpdesk.token);
    CHECK(other.status == 403);
    CHECK(other.body["requiredGrant"] == json{{"resource", "account:c-000008"}, {"scope", "security:read"}});
    CHECK(other.body["detail"].get<std::string>().find("acctsec access request --resource account:c-000008") != std::string::npos);
    CHECK(org.h.get("/v1/accounts", org.helpdesk.token).status == 403);
    // Nobody else reads under it.
    CHECK(org.h.get("/v1/accounts/c-000007/security", org.approver.token).status == 403);

    const auto entries = org.h.audit();
    const auto read_entry = std::find_if(entries.begin(), entries.end(), [](const AuditEntry& e) { return e.event.action == "account.security.read"; });
    REQUIRE(read_entry != entries.end());
    CHECK(read_entry->event.actor == "hd@example.com");
    CHECK(read_entry->event.resource == "account:c-000007");
    CHECK(read_entry->event.grant == grant);
    const auto denied = std::count_if(entries.begin(), entries.end(), [](const AuditEntry& e) { return e.event.action == "account.read.denied"; });
    CHECK(denied == 5);
  }

  TEST_CASE("self-approval is refused, and so are reviewers without the role, second reviews and reviews of closed requests") {
    Org org;
    Staff both = staff_member(org.h, org.admin, "both@example.com", {"helpdesk", "approver"});
    auto created = request_access(org.h, both, justification("account:c-000001"));
    REQUIRE(created.status == 201);
    const std::string id = created.body["id"];
    auto self = review_access(org.h, both, id, "approve");
    CHECK(self.status == 403);
    CHECK(self.body["type"].get<std::string>().ends_with("self-approval"));
    CHECK(review_access(org.h, org.helpdesk, id, "approve").status == 404);  // helpdesk may not even see it
    CHECK(review_access(org.h, org.auditor, id, "approve").status == 403);
    auto denied = review_access(org.h, org.approver, id, "deny", "no ticket in the queue");
    REQUIRE(denied.status == 201);
    CHECK(denied.body["state"] == "denied");
    CHECK(review_access(org.h, org.approver2, id, "approve").status == 409);
    CHECK(org.h.get("/v1/accounts/c-000001/security", both.token).status == 403);
  }

  TEST_CASE("a signature over other fields, a reused nonce and another key are refused and recorded") {
    Org org;
    const json wanted = justification("account:c-000002");
    auto challenge = org.h.post("/v1/access-requests/challenges", {{"purpose", "request"}, {"justification", wanted}}, org.helpdesk.token);
    REQUIRE(challenge.status == 201);
    CHECK(json::parse(challenge.body["digestInput"].get<std::string>())["reason"] == wanted["reason"]);
    const json assertion = sign_challenge(org.helpdesk.key, challenge.body);
    json changed = wanted;
    changed["reason"] = "something else entirely, to read more";
    auto tampered = org.h.post("/v1/access-requests", {{"justification", changed}, {"nonce", challenge.body["nonce"]}, {"assertion", assertion}},
                               org.helpdesk.token);
    CHECK(tampered.status == 401);
    CHECK(tampered.body["reasons"].is_array());
    // The nonce went with the failed try.
    auto replay = org.h.post("/v1/access-requests", {{"justification", wanted}, {"nonce", challenge.body["nonce"]}, {"assertion", assertion}},
                             org.helpdesk.token);
    CHECK(replay.status == 401);
    // A nonce is the caller's own.
    Staff other = staff_member(org.h, org.admin, "hd2@example.com", {"helpdesk"});
    auto theirs = org.h.post("/v1/access-requests/challenges", {{"purpose", "request"}, {"justification", wanted}}, org.helpdesk.token);
    auto own = org.h.post("/v1/access-requests/challenges", {{"purpose", "request"}, {"justification", wanted}}, other.token);
    auto stolen = org.h.post("/v1/access-requests", {{"justification", wanted}, {"nonce", theirs.body["nonce"]},
                                                     {"assertion", sign_challenge(other.key, own.body)}},
                             other.token);
    CHECK(stolen.status == 401);
    const auto actions = org.actions();
    CHECK(std::count(actions.begin(), actions.end(), "access.signature.failed") == 1);
    CHECK(std::count(actions.begin(), actions.end(), "access.request.created") == 0);
  }

  TEST_CASE("the justification rules refuse with 422 naming each rule, roles the policy does not list get 403") {
    Org org;
    json bad = justification("account:c-000003", "security:read", "short");
    bad["ticket"] = "JIRA-1";
    bad["duration"] = "9h";
    auto refused = request_access(org.h, org.helpdesk, bad);
    CHECK(refused.status == 422);
    const auto reasons = refused.body["reasons"].dump();
    CHECK(reasons.find("ticket 'JIRA-1' does not match CUSTOMER_SUPPORT") != std::string::npos);
    CHECK(reasons.find("at least 10 characters") != std::string::npos);
    CHECK(reasons.find("longer than the policy allows") != std::string::npos);
    json code = justification("account:c-000003");
    code["code"] = "CURIOSITY";
    CHECK(request_access(org.h, org.helpdesk, code).body["reasons"][0].get<std::string>().find("not in the policy") != std::string::npos);
    CHECK(request_access(org.h, org.helpdesk, justification("account:c-000003", "everything")).status == 422);
    CHECK(request_access(org.h, org.helpdesk, justification("database")).status == 422);
    CHECK(request_access(org.h, org.auditor, justification("account:c-000003")).status == 403);
    auto missing = org.h.post("/v1/access-requests", {{"justification", {{"resource", 5}}}, {"nonce", "x"}}, org.helpdesk.token);
    CHECK(missing.status == 400);
    CHECK(missing.body["errors"].dump().find("/justification/resource") != std::string::npos);
    CHECK(missing.body["errors"].dump().find("/assertion") != std::string::npos);
  }

  TEST_CASE("two approvals when the policy asks for two, revocation ends a grant, expiry is on the clock") {
    ServerPolicy policy = server_policy_default(true);
    policy.access.approvals_required = 2;
    Org org(std::move(policy));
    auto created = request_access(org.h, org.helpdesk, justification("group:high-profile"));
    REQUIRE(created.status == 201);
    const std::string id = created.body["id"];
    CHECK(created.body["approvalsRequired"] == 2);
    auto first = review_access(org.h, org.approver, id, "approve");
    REQUIRE(first.status == 201);
    CHECK(first.body["state"] == "pending");
    auto second = review_access(org.h, org.approver2, id, "approve");
    REQUIRE(second.status == 201);
    CHECK(second.body["state"] == "active");
    CHECK(second.body["grant"]["startsAt"] == second.body["reviews"][1]["at"]);  // the clock starts at approval

    // The group grant covers its members and no one else (the seeded 50 may hold none, so one is added).
    AccountRecord vip;
    vip.id = "c-vip";
    vip.groups = {"high-profile"};
    vip.created = store_now();
    std::vector<AuditedWrite> add_vip;
    add_vip.push_back(AuditedWrite{.change = [vip](StoreTransaction& tx, AuditEvent&) { return tx.account_insert(vip); },
                                   .event = AuditEvent{.time = "2026-12-02T00:00:00Z", .actor = "test", .action = "test.setup",
                                                       .resource = "account:c-vip", .grant = std::nullopt, .detail = json::object()}});
    REQUIRE(org.h.writer->append_and_wait(std::move(add_vip)).front().has_value());
    CHECK(org.h.get("/v1/accounts/c-vip/security", org.helpdesk.token).status == 200);
    CHECK(org.h.get("/v1/accounts/c-000006/security", org.helpdesk.token).status == (org.h.store->account_get("c-000006")->groups.empty() ? 403 : 200));

    CHECK(org.h.post("/v1/access-requests/" + id + "/revoke", {{"reason", "done"}}, org.auditor.token).status == 403);
    auto revoked = org.h.post("/v1/access-requests/" + id + "/revoke", {{"reason", "work finished"}}, org.helpdesk.token);
    REQUIRE(revoked.status == 200);
    CHECK(revoked.body["state"] == "revoked");
    CHECK(revoked.body["revokedBy"] == "hd@example.com");
    CHECK(org.h.get("/v1/accounts/c-vip/security", org.helpdesk.token).status == 403);
    CHECK(org.h.post("/v1/access-requests/" + id + "/revoke", {{"reason", "again"}}, org.helpdesk.token).status == 409);

    // Expired is derived from the clock: a grant whose end has passed and a request left pending too long.
    AccessRequestRecord old;
    old.id = "ar-expired-grant";
    old.requester = "hd@example.com";
    old.justification = Justification{"account:c-000004", "security:read", "CUSTOMER_SUPPORT", "SUP-1000", "an old grant", "1h"};
    old.duration = std::chrono::hours(1);
    old.state = "active";
    old.created = store_now() - 7'200'000;
    old.pending_until = old.created + 86'400'000;
    old.grant_id = "gr-expired-grant";
    old.grant_start = old.created;
    old.grant_end = old.created + 3'600'000;
    AccessRequestRecord stale = old;
    stale.id = "ar-stale";
    stale.state = "pending";
    stale.pending_until = store_now() - 1;
    stale.grant_id.clear();
    std::vector<AuditedWrite> writes;
    writes.push_back(AuditedWrite{.change = [old, stale](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                                    if (auto put = tx.access_request_put(old); !put) return put;
                                    return tx.access_request_put(stale);
                                  },
                                  .event = AuditEvent{.time = "2026-12-02T00:00:00Z", .actor = "test", .action = "test.setup",
                                                      .resource = "request:old", .grant = std::nullopt, .detail = json::object()}});
    REQUIRE(org.h.writer->append_and_wait(std::move(writes)).front().has_value());
    CHECK(org.h.get("/v1/access-requests/ar-expired-grant", org.helpdesk.token).body["state"] == "expired");
    CHECK(org.h.get("/v1/access-requests/ar-stale", org.helpdesk.token).body["state"] == "expired");
    CHECK(org.h.get("/v1/accounts/c-000004/security", org.helpdesk.token).status == 403);
    CHECK(review_access(org.h, org.approver, "ar-stale", "approve").status == 409);
    auto expired = org.h.get("/v1/access-requests?state=expired", org.auditor.token);
    REQUIRE(expired.status == 200);
    CHECK(expired.body["items"].size() == 2);
  }

  TEST_CASE("listing: the caller's own unless it may review, reviewable ones, pages with cursors, waiting for a decision") {
    Org org;
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
      auto created = request_access(org.h, org.helpdesk, justification(fmt::format("account:c-00001{}", i)));
      REQUIRE(created.status == 201);
      ids.push_back(created.body["id"]);
    }
    Staff engineer = staff_member(org.h, org.admin, "en@example.com", {"engineer"});
    CHECK(org.h.get("/v1/access-requests", engineer.token).body["items"].empty());  // not theirs
    CHECK(org.h.get("/v1/access-requests/" + ids[0], engineer.token).status == 404);
    CHECK(org.h.get("/v1/access-requests?mine=true", org.helpdesk.token).body["items"].size() == 5);
    CHECK(org.h.get("/v1/access-requests?reviewable=true", org.approver.token).body["items"].size() == 5);
    CHECK(org.h.get("/v1/access-requests?reviewable=true", org.helpdesk.token).body["items"].empty());
    CHECK(org.h.get("/v1/access-requests?state=bogus", org.helpdesk.token).status == 400);
    std::vector<std::string> seen;
    std::string cursor;
    do {
      auto page = org.h.get("/v1/access-requests?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), org.approver.token);
      REQUIRE(page.status == 200);
      for (const auto& item : page.body["items"]) seen.push_back(item["id"]);
      cursor = page.body.value("next", "");
    } while (!cursor.empty());
    CHECK(seen == std::vector<std::string>(ids.rbegin(), ids.rend()));  // newest first

    // A waiter is answered by the approval, not by its deadline.
    auto waiting = std::async(std::launch::async, [&] { return org.h.get("/v1/access-requests/" + ids[0] + "?wait=50s", org.helpdesk.token); });
    while (org.h.waits.waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(review_access(org.h, org.approver, ids[0], "approve").status == 201);
    auto decided = waiting.get();
    CHECK(decided.status == 200);
    CHECK(decided.body["state"] == "active");
    CHECK(org.h.get("/v1/access-requests/" + ids[1] + "?wait=soon", org.helpdesk.token).status == 400);
  }

  TEST_CASE("creating a request takes an Idempotency-Key: a retry gets the first reply and makes nothing new") {
    Org org;
    const json wanted = justification("account:c-000005");
    auto challenge = org.h.post("/v1/access-requests/challenges", {{"purpose", "request"}, {"justification", wanted}}, org.helpdesk.token);
    const std::string body = json{{"justification", wanted}, {"nonce", challenge.body["nonce"]},
                                  {"assertion", sign_challenge(org.helpdesk.key, challenge.body)}}.dump();
    const std::vector<std::pair<std::string, std::string>> key = {{"idempotency-key", "5b2f7c1e-9d3a-4b6e-8f10-2a3b4c5d6e7f"}};
    CHECK(org.h.call("POST", "/v1/access-requests", body, org.helpdesk.token).status == 400);  // no key
    auto first = org.h.call("POST", "/v1/access-requests", body, org.helpdesk.token, "127.0.0.1", key);
    REQUIRE(first.status == 201);
    auto again = org.h.call("POST", "/v1/access-requests", body, org.helpdesk.token, "127.0.0.1", key);
    CHECK(again.status == 201);
    CHECK(has_header(again, "Idempotent-Replayed", "true"));
    CHECK(again.body["id"] == first.body["id"]);
    CHECK(org.h.get("/v1/access-requests?mine=true", org.helpdesk.token).body["items"].size() == 1);
  }

  TEST_CASE("the account list needs a posture:list grant and pages under filters, groups show their required posture") {
    Org org;
    CHECK(org.h.get("/v1/accounts?filter=no-2fa", org.helpdesk.token).status == 403);
    org.grant(justification("accounts", "posture:list"));
    std::size_t total = 0;
    std::string cursor;
    do {
      auto page = org.h.get("/v1/accounts?filter=no-2fa&limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor), org.helpdesk.token);
      REQUIRE_MESSAGE(page.status == 200, page.raw.body);
      for (const auto& item : page.body["items"]) {
        CHECK(item["twoFactorEnabled"] == false);
        ++total;
      }
      cursor = page.body.value("next", "");
    } while (!cursor.empty());
    std::size_t expected = 0;
    const auto no_2fa = org.h.store->account_page("", std::vector<std::string>{"no-2fa"}, "", 1000);
    REQUIRE(no_2fa.has_value());
    for (const auto& a : *no_2fa) expected += a.id.starts_with("c-");
    CHECK(total == expected);
    auto noncompliant = org.h.get("/v1/accounts?filter=group-noncompliant", org.helpdesk.token);
    REQUIRE(noncompliant.status == 200);
    for (const auto& item : noncompliant.body["items"]) CHECK(item["compliant"] == false);
    CHECK(org.h.get("/v1/accounts?filter=everything", org.helpdesk.token).status == 400);
    auto groups = org.h.get("/v1/groups", org.helpdesk.token);
    REQUIRE(groups.status == 200);
    CHECK(groups.body["groups"][0]["name"] == "high-profile");
    CHECK(groups.body["groups"][0]["requires"] == json::array({"phishing-resistant", "reset-protection"}));
    const auto actions = org.actions();
    CHECK(std::count(actions.begin(), actions.end(), "account.list.read") >= 2);
  }
}

TEST_SUITE("server::audit") {
  TEST_CASE("the audit log pages in chain order with filters, and its head is signed by the server key") {
    Org org;
    auto all = org.h.get("/v1/audit?limit=1000", org.auditor.token);
    REQUIRE(all.status == 200);
    AuditChainVerifier verifier;
    for (const auto& item : all.body["items"]) {
      AuditEntry entry;
      entry.seq = item["seq"];
      entry.event = AuditEvent{item["time"], item["actor"], item["action"], item["resource"],
                               item["grant"].is_null() ? std::nullopt : std::optional<std::string>(item["grant"]), item["detail"]};
      entry.prev = item["prev"];
      entry.hash = item["hash"];
      CHECK(verifier.add(entry).has_value());
    }
    auto mine = org.h.get("/v1/audit?actor=hd@example.com", org.auditor.token);
    for (const auto& item : mine.body["items"]) CHECK(item["actor"] == "hd@example.com");
    CHECK(!mine.body["items"].empty());
    auto paged = org.h.get("/v1/audit?limit=3", org.auditor.token);
    auto next = org.h.get("/v1/audit?limit=3&cursor=" + paged.body["next"].get<std::string>(), org.auditor.token);
    CHECK(next.body["items"][0]["seq"] == 4);
    CHECK(org.h.get("/v1/audit?since=yesterday", org.auditor.token).status == 400);
    CHECK(org.h.get("/v1/audit", org.helpdesk.token).status == 403);

    auto head = org.h.get("/v1/audit/head", org.auditor.token);
    REQUIRE(head.status == 200);
    CHECK(head.body["schema"] == "acctsec.audit-head/1");
    CHECK(head.body["seq"] == all.body["items"].back()["seq"]);
    CHECK(head.body["hash"] == all.body["items"].back()["hash"]);
    const std::string pem = head.body["publicKey"];
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(key != nullptr);
    auto verifies = [&](const json& h) {
      const std::string text = audit_head_signed_text(AuditHead{h["seq"], h["hash"]}, h["signedAt"].get<std::string>());
      const Bytes signature = *base64url_decode(h["signature"].get<std::string>());
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      const bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
                      EVP_DigestVerify(ctx, signature.data(), signature.size(), reinterpret_cast<const unsigned char*>(text.data()),
                                       text.size()) == 1;
      EVP_MD_CTX_free(ctx);
      return ok;
    };
    CHECK(verifies(head.body));
    json forged = head.body;
    forged["seq"] = forged["seq"].get<int>() - 1;  // a log cut short does not match the signed head
    CHECK_FALSE(verifies(forged));
    EVP_PKEY_free(key);
  }

  TEST_CASE("follow waits for the next entry") {
    Org org;
    auto head = org.h.get("/v1/audit/head", org.auditor.token);
    const std::string cursor = base64url_encode(as_bytes(std::to_string(head.body["seq"].get<int>())));
    auto waiting = std::async(std::launch::async, [&] { return org.h.get("/v1/audit?follow=true&cursor=" + cursor, org.auditor.token); });
    while (org.h.waits.waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(org.h.get("/v1/accounts/c-000009/security", org.helpdesk.token).status == 403);  // audited
    auto followed = waiting.get();
    REQUIRE(followed.status == 200);
    REQUIRE(followed.body["items"].size() >= 1);
    CHECK(followed.body["items"][0]["action"] == "account.read.denied");
  }

  TEST_CASE("detection raises alerts: reads without a grant, many accounts read, a new key then privilege, a repeated pair") {
    ServerPolicy policy = server_policy_default(true);
    policy.detection.many_accounts_read.threshold = 3;
    policy.detection.repeated_approver_pair.threshold = 2;
    Org org(std::move(policy));
    for (int i = 0; i < 3; ++i) org.h.get(fmt::format("/v1/accounts/c-00002{}/security", i), org.helpdesk.token);
    org.grant(justification("accounts"));
    org.grant(justification("account:c-000001"));
    for (int i = 0; i < 4; ++i) CHECK(org.h.get(fmt::format("/v1/accounts/c-00003{}/security", i), org.helpdesk.token).status == 200);
    auto alerts = org.h.get("/v1/alerts", org.auditor.token);
    REQUIRE(alerts.status == 200);
    std::map<std::string, json> by_rule;
    for (const auto& a : alerts.body["items"]) by_rule[a["rule"]] = a;
    REQUIRE(by_rule.contains("read-without-grant"));
    CHECK(by_rule["read-without-grant"]["actor"] == "hd@example.com");
    CHECK(by_rule["read-without-grant"]["entries"].size() == 3);
    INFO(alerts.raw.body);
    REQUIRE(by_rule.contains("many-accounts-read"));
    CHECK(by_rule["many-accounts-read"]["severity"] == "high");
    REQUIRE(by_rule.contains("new-key-then-privileged-action"));
    REQUIRE(by_rule.contains("repeated-approver-pair"));
    CHECK(by_rule["repeated-approver-pair"]["actor"] == "ap@example.com");
    CHECK(org.h.get("/v1/alerts?severity=high", org.auditor.token).body["items"].size() <
          alerts.body["items"].size());
    CHECK(org.h.get("/v1/alerts?severity=urgent", org.auditor.token).status == 400);
    CHECK(org.h.get("/v1/alerts", org.helpdesk.token).status == 403);

    // Evaluating the same entries again raises nothing new.
    Detector again(*org.h.store, org.h.policy->detection);
    REQUIRE(again.warm_up(*org.h.store, store_now()).has_value());
    CHECK(org.h.get("/v1/alerts", org.auditor.token).body["items"].size() == alerts.body["items"].size());
  }
  TEST_CASE("detection: repeated failed logins, a key whose counter went back, and grant misuse (another account, outside hours)") {
    ServerPolicy policy = server_policy_default(true);
    policy.detection.repeated_auth_failures.threshold = 3;
    policy.detection.grant_misuse.threshold = 2;
    Org org(std::move(policy));
    auto alerts_by_rule = [&] {
      auto alerts = org.h.get("/v1/alerts", org.auditor.token);
      REQUIRE(alerts.status == 200);
      std::map<std::string, std::vector<json>> by_rule;
      for (const auto& a : alerts.body["items"]) by_rule[a["rule"]].push_back(a);
      return by_rule;
    };
    auto login_options = [&](const std::string& name) {
      auto options = org.h.post("/v1/auth/login/options", {{"principal", name}});
      REQUIRE_MESSAGE(options.status == 200, options.raw.body);
      return options.body;
    };

    // Three logins whose signature was tampered with: each is refused and recorded, the third
    // raises the alert, naming the three attempts.
    for (int i = 0; i < 3; ++i) {
      auto options = login_options(org.helpdesk.name);
      json response = authentication_response(org.helpdesk.key, options);
      Bytes signature = *base64url_decode(response["response"]["signature"].get<std::string>());
      signature.back() ^= 0x01;
      response["response"]["signature"] = base64url_encode(signature);
      auto failed = org.h.post("/v1/auth/login/verify", {{"ceremonyId", options["ceremonyId"]}, {"response", response}});
      CHECK(failed.status == 401);
      if (i < 2) CHECK_FALSE(alerts_by_rule().contains("repeated-auth-failures"));
    }
    auto by_rule = alerts_by_rule();
    REQUIRE(by_rule.contains("repeated-auth-failures"));
    REQUIRE(by_rule["repeated-auth-failures"].size() == 1);
    const json failures = by_rule["repeated-auth-failures"].front();
    CHECK(failures["actor"] == org.helpdesk.name);
    CHECK(failures["severity"] == "high");
    CHECK(failures["entries"].size() == 3);

    // A copy of the key's state taken before a login (a cloned key) signs with the old counter:
    // one critical alert at once, whatever the threshold.
    const std::string clone_file = org.h.dir.file("helpdesk-clone.json");
    std::filesystem::copy_file(org.helpdesk.key.file, clone_file);
    auto login = [&](Staff& member) {
      auto fresh = login_options(member.name);
      auto session = org.h.post("/v1/auth/login/verify",
                                {{"ceremonyId", fresh["ceremonyId"]}, {"response", authentication_response(member.key, fresh)}});
      REQUIRE_MESSAGE(session.status == 200, session.raw.body);
    };
    login(org.helpdesk);
    auto opened = fido::Device::open("virtual:" + clone_file, std::chrono::seconds(10));
    REQUIRE(opened.has_value());
    Key copy{clone_file, std::move(*opened)};
    auto options = login_options(org.helpdesk.name);
    auto cloned = org.h.post("/v1/auth/login/verify",
                             {{"ceremonyId", options["ceremonyId"]}, {"response", authentication_response(copy, options)}});
    CHECK(cloned.status == 401);
    const auto entries = org.h.audit();
    REQUIRE(entries.back().event.action == "auth.login.failed");
    CHECK(entries.back().event.detail["possibleClone"] == true);
    by_rule = alerts_by_rule();
    REQUIRE(by_rule["repeated-auth-failures"].size() == 2);
    const json clone = by_rule["repeated-auth-failures"].front()["severity"] == "critical" ? by_rule["repeated-auth-failures"].front()
                                                                                            : by_rule["repeated-auth-failures"].back();
    CHECK(clone["severity"] == "critical");
    CHECK(clone["entries"] == json::array({entries.back().seq}));
    CHECK(clone["summary"].get<std::string>().find("cloned") != std::string::npos);

    // A grant on one account used on another is refused as outside-grant ...
    const std::string grant = org.grant(justification("account:c-000001"));
    auto other = org.h.get("/v1/accounts/c-000002/security", org.helpdesk.token);
    CHECK(other.status == 403);
    CHECK(other.body["requiredGrant"] == json{{"resource", "account:c-000002"}, {"scope", "security:read"}});
    CHECK(org.h.audit().back().event.detail["why"] == "outside-grant");
    CHECK_FALSE(alerts_by_rule().contains("grant-misuse"));

    // ... and the same grant used where the policy allows helpdesk reads only at other hours is
    // refused as outside-window, naming the grant; the second misuse raises the alert.
    ServerPolicy night = server_policy_default(true);
    const auto hour = std::chrono::duration_cast<std::chrono::hours>(std::chrono::system_clock::now().time_since_epoch()).count() % 24;
    const int start = static_cast<int>((hour + 3) % 24) * 60;
    night.access.windows.push_back(
        AccessWindow{.resource = "account", .role = "helpdesk", .days = 0x7f, .start_minute = start, .end_minute = (start + 60) % 1440,
                     .text = "every day, three hours from now"});
    Router night_routes;
    add_account_routes(night_routes, *org.h.store, *org.h.writer, std::make_shared<const ServerPolicy>(std::move(night)));
    auto outside = Harness::call_on(night_routes, "GET", "/v1/accounts/c-000001/security", "", org.helpdesk.token);
    CHECK(outside.status == 403);
    CHECK(outside.body["detail"].get<std::string>().find(grant) != std::string::npos);
    const auto denied = org.h.audit().back();
    CHECK(denied.event.action == "account.read.denied");
    CHECK(denied.event.detail["why"] == "outside-window");
    CHECK(denied.event.grant == grant);
    // Inside its own policy's hours the grant still reads.
    CHECK(org.h.get("/v1/accounts/c-000001/security", org.helpdesk.token).status == 200);

    by_rule = alerts_by_rule();
    REQUIRE(by_rule.contains("grant-misuse"));
    const json misuse = by_rule["grant-misuse"].front();
    CHECK(misuse["actor"] == org.helpdesk.name);
    CHECK(misuse["entries"].size() == 2);
    CHECK(misuse["summary"].get<std::string>().find("outside its allowed hours") != std::string::npos);
  }
}
