#include "client/trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

namespace acctsec::client {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool iends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && iequals(text.substr(text.size() - suffix.size()), suffix);
}

// Where `needle` (lower case) first occurs in `text`, ignoring case.
std::size_t ifind(std::string_view text, std::string_view needle) {
  for (std::size_t at = 0; at + needle.size() <= text.size(); ++at)
    if (iequals(text.substr(at, needle.size()), needle)) return at;
  return std::string_view::npos;
}

void redact(nlohmann::json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (trace_secret_member(it.key()))
        it.value() = k_redacted;
      else
        redact(it.value());
    }
  } else if (value.is_array()) {
    for (auto& element : value) redact(element);
  }
}

}  // namespace

std::string trace_header_line(std::string_view line) {
  static constexpr std::array<std::string_view, 4> k_secret_headers = {"authorization", "proxy-authorization", "cookie",
                                                                       "set-cookie"};
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::string(line);
  const std::string_view name = line.substr(0, colon);
  const bool secret = std::any_of(k_secret_headers.begin(), k_secret_headers.end(),
                                  [&](std::string_view header) { return iequals(name, header); });
  if (!secret) return std::string(line);
  // The scheme ("Bearer") says what kind of credential went; only the credential is hidden.
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  const auto space = value.find(' ');
  const std::string_view scheme = iequals(name, "authorization") || iequals(name, "proxy-authorization")
                                      ? value.substr(0, space == std::string_view::npos ? 0 : space + 1)
                                      : std::string_view();
  return fmt::format("{}: {}{}", name, scheme, k_redacted);
}

std::string trace_text_line(std::string_view line) {
  static constexpr std::array<std::string_view, 4> k_secret_headers = {
      "proxy-authorization:", "authorization:", "set-cookie:", "cookie:"};
  for (const std::string_view header : k_secret_headers) {
    const auto at = ifind(line, header);
    if (at == std::string_view::npos) continue;
    // trace_header_line keeps "Name: Scheme " and redacts the rest; a closing bracket stays.
    std::string shown = std::string(line.substr(0, at)) + trace_header_line(line.substr(at));
    if (line.ends_with(']')) shown += ']';
    return shown;
  }
  return std::string(line);
}

std::string trace_scrub(std::string_view line, std::string_view secret) {
  if (secret.empty()) return std::string(line);
  std::string out;
  while (true) {
    const auto at = line.find(secret);
    out += line.substr(0, at);
    if (at == std::string_view::npos) return out;
    out += k_redacted;
    line.remove_prefix(at + secret.size());
  }
}

bool trace_secret_member(std::string_view name) {
  return iends_with(name, "token") || iends_with(name, "secret");
}

std::string trace_json_body(std::string_view body, std::size_t limit) {
  if (body.empty()) return "(empty)";
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return fmt::format("({} bytes, not JSON)", body.size());
  redact(parsed);
  std::string shown = parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (shown.size() > limit) {
    shown.resize(limit);
    // Not in the middle of a UTF-8 sequence.
    while (!shown.empty() && (static_cast<unsigned char>(shown.back()) & 0xC0) == 0x80) shown.pop_back();
    if (!shown.empty() && (static_cast<unsigned char>(shown.back()) & 0x80) != 0) shown.pop_back();
    shown += fmt::format("… ({} bytes)", body.size());
  }
  return shown;
}

}  // namespace acctsec::client
