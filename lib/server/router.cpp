#include "server/router.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "server/problem.hpp"

namespace acctsec::server {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether `segments` (of the request path) match `route`, collecting the captures.
bool match(const std::vector<std::string>& route, const std::vector<std::string_view>& segments,
           std::vector<std::pair<std::string, std::string>>& params) {
  if (route.size() != segments.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < route.size(); ++i) {
    const std::string& want = route[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      auto decoded = percent_decode(segments[i]);
      if (!decoded || decoded->empty() || decoded->find('/') != std::string::npos) return false;
      params.emplace_back(want.substr(1, want.size() - 2), std::move(*decoded));
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;  // needs two hex digits after '%'
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

void Router::add(std::string_view method, std::string_view pattern, HttpHandler handler) {
  Route route{std::string(method), std::string(pattern), {}, std::move(handler)};
  for (auto segment : split_path(pattern)) route.segments.emplace_back(segment);
  m_routes.push_back(std::move(route));
}

void Router::dispatch(HttpRequest&& request, Respond respond) const {
  const auto segments = split_path(request.path);
  std::vector<std::pair<std::string, std::string>> params;
  std::string allowed;
  for (const auto& route : m_routes) {
    if (!match(route.segments, segments, params)) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      request.params = std::move(params);
      route.handler(std::move(request), std::move(respond));
      return;
    }
    if (allowed.find(route.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (allowed.empty()) {
    respond(problem_response(404, "Not Found", fmt::format("There is no {} in this API; see GET /v1/openapi.yaml.", request.path)));
    return;
  }
  auto response = problem_response(405, "Method Not Allowed", fmt::format("{} takes {}, not {}.", request.path, allowed, request.method));
  response.headers.emplace_back("Allow", allowed);
  respond(std::move(response));
}

std::vector<std::optional<std::string>> query_params(std::string_view query, std::string_view name) {
  std::vector<std::optional<std::string>> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::replace(key.begin(), key.end(), '+', ' ');
    auto decoded_key = percent_decode(key);
    if (!decoded_key || *decoded_key != name) continue;
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    std::replace(value.begin(), value.end(), '+', ' ');
    out.push_back(percent_decode(value));
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  auto values = query_params(query, name);
  if (values.empty()) return std::nullopt;
  return std::move(values.front());
}

}  // namespace acctsec::server
