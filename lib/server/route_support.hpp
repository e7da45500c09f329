// What every route file shares: JSON and problem replies, audit events stamped now, committing a
// change with its audit entry before answering, list pages with opaque cursors, and the WebAuthn
// response member of a request body.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/audit_chain.hpp"
#include "core/error.hpp"
#include "server/audit_writer.hpp"
#include "server/authorize.hpp"
#include "server/http_message.hpp"
#include "server/request_body.hpp"
#include "server/router.hpp"

namespace acctsec::server {

inline constexpr std::size_t k_default_page = 100;
inline constexpr std::size_t k_max_page = 1000;

HttpResponse json_response(unsigned status, const nlohmann::json& body);
HttpResponse no_content();
HttpResponse internal_error(const Error& error);
// A write that could not be made durable: nothing happened, and the client may retry (503).
HttpResponse unavailable(const Error& error);
// 422 with the `reasons` member.
HttpResponse rejected(std::string_view detail, const std::vector<std::string>& reasons);
HttpResponse not_found(std::string_view detail);
HttpResponse conflict(std::string_view detail);

AuditEvent event_now(std::string actor, std::string action, std::string resource, nlohmann::json detail = nlohmann::json::object());

// `prefix` and 16 random base64url characters.
std::string random_id(std::string_view prefix);

// Commits `write` and answers with `on_committed`, or with what its failure means: the store's
// uniqueness rules are conflicts (409), a vanished row is `missing`, anything else means the
// audit entry is not durable (503) — so no change goes unrecorded.
void commit_then(AuditWriter& writer, AuditedWrite write, Respond respond, std::function<HttpResponse()> on_committed,
                 std::function<HttpResponse(const Error&)> missing = {});

// ?cursor=&limit= of a list route. The cursor is the last key of the page before, in base64url.
struct Page {
  std::string after;
  std::size_t limit = k_default_page;
};
// The page asked for, or nullopt with `problem` set (400).
std::optional<Page> read_page(const HttpRequest& request, std::optional<HttpResponse>& problem);
std::string cursor_for(std::string_view last_key);

// Adds `handler`, a member of `routes`, behind authorization. Only for routes that are not open,
// where authorized() guarantees a caller.
template <typename Routes>
void add_authorized(Router& router, IdentityStore& store, std::string_view method, std::string_view pattern, RouteAccess access,
                    std::shared_ptr<Routes> routes, void (Routes::*handler)(HttpRequest&&, const Caller&, Respond)) {
  router.add(method, pattern,
             authorized(store, std::move(access),
                        [routes = std::move(routes), handler](HttpRequest&& request, const std::optional<Caller>& caller, Respond respond) {
                          ((*routes).*handler)(std::move(request), *caller, std::move(respond));
                        }));
}

// A query flag: absent or "false" is false, "true" is true; anything else is nullopt.
std::optional<bool> query_flag(const HttpRequest& request, std::string_view name);

// The body's required member `name` (a WebAuthn response JSON) decoded by `parse`; a decoding
// error is a problem noted against that member.
template <typename Parse>
auto read_response(RequestBody& body, Parse parse, std::string_view name = "response")
    -> std::optional<typename decltype(parse(nlohmann::json()))::value_type> {
  const auto* json = body.object(name, true);
  if (!json) return std::nullopt;
  auto parsed = parse(*json);
  if (!parsed) {
    body.note(name, parsed.error().message);
    return std::nullopt;
  }
  return std::move(*parsed);
}

}  // namespace acctsec::server
