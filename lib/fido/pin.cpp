#include "fido/pin.hpp"

#include <fido.h>

namespace acctsec::fido {

Result<void> pin_check_length(const Secret& pin) {
  std::size_t code_points = 0;
  for (unsigned char c : pin.view())
    if ((c & 0xc0) != 0x80) ++code_points;
  if (code_points < 4) return fail(ErrorCategory::usage, "a PIN needs at least 4 characters");
  if (pin.size() > 63) return fail(ErrorCategory::usage, "a PIN can be at most 63 bytes long");
  return {};
}

Result<void> pin_set(Device& device, const Secret& new_pin) {
  if (auto ok = pin_check_length(new_pin); !ok) return ok;
  if (!fido_dev_supports_pin(device.get())) return fail(ErrorCategory::device, device.path() + " does not support a PIN");
  if (fido_dev_has_pin(device.get()))
    return fail(ErrorCategory::usage, "this key already has a PIN; change it with: acctsec key pin change");
  return device_run(device, "setting the PIN", [&] { return fido_dev_set_pin(device.get(), new_pin.c_str(), nullptr); });
}

Result<void> pin_change(Device& device, const Secret& current_pin, const Secret& new_pin) {
  if (auto ok = pin_check_length(new_pin); !ok) return ok;
  if (!fido_dev_has_pin(device.get()))
    return fail(ErrorCategory::device, "this key has no PIN yet; set one with: acctsec key pin set");
  return device_run(device, "changing the PIN",
                    [&] { return fido_dev_set_pin(device.get(), new_pin.c_str(), current_pin.c_str()); });
}

}  // namespace acctsec::fido
