// The identity routes driven through the router with a real SQLite store and audit writer, and
// virtual keys signing the ceremonies.
#include "server/identity_routes.hpp"

#include "unit/server/route_harness.hpp"

#include <doctest/doctest.h>

#include <future>
#include <map>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "fido/device.hpp"
#include "fido/enrollment.hpp"
#include "fido/library.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "server/authorize.hpp"
#include "server/bearer_auth.hpp"
#include "server/sqlite_store.hpp"
#include "unit/fido/virtual/scratch_dir.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/registration_response.hpp"

using namespace acctsec;
using namespace acctsec::server;
using namespace acctsec::test;
using nlohmann::json;


TEST_SUITE("server::identity") {
  TEST_CASE("the bootstrap code makes the first admin once, a wrong code is 401 and a second use 409") {
    Harness h;
    CHECK(h.post("/v1/bootstrap", {{"code", "acsb_wrong-code-wrong-code"}, {"name", "root@example.com"}, {"displayName", "R"}}).status ==
          401);
    auto boot = h.post("/v1/bootstrap", {{"code", h.bootstrap_code}, {"name", "root@example.com"}, {"displayName", "Root"}});
    REQUIRE(boot.status == 201);
    CHECK(boot.body["publicKey"]["rp"]["id"] == "localhost");
    CHECK(boot.body["publicKey"]["user"]["name"] == "root@example.com");
    CHECK(base64url_decode(boot.body["publicKey"]["challenge"].get<std::string>())->size() == 32);
    auto again = h.post("/v1/bootstrap", {{"code", h.bootstrap_code}, {"name", "evil@example.com"}, {"displayName", "E"}});
    CHECK(again.status == 409);
    auto root = h.store->principal_get("root@example.com");
    REQUIRE(root.has_value());
    CHECK(root->roles == std::vector<std::string>{"admin"});
    CHECK_FALSE(h.store->principal_get("evil@example.com").has_value());
    // No new code once one has been used.
    auto code = bootstrap_code_issue(*h.store, std::chrono::hours(1));
    REQUIRE(code.has_value());
    CHECK_FALSE(code->has_value());
  }

  TEST_CASE("a key registers and logs in, whoami shows the session, and logout ends it") {
    Harness h;
    Key key = make_key(h, "root");
    const std::string token = admin_session(h, key);
    CHECK(token.starts_with("acss_"));
    auto me = h.get("/v1/auth/whoami", token);
    REQUIRE(me.status == 200);
    CHECK(me.body["schema"] == "acctsec.whoami/1");
    CHECK(me.body["principal"] == "root@example.com");
    CHECK(me.body["roles"] == json::array({"admin"}));
    CHECK(me.body["tokenKind"] == "session");

    auto credentials = h.get("/v1/principals/root@example.com/credentials", token);
    REQUIRE(credentials.status == 200);
    REQUIRE(credentials.body["credentials"].size() == 1);
    const json& c = credentials.body["credentials"][0];
    CHECK(c["virtualKey"] == true);
    CHECK(c["fmt"] == "packed");
    CHECK(c["counter"].get<int>() >= 1);  // the login's assertion moved it
    CHECK(c["lastUsedAt"].is_string());

    // Only the hash is stored.
    auto stored = h.store->token_by_hash(secret_hash(token));
    REQUIRE(stored.has_value());
    CHECK(stored->hash != Bytes(token.begin(), token.end()));

    CHECK(h.call("POST", "/v1/auth/logout", "", token).status == 204);
    auto after = h.get("/v1/auth/whoami", token);
    CHECK(after.status == 401);
    CHECK(after.body["detail"].get<std::string>().find("revoked") != std::string::npos);
    CHECK(h.get("/v1/auth/whoami").status == 401);
    CHECK(h.get("/v1/auth/whoami", "acss_" + std::string(43, 'A')).status == 401);
  }

  TEST_CASE("ceremonies are single-use: a replayed login and a second registration are refused") {
    Harness h;
    Key key = make_key(h, "root");
    admin_session(h, key);
    auto options = h.post("/v1/auth/login/options", {{"principal", "root@example.com"}});
    REQUIRE(options.status == 200);
    const json assertion = authentication_response(key, options.body);
    CHECK(h.post("/v1/auth/login/verify", {{"ceremonyId", options.body["ceremonyId"]}, {"response", assertion}}).status == 200);
    CHECK(h.post("/v1/auth/login/verify", {{"ceremonyId", options.body["ceremonyId"]}, {"response", assertion}}).status == 401);
    // The same assertion against a fresh ceremony: the challenge differs.
    auto fresh = h.post("/v1/auth/login/options", {{"principal", "root@example.com"}});
    auto replay = h.post("/v1/auth/login/verify", {{"ceremonyId", fresh.body["ceremonyId"]}, {"response", assertion}});
    CHECK(replay.status == 401);
    CHECK(replay.body["reasons"].dump().find("challenge") != std::string::npos);
  }

  TEST_CASE("a counter that does not increase is refused as a possible clone, and recorded") {
    Harness h;
    Key key = make_key(h, "root");
    admin_session(h, key);
    auto credentials = h.store->credentials_of("root@example.com");
    REQUIRE(credentials.has_value());
    const Bytes id = credentials->front().id;
    // As if a copy of the key had been used far ahead.
    std::vector<AuditedWrite> writes;
    writes.push_back(AuditedWrite{.change = [id](StoreTransaction& tx, AuditEvent&) { return tx.credential_used(id, 1000000, store_now()); },
                                  .event = AuditEvent{.time = "2026-12-02T00:00:00Z", .actor = "test", .action = "test.counter",
                                                      .resource = "test", .grant = std::nullopt, .detail = json::object()}});
    REQUIRE(h.writer->append_and_wait(std::move(writes)).front().has_value());
    auto options = h.post("/v1/auth/login/options", {{"principal", "root@example.com"}});
    auto refused = h.post("/v1/auth/login/verify", {{"ceremonyId", options.body["ceremonyId"]}, {"response", authentication_response(key, options.body)}});
    CHECK(refused.status == 401);
    const auto entries = h.audit();
    REQUIRE_FALSE(entries.empty());
    CHECK(entries.back().event.action == "auth.login.failed");
    CHECK(entries.back().event.detail["possibleClone"] == true);
  }

  TEST_CASE("a registration the policy refuses is 422 naming the rule, stores nothing, and uses up the ceremony") {
    IdentityOptions strict = Harness::dev_options();
    strict.policy.allow_virtual_keys = false;
    Harness h(strict);
    Key key = make_key(h, "root");
    auto boot = h.post("/v1/bootstrap", {{"code", h.bootstrap_code}, {"name", "root@example.com"}, {"displayName", "Root"}});
    REQUIRE(boot.status == 201);
    const json response = registration_response(key, boot.body);
    auto refused = h.post("/v1/auth/registration/verify", {{"ceremonyId", boot.body["ceremonyId"]}, {"response", response}});
    CHECK(refused.status == 422);
    CHECK(refused.body["reasons"].dump().find("allow_virtual_keys") != std::string::npos);
    CHECK(h.store->credentials_of("root@example.com")->empty());
    CHECK(h.post("/v1/auth/registration/verify", {{"ceremonyId", boot.body["ceremonyId"]}, {"response", response}}).status == 404);
    CHECK(h.audit().back().event.action == "credential.registration.refused");
  }

  TEST_CASE("request bodies are strict: each unknown member, wrong type and missing member is named") {
    Harness h;
    auto bad = h.post("/v1/bootstrap", {{"code", 7}, {"name", ""}, {"extra", true}});
    REQUIRE(bad.status == 400);
    std::map<std::string, std::string> errors;
    for (const auto& e : bad.body["errors"]) errors[e["pointer"]] = e["detail"];
    CHECK(errors["/code"] == "must be a string");
    CHECK(errors["/name"] == "must not be empty");
    CHECK(errors["/displayName"] == "is required");
    CHECK(errors["/extra"] == "is not a member this request takes");
    CHECK(h.call("POST", "/v1/auth/login/options", "{not json").status == 400);
    CHECK(h.call("POST", "/v1/auth/login/options", "[1]").status == 400);
    auto malformed = h.post("/v1/auth/login/verify", {{"ceremonyId", "x"}, {"response", {{"id", "!!"}}}});
    CHECK(malformed.status == 400);
    CHECK(malformed.body["errors"][0]["pointer"] == "/response");
  }

  TEST_CASE("API tokens carry only their scopes, and stop working when revoked") {
    Harness h;
    Key key = make_key(h, "root");
    const std::string admin = admin_session(h, key);
    auto created = h.post("/v1/tokens", {{"name", "ci"}, {"scopes", {"enrollment:read"}}, {"expiresIn", "30d"}}, admin);
    REQUIRE(created.status == 201);
    const std::string ci = created.body["secret"];
    CHECK(ci.starts_with("acst_"));
    CHECK(h.get("/v1/principals/root@example.com/credentials", ci).status == 200);
    CHECK(h.get("/v1/enrollment/verification", ci).status == 200);
    CHECK(h.get("/v1/principals", ci).status == 403);
    CHECK(h.post("/v1/tokens", {{"name", "more"}, {"scopes", {"audit:read"}}}, ci).status == 403);
    auto me = h.get("/v1/auth/whoami", ci);
    CHECK(me.body["tokenKind"] == "api");
    CHECK(me.body["scopes"] == json::array({"enrollment:read"}));
    auto listed = h.get("/v1/tokens", admin);
    REQUIRE(listed.status == 200);
    REQUIRE(listed.body["items"].size() == 1);
    CHECK_FALSE(listed.body["items"][0].contains("secret"));
    CHECK(h.call("DELETE", "/v1/tokens/" + created.body["id"].get<std::string>(), "", admin).status == 204);
    CHECK(h.get("/v1/enrollment/verification", ci).status == 401);
    CHECK(h.call("DELETE", "/v1/tokens/t-nosuch", "", admin).status == 404);
    CHECK(h.post("/v1/tokens", {{"name", "x"}, {"scopes", {"everything"}}}, admin).status == 400);
  }

  TEST_CASE("an admin registers a key for a new principal, who then logs in with it") {
    Harness h;
    Key root = make_key(h, "root");
    const std::string admin = admin_session(h, root);
    auto made = h.post("/v1/principals", {{"name", "erin@example.com"}, {"displayName", "Erin"}, {"roles", {"engineer"}}}, admin);
    REQUIRE(made.status == 201);
    CHECK(made.body["credentialCount"] == 0);
    CHECK(h.post("/v1/principals", {{"name", "erin@example.com"}, {"displayName", "Erin"}, {"roles", {"engineer"}}}, admin).status == 409);
    CHECK(h.get("/v1/auth/login/options").status == 405);
    CHECK(h.post("/v1/auth/login/options", {{"principal", "erin@example.com"}}).status == 404);  // no key yet

    auto ceremony = h.post("/v1/auth/registration/options", {{"principal", "erin@example.com"}}, admin);
    REQUIRE(ceremony.status == 200);
    Key erin_key = make_key(h, "erin");
    auto registered = h.post("/v1/auth/registration/verify",
                             {{"ceremonyId", ceremony.body["ceremonyId"]}, {"nickname", "desk key"}, {"response", registration_response(erin_key, ceremony.body)}},
                             admin);
    REQUIRE(registered.status == 201);
    CHECK(registered.body["nickname"] == "desk key");
    auto options = h.post("/v1/auth/login/options", {{"principal", "erin@example.com"}});
    auto session = h.post("/v1/auth/login/verify", {{"ceremonyId", options.body["ceremonyId"]}, {"response", authentication_response(erin_key, options.body)}});
    REQUIRE(session.status == 200);
    const std::string erin = session.body["token"];
    // An engineer registers only for itself, and sees only itself.
    CHECK(h.post("/v1/auth/registration/options", {{"principal", "root@example.com"}}, erin).status == 403);
    CHECK(h.post("/v1/auth/registration/options", json::object(), erin).status == 200);
    CHECK(h.get("/v1/principals/root@example.com", erin).status == 403);
    CHECK(h.get("/v1/principals/erin@example.com", erin).status == 200);
    // The only key is not removed without force.
    const std::string id = registered.body["id"];
    CHECK(h.call("DELETE", "/v1/principals/erin@example.com/credentials/" + id, "", erin).status == 409);
    CHECK(h.call("DELETE", "/v1/principals/erin@example.com/credentials/" + id + "?force=true", "", erin).status == 204);
    CHECK(h.store->credentials_of("erin@example.com")->empty());
  }

  TEST_CASE("every route checks who calls it: each role and token scope against each route") {
    Harness h;
    std::map<std::string, std::string> callers = {{"none", ""}};
    for (const std::string role : {"engineer", "helpdesk", "approver", "admin", "auditor"})
      callers[role] = session_for(h, role + "@example.com", {role});
    callers["api:enrollment"] = api_token(h, callers["admin"], {"enrollment:read"});
    callers["api:audit"] = api_token(h, callers["admin"], {"audit:read"});

    struct Route {
      std::string method;
      std::string target;
      std::string body;
      std::vector<std::string> allowed;  // callers that get past authorization
    };
    const std::vector<std::string> sessions = {"engineer", "helpdesk", "approver", "admin", "auditor"};
    auto plus = [](std::vector<std::string> a, std::vector<std::string> b) {
      a.insert(a.end(), b.begin(), b.end());
      return a;
    };
    const std::vector<std::string> everyone = plus(plus(sessions, {"api:enrollment", "api:audit"}), {"none"});
    const std::vector<Route> routes = {
        {"POST", "/v1/bootstrap", "{}", everyone},
        {"POST", "/v1/auth/login/options", "{}", everyone},
        {"POST", "/v1/auth/login/verify", "{}", everyone},
        {"POST", "/v1/auth/registration/verify", "{}", everyone},
        {"POST", "/v1/auth/registration/options", "{\"bad\":1}", sessions},
        {"POST", "/v1/auth/logout", "", sessions},
        {"GET", "/v1/auth/whoami", "", plus(sessions, {"api:enrollment", "api:audit"})},
        {"GET", "/v1/tokens", "", {"admin"}},
        {"POST", "/v1/tokens", "{}", {"admin"}},
        {"DELETE", "/v1/tokens/t-none", "", {"admin"}},
        {"GET", "/v1/principals", "", {"admin", "auditor"}},
        {"POST", "/v1/principals", "{}", {"admin"}},
        {"GET", "/v1/principals/admin@example.com", "", {"admin", "auditor"}},
        {"GET", "/v1/principals/admin@example.com/credentials", "", {"admin", "auditor", "api:enrollment"}},
        {"DELETE", "/v1/principals/admin@example.com/credentials/AAAA", "", {"admin"}},
        {"GET", "/v1/enrollment/verification", "", {"admin", "auditor", "api:enrollment"}},
    };
    for (const auto& route : routes) {
      for (const auto& [who, token] : callers) {
        if (route.target == "/v1/auth/logout") continue;  // below: it would end the sessions the table uses
        const bool allowed = std::find(route.allowed.begin(), route.allowed.end(), who) != route.allowed.end();
        auto reply = h.call(route.method, route.target, route.body, token);
        INFO(route.method, " ", route.target, " as ", who, ": ", reply.raw.body);
        if (allowed) {
          CHECK(reply.status != 403);
          if (who != "none") CHECK(reply.status != 401);
        } else {
          CHECK(reply.status == (who == "none" ? 401u : 403u));
        }
      }
    }
    CHECK(h.call("POST", "/v1/auth/logout", "", callers["api:audit"]).status == 403);
    CHECK(h.call("POST", "/v1/auth/logout", "", "").status == 401);
    CHECK(h.call("POST", "/v1/auth/logout", "", callers["helpdesk"]).status == 204);
  }

  TEST_CASE("authentication routes are rate-limited per client address with Retry-After") {
    IdentityOptions limited = Harness::dev_options();
    limited.auth_rate_per_second = 0.01;
    limited.auth_burst = 3;
    Harness h(limited);
    for (int i = 0; i < 3; ++i) CHECK(h.post("/v1/auth/login/options", {{"principal", "nobody@example.com"}}).status == 404);
    auto limited_reply = h.post("/v1/auth/login/options", {{"principal", "nobody@example.com"}});
    CHECK(limited_reply.status == 429);
    bool has_retry_after = false;
    for (const auto& [name, value] : limited_reply.raw.headers)
      if (name == "Retry-After") has_retry_after = std::stoi(value) >= 1;
    CHECK(has_retry_after);
    // Another address has its own bucket.
    CHECK(h.call("POST", "/v1/auth/login/options", R"({"principal":"nobody@example.com"})", "", "10.0.0.2").status == 404);
  }

  TEST_CASE("every change is in the audit chain, which verifies") {
    Harness h;
    Key key = make_key(h, "root");
    const std::string admin = admin_session(h, key);
    h.post("/v1/tokens", {{"name", "ci"}, {"scopes", {"audit:read"}}}, admin);
    h.call("POST", "/v1/auth/logout", "", admin);
    std::vector<std::string> actions;
    AuditChainVerifier verifier;
    for (const auto& entry : h.audit()) {
      CHECK(verifier.add(entry).has_value());
      actions.push_back(entry.event.action);
    }
    CHECK(actions == std::vector<std::string>{"principal.bootstrapped", "credential.registered", "auth.login", "token.created", "auth.logout"});
    // No secret reaches the log.
    for (const auto& entry : h.audit()) CHECK(entry.event.detail.dump().find("acss_") == std::string::npos);
  }

  TEST_CASE("a retry with the same Idempotency-Key gets the first reply and creates nothing more") {
    Harness h;
    Key key = make_key(h, "root");
    const std::string admin = admin_session(h, key);
    const std::string body = json{{"name", "dana@example.com"}, {"displayName", "Dana"}, {"roles", {"helpdesk"}}}.dump();
    const std::vector<std::pair<std::string, std::string>> idem = {{"idempotency-key", "3f1c2a9e-7b4d-4e21-9a0b-5c6d7e8f9a01"}};
    auto first = h.call("POST", "/v1/principals", body, admin, "127.0.0.1", idem);
    REQUIRE(first.status == 201);
    const std::size_t entries = h.audit().size();
    auto again = h.call("POST", "/v1/principals", body, admin, "127.0.0.1", idem);
    CHECK(again.status == 201);
    CHECK(again.raw.body == first.raw.body);
    bool replayed = false;
    for (const auto& [name, value] : again.raw.headers) replayed = replayed || (name == "Idempotent-Replayed" && value == "true");
    CHECK(replayed);
    CHECK(h.audit().size() == entries);  // nothing new happened
    const std::string other = json{{"name", "eve@example.com"}, {"displayName", "Eve"}, {"roles", {"helpdesk"}}}.dump();
    CHECK(h.call("POST", "/v1/principals", other, admin, "127.0.0.1", idem).status == 422);
    CHECK_FALSE(h.store->principal_get("eve@example.com").has_value());
    CHECK(h.call("POST", "/v1/principals", other, admin).status == 400);  // no key at all
    CHECK(h.call("POST", "/v1/principals", other, admin, "127.0.0.1", {{"idempotency-key", "short"}}).status == 400);

    // A token's secret is shown once: a retry returns the token without it.
    const std::string token_body = json{{"name", "ci"}, {"scopes", {"enrollment:read"}}}.dump();
    const std::vector<std::pair<std::string, std::string>> token_key = {{"idempotency-key", "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a"}};
    auto created = h.call("POST", "/v1/tokens", token_body, admin, "127.0.0.1", token_key);
    REQUIRE(created.status == 201);
    CHECK(created.body.contains("secret"));
    auto retried = h.call("POST", "/v1/tokens", token_body, admin, "127.0.0.1", token_key);
    CHECK(retried.status == 201);
    CHECK(retried.body["id"] == created.body["id"]);
    CHECK_FALSE(retried.body.contains("secret"));
    CHECK(retried.body["secretShown"] == false);
    CHECK(h.get("/v1/tokens", admin).body["items"].size() == 1);
  }
}
