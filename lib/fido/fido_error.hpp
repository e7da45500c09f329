// Translation of libfido2 return codes into acctsec errors that say what to do next.
#pragma once

#include <string_view>

#include "core/error.hpp"

namespace acctsec::fido {

// Builds the Error for a failed libfido2 call `operation` (e.g. "make credential").
// Categories: auth (wrong PIN), device (no key, PIN needed or blocked, presence denied, device
// or protocol faults), timeout (no touch in time), rejected (credential excluded), not_found (no
// credentials), usage (PIN policy, bad argument), cancelled (keepalive cancel).
// The numeric code stays in Error::fido_code; the text includes fido_strerr's name.
Error fido_error(int code, std::string_view operation);

}  // namespace acctsec::fido
