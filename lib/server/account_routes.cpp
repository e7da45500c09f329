#include "server/account_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>

#include "core/json_writer.hpp"
#include "server/authorize.hpp"
#include "server/identity_json.hpp"
#include "server/problem.hpp"
#include "server/route_support.hpp"

namespace acctsec::server {
namespace {

constexpr std::array<std::string_view, 6> k_filters = {"no-2fa",       "no-phishing-resistant", "reset-protection-off",
                                                       "sms-only",     "single-security-key",   "group-noncompliant"};
constexpr std::string_view k_grant_required = "urn:acctsec:problem:grant-required";
constexpr std::size_t k_recent_events = 10;
// How many store pages a filtered list may read to fill one reply before it answers with what it
// has and a cursor: a rare shortfall among 100,000 accounts must not hold one request for long.
constexpr int k_max_scan_rounds = 20;

bool phishing_resistant(std::string_view type) { return type == "security-key"; }

std::vector<std::string> shortfalls_in(const PostureSummary& summary, const ServerPolicy& policy, std::string_view group) {
  const GroupPolicy* required = group_policy(policy, group);
  return required ? posture_shortfalls(summary, required->required) : std::vector<std::string>{};
}

bool compliant(const AccountRecord& account, const PostureSummary& summary, const ServerPolicy& policy) {
  return std::all_of(account.groups.begin(), account.groups.end(),
                     [&](const std::string& g) { return shortfalls_in(summary, policy, g).empty(); });
}

// The account's own security events, newest first: factors added and used, the account opened.
void write_recent_events(JsonWriter& out, const AccountRecord& account) {
  std::vector<std::tuple<StoreTime, std::string_view, std::string>> events;
  events.emplace_back(account.created, "account.created", "");
  for (const auto& m : account.methods) {
    std::string what = m.label.empty() ? m.type : fmt::format("{} ({})", m.type, m.label);
    events.emplace_back(m.added, "method.added", what);
    if (m.last_used) events.emplace_back(*m.last_used, "method.used", std::move(what));
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  out.begin_array();
  for (std::size_t i = 0; i < events.size() && i < k_recent_events; ++i) {
    const auto& [time, type, detail] = events[i];
    out.begin_object();
    if (!detail.empty()) out.member("detail", detail);
    out.member("time", store_time_text(time)).member("type", type).end_object();
  }
  out.end_array();
}

void write_channels(JsonWriter& out, const std::vector<AccountChannel>& channels) {
  out.begin_array();
  for (const auto& c : channels) out.begin_object().member("type", c.type).member("verified", c.verified).end_object();
  out.end_array();
}

}  // namespace

nlohmann::json account_summary_json(const AccountRecord& account, const ServerPolicy& policy) {
  const PostureSummary summary = posture_summarize(account);
  nlohmann::json methods = nlohmann::json::object();
  for (const auto& [type, count] : summary.methods) methods[type] = count;
  return {{"account", account.id},
          {"kind", account.kind},
          {"twoFactorEnabled", summary.two_factor},
          {"twoFactorEnforced", account.two_factor_enforced},
          {"methods", methods},
          {"phishingResistant", summary.phishing_resistant},
          {"resetProtection", summary.reset_protection},
          {"groups", account.groups},
          {"compliant", compliant(account, summary, policy)}};
}

std::string account_security_json(const AccountRecord& account, const ServerPolicy& policy, std::string_view grant) {
  // Written directly rather than through nlohmann::json: this is every audited read's reply, and
  // building the tree cost more than the rest of the handler. Members go in name order, which
  // makes the text what nlohmann would give (a test holds it to that).
  const PostureSummary summary = posture_summarize(account);
  JsonWriter out;
  out.begin_object().member("account", account.id).member("grant", grant);
  out.key("groups").begin_array();
  for (const auto& g : account.groups) {
    const auto shortfalls = shortfalls_in(summary, policy, g);
    out.begin_object().member("compliant", shortfalls.empty()).member("name", g).key("shortfalls").array_of(shortfalls).end_object();
  }
  out.end_array();
  out.member("kind", account.kind);
  out.key("recentEvents");
  write_recent_events(out, account);
  out.key("recoveryChannels");
  write_channels(out, account.recovery_channels);
  out.key("resetProtection").begin_object().key("channels");
  write_channels(out, account.reset_channels);
  out.member("enabled", account.reset_protection).end_object();
  out.member("schema", "acctsec.account-security/1");
  out.key("twoFactor").begin_object().member("enabled", summary.two_factor).member("enforced", account.two_factor_enforced);
  out.key("methods").begin_array();
  for (const auto& m : account.methods) {
    out.begin_object().member("addedAt", store_time_text(m.added));
    if (!m.label.empty()) out.member("label", m.label);
    out.key("lastUsedAt");
    if (m.last_used) out.value(store_time_text(*m.last_used));
    else out.null();
    out.member("phishingResistant", phishing_resistant(m.type)).member("type", m.type).end_object();
  }
  out.end_array().end_object();
  out.end_object();
  return out.take();
}

namespace {

class AccountRoutes : public std::enable_shared_from_this<AccountRoutes> {
 public:
  AccountRoutes(Store& store, AuditWriter& writer, std::shared_ptr<const ServerPolicy> policy)
      : m_store(store), m_writer(writer), m_policy(std::move(policy)) {}

  void add(Router& router) {
    const auto self = shared_from_this();
    const RouteAccess session{.open = false, .any_session = true, .roles = {}, .scopes = {}};
    add_authorized(router, m_store, "GET", "/v1/accounts", session, self, &AccountRoutes::list);
    add_authorized(router, m_store, "GET", "/v1/accounts/{account}/security", session, self, &AccountRoutes::security);
    add_authorized(router, m_store, "GET", "/v1/groups", session, self, &AccountRoutes::groups);
  }

 private:
  // The caller's active grant that `covers` this read of `resource` with `scope`, or nullopt
  // after refusing it: "no-grant" (the caller holds none), "outside-grant" (none of its grants
  // covers this), "outside-window" (the covering one may not be used at this time). A refusal is
  // audited, then answered with 403, `requiredGrant` and the command that asks for one.
  std::optional<AccessRequestRecord> require_grant(const Caller& caller, const std::string& resource, std::string_view scope,
                                                   const std::function<bool(const AccessRequestRecord&)>& covers, Respond& respond) {
    auto held_grants = m_store.access_grants_of(caller.principal, store_now());
    if (!held_grants) {
      respond(internal_error(held_grants.error()));
      return std::nullopt;
    }
    const auto& grants = *held_grants;
    const auto covering = std::find_if(grants.begin(), grants.end(), covers);
    std::string_view why;
    std::string detail;
    std::optional<std::string> grant;
    if (covering == grants.end()) {
      why = grants.empty() ? "no-grant" : "outside-grant";
      detail = fmt::format("Reading {} with scope {} needs an active grant that covers it; request one with: acctsec access request "
                           "--resource {} --scope {} --code CODE --ticket TICKET --reason \"...\" --duration 1h",
                           resource, scope, resource, scope);
    } else if (auto outside = window_refusal(caller, *covering)) {
      why = "outside-window";
      detail = fmt::format("Grant {} may not be used now: {}.", covering->grant_id, *outside);
      grant = covering->grant_id;
    } else {
      return *covering;
    }
    nlohmann::json held = nlohmann::json::array();
    for (const auto& g : grants) held.push_back(g.grant_id);
    AuditEvent event = event_now(caller.principal, "account.read.denied", resource, {{"scope", scope}, {"why", why}, {"grants", held}});
    event.grant = std::move(grant);
    const nlohmann::json required = {{"resource", resource}, {"scope", scope}};
    commit_then(m_writer, AuditedWrite{.change = {}, .event = std::move(event)}, std::move(respond), [required, detail]() {
      return problem_response(403, "Forbidden", detail, k_grant_required, {{"requiredGrant", required}});
    });
    return std::nullopt;
  }

  // A grant's use is held to the same time windows as asking for it.
  std::optional<std::string> window_refusal(const Caller& caller, const AccessRequestRecord& grant) {
    const auto kind = access_resource_kind(grant.justification.resource).value_or("");
    auto refusal = access_role_refusal(m_policy->access, kind, "request", caller.roles, store_now());
    if (refusal && refusal->outside_window) return refusal->message;
    return std::nullopt;
  }

  void security(HttpRequest&& request, const Caller& caller, Respond respond) {
    const std::string id(request.param("account"));
    const StoreTime now = store_now();
    auto account = m_store.account_get(id);
    if (!account && account.error().category != ErrorCategory::not_found) return respond(internal_error(account.error()));
    const std::vector<std::string> no_groups;
    const auto& groups = account ? account->groups : no_groups;
    const auto covering = require_grant(caller, "account:" + id, "security:read",
                                        [&](const AccessRequestRecord& g) { return grant_covers(g, now, "security:read", id, groups); },
                                        respond);
    if (!covering) return;
    if (!account) return respond(not_found(fmt::format("no account {}", id)));

    const std::string grant_id = covering->grant_id;
    AuditEvent event = event_now(caller.principal, "account.security.read", "account:" + id, {{"request", covering->id}});
    event.grant = grant_id;
    auto body = std::make_shared<std::string>(account_security_json(*account, *m_policy, grant_id));
    commit_then(m_writer, AuditedWrite{.change = {}, .event = std::move(event)}, std::move(respond), [body, principal = caller.principal]() {
      return HttpResponse{.status = 200, .content_type = "application/json", .body = std::move(*body), .headers = {}, .principal = principal};
    });
  }

  void list(HttpRequest&& request, const Caller& caller, Respond respond) {
    std::optional<HttpResponse> problem;
    auto page = read_page(request, problem);
    if (!page) return respond(std::move(*problem));
    std::vector<std::string> filters;
    bool noncompliant = false;
    for (const auto& value : query_params(request.query, "filter")) {
      if (!value || std::find(k_filters.begin(), k_filters.end(), *value) == k_filters.end())
        return respond(problem_response(400, "Bad Request", fmt::format("filter must be one of {}", fmt::join(k_filters, ", "))));
      if (*value == "group-noncompliant") noncompliant = true;
      else filters.push_back(*value);
    }
    const std::string group = query_param(request.query, "group").value_or("");

    const StoreTime now = store_now();
    const std::string resource = group.empty() ? "accounts" : "group:" + group;
    const auto covering = require_grant(caller, resource, "posture:list",
                                        [&](const AccessRequestRecord& g) { return grant_covers_list(g, now, "posture:list", group); },
                                        respond);
    if (!covering) return;

    std::vector<AccountRecord> items;
    std::string after = page->after;
    bool exhausted = false;
    for (int round = 0; round < k_max_scan_rounds && items.size() <= page->limit && !exhausted; ++round) {
      auto batch = m_store.account_page(after, filters, group, page->limit + 1);
      if (!batch) return respond(internal_error(batch.error()));
      exhausted = batch->size() <= page->limit;
      for (auto& account : *batch) {
        after = account.id;
        if (noncompliant && compliant(account, posture_summarize(account), *m_policy)) continue;
        items.push_back(std::move(account));
        if (items.size() > page->limit) break;
      }
      if (items.size() > page->limit) exhausted = false;
    }
    nlohmann::json body = {{"schema", "acctsec.account-page/1"}, {"items", nlohmann::json::array()}};
    const std::size_t shown = std::min(items.size(), page->limit);
    for (std::size_t i = 0; i < shown; ++i) body["items"].push_back(account_summary_json(items[i], *m_policy));
    if (items.size() > page->limit) body["next"] = cursor_for(items[page->limit - 1].id);
    else if (!exhausted) body["next"] = cursor_for(after);

    nlohmann::json asked = filters;
    if (noncompliant) asked.push_back("group-noncompliant");
    AuditEvent event = event_now(caller.principal, "account.list.read", resource,
                                 {{"request", covering->id}, {"filters", asked}, {"after", page->after}, {"count", shown}});
    event.grant = covering->grant_id;
    auto reply = std::make_shared<std::string>(body.dump());
    commit_then(m_writer, AuditedWrite{.change = {}, .event = std::move(event)}, std::move(respond), [reply]() {
      return HttpResponse{.status = 200, .content_type = "application/json", .body = std::move(*reply), .headers = {}, .principal = {}};
    });
  }

  void groups(HttpRequest&&, const Caller&, Respond respond) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& g : m_policy->groups) {
      auto members = m_store.account_group_count(g.name);
      if (!members) return respond(internal_error(members.error()));
      out.push_back({{"name", g.name}, {"description", g.description}, {"requires", g.required}, {"members", *members}});
    }
    respond(json_response(200, {{"schema", "acctsec.groups/1"}, {"groups", out}}));
  }

  Store& m_store;
  AuditWriter& m_writer;
  std::shared_ptr<const ServerPolicy> m_policy;
};

}  // namespace

void add_account_routes(Router& router, Store& store, AuditWriter& writer, std::shared_ptr<const ServerPolicy> policy) {
  std::make_shared<AccountRoutes>(store, writer, std::move(policy))->add(router);
}

}  // namespace acctsec::server
