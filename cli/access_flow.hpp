// The steps of an access request that more than one command takes (cli/access.cpp): signing a
// challenge, creating a request, waiting for its decision. `account status --justify` uses them.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "client/client.hpp"
#include "command.hpp"
#include "pin_input.hpp"

namespace acctsec::cli {

// Checks that the server's challenge is the SHA-256 of its digest input and that the input holds
// `expected`, then signs it with the key chosen by --device: the AuthenticationResponseJSON.
// Errors: network (a challenge that says something else: nothing is signed), device, not_found.
Result<nlohmann::json> access_sign(Context& ctx, const nlohmann::json& challenge, const nlohmann::json& expected, const PinSource& pin);

// Challenge, sign, create: the new request as the server answers it (its Idempotency-Key is made
// once, so a retry makes nothing twice).
Result<nlohmann::json> access_request_create(Context& ctx, client::Client& api, const nlohmann::json& justification, const PinSource& pin);

// Long-polls request `id` until it is decided: 0 active, 1 denied, expired or revoked; timeout
// once `limit` passes (nullopt: until the server expires it). Prints the request when `print`.
Result<int> access_wait_for(Context& ctx, client::Client& api, const std::string& id, std::optional<std::chrono::milliseconds> limit,
                            bool print);

// The user's --timeout, when given, as the limit of a wait.
std::optional<std::chrono::milliseconds> access_wait_limit(Context& ctx);

std::string access_path(const std::string& id);
void access_print(Context& ctx, const nlohmann::json& request);
int access_verdict(const nlohmann::json& request);

}  // namespace acctsec::cli
