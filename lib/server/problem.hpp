// Error replies as RFC 9457 problem details (application/problem+json), the only error shape the
// API has (api/openapi.yaml, components.schemas.Problem).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "server/http_message.hpp"

namespace acctsec::server {

inline constexpr std::string_view k_problem_content_type = "application/problem+json";

// {"type", "title", "status", "detail"} plus `extra` members. `type` is a URI naming the problem
// kind; "about:blank" means the status says it all.
HttpResponse problem_response(unsigned status, std::string_view title, std::string_view detail,
                              std::string_view type = "about:blank", nlohmann::json extra = nlohmann::json::object());

}  // namespace acctsec::server
