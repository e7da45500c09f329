#include "fido/virtual/pin_protocol.hpp"

#include <algorithm>

namespace acctsec::fido::soft {
namespace {

constexpr std::size_t k_block = 16;

}  // namespace

std::optional<PinProtocol> PinProtocol::from_version(std::uint64_t version) {
  if (version != 1 && version != 2) return std::nullopt;
  return PinProtocol(static_cast<std::uint8_t>(version));
}

Bytes PinProtocol::kdf(ByteView z) const {
  if (m_version == 1) return sha256(z);
  const Bytes salt(32, 0);
  Bytes secret = hkdf_sha256(salt, z, "CTAP2 HMAC key", 32);
  const Bytes aes_key = hkdf_sha256(salt, z, "CTAP2 AES key", 32);
  secret.insert(secret.end(), aes_key.begin(), aes_key.end());
  return secret;
}

Bytes PinProtocol::encrypt(ByteView shared_secret, ByteView plaintext) const {
  if (m_version == 1) {
    if (shared_secret.size() != 32) throw CryptoFailure("PIN protocol 1: shared secret is not 32 bytes");
    const Bytes iv(k_block, 0);
    auto out = aes256_cbc_encrypt(shared_secret, iv, plaintext);
    if (!out) throw CryptoFailure("PIN protocol 1: plaintext is not whole blocks");
    return *out;
  }
  if (shared_secret.size() != 64) throw CryptoFailure("PIN protocol 2: shared secret is not 64 bytes");
  Bytes out = random_bytes(k_block);
  auto ciphertext = aes256_cbc_encrypt(shared_secret.subspan(32, 32), out, plaintext);
  if (!ciphertext) throw CryptoFailure("PIN protocol 2: plaintext is not whole blocks");
  out.insert(out.end(), ciphertext->begin(), ciphertext->end());
  return out;
}

std::optional<Bytes> PinProtocol::decrypt(ByteView shared_secret, ByteView ciphertext) const {
  if (m_version == 1) {
    if (shared_secret.size() != 32) return std::nullopt;
    const Bytes iv(k_block, 0);
    return aes256_cbc_decrypt(shared_secret, iv, ciphertext);
  }
  if (shared_secret.size() != 64 || ciphertext.size() < k_block) return std::nullopt;
  return aes256_cbc_decrypt(shared_secret.subspan(32, 32), ciphertext.first(k_block), ciphertext.subspan(k_block));
}

Bytes PinProtocol::authenticate(ByteView key, ByteView message) const {
  if (m_version == 1) {
    Bytes mac = hmac_sha256(key, message);
    mac.resize(16);
    return mac;
  }
  // For v2 a 64-byte shared secret is used through its HMAC half.
  return hmac_sha256(key.first(std::min<std::size_t>(key.size(), 32)), message);
}

bool PinProtocol::verify(ByteView key, ByteView message, ByteView signature) const {
  return constant_time_equal(authenticate(key, message), signature);
}

}  // namespace acctsec::fido::soft
