// What a key says about itself (authenticatorGetInfo plus PIN state).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "fido/device.hpp"

namespace acctsec::fido {

struct KeyAlgorithm {
  std::string type;  // "public-key"
  int cose = 0;      // -7 ES256, -8 EdDSA, ...
};

struct KeyInfo {
  std::string path;
  bool is_virtual = false;
  std::vector<std::string> versions;              // "FIDO_2_0", "FIDO_2_1", "U2F_V2"
  Bytes aaguid;
  std::map<std::string, bool> options;            // rk, up, uv, clientPin, credMgmt, ...
  std::vector<std::string> extensions;
  std::vector<KeyAlgorithm> algorithms;
  std::vector<std::string> transports;
  std::vector<int> pin_protocols;
  std::uint64_t max_message_size = 0;
  std::uint64_t firmware_version = 0;
  std::uint64_t min_pin_length = 0;
  std::optional<std::int64_t> remaining_discoverable;  // absent when the key does not report it
  bool pin_supported = false;
  bool pin_set = false;
  std::optional<int> pin_retries;                 // when a PIN is supported
  std::optional<int> uv_retries;                  // when built-in UV is supported
  bool credential_management = false;
  std::string ctaphid_version;                    // "2.1.0" major.minor.build from INIT
};

// Errors: device, timeout, cancelled (see Device::check).
Result<KeyInfo> key_info(Device& device);

}  // namespace acctsec::fido
