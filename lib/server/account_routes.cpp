#include "server/account_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

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
nlohmann::json recent_events(const AccountRecord& account) {
  std::vector<std::tuple<StoreTime, std::string, std::string>> events;
  events.emplace_back(account.created, "account.created", "");
  for (const auto& m : account.methods) {
    const std::string what = m.label.empty() ? m.type : fmt::format("{} ({})", m.type, m.label);
    events.emplace_back(m.added, "method.added", what);
    if (m.last_used) events.emplace_back(*m.last_used, "method.used", what);
  }
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < events.size() && i < k_recent_events; ++i) {
    nlohmann::json e = {{"time", store_time_text(std::get<0>(events[i]))}, {"type", std::get<1>(events[i])}};
    if (!std::get<2>(events[i]).empty()) e["detail"] = std::get<2>(events[i]);
    out.push_back(std::move(e));
  }
  return out;
}

nlohmann::json channels(const std::vector<AccountChannel>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : list) out.push_back({{"type", c.type}, {"verified", c.verified}});
  return out;
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

nlohmann::json account_security_json(const AccountRecord& account, const ServerPolicy& policy, std::string_view grant) {
  const PostureSummary summary = posture_summarize(account);
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& m : account.methods) {
    nlohmann::json j = {{"type", m.type},
                        {"phishingResistant", phishing_resistant(m.type)},
                        {"addedAt", store_time_text(m.added)},
                        {"lastUsedAt", m.last_used ? nlohmann::json(store_time_text(*m.last_used)) : nlohmann::json(nullptr)}};
    if (!m.label.empty()) j["label"] = m.label;
    methods.push_back(std::move(j));
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : account.groups) {
    const auto shortfalls = shortfalls_in(summary, policy, g);
    groups.push_back({{"name", g}, {"compliant", shortfalls.empty()}, {"shortfalls", shortfalls}});
  }
  return {{"schema", "acctsec.account-security/1"},
          {"account", account.id},
          {"kind", account.kind},
          {"twoFactor", {{"enabled", summary.two_factor}, {"enforced", account.two_factor_enforced}, {"methods", methods}}},
          {"resetProtection", {{"enabled", account.reset_protection}, {"channels", channels(account.reset_channels)}}},
          {"recoveryChannels", channels(account.recovery_channels)},
          {"groups", groups},
          {"recentEvents", recent_events(account)},
          {"grant", grant}};
}

namespace {

class AccountRoutes : public std::enable_shared_from_this<AccountRoutes> {
 public:
  AccountRoutes(Store& store, AuditWriter& writer, std::shared_ptr<const ServerPolicy> policy)
      : m_store(store), m_writer(writer), m_policy(std::move(policy)) {}

  void add(Router& router) {
    const RouteAccess session{.open = false, .any_session = true, .roles = {}, .scopes = {}};
    route(router, "GET", "/v1/accounts", session, &AccountRoutes::list);
    route(router, "GET", "/v1/accounts/{account}/security", session, &AccountRoutes::security);
    route(router, "GET", "/v1/groups", session, &AccountRoutes::groups);
  }

 private:
  using Method = void (AccountRoutes::*)(HttpRequest&&, const Caller&, Respond);

  void route(Router& router, std::string_view method, std::string_view pattern, RouteAccess access, Method handler) {
    router.add(method, pattern,
               authorized(m_store, std::move(access),
                          [self = shared_from_this(), handler](HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
                            ((*self).*handler)(std::move(request), *caller, std::move(respond));
                          }));
  }

  // Why a read of `resource` with `scope` is refused: "no-grant" (the caller holds no active
  // grant), "outside-grant" (it holds grants, none for this), "outside-window" (the covering
  // grant may not be used at this time). Audited, then answered with 403 and `requiredGrant`.
  void refuse(const Caller& caller, std::string resource, std::string_view scope, std::string_view why,
              const std::vector<AccessRequestRecord>& grants, std::optional<std::string> grant, std::string detail, Respond respond) {
    nlohmann::json held = nlohmann::json::array();
    for (const auto& g : grants) held.push_back(g.grant_id);
    AuditEvent event = event_now(caller.principal, "account.read.denied", resource, {{"scope", scope}, {"why", why}, {"grants", held}});
    event.grant = std::move(grant);
    const nlohmann::json required = {{"resource", resource}, {"scope", scope}};
    commit_then(m_writer, AuditedWrite{.change = {}, .event = std::move(event)}, std::move(respond), [required, detail]() {
      return problem_response(403, "Forbidden", detail, k_grant_required, {{"requiredGrant", required}});
    });
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
    auto grants = m_store.access_grants_of(caller.principal, now);
    if (!grants) return respond(internal_error(grants.error()));
    auto account = m_store.account_get(id);
    if (!account && account.error().category != ErrorCategory::not_found) return respond(internal_error(account.error()));
    const std::vector<std::string> no_groups;
    const auto& groups = account ? account->groups : no_groups;
    const std::string resource = "account:" + id;
    const AccessRequestRecord* covering = nullptr;
    for (const auto& g : *grants)
      if (grant_covers(g, now, "security:read", id, groups)) {
        covering = &g;
        break;
      }
    if (!covering) {
      const std::string_view why = grants->empty() ? "no-grant" : "outside-grant";
      return refuse(caller, resource, "security:read", why, *grants, std::nullopt,
                    fmt::format("Reading {}'s security data needs an active grant with scope security:read that covers it; "
                                "request one with: acctsec access request --resource {} --scope security:read --code CODE "
                                "--ticket TICKET --reason \"...\" --duration 1h",
                                id, resource),
                    std::move(respond));
    }
    if (auto outside = window_refusal(caller, *covering))
      return refuse(caller, resource, "security:read", "outside-window", *grants, covering->grant_id,
                    fmt::format("Grant {} may not be used now: {}.", covering->grant_id, *outside), std::move(respond));
    if (!account) return respond(not_found(fmt::format("no account {}", id)));

    const std::string grant_id = covering->grant_id;
    AuditEvent event = event_now(caller.principal, "account.security.read", resource, {{"request", covering->id}});
    event.grant = grant_id;
    auto body = std::make_shared<std::string>(account_security_json(*account, *m_policy, grant_id).dump());
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
    auto grants = m_store.access_grants_of(caller.principal, now);
    if (!grants) return respond(internal_error(grants.error()));
    const AccessRequestRecord* covering = nullptr;
    for (const auto& g : *grants)
      if (grant_covers_list(g, now, "posture:list", group)) {
        covering = &g;
        break;
      }
    const std::string resource = group.empty() ? "accounts" : "group:" + group;
    if (!covering)
      return refuse(caller, resource, "posture:list", grants->empty() ? "no-grant" : "outside-grant", *grants, std::nullopt,
                    fmt::format("Listing account posture needs an active grant with scope posture:list on {}; request one with: "
                                "acctsec access request --resource {} --scope posture:list --code CODE --ticket TICKET "
                                "--reason \"...\" --duration 1h",
                                resource, resource),
                    std::move(respond));
    if (auto outside = window_refusal(caller, *covering))
      return refuse(caller, resource, "posture:list", "outside-window", *grants, covering->grant_id,
                    fmt::format("Grant {} may not be used now: {}.", covering->grant_id, *outside), std::move(respond));

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
