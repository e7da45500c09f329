// Discoverable credentials held on a key (CTAP 2.1 credential management), and factory reset.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "fido/device.hpp"

namespace acctsec::fido {

struct StoredCredential {
  std::string rp_id;
  std::string rp_name;
  Bytes credential_id;
  Bytes user_id;
  std::string user_name;
  std::string user_display_name;
  int cose_algorithm = 0;
  int protection = 0;                 // credProtect level, 0 when not reported
};

struct CredentialInventory {
  std::uint64_t existing = 0;
  std::uint64_t remaining = 0;
  std::vector<StoredCredential> credentials;
};

// Checks that the key can manage credentials (CTAP 2.1) and has a PIN to authorize it, before a
// PIN is asked for. Errors: device (says what is missing and what to run).
Result<void> credentials_supported(const Device& device);

// Lists discoverable credentials, optionally for one rp id. Needs the PIN.
// Errors: device (no credential management on this key, PIN needed/blocked), auth (wrong PIN),
// timeout, cancelled.
Result<CredentialInventory> credentials_list(Device& device, const Secret& pin, const std::optional<std::string>& rp_id);

// Deletes one discoverable credential by id. Errors: as credentials_list, plus not_found.
Result<void> credentials_delete(Device& device, const Secret& pin, ByteView credential_id);

// Erases everything on the key: credentials, PIN. Errors: device (a real key refuses unless
// reset within seconds of insertion and touched), timeout, cancelled.
Result<void> key_reset(Device& device);

}  // namespace acctsec::fido
