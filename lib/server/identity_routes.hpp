// The identity routes of api/openapi.yaml: the first admin's bootstrap, security-key registration
// and login ceremonies, sessions, scoped API tokens, principals and their credentials, and the
// enrollment facts CI checks. Every change is committed with its audit entry before the reply.
#pragma once

#include <chrono>

#include "server/audit_writer.hpp"
#include "server/identity_json.hpp"
#include "server/router.hpp"
#include "server/store.hpp"
#include "webauthn/enrollment_policy.hpp"

namespace acctsec::server {

struct IdentityOptions {
  RelyingParty rp;
  webauthn::EnrollmentPolicy policy;  // what a registration must satisfy
  std::chrono::milliseconds ceremony_ttl = std::chrono::minutes(5);
  std::chrono::milliseconds session_ttl = std::chrono::hours(1);
  std::chrono::milliseconds api_token_ttl = std::chrono::hours(24 * 90);
  // Per client address, over /v1/bootstrap and /v1/auth/*.
  double auth_rate_per_second = 5;
  double auth_burst = 20;
};

// `store` and `writer` outlive the router.
void add_identity_routes(Router& router, Store& store, AuditWriter& writer, IdentityOptions options);

// Sets a fresh one-time bootstrap code (replacing an unused one) until one has been used; returns
// it, or nullopt once the first admin exists. Errors: internal.
Result<std::optional<std::string>> bootstrap_code_issue(Store& store, std::chrono::milliseconds ttl);

}  // namespace acctsec::server
