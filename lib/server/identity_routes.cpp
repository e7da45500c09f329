#include "server/identity_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "core/bytes.hpp"
#include "core/duration.hpp"
#include "server/authorize.hpp"
#include "server/bearer_auth.hpp"
#include "server/idempotency.hpp"
#include "server/problem.hpp"
#include "server/rate_limiter.hpp"
#include "server/route_support.hpp"
#include "server/staff_assertion.hpp"
#include "server/request_body.hpp"
#include "webauthn/assertion_check.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/registration_response.hpp"
#include "webauthn/registration_verify.hpp"

namespace acctsec::server {
namespace {

constexpr std::array<std::string_view, 5> k_roles = {"engineer", "helpdesk", "approver", "admin", "auditor"};
constexpr std::array<std::string_view, 3> k_scopes = {"enrollment:read", "audit:read", "alerts:read"};
constexpr std::array<std::string_view, 3> k_preferences = {"discouraged", "preferred", "required"};
constexpr auto k_max_api_token_ttl = std::chrono::hours(24 * 366);


// The credential a verified registration enrolls, with what its attestation proved.
CredentialRecord credential_from_verdict(const webauthn::RegistrationVerdict& verdict, const webauthn::RegistrationResponse& response,
                                         std::string principal, std::string nickname, std::optional<bool> discoverable) {
  CredentialRecord credential;
  credential.id = verdict.credential_id;
  credential.principal = std::move(principal);
  credential.nickname = std::move(nickname);
  credential.fmt = verdict.fmt;
  credential.aaguid = uuid_format(verdict.aaguid);
  credential.algorithm = verdict.public_key_alg;
  credential.public_key = verdict.public_key_cose;
  credential.counter = verdict.sign_count;
  credential.discoverable = discoverable;
  credential.user_verified = verdict.user_verified;
  credential.backup_eligible = verdict.backup_eligible;
  credential.virtual_key = webauthn::registration_is_virtual_key(verdict);
  credential.trust_status = verdict.attestation_type == "self" ? "self"
                            : verdict.fmt == "none"             ? "none"
                                                                : std::string(webauthn::trust_status_name(verdict.trust.status));
  credential.trust_path = verdict.trust.path;
  credential.mds = verdict.metadata
                       ? nlohmann::json{{"status", verdict.metadata->latest_status}, {"certificationLevel", verdict.metadata->certification_level}}
                       : nlohmann::json(nullptr);
  credential.transports = response.transports;
  credential.created = store_now();
  return credential;
}


class IdentityRoutes : public std::enable_shared_from_this<IdentityRoutes> {
 public:
  IdentityRoutes(Store& store, AuditWriter& writer, IdentityOptions options)
      : m_store(store),
        m_writer(writer),
        m_options(std::move(options)),
        m_limiter(m_options.auth_rate_per_second, m_options.auth_burst) {}

  void add(Router& router) {
    const RouteAccess open{.open = true, .any_session = false, .roles = {}, .scopes = {}};
    const RouteAccess session{.open = false, .any_session = true, .roles = {}, .scopes = {}};
    const RouteAccess any_token{.open = false, .any_session = true, .roles = {}, .scopes = {k_scopes.begin(), k_scopes.end()}};
    const RouteAccess admin{.open = false, .any_session = false, .roles = {"admin"}, .scopes = {}};
    const RouteAccess staff_readers{.open = false, .any_session = false, .roles = {"admin", "auditor"}, .scopes = {}};
    const RouteAccess enrollment_readers{.open = false, .any_session = true, .roles = {}, .scopes = {"enrollment:read"}};
    const RouteAccess enrollment_auditors{.open = false, .any_session = false, .roles = {"admin", "auditor"}, .scopes = {"enrollment:read"}};

    route(router, "POST", "/v1/bootstrap", open, true, &IdentityRoutes::bootstrap);
    route(router, "POST", "/v1/auth/registration/options", session, true, &IdentityRoutes::registration_options);
    route(router, "POST", "/v1/auth/registration/verify", open, true, &IdentityRoutes::registration_verify);
    route(router, "POST", "/v1/auth/login/options", open, true, &IdentityRoutes::login_options);
    route(router, "POST", "/v1/auth/login/verify", open, true, &IdentityRoutes::login_verify);
    route(router, "POST", "/v1/auth/logout", session, false, &IdentityRoutes::logout);
    route(router, "GET", "/v1/auth/whoami", any_token, false, &IdentityRoutes::whoami);
    route(router, "GET", "/v1/tokens", admin, false, &IdentityRoutes::token_list);
    route(router, "POST", "/v1/tokens", admin, false, &IdentityRoutes::token_create);
    route(router, "DELETE", "/v1/tokens/{tokenId}", admin, false, &IdentityRoutes::token_revoke);
    route(router, "GET", "/v1/principals", staff_readers, false, &IdentityRoutes::principal_list);
    route(router, "POST", "/v1/principals", admin, false, &IdentityRoutes::principal_create);
    route(router, "GET", "/v1/principals/{principal}", session, false, &IdentityRoutes::principal_show);
    route(router, "GET", "/v1/principals/{principal}/credentials", enrollment_readers, false, &IdentityRoutes::credential_list);
    route(router, "DELETE", "/v1/principals/{principal}/credentials/{credentialId}", session, false,
          &IdentityRoutes::credential_remove);
    route(router, "GET", "/v1/enrollment/verification", enrollment_auditors, false, &IdentityRoutes::enrollment_verification);
    route(router, "POST", "/v1/auth/key-test/options", enrollment_readers, true, &IdentityRoutes::key_test_options);
    route(router, "POST", "/v1/auth/key-test/verify", enrollment_readers, true, &IdentityRoutes::key_test_verify);
  }

 private:
  using Method = void (IdentityRoutes::*)(HttpRequest&&, const std::optional<Caller>&, Respond);

  void route(Router& router, std::string_view method, std::string_view pattern, RouteAccess access, bool limited, Method handler) {
    router.add(method, pattern,
               authorized(m_store, std::move(access), [self = shared_from_this(), limited, handler](
                                                          HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
                 if (limited) {
                   const auto wait = self->m_limiter.take(request.remote);
                   if (wait.count() > 0) {
                     auto response = problem_response(429, "Too Many Requests",
                                                      "Too many authentication requests from this address; wait and try again.");
                     response.headers.emplace_back("Retry-After",
                                                   std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000)));
                     return respond(std::move(response));
                   }
                 }
                 ((*self).*handler)(std::move(request), caller, std::move(respond));
               }));
  }

  // A registration ceremony for `principal`, stored and described.
  Result<nlohmann::json> start_registration(const PrincipalRecord& principal, std::string_view resident_key,
                                            std::string_view user_verification) {
    auto existing = m_store.credentials_of(principal.name);
    if (!existing) return fail(existing.error());
    const CeremonyRecord ceremony{.id = random_id("rc-"),
                                  .kind = "registration",
                                  .principal = principal.name,
                                  .challenge = random_bytes(32),
                                  .require_user_verification =
                                      user_verification == "required" || m_options.policy.require_user_verification,
                                  .expires = store_now() + m_options.ceremony_ttl.count()};
    if (auto stored = m_store.ceremony_insert(ceremony, store_now()); !stored) return fail(stored.error());
    const std::string_view uv = ceremony.require_user_verification ? "required" : user_verification;
    return registration_ceremony_json(m_options.rp, ceremony, principal, *existing, resident_key, uv,
                                      static_cast<int>(m_options.ceremony_ttl.count()));
  }

  void bootstrap(HttpRequest&& request, const std::optional<Caller>&, Respond respond) {
    RequestBody body(request.body);
    auto code = body.string("code", true, 16, 256);
    auto name = body.string("name", true, 1, 254);
    auto display_name = body.string("displayName", true, 1, 254);
    if (!body.finish()) return respond(body.problem());
    const Bytes hash = secret_hash(*code);
    auto valid = m_store.bootstrap_valid(hash, store_now());
    if (!valid) return respond(internal_error(valid.error()));
    if (!*valid) {
      auto used = m_store.bootstrap_used();
      if (used && *used) return respond(problem_response(409, "Conflict", "The first admin exists already; bootstrap is done."));
      return respond(unauthorized_response("The bootstrap code is wrong or has expired; restart acctsec serve for a new one."));
    }
    PrincipalRecord admin{.name = *name, .display_name = *display_name, .roles = {"admin"}, .user_handle = random_bytes(16),
                          .created = store_now()};
    AuditedWrite write{.change = [hash, admin](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                         if (auto taken = tx.bootstrap_take(hash, admin.created); !taken) return taken;
                         return tx.principal_insert(admin);
                       },
                       .event = event_now(admin.name, "principal.bootstrapped", "principal:" + admin.name, {{"roles", admin.roles}})};
    commit_then(m_writer, std::move(write), respond, [this, admin]() {
      auto ceremony = start_registration(admin, "preferred", "preferred");
      if (!ceremony) return internal_error(ceremony.error());
      return json_response(201, *ceremony);
    });
  }

  void registration_options(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    RequestBody body(request.body, true);
    auto principal_name = body.string("principal", false, 1, 254);
    auto resident_key = body.choice("residentKey", false, k_preferences);
    auto user_verification = body.choice("userVerification", false, k_preferences);
    if (!body.finish()) return respond(body.problem());
    const std::string target = principal_name.value_or(caller->principal);
    if (target != caller->principal && !caller->has_role("admin"))
      return respond(forbidden_response("Only an admin may register a key for another principal."));
    auto principal = m_store.principal_get(target);
    if (!principal) {
      if (principal.error().category == ErrorCategory::not_found)
        return respond(problem_response(404, "Not Found", principal.error().message));
      return respond(internal_error(principal.error()));
    }
    auto ceremony = start_registration(*principal, resident_key.value_or("preferred"), user_verification.value_or("preferred"));
    if (!ceremony) return respond(internal_error(ceremony.error()));
    respond(json_response(200, *ceremony));
  }

  void registration_verify(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    RequestBody body(request.body);
    auto ceremony_id = body.string("ceremonyId", true, 1, 128);
    auto nickname = body.string("nickname", false, 0, 64);
    auto response = read_response(body, [](const nlohmann::json& json) { return webauthn::registration_response_from_json(json); });
    if (!body.finish()) return respond(body.problem());

    auto ceremony = m_store.ceremony_get(*ceremony_id, store_now());
    if (!ceremony || ceremony->kind != "registration")
      return respond(problem_response(404, "Not Found", "No such registration ceremony, or it was used or has expired; start again."));
    auto principal = m_store.principal_get(ceremony->principal);
    if (!principal) return respond(problem_response(404, "Not Found", principal.error().message));

    webauthn::RegistrationExpectation expected;
    expected.challenge = ceremony->challenge;
    expected.origin = m_options.rp.origin;
    expected.rp_id = m_options.rp.id;
    expected.require_user_verification = ceremony->require_user_verification;
    const webauthn::RegistrationVerdict verdict = webauthn::registration_verify(*response, expected);
    std::vector<std::string> reasons = verdict.reasons;
    webauthn::PolicyInput input;
    if (const auto rk = response->client_extension_results.find("credProps");
        rk != response->client_extension_results.end() && rk->is_object() && rk->contains("rk") && (*rk)["rk"].is_boolean())
      input.discoverable = (*rk)["rk"].get<bool>();
    if (verdict.verified)
      for (auto& refusal : webauthn::enrollment_policy_check(m_options.policy, verdict, input)) reasons.push_back(std::move(refusal));

    const std::string actor = caller ? caller->principal : principal->name;
    const std::string resource = "principal:" + principal->name;
    const std::string ceremony_key = ceremony->id;
    if (!reasons.empty()) {
      // The refusal is recorded (detection counts them) and uses up the ceremony.
      AuditedWrite write{.change = [ceremony_key](StoreTransaction& tx, AuditEvent&) { return tx.ceremony_take(ceremony_key); },
                         .event = event_now(actor, "credential.registration.refused", resource,
                                            {{"reasons", reasons}, {"aaguid", verdict.aaguid.empty() ? "" : uuid_format(verdict.aaguid)}})};
      return commit_then(m_writer, std::move(write), respond, [reasons]() {
        return rejected("The key was not enrolled: " + reasons.front(), reasons);
      }, [](const Error&) { return problem_response(404, "Not Found", "The ceremony was used already; start again."); });
    }

    const CredentialRecord credential =
        credential_from_verdict(verdict, *response, principal->name, nickname.value_or(""), input.discoverable);
    AuditedWrite write{.change = [ceremony_key, credential](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                         if (auto taken = tx.ceremony_take(ceremony_key); !taken) return taken;
                         return tx.credential_insert(credential);
                       },
                       .event = event_now(actor, "credential.registered", resource,
                                          {{"credential", base64url_encode(credential.id)},
                                           {"aaguid", credential.aaguid},
                                           {"fmt", credential.fmt},
                                           {"trust", credential.trust_status},
                                           {"virtualKey", credential.virtual_key}})};
    commit_then(m_writer, std::move(write), respond, [credential]() { return json_response(201, credential_json(credential)); },
                [](const Error&) { return problem_response(404, "Not Found", "The ceremony was used already; start again."); });
  }

  // An assertion ceremony of `kind` ("login" or "key-test") over the credentials of principal `name`.
  void start_assertion(std::string_view kind, std::string_view id_prefix, const std::string& name, const Caller* caller,
                       const Respond& respond) {
    auto principal = m_store.principal_get(name);
    if (!principal) {
      if (principal.error().category == ErrorCategory::not_found)
        return respond(problem_response(404, "Not Found", principal.error().message));
      return respond(internal_error(principal.error()));
    }
    if (caller && !may_test_keys_of(*caller, principal->name))
      return respond(forbidden_response(fmt::format("{} may test only its own keys; admins, auditors and tokens with scope "
                                                    "enrollment:read test anyone's.", caller->principal)));
    auto credentials = m_store.credentials_of(principal->name);
    if (!credentials) return respond(internal_error(credentials.error()));
    if (credentials->empty())
      return respond(problem_response(404, "Not Found",
                                      fmt::format("{} has no security key yet; an admin can start a registration for it.", principal->name)));
    const CeremonyRecord ceremony{.id = random_id(id_prefix),
                                  .kind = std::string(kind),
                                  .principal = principal->name,
                                  .challenge = random_bytes(32),
                                  .require_user_verification = m_options.policy.require_user_verification,
                                  .expires = store_now() + m_options.ceremony_ttl.count()};
    if (auto stored = m_store.ceremony_insert(ceremony, store_now()); !stored) return respond(internal_error(stored.error()));
    respond(json_response(200, login_ceremony_json(m_options.rp, ceremony, *credentials,
                                                   ceremony.require_user_verification ? "required" : "preferred",
                                                   static_cast<int>(m_options.ceremony_ttl.count()))));
  }

  static bool may_test_keys_of(const Caller& caller, std::string_view principal) {
    if (!caller.is_session()) return caller.has_scope("enrollment:read");
    return caller.principal == principal || caller.has_role("admin") || caller.has_role("auditor");
  }

  void login_options(HttpRequest&& request, const std::optional<Caller>&, Respond respond) {
    RequestBody body(request.body);
    auto name = body.string("principal", true, 1, 254);
    if (!body.finish()) return respond(body.problem());
    start_assertion("login", "lc-", *name, nullptr, respond);
  }

  void key_test_options(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    RequestBody body(request.body, true);
    auto name = body.string("principal", false, 1, 254);
    if (!body.finish()) return respond(body.problem());
    start_assertion("key-test", "kt-", name.value_or(caller->principal), &*caller, respond);
  }

  // A key test proves that the key in hand holds one of the principal's enrolled credentials: the
  // assertion is verified like a login's (signature, counter, UV), the credential's counter and
  // last use are recorded, and no session is made. A failed test is an audited refusal, as a
  // failed login is.
  void key_test_verify(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    RequestBody body(request.body);
    auto ceremony_id = body.string("ceremonyId", true, 1, 128);
    auto response = read_response(body, [](const nlohmann::json& json) { return webauthn::authentication_response_from_json(json); });
    if (!body.finish()) return respond(body.problem());
    auto ceremony = m_store.ceremony_get(*ceremony_id, store_now());
    if (!ceremony || ceremony->kind != "key-test" || !may_test_keys_of(*caller, ceremony->principal))
      return respond(problem_response(404, "Not Found", "No such key test, or it was used or has expired; start again."));
    const std::string ceremony_key = ceremony->id;
    const std::string principal = ceremony->principal;
    const StaffAssertion checked = staff_assertion_verify(m_store, m_options.rp, principal, ceremony->challenge,
                                                         ceremony->require_user_verification, *response);
    const std::string credential = base64url_encode(response->credential_id);
    nlohmann::json verdict = {{"schema", "acctsec.key-test/1"},
                              {"verified", checked.reasons.empty()},
                              {"principal", principal},
                              {"credentialId", credential},
                              {"counter", checked.verdict.sign_count},
                              {"userVerified", checked.verdict.user_verified},
                              {"possibleClone", checked.verdict.possible_clone},
                              {"reasons", checked.reasons}};
    const std::uint32_t counter = checked.verdict.sign_count;
    const bool verified = checked.reasons.empty();
    AuditedWrite write{.change = [ceremony_key, verified, id = response->credential_id, counter](StoreTransaction& tx,
                                                                                                 AuditEvent&) -> Result<void> {
                         if (auto taken = tx.ceremony_take(ceremony_key); !taken) return taken;
                         if (!verified) return {};
                         return tx.credential_used(id, counter, store_now());
                       },
                       .event = event_now(caller->principal, verified ? "credential.tested" : "credential.test.failed",
                                          "principal:" + principal,
                                          {{"credential", credential},
                                           {"reasons", checked.reasons},
                                           {"possibleClone", checked.verdict.possible_clone}})};
    commit_then(m_writer, std::move(write), respond, [verdict]() { return json_response(200, verdict); },
                [](const Error&) { return problem_response(404, "Not Found", "The key test was used already; start again."); });
  }

  void login_verify(HttpRequest&& request, const std::optional<Caller>&, Respond respond) {
    RequestBody body(request.body);
    auto ceremony_id = body.string("ceremonyId", true, 1, 128);
    auto response = read_response(body, [](const nlohmann::json& json) { return webauthn::authentication_response_from_json(json); });
    if (!body.finish()) return respond(body.problem());

    auto ceremony = m_store.ceremony_get(*ceremony_id, store_now());
    if (!ceremony || ceremony->kind != "login")
      return respond(unauthorized_response("No such login ceremony, or it was used or has expired; start again."));
    const std::string ceremony_key = ceremony->id;
    const std::string principal = ceremony->principal;
    const std::string resource = "principal:" + principal;

    const StaffAssertion checked = staff_assertion_verify(m_store, m_options.rp, principal, ceremony->challenge,
                                                         ceremony->require_user_verification, *response);
    const std::vector<std::string>& reasons = checked.reasons;
    const webauthn::AssertionVerdict& verdict = checked.verdict;
    const auto& credential = checked.credential;
    if (!reasons.empty()) {
      // A failed attempt uses up its ceremony and is recorded: repeated failures are what detection looks for.
      AuditedWrite write{.change = [ceremony_key](StoreTransaction& tx, AuditEvent&) { return tx.ceremony_take(ceremony_key); },
                         .event = event_now(principal, "auth.login.failed", resource,
                                            {{"credential", base64url_encode(response->credential_id)},
                                             {"reasons", reasons},
                                             {"possibleClone", verdict.possible_clone}})};
      return commit_then(m_writer, std::move(write), respond, [reasons]() {
        return unauthorized_response("The security key's assertion did not verify: " + reasons.front(), {{"reasons", reasons}});
      }, [](const Error&) { return unauthorized_response("The ceremony was used already; start again."); });
    }

    const NewToken token = bearer_token_new("session");
    const StoreTime now = store_now();
    const TokenRecord session{.id = token.id,
                              .kind = "session",
                              .hash = token.hash,
                              .principal = principal,
                              .name = "",
                              .scopes = {},
                              .created = now,
                              .expires = now + m_options.session_ttl.count(),
                              .revoked = std::nullopt,
                              .last_used = std::nullopt};
    const Bytes credential_id = credential->id;
    const std::uint32_t counter = verdict.sign_count;
    AuditedWrite write{.change = [ceremony_key, credential_id, counter, session](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                         if (auto taken = tx.ceremony_take(ceremony_key); !taken) return taken;
                         if (auto used = tx.credential_used(credential_id, counter, session.created); !used) return used;
                         return tx.token_insert(session);
                       },
                       .event = event_now(principal, "auth.login", resource,
                                          {{"credential", base64url_encode(credential_id)},
                                           {"session", session.id},
                                           {"userVerified", verdict.user_verified}})};
    commit_then(m_writer, std::move(write), respond, [secret = token.secret, session]() {
      auto reply = json_response(200, {{"schema", "acctsec.session/1"},
                                          {"token", secret},
                                          {"sessionId", session.id},
                                          {"principal", session.principal},
                                          {"expiresAt", store_time_text(session.expires)}});
      reply.principal = session.principal;
      return reply;
    }, [](const Error&) { return unauthorized_response("The ceremony was used already; start again."); });
  }

  void logout(HttpRequest&&, const std::optional<Caller>& caller, Respond respond) {
    const std::string id = caller->token_id;
    AuditedWrite write{.change = [id](StoreTransaction& tx, AuditEvent&) { return tx.token_revoke(id, store_now()); },
                       .event = event_now(caller->principal, "auth.logout", "session:" + id)};
    commit_then(m_writer, std::move(write), respond, [] { return no_content(); },
                [](const Error&) { return unauthorized_response("The session was revoked already."); });
  }

  void whoami(HttpRequest&&, const std::optional<Caller>& caller, Respond respond) {
    respond(json_response(200, {{"schema", "acctsec.whoami/1"},
                                {"principal", caller->principal},
                                {"roles", caller->roles},
                                {"tokenKind", caller->kind},
                                {"scopes", caller->scopes},
                                {"tokenId", caller->token_id},
                                {"expiresAt", store_time_text(caller->expires)}}));
  }

  void token_list(HttpRequest&& request, const std::optional<Caller>&, Respond respond) {
    std::optional<HttpResponse> problem;
    auto page = read_page(request, problem);
    if (!page) return respond(std::move(*problem));
    auto tokens = m_store.api_token_page(page->after, page->limit + 1);
    if (!tokens) return respond(internal_error(tokens.error()));
    nlohmann::json body = {{"schema", "acctsec.token-page/1"}, {"items", nlohmann::json::array()}};
    for (std::size_t i = 0; i < tokens->size() && i < page->limit; ++i) body["items"].push_back(token_json((*tokens)[i]));
    if (tokens->size() > page->limit) body["next"] = cursor_for((*tokens)[page->limit - 1].id);
    respond(json_response(200, body));
  }

  void token_create(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    RequestBody body(request.body);
    auto name = body.string("name", true, 1, 128);
    auto scopes = body.string_set("scopes", true, 1, k_scopes);
    auto expires_in = body.string("expiresIn", false, 1, 32);
    std::chrono::milliseconds ttl = m_options.api_token_ttl;
    if (expires_in) {
      auto parsed = parse_duration(*expires_in);
      if (!parsed || parsed->count() <= 0 || *parsed > k_max_api_token_ttl) body.note("expiresIn", "must be a duration from 1s to 366d, e.g. 30d");
      else ttl = *parsed;
    }
    if (!body.finish()) return respond(body.problem());
    auto idempotent = idempotency_begin(m_store, request, *caller, respond);
    if (!idempotent) return;
    const NewToken token = bearer_token_new("api");
    const StoreTime now = store_now();
    const TokenRecord record{.id = token.id,
                             .kind = "api",
                             .hash = token.hash,
                             .principal = caller->principal,
                             .name = *name,
                             .scopes = *scopes,
                             .created = now,
                             .expires = now + ttl.count(),
                             .revoked = std::nullopt,
                             .last_used = std::nullopt};
    // A retry gets the token without its secret, which is shown once only.
    nlohmann::json replay = token_json(record);
    replay["secretShown"] = false;
    AuditedWrite write{.change = [record, idempotent = *idempotent, replay = replay.dump()](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                         if (auto inserted = tx.token_insert(record); !inserted) return inserted;
                         return idempotent.record(tx, 201, replay);
                       },
                       .event = event_now(caller->principal, "token.created", "token:" + record.id,
                                          {{"name", record.name}, {"scopes", record.scopes}, {"expiresAt", store_time_text(record.expires)}})};
    commit_then(m_writer, std::move(write), respond, [record, secret = token.secret]() {
      nlohmann::json out = token_json(record);
      out["secret"] = secret;
      return json_response(201, out);
    });
  }

  void token_revoke(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    const std::string id(request.param("tokenId"));
    auto token = m_store.token_get(id);
    if (!token || token->kind != "api") return respond(problem_response(404, "Not Found", fmt::format("no API token {}", id)));
    if (token->revoked) return respond(no_content());
    AuditedWrite write{.change = [id](StoreTransaction& tx, AuditEvent&) { return tx.token_revoke(id, store_now()); },
                       .event = event_now(caller->principal, "token.revoked", "token:" + id, {{"name", token->name}})};
    commit_then(m_writer, std::move(write), respond, [] { return no_content(); }, [](const Error&) { return no_content(); });
  }

  Result<nlohmann::json> principal_with_count(const PrincipalRecord& principal) {
    auto credentials = m_store.credentials_of(principal.name);
    if (!credentials) return fail(credentials.error());
    return principal_json(principal, credentials->size());
  }

  void principal_list(HttpRequest&& request, const std::optional<Caller>&, Respond respond) {
    std::optional<HttpResponse> problem;
    auto page = read_page(request, problem);
    if (!page) return respond(std::move(*problem));
    const std::string role = query_param(request.query, "role").value_or("");
    if (!role.empty() && std::find(k_roles.begin(), k_roles.end(), role) == k_roles.end())
      return respond(problem_response(400, "Bad Request", "role must be engineer, helpdesk, approver, admin or auditor"));
    auto principals = m_store.principal_page(page->after, role, page->limit + 1);
    if (!principals) return respond(internal_error(principals.error()));
    nlohmann::json body = {{"schema", "acctsec.principal-page/1"}, {"items", nlohmann::json::array()}};
    for (std::size_t i = 0; i < principals->size() && i < page->limit; ++i) {
      auto item = principal_with_count((*principals)[i]);
      if (!item) return respond(internal_error(item.error()));
      body["items"].push_back(std::move(*item));
    }
    if (principals->size() > page->limit) body["next"] = cursor_for((*principals)[page->limit - 1].name);
    respond(json_response(200, body));
  }

  void principal_create(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    RequestBody body(request.body);
    auto name = body.string("name", true, 1, 254);
    auto display_name = body.string("displayName", true, 1, 254);
    auto roles = body.string_set("roles", true, 1, k_roles);
    if (!body.finish()) return respond(body.problem());
    auto idempotent = idempotency_begin(m_store, request, *caller, respond);
    if (!idempotent) return;
    const PrincipalRecord principal{.name = *name, .display_name = *display_name, .roles = *roles, .user_handle = random_bytes(16),
                                    .created = store_now()};
    AuditedWrite write{.change = [principal, idempotent = *idempotent](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                         if (auto inserted = tx.principal_insert(principal); !inserted) return inserted;
                         return idempotent.record(tx, 201, principal_json(principal, 0).dump());
                       },
                       .event = event_now(caller->principal, "principal.created", "principal:" + principal.name, {{"roles", principal.roles}})};
    commit_then(m_writer, std::move(write), respond, [principal]() { return json_response(201, principal_json(principal, 0)); });
  }

  // The principal named in the path, if the caller may see it: itself, or anyone for admins and
  // auditors (and for API tokens with `scope`). Answers and returns nullopt otherwise.
  std::optional<PrincipalRecord> visible_principal(const HttpRequest& request, const Caller& caller, std::string_view scope,
                                                   const Respond& respond) {
    const std::string name(request.param("principal"));
    const bool self = caller.is_session() && caller.principal == name;
    const bool reader = caller.is_session() ? caller.has_role("admin") || caller.has_role("auditor") : caller.has_scope(scope);
    if (!self && !reader) {
      respond(forbidden_response(fmt::format("{} may see only its own principal; admins and auditors see others.", caller.principal)));
      return std::nullopt;
    }
    auto principal = m_store.principal_get(name);
    if (!principal) {
      if (principal.error().category == ErrorCategory::not_found) respond(problem_response(404, "Not Found", principal.error().message));
      else respond(internal_error(principal.error()));
      return std::nullopt;
    }
    return std::move(*principal);
  }

  void principal_show(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    auto principal = visible_principal(request, *caller, "", respond);
    if (!principal) return;
    auto body = principal_with_count(*principal);
    if (!body) return respond(internal_error(body.error()));
    respond(json_response(200, *body));
  }

  void credential_list(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    auto principal = visible_principal(request, *caller, "enrollment:read", respond);
    if (!principal) return;
    auto credentials = m_store.credentials_of(principal->name);
    if (!credentials) return respond(internal_error(credentials.error()));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& c : *credentials) items.push_back(credential_json(c));
    respond(json_response(200, {{"schema", "acctsec.credentials/1"}, {"credentials", items}}));
  }

  void credential_remove(HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
    const std::string name(request.param("principal"));
    if (caller->principal != name && !caller->has_role("admin"))
      return respond(forbidden_response("Only the key's owner or an admin may remove it."));
    auto id = base64url_decode(request.param("credentialId"));
    if (!id) return respond(problem_response(400, "Bad Request", "credentialId must be base64url"));
    auto credentials = m_store.credentials_of(name);
    if (!credentials) return respond(internal_error(credentials.error()));
    const auto found = std::find_if(credentials->begin(), credentials->end(), [&](const CredentialRecord& c) { return c.id == *id; });
    if (found == credentials->end()) return respond(problem_response(404, "Not Found", fmt::format("{} has no such key", name)));
    const bool force = query_param(request.query, "force").value_or("false") == "true";
    const std::size_t left = credentials->size() - 1;
    if (!force && left < static_cast<std::size_t>(std::max(1, m_options.policy.min_keys_per_account)))
      return respond(problem_response(409, "Conflict",
                                      fmt::format("Removing it would leave {} with {} key(s), fewer than the policy's {}; "
                                                  "enroll another key first, or pass force=true.",
                                                  name, left, std::max(1, m_options.policy.min_keys_per_account))));
    const Bytes credential_id = *id;
    AuditedWrite write{.change = [credential_id](StoreTransaction& tx, AuditEvent&) { return tx.credential_delete(credential_id); },
                       .event = event_now(caller->principal, "credential.removed", "principal:" + name,
                                          {{"credential", base64url_encode(credential_id)}, {"forced", force}})};
    commit_then(m_writer, std::move(write), respond, [] { return no_content(); },
                [](const Error&) { return problem_response(404, "Not Found", "The key was removed already."); });
  }

  void enrollment_verification(HttpRequest&& request, const std::optional<Caller>&, Respond respond) {
    std::optional<HttpResponse> problem;
    auto page = read_page(request, problem);
    if (!page) return respond(std::move(*problem));
    std::vector<PrincipalRecord> principals;
    bool more = false;
    if (auto one = query_param(request.query, "principal")) {
      auto principal = m_store.principal_get(*one);
      if (!principal) return respond(problem_response(404, "Not Found", principal.error().message));
      principals.push_back(std::move(*principal));
    } else {
      auto listed = m_store.principal_page(page->after, "", page->limit + 1);
      if (!listed) return respond(internal_error(listed.error()));
      more = listed->size() > page->limit;
      if (more) listed->pop_back();
      principals = std::move(*listed);
    }
    nlohmann::json body = {{"schema", "acctsec.enrollment-page/1"}, {"items", nlohmann::json::array()}};
    for (const auto& principal : principals) {
      auto credentials = m_store.credentials_of(principal.name);
      if (!credentials) return respond(internal_error(credentials.error()));
      nlohmann::json items = nlohmann::json::array();
      for (const auto& c : *credentials) items.push_back(credential_json(c));
      body["items"].push_back({{"principal", principal.name}, {"roles", principal.roles}, {"credentials", items}});
    }
    if (more) body["next"] = cursor_for(principals.back().name);
    respond(json_response(200, body));
  }

  Store& m_store;
  AuditWriter& m_writer;
  const IdentityOptions m_options;
  RateLimiter m_limiter;
};

}  // namespace

void add_identity_routes(Router& router, Store& store, AuditWriter& writer, IdentityOptions options) {
  // Each route holds the shared state (options, rate limiter), which lives as long as the router.
  std::make_shared<IdentityRoutes>(store, writer, std::move(options))->add(router);
}

Result<std::optional<std::string>> bootstrap_code_issue(Store& store, std::chrono::milliseconds ttl) {
  std::string code = "acsb_" + base64url_encode(random_bytes(24));
  auto set = store.bootstrap_set(secret_hash(code), store_now() + ttl.count());
  if (!set) return fail(set.error());
  if (!*set) return std::optional<std::string>{};
  return std::optional<std::string>(std::move(code));
}

}  // namespace acctsec::server
