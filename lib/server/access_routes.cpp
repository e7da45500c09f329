#include "server/access_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/bytes.hpp"
#include "core/duration.hpp"
#include "server/authorize.hpp"
#include "server/idempotency.hpp"
#include "server/problem.hpp"
#include "server/request_body.hpp"
#include "server/route_support.hpp"
#include "server/staff_assertion.hpp"
#include "webauthn/authentication_response.hpp"

namespace acctsec::server {

std::string access_wait_key(std::string_view request_id) { return fmt::format("access-request:{}", request_id); }

namespace {

constexpr std::array<std::string_view, 2> k_purposes = {"request", "review"};
constexpr std::array<std::string_view, 2> k_decisions = {"approve", "deny"};
constexpr std::array<std::string_view, 6> k_states = {"pending", "approved", "denied", "active", "expired", "revoked"};
constexpr std::string_view k_self_approval = "urn:acctsec:problem:self-approval";

std::string minutes_text(std::chrono::milliseconds d) {
  return fmt::format("{}m", std::chrono::duration_cast<std::chrono::minutes>(d).count());
}

// The justification members of a body, strictly read.
std::optional<Justification> read_justification(RequestBody& body) {
  auto inner = body.nested("justification", true);
  if (!inner) return std::nullopt;
  Justification j;
  auto resource = inner->string("resource", true, 1, 300);
  auto scope = inner->string("scope", true, 1, 64);
  auto code = inner->string("code", true, 1, 64);
  auto ticket = inner->string("ticket", true, 1, 128);
  auto reason = inner->string("reason", true, 1, 2000);
  auto duration = inner->string("duration", true, 1, 32);
  body.absorb(*inner);
  if (!resource || !scope || !code || !ticket || !reason || !duration) return std::nullopt;
  return Justification{.resource = *resource, .scope = *scope, .code = *code, .ticket = *ticket, .reason = *reason, .duration = *duration};
}

class AccessRoutes : public std::enable_shared_from_this<AccessRoutes> {
 public:
  AccessRoutes(Store& store, AuditWriter& writer, LongPoll& waits, AccessOptions options)
      : m_store(store), m_writer(writer), m_waits(waits), m_options(std::move(options)), m_policy(*m_options.policy) {}

  void add(Router& router) {
    const auto self = shared_from_this();
    const RouteAccess session{.open = false, .any_session = true, .roles = {}, .scopes = {}};
    add_authorized(router, m_store, "GET", "/v1/policy/access", session, self, &AccessRoutes::policy);
    add_authorized(router, m_store, "POST", "/v1/access-requests/challenges", session, self, &AccessRoutes::challenge);
    add_authorized(router, m_store, "GET", "/v1/access-requests", session, self, &AccessRoutes::list);
    add_authorized(router, m_store, "POST", "/v1/access-requests", session, self, &AccessRoutes::create);
    add_authorized(router, m_store, "GET", "/v1/access-requests/{requestId}", session, self, &AccessRoutes::show);
    add_authorized(router, m_store, "POST", "/v1/access-requests/{requestId}/reviews", session, self, &AccessRoutes::review);
    add_authorized(router, m_store, "POST", "/v1/access-requests/{requestId}/revoke", session, self, &AccessRoutes::revoke);
  }

 private:
  const AccessPolicy& access() const { return m_policy.access; }

  // Admins, auditors and anyone who may review some kind of request see every request.
  bool sees_all(const Caller& caller) const {
    if (caller.has_role("admin") || caller.has_role("auditor")) return true;
    for (const auto& resource : access().resources)
      for (const auto& role : resource.approvers)
        if (caller.has_role(role)) return true;
    return false;
  }

  bool may_see(const Caller& caller, const AccessRequestRecord& request) const {
    return request.requester == caller.principal || sees_all(caller);
  }

  // The request, or the 404 that hides one the caller may not see.
  std::optional<AccessRequestRecord> visible_request(std::string_view id, const Caller& caller, const Respond& respond) {
    auto request = m_store.access_request_get(id);
    if (!request) {
      respond(request.error().category == ErrorCategory::not_found ? not_found(fmt::format("no access request {}", id))
                                                                    : internal_error(request.error()));
      return std::nullopt;
    }
    if (!may_see(caller, *request)) {
      respond(not_found(fmt::format("no access request {}", id)));
      return std::nullopt;
    }
    return std::move(*request);
  }

  void policy(HttpRequest&&, const Caller&, Respond respond) {
    nlohmann::json resources = nlohmann::json::array();
    for (const auto& r : access().resources)
      resources.push_back({{"name", r.kind},
                           {"scopes", r.scopes},
                           {"requesters", r.requesters},
                           {"approvers", r.approvers},
                           {"approvalsRequired", access_approvals_required(access(), r.kind)}});
    nlohmann::json codes = nlohmann::json::array();
    for (const auto& c : access().codes) {
      nlohmann::json code = {{"code", c.code}, {"ticketPattern", c.ticket_pattern}, {"description", c.description}};
      if (c.max_duration) code["maxDuration"] = minutes_text(*c.max_duration);
      codes.push_back(std::move(code));
    }
    nlohmann::json windows = nlohmann::json::array();
    for (const auto& w : access().windows) windows.push_back({{"resource", w.resource}, {"role", w.role}, {"when", w.text}});
    respond(json_response(200, {{"schema", "acctsec.access-policy/1"},
                                {"resources", resources},
                                {"codes", codes},
                                {"minReasonLength", access().min_reason_length},
                                {"maxDuration", minutes_text(access().max_duration)},
                                {"approvalsRequired", access().approvals_required},
                                {"pendingExpiry", minutes_text(access().pending_expiry)},
                                {"windows", windows}}));
  }

  // What stops `caller` from asking for `j` now: a 403 for the role or the time, a 422 for the
  // justification rules; nullopt when nothing does.
  std::optional<HttpResponse> request_refusal(const Caller& caller, const Justification& j) {
    const auto kind = access_resource_kind(j.resource);
    if (kind && access_resource(access(), *kind)) {
      if (auto refusal = access_role_refusal(access(), *kind, "request", caller.roles, store_now()))
        return forbidden_response("You may not request this access: " + refusal->message + ".");
    }
    const auto reasons = justification_refusals(access(), j.resource, j.scope, j.code, j.ticket, j.reason, parse_duration(j.duration));
    if (!reasons.empty()) return rejected("The justification does not meet the access policy: " + reasons.front(), reasons);
    return std::nullopt;
  }

  // What stops `caller` from reviewing `request` now, or nullopt.
  std::optional<HttpResponse> review_refusal(const Caller& caller, const AccessRequestRecord& request) {
    if (request.requester == caller.principal)
      return problem_response(403, "Forbidden", "You cannot review your own request; another approver must.", k_self_approval);
    const auto kind = access_resource_kind(request.justification.resource).value_or("");
    if (auto refusal = access_role_refusal(access(), kind, "approve", caller.roles, store_now()))
      return forbidden_response("You may not review this request: " + refusal->message + ".");
    const std::string state = access_effective_state(request, store_now());
    if (state != "pending") return conflict(fmt::format("Request {} is {}, not pending; it can no longer be reviewed.", request.id, state));
    for (const auto& review : request.reviews)
      if (review.reviewer == caller.principal) return conflict(fmt::format("You reviewed request {} already.", request.id));
    return std::nullopt;
  }

  void challenge(HttpRequest&& request, const Caller& caller, Respond respond) {
    RequestBody body(request.body);
    auto purpose = body.choice("purpose", true, k_purposes);
    std::optional<Justification> justification;
    std::optional<std::string> request_id, decision, reason;
    if (purpose == "request") {
      justification = read_justification(body);
    } else if (purpose == "review") {
      if (auto inner = body.nested("review", true)) {
        request_id = inner->string("requestId", true, 1, 128);
        decision = inner->choice("decision", true, k_decisions);
        reason = inner->string("reason", true, 1, 2000);
        body.absorb(*inner);
      }
    }
    // The member of the other purpose is not refused as unknown: a client may send both.
    body.object(purpose == "request" ? "review" : "justification", false);
    if (!body.finish()) return respond(body.problem());

    const StoreTime now = store_now();
    AccessNonceRecord nonce{.nonce = base64url_encode(random_bytes(32)),
                            .principal = caller.principal,
                            .purpose = *purpose,
                            .request_id = request_id.value_or(""),
                            .expires = now + m_options.nonce_ttl.count()};
    std::string digest_input;
    if (justification) {
      if (auto refusal = request_refusal(caller, *justification)) return respond(std::move(*refusal));
      digest_input = justification_digest_input(caller.principal, *justification, nonce.nonce);
    } else {
      auto target = visible_request(*request_id, caller, respond);
      if (!target) return;
      if (auto refusal = review_refusal(caller, *target)) return respond(std::move(*refusal));
      digest_input = review_digest_input(caller.principal, *request_id, *decision, *reason, nonce.nonce);
    }
    auto credentials = m_store.credentials_of(caller.principal);
    if (!credentials) return respond(internal_error(credentials.error()));
    if (credentials->empty())
      return respond(conflict(fmt::format("{} has no security key to sign with; enroll one first.", caller.principal)));
    if (auto stored = m_store.access_nonce_insert(nonce, now); !stored) return respond(internal_error(stored.error()));
    const bool uv = m_policy.enrollment.require_user_verification;
    respond(json_response(201, {{"nonce", nonce.nonce},
                                {"expiresAt", store_time_text(nonce.expires)},
                                {"origin", m_options.rp.origin},
                                {"digestInput", digest_input},
                                {"publicKey", request_options_json(m_options.rp, access_challenge(digest_input), *credentials,
                                                                   uv ? "required" : "preferred",
                                                                   static_cast<int>(m_options.nonce_ttl.count()))}}));
  }

  // The nonce for `purpose`, or the problem that ends the request.
  std::optional<AccessNonceRecord> usable_nonce(std::string_view nonce, const Caller& caller, std::string_view purpose,
                                                std::string_view request_id, const Respond& respond) {
    auto record = m_store.access_nonce_get(nonce, store_now());
    if (!record || record->principal != caller.principal || record->purpose != purpose || record->request_id != request_id) {
      respond(unauthorized_response("The nonce is unknown, used, expired or for something else; get a new challenge and sign again."));
      return std::nullopt;
    }
    return std::move(*record);
  }

  // A signature that does not verify uses up its nonce and is recorded (detection counts them).
  void refuse_signature(const Caller& caller, std::string_view purpose, std::string resource, const std::string& nonce,
                        const StaffAssertion& checked, const webauthn::AuthenticationResponse& assertion, Respond respond) {
    AuditedWrite write{.change = [nonce](StoreTransaction& tx, AuditEvent&) { return tx.access_nonce_take(nonce); },
                       .event = event_now(caller.principal, "access.signature.failed", std::move(resource),
                                          {{"purpose", purpose},
                                           {"credential", base64url_encode(assertion.credential_id)},
                                           {"reasons", checked.reasons},
                                           {"possibleClone", checked.verdict.possible_clone}})};
    commit_then(m_writer, std::move(write), respond, [reasons = checked.reasons]() {
      return unauthorized_response("The security key's signature did not verify: " + reasons.front(), {{"reasons", reasons}});
    }, [](const Error&) { return unauthorized_response("The nonce was used already; get a new challenge and sign again."); });
  }

  // The members every signed body has: the nonce and the assertion over the challenge.
  struct Signature {
    std::optional<std::string> nonce;
    std::optional<webauthn::AuthenticationResponse> assertion;
  };
  static Signature read_signature(RequestBody& body) {
    Signature out;
    out.nonce = body.string("nonce", true, 1, 128);
    out.assertion = read_response(body, [](const nlohmann::json& json) { return webauthn::authentication_response_from_json(json); },
                                  "assertion");
    return out;
  }

  // Whether the caller's key signed `digest_input` with the caller's nonce for `purpose`: the
  // verified assertion, or nullopt once the failure is answered (a bad signature recorded).
  std::optional<StaffAssertion> verify_signed(const Caller& caller, std::string_view purpose, std::string_view request_id,
                                              const Signature& signature, const std::string& digest_input, std::string resource,
                                              Respond& respond) {
    if (!usable_nonce(*signature.nonce, caller, purpose, request_id, respond)) return std::nullopt;
    StaffAssertion checked = staff_assertion_verify(m_store, m_options.rp, caller.principal, access_challenge(digest_input),
                                                    m_policy.enrollment.require_user_verification, *signature.assertion);
    if (checked.reasons.empty()) return checked;
    refuse_signature(caller, purpose, std::move(resource), *signature.nonce, checked, *signature.assertion, std::move(respond));
    return std::nullopt;
  }

  void create(HttpRequest&& request, const Caller& caller, Respond respond) {
    RequestBody body(request.body);
    auto justification = read_justification(body);
    const Signature signature = read_signature(body);
    if (!body.finish()) return respond(body.problem());
    auto idempotent = idempotency_begin(m_store, request, caller, respond);
    if (!idempotent) return;
    if (auto refusal = request_refusal(caller, *justification)) return respond(std::move(*refusal));
    const auto& nonce = signature.nonce;
    const auto checked = verify_signed(caller, "request", "", signature, justification_digest_input(caller.principal, *justification, *nonce),
                                       "principal:" + caller.principal, respond);
    if (!checked) return;

    const StoreTime now = store_now();
    AccessRequestRecord record;
    record.id = random_id("ar-");
    record.requester = caller.principal;
    record.justification = *justification;
    record.duration = *parse_duration(justification->duration);
    record.created = now;
    record.pending_until = now + access().pending_expiry.count();
    record.approvals_required = access_approvals_required(access(), *access_resource_kind(justification->resource));
    record.signed_with = checked->credential->id;
    const std::uint32_t counter = checked->verdict.sign_count;
    const std::string reply = access_request_json(record, now).dump();
    AuditedWrite write{.change = [record, nonce = *nonce, counter, now, idempotent = *idempotent, reply](StoreTransaction& tx,
                                                                                                       AuditEvent&) -> Result<void> {
                         if (auto taken = tx.access_nonce_take(nonce); !taken) return taken;
                         if (auto used = tx.credential_used(record.signed_with, counter, now); !used) return used;
                         if (auto put = tx.access_request_put(record); !put) return put;
                         return idempotent.record(tx, 201, reply);
                       },
                       .event = event_now(caller.principal, "access.request.created", "request:" + record.id,
                                          {{"resource", justification->resource},
                                           {"scope", justification->scope},
                                           {"code", justification->code},
                                           {"ticket", justification->ticket},
                                           {"duration", justification->duration},
                                           {"credential", base64url_encode(record.signed_with)}})};
    commit_then(m_writer, std::move(write), respond, [reply]() {
      return HttpResponse{.status = 201, .content_type = "application/json", .body = reply, .headers = {}, .principal = {}};
    }, [](const Error&) { return unauthorized_response("The nonce was used already; get a new challenge and sign again."); });
  }

  void list(HttpRequest&& request, const Caller& caller, Respond respond) {
    std::optional<HttpResponse> problem;
    auto page = read_page(request, problem);
    if (!page) return respond(std::move(*problem));
    const auto mine = query_flag(request, "mine");
    const auto reviewable = query_flag(request, "reviewable");
    const auto state = query_param(request.query, "state");
    if (!mine || !reviewable) return respond(problem_response(400, "Bad Request", "mine and reviewable take true or false"));
    if (state && std::find(k_states.begin(), k_states.end(), *state) == k_states.end())
      return respond(problem_response(400, "Bad Request", fmt::format("state must be one of {}", fmt::join(k_states, ", "))));
    AccessRequestQuery query;
    query.now = store_now();
    query.limit = page->limit + 1;
    query.state = *reviewable ? "pending" : state.value_or("");
    if (*mine || !sees_all(caller)) query.requester = caller.principal;
    if (!page->after.empty()) {
      const auto slash = page->after.find('/');
      if (slash == std::string::npos) return respond(problem_response(400, "Bad Request", "cursor is not one this server gave out"));
      try {
        query.before_created = std::stoll(page->after.substr(0, slash));
      } catch (const std::exception&) {
        return respond(problem_response(400, "Bad Request", "cursor is not one this server gave out"));
      }
      query.before_id = page->after.substr(slash + 1);
    }
    auto requests = m_store.access_request_page(query);
    if (!requests) return respond(internal_error(requests.error()));
    nlohmann::json body = {{"schema", "acctsec.access-request-page/1"}, {"items", nlohmann::json::array()}};
    const std::size_t shown = std::min(requests->size(), page->limit);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& r = (*requests)[i];
      // A reviewable request is one this caller could review now.
      if (*reviewable && (r.requester == caller.principal || review_refusal(caller, r))) continue;
      body["items"].push_back(access_request_json(r, query.now));
    }
    if (requests->size() > page->limit) {
      const auto& last = (*requests)[page->limit - 1];
      body["next"] = cursor_for(fmt::format("{}/{}", last.created, last.id));
    }
    respond(json_response(200, body));
  }

  void show(HttpRequest&& request, const Caller& caller, Respond respond) {
    const std::string id(request.param("requestId"));
    auto found = visible_request(id, caller, respond);
    if (!found) return;
    const auto wait_text = query_param(request.query, "wait");
    if (!wait_text || access_effective_state(*found, store_now()) != "pending")
      return respond(json_response(200, access_request_json(*found, store_now())));
    const auto wait = parse_duration(*wait_text);
    if (!wait || wait->count() < 0)
      return respond(problem_response(400, "Bad Request", "wait must be a duration such as \"30s\" (at most 60s)"));
    auto until = std::min(*wait, m_options.max_wait);
    until = std::min(until, std::chrono::milliseconds(std::max<StoreTime>(0, found->pending_until - store_now())));
    // Parked without a thread; fired by a review or revocation, or when the wait is up.
    m_waits.wait(access_wait_key(id), LongPoll::Clock::now() + until, [self = shared_from_this(), id, respond]() {
      auto now = self->m_store.access_request_get(id);
      if (!now) return respond(internal_error(now.error()));
      respond(json_response(200, access_request_json(*now, store_now())));
    });
  }

  void review(HttpRequest&& request, const Caller& caller, Respond respond) {
    const std::string id(request.param("requestId"));
    RequestBody body(request.body);
    auto decision = body.choice("decision", true, k_decisions);
    auto reason = body.string("reason", true, 1, 2000);
    const Signature signature = read_signature(body);
    if (!body.finish()) return respond(body.problem());
    auto idempotent = idempotency_begin(m_store, request, caller, respond);
    if (!idempotent) return;
    auto target = visible_request(id, caller, respond);
    if (!target) return;
    if (auto refusal = review_refusal(caller, *target)) return respond(std::move(*refusal));
    const auto& nonce = signature.nonce;
    const auto checked = verify_signed(caller, "review", id, signature, review_digest_input(caller.principal, id, *decision, *reason, *nonce),
                                       "request:" + id, respond);
    if (!checked) return;

    const StoreTime now = store_now();
    const ReviewRecord review{.reviewer = caller.principal, .decision = *decision, .reason = *reason, .at = now,
                              .signed_with = checked->credential->id};
    const std::uint32_t counter = checked->verdict.sign_count;
    auto outcome = std::make_shared<std::string>();
    AuditedWrite write{
        .change = [id, review, nonce = *nonce, counter, now, idempotent = *idempotent, outcome](StoreTransaction& tx,
                                                                                                AuditEvent& event) -> Result<void> {
          // Read again inside the transaction: another review may have been committed meanwhile.
          auto current = tx.access_request_get(id);
          if (!current) return fail(current.error());
          if (access_effective_state(*current, now) != "pending")
            return fail(ErrorCategory::rejected, fmt::format("request {} is no longer pending", id));
          for (const auto& earlier : current->reviews)
            if (earlier.reviewer == review.reviewer)
              return fail(ErrorCategory::rejected, fmt::format("{} reviewed request {} already", review.reviewer, id));
          if (auto taken = tx.access_nonce_take(nonce); !taken) return taken;
          if (auto used = tx.credential_used(review.signed_with, counter, now); !used) return used;
          current->reviews.push_back(review);
          event.detail["requester"] = current->requester;
          event.detail["resource"] = current->justification.resource;
          event.detail["approvals"] = access_approvals(*current);
          event.detail["approvalsRequired"] = current->approvals_required;
          if (review.decision == "deny") {
            current->state = "denied";
            event.action = "access.request.denied";
          } else if (access_approvals(*current) >= static_cast<std::size_t>(current->approvals_required)) {
            // The grant's clock starts now, at the approval that completes it.
            current->state = "active";
            current->grant_id = "gr-" + current->id.substr(3);
            current->grant_start = now;
            current->grant_end = now + current->duration.count();
            event.action = "access.request.approved";
            event.grant = current->grant_id;
            event.detail["grantEndsAt"] = store_time_text(current->grant_end);
          } else {
            event.action = "access.request.approved";
          }
          if (auto put = tx.access_request_put(*current); !put) return put;
          *outcome = access_request_json(*current, now).dump();
          return idempotent.record(tx, 201, *outcome);
        },
        .event = event_now(caller.principal, "access.request.reviewed", "request:" + id, {{"decision", *decision}})};
    commit_then(m_writer, std::move(write), respond, [self = shared_from_this(), id, outcome]() {
      self->m_waits.notify(access_wait_key(id));
      return HttpResponse{.status = 201, .content_type = "application/json", .body = *outcome, .headers = {}, .principal = {}};
    }, [](const Error&) { return unauthorized_response("The nonce was used already; get a new challenge and sign again."); });
  }

  void revoke(HttpRequest&& request, const Caller& caller, Respond respond) {
    const std::string id(request.param("requestId"));
    RequestBody body(request.body);
    auto reason = body.string("reason", true, 1, 2000);
    if (!body.finish()) return respond(body.problem());
    auto target = visible_request(id, caller, respond);
    if (!target) return;
    const auto kind = access_resource_kind(target->justification.resource).value_or("");
    const bool reviewer = caller.has_role("admin") || !access_role_refusal(access(), kind, "approve", caller.roles, store_now());
    if (target->requester != caller.principal && !reviewer)
      return respond(forbidden_response("Only the requester, an approver of this kind of request or an admin may revoke it."));
    const std::string state = access_effective_state(*target, store_now());
    if (state != "pending" && state != "active")
      return respond(conflict(fmt::format("Request {} is {}; only a pending request or an active grant can be revoked.", id, state)));
    const StoreTime now = store_now();
    auto outcome = std::make_shared<std::string>();
    AuditedWrite write{.change = [id, by = caller.principal, reason = *reason, now, outcome](StoreTransaction& tx,
                                                                                               AuditEvent& event) -> Result<void> {
                         auto current = tx.access_request_get(id);
                         if (!current) return fail(current.error());
                         const std::string was = access_effective_state(*current, now);
                         if (was != "pending" && was != "active")
                           return fail(ErrorCategory::rejected, fmt::format("request {} is {} already", id, was));
                         current->state = "revoked";
                         current->revoked_by = by;
                         current->revoked_reason = reason;
                         current->revoked_at = now;
                         if (!current->grant_id.empty()) event.grant = current->grant_id;
                         event.detail["was"] = was;
                         event.detail["requester"] = current->requester;
                         if (auto put = tx.access_request_put(*current); !put) return put;
                         *outcome = access_request_json(*current, now).dump();
                         return {};
                       },
                       .event = event_now(caller.principal, "access.request.revoked", "request:" + id, {{"reason", *reason}})};
    commit_then(m_writer, std::move(write), respond, [self = shared_from_this(), id, outcome]() {
      self->m_waits.notify(access_wait_key(id));
      return HttpResponse{.status = 200, .content_type = "application/json", .body = *outcome, .headers = {}, .principal = {}};
    });
  }

  Store& m_store;
  AuditWriter& m_writer;
  LongPoll& m_waits;
  AccessOptions m_options;
  const ServerPolicy& m_policy;
};

}  // namespace

void add_access_routes(Router& router, Store& store, AuditWriter& writer, LongPoll& waits, AccessOptions options) {
  std::make_shared<AccessRoutes>(store, writer, waits, std::move(options))->add(router);
}

}  // namespace acctsec::server
