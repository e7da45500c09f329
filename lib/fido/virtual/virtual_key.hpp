// The virtual authenticator: a software CTAP2 security key whose state lives in a file, reached
// through libfido2's report-level I/O hooks so that libfido2's real code (CTAPHID framing, CBOR,
// PIN protocols) runs against it. Selected with the device path "virtual:FILE".
#pragma once

#include <fido.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  // PIN/UV auth protocols advertised in getInfo, most preferred first; empty means {2, 1}.
  // libfido2 1.12 uses protocol 2 whenever it is listed, so {1} is how to exercise protocol 1.
  std::vector<std::uint8_t> pin_protocols;
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
  std::vector<std::uint8_t> pin_protocols;        // as advertised in getInfo
};

// Creates a new virtual key in FILE (mode 0600). Refuses to overwrite an existing file.
// Errors: usage (file exists, directory missing, PIN too short/long, AAGUID not 16 bytes,
// PIN protocols other than 1 and 2), internal (the crypto library failed).
Result<VirtualKeyDescription> virtual_create(const std::string& file, const VirtualCreateOptions& options);

// Reads FILE without changing it. Errors: not_found (missing), device (corrupt or not a
// virtual key file: the message says the file was left untouched and how to make a new one).
Result<VirtualKeyDescription> virtual_describe(const std::string& file);

// Faults a virtual key can inject, so tests and pipelines can exercise error paths.
// What libfido2 1.12 returns for each is noted after the arrow.
enum class VirtualFault {
  none,
  user_presence_denied,  // makeCredential/getAssertion answer CTAP2_ERR_OPERATION_DENIED (0x27)
                         //   -> FIDO_ERR_OPERATION_DENIED
  touch_timeout,         // the key keeps sending KEEPALIVE(UPNEEDED) and never answers
                         //   -> FIDO_ERR_RX once the device timeout passes (30 s when it is -1),
                         //      or as soon as acctsec::cancel_requested()
  malformed_reply,       // CBOR replies are truncated (all but getInfo, so the key still opens)
                         //   -> FIDO_ERR_RX_NOT_CBOR
};
std::optional<VirtualFault> virtual_fault_parse(std::string_view text);  // "up-denied", "touch-timeout", "malformed-reply", "none"
// Process-wide; the CLI sets it from ACCTSEC_VIRTUAL_FAULT.
void virtual_set_fault(VirtualFault fault);
// The fault currently injected (VirtualFault::none unless set).
VirtualFault virtual_fault();

// libfido2 report-level hooks. io.open receives the whole "virtual:FILE" path, takes an
// exclusive lock (on FILE.lock beside FILE, which stays) for as long as the handle is open (two
// handles, threads or processes never interleave), loads the state, and io.close saves it
// atomically if it changed. Install them with fido_dev_set_io_functions after fido_dev_new; with
// fido_dev_info_set libfido2 1.12 would treat the handle as a hidraw one (pitfall P3). A second
// open of the same FILE on the thread that already has it open fails instead of deadlocking.
const fido_dev_io_t& virtual_io();

// Why the last io.open on this thread failed (libfido2 itself only reports a generic error):
// not_found (no such file), device (not a usable key file, left untouched), usage (not a
// virtual: path, unreadable, already open on this thread). Cleared by a successful open.
std::optional<Error> virtual_last_open_error();

}  // namespace acctsec::fido
