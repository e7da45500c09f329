// Key wrapping under the virtual key's master key (AES-256-GCM), as real security keys do it.
//
// A non-discoverable credential's id IS its private key, wrapped and bound to the relying party
// by using SHA-256(rpId) as associated data: the state file does not grow with every credential,
// and a reset (a new master key) makes every old credential id useless. Discoverable credentials
// and the attestation key are stored in the state file wrapped the same way, never in the clear.
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "fido/virtual/crypto.hpp"

namespace acctsec::fido::soft {

inline constexpr std::uint8_t k_wrap_version = 0x01;
inline constexpr std::size_t k_master_key_size = 32;
// version(1) || nonce(12) || AES-256-GCM(alg tag(1) || private key(32)) || tag(16)
inline constexpr std::size_t k_wrapped_key_size = 1 + 12 + 1 + 32 + 16;

// Generic AES-256-GCM wrapping: version || nonce || ciphertext || tag.
Bytes key_wrap(ByteView master_key, ByteView aad, ByteView plaintext);
// nullopt for a foreign version, a short blob, the wrong master key or associated data, or any
// modified byte.
std::optional<Bytes> key_unwrap(ByteView master_key, ByteView aad, ByteView wrapped);

struct UnwrappedKey {
  CoseAlg alg = CoseAlg::es256;
  EvpPkey key;
};

// Wraps a credential private key together with its algorithm.
Bytes private_key_wrap(ByteView master_key, ByteView aad, const EVP_PKEY& key, CoseAlg alg);
std::optional<UnwrappedKey> private_key_unwrap(ByteView master_key, ByteView aad, ByteView wrapped);

// The associated data for a discoverable credential's stored key: it binds the key to both the
// relying party and the credential id, so entries cannot be swapped inside the state file.
Bytes discoverable_key_aad(ByteView rp_id_hash, ByteView credential_id);
// The associated data for the attestation key.
ByteView attestation_key_aad();

}  // namespace acctsec::fido::soft
