#include "server/route_support.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/bytes.hpp"
#include "server/authorize.hpp"
#include "server/identity_json.hpp"
#include "server/problem.hpp"
#include "server/router.hpp"

namespace acctsec::server {

HttpResponse json_response(unsigned status, const nlohmann::json& body) {
  return HttpResponse{.status = status, .content_type = "application/json", .body = body.dump(), .headers = {}, .principal = {}};
}

HttpResponse no_content() {
  return HttpResponse{.status = 204, .content_type = {}, .body = {}, .headers = {}, .principal = {}};
}

HttpResponse internal_error(const Error& error) { return problem_response(500, "Internal Server Error", error.message); }

HttpResponse unavailable(const Error& error) {
  auto response = problem_response(503, "Service Unavailable", "Nothing was changed: " + error.message);
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse rejected(std::string_view detail, const std::vector<std::string>& reasons) {
  return problem_response(422, "Unprocessable Content", detail, "about:blank", {{"reasons", reasons}});
}

AuditEvent event_now(std::string actor, std::string action, std::string resource, nlohmann::json detail) {
  return AuditEvent{.time = store_time_text(store_now()),
                    .actor = std::move(actor),
                    .action = std::move(action),
                    .resource = std::move(resource),
                    .grant = std::nullopt,
                    .detail = std::move(detail)};
}

std::string random_id(std::string_view prefix) { return std::string(prefix) + base64url_encode(random_bytes(12)); }

void commit_then(AuditWriter& writer, AuditedWrite write, Respond respond, std::function<HttpResponse()> on_committed,
                 std::function<HttpResponse(const Error&)> missing) {
  writer.append(std::move(write), [respond = std::move(respond), on_committed = std::move(on_committed),
                                   missing = std::move(missing)](Result<AuditEntry> committed) {
    if (committed) return respond(on_committed());
    const Error& error = committed.error();
    if (error.category == ErrorCategory::rejected) return respond(problem_response(409, "Conflict", error.message));
    if (error.category == ErrorCategory::not_found && missing) return respond(missing(error));
    if (error.category == ErrorCategory::usage) return respond(problem_response(400, "Bad Request", error.message));
    respond(unavailable(error));
  });
}

std::optional<Page> read_page(const HttpRequest& request, std::optional<HttpResponse>& problem) {
  Page page;
  if (auto cursor = query_param(request.query, "cursor")) {
    auto decoded = base64url_decode(*cursor);
    if (!decoded) {
      problem = problem_response(400, "Bad Request", "cursor is not one this server gave out");
      return std::nullopt;
    }
    page.after = std::string(as_chars(*decoded));
  }
  if (auto limit = query_param(request.query, "limit")) {
    std::size_t value = 0;
    const bool digits = !limit->empty() && limit->size() <= 4 &&
                        std::all_of(limit->begin(), limit->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) value = std::stoul(*limit);
    if (!digits || value < 1 || value > k_max_page) {
      problem = problem_response(400, "Bad Request", fmt::format("limit must be a whole number from 1 to {}", k_max_page));
      return std::nullopt;
    }
    page.limit = value;
  }
  return page;
}


std::string cursor_for(std::string_view last_key) { return base64url_encode(as_bytes(last_key)); }

HttpResponse not_found(std::string_view detail) { return problem_response(404, "Not Found", detail); }
HttpResponse conflict(std::string_view detail) { return problem_response(409, "Conflict", detail); }

std::optional<bool> query_flag(const HttpRequest& request, std::string_view name) {
  auto value = query_param(request.query, name);
  if (!value || *value == "false") return false;
  if (*value == "true") return true;
  return std::nullopt;
}

}  // namespace acctsec::server
