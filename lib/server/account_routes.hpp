// The account routes of api/openapi.yaml: one account's security posture and the filtered list of
// posture summaries, each readable only under an active grant that covers it, and the account
// groups with the posture the policy requires of them. Every read is audited with its grant, and
// every read refused for want of one is audited too (detection looks for them).
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "server/audit_writer.hpp"
#include "server/router.hpp"
#include "server/server_policy.hpp"
#include "server/store.hpp"

namespace acctsec::server {

// `store` and `writer` outlive the router.
void add_account_routes(Router& router, Store& store, AuditWriter& writer, std::shared_ptr<const ServerPolicy> policy);

// api/openapi.yaml AccountSummary and AccountSecurity, with compliance against `policy`'s groups.
nlohmann::json account_summary_json(const AccountRecord& account, const ServerPolicy& policy);
// The reply to GET /v1/accounts/{account}/security, as JSON text.
std::string account_security_json(const AccountRecord& account, const ServerPolicy& policy, std::string_view grant);

}  // namespace acctsec::server
