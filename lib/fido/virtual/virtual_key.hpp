// The virtual authenticator: a software CTAP2 security key whose state lives in a file, reached
// through libfido2's report-level I/O hooks so that libfido2's real code (CTAPHID framing, CBOR,
// PIN protocols) runs against it. Selected with the device path "virtual:FILE".
#pragma once

#include <fido.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"

namespace acctsec::fido {

inline constexpr std::string_view k_virtual_prefix = "virtual:";

// The AAGUID every virtual key carries unless --aaguid replaces it. Its attestation
// certificates say "virtual" in their subject either way.
extern const Bytes k_virtual_aaguid;

// True for "virtual:FILE" paths.
bool is_virtual_path(std::string_view device_path);
// "virtual:FILE" -> "FILE".
std::string virtual_file(std::string_view device_path);

enum class VirtualAttestation { packed, self, none };
std::string_view virtual_attestation_name(VirtualAttestation mode);
std::optional<VirtualAttestation> virtual_attestation_parse(std::string_view text);

struct VirtualCreateOptions {
  std::optional<Bytes> aaguid;                    // 16 bytes; default k_virtual_aaguid
  VirtualAttestation attestation = VirtualAttestation::packed;
  const Secret* pin = nullptr;                    // set a PIN at creation (4..63 bytes UTF-8)
};

struct VirtualKeyDescription {
  std::string file;
  Bytes aaguid;
  VirtualAttestation attestation = VirtualAttestation::packed;
  bool pin_set = false;
  int pin_retries = 8;
  std::size_t discoverable_credentials = 0;
  std::uint32_t sign_count = 0;
  std::uint64_t cancels_received = 0;             // CTAPHID_CANCEL frames seen over the key's life
  std::string attestation_ca_pem;                 // the key's own attestation root certificate
};

// Creates a new virtual key in FILE (mode 0600). Refuses to overwrite an existing file.
// Errors: usage (file exists, directory missing, PIN too short/long, AAGUID not 16 bytes).
Result<VirtualKeyDescription> virtual_create(const std::string& file, const VirtualCreateOptions& options);

// Reads FILE without changing it. Errors: not_found (missing), device (corrupt or not a
// virtual key file: the message says the file was left untouched and how to make a new one).
Result<VirtualKeyDescription> virtual_describe(const std::string& file);

// Faults a virtual key can inject, so tests and pipelines can exercise error paths.
enum class VirtualFault {
  none,
  user_presence_denied,  // makeCredential/getAssertion answer CTAP2_ERR_OPERATION_DENIED (0x27)
  touch_timeout,         // the key keeps sending KEEPALIVE(UPNEEDED) and never answers
  malformed_reply,       // CBOR replies are truncated
};
std::optional<VirtualFault> virtual_fault_parse(std::string_view text);  // "up-denied", "touch-timeout", "malformed-reply", "none"
// Process-wide; the CLI sets it from ACCTSEC_VIRTUAL_FAULT.
void virtual_set_fault(VirtualFault fault);

// libfido2 report-level hooks. io.open receives the whole "virtual:FILE" path, takes an
// exclusive lock on FILE for as long as the handle is open (two processes never interleave),
// loads the state, and io.close saves it atomically if it changed.
const fido_dev_io_t& virtual_io();

// Why the last io.open on this thread failed (libfido2 itself only reports a generic error).
std::optional<Error> virtual_last_open_error();

}  // namespace acctsec::fido
