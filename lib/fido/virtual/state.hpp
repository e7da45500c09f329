// The persistent state of one virtual key and its JSON file format ("acctsec.virtual-key/1").
//
// The file holds the key's identity (AAGUID, attestation CA, wrapped attestation key), its
// master key, the global signature counter, PIN state and the discoverable credentials, whose
// private keys are wrapped under the master key. Files are written 0600 and atomically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "fido/virtual/crypto.hpp"
#include "fido/virtual/virtual_key.hpp"

namespace acctsec::fido::soft {

inline constexpr std::string_view k_state_schema = "acctsec.virtual-key/1";
inline constexpr int k_pin_max_retries = 8;
inline constexpr std::size_t k_pin_hash_size = 16;  // LEFT(SHA-256(pin), 16), as CTAP stores it
inline constexpr std::size_t k_max_discoverable_credentials = 50;

struct StoredCredential {
  Bytes id;
  std::string rp_id;
  std::string rp_name;
  Bytes user_id;
  std::string user_name;
  std::string user_display_name;
  CoseAlg alg = CoseAlg::es256;
  Bytes public_key;           // COSE_Key, as returned in credential management
  Bytes private_key;          // wrapped under the master key (key_wrap.hpp)
  std::uint64_t created = 0;  // creation order; newest first is the CTAP enumeration order
};

struct VirtualState {
  Bytes aaguid;
  VirtualAttestation attestation = VirtualAttestation::packed;
  std::string attestation_ca_pem;
  Bytes attestation_certificate;  // DER
  Bytes attestation_key;          // wrapped under the master key
  Bytes master_key;
  std::uint32_t sign_count = 0;
  std::uint64_t cancels_received = 0;
  std::optional<Bytes> pin_hash;
  int pin_retries = k_pin_max_retries;
  std::vector<std::uint8_t> pin_protocols{2, 1};  // advertised in getInfo, most preferred first
  std::uint64_t next_created = 1;
  std::vector<StoredCredential> credentials;

  VirtualState() = default;
  VirtualState(const VirtualState&) = default;
  VirtualState(VirtualState&&) = default;
  VirtualState& operator=(const VirtualState&) = default;
  VirtualState& operator=(VirtualState&&) = default;
  ~VirtualState();  // wipes the master key and PIN hash
};

// Serialises the state as the file's JSON text (stable: the same state gives the same text).
std::string state_serialize(const VirtualState& state);
// Parses and validates file text. Errors: device (not JSON, wrong schema, a missing or malformed
// field); the message names `file`, says it was left untouched and how to make a new key.
Result<VirtualState> state_parse(std::string_view text, const std::string& file);
// Reads FILE. Errors: not_found (missing; the message says how to create one), usage
// (unreadable), device (as state_parse).
Result<VirtualState> state_load(const std::string& file);
// Replaces FILE atomically with mode 0600. Errors: usage.
Result<void> state_save(const std::string& file, const VirtualState& state);

// The message for a missing virtual key file.
std::string state_missing_message(const std::string& file);

}  // namespace acctsec::fido::soft
