// Test support for the server's routes: a real SQLite store, audit writer, detection and every
// route behind one router, driven in-process; virtual keys that sign the ceremonies; and staff
// members with sessions made straight in the store.
#pragma once

#include <doctest/doctest.h>

#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "fido/device.hpp"
#include "fido/enrollment.hpp"
#include "fido/library.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "server/access_routes.hpp"
#include "server/account_routes.hpp"
#include "server/audit_routes.hpp"
#include "server/audit_signer.hpp"
#include "server/authorize.hpp"
#include "server/bearer_auth.hpp"
#include "server/detection.hpp"
#include "server/identity_routes.hpp"
#include "server/long_poll.hpp"
#include "server/server_policy.hpp"
#include "server/sqlite_store.hpp"
#include "unit/fido/virtual/scratch_dir.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::test {

using namespace acctsec::server;
using nlohmann::json;

struct Reply {
  unsigned status = 0;
  json body;
  HttpResponse raw;
};

struct Harness {
  ScratchDir dir;
  std::unique_ptr<Store> store;
  std::shared_ptr<const ServerPolicy> policy;
  LongPoll waits;
  std::unique_ptr<Detector> detector;
  std::unique_ptr<AuditWriter> writer;  // after what its observer uses, so that it stops first
  std::unique_ptr<AuditSigner> signer;
  Router router;
  std::string bootstrap_code;

  explicit Harness(IdentityOptions options = dev_options(), ServerPolicy server_policy = server_policy_default(true)) {
    fido::library_init();
    auto opened = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(opened.has_value());
    store = std::move(*opened);
    policy = std::make_shared<const ServerPolicy>(std::move(server_policy));
    detector = std::make_unique<Detector>(*store, policy->detection);
    auto started = AuditWriter::start(*store);
    REQUIRE(started.has_value());
    writer = std::move(*started);
    writer->observe([this](const std::vector<AuditEntry>& entries) {
      waits.notify(std::string(k_audit_wait_key));
      REQUIRE(detector->observe(entries).has_value());
    });
    auto key = AuditSigner::load_or_create(dir.file("audit-signing-key.pem"));
    REQUIRE(key.has_value());
    signer = std::move(*key);
    add_access_routes(router, *store, *writer, waits, AccessOptions{.rp = options.rp, .policy = policy,
                                                                    .nonce_ttl = std::chrono::minutes(5),
                                                                    .max_wait = std::chrono::seconds(60)});
    add_account_routes(router, *store, *writer, policy);
    add_audit_routes(router, *store, *signer, waits, AuditRouteOptions{.follow_wait = std::chrono::seconds(2)});
    add_identity_routes(router, *store, *writer, std::move(options));
    auto code = bootstrap_code_issue(*store, std::chrono::hours(1));
    REQUIRE(code.has_value());
    REQUIRE(code->has_value());
    bootstrap_code = **code;
  }
  ~Harness() { waits.close(); }

  static IdentityOptions dev_options() {
    IdentityOptions options;
    options.rp = RelyingParty{.id = "localhost", .name = "acctsec", .origin = "https://localhost"};
    options.policy.allow_virtual_keys = true;
    options.auth_burst = 1000;
    return options;
  }

  Reply call(std::string method, std::string target, std::string body = "", std::string token = "", std::string remote = "127.0.0.1",
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    return call_on(router, std::move(method), std::move(target), std::move(body), std::move(token), std::move(remote),
                   std::move(headers));
  }
  // Through `routes` instead of the harness's own: routes added over the same store and writer
  // under another policy, say.
  static Reply call_on(Router& routes, std::string method, std::string target, std::string body = "", std::string token = "",
                       std::string remote = "127.0.0.1", std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest request;
    request.headers = std::move(headers);
    request.method = std::move(method);
    request.target = target;
    const auto q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    if (!token.empty()) request.headers.emplace_back("authorization", "Bearer " + token);
    request.body = std::move(body);
    request.request_id = "test";
    request.remote = std::move(remote);
    std::promise<HttpResponse> promise;
    auto future = promise.get_future();
    routes.dispatch(std::move(request), Respond([&promise](HttpResponse r) { promise.set_value(std::move(r)); }));
    Reply reply;
    reply.raw = future.get();
    reply.status = reply.raw.status;
    reply.body = json::parse(reply.raw.body.empty() ? "null" : reply.raw.body, nullptr, false);
    return reply;
  }
  // Each POST carries a fresh Idempotency-Key, as a client's first try does.
  Reply post(const std::string& target, const json& body, const std::string& token = "") {
    return call("POST", target, body.dump(), token, "127.0.0.1", {{"idempotency-key", base64url_encode(random_bytes(16))}});
  }
  Reply get(const std::string& target, const std::string& token = "") { return call("GET", target, "", token); }

  std::vector<AuditEntry> audit() {
    auto entries = store->audit_page(0, 100000);
    REQUIRE(entries.has_value());
    return *entries;
  }
};

// A virtual key in the harness's folder.
struct Key {
  std::string file;
  fido::Device device;
};

inline Key make_key(const Harness& h, const std::string& name, fido::VirtualCreateOptions options = {}) {
  const std::string file = h.dir.file(name + ".json");
  REQUIRE(fido::virtual_create(file, options).has_value());
  auto device = fido::Device::open("virtual:" + file, std::chrono::seconds(10));
  REQUIRE(device.has_value());
  return Key{file, std::move(*device)};
}

// What a client does with RegistrationCeremony options: make the credential, return toJSON().
inline json registration_response(Key& key, const json& ceremony) {
  const json& pk = ceremony["publicKey"];
  fido::EnrollRequest request;
  request.rp_id = pk["rp"]["id"];
  request.rp_name = pk["rp"]["name"];
  request.origin = ceremony["origin"];
  request.user_id = *base64url_decode(pk["user"]["id"].get<std::string>());
  request.user_name = pk["user"]["name"];
  request.user_display_name = pk["user"]["displayName"];
  request.challenge = *base64url_decode(pk["challenge"].get<std::string>());
  for (const auto& d : pk["excludeCredentials"]) request.exclude.push_back(*base64url_decode(d["id"].get<std::string>()));
  auto record = fido::key_enroll(key.device, request);
  REQUIRE_MESSAGE(record.has_value(), record.error().message);
  return webauthn::registration_response_to_json(record->response);
}

// What a client does with LoginCeremony options.
inline json authentication_response(Key& key, const json& ceremony) {
  const json& pk = ceremony["publicKey"];
  fido::SignRequest request;
  request.rp_id = pk["rpId"];
  request.origin = ceremony["origin"];
  request.challenge = *base64url_decode(pk["challenge"].get<std::string>());
  for (const auto& d : pk["allowCredentials"]) request.allow.push_back(*base64url_decode(d["id"].get<std::string>()));
  auto response = fido::key_sign(key.device, request);
  REQUIRE_MESSAGE(response.has_value(), response.error().message);
  return webauthn::authentication_response_to_json(*response);
}

// Bootstraps "root@example.com" with `key` and logs in; returns the session token.
inline std::string admin_session(Harness& h, Key& key) {
  auto boot = h.post("/v1/bootstrap", {{"code", h.bootstrap_code}, {"name", "root@example.com"}, {"displayName", "Root"}});
  REQUIRE_MESSAGE(boot.status == 201, boot.raw.body);
  auto registered = h.post("/v1/auth/registration/verify",
                           {{"ceremonyId", boot.body["ceremonyId"]}, {"response", registration_response(key, boot.body)}});
  REQUIRE_MESSAGE(registered.status == 201, registered.raw.body);
  auto options = h.post("/v1/auth/login/options", {{"principal", "root@example.com"}});
  REQUIRE_MESSAGE(options.status == 200, options.raw.body);
  auto session = h.post("/v1/auth/login/verify", {{"ceremonyId", options.body["ceremonyId"]}, {"response", authentication_response(key, options.body)}});
  REQUIRE_MESSAGE(session.status == 200, session.raw.body);
  return session.body["token"];
}

// A principal with `roles` and a session token for it, written straight to the store.
inline std::string session_for(Harness& h, const std::string& name, std::vector<std::string> roles) {
  const PrincipalRecord principal{.name = name, .display_name = name, .roles = std::move(roles), .user_handle = random_bytes(16),
                                  .created = store_now()};
  const NewToken token = bearer_token_new("session");
  const TokenRecord record{.id = token.id, .kind = "session", .hash = token.hash, .principal = name, .name = "", .scopes = {},
                           .created = store_now(), .expires = store_now() + 3600000, .revoked = std::nullopt, .last_used = std::nullopt};
  AuditedWrite write{.change = [principal, record](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                       if (auto p = tx.principal_insert(principal); !p) return p;
                       return tx.token_insert(record);
                     },
                     .event = AuditEvent{.time = "2026-12-02T00:00:00Z", .actor = "test", .action = "test.setup",
                                         .resource = "principal:" + name, .grant = std::nullopt, .detail = json::object()}};
  // The writer owns the chain; go through it so that its head stays right.
  std::vector<AuditedWrite> writes;
  writes.push_back(std::move(write));
  REQUIRE(h.writer->append_and_wait(std::move(writes)).front().has_value());
  return token.secret;
}

inline std::string api_token(Harness& h, const std::string& admin, std::vector<std::string> scopes) {
  auto created = h.post("/v1/tokens", {{"name", "ci"}, {"scopes", scopes}}, admin);
  REQUIRE_MESSAGE(created.status == 201, created.raw.body);
  return created.body["secret"];
}

// A staff member made by `admin` with `roles`, its own virtual key and a session.
struct Staff {
  std::string name;
  Key key;
  std::string token;
};

inline Staff staff_member(Harness& h, const std::string& admin, const std::string& name, std::vector<std::string> roles) {
  auto made = h.post("/v1/principals", {{"name", name}, {"displayName", name}, {"roles", roles}}, admin);
  REQUIRE_MESSAGE(made.status == 201, made.raw.body);
  auto ceremony = h.post("/v1/auth/registration/options", {{"principal", name}}, admin);
  REQUIRE_MESSAGE(ceremony.status == 200, ceremony.raw.body);
  Key key = make_key(h, name);
  auto registered = h.post("/v1/auth/registration/verify",
                           {{"ceremonyId", ceremony.body["ceremonyId"]}, {"response", registration_response(key, ceremony.body)}});
  REQUIRE_MESSAGE(registered.status == 201, registered.raw.body);
  auto options = h.post("/v1/auth/login/options", {{"principal", name}});
  auto session = h.post("/v1/auth/login/verify", {{"ceremonyId", options.body["ceremonyId"]}, {"response", authentication_response(key, options.body)}});
  REQUIRE_MESSAGE(session.status == 200, session.raw.body);
  return Staff{name, std::move(key), session.body["token"]};
}

// The client's side of an access challenge: sign its request options with the key.
inline json sign_challenge(Key& key, const json& challenge) {
  return authentication_response(key, {{"origin", challenge["origin"]}, {"publicKey", challenge["publicKey"]}});
}

inline json justification(std::string resource, std::string scope = "security:read", std::string reason = "customer asked for help") {
  return {{"resource", std::move(resource)}, {"scope", std::move(scope)}, {"code", "CUSTOMER_SUPPORT"},
          {"ticket", "SUP-1234"},           {"reason", std::move(reason)}, {"duration", "1h"}};
}

// Challenge, sign, create; the create reply (or the challenge's, when that is refused).
inline Reply request_access(Harness& h, Staff& requester, const json& wanted) {
  auto challenge = h.post("/v1/access-requests/challenges", {{"purpose", "request"}, {"justification", wanted}}, requester.token);
  if (challenge.status != 201) return challenge;
  return h.post("/v1/access-requests", {{"justification", wanted}, {"nonce", challenge.body["nonce"]},
                                        {"assertion", sign_challenge(requester.key, challenge.body)}},
                requester.token);
}

inline Reply review_access(Harness& h, Staff& reviewer, const std::string& id, const std::string& decision,
                           const std::string& reason = "checked the ticket") {
  auto challenge = h.post("/v1/access-requests/challenges",
                          {{"purpose", "review"}, {"review", {{"requestId", id}, {"decision", decision}, {"reason", reason}}}},
                          reviewer.token);
  if (challenge.status != 201) return challenge;
  return h.post("/v1/access-requests/" + id + "/reviews", {{"decision", decision}, {"reason", reason}, {"nonce", challenge.body["nonce"]},
                                                           {"assertion", sign_challenge(reviewer.key, challenge.body)}},
                reviewer.token);
}

}  // namespace acctsec::test
