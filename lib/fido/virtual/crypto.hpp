// The cryptographic primitives the virtual authenticator needs, on OpenSSL 3 EVP interfaces:
// hashes, HMAC, HKDF, AES-CBC (PIN protocols), AES-GCM (key wrapping), credential key pairs
// (P-256 and Ed25519), signatures and ECDH.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "core/bytes.hpp"

namespace acctsec::fido::soft {

// Thrown when OpenSSL fails where valid input cannot fail (allocation, RNG, library misuse);
// the authenticator answers CTAP1_ERR_OTHER.
struct CryptoFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using EvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// COSE algorithm identifiers of the credential types the virtual key creates.
enum class CoseAlg : int { es256 = -7, eddsa = -8 };
std::optional<CoseAlg> cose_alg_from_int(std::int64_t value);

// Overwrites a buffer that held key material before it is freed.
void wipe(Bytes& buffer);

Bytes sha256(ByteView data);
Bytes hmac_sha256(ByteView key, ByteView data);
Bytes hkdf_sha256(ByteView salt, ByteView ikm, std::string_view info, std::size_t length);

// AES-256-CBC without padding, as the PIN/UV auth protocols use it. nullopt when the input is
// not a whole number of blocks or the key/IV sizes are wrong.
std::optional<Bytes> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);
std::optional<Bytes> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

// AES-256-GCM with a 12-byte nonce. seal returns ciphertext || 16-byte tag; open returns nullopt
// when the tag does not verify (wrong key, wrong associated data, or tampering).
Bytes aes256_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
std::optional<Bytes> aes256_gcm_open(ByteView key, ByteView nonce, ByteView aad, ByteView sealed);

// Credential key pairs. The private part travels as 32 raw bytes: the P-256 scalar or the
// Ed25519 seed, so that a wrapped key fits a short credential id.
EvpPkey key_generate(CoseAlg alg);
Bytes key_private_raw(const EVP_PKEY& key, CoseAlg alg);
EvpPkey key_from_private_raw(CoseAlg alg, ByteView raw);  // null when raw is not a valid key
// DER ECDSA over SHA-256 for P-256 (what libfido2 verifies, P8); pure Ed25519 for EdDSA.
Bytes key_sign(EVP_PKEY& key, ByteView message);

struct P256Point {
  Bytes x;  // 32 bytes, big-endian
  Bytes y;
};
P256Point p256_public_point(const EVP_PKEY& key);
EvpPkey p256_from_public_point(ByteView x, ByteView y);  // null when the point is not on the curve
Bytes ed25519_public_raw(const EVP_PKEY& key);
// The ECDH shared point's x coordinate (the "Z" of the PIN/UV auth protocols).
std::optional<Bytes> ecdh_p256(EVP_PKEY& own, EVP_PKEY& peer);

}  // namespace acctsec::fido::soft
