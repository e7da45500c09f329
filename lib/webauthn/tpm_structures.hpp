// The two TPM 2.0 structures a "tpm" attestation statement carries (WebAuthn Level 3 §8.3), in the
// TPM's big-endian marshalling (TPM 2.0 Library Part 2: Structures): pubArea, a TPMT_PUBLIC, and
// certInfo, a TPMS_ATTEST produced by TPM2_Certify. Internal to lib/webauthn.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <string>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn::tpm {

// TPM_ALG_ID (Part 2 §6.3).
inline constexpr std::uint16_t k_alg_rsa = 0x0001;
inline constexpr std::uint16_t k_alg_sha1 = 0x0004;
inline constexpr std::uint16_t k_alg_sha256 = 0x000b;
inline constexpr std::uint16_t k_alg_sha384 = 0x000c;
inline constexpr std::uint16_t k_alg_sha512 = 0x000d;
inline constexpr std::uint16_t k_alg_null = 0x0010;
inline constexpr std::uint16_t k_alg_rsaes = 0x0015;
inline constexpr std::uint16_t k_alg_ecdaa = 0x001a;
inline constexpr std::uint16_t k_alg_ecc = 0x0023;

// TPM_ECC_CURVE (Part 2 §6.4).
inline constexpr std::uint16_t k_ecc_nist_p256 = 0x0003;
inline constexpr std::uint16_t k_ecc_nist_p384 = 0x0004;
inline constexpr std::uint16_t k_ecc_nist_p521 = 0x0005;

// TPM_GENERATED_VALUE (Part 2 §6.2) and TPM_ST_ATTEST_CERTIFY (§6.9).
inline constexpr std::uint32_t k_generated_value = 0xff544347;
inline constexpr std::uint16_t k_st_attest_certify = 0x8017;

// TPMT_PUBLIC of an RSA or ECC key. Symmetric, scheme and KDF details are read for their lengths
// and otherwise not kept.
struct PublicArea {
  std::uint16_t type = 0;  // k_alg_rsa or k_alg_ecc
  std::uint16_t name_alg = 0;
  std::uint32_t object_attributes = 0;
  Bytes auth_policy;
  std::uint16_t symmetric = 0;  // TPMT_SYM_DEF_OBJECT.algorithm
  std::uint16_t scheme = 0;     // TPMT_RSA_SCHEME / TPMT_ECC_SCHEME .scheme
  // RSA
  std::uint16_t rsa_key_bits = 0;
  std::uint32_t rsa_exponent = 0;  // as marshalled: 0 means the default 65537
  Bytes rsa_modulus;               // unique.rsa
  // ECC
  std::uint16_t ecc_curve = 0;
  std::uint16_t ecc_kdf = 0;
  Bytes ecc_x;  // unique.ecc.x
  Bytes ecc_y;  // unique.ecc.y
};

// Parses exactly one TPMT_PUBLIC of type RSA or ECC (nothing after it). The RSA modulus must have
// keyBits/8 bytes. Errors: rejected, naming the field ("pubArea: ...").
Result<PublicArea> public_area_parse(ByteView raw);

// TPMS_ATTEST whose `attested` is a TPMS_CERTIFY_INFO.
struct AttestInfo {
  std::uint32_t magic = 0;
  std::uint16_t type = 0;
  Bytes qualified_signer;
  Bytes extra_data;
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  std::uint8_t safe = 0;
  std::uint64_t firmware_version = 0;
  Bytes attested_name;            // TPMS_CERTIFY_INFO.name
  Bytes attested_qualified_name;  // TPMS_CERTIFY_INFO.qualifiedName
};

// Parses exactly one TPMS_ATTEST. magic must be TPM_GENERATED_VALUE and type TPM_ST_ATTEST_CERTIFY
// (other types carry other `attested` unions, which WebAuthn does not use). Errors: rejected,
// naming the field ("certInfo: ...").
Result<AttestInfo> attest_parse(ByteView raw);

// The digest for a TPM hash algorithm (SHA-1, SHA-256, SHA-384, SHA-512), or nullptr.
const EVP_MD* hash_digest(std::uint16_t alg);

// "TPM_ALG_SHA256", ... or "0x0012" for messages.
std::string alg_name(std::uint16_t alg);

// The Name of an object (TPM 2.0 Part 1 §16): nameAlg (2 bytes, big-endian) || H_nameAlg(pubArea).
// Errors: rejected (nameAlg is not a supported hash).
Result<Bytes> object_name(std::uint16_t name_alg, ByteView pub_area);

}  // namespace acctsec::webauthn::tpm
