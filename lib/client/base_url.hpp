// Server URLs: the base URL a Client talks to (https, or http to this machine only) and the
// request URLs built from it with a path and an encoded query.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace acctsec::client {

// Query parameters in the order they are sent; names and values are percent-encoded when the URL
// is built, so callers pass them as plain text.
using Query = std::vector<std::pair<std::string, std::string>>;

enum class Loopback { no, yes };

struct BaseUrl {
  std::string text;                  // scheme://host[:port][/prefix], without a trailing '/'
  std::string scheme;                // "https" or "http"
  std::string host;                  // as written, without the brackets of an IPv6 literal
  Loopback loopback = Loopback::no;  // localhost, 127.0.0.0/8 or ::1
};

// Parses and checks a base URL. http:// is accepted only for a loopback host, since a token sent
// in the clear anywhere else can be read on the way.
// Errors: usage (not http(s), http to another host, user:password@, a query or fragment, no host).
Result<BaseUrl> base_url_parse(std::string_view url);

// Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~), for a
// query value or one path segment (a principal's name, say).
std::string url_encode_component(std::string_view text);

// base + path + "?" + encoded query. `path` starts with '/' and holds only characters allowed in
// a path (encode segments with url_encode_component).
// Errors: usage (a path that does not start with '/' or holds a space, '?', '#' or a control
// character).
Result<std::string> request_url(const BaseUrl& base, std::string_view path, const Query& query);

}  // namespace acctsec::client
