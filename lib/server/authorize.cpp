#include "server/authorize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "server/problem.hpp"

namespace acctsec::server {

StoreTime store_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

HttpResponse unauthorized_response(std::string_view detail, nlohmann::json extra) {
  auto response = problem_response(401, "Unauthorized", detail, "about:blank", std::move(extra));
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"acctsec\"");
  return response;
}

HttpResponse forbidden_response(std::string_view detail) { return problem_response(403, "Forbidden", detail); }

bool access_allows(const RouteAccess& access, const std::optional<Caller>& caller) {
  if (access.open) return true;
  if (!caller) return false;
  if (caller->is_session()) {
    if (access.any_session) return true;
    return std::any_of(access.roles.begin(), access.roles.end(), [&](std::string_view role) { return caller->has_role(role); });
  }
  return std::any_of(access.scopes.begin(), access.scopes.end(), [&](std::string_view scope) { return caller->has_scope(scope); });
}

namespace {

std::string what_is_needed(const RouteAccess& access) {
  std::string needs;
  auto add = [&](std::string_view kind, const std::vector<std::string_view>& names) {
    if (names.empty()) return;
    std::string list;
    for (auto name : names) list += (list.empty() ? "" : " or ") + std::string(name);
    needs += (needs.empty() ? "" : ", or ") + std::string(kind) + " " + list;
  };
  if (access.any_session) needs = "a session";
  add("the role", access.roles);
  add("an API token with scope", access.scopes);
  return needs.empty() ? "nothing a token can grant" : needs;
}

}  // namespace

HttpHandler authorized(IdentityStore& store, RouteAccess access, AuthorizedHandler handler) {
  return [&store, access = std::move(access), handler = std::move(handler)](HttpRequest&& request, Respond respond) {
    auto caller = bearer_authenticate(store, request, store_now());
    if (!caller) {
      if (caller.error().category == ErrorCategory::auth) return respond(unauthorized_response(caller.error().message));
      return respond(problem_response(500, "Internal Server Error", caller.error().message));
    }
    if (!access.open && !*caller) return respond(unauthorized_response("this route needs a bearer token; log in with acctsec login"));
    if (!access_allows(access, *caller))
      return respond(forbidden_response(fmt::format("{} may not do this; it needs {}", (*caller)->principal, what_is_needed(access))));
    const std::string principal = *caller ? (*caller)->principal : std::string();
    Respond stamped([respond, principal](HttpResponse response) {
      if (response.principal.empty()) response.principal = principal;
      respond(std::move(response));
    });
    handler(std::move(request), *caller, std::move(stamped));
  };
}

}  // namespace acctsec::server
