#include "server/audit_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/timestamp.hpp"
#include "server/authorize.hpp"
#include "server/identity_json.hpp"
#include "server/problem.hpp"
#include "server/route_support.hpp"

namespace acctsec::server {

nlohmann::json audit_entry_json(const AuditEntry& entry) {
  return {{"seq", entry.seq},
          {"time", entry.event.time},
          {"actor", entry.event.actor},
          {"action", entry.event.action},
          {"resource", entry.event.resource},
          {"grant", entry.event.grant ? nlohmann::json(*entry.event.grant) : nlohmann::json(nullptr)},
          {"detail", entry.event.detail},
          {"prev", entry.prev},
          {"hash", entry.hash}};
}

namespace {

constexpr std::array<std::string_view, 4> k_severities = {"low", "medium", "high", "critical"};

// ?since= as the store writes times (RFC 3339 UTC, whole seconds), so that text order is time order.
std::optional<std::string> read_since(const HttpRequest& request, std::optional<HttpResponse>& problem) {
  auto since = query_param(request.query, "since");
  if (!since) return std::string();
  const auto parsed = parse_timestamp(*since);
  if (!parsed) {
    problem = problem_response(400, "Bad Request", "since must be an RFC 3339 time such as 2026-12-01T09:00:00Z");
    return std::nullopt;
  }
  return format_timestamp(std::chrono::system_clock::time_point(*parsed));
}

std::optional<std::uint64_t> cursor_number(const Page& page, std::optional<HttpResponse>& problem) {
  if (page.after.empty()) return 0;
  try {
    std::size_t used = 0;
    const auto value = std::stoull(page.after, &used);
    if (used == page.after.size()) return value;
  } catch (const std::exception&) {
  }
  problem = problem_response(400, "Bad Request", "cursor is not one this server gave out");
  return std::nullopt;
}

class AuditRoutes : public std::enable_shared_from_this<AuditRoutes> {
 public:
  AuditRoutes(Store& store, const AuditSigner& signer, LongPoll& waits, AuditRouteOptions options)
      : m_store(store), m_signer(signer), m_waits(waits), m_options(options) {}

  void add(Router& router) {
    const auto self = shared_from_this();
    const RouteAccess audit_readers{.open = false, .any_session = false, .roles = {"admin", "auditor"}, .scopes = {"audit:read"}};
    const RouteAccess alert_readers{.open = false, .any_session = false, .roles = {"admin", "auditor"}, .scopes = {"alerts:read"}};
    add_authorized(router, m_store, "GET", "/v1/audit", audit_readers, self, &AuditRoutes::list);
    add_authorized(router, m_store, "GET", "/v1/audit/head", audit_readers, self, &AuditRoutes::head);
    add_authorized(router, m_store, "GET", "/v1/alerts", alert_readers, self, &AuditRoutes::alerts);
  }

 private:
  struct Query {
    std::uint64_t after = 0;
    AuditFilter filter;
    std::size_t limit = k_default_page;
  };

  // One page from `query.after`; an empty page carries the same cursor back, so a client can poll.
  Result<nlohmann::json> page(const Query& query) {
    auto entries = m_store.audit_search(query.after, query.filter, query.limit + 1);
    if (!entries) return fail(entries.error());
    nlohmann::json body = {{"schema", "acctsec.audit-page/1"}, {"items", nlohmann::json::array()}};
    const std::size_t shown = std::min(entries->size(), query.limit);
    for (std::size_t i = 0; i < shown; ++i) body["items"].push_back(audit_entry_json((*entries)[i]));
    const std::uint64_t last = shown > 0 ? (*entries)[shown - 1].seq : query.after;
    body["next"] = cursor_for(std::to_string(last));
    return body;
  }

  void list(HttpRequest&& request, const Caller&, Respond respond) {
    std::optional<HttpResponse> problem;
    auto paged = read_page(request, problem);
    if (!paged) return respond(std::move(*problem));
    auto after = cursor_number(*paged, problem);
    if (!after) return respond(std::move(*problem));
    auto since = read_since(request, problem);
    if (!since) return respond(std::move(*problem));
    const auto follow = query_flag(request, "follow");
    if (!follow) return respond(problem_response(400, "Bad Request", "follow takes true or false"));
    Query query{.after = *after,
                .filter = AuditFilter{.since = *since,
                                      .actor = query_param(request.query, "actor").value_or(""),
                                      .resource = query_param(request.query, "resource").value_or(""),
                                      .action = {}},
                .limit = paged->limit};
    auto body = page(query);
    if (!body) return respond(internal_error(body.error()));
    if (!*follow || !(*body)["items"].empty()) return respond(json_response(200, *body));
    // Nothing new yet: wait for the next commit (or the wait to end) and answer with what it brought.
    m_waits.wait(std::string(k_audit_wait_key), LongPoll::Clock::now() + m_options.follow_wait,
                 [self = shared_from_this(), query, respond]() {
                   auto later = self->page(query);
                   respond(later ? json_response(200, *later) : internal_error(later.error()));
                 });
  }

  void head(HttpRequest&&, const Caller&, Respond respond) {
    auto head = m_store.audit_head();
    if (!head) return respond(internal_error(head.error()));
    respond(json_response(200, audit_head_json(m_signer, *head, store_time_text(store_now()))));
  }

  void alerts(HttpRequest&& request, const Caller&, Respond respond) {
    std::optional<HttpResponse> problem;
    auto paged = read_page(request, problem);
    if (!paged) return respond(std::move(*problem));
    auto before = cursor_number(*paged, problem);
    if (!before) return respond(std::move(*problem));
    StoreTime since = 0;
    if (auto text = query_param(request.query, "since")) {
      const auto parsed = parse_timestamp(*text);
      if (!parsed) return respond(problem_response(400, "Bad Request", "since must be an RFC 3339 time such as 2026-12-01T09:00:00Z"));
      since = std::chrono::duration_cast<std::chrono::milliseconds>(parsed->time_since_epoch()).count();
    }
    std::vector<std::string> severities;
    if (auto severity = query_param(request.query, "severity")) {
      const auto found = std::find(k_severities.begin(), k_severities.end(), *severity);
      if (found == k_severities.end())
        return respond(problem_response(400, "Bad Request", fmt::format("severity must be one of {}", fmt::join(k_severities, ", "))));
      for (auto it = found; it != k_severities.end(); ++it) severities.emplace_back(*it);
    }
    auto alerts = m_store.alert_page(static_cast<std::int64_t>(*before), since, severities, paged->limit + 1);
    if (!alerts) return respond(internal_error(alerts.error()));
    nlohmann::json body = {{"schema", "acctsec.alert-page/1"}, {"items", nlohmann::json::array()}};
    const std::size_t shown = std::min(alerts->size(), paged->limit);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& a = (*alerts)[i];
      body["items"].push_back({{"id", std::to_string(a.id)},
                               {"rule", a.rule},
                               {"severity", a.severity},
                               {"time", store_time_text(a.time)},
                               {"actor", a.actor},
                               {"summary", a.summary},
                               {"entries", a.entries}});
    }
    if (alerts->size() > paged->limit) body["next"] = cursor_for(std::to_string((*alerts)[paged->limit - 1].id));
    respond(json_response(200, body));
  }

  Store& m_store;
  const AuditSigner& m_signer;
  LongPoll& m_waits;
  AuditRouteOptions m_options;
};

}  // namespace

void add_audit_routes(Router& router, Store& store, const AuditSigner& signer, LongPoll& waits, AuditRouteOptions options) {
  std::make_shared<AuditRoutes>(store, signer, waits, options)->add(router);
}

}  // namespace acctsec::server
