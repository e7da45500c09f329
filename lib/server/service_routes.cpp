#include "server/service_routes.hpp"

#include <nlohmann/json.hpp>

#include "core/timestamp.hpp"
#include "server/openapi_document.hpp"
#include "server/problem.hpp"

namespace acctsec::server {

void add_service_routes(Router& router, Store& store, std::string version) {
  router.add("GET", "/v1/health", [&store, version = std::move(version)](HttpRequest&&, Respond respond) {
    if (auto writable = store.check_writable(); !writable) {
      auto response = problem_response(503, "Service Unavailable",
                                       "The store does not take writes: " + writable.error().message);
      response.headers.emplace_back("Retry-After", "5");
      return respond(std::move(response));
    }
    const nlohmann::json body = {{"schema", "acctsec.health/1"},
                                 {"status", "ok"},
                                 {"version", version},
                                 {"time", format_timestamp(std::chrono::system_clock::now())},
                                 {"store", store.kind()}};
    respond(HttpResponse{.status = 200, .content_type = "application/json", .body = body.dump(), .headers = {}, .principal = {}});
  });
  router.add("GET", "/v1/openapi.yaml", [](HttpRequest&&, Respond respond) {
    respond(HttpResponse{.status = 200,
                         .content_type = "application/yaml",
                         .body = std::string(openapi_document()),
                         .headers = {},
                         .principal = {}});
  });
}

}  // namespace acctsec::server
