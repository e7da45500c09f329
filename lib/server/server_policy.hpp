// The server's policy file (`acctsec serve --policy FILE`): the enrollment policy shared with the
// CLI ([enrollment], webauthn/enrollment_policy.hpp) and what only the server enforces — access
// justification ([access]), account groups and their required posture ([groups.NAME]) and the
// detection thresholds ([detection.RULE]). Absent tables take the built-in defaults below.
//
//   [access]
//   min_reason_length = 20
//   max_duration = "8h"            # the longest grant anyone may ask for
//   approvals_required = 1         # approvals by others than the requester
//   pending_expiry = "24h"         # a request nobody reviewed expires
//
//   [access.resources.account]     # account:<id>; also "group" (group:<name>) and "accounts" (all)
//   scopes = ["security:read"]
//   requesters = ["helpdesk", "engineer"]   # roles that may ask
//   approvers = ["approver", "admin"]       # roles that may approve or deny
//   approvals_required = 1                  # optional, overrides [access]
//
//   [access.codes.CUSTOMER_SUPPORT]
//   ticket_pattern = "^SUP-[0-9]{3,10}$"    # ECMAScript regular expression
//   description = "A customer asked for help"
//   max_duration = "2h"                     # optional, below [access] max_duration
//
//   [[access.windows]]             # when a role may request, approve and use grants on a resource
//   resource = "accounts"
//   role = "engineer"
//   days = ["mon", "tue", "wed", "thu", "fri"]
//   hours = "08:00-18:00"          # UTC; a role with windows on a resource is held to them
//
//   [groups.high-profile]
//   description = "Accounts whose takeover would make the news"
//   requires = ["phishing-resistant", "reset-protection"]
//
//   [detection.many_accounts_read]  # also read_without_grant, repeated_auth_failures,
//   threshold = 25                  # grant_misuse, new_key_then_privileged_action,
//   window = "10m"                  # repeated_approver_pair
//   severity = "high"
//   enabled = true
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "server/store_time.hpp"
#include "webauthn/enrollment_policy.hpp"

namespace acctsec::server {

struct AccessResourcePolicy {
  std::string kind;  // account, group or accounts
  std::vector<std::string> scopes;
  std::vector<std::string> requesters;
  std::vector<std::string> approvers;
  std::optional<int> approvals_required;
};

struct JustificationCode {
  std::string code;
  std::string ticket_pattern;
  std::regex ticket;
  std::string description;
  std::optional<std::chrono::milliseconds> max_duration;
};

// A role may act on a resource kind on these days (bit 0 = Monday) between these minutes of the
// day, UTC (end exclusive; an end before the start wraps past midnight).
struct AccessWindow {
  std::string resource;
  std::string role;
  unsigned days = 0x7f;
  int start_minute = 0;
  int end_minute = 24 * 60;
  std::string text;  // as written, for messages
};

struct AccessPolicy {
  std::vector<AccessResourcePolicy> resources;
  std::vector<JustificationCode> codes;
  std::size_t min_reason_length = 20;
  std::chrono::milliseconds max_duration = std::chrono::hours(8);
  int approvals_required = 1;
  std::chrono::milliseconds pending_expiry = std::chrono::hours(24);
  std::vector<AccessWindow> windows;
};

struct GroupPolicy {
  std::string name;
  std::string description;
  std::vector<std::string> required;  // 2fa, phishing-resistant, reset-protection, backup-key
};

struct DetectionRule {
  std::string name;  // as api/openapi.yaml Alert.rule names it: many-accounts-read, ...
  bool enabled = true;
  std::size_t threshold = 1;
  std::chrono::milliseconds window{0};
  std::string severity;  // low, medium, high, critical
};

struct DetectionPolicy {
  DetectionRule many_accounts_read{"many-accounts-read", true, 25, std::chrono::minutes(10), "high"};
  DetectionRule read_without_grant{"read-without-grant", true, 3, std::chrono::minutes(10), "medium"};
  DetectionRule repeated_auth_failures{"repeated-auth-failures", true, 5, std::chrono::minutes(10), "high"};
  DetectionRule grant_misuse{"grant-misuse", true, 1, std::chrono::minutes(10), "high"};
  DetectionRule new_key_then_privileged_action{"new-key-then-privileged-action", true, 1, std::chrono::minutes(10), "medium"};
  DetectionRule repeated_approver_pair{"repeated-approver-pair", true, 3, std::chrono::hours(24 * 7), "medium"};
};

struct ServerPolicy {
  std::string source;
  webauthn::EnrollmentPolicy enrollment;
  AccessPolicy access;
  std::vector<GroupPolicy> groups;
  DetectionPolicy detection;
};

// The built-in policy: every role's usual resources, CUSTOMER_SUPPORT / INCIDENT / LEGAL_REQUEST,
// a high-profile group requiring a phishing-resistant factor and reset protection. `dev` allows
// virtual keys (serve --dev is for trying things with them).
ServerPolicy server_policy_default(bool dev);

// Parses the policy TOML. Unknown tables and keys, wrong types, bad patterns and durations are
// refused with the file, line and column. Errors: usage.
Result<ServerPolicy> server_policy_parse(std::string_view toml_text, const std::string& source);
// Errors: not_found (no such file), usage (unreadable, invalid).
Result<ServerPolicy> server_policy_load(const std::string& path);

// "account:c-1" -> "account", "group:vip" -> "group", "accounts" -> "accounts"; nullopt otherwise.
std::optional<std::string_view> access_resource_kind(std::string_view resource);

const AccessResourcePolicy* access_resource(const AccessPolicy& policy, std::string_view kind);
const JustificationCode* access_code(const AccessPolicy& policy, std::string_view code);
int access_approvals_required(const AccessPolicy& policy, std::string_view kind);

// Whether a caller with `roles` may act as `as` ("request" or "approve") on `kind` at `now`: one
// of its roles is listed for it and, where that role has windows on the kind, `now` is inside one.
// Returns nullopt when allowed, else why not: a role that may not, or a time outside its windows.
struct AccessRefusal {
  bool outside_window = false;
  std::string message;
};
std::optional<AccessRefusal> access_role_refusal(const AccessPolicy& policy, std::string_view kind, std::string_view as,
                                               const std::vector<std::string>& roles, StoreTime now);

// The justification rules (resource and scope known, code known, ticket matches the code's
// pattern, reason long enough, duration within the maximum): one sentence per broken rule.
std::vector<std::string> justification_refusals(const AccessPolicy& policy, std::string_view resource, std::string_view scope,
                                                std::string_view code, std::string_view ticket, std::string_view reason,
                                                std::optional<std::chrono::milliseconds> duration);

const GroupPolicy* group_policy(const ServerPolicy& policy, std::string_view name);

}  // namespace acctsec::server
