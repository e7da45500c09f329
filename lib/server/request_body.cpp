#include "server/request_body.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "server/problem.hpp"

namespace acctsec::server {
namespace {

// RFC 6901: '~' and '/' in a member name are escaped.
std::string pointer_to(std::string_view name) {
  std::string out = "/";
  for (char c : name) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string quoted_list(std::span<const std::string_view> items) {
  std::string out;
  for (auto item : items) out += (out.empty() ? "" : ", ") + fmt::format("\"{}\"", item);
  return out;
}

}  // namespace

RequestBody::RequestBody(std::string_view body, bool empty_is_object) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos && empty_is_object) {
    m_json = nlohmann::json::object();
    m_is_object = true;
    return;
  }
  m_json = nlohmann::json::parse(body, nullptr, false);
  if (m_json.is_discarded()) {
    m_problems.emplace_back("", "the body is not JSON");
  } else if (!m_json.is_object()) {
    m_problems.emplace_back("", "the body must be a JSON object");
  } else {
    m_is_object = true;
  }
}

RequestBody::RequestBody(const nlohmann::json& object, std::string prefix) : m_json(object), m_prefix(std::move(prefix)) {
  if (!m_json.is_object()) m_problems.emplace_back(m_prefix, "must be a JSON object");
  else m_is_object = true;
}

std::optional<RequestBody> RequestBody::nested(std::string_view name, bool required) {
  const auto* json = object(name, required);
  if (!json) return std::nullopt;
  return RequestBody(*json, m_prefix + pointer_to(name));
}

void RequestBody::absorb(RequestBody& inner) {
  inner.finish();
  for (auto& problem : inner.m_problems) m_problems.push_back(std::move(problem));
  inner.m_problems.clear();
}

const nlohmann::json* RequestBody::member(std::string_view name, bool required) {
  m_known.emplace(name);
  if (!m_is_object) return nullptr;
  const auto found = m_json.find(name);
  if (found == m_json.end()) {
    if (required) m_problems.emplace_back(m_prefix + pointer_to(name), "is required");
    return nullptr;
  }
  return &*found;
}

std::optional<std::string> RequestBody::string(std::string_view name, bool required, std::size_t min_length,
                                               std::size_t max_length) {
  const auto* value = member(name, required);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    note(name, "must be a string");
    return std::nullopt;
  }
  std::string text = value->get<std::string>();
  if (text.size() < min_length) {
    note(name, min_length == 1 ? "must not be empty" : fmt::format("must be at least {} characters", min_length));
    return std::nullopt;
  }
  if (text.size() > max_length) {
    note(name, fmt::format("must be at most {} characters", max_length));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> RequestBody::choice(std::string_view name, bool required,
                                               std::span<const std::string_view> allowed) {
  auto text = string(name, required);
  if (!text) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
    note(name, "must be one of " + quoted_list(allowed));
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<std::string>> RequestBody::string_set(std::string_view name, bool required, std::size_t min_items,
                                                                std::span<const std::string_view> allowed) {
  const auto* value = member(name, required);
  if (!value) return std::nullopt;
  if (!value->is_array()) {
    note(name, "must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : *value) {
    if (!item.is_string()) {
      note(name, "must be an array of strings");
      return std::nullopt;
    }
    std::string text = item.get<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
      note(name, fmt::format("\"{}\" is not one of {}", text, quoted_list(allowed)));
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), text) != out.end()) {
      note(name, fmt::format("lists \"{}\" twice", text));
      return std::nullopt;
    }
    out.push_back(std::move(text));
  }
  if (out.size() < min_items) {
    note(name, fmt::format("must list at least {}", min_items));
    return std::nullopt;
  }
  return out;
}

std::optional<bool> RequestBody::boolean(std::string_view name, bool required) {
  const auto* value = member(name, required);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) {
    note(name, "must be true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

const nlohmann::json* RequestBody::object(std::string_view name, bool required) {
  const auto* value = member(name, required);
  if (!value) return nullptr;
  if (!value->is_object()) {
    note(name, "must be an object");
    return nullptr;
  }
  return value;
}

void RequestBody::note(std::string_view name, std::string detail) { m_problems.emplace_back(m_prefix + pointer_to(name), std::move(detail)); }

bool RequestBody::finish() {
  if (m_is_object)
    for (const auto& [name, value] : m_json.items())
      if (!m_known.contains(name)) m_problems.emplace_back(m_prefix + pointer_to(name), "is not a member this request takes");
  return m_problems.empty();
}

HttpResponse RequestBody::problem() const {
  nlohmann::json errors = nlohmann::json::array();
  std::string detail;
  for (const auto& [pointer, what] : m_problems) {
    errors.push_back({{"pointer", pointer}, {"detail", what}});
    if (detail.empty()) detail = pointer.empty() ? what : fmt::format("{} {}", pointer, what);
  }
  if (m_problems.size() > 1) detail += fmt::format(" (and {} more; see errors)", m_problems.size() - 1);
  return problem_response(400, "Bad Request", detail, "about:blank", {{"errors", errors}});
}

}  // namespace acctsec::server
