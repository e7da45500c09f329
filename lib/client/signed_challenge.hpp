// The check a client makes before its security key signs what a server asks it to sign (an access
// request's justification, a review): the challenge must be the SHA-256 of the digest input the
// server shows, and that input must say exactly what the user asked for. A server that lies
// cannot get a signature over anything else.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string_view>

#include "core/error.hpp"

namespace acctsec::client {

// `challenge` is the server's reply ({"digestInput", "publicKey": {"challenge"}, ...}); every
// member of `expected` must be in the digest input with the same value, and the input may hold
// nothing else but the members named in `filled_by_server` (who signs, which the server knows
// from the token). Errors: network (naming what does not match; nothing must be signed).
Result<void> signed_challenge_check(const nlohmann::json& challenge, const nlohmann::json& expected,
                                    std::initializer_list<std::string_view> filled_by_server);

}  // namespace acctsec::client
