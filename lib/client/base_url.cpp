#include "client/base_url.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace acctsec::client {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool loopback_host(const std::string& host) {
  if (lower(host) == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  return false;
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

Result<BaseUrl> base_url_parse(std::string_view url) {
  BaseUrl base;
  std::string_view rest;
  const std::string scheme = lower(url.substr(0, url.find("://")));
  if (url.find("://") == std::string_view::npos || (scheme != "https" && scheme != "http"))
    return fail(ErrorCategory::usage, fmt::format("'{}' is not an https:// URL", url));
  base.scheme = scheme;
  rest = url.substr(scheme.size() + 3);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return fail(ErrorCategory::usage, fmt::format("the server URL '{}' must not have a query or fragment", url));
  const std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view prefix = rest.substr(authority.size());
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  if (authority.find('@') != std::string_view::npos)
    return fail(ErrorCategory::usage,
                fmt::format("the server URL '{}' must not carry a user name or password; tokens go in the session "
                            "store or ACCTSEC_TOKEN",
                            url));
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail(ErrorCategory::usage, fmt::format("the server URL '{}' has an unclosed '['", url));
    base.host = std::string(authority.substr(1, close - 1));
  } else {
    base.host = std::string(authority.substr(0, authority.find(':')));
  }
  if (base.host.empty()) return fail(ErrorCategory::usage, fmt::format("the server URL '{}' has no host", url));
  base.loopback = loopback_host(base.host) ? Loopback::yes : Loopback::no;
  if (base.scheme == "http" && base.loopback == Loopback::no)
    return fail(ErrorCategory::usage,
                fmt::format("'{}' is plain http to another machine, where the token could be read on the way; use "
                            "https:// (http:// is accepted for localhost only)",
                            url));
  base.text = fmt::format("{}://{}{}", base.scheme, authority, prefix);
  return base;
}

std::string url_encode_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c))
      out += ch;
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

Result<std::string> request_url(const BaseUrl& base, std::string_view path, const Query& query) {
  const bool bad_character = std::any_of(path.begin(), path.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c >= 0x7f || c == '?' || c == '#';
  });
  if (!path.starts_with('/') || bad_character)
    return fail(ErrorCategory::usage,
                fmt::format("'{}' is not a request path (it starts with '/', and its segments are URL-encoded)", path));
  std::string url = base.text;
  url += path;
  char separator = '?';
  for (const auto& [name, value] : query) {
    url += separator;
    url += url_encode_component(name);
    url += '=';
    url += url_encode_component(value);
    separator = '&';
  }
  return url;
}

}  // namespace acctsec::client
