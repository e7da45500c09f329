// A security key opened through libfido2: a real HID key, or the virtual authenticator.
#pragma once

#include <fido.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace acctsec::fido {

struct DeviceEntry {
  std::string path;
  std::string manufacturer;
  std::string product;
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  bool is_virtual = false;
};

// Real keys from fido_dev_info_manifest, followed by the virtual key named by `named_path` (if
// it is one and its file describes a virtual key). Errors: device (libfido2 cannot enumerate),
// and the errors of virtual_describe for a named virtual key.
Result<std::vector<DeviceEntry>> device_list(const std::optional<std::string>& named_path);

// Chooses the device to use: the named path, or else the only attached key.
// Errors: device (no key attached: says how to select a virtual one), usage (several keys:
// says to pick one with --device).
Result<std::string> device_select(const std::optional<std::string>& named_path);

class Device {
 public:
  // Opens the key at `path` ("virtual:FILE" for the virtual authenticator). Every operation on
  // the device gets `timeout` as its deadline.
  // Errors: device (cannot open, not a FIDO2 key, corrupt virtual state), not_found (missing
  // virtual state file).
  static Result<Device> open(const std::string& path, std::chrono::milliseconds timeout);

  Device(Device&& other) noexcept;
  Device& operator=(Device&&) = delete;
  Device(const Device&) = delete;
  ~Device();

  fido_dev_t* get() const { return m_dev; }
  const std::string& path() const { return m_path; }
  bool is_virtual() const { return m_virtual; }
  std::chrono::milliseconds timeout() const { return m_timeout; }

  // Turns a libfido2 result of `operation` into Result<void>, taking into account what happened
  // around it: a Ctrl-C (cancelled; the key is sent CTAPHID_CANCEL), the deadline passing
  // (timeout), and a wrong PIN (auth; the message says how many attempts are left).
  // `started` is when the operation began.
  Result<void> check(int code, std::string_view operation, std::chrono::steady_clock::time_point started);

 private:
  Device(fido_dev_t* dev, std::string path, bool is_virtual, std::chrono::milliseconds timeout)
      : m_dev(dev), m_path(std::move(path)), m_virtual(is_virtual), m_timeout(timeout) {}
  fido_dev_t* m_dev = nullptr;
  std::string m_path;
  bool m_virtual = false;
  std::chrono::milliseconds m_timeout;
};

// Runs `call` (a libfido2 function returning an int) against the device and checks it.
template <typename Call>
Result<void> device_run(Device& device, std::string_view operation, Call&& call) {
  const auto started = std::chrono::steady_clock::now();
  return device.check(call(), operation, started);
}

}  // namespace acctsec::fido
