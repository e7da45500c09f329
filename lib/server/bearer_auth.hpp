// Bearer tokens: making them, and finding who a request's token belongs to. A token is a prefix
// naming its kind and 32 random bytes in base64url; the store keeps only its SHA-256, so a copy
// of the database lets no one in. Lookups go by that hash and the stored hash is compared again in
// constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "server/http_message.hpp"
#include "server/store.hpp"

namespace acctsec::server {

inline constexpr std::string_view k_session_token_prefix = "acss_";
inline constexpr std::string_view k_api_token_prefix = "acst_";

struct NewToken {
  std::string secret;  // shown once, to the one who asked for it
  Bytes hash;          // SHA-256 of the secret, what the store keeps
  std::string id;      // public: in lists, audit entries and logs
};

// A fresh token of `kind` ("session" or "api").
NewToken bearer_token_new(std::string_view kind);

// SHA-256 of a secret (token, bootstrap code).
Bytes secret_hash(std::string_view secret);

// Who is calling, as their token says.
struct Caller {
  std::string kind;  // "session" or "api"
  std::string principal;           // the session's principal; "token:<id>" for an API token
  std::vector<std::string> roles;  // the principal's roles; none for API tokens
  std::vector<std::string> scopes; // API tokens only
  std::string token_id;
  StoreTime expires = 0;

  bool has_role(std::string_view role) const;
  bool has_scope(std::string_view scope) const;
  bool is_session() const { return kind == "session"; }
};

// Reads "Authorization: Bearer <token>" and finds its live token. nullopt when the request has no
// Authorization header. Errors: auth (malformed, unknown, expired or revoked token; a session
// whose principal is gone), internal.
Result<std::optional<Caller>> bearer_authenticate(IdentityStore& store, const HttpRequest& request, StoreTime now);

}  // namespace acctsec::server
