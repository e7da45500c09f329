#include "server/problem.hpp"

namespace acctsec::server {

HttpResponse problem_response(unsigned status, std::string_view title, std::string_view detail, std::string_view type,
                              nlohmann::json extra) {
  nlohmann::json body = extra.is_object() ? std::move(extra) : nlohmann::json::object();
  body["type"] = type;
  body["title"] = title;
  body["status"] = status;
  body["detail"] = detail;
  HttpResponse response;
  response.status = status;
  response.content_type = std::string(k_problem_content_type);
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace acctsec::server
