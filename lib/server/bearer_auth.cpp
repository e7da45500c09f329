#include "server/bearer_auth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "webauthn/hash.hpp"

namespace acctsec::server {
namespace {

constexpr std::size_t k_secret_bytes = 32;
constexpr std::size_t k_secret_text = 43;  // base64url of 32 bytes, unpadded

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

// Every authenticated request hashes its token: webauthn's SHA-256 skips OpenSSL's per-call fetch.
Bytes secret_hash(std::string_view secret) { return webauthn::sha256(as_bytes(secret)); }

NewToken bearer_token_new(std::string_view kind) {
  NewToken token;
  token.secret = std::string(kind == "session" ? k_session_token_prefix : k_api_token_prefix) + base64url_encode(random_bytes(k_secret_bytes));
  token.hash = secret_hash(token.secret);
  token.id = std::string(kind == "session" ? "s-" : "t-") + base64url_encode(random_bytes(9));
  return token;
}

bool Caller::has_role(std::string_view role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }
bool Caller::has_scope(std::string_view scope) const { return std::find(scopes.begin(), scopes.end(), scope) != scopes.end(); }

Result<std::optional<Caller>> bearer_authenticate(IdentityStore& store, const HttpRequest& request, StoreTime now) {
  const auto header = request.header("authorization");
  if (!header) return std::optional<Caller>{};
  const auto space = header->find(' ');
  if (space == std::string_view::npos || !iequals(header->substr(0, space), "bearer"))
    return fail(ErrorCategory::auth, "the Authorization header must be \"Bearer <token>\"");
  const std::string_view secret = header->substr(space + 1);
  std::string kind;
  std::string_view prefix;
  if (secret.starts_with(k_session_token_prefix)) {
    kind = "session";
    prefix = k_session_token_prefix;
  } else if (secret.starts_with(k_api_token_prefix)) {
    kind = "api";
    prefix = k_api_token_prefix;
  }
  if (kind.empty() || secret.size() != prefix.size() + k_secret_text)
    return fail(ErrorCategory::auth, "the bearer token is not an acctsec token");

  const Bytes hash = secret_hash(secret);
  auto found = store.token_with_principal(hash);
  if (!found) {
    if (found.error().category == ErrorCategory::not_found) return fail(ErrorCategory::auth, "the bearer token is not known");
    return fail(found.error());
  }
  const TokenRecord& token = found->token;
  // The lookup matched on the hash already; comparing again costs nothing and keeps the check
  // independent of how the store compares.
  if (!constant_time_equal(token.hash, hash) || token.kind != kind)
    return fail(ErrorCategory::auth, "the bearer token is not known");
  if (token.revoked) return fail(ErrorCategory::auth, "the bearer token was revoked; log in again");
  if (token.expires <= now) return fail(ErrorCategory::auth, "the bearer token has expired; log in again");

  Caller caller;
  caller.kind = kind;
  caller.token_id = token.id;
  caller.expires = token.expires;
  if (kind == "session") {
    if (!found->principal) return fail(ErrorCategory::auth, "the session's principal no longer exists");
    caller.principal = std::move(found->principal->name);
    caller.roles = std::move(found->principal->roles);
  } else {
    caller.principal = "token:" + token.id;
    caller.scopes = token.scopes;
    // Last use is worth knowing for an API token (stale CI credentials); once a minute is enough.
    if (!token.last_used || now - *token.last_used > 60'000) store.token_touch(token.id, now);
  }
  return std::optional<Caller>(std::move(caller));
}

}  // namespace acctsec::server
