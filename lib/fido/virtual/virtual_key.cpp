// The virtual key's public surface outside the I/O hooks: paths, names, the fault knob, and
// creating and describing key files.
#include "fido/virtual/virtual_key.hpp"

#include "webauthn/virtual_key_marks.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/file.hpp"
#include "fido/virtual/attestation.hpp"
#include "fido/virtual/key_wrap.hpp"
#include "fido/virtual/soft_authenticator.hpp"
#include "fido/virtual/state.hpp"

namespace acctsec::fido {
namespace {

std::atomic<VirtualFault> g_fault{VirtualFault::none};

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

VirtualKeyDescription describe(const std::string& file, const soft::VirtualState& state) {
  VirtualKeyDescription d;
  d.file = file;
  d.aaguid = state.aaguid;
  d.attestation = state.attestation;
  d.pin_set = state.pin_hash.has_value();
  d.pin_retries = state.pin_retries;
  d.discoverable_credentials = state.credentials.size();
  d.sign_count = state.sign_count;
  d.cancels_received = state.cancels_received;
  d.attestation_ca_pem = state.attestation_ca_pem;
  d.pin_protocols = state.pin_protocols;
  return d;
}

Result<void> check_create_options(const VirtualCreateOptions& options) {
  if (options.aaguid && options.aaguid->size() != 16)
    return fail(ErrorCategory::usage, "an AAGUID is 16 bytes (a UUID such as 01234567-89ab-cdef-0123-456789abcdef)");
  if (options.pin != nullptr) {
    const auto pin = as_bytes(options.pin->view());
    const auto code_points = std::count_if(pin.begin(), pin.end(), [](std::uint8_t b) { return (b & 0xc0) != 0x80; });
    if (code_points < static_cast<std::ptrdiff_t>(soft::k_pin_min_length) || pin.size() > soft::k_pin_max_length)
      return fail(ErrorCategory::usage, "a PIN has 4 to 63 bytes (at least 4 characters)");
    if (std::find(pin.begin(), pin.end(), std::uint8_t{0}) != pin.end())
      return fail(ErrorCategory::usage, "a PIN cannot contain a NUL character");
  }
  const auto& protocols = options.pin_protocols;
  const bool valid_protocols =
      protocols.size() <= 2 &&
      std::all_of(protocols.begin(), protocols.end(), [](std::uint8_t p) { return p == 1 || p == 2; }) &&
      (protocols.size() < 2 || protocols[0] != protocols[1]);
  if (!valid_protocols) return fail(ErrorCategory::usage, "PIN/UV auth protocols are 1 and/or 2, each at most once");
  return {};
}

}  // namespace

const Bytes k_virtual_aaguid(webauthn::k_virtual_key_aaguid.begin(), webauthn::k_virtual_key_aaguid.end());

bool is_virtual_path(std::string_view device_path) {
  return device_path.starts_with(k_virtual_prefix);
}

std::string virtual_file(std::string_view device_path) {
  if (is_virtual_path(device_path)) device_path.remove_prefix(k_virtual_prefix.size());
  return std::string(device_path);
}

std::string_view virtual_attestation_name(VirtualAttestation mode) {
  switch (mode) {
    case VirtualAttestation::packed:
      return "packed";
    case VirtualAttestation::self:
      return "self";
    case VirtualAttestation::none:
      return "none";
  }
  return "packed";
}

std::optional<VirtualAttestation> virtual_attestation_parse(std::string_view text) {
  if (text == "packed") return VirtualAttestation::packed;
  if (text == "self") return VirtualAttestation::self;
  if (text == "none") return VirtualAttestation::none;
  return std::nullopt;
}

std::optional<VirtualFault> virtual_fault_parse(std::string_view text) {
  if (text == "none") return VirtualFault::none;
  if (text == "up-denied") return VirtualFault::user_presence_denied;
  if (text == "touch-timeout") return VirtualFault::touch_timeout;
  if (text == "malformed-reply") return VirtualFault::malformed_reply;
  return std::nullopt;
}

void virtual_set_fault(VirtualFault fault) {
  g_fault.store(fault, std::memory_order_relaxed);
}

VirtualFault virtual_fault() {
  return g_fault.load(std::memory_order_relaxed);
}

Result<VirtualKeyDescription> virtual_create(const std::string& file, const VirtualCreateOptions& options) {
  if (file.empty()) return fail(ErrorCategory::usage, "name the file that will hold the virtual key");
  if (auto checked = check_create_options(options); !checked) return fail(checked.error());
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
    return fail(ErrorCategory::usage, "directory " + parent.string() + " does not exist; create it first");
  const auto refuse = [&] {
    return fail(
        ErrorCategory::usage,
        file + " already exists; acctsec will not overwrite a key file. Choose another name or remove it first.");
  };
  if (exists(file)) return refuse();
  // Under the lock a concurrent create (or a key in use) cannot slip in between check and write.
  auto lock = FileLock::acquire(file);
  if (!lock) return fail(lock.error());
  if (exists(file)) return refuse();

  try {
    soft::VirtualState state;
    state.aaguid = options.aaguid.value_or(k_virtual_aaguid);
    state.attestation = options.attestation;
    if (!options.pin_protocols.empty()) state.pin_protocols = options.pin_protocols;
    state.master_key = random_bytes(soft::k_master_key_size);
    soft::AttestationIdentity identity = soft::attestation_identity_create(state.aaguid);
    state.attestation_ca_pem = std::move(identity.ca_pem);
    state.attestation_certificate = std::move(identity.certificate_der);
    state.attestation_key =
        soft::private_key_wrap(state.master_key, soft::attestation_key_aad(), *identity.key, soft::CoseAlg::es256);
    if (options.pin != nullptr) {
      Bytes hash = soft::sha256(as_bytes(options.pin->view()));
      hash.resize(soft::k_pin_hash_size);
      state.pin_hash = std::move(hash);
    }
    if (auto saved = soft::state_save(file, state); !saved) return fail(saved.error());
    return describe(file, state);
  } catch (const std::exception& e) {
    return fail(ErrorCategory::internal, std::string("creating the virtual key failed: ") + e.what());
  }
}

Result<VirtualKeyDescription> virtual_describe(const std::string& file) {
  auto state = soft::state_load(file);
  if (!state) return fail(state.error());
  return describe(file, *state);
}

}  // namespace acctsec::fido
