// Routes by method and path pattern ("/v1/accounts/{id}/security"); a path that matches no pattern
// is 404, a known path with another method 405 with Allow, both as problem+json.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.hpp"

namespace acctsec::server {

class Router {
 public:
  // `pattern` segments in braces capture one path segment each, readable as request.param(name).
  // Captured segments are percent-decoded; one that decodes to nothing or holds '/' does not match.
  void add(std::string_view method, std::string_view pattern, HttpHandler handler);

  // Calls the matching handler with the path parameters set, or answers 404/405 itself.
  void dispatch(HttpRequest&& request, Respond respond) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    HttpHandler handler;
  };
  std::vector<Route> m_routes;
};

// Percent-decodes a path segment or query value ('+' stays '+'); nullopt when malformed.
std::optional<std::string> percent_decode(std::string_view text);

// The first value of `name` in a query string ("a=1&b=two"), percent-decoded, with '+' read as a
// space as forms send it; nullopt when absent or malformed. A name without '=' has the value "".
std::optional<std::string> query_param(std::string_view query, std::string_view name);
// Every value of `name`, in order (repeated parameters: ?filter=a&filter=b); nullopt for a malformed one.
std::vector<std::optional<std::string>> query_params(std::string_view query, std::string_view name);

}  // namespace acctsec::server
