#include "server/http_message.hpp"

#include <atomic>

#include "server/problem.hpp"

namespace acctsec::server {

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key == name) return std::string_view(value);
  return std::nullopt;
}

std::string_view HttpRequest::param(std::string_view name) const {
  for (const auto& [key, value] : params)
    if (key == name) return value;
  return {};
}

struct Respond::State {
  std::function<void(HttpResponse)> send;
  std::atomic<bool> answered{false};
  ~State() {
    if (!answered.exchange(true))
      send(problem_response(500, "Internal Server Error", "The server dropped this request without an answer."));
  }
};

Respond::Respond(std::function<void(HttpResponse)> send) : m_state(std::make_shared<State>()) {
  m_state->send = std::move(send);
}

void Respond::operator()(HttpResponse response) const {
  if (!m_state->answered.exchange(true)) m_state->send(std::move(response));
}

}  // namespace acctsec::server
