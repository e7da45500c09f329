// HTTP requests and responses as the routes see them, free of Boost.Beast, which only
// http_server.cpp includes (it is slow to compile). A handler answers through a Respond that may
// be called later from another thread — after the audit writer has committed, say.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acctsec::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // target before '?'
  std::string query;   // after '?', or empty
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string request_id;  // X-Request-Id: the client's when it is a sane token, else a fresh one
  std::string remote;      // peer address
  std::vector<std::pair<std::string, std::string>> params;  // path parameters, set by the router

  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
  // A path parameter by name; empty when absent.
  std::string_view param(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, Retry-After, ...)
  std::string principal;  // who made the request, for the access log; never a secret
};

// Answers a request exactly once; calls after the first are ignored. Dropping every copy
// without answering answers 500, so that no connection waits for a reply that will not come.
class Respond {
 public:
  explicit Respond(std::function<void(HttpResponse)> send);
  void operator()(HttpResponse response) const;

 private:
  struct State;
  std::shared_ptr<State> m_state;
};

using HttpHandler = std::function<void(HttpRequest&&, Respond)>;

}  // namespace acctsec::server
