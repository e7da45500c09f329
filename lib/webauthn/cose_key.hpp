// COSE_Key credential public keys (RFC 9052 §7, RFC 9053, RFC 8230) as WebAuthn uses them, and
// signature verification with them through OpenSSL.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/ec_public_key.hpp"

namespace acctsec::webauthn {

// COSE algorithm identifiers (IANA "COSE Algorithms") that acctsec can verify.
inline constexpr int k_cose_alg_es256 = -7;     // ECDSA P-256 with SHA-256
inline constexpr int k_cose_alg_eddsa = -8;     // EdDSA (acctsec: Ed25519 only)
inline constexpr int k_cose_alg_ed25519 = -19;  // Ed25519, the fully specified identifier (RFC 9864)
inline constexpr int k_cose_alg_es384 = -35;    // ECDSA P-384 with SHA-384
inline constexpr int k_cose_alg_es512 = -36;    // ECDSA P-521 with SHA-512
inline constexpr int k_cose_alg_ps256 = -37;    // RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt
inline constexpr int k_cose_alg_rs256 = -257;   // RSASSA-PKCS1-v1_5 with SHA-256
// RSASSA-PKCS1-v1_5 with SHA-1 (RFC 8812). Legacy TPMs (Windows Hello) still sign attestation
// statements with it, so it is accepted for verification only: acctsec never offers it when creating
// credentials, and the registration ceremony refuses it as a credential key's algorithm.
inline constexpr int k_cose_alg_rs1 = -65535;

// COSE key types and elliptic curves.
inline constexpr int k_cose_kty_okp = 1;
inline constexpr int k_cose_kty_ec2 = 2;
inline constexpr int k_cose_kty_rsa = 3;
inline constexpr int k_cose_crv_p256 = 1;
inline constexpr int k_cose_crv_p384 = 2;
inline constexpr int k_cose_crv_p521 = 3;
inline constexpr int k_cose_crv_ed25519 = 6;

// RSA moduli shorter than this are refused as too weak; longer than the maximum as a DoS guard.
inline constexpr int k_rsa_min_bits = 2048;
inline constexpr int k_rsa_max_bits = 8192;

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// A decoded, validated credential public key. Move-only; `key` holds only public material.
struct CoseKey {
  int alg = 0;  // one of the k_cose_alg_* values
  int kty = 0;  // k_cose_kty_*
  int crv = 0;  // k_cose_crv_*, or 0 for RSA
  EvpPkeyPtr key;
};

// Returns "ES256", "EdDSA", ... for the supported algorithms, or "COSE algorithm N" otherwise.
std::string cose_algorithm_name(int alg);

// Decodes exactly one COSE_Key map and checks it: kty and alg present; alg supported; kty and crv
// agree with alg; coordinates have the curve's size and the point is on the curve; EC2 points are
// uncompressed; RSA moduli are 2048..8192 bits; no private key parameters; no duplicate labels; no
// bytes after the map. Returns the key. Errors: rejected, naming the offending label.
Result<CoseKey> cose_key_decode(ByteView cose);

// Encodes the public part of `key` as a COSE_Key for `alg` in CTAP2 canonical form (as authenticators
// emit it). Errors: usage (key type or curve does not fit `alg`, unsupported alg, no public key).
Result<Bytes> cose_key_encode_public_key(EVP_PKEY* key, int alg);

// Builds a CoseKey holding only the public part of `key`. Errors: usage (as cose_key_encode_public_key).
Result<CoseKey> cose_key_from_public_key(EVP_PKEY* key, int alg);

// Re-encodes a decoded key as a canonical COSE_Key. Errors: usage (a CoseKey without a key).
Result<Bytes> cose_key_encode(const CoseKey& key);

// Returns the key as DER SubjectPublicKeyInfo, the form of WebAuthn's getPublicKey().
// Errors: usage (a CoseKey without a key), internal (OpenSSL could not encode it).
Result<Bytes> cose_key_spki_der(const CoseKey& key);

// Verifies `signature` over `message` with the credential key, by its alg: ECDSA signatures are
// ASN.1 DER (as WebAuthn §6.5.5 requires), EdDSA signatures raw 64 bytes, RSA signatures raw.
// Errors: rejected (the signature does not verify or is malformed), usage (a CoseKey without a key).
Result<void> cose_key_verify(const CoseKey& key, ByteView message, ByteView signature);

// The same check for any public key, e.g. an attestation certificate's: `alg` picks hash and
// padding and must fit the key type. Errors: rejected (bad signature), usage (alg does not fit the
// key, unsupported alg).
Result<void> signature_verify(EVP_PKEY* key, int alg, ByteView message, ByteView signature);

// A credential public key decoded only to verify signatures with it, as assertion verification
// does once per assertion. For EC2 keys it is built on OpenSSL's EC_KEY path with a curve group made
// once per process (ec_public_key.hpp), which costs a small fraction of an EVP_PKEY built through
// the provider interface; the key never leaves this wrapper, so no other EVP function sees it.
struct CoseVerifier {
  CoseKey m_key;     // alg, kty and crv as decoded; for EC2 keys `key` is null and the point is in m_ec
  EcPublicKey m_ec;  // EC2 keys only
};

// Decodes `cose` with exactly the checks and errors of cose_key_decode. Errors: rejected.
Result<CoseVerifier> cose_verifier_decode(ByteView cose);

// Verifies `signature` over `message` as cose_key_verify does. Errors: rejected, usage.
Result<void> cose_verifier_verify(const CoseVerifier& verifier, ByteView message, ByteView signature);

}  // namespace acctsec::webauthn
