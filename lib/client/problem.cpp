#include "client/problem.hpp"

namespace acctsec::client {
namespace {

std::string string_member(const nlohmann::json& object, std::string_view name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<Problem> problem_parse(const nlohmann::json& body, int status) {
  if (!body.is_object()) return std::nullopt;
  Problem problem;
  problem.type = string_member(body, "type");
  problem.title = string_member(body, "title");
  problem.detail = string_member(body, "detail");
  if (problem.type.empty() && problem.title.empty() && problem.detail.empty()) return std::nullopt;
  if (problem.type.empty()) problem.type = "about:blank";
  const auto member_status = body.find("status");
  problem.status =
      member_status != body.end() && member_status->is_number_integer() ? member_status->get<int>() : status;
  problem.document = body;
  return problem;
}

std::string problem_message(const Problem& problem) {
  std::string message = problem.title;
  if (!problem.detail.empty() && problem.detail != problem.title)
    message = message.empty() ? problem.detail : message + ": " + problem.detail;
  if (message.empty()) message = "HTTP " + std::to_string(problem.status);
  // Servers often repeat the list in the detail already; a part said once is not said again.
  const auto add = [&message](const std::string& part) {
    if (!part.empty() && message.find(part) == std::string::npos) message += "; " + part;
  };
  if (const auto errors = problem.document.find("errors"); errors != problem.document.end() && errors->is_array()) {
    for (const auto& entry : *errors) {
      if (!entry.is_object()) continue;
      const std::string pointer = string_member(entry, "pointer");
      const std::string detail = string_member(entry, "detail");
      add(pointer.empty() || detail.empty() ? pointer + detail : pointer + ": " + detail);
    }
  }
  if (const auto reasons = problem.document.find("reasons"); reasons != problem.document.end() && reasons->is_array()) {
    for (const auto& reason : *reasons)
      if (reason.is_string()) add(reason.get<std::string>());
  }
  return message;
}

std::optional<RequiredGrant> problem_required_grant(const Problem& problem) {
  if (problem.type != k_problem_grant_required) return std::nullopt;
  const auto grant = problem.document.find("requiredGrant");
  if (grant == problem.document.end() || !grant->is_object()) return std::nullopt;
  RequiredGrant required{string_member(*grant, "resource"), string_member(*grant, "scope")};
  if (required.resource.empty() || required.scope.empty()) return std::nullopt;
  return required;
}

}  // namespace acctsec::client
