// Strict reading of a JSON request body (api/openapi.yaml: unknown members, wrong types and values
// out of range are refused with 400). Every problem is collected with its JSON Pointer, so that
// one 400 reply names them all.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.hpp"

namespace acctsec::server {

class RequestBody {
 public:
  // An empty body reads as {} when `empty_is_object`.
  explicit RequestBody(std::string_view body, bool empty_is_object = false);

  // Each reader marks the member as known. A required member that is missing, or a member of the
  // wrong type or out of range, is noted as a problem and read as nullopt.
  std::optional<std::string> string(std::string_view name, bool required, std::size_t min_length = 0,
                                    std::size_t max_length = 4096);
  std::optional<std::string> choice(std::string_view name, bool required, std::span<const std::string_view> allowed);
  // A list of distinct strings, each one of `allowed` (any string when `allowed` is empty).
  std::optional<std::vector<std::string>> string_set(std::string_view name, bool required, std::size_t min_items,
                                                     std::span<const std::string_view> allowed);
  std::optional<bool> boolean(std::string_view name, bool required);
  // An object member, returned as is for a reader that knows its shape (a WebAuthn response).
  const nlohmann::json* object(std::string_view name, bool required);

  // A reader for the object member `name`, whose problems carry its pointer (/justification/reason);
  // nullopt (noted) when it is missing or not an object. Hand it back with absorb() when done.
  std::optional<RequestBody> nested(std::string_view name, bool required);
  // Finishes `inner` and takes its problems as this body's.
  void absorb(RequestBody& inner);

  // Notes every member no reader asked for; true when there is no problem at all.
  bool finish();
  // 400 naming each problem (Problem.errors: pointer and detail).
  HttpResponse problem() const;

  // A problem found by the caller's own checks.
  void note(std::string_view name, std::string detail);

 private:
  RequestBody(const nlohmann::json& object, std::string prefix);
  const nlohmann::json* member(std::string_view name, bool required);

  nlohmann::json m_json;
  bool m_is_object = false;
  std::set<std::string, std::less<>> m_known;
  std::vector<std::pair<std::string, std::string>> m_problems;  // pointer, detail
  std::string m_prefix;  // the pointer of this object inside the body ("" at the top)
};

}  // namespace acctsec::server
