#include "server/server_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "core/duration.hpp"
#include "webauthn/policy_toml.hpp"

namespace acctsec::server {
namespace {

constexpr std::array<std::string_view, 3> k_resource_kinds = {"account", "group", "accounts"};
constexpr std::array<std::string_view, 5> k_roles = {"engineer", "helpdesk", "approver", "admin", "auditor"};
constexpr std::array<std::string_view, 4> k_postures = {"2fa", "phishing-resistant", "reset-protection", "backup-key"};
constexpr std::array<std::string_view, 4> k_severities = {"low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 7> k_days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <std::size_t N>
std::string listed(const std::array<std::string_view, N>& list) {
  return fmt::format("{}", fmt::join(list, ", "));
}

// Reads one TOML file, naming the place of every mistake.
class Reader {
 public:
  explicit Reader(const std::string& source) : m_source(source) {}

  std::unexpected<Error> bad(const toml::node& node, std::string_view what) const {
    const auto& begin = node.source().begin;
    return fail(ErrorCategory::usage, fmt::format("{}:{}:{}: policy {}", m_source, begin.line, begin.column, what));
  }

  Result<void> keys(const toml::table& table, std::string_view where, std::initializer_list<std::string_view> known) const {
    for (const auto& [key, node] : table)
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        return bad(node, fmt::format("{}: unknown key '{}' (expected {})", where, key.str(), fmt::join(known, ", ")));
    return {};
  }

  Result<std::string> string(const toml::node& node, std::string_view key) const {
    if (const auto* text = node.as_string()) return text->get();
    return bad(node, fmt::format("{} must be a string", key));
  }

  Result<bool> boolean(const toml::node& node, std::string_view key) const {
    if (const auto* value = node.as_boolean()) return value->get();
    return bad(node, fmt::format("{} must be true or false", key));
  }

  Result<std::int64_t> count(const toml::node& node, std::string_view key, std::int64_t min, std::int64_t max) const {
    if (const auto* value = node.as_integer(); value && value->get() >= min && value->get() <= max) return value->get();
    return bad(node, fmt::format("{} must be a whole number from {} to {}", key, min, max));
  }

  Result<std::chrono::milliseconds> duration(const toml::node& node, std::string_view key) const {
    const auto* text = node.as_string();
    auto value = text ? parse_duration(text->get()) : std::nullopt;
    if (!value || value->count() <= 0) return bad(node, fmt::format("{} must be a duration such as \"30m\", \"8h\" or \"7d\"", key));
    return *value;
  }

  template <std::size_t N>
  Result<std::vector<std::string>> strings(const toml::node& node, std::string_view key,
                                           const std::array<std::string_view, N>* allowed = nullptr) const {
    const auto* array = node.as_array();
    if (array == nullptr) return bad(node, fmt::format("{} must be an array of strings", key));
    std::vector<std::string> out;
    for (const auto& element : *array) {
      const auto* text = element.as_string();
      if (text == nullptr) return bad(element, fmt::format("{} must hold only strings", key));
      if (allowed && !one_of(*allowed, text->get()))
        return bad(element, fmt::format("{}: '{}' is not one of {}", key, text->get(), listed(*allowed)));
      out.push_back(text->get());
    }
    return out;
  }

 private:
  const std::string& m_source;
};

#define ACCTSEC_TAKE(target, expr)            \
  do {                                        \
    auto taken_ = (expr);                     \
    if (!taken_) return fail(taken_.error()); \
    target = std::move(*taken_);              \
  } while (false)

// "08:00-18:00" -> minutes of the day.
std::optional<std::pair<int, int>> parse_hours(std::string_view text) {
  auto minute = [](std::string_view hhmm) -> std::optional<int> {
    if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
      if (hhmm[i] < '0' || hhmm[i] > '9') return std::nullopt;
    const int h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
    const int m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
  };
  if (text.size() != 11 || text[5] != '-') return std::nullopt;
  auto start = minute(text.substr(0, 5));
  auto end = minute(text.substr(6));
  if (!start || !end || *start == *end) return std::nullopt;
  return std::pair{*start, *end};
}

Result<void> read_access(const Reader& r, const toml::table& table, AccessPolicy& access) {
  if (auto ok = r.keys(table, "[access]",
                       {"min_reason_length", "max_duration", "approvals_required", "pending_expiry", "resources", "codes", "windows"});
      !ok)
    return ok;
  std::int64_t number = 0;
  if (const auto* node = table.get("min_reason_length")) {
    ACCTSEC_TAKE(number, r.count(*node, "min_reason_length", 0, 2000));
    access.min_reason_length = static_cast<std::size_t>(number);
  }
  if (const auto* node = table.get("max_duration")) ACCTSEC_TAKE(access.max_duration, r.duration(*node, "max_duration"));
  if (const auto* node = table.get("approvals_required")) {
    ACCTSEC_TAKE(number, r.count(*node, "approvals_required", 1, 10));
    access.approvals_required = static_cast<int>(number);
  }
  if (const auto* node = table.get("pending_expiry")) ACCTSEC_TAKE(access.pending_expiry, r.duration(*node, "pending_expiry"));

  if (const auto* node = table.get("resources")) {
    const auto* resources = node->as_table();
    if (!resources) return r.bad(*node, "[access.resources] must be a table of resource kinds");
    access.resources.clear();
    for (const auto& [kind, value] : *resources) {
      if (!one_of(k_resource_kinds, kind.str()))
        return r.bad(value, fmt::format("[access.resources]: '{}' is not a resource kind ({})", kind.str(), listed(k_resource_kinds)));
      const auto* t = value.as_table();
      if (!t) return r.bad(value, fmt::format("[access.resources.{}] must be a table", kind.str()));
      const std::string where = fmt::format("[access.resources.{}]", kind.str());
      if (auto ok = r.keys(*t, where, {"scopes", "requesters", "approvers", "approvals_required"}); !ok) return ok;
      AccessResourcePolicy resource{.kind = std::string(kind.str()), .scopes = {}, .requesters = {}, .approvers = {}, .approvals_required = {}};
      const auto* scopes = t->get("scopes");
      if (!scopes) return r.bad(value, where + " needs scopes");
      ACCTSEC_TAKE(resource.scopes, r.strings<1>(*scopes, "scopes"));
      if (const auto* n = t->get("requesters")) ACCTSEC_TAKE(resource.requesters, r.strings(*n, "requesters", &k_roles));
      if (const auto* n = t->get("approvers")) ACCTSEC_TAKE(resource.approvers, r.strings(*n, "approvers", &k_roles));
      if (const auto* n = t->get("approvals_required")) {
        std::int64_t v = 0;
        ACCTSEC_TAKE(v, r.count(*n, "approvals_required", 1, 10));
        resource.approvals_required = static_cast<int>(v);
      }
      access.resources.push_back(std::move(resource));
    }
  }

  if (const auto* node = table.get("codes")) {
    const auto* codes = node->as_table();
    if (!codes) return r.bad(*node, "[access.codes] must be a table of justification codes");
    access.codes.clear();
    for (const auto& [code, value] : *codes) {
      const auto* t = value.as_table();
      if (!t) return r.bad(value, fmt::format("[access.codes.{}] must be a table", code.str()));
      const std::string where = fmt::format("[access.codes.{}]", code.str());
      if (auto ok = r.keys(*t, where, {"ticket_pattern", "description", "max_duration"}); !ok) return ok;
      JustificationCode entry;
      entry.code = std::string(code.str());
      const auto* pattern = t->get("ticket_pattern");
      if (!pattern) return r.bad(value, where + " needs ticket_pattern");
      ACCTSEC_TAKE(entry.ticket_pattern, r.string(*pattern, "ticket_pattern"));
      try {
        entry.ticket = std::regex(entry.ticket_pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return r.bad(*pattern, fmt::format("ticket_pattern '{}' is not a regular expression: {}", entry.ticket_pattern, e.what()));
      }
      if (const auto* n = t->get("description")) ACCTSEC_TAKE(entry.description, r.string(*n, "description"));
      if (const auto* n = t->get("max_duration")) {
        std::chrono::milliseconds d{};
        ACCTSEC_TAKE(d, r.duration(*n, "max_duration"));
        entry.max_duration = d;
      }
      access.codes.push_back(std::move(entry));
    }
  }

  if (const auto* node = table.get("windows")) {
    const auto* windows = node->as_array();
    if (!windows) return r.bad(*node, "[[access.windows]] must be an array of tables");
    access.windows.clear();
    for (const auto& value : *windows) {
      const auto* t = value.as_table();
      if (!t) return r.bad(value, "each [[access.windows]] must be a table");
      if (auto ok = r.keys(*t, "[[access.windows]]", {"resource", "role", "days", "hours"}); !ok) return ok;
      AccessWindow window;
      const auto* resource = t->get("resource");
      const auto* role = t->get("role");
      if (!resource || !role) return r.bad(value, "[[access.windows]] needs resource and role");
      ACCTSEC_TAKE(window.resource, r.string(*resource, "resource"));
      if (!one_of(k_resource_kinds, window.resource))
        return r.bad(*resource, fmt::format("resource '{}' is not a resource kind ({})", window.resource, listed(k_resource_kinds)));
      ACCTSEC_TAKE(window.role, r.string(*role, "role"));
      if (!one_of(k_roles, window.role)) return r.bad(*role, fmt::format("role '{}' is not a role ({})", window.role, listed(k_roles)));
      std::string days = "every day";
      if (const auto* n = t->get("days")) {
        std::vector<std::string> names;
        ACCTSEC_TAKE(names, r.strings(*n, "days", &k_days));
        window.days = 0;
        for (const auto& name : names)
          window.days |= 1u << static_cast<unsigned>(std::find(k_days.begin(), k_days.end(), name) - k_days.begin());
        days = fmt::format("{}", fmt::join(names, ","));
      }
      std::string hours = "00:00-24:00";
      if (const auto* n = t->get("hours")) {
        ACCTSEC_TAKE(hours, r.string(*n, "hours"));
        auto range = parse_hours(hours);
        if (!range) return r.bad(*n, fmt::format("hours '{}' must be HH:MM-HH:MM (UTC), e.g. \"08:00-18:00\"", hours));
        window.start_minute = range->first;
        window.end_minute = range->second;
      }
      window.text = fmt::format("{} {} UTC", days, hours);
      access.windows.push_back(std::move(window));
    }
  }
  for (const auto& code : access.codes)
    if (code.max_duration && *code.max_duration > access.max_duration)
      return fail(ErrorCategory::usage, fmt::format("policy [access.codes.{}] max_duration is longer than [access] max_duration", code.code));
  return {};
}

Result<void> read_groups(const Reader& r, const toml::node& node, std::vector<GroupPolicy>& groups) {
  const auto* table = node.as_table();
  if (!table) return r.bad(node, "[groups] must be a table of groups");
  groups.clear();
  for (const auto& [name, value] : *table) {
    const auto* t = value.as_table();
    if (!t) return r.bad(value, fmt::format("[groups.{}] must be a table", name.str()));
    if (auto ok = r.keys(*t, fmt::format("[groups.{}]", name.str()), {"description", "requires"}); !ok) return ok;
    GroupPolicy group{.name = std::string(name.str()), .description = {}, .required = {}};
    if (const auto* n = t->get("description")) ACCTSEC_TAKE(group.description, r.string(*n, "description"));
    if (const auto* n = t->get("requires")) ACCTSEC_TAKE(group.required, r.strings(*n, "requires", &k_postures));
    groups.push_back(std::move(group));
  }
  return {};
}

Result<void> read_detection(const Reader& r, const toml::node& node, DetectionPolicy& detection) {
  const auto* table = node.as_table();
  if (!table) return r.bad(node, "[detection] must be a table of rules");
  std::array<std::pair<std::string_view, DetectionRule*>, 6> rules = {{
      {"many_accounts_read", &detection.many_accounts_read},
      {"read_without_grant", &detection.read_without_grant},
      {"repeated_auth_failures", &detection.repeated_auth_failures},
      {"grant_misuse", &detection.grant_misuse},
      {"new_key_then_privileged_action", &detection.new_key_then_privileged_action},
      {"repeated_approver_pair", &detection.repeated_approver_pair},
  }};
  for (const auto& [name, value] : *table) {
    const auto found = std::find_if(rules.begin(), rules.end(), [&](const auto& rule) { return rule.first == name.str(); });
    if (found == rules.end())
      return r.bad(value, fmt::format("[detection]: unknown rule '{}' (expected many_accounts_read, read_without_grant, "
                                      "repeated_auth_failures, grant_misuse, new_key_then_privileged_action, repeated_approver_pair)",
                                      name.str()));
    const auto* t = value.as_table();
    if (!t) return r.bad(value, fmt::format("[detection.{}] must be a table", name.str()));
    if (auto ok = r.keys(*t, fmt::format("[detection.{}]", name.str()), {"threshold", "window", "severity", "enabled"}); !ok) return ok;
    DetectionRule& rule = *found->second;
    if (const auto* n = t->get("threshold")) {
      std::int64_t v = 0;
      ACCTSEC_TAKE(v, r.count(*n, "threshold", 1, 1'000'000));
      rule.threshold = static_cast<std::size_t>(v);
    }
    if (const auto* n = t->get("window")) ACCTSEC_TAKE(rule.window, r.duration(*n, "window"));
    if (const auto* n = t->get("severity")) {
      ACCTSEC_TAKE(rule.severity, r.string(*n, "severity"));
      if (!one_of(k_severities, rule.severity))
        return r.bad(*n, fmt::format("severity '{}' is not one of {}", rule.severity, listed(k_severities)));
    }
    if (const auto* n = t->get("enabled")) ACCTSEC_TAKE(rule.enabled, r.boolean(*n, "enabled"));
  }
  return {};
}

#undef ACCTSEC_TAKE

JustificationCode code_of(std::string code, std::string pattern, std::string description) {
  JustificationCode c;
  c.code = std::move(code);
  c.ticket_pattern = std::move(pattern);
  c.ticket = std::regex(c.ticket_pattern, std::regex::ECMAScript);
  c.description = std::move(description);
  return c;
}

bool has(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool inside(const AccessWindow& window, StoreTime now) {
  const auto time = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now));
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const unsigned weekday = std::chrono::weekday(day).iso_encoding() - 1;  // Monday = 0
  const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(time - day).count());
  if (window.start_minute < window.end_minute)
    return (window.days >> weekday & 1u) && minute >= window.start_minute && minute < window.end_minute;
  // Past midnight: the evening belongs to today, the early morning to the day before.
  if (minute >= window.start_minute) return window.days >> weekday & 1u;
  return minute < window.end_minute && (window.days >> ((weekday + 6) % 7) & 1u);
}

}  // namespace

ServerPolicy server_policy_default(bool dev) {
  ServerPolicy policy;
  policy.source = "the built-in policy";
  policy.enrollment.source = policy.source;
  policy.enrollment.allow_virtual_keys = dev;
  const std::vector<std::string> approvers = {"approver", "admin"};
  policy.access.resources = {
      {.kind = "account", .scopes = {"security:read"}, .requesters = {"helpdesk", "engineer"}, .approvers = approvers, .approvals_required = {}},
      {.kind = "group", .scopes = {"security:read", "posture:list"}, .requesters = {"helpdesk", "engineer"}, .approvers = approvers,
       .approvals_required = {}},
      {.kind = "accounts", .scopes = {"posture:list", "security:read"}, .requesters = {"engineer", "helpdesk"}, .approvers = approvers,
       .approvals_required = {}},
  };
  policy.access.codes.push_back(code_of("CUSTOMER_SUPPORT", "^SUP-[0-9]{3,10}$", "A customer asked for help with their account"));
  policy.access.codes.push_back(code_of("INCIDENT", "^INC-[0-9]{3,10}$", "A security or reliability incident under investigation"));
  policy.access.codes.push_back(code_of("LEGAL_REQUEST", "^LEGAL-[0-9]{4}-[0-9]{1,6}$", "A request under legal process"));
  policy.access.min_reason_length = 10;
  policy.groups.push_back({.name = "high-profile",
                           .description = "Accounts whose takeover would do the most harm",
                           .required = {"phishing-resistant", "reset-protection"}});
  return policy;
}

Result<ServerPolicy> server_policy_parse(std::string_view toml_text, const std::string& source) {
  auto root = webauthn::policy_toml_parse(toml_text, source);
  if (!root) return fail(root.error());
  ServerPolicy policy = server_policy_default(false);
  policy.source = source;
  policy.enrollment.source = source;
  const Reader reader(source);
  for (const auto& [key, node] : *root) {
    if (key.str() == "enrollment") {
      const auto* table = node.as_table();
      if (!table) return reader.bad(node, "[enrollment] must be a table");
      auto enrollment = webauthn::enrollment_policy_from_table(*table, source);
      if (!enrollment) return fail(enrollment.error());
      policy.enrollment = std::move(*enrollment);
    } else if (key.str() == "access") {
      const auto* table = node.as_table();
      if (!table) return reader.bad(node, "[access] must be a table");
      if (auto ok = read_access(reader, *table, policy.access); !ok) return fail(ok.error());
    } else if (key.str() == "groups") {
      if (auto ok = read_groups(reader, node, policy.groups); !ok) return fail(ok.error());
    } else if (key.str() == "detection") {
      if (auto ok = read_detection(reader, node, policy.detection); !ok) return fail(ok.error());
    } else {
      return reader.bad(node, fmt::format("unknown table '{}' (expected [enrollment], [access], [groups] or [detection])", key.str()));
    }
  }
  return policy;
}

Result<ServerPolicy> server_policy_load(const std::string& path) {
  auto text = webauthn::policy_file_read(path);
  if (!text) return fail(text.error());
  return server_policy_parse(*text, path);
}

std::optional<std::string_view> access_resource_kind(std::string_view resource) {
  if (resource == "accounts") return resource;
  for (std::string_view kind : {std::string_view("account"), std::string_view("group")}) {
    if (resource.size() > kind.size() + 1 && resource.substr(0, kind.size()) == kind && resource[kind.size()] == ':')
      return kind;
  }
  return std::nullopt;
}

const AccessResourcePolicy* access_resource(const AccessPolicy& policy, std::string_view kind) {
  for (const auto& resource : policy.resources)
    if (resource.kind == kind) return &resource;
  return nullptr;
}

const JustificationCode* access_code(const AccessPolicy& policy, std::string_view code) {
  for (const auto& entry : policy.codes)
    if (entry.code == code) return &entry;
  return nullptr;
}

int access_approvals_required(const AccessPolicy& policy, std::string_view kind) {
  const auto* resource = access_resource(policy, kind);
  return resource && resource->approvals_required ? *resource->approvals_required : policy.approvals_required;
}

std::optional<AccessRefusal> access_role_refusal(const AccessPolicy& policy, std::string_view kind, std::string_view as,
                                               const std::vector<std::string>& roles, StoreTime now) {
  const auto* resource = access_resource(policy, kind);
  if (!resource) return AccessRefusal{false, fmt::format("the policy has no resource kind {}", kind)};
  const auto& allowed = as == "request" ? resource->requesters : resource->approvers;
  std::vector<std::string> outside;
  for (const auto& role : roles) {
    if (!has(allowed, role)) continue;
    bool windowed = false;
    for (const auto& window : policy.windows) {
      if (window.resource != kind || window.role != role) continue;
      windowed = true;
      if (inside(window, now)) return std::nullopt;
      outside.push_back(fmt::format("{} ({})", role, window.text));
    }
    if (!windowed) return std::nullopt;
  }
  if (!outside.empty())
    return AccessRefusal{true, fmt::format("the policy allows this on {} only at set times, and now is outside them: {}", kind,
                                           fmt::join(outside, "; "))};
  return AccessRefusal{false, fmt::format("the policy lets only {} {} {}", fmt::join(allowed, ", "),
                                          as == "request" ? "request access to" : "review requests for",
                                          kind == "accounts" ? "all accounts" : fmt::format("a {}", kind))};
}

std::vector<std::string> justification_refusals(const AccessPolicy& policy, std::string_view resource, std::string_view scope,
                                                std::string_view code, std::string_view ticket, std::string_view reason,
                                                std::optional<std::chrono::milliseconds> duration) {
  std::vector<std::string> out;
  const auto kind = access_resource_kind(resource);
  const AccessResourcePolicy* resource_policy = kind ? access_resource(policy, *kind) : nullptr;
  if (!resource_policy) {
    out.push_back(fmt::format("resource '{}' is not one the policy grants (account:<id>, group:<name> or accounts)", resource));
  } else if (!has(resource_policy->scopes, scope)) {
    out.push_back(fmt::format("scope '{}' is not granted on {} (policy: {})", scope, *kind, fmt::join(resource_policy->scopes, ", ")));
  }
  const JustificationCode* entry = access_code(policy, code);
  if (!entry) {
    std::vector<std::string> codes;
    for (const auto& c : policy.codes) codes.push_back(c.code);
    out.push_back(fmt::format("justification code '{}' is not in the policy ({})", code, fmt::join(codes, ", ")));
  } else if (ticket.size() > 128 || !std::regex_search(ticket.begin(), ticket.end(), entry->ticket)) {
    out.push_back(fmt::format("ticket '{}' does not match {}'s pattern {}", ticket, entry->code, entry->ticket_pattern));
  }
  if (reason.size() < policy.min_reason_length)
    out.push_back(fmt::format("the reason must be at least {} characters (policy min_reason_length)", policy.min_reason_length));
  if (!duration || duration->count() <= 0) {
    out.push_back("duration must be a duration such as \"30m\" or \"1h\"");
  } else {
    const auto max = entry && entry->max_duration ? *entry->max_duration : policy.max_duration;
    if (*duration > max)
      out.push_back(fmt::format("duration {}m is longer than the policy allows{} ({}m)",
                                std::chrono::duration_cast<std::chrono::minutes>(*duration).count(),
                                entry && entry->max_duration ? " for " + entry->code : std::string(),
                                std::chrono::duration_cast<std::chrono::minutes>(max).count()));
  }
  return out;
}

const GroupPolicy* group_policy(const ServerPolicy& policy, std::string_view name) {
  for (const auto& group : policy.groups)
    if (group.name == name) return &group;
  return nullptr;
}

}  // namespace acctsec::server
