#include "webauthn/tpm_structures.hpp"

#include <fmt/format.h>

namespace acctsec::webauthn::tpm {
namespace {

std::unexpected<Error> rejected(std::string_view structure, std::string message) {
  return fail(ErrorCategory::rejected, fmt::format("{}: {}", structure, message));
}

// Reads big-endian fields, refusing to run past the end; the first short read names its field.
class Cursor {
 public:
  Cursor(ByteView data, std::string_view structure) : m_data(data), m_structure(structure) {}

  bool at_end() const { return m_pos == m_data.size(); }
  std::size_t remaining() const { return m_data.size() - m_pos; }

  Result<std::uint64_t> number(std::size_t size, std::string_view field) {
    if (remaining() < size) return truncated(field, size);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) value = (value << 8) | m_data[m_pos++];
    return value;
  }
  Result<std::uint16_t> u16(std::string_view field) {
    auto value = number(2, field);
    if (!value) return fail(value.error());
    return static_cast<std::uint16_t>(*value);
  }
  Result<std::uint32_t> u32(std::string_view field) {
    auto value = number(4, field);
    if (!value) return fail(value.error());
    return static_cast<std::uint32_t>(*value);
  }
  Result<std::uint64_t> u64(std::string_view field) { return number(8, field); }
  Result<std::uint8_t> u8(std::string_view field) {
    auto value = number(1, field);
    if (!value) return fail(value.error());
    return static_cast<std::uint8_t>(*value);
  }
  // A TPM2B: a 2-byte size, then that many bytes.
  Result<Bytes> sized(std::string_view field) {
    auto size = u16(field);
    if (!size) return fail(size.error());
    if (remaining() < *size) return truncated(field, *size);
    Bytes out(m_data.begin() + static_cast<std::ptrdiff_t>(m_pos),
              m_data.begin() + static_cast<std::ptrdiff_t>(m_pos + *size));
    m_pos += *size;
    return out;
  }
  Result<void> end() const {
    if (!at_end()) return rejected(m_structure, fmt::format("{} bytes follow the structure", remaining()));
    return {};
  }

 private:
  std::unexpected<Error> truncated(std::string_view field, std::size_t size) const {
    return rejected(m_structure,
                    fmt::format("{} needs {} bytes at offset {} but {} remain", field, size, m_pos, remaining()));
  }

  ByteView m_data;
  std::string_view m_structure;
  std::size_t m_pos = 0;
};

// TPMT_SYM_DEF_OBJECT: algorithm, then keyBits and mode unless it is TPM_ALG_NULL.
Result<std::uint16_t> read_symmetric(Cursor& in) {
  auto algorithm = in.u16("parameters.symmetric.algorithm");
  if (!algorithm) return fail(algorithm.error());
  if (*algorithm != k_alg_null) {
    if (auto bits = in.u16("parameters.symmetric.keyBits"); !bits) return fail(bits.error());
    if (auto mode = in.u16("parameters.symmetric.mode"); !mode) return fail(mode.error());
  }
  return algorithm;
}

// TPMT_RSA_SCHEME / TPMT_ECC_SCHEME: the scheme, then its details: nothing for NULL and RSAES,
// hashAlg and count for ECDAA, hashAlg for every other scheme.
Result<std::uint16_t> read_scheme(Cursor& in) {
  auto scheme = in.u16("parameters.scheme.scheme");
  if (!scheme) return fail(scheme.error());
  if (*scheme == k_alg_null || *scheme == k_alg_rsaes) return scheme;
  if (auto hash = in.u16("parameters.scheme.details.hashAlg"); !hash) return fail(hash.error());
  if (*scheme == k_alg_ecdaa) {
    if (auto count = in.u16("parameters.scheme.details.count"); !count) return fail(count.error());
  }
  return scheme;
}

}  // namespace

const EVP_MD* hash_digest(std::uint16_t alg) {
  switch (alg) {
    case k_alg_sha1:
      return EVP_sha1();
    case k_alg_sha256:
      return EVP_sha256();
    case k_alg_sha384:
      return EVP_sha384();
    case k_alg_sha512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

std::string alg_name(std::uint16_t alg) {
  switch (alg) {
    case k_alg_rsa:
      return "TPM_ALG_RSA";
    case k_alg_sha1:
      return "TPM_ALG_SHA1";
    case k_alg_sha256:
      return "TPM_ALG_SHA256";
    case k_alg_sha384:
      return "TPM_ALG_SHA384";
    case k_alg_sha512:
      return "TPM_ALG_SHA512";
    case k_alg_null:
      return "TPM_ALG_NULL";
    case k_alg_ecc:
      return "TPM_ALG_ECC";
    default:
      return fmt::format("0x{:04x}", alg);
  }
}

Result<PublicArea> public_area_parse(ByteView raw) {
  constexpr std::string_view structure = "pubArea";
  Cursor in(raw, structure);
  PublicArea out;
  auto type = in.u16("type");
  if (!type) return fail(type.error());
  if (*type != k_alg_rsa && *type != k_alg_ecc) {
    return rejected(structure, fmt::format("type is {}; WebAuthn keys are TPM_ALG_RSA or TPM_ALG_ECC", alg_name(*type)));
  }
  out.type = *type;
  auto name_alg = in.u16("nameAlg");
  if (!name_alg) return fail(name_alg.error());
  out.name_alg = *name_alg;
  auto attributes = in.u32("objectAttributes");
  if (!attributes) return fail(attributes.error());
  out.object_attributes = *attributes;
  auto policy = in.sized("authPolicy");
  if (!policy) return fail(policy.error());
  out.auth_policy = std::move(*policy);
  auto symmetric = read_symmetric(in);
  if (!symmetric) return fail(symmetric.error());
  out.symmetric = *symmetric;
  auto scheme = read_scheme(in);
  if (!scheme) return fail(scheme.error());
  out.scheme = *scheme;

  if (out.type == k_alg_rsa) {
    auto bits = in.u16("parameters.keyBits");
    if (!bits) return fail(bits.error());
    out.rsa_key_bits = *bits;
    auto exponent = in.u32("parameters.exponent");
    if (!exponent) return fail(exponent.error());
    out.rsa_exponent = *exponent;
    auto modulus = in.sized("unique.rsa");
    if (!modulus) return fail(modulus.error());
    out.rsa_modulus = std::move(*modulus);
    if (out.rsa_key_bits == 0 || out.rsa_key_bits % 8 != 0 || out.rsa_modulus.size() != out.rsa_key_bits / 8u) {
      return rejected(structure, fmt::format("unique.rsa is {} bytes but parameters.keyBits is {}",
                                             out.rsa_modulus.size(), out.rsa_key_bits));
    }
  } else {
    auto curve = in.u16("parameters.curveID");
    if (!curve) return fail(curve.error());
    out.ecc_curve = *curve;
    auto kdf = in.u16("parameters.kdf.scheme");
    if (!kdf) return fail(kdf.error());
    out.ecc_kdf = *kdf;
    if (out.ecc_kdf != k_alg_null) {
      if (auto hash = in.u16("parameters.kdf.details.hashAlg"); !hash) return fail(hash.error());
    }
    auto x = in.sized("unique.ecc.x");
    if (!x) return fail(x.error());
    out.ecc_x = std::move(*x);
    auto y = in.sized("unique.ecc.y");
    if (!y) return fail(y.error());
    out.ecc_y = std::move(*y);
  }
  if (auto ok = in.end(); !ok) return fail(ok.error());
  return out;
}

Result<AttestInfo> attest_parse(ByteView raw) {
  constexpr std::string_view structure = "certInfo";
  Cursor in(raw, structure);
  AttestInfo out;
  auto magic = in.u32("magic");
  if (!magic) return fail(magic.error());
  out.magic = *magic;
  if (out.magic != k_generated_value) {
    return rejected(structure, fmt::format("magic is 0x{:08x}, not TPM_GENERATED_VALUE (0xff544347)", out.magic));
  }
  auto type = in.u16("type");
  if (!type) return fail(type.error());
  out.type = *type;
  if (out.type != k_st_attest_certify) {
    return rejected(structure, fmt::format("type is 0x{:04x}, not TPM_ST_ATTEST_CERTIFY (0x8017)", out.type));
  }
  auto signer = in.sized("qualifiedSigner");
  if (!signer) return fail(signer.error());
  out.qualified_signer = std::move(*signer);
  auto extra = in.sized("extraData");
  if (!extra) return fail(extra.error());
  out.extra_data = std::move(*extra);
  auto clock = in.u64("clockInfo.clock");
  if (!clock) return fail(clock.error());
  out.clock = *clock;
  auto resets = in.u32("clockInfo.resetCount");
  if (!resets) return fail(resets.error());
  out.reset_count = *resets;
  auto restarts = in.u32("clockInfo.restartCount");
  if (!restarts) return fail(restarts.error());
  out.restart_count = *restarts;
  auto safe = in.u8("clockInfo.safe");
  if (!safe) return fail(safe.error());
  out.safe = *safe;
  auto firmware = in.u64("firmwareVersion");
  if (!firmware) return fail(firmware.error());
  out.firmware_version = *firmware;
  auto name = in.sized("attested.name");
  if (!name) return fail(name.error());
  out.attested_name = std::move(*name);
  auto qualified = in.sized("attested.qualifiedName");
  if (!qualified) return fail(qualified.error());
  out.attested_qualified_name = std::move(*qualified);
  if (auto ok = in.end(); !ok) return fail(ok.error());
  return out;
}

Result<Bytes> object_name(std::uint16_t name_alg, ByteView pub_area) {
  const EVP_MD* digest = hash_digest(name_alg);
  if (!digest) {
    return fail(ErrorCategory::rejected,
                fmt::format("pubArea: nameAlg {} is not a hash acctsec computes (SHA-1, SHA-256, SHA-384, SHA-512)",
                            alg_name(name_alg)));
  }
  Bytes out{static_cast<std::uint8_t>(name_alg >> 8), static_cast<std::uint8_t>(name_alg & 0xff)};
  const auto size = static_cast<std::size_t>(EVP_MD_get_size(digest));
  out.resize(2 + size);
  unsigned int length = 0;
  if (EVP_Digest(pub_area.data(), pub_area.size(), out.data() + 2, &length, digest, nullptr) != 1 || length != size) {
    return fail(ErrorCategory::internal, "OpenSSL could not hash pubArea");
  }
  return out;
}

}  // namespace acctsec::webauthn::tpm
