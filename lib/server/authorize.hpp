// Authorization on every route: each route says who may call it, and a wrapper checks the bearer
// token against that before the handler runs (401 without a valid token, 403 for the wrong role or
// scope). Checks that depend on the object (is this the caller's own key?) stay in the handler.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "server/bearer_auth.hpp"
#include "server/http_message.hpp"
#include "server/store.hpp"

namespace acctsec::server {

struct RouteAccess {
  bool open = false;                     // anyone; a token sent anyway must be valid
  bool any_session = false;              // any logged-in principal, whatever its roles
  std::vector<std::string_view> roles;   // a session holding one of these roles
  std::vector<std::string_view> scopes;  // an API token holding one of these scopes
};

// Who may call; the handler sees the caller (nullopt only on open routes without a token).
using AuthorizedHandler = std::function<void(HttpRequest&&, const std::optional<Caller>&, Respond)>;

HttpHandler authorized(IdentityStore& store, RouteAccess access, AuthorizedHandler handler);

// Whether `caller` passes `access` (the rule authorized() applies).
bool access_allows(const RouteAccess& access, const std::optional<Caller>& caller);

// 401 with WWW-Authenticate (with `extra` problem members), and 403, as problem documents.
HttpResponse unauthorized_response(std::string_view detail, nlohmann::json extra = nlohmann::json::object());
HttpResponse forbidden_response(std::string_view detail);

// Milliseconds since the epoch, now.
StoreTime store_now();

}  // namespace acctsec::server
