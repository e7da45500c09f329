#include "server/idempotency.hpp"

#include "server/authorize.hpp"
#include "server/problem.hpp"

namespace acctsec::server {

Result<void> IdempotentRequest::record(StoreTransaction& tx, unsigned status, std::string body) const {
  return tx.idempotency_insert(principal, key, IdempotentReply{.fingerprint = fingerprint, .status = status, .body = std::move(body)},
                               store_now());
}

std::optional<IdempotentRequest> idempotency_begin(IdentityStore& store, const HttpRequest& request, const Caller& caller,
                                                   const Respond& respond) {
  const auto key = request.header("idempotency-key");
  if (!key || key->size() < 16 || key->size() > 128) {
    respond(problem_response(400, "Bad Request",
                             "This request needs an Idempotency-Key header of 16 to 128 characters (a UUID, say), so that a retry "
                             "cannot create a second object."));
    return std::nullopt;
  }
  IdempotentRequest out{.principal = caller.principal, .key = std::string(*key),
                        .fingerprint = secret_hash(request.method + " " + request.path + "\n" + request.body)};
  auto stored = store.idempotency_get(out.principal, out.key);
  if (!stored) {
    respond(problem_response(500, "Internal Server Error", stored.error().message));
    return std::nullopt;
  }
  if (!*stored) return out;
  if ((*stored)->fingerprint != out.fingerprint) {
    respond(problem_response(422, "Unprocessable Content",
                             "This Idempotency-Key was used for a different request; use a new key for a new request."));
    return std::nullopt;
  }
  HttpResponse replay{.status = (*stored)->status, .content_type = "application/json", .body = (*stored)->body, .headers = {},
                      .principal = {}};
  replay.headers.emplace_back("Idempotent-Replayed", "true");
  respond(std::move(replay));
  return std::nullopt;
}

}  // namespace acctsec::server
