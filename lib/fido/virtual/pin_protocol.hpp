// The PIN/UV auth protocols 1 and 2 (CTAP 2.1 §6.5.6, §6.5.7), authenticator side: deriving the
// shared secret from ECDH, encrypting and decrypting with it, and computing and checking MACs.
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "fido/virtual/crypto.hpp"

namespace acctsec::fido::soft {

class PinProtocol {
 public:
  // nullopt for anything but 1 or 2.
  static std::optional<PinProtocol> from_version(std::uint64_t version);

  std::uint8_t version() const { return m_version; }
  // Shared secret from the ECDH x coordinate: SHA-256(Z) for v1; HKDF HMAC key || AES key for v2.
  Bytes kdf(ByteView z) const;
  // v1: AES-256-CBC with a zero IV; v2: a random IV sent in front of the ciphertext.
  Bytes encrypt(ByteView shared_secret, ByteView plaintext) const;
  std::optional<Bytes> decrypt(ByteView shared_secret, ByteView ciphertext) const;
  // HMAC-SHA-256 truncated to 16 bytes (v1) or whole (v2, keyed with the first 32 bytes).
  Bytes authenticate(ByteView key, ByteView message) const;
  // Constant-time check of a pinUvAuthParam; a wrong length fails.
  bool verify(ByteView key, ByteView message, ByteView signature) const;

 private:
  explicit PinProtocol(std::uint8_t version) : m_version(version) {}
  std::uint8_t m_version;
};

}  // namespace acctsec::fido::soft
