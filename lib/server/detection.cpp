#include "server/detection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/timestamp.hpp"

namespace acctsec::server {
namespace {

// Actions that use privilege over customer data or over who may do what.
constexpr std::array<std::string_view, 8> k_privileged = {
    "account.security.read", "account.list.read", "access.request.created", "access.request.approved",
    "access.request.denied", "token.created",     "principal.created",      "credential.removed"};

bool privileged(std::string_view action) { return std::find(k_privileged.begin(), k_privileged.end(), action) != k_privileged.end(); }

std::optional<StoreTime> entry_time(const AuditEntry& entry) {
  const auto parsed = parse_timestamp(entry.event.time);
  if (!parsed) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(parsed->time_since_epoch()).count();
}

std::string detail_string(const AuditEntry& entry, const char* name) {
  const auto& d = entry.event.detail;
  if (d.is_object() && d.contains(name) && d[name].is_string()) return d[name].get<std::string>();
  return {};
}

std::string minutes(std::chrono::milliseconds d) {
  const auto m = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  return m % 1440 == 0 ? fmt::format("{}d", m / 1440) : m % 60 == 0 ? fmt::format("{}h", m / 60) : fmt::format("{}m", m);
}

}  // namespace

Detector::Detector(AccessStore& store, DetectionPolicy policy) : m_store(store), m_policy(std::move(policy)) {}

bool Detector::add(Window& window, const DetectionRule& rule, Seen seen, bool distinct, std::size_t& count) {
  ++window.per_what[seen.what];
  window.seen.push_back(std::move(seen));
  const StoreTime oldest = window.seen.back().time - rule.window.count();
  while (!window.seen.empty() && window.seen.front().time < oldest) {
    const auto found = window.per_what.find(window.seen.front().what);
    if (found != window.per_what.end() && --found->second == 0) window.per_what.erase(found);
    window.seen.pop_front();
  }
  if (distinct) {
    count = window.per_what.size();
    return count > rule.threshold;  // "more than N distinct accounts"
  }
  count = window.seen.size();
  return count >= rule.threshold;
}

void Detector::raise(std::vector<AlertRecord>& out, const DetectionRule& rule, const std::string& severity, const AuditEntry& entry,
                     Window& window, std::string summary) {
  AlertRecord alert;
  alert.rule = rule.name;
  alert.severity = severity;
  alert.time = entry_time(entry).value_or(0);
  alert.actor = entry.event.actor;
  alert.summary = std::move(summary);
  for (const auto& s : window.seen) alert.entries.push_back(s.seq);
  // The same entries make the same key, so a replay raises nothing twice.
  alert.key = fmt::format("{}:{}:{}", rule.name, alert.actor, alert.entries.empty() ? entry.seq : alert.entries.front());
  window.clear();  // the next alert needs a fresh run of occurrences
  out.push_back(std::move(alert));
}

void Detector::evaluate(const AuditEntry& entry, StoreTime time, std::vector<AlertRecord>& out) {
  const auto& e = entry.event;
  const DetectionPolicy& p = m_policy;
  std::size_t count = 0;

  if (e.action == "account.security.read" && p.many_accounts_read.enabled) {
    auto& window = m_reads[e.actor];
    if (add(window, p.many_accounts_read, {time, entry.seq, e.resource}, true, count))
      raise(out, p.many_accounts_read, p.many_accounts_read.severity, entry, window,
            fmt::format("{} read {} distinct accounts within {} (threshold {})", e.actor, count, minutes(p.many_accounts_read.window),
                        p.many_accounts_read.threshold));
  }

  if (e.action == "account.read.denied") {
    const std::string why = detail_string(entry, "why");
    if (why == "no-grant" && p.read_without_grant.enabled) {
      auto& window = m_denied[e.actor];
      if (add(window, p.read_without_grant, {time, entry.seq, e.resource}, false, count))
        raise(out, p.read_without_grant, p.read_without_grant.severity, entry, window,
              fmt::format("{} tried {} reads without any grant within {}, the last of {}", e.actor, count,
                          minutes(p.read_without_grant.window), e.resource));
    } else if ((why == "outside-grant" || why == "outside-window") && p.grant_misuse.enabled) {
      auto& window = m_misuse[e.actor];
      if (add(window, p.grant_misuse, {time, entry.seq, e.resource}, false, count))
        raise(out, p.grant_misuse, p.grant_misuse.severity, entry, window,
              why == "outside-window"
                  ? fmt::format("{} used grant {} outside its allowed hours", e.actor, e.grant.value_or("?"))
                  : fmt::format("{} read {} ({}), which no grant of theirs covers", e.actor, e.resource, detail_string(entry, "scope")));
    }
  }

  if ((e.action == "auth.login.failed" || e.action == "access.signature.failed") && p.repeated_auth_failures.enabled) {
    auto& window = m_failures[e.actor];
    const bool clone = e.detail.is_object() && e.detail.value("possibleClone", false);
    if (clone) {
      Window one;
      one.seen.push_back({time, entry.seq, e.resource});
      raise(out, p.repeated_auth_failures, "critical", entry, one,
            fmt::format("{}'s key {} sent a signature counter that did not increase: it may have been cloned", e.actor,
                        detail_string(entry, "credential")));
    } else if (add(window, p.repeated_auth_failures, {time, entry.seq, e.resource}, false, count)) {
      raise(out, p.repeated_auth_failures, p.repeated_auth_failures.severity, entry, window,
            fmt::format("{} failed {} security-key checks within {}", e.actor, count, minutes(p.repeated_auth_failures.window)));
    }
  }

  if (p.new_key_then_privileged_action.enabled) {
    if (e.action == "credential.registered" && e.resource.starts_with("principal:")) {
      m_new_keys[e.resource.substr(10)].seen.push_back({time, entry.seq, detail_string(entry, "credential")});
    } else if (privileged(e.action)) {
      if (auto found = m_new_keys.find(e.actor); found != m_new_keys.end()) {
        auto& keys = found->second.seen;
        const StoreTime oldest = time - p.new_key_then_privileged_action.window.count();
        while (!keys.empty() && keys.front().time < oldest) keys.pop_front();
        if (!keys.empty()) {
          Window pair;
          pair.seen = {keys.back(), {time, entry.seq, e.resource}};
          keys.clear();  // one alert per new key
          raise(out, p.new_key_then_privileged_action, p.new_key_then_privileged_action.severity, entry, pair,
                fmt::format("{} did {} on {} within {} of enrolling a new key", e.actor, e.action, e.resource,
                            minutes(p.new_key_then_privileged_action.window)));
        }
      }
    }
  }

  if (e.action == "access.request.approved" && p.repeated_approver_pair.enabled) {
    const std::string requester = detail_string(entry, "requester");
    auto& window = m_pairs[e.actor + "\n" + requester];
    if (add(window, p.repeated_approver_pair, {time, entry.seq, e.resource}, false, count))
      raise(out, p.repeated_approver_pair, p.repeated_approver_pair.severity, entry, window,
            fmt::format("{} approved {}'s requests {} times within {}", e.actor, requester, count, minutes(p.repeated_approver_pair.window)));
  }
}

Result<std::vector<AlertRecord>> Detector::observe(const std::vector<AuditEntry>& entries) {
  std::vector<AlertRecord> raised;
  {
    const std::lock_guard lock(m_mutex);
    for (const auto& entry : entries)
      if (auto time = entry_time(entry)) evaluate(entry, *time, raised);
  }
  std::vector<AlertRecord> fresh;
  for (auto& alert : raised) {
    auto stored = m_store.alert_insert(alert);
    if (!stored) return fail(stored.error());
    if (*stored) fresh.push_back(std::move(alert));
  }
  return fresh;
}

Result<void> Detector::warm_up(AuditStore& audit, StoreTime now) {
  // The approver-pair rule looks back days, the others minutes: replay everything of the short
  // windows, and before them only the approvals the long one counts, so that a restart does not
  // re-read days of account reads.
  std::chrono::milliseconds short_window{0};
  for (const auto* rule : {&m_policy.many_accounts_read, &m_policy.read_without_grant, &m_policy.repeated_auth_failures,
                           &m_policy.grant_misuse, &m_policy.new_key_then_privileged_action})
    if (rule->enabled) short_window = std::max(short_window, rule->window);
  auto since = [&](std::chrono::milliseconds window) {
    return format_timestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(now - window.count())));
  };
  // Feeds entries after `after` that match `filter`, up to (not including) seq `until` (0: the end).
  auto replay = [&](std::uint64_t after, const AuditFilter& filter, std::uint64_t until) -> Result<void> {
    while (true) {
      auto page = audit.audit_search(after, filter, 1000);
      if (!page) return fail(page.error());
      if (until != 0) std::erase_if(*page, [&](const AuditEntry& e) { return e.seq >= until; });
      if (page->empty()) return {};
      after = page->back().seq;
      if (auto observed = observe(*page); !observed) return fail(observed.error());
    }
  };
  auto first = audit.audit_search(0, AuditFilter{.since = since(short_window), .actor = {}, .resource = {}, .action = {}}, 1);
  if (!first) return fail(first.error());
  const std::uint64_t boundary = first->empty() ? 0 : first->front().seq;
  if (m_policy.repeated_approver_pair.enabled && m_policy.repeated_approver_pair.window > short_window) {
    const AuditFilter approvals{.since = since(m_policy.repeated_approver_pair.window), .actor = {}, .resource = {},
                                .action = "access.request.approved"};
    // With no entry in the short window, every approval in the long one comes before it.
    if (auto replayed = replay(0, approvals, boundary); !replayed) return replayed;
  }
  if (boundary == 0) return {};
  return replay(boundary - 1, AuditFilter{}, 0);
}

}  // namespace acctsec::server
