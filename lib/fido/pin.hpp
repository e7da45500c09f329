// Setting and changing a key's PIN.
#pragma once

#include "core/error.hpp"
#include "core/secret.hpp"
#include "fido/device.hpp"

namespace acctsec::fido {

// Sets the first PIN. Errors: usage (PIN outside 4..63 bytes, or the key already has a PIN: the
// message says to use `key pin change`), device (no PIN support), timeout, cancelled.
Result<void> pin_set(Device& device, const Secret& new_pin);

// Changes the PIN. Errors: auth (wrong current PIN, with attempts left), device (blocked, not
// set yet), usage (new PIN outside 4..63 bytes), timeout, cancelled.
Result<void> pin_change(Device& device, const Secret& current_pin, const Secret& new_pin);

// Checks a PIN's length before it is sent, as the key would (4 code points .. 63 bytes).
Result<void> pin_check_length(const Secret& pin);

}  // namespace acctsec::fido
