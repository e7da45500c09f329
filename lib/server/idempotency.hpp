// Idempotency-Key on the POSTs that create something (api/openapi.yaml, IdempotencyKey): the first
// reply is stored with the change, in the same transaction, and a retry with the same key and body
// gets that reply again instead of a second object; the same key with another body is refused.
#pragma once

#include <optional>
#include <string>

#include "server/bearer_auth.hpp"
#include "server/http_message.hpp"
#include "server/store.hpp"

namespace acctsec::server {

struct IdempotentRequest {
  std::string principal;
  std::string key;
  Bytes fingerprint;

  // Records `status` and `body` as the reply to this request, inside the change's transaction.
  Result<void> record(StoreTransaction& tx, unsigned status, std::string body) const;
};

// Reads the request's Idempotency-Key. Returns the request to go on with, or answers itself and
// returns nullopt: 400 without a well-formed key, the stored reply (with Idempotent-Replayed: true)
// for a repeat, 422 for the same key with a different request.
std::optional<IdempotentRequest> idempotency_begin(IdentityStore& store, const HttpRequest& request, const Caller& caller,
                                                   const Respond& respond);

}  // namespace acctsec::server
