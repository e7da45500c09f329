// The audit routes of api/openapi.yaml: the hash-chained log in seq order (with a long poll that
// follows new entries), its head signed by the server's key, and the alerts detection raised.
// Readable by auditors and admins, and by API tokens with audit:read or alerts:read.
#pragma once

#include <chrono>
#include <string>

#include "server/audit_signer.hpp"
#include "server/long_poll.hpp"
#include "server/router.hpp"
#include "server/store.hpp"

namespace acctsec::server {

// The LongPoll key that every commit notifies.
inline constexpr std::string_view k_audit_wait_key = "audit";

struct AuditRouteOptions {
  std::chrono::milliseconds follow_wait = std::chrono::seconds(30);
};

// `store`, `signer` and `waits` outlive the router.
void add_audit_routes(Router& router, Store& store, const AuditSigner& signer, LongPoll& waits, AuditRouteOptions options = {});

nlohmann::json audit_entry_json(const AuditEntry& entry);

}  // namespace acctsec::server
