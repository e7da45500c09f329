// The access-justification routes of api/openapi.yaml: the access policy, signing challenges,
// access requests with signed justifications, signed reviews, revocation, and waiting for a
// decision. Every change is committed with its audit entry before the reply.
#pragma once

#include <chrono>
#include <memory>

#include "server/audit_writer.hpp"
#include "server/identity_json.hpp"
#include "server/long_poll.hpp"
#include "server/router.hpp"
#include "server/server_policy.hpp"
#include "server/store.hpp"

namespace acctsec::server {

struct AccessOptions {
  RelyingParty rp;
  std::shared_ptr<const ServerPolicy> policy;
  std::chrono::milliseconds nonce_ttl = std::chrono::minutes(5);
  std::chrono::milliseconds max_wait = std::chrono::seconds(60);
};

// `store`, `writer` and `waits` outlive the router.
void add_access_routes(Router& router, Store& store, AuditWriter& writer, LongPoll& waits, AccessOptions options);

// The LongPoll key a request's waiters park under.
std::string access_wait_key(std::string_view request_id);

}  // namespace acctsec::server
