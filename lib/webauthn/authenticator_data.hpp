// Authenticator data (WebAuthn Level 3 §6.1): what the authenticator signs, byte for byte.
//
//   rpIdHash (32) | flags (1) | signCount (4, big-endian)
//   [ attestedCredentialData: aaguid (16) | credentialIdLength (2) | credentialId | COSE_Key ]  if AT
//   [ extensions: one CBOR map ]                                                                if ED
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn {

// Flag bits of authenticator data (§6.1, table "flags").
inline constexpr std::uint8_t k_flag_user_present = 0x01;     // UP
inline constexpr std::uint8_t k_flag_user_verified = 0x04;    // UV
inline constexpr std::uint8_t k_flag_backup_eligible = 0x08;  // BE
inline constexpr std::uint8_t k_flag_backup_state = 0x10;     // BS
inline constexpr std::uint8_t k_flag_attested_data = 0x40;    // AT
inline constexpr std::uint8_t k_flag_extension_data = 0x80;   // ED

// The fixed-size prefix: rpIdHash, flags, signCount.
inline constexpr std::size_t k_authenticator_data_min_size = 37;
// WebAuthn Level 3 caps credential IDs at 1023 bytes (§5.1 "credential ID").
inline constexpr std::size_t k_credential_id_max_size = 1023;

struct AttestedCredentialData {
  Bytes aaguid;           // 16 bytes; all zero when the authenticator does not disclose its model
  Bytes credential_id;    // 1..1023 bytes
  Bytes public_key_cose;  // the credential public key, exactly one encoded COSE_Key (CBOR map)
};

struct AuthenticatorData {
  Bytes rp_id_hash;  // 32 bytes, SHA-256 of the RP ID
  std::uint8_t flags = 0;
  // Views of `flags`, filled by authenticator_data_parse and authenticator_data_set_flags.
  bool user_present = false;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;
  bool attested_data = false;
  bool extension_data = false;
  std::uint32_t sign_count = 0;
  std::optional<AttestedCredentialData> attested;  // present exactly when AT is set
  std::optional<Bytes> extensions_cbor;            // the encoded extensions map, exactly when ED is set
};

// Parses authenticator data strictly: the fixed prefix must be complete; when AT is set the
// attested credential data must be complete, its credential ID 1..1023 bytes and its public key one
// well-formed CBOR map (its length is found by decoding it); bytes after that are allowed only when
// ED is set, and then must be exactly one CBOR map; AT/ED flags must match what is present.
// Returns the decoded fields. Errors: rejected, with a message naming the field and sizes.
Result<AuthenticatorData> authenticator_data_parse(ByteView raw);

// Sets `data.flags` and the boolean views derived from it.
void authenticator_data_set_flags(AuthenticatorData& data, std::uint8_t flags);

// Serialises authenticator data from `data.flags` (the boolean views are ignored), the counter and
// the optional parts. Returns the bytes. Errors: usage (rpIdHash not 32 bytes, AAGUID not 16 bytes,
// credential ID empty or over 1023 bytes, AT/ED flags disagreeing with the optional parts, public
// key or extensions not one CBOR map).
Result<Bytes> authenticator_data_encode(const AuthenticatorData& data);

}  // namespace acctsec::webauthn
