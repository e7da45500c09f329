// authenticatorData (WebAuthn §6.1): rpIdHash || flags || signCount || [attestedCredentialData].
#pragma once

#include <cstdint>

#include "core/bytes.hpp"

namespace acctsec::fido::soft {

namespace auth_flag {
inline constexpr std::uint8_t k_user_present = 0x01;
inline constexpr std::uint8_t k_user_verified = 0x04;
inline constexpr std::uint8_t k_attested_credential = 0x40;
}  // namespace auth_flag

struct AttestedCredential {
  ByteView aaguid;           // 16 bytes
  ByteView credential_id;    // at most 65535 bytes
  ByteView cose_public_key;  // canonical COSE_Key
};

// Sets the AT flag itself when `attested` is given.
Bytes authenticator_data(ByteView rp_id_hash, std::uint8_t flags, std::uint32_t sign_count,
                         const AttestedCredential* attested = nullptr);

}  // namespace acctsec::fido::soft
