// Problem details (RFC 9457, application/problem+json): the error documents the server answers
// with (api/openapi.yaml, components.schemas.Problem), read into what a command shows.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace acctsec::client {

// The 403 a read of a customer account gets without an active grant; its `requiredGrant` says
// which grant would allow it.
inline constexpr std::string_view k_problem_grant_required = "urn:acctsec:problem:grant-required";

struct Problem {
  std::string type;         // a URI naming the kind of problem; "about:blank" when the server sent none
  std::string title;        // short, the same for every problem of this type
  std::string detail;       // this occurrence, in a sentence
  int status = 0;           // the HTTP status (the reply's, when the document has none)
  nlohmann::json document;  // the whole document: errors, reasons, requiredGrant, instance, ...
};

// Reads a problem document; nullopt when `body` is not an object with a string `title`, `type` or
// `detail`. `status` is the reply's HTTP status.
std::optional<Problem> problem_parse(const nlohmann::json& body, int status);

// "Title: detail", then each errors[] entry ("/pointer: detail") and each reasons[] entry, joined
// with "; ". A detail that repeats the title is shown once.
std::string problem_message(const Problem& problem);

struct RequiredGrant {
  std::string resource;  // e.g. "account:cust-00042"
  std::string scope;     // e.g. "posture:read"
};

// The grant a grant-required problem names; nullopt for other problems or when it is malformed.
std::optional<RequiredGrant> problem_required_grant(const Problem& problem);

}  // namespace acctsec::client
