// acctsec access request | list | show | approve | deny | revoke | wait: access-justification
// requests against the backend. Justifications and reviews are signed with the security key,
// over the digest the server's challenge names; the client checks that digest before it signs.
#include <fmt/format.h>

#include <chrono>

#include "access_flow.hpp"
#include "backend.hpp"
#include "client/paginate.hpp"
#include "client/signed_challenge.hpp"
#include "core/bytes.hpp"
#include "core/cancel.hpp"
#include "core/duration.hpp"
#include "fido/enrollment.hpp"
#include "key_common.hpp"
#include "webauthn/authentication_response.hpp"

namespace acctsec::cli {

// Signs the server's access challenge with the key after checking that its challenge is the
// SHA-256 of its digest input and that the input says what `expected` says (the fields the user
// asked for), so that the key never signs something other than what the user sees.
Result<nlohmann::json> access_sign(Context& ctx, const nlohmann::json& challenge, const nlohmann::json& expected, const PinSource& pin_source) {
  if (auto honest = client::signed_challenge_check(challenge, expected, {"requester", "reviewer"}); !honest) return fail(honest.error());
  const nlohmann::json pk = challenge.value("publicKey", nlohmann::json::object());
  return key_sign_server_options(ctx, pk, reply_text(challenge, "origin"), pin_source,
                                 "this key holds none of your enrolled credentials; sign with the key you log in with");
}

std::string access_path(const std::string& id) { return "/v1/access-requests/" + client::url_encode_component(id); }

void access_print(Context& ctx, const nlohmann::json& r) {
  if (ctx.out.json()) {
    ctx.out.document("acctsec.access-request/1", r);
    return;
  }
  const nlohmann::json j = r.value("justification", nlohmann::json::object());
  std::vector<std::pair<std::string, std::string>> fields{
      {"Request", reply_text(r, "id")},
      {"State", reply_text(r, "state")},
      {"Requester", reply_text(r, "requester")},
      {"Resource", reply_text(j, "resource") + " (" + reply_text(j, "scope") + ")"},
      {"Justification", fmt::format("{} {}: {}", reply_text(j, "code"), reply_text(j, "ticket"), reply_text(j, "reason"))},
      {"Duration", reply_text(j, "duration")},
      {"Created", reply_text(r, "createdAt")}};
  int approvals = 0;
  for (const auto& review : r.value("reviews", nlohmann::json::array())) {
    if (reply_text(review, "decision") == "approve") ++approvals;
    fields.emplace_back("Review", fmt::format("{} by {} at {}: {}", reply_text(review, "decision"), reply_text(review, "reviewer"),
                                              reply_text(review, "at"), reply_text(review, "reason")));
  }
  fields.emplace_back("Approvals", fmt::format("{} of {}", approvals, r.value("approvalsRequired", 1)));
  if (r.contains("grant") && r["grant"].is_object())
    fields.emplace_back("Grant", fmt::format("{} from {} until {}", reply_text(r["grant"], "id"), reply_text(r["grant"], "startsAt"),
                                             reply_text(r["grant"], "endsAt")));
  if (!reply_text(r, "revokedBy").empty())
    fields.emplace_back("Revoked", reply_text(r, "revokedBy") + ": " + reply_text(r, "revokedReason"));
  ctx.out.fields(fields);
}

// 0 granted (active), 1 anything else that is final; the state decides.
int access_verdict(const nlohmann::json& r) { return reply_text(r, "state") == "active" ? 0 : 1; }

namespace {

// How long a wait without --timeout goes on trying a server that has gone away.
constexpr std::chrono::minutes k_outage_patience{5};
constexpr std::chrono::seconds k_outage_poll{2};

}  // namespace

// Long-polls the request until it is no longer pending: exit 0 active, 1 denied, expired or
// revoked; timeout when `limit` passes first (the user's --timeout, else the request's own expiry).
// A server that goes away meanwhile (restarted, redeployed) does not end the wait: the request is
// kept on the server, so it is asked again every few seconds until the limit (without one, for
// k_outage_patience), saying so once on stderr.
Result<int> access_wait_for(Context& ctx, client::Client& api, const std::string& id, std::optional<std::chrono::milliseconds> limit,
                            bool print) {
  using std::chrono::milliseconds;
  const auto start = std::chrono::steady_clock::now();
  bool in_outage = false;
  auto outage_since = start;
  std::string outage;  // the error that began the outage, for the message that ends the wait
  while (true) {
    if (cancel_requested()) return fail(ErrorCategory::cancelled, "interrupted while waiting; the request stays as it is");
    const auto now = std::chrono::steady_clock::now();
    std::chrono::milliseconds slice{30'000};
    if (limit) {
      const auto left = *limit - std::chrono::duration_cast<milliseconds>(now - start);
      if (left.count() <= 0)
        return fail(ErrorCategory::timeout,
                    in_outage ? fmt::format("{} was still pending when the server stopped answering ({}), and "
                                               "--timeout passed before it came back; wait again with acctsec access wait {}",
                                               id, outage, id)
                                 : fmt::format("{} is still pending; wait again with acctsec access wait {}", id, id));
      slice = std::min(slice, left);
    }
    const auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(slice).count());
    client::CallOptions options;
    options.deadline = milliseconds(seconds * 1000 + 15'000);
    auto got = api.get(access_path(id), {{"wait", fmt::format("{}s", seconds)}}, options);
    if (!got) {
      if (!got.error().unavailable) return fail(got.error());
      if (!in_outage) {
        in_outage = true;
        outage_since = std::chrono::steady_clock::now();
        outage = got.error().message;
        ctx.out.info(fmt::format("the server stopped answering ({}); {} stays on the server, still waiting", outage, id));
      } else if (!limit && std::chrono::steady_clock::now() - outage_since > k_outage_patience) {
        return fail(got.error());
      }
      if (!sleep_unless_cancelled(std::min<milliseconds>(k_outage_poll, slice)))
        return fail(ErrorCategory::cancelled, "interrupted while waiting; the request stays as it is");
      continue;
    }
    if (in_outage) {
      ctx.out.info("the server answers again");
      in_outage = false;
    }
    if (reply_text(got->body, "state") != "pending") {
      if (print) access_print(ctx, got->body);
      return access_verdict(got->body);
    }
    if (!limit && ctx.out.verbose()) ctx.out.info(id + " is still pending");
  }
}

std::optional<std::chrono::milliseconds> access_wait_limit(Context& ctx) {
  if (ctx.globals.timeout_text.empty()) return std::nullopt;  // no --timeout: until the server says it expired
  return ctx.globals.timeout;
}

Result<nlohmann::json> access_request_create(Context& ctx, client::Client& api, const nlohmann::json& justification, const PinSource& pin) {
  auto challenge = api.post("/v1/access-requests/challenges", {{"purpose", "request"}, {"justification", justification}});
  if (!challenge) return fail(challenge.error());
  nlohmann::json expected = justification;
  expected["purpose"] = "request";
  expected["nonce"] = challenge->body.value("nonce", "");
  auto assertion = access_sign(ctx, challenge->body, expected, pin);
  if (!assertion) return fail(assertion.error());
  // One Idempotency-Key for the call and its retries (the client makes it): a retry never makes a second request.
  auto created = api.post("/v1/access-requests",
                          {{"justification", justification}, {"nonce", challenge->body["nonce"]}, {"assertion", *assertion}});
  if (!created) return fail(created.error());
  return std::move(created->body);
}

namespace {

struct AccessRequestOptions {
  std::string resource, scope, code, ticket, reason, duration;
  bool wait = false;
  PinSource pin;
};

Result<int> run_access_request(const AccessRequestOptions& o, Context& ctx) {
  if (!parse_duration(o.duration)) return fail(ErrorCategory::usage, "--duration takes a duration such as 30m or 2h, not '" + o.duration + "'");
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  const nlohmann::json justification = {{"resource", o.resource}, {"scope", o.scope},   {"code", o.code},
                                        {"ticket", o.ticket},     {"reason", o.reason}, {"duration", o.duration}};
  auto created = access_request_create(ctx, *api, justification, o.pin);
  if (!created) return fail(created.error());
  const std::string id = reply_text(*created, "id");
  if (!o.wait || reply_text(*created, "state") != "pending") {
    access_print(ctx, *created);
    if (!ctx.out.json() && reply_text(*created, "state") == "pending")
      ctx.out.info(fmt::format("An approver approves it with: acctsec access approve {} --reason \"...\"", id));
    return o.wait ? access_verdict(*created) : 0;
  }
  ctx.out.info(fmt::format("{} is pending; waiting for a decision (an approver runs: acctsec access approve {} --reason \"...\")", id, id));
  return access_wait_for(ctx, *api, id, access_wait_limit(ctx), true);
}

struct AccessListOptions {
  bool mine = false;
  bool pending = false;
  std::string state;
};

Result<int> run_access_list(const AccessListOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  client::Query query;
  if (o.mine) query.emplace_back("mine", "true");
  if (o.pending) query.emplace_back("reviewable", "true");
  if (!o.state.empty()) query.emplace_back("state", o.state);
  Table table{{"ID", "STATE", "REQUESTER", "RESOURCE", "SCOPE", "CODE", "TICKET", "CREATED"}, {}};
  auto walked = client::paginate(*api, "/v1/access-requests", query, [&](nlohmann::json&& r) {
    if (ctx.out.json()) {
      r["schema"] = "acctsec.access-request/1";
      ctx.out.line(r.dump());
    } else {
      const nlohmann::json j = r.value("justification", nlohmann::json::object());
      table.rows.push_back({reply_text(r, "id"), reply_text(r, "state"), reply_text(r, "requester"), reply_text(j, "resource"),
                            reply_text(j, "scope"), reply_text(j, "code"), reply_text(j, "ticket"), reply_text(r, "createdAt")});
    }
    return client::Step::next;
  });
  if (!walked) return fail(walked.error());
  if (!ctx.out.json()) ctx.out.table(table);
  return 0;
}

struct AccessIdOptions {
  std::string id;
  std::string reason;
  PinSource pin;
};

Result<int> run_access_show(const AccessIdOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  auto got = api->get(access_path(o.id));
  if (!got) return fail(got.error());
  access_print(ctx, got->body);
  return 0;
}

Result<int> access_review(const AccessIdOptions& o, Context& ctx, const char* decision) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  const nlohmann::json review = {{"requestId", o.id}, {"decision", decision}, {"reason", o.reason}};
  auto challenge = api->post("/v1/access-requests/challenges", {{"purpose", "review"}, {"review", review}});
  if (!challenge) return fail(challenge.error());
  const nlohmann::json expected = {{"purpose", "review"}, {"requestId", o.id}, {"decision", decision}, {"reason", o.reason},
                                   {"nonce", challenge->body.value("nonce", "")}};
  auto assertion = access_sign(ctx, challenge->body, expected, o.pin);
  if (!assertion) return fail(assertion.error());
  auto reviewed = api->post(access_path(o.id) + "/reviews",
                            {{"decision", decision}, {"reason", o.reason}, {"nonce", challenge->body["nonce"]}, {"assertion", *assertion}});
  if (!reviewed) return fail(reviewed.error());  // self-approval: 403, the server says another approver must
  access_print(ctx, reviewed->body);
  return 0;
}

Result<int> run_access_approve(const AccessIdOptions& o, Context& ctx) { return access_review(o, ctx, "approve"); }
Result<int> run_access_deny(const AccessIdOptions& o, Context& ctx) { return access_review(o, ctx, "deny"); }

Result<int> run_access_revoke(const AccessIdOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  auto revoked = api->post(access_path(o.id) + "/revoke", {{"reason", o.reason}});
  if (!revoked) return fail(revoked.error());
  access_print(ctx, revoked->body);
  return 0;
}

Result<int> run_access_wait(const AccessIdOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  return access_wait_for(ctx, *api, o.id, access_wait_limit(ctx), true);
}

}  // namespace

void register_access(CLI::App& app, Dispatch& dispatch) {
  auto* access = add_command(app, dispatch, "access", "Request, review and revoke justified access to account data");
  if (!access) return;
  access->require_subcommand(1);
  if (auto* cmd = add_command(*access, dispatch, "request", "Ask for a grant, with a justification signed by your security key")) {
    auto o = std::make_shared<AccessRequestOptions>();
    cmd->add_option("--resource", o->resource, "What to read: account:ID, group:NAME or accounts")->required();
    cmd->add_option("--scope", o->scope, "What of it: security:read or posture:list")->required();
    cmd->add_option("--code", o->code, "Justification code, e.g. CUSTOMER_SUPPORT, INCIDENT, LEGAL_REQUEST")->required();
    cmd->add_option("--ticket", o->ticket, "The ticket that asks for it, in the code's pattern")->required();
    cmd->add_option("--reason", o->reason, "Why, in words an auditor understands")->required();
    cmd->add_option("--duration", o->duration, "How long the grant lasts once approved, e.g. 1h")->required();
    cmd->add_flag("--wait", o->wait, "Wait for the decision: exit 0 approved, 1 denied, 7 when --timeout passes first");
    add_pin_options(cmd, o->pin);
    bind_action(cmd, dispatch, o, run_access_request);
  }
  if (auto* cmd = add_command(*access, dispatch, "list", "List access requests: yours, those you may review, or by state")) {
    auto o = std::make_shared<AccessListOptions>();
    cmd->add_flag("--mine", o->mine, "Only your own requests");
    cmd->add_flag("--pending", o->pending, "Only pending requests you may review");
    cmd->add_option("--state", o->state, "Only requests in this state")
        ->check(CLI::IsMember({"pending", "active", "approved", "denied", "expired", "revoked"}));
    bind_action(cmd, dispatch, o, run_access_list);
  }
  const auto with_id = [&](const char* name, const char* about, Result<int> (*run)(const AccessIdOptions&, Context&), bool reason,
                           bool signs) {
    auto* cmd = add_command(*access, dispatch, name, about);
    if (!cmd) return;
    auto o = std::make_shared<AccessIdOptions>();
    cmd->add_option("id", o->id, "The request's id")->required();
    if (reason) cmd->add_option("--reason", o->reason, "Why, for the audit log")->required();
    if (signs) add_pin_options(cmd, o->pin);
    bind_action(cmd, dispatch, o, run);
  };
  with_id("show", "Show a request, its reviews and its grant", run_access_show, false, false);
  with_id("approve", "Approve a request, signed with your security key", run_access_approve, true, true);
  with_id("deny", "Deny a request, signed with your security key", run_access_deny, true, true);
  with_id("revoke", "End a pending request or an active grant now", run_access_revoke, true, false);
  with_id("wait", "Wait for a pending request's decision: exit 0 approved, 1 denied, 7 timeout", run_access_wait, false, false);
}

}  // namespace acctsec::cli
