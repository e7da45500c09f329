#include "webauthn/cose_key.hpp"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <optional>

#include "webauthn/cbor.hpp"
#include "webauthn/ec_public_key.hpp"
#include "webauthn/hash.hpp"

namespace acctsec::webauthn {
namespace {

// COSE_Key labels (RFC 9052 §7.1, RFC 9053 §7, RFC 8230 §4).
constexpr std::int64_t k_label_kty = 1;
constexpr std::int64_t k_label_alg = 3;
constexpr std::int64_t k_label_crv = -1;  // EC2, OKP
constexpr std::int64_t k_label_x = -2;    // EC2, OKP
constexpr std::int64_t k_label_y = -3;    // EC2
constexpr std::int64_t k_label_d = -4;    // EC2, OKP private key
constexpr std::int64_t k_label_n = -1;    // RSA
constexpr std::int64_t k_label_e = -2;    // RSA
// RSA private parameters: d, p, q, dP, dQ, qInv, other, r_i, d_i, t_i.
constexpr std::int64_t k_label_rsa_private_first = -12;
constexpr std::int64_t k_label_rsa_private_last = -3;

struct AlgorithmInfo {
  int alg;
  const char* name;
  int kty;
  int crv;                    // 0 for RSA
  const EVP_MD* (*digest)();  // nullptr for EdDSA (which hashes internally)
};

constexpr std::array<AlgorithmInfo, 8> k_algorithms{{
    {k_cose_alg_es256, "ES256", k_cose_kty_ec2, k_cose_crv_p256, &digest_sha256},
    {k_cose_alg_es384, "ES384", k_cose_kty_ec2, k_cose_crv_p384, &digest_sha384},
    {k_cose_alg_es512, "ES512", k_cose_kty_ec2, k_cose_crv_p521, &digest_sha512},
    {k_cose_alg_eddsa, "EdDSA", k_cose_kty_okp, k_cose_crv_ed25519, nullptr},
    {k_cose_alg_ed25519, "Ed25519", k_cose_kty_okp, k_cose_crv_ed25519, nullptr},
    {k_cose_alg_rs256, "RS256", k_cose_kty_rsa, 0, &digest_sha256},
    {k_cose_alg_ps256, "PS256", k_cose_kty_rsa, 0, &digest_sha256},
    {k_cose_alg_rs1, "RS1", k_cose_kty_rsa, 0, &EVP_sha1},
}};

const AlgorithmInfo* find_algorithm(int alg) {
  for (const auto& info : k_algorithms) {
    if (info.alg == alg) return &info;
  }
  return nullptr;
}

struct CurveInfo {
  int crv;
  const char* name;          // for messages and the OpenSSL group name
  const char* openssl_name;  // what EVP_PKEY_get_utf8_string_param reports
  std::size_t coordinate_size;
  int nid;  // OpenSSL's curve NID (0 for Ed25519)
};

constexpr std::array<CurveInfo, 4> k_curves{{
    {k_cose_crv_p256, "P-256", "prime256v1", 32, NID_X9_62_prime256v1},
    {k_cose_crv_p384, "P-384", "secp384r1", 48, NID_secp384r1},
    {k_cose_crv_p521, "P-521", "secp521r1", 66, NID_secp521r1},
    {k_cose_crv_ed25519, "Ed25519", "ED25519", 32, 0},
}};

const CurveInfo* find_curve(int crv) {
  for (const auto& info : k_curves) {
    if (info.crv == crv) return &info;
  }
  return nullptr;
}

std::string kty_text(std::int64_t kty) {
  switch (kty) {
    case k_cose_kty_okp:
      return "1 (OKP)";
    case k_cose_kty_ec2:
      return "2 (EC2)";
    case k_cose_kty_rsa:
      return "3 (RSA)";
    default:
      return std::to_string(kty);
  }
}

std::string crv_text(std::int64_t crv) {
  const bool in_range = crv >= -65536 && crv <= 65536;
  const auto* curve = in_range ? find_curve(static_cast<int>(crv)) : nullptr;
  return curve ? fmt::format("{} ({})", crv, curve->name) : std::to_string(crv);
}

std::string supported_list() {
  return "ES256, ES384, ES512, EdDSA (Ed25519), Ed25519, RS256, PS256 and RS1 (legacy TPM attestation)";
}

std::unexpected<Error> rejected(std::string message) {
  ERR_clear_error();
  return fail(ErrorCategory::rejected, "COSE_Key: " + std::move(message));
}

struct BnFree {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const noexcept { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const noexcept { OSSL_PARAM_free(params); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const cbor::MapEntry* find_label(const std::vector<cbor::MapEntry>& entries, std::int64_t label) {
  for (const auto& entry : entries) {
    if (const auto* key = std::get_if<std::int64_t>(&entry.key); key && *key == label) return &entry;
  }
  return nullptr;
}

// Reads the integer under `label`; nullopt when absent.
Result<std::optional<std::int64_t>> int_label(const std::vector<cbor::MapEntry>& entries, std::int64_t label,
                                              std::string_view name) {
  const auto* entry = find_label(entries, label);
  if (!entry) return std::optional<std::int64_t>{};
  cbor::Reader reader(entry->value);
  auto value = reader.read_int();
  if (!value) return rejected(fmt::format("{} ({}) is not an integer: {}", name, label, value.error().message));
  return std::optional<std::int64_t>{*value};
}

Result<Bytes> bytes_label(const std::vector<cbor::MapEntry>& entries, std::int64_t label, std::string_view name) {
  const auto* entry = find_label(entries, label);
  if (!entry) return rejected(fmt::format("{} ({}) is missing", name, label));
  cbor::Reader reader(entry->value);
  auto type = reader.peek_type();
  if (type && *type == cbor::MajorType::simple && label == k_label_y) {
    return rejected("y is a boolean, i.e. a compressed point; WebAuthn requires uncompressed EC2 keys");
  }
  auto value = reader.read_bytes();
  if (!value) return rejected(fmt::format("{} ({}) is not a byte string: {}", name, label, value.error().message));
  return value;
}

Result<EvpPkeyPtr> pkey_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::rejected, "OpenSSL refused the key parameters");
  }
  return EvpPkeyPtr(raw);
}

// An EC2 key decodes to an ordinary provider-backed EVP_PKEY, or, when `verify_only` is given, into
// it as a bare point for ec_public_key_verify (the cheaper path; the EVP_PKEY is then null).
Result<EvpPkeyPtr> decode_ec2(const std::vector<cbor::MapEntry>& entries, const CurveInfo& curve, EcPublicKey* verify_only) {
  if (find_label(entries, k_label_d)) {
    return rejected("it contains the private key parameter d (-4); refusing private key material");
  }
  auto x = bytes_label(entries, k_label_x, "x");
  if (!x) return fail(x.error());
  auto y = bytes_label(entries, k_label_y, "y");
  if (!y) return fail(y.error());
  for (const auto& [name, value] : {std::pair{"x", &*x}, std::pair{"y", &*y}}) {
    if (value->size() != curve.coordinate_size) {
      return rejected(fmt::format("{} is {} bytes; {} coordinates are {} bytes", name, value->size(), curve.name,
                                  curve.coordinate_size));
    }
  }
  Bytes point{0x04};
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  const auto off_curve = [&] { return rejected(fmt::format("the point (x, y) is not on {}", curve.name)); };
  if (verify_only) {
    auto key = ec_public_key_from_point(curve.nid, point);
    if (!key && key.error().category == ErrorCategory::rejected) return off_curve();
    if (!key) return fail(key.error());
    *verify_only = std::move(*key);
    return EvpPkeyPtr{};
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "OpenSSL could not allocate EC key parameters");
  }
  auto key = pkey_from_params("EC", bld.get());
  if (!key) return off_curve();
  // The quick check (on the curve, not at infinity) is the whole public key validation on curves of
  // cofactor 1 such as P-256, P-384 and P-521; the full check would add a multiplication by the order.
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  const bool valid = ctx && EVP_PKEY_public_check_quick(ctx.get()) == 1;
  ERR_clear_error();
  if (!valid) return off_curve();
  return key;
}

Result<EvpPkeyPtr> decode_okp(const std::vector<cbor::MapEntry>& entries) {
  if (find_label(entries, k_label_d)) {
    return rejected("it contains the private key parameter d (-4); refusing private key material");
  }
  auto x = bytes_label(entries, k_label_x, "x");
  if (!x) return fail(x.error());
  if (x->size() != 32) return rejected(fmt::format("x is {} bytes; Ed25519 public keys are 32 bytes", x->size()));
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x->data(), x->size()));
  if (!key) return rejected("OpenSSL refused the Ed25519 public key");
  return key;
}

Result<EvpPkeyPtr> decode_rsa(const std::vector<cbor::MapEntry>& entries) {
  for (const auto& entry : entries) {
    const auto* label = std::get_if<std::int64_t>(&entry.key);
    if (label && *label >= k_label_rsa_private_first && *label <= k_label_rsa_private_last) {
      return rejected(
          fmt::format("it contains the RSA private key parameter {}; refusing private key material", *label));
    }
  }
  auto n = bytes_label(entries, k_label_n, "n");
  if (!n) return fail(n.error());
  auto e = bytes_label(entries, k_label_e, "e");
  if (!e) return fail(e.error());
  if (n->empty() || (*n)[0] == 0) return rejected("n is empty or has a leading zero byte");
  if (e->empty() || (*e)[0] == 0) return rejected("e is empty or has a leading zero byte");
  const auto bits = static_cast<int>(n->size() * 8);
  if (bits < k_rsa_min_bits) {
    return rejected(fmt::format("the RSA modulus has {} bits; at least {} are required", bits, k_rsa_min_bits));
  }
  if (bits > k_rsa_max_bits) {
    return rejected(fmt::format("the RSA modulus has {} bits; at most {} are accepted", bits, k_rsa_max_bits));
  }
  BnPtr bn_n(BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "OpenSSL could not allocate RSA key parameters");
  }
  // The checks a verifier needs, and all deterministic: OpenSSL's public check adds SP 800-56B's
  // probabilistic test that n is not a prime power, whose verdict on a malformed n can differ
  // from one run to the next (and costs a modular exponentiation per Miller-Rabin round).
  if (!BN_is_odd(bn_n.get())) return rejected("n is even; an RSA modulus is odd");
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()))
    return rejected("e must be an odd exponent of at least 3");
  if (BN_cmp(bn_e.get(), bn_n.get()) >= 0) return rejected("e is not smaller than n");
  auto key = pkey_from_params("RSA", bld.get());
  if (!key) return rejected("OpenSSL refused the RSA public key (n, e)");
  return key;
}

Result<Bytes> bn_param(EVP_PKEY* key, const char* name, std::size_t pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::usage, fmt::format("the key has no public parameter {}", name));
  }
  BnPtr bn(raw);
  const auto size = pad_to ? pad_to : static_cast<std::size_t>(BN_num_bytes(bn.get()));
  Bytes out(size);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) < 0) {
    return fail(ErrorCategory::usage, fmt::format("the key parameter {} does not fit {} bytes", name, size));
  }
  return out;
}

}  // namespace

std::string cose_algorithm_name(int alg) {
  if (const auto* info = find_algorithm(alg)) return info->name;
  return fmt::format("COSE algorithm {}", alg);
}

namespace {

Result<CoseKey> decode(ByteView cose, EcPublicKey* verify_only) {
  cbor::Reader reader(cose);
  auto type = reader.peek_type();
  if (!type) return rejected(type.error().message);
  if (*type != cbor::MajorType::map) {
    return rejected(fmt::format("it is a CBOR {}, not a map", cbor::major_type_name(*type)));
  }
  auto entries = reader.read_map();
  if (!entries) return rejected(entries.error().message);
  if (!reader.at_end()) return rejected(fmt::format("{} bytes follow the COSE_Key map", reader.remaining()));

  auto kty = int_label(*entries, k_label_kty, "kty");
  if (!kty) return fail(kty.error());
  if (!*kty) return rejected("kty (1) is missing");
  auto alg = int_label(*entries, k_label_alg, "alg");
  if (!alg) return fail(alg.error());
  if (!*alg) return rejected("alg (3) is missing; WebAuthn requires it");
  const bool in_range = **alg >= -65536 && **alg <= 65536;
  const auto* info = in_range ? find_algorithm(static_cast<int>(**alg)) : nullptr;
  if (!info) {
    return rejected(fmt::format("alg {} is not supported; acctsec verifies {}", **alg, supported_list()));
  }
  CoseKey key;
  key.alg = info->alg;
  key.kty = info->kty;
  if (**kty != info->kty) {
    return rejected(fmt::format("alg {} ({}) needs kty {} but the key has kty {}", info->alg, info->name,
                                kty_text(info->kty), kty_text(**kty)));
  }
  if (info->kty == k_cose_kty_rsa) {
    auto pkey = decode_rsa(*entries);
    if (!pkey) return fail(pkey.error());
    key.key = std::move(*pkey);
    return key;
  }
  auto crv = int_label(*entries, k_label_crv, "crv");
  if (!crv) return fail(crv.error());
  if (!*crv) return rejected("crv (-1) is missing");
  if (**crv != info->crv) {
    return rejected(fmt::format("alg {} ({}) needs crv {} but the key has crv {}", info->alg, info->name,
                                crv_text(info->crv), crv_text(**crv)));
  }
  key.crv = info->crv;
  const auto* curve = find_curve(info->crv);
  auto pkey = info->kty == k_cose_kty_ec2 ? decode_ec2(*entries, *curve, verify_only) : decode_okp(*entries);
  if (!pkey) return fail(pkey.error());
  key.key = std::move(*pkey);
  return key;
}

}  // namespace

Result<CoseKey> cose_key_decode(ByteView cose) { return decode(cose, nullptr); }

Result<CoseVerifier> cose_verifier_decode(ByteView cose) {
  CoseVerifier verifier;
  auto key = decode(cose, &verifier.m_ec);
  if (!key) return fail(key.error());
  verifier.m_key = std::move(*key);
  return verifier;
}

Result<Bytes> cose_key_encode_public_key(EVP_PKEY* key, int alg) {
  if (!key) return fail(ErrorCategory::usage, "no key to encode");
  const auto* info = find_algorithm(alg);
  if (!info) {
    return fail(ErrorCategory::usage, fmt::format("alg {} is not supported; use one of {}", alg, supported_list()));
  }
  const int base = EVP_PKEY_get_base_id(key);
  cbor::Writer w;
  if (info->kty == k_cose_kty_ec2) {
    if (base != EVP_PKEY_EC) {
      return fail(ErrorCategory::usage, fmt::format("{} needs an EC key", info->name));
    }
    const auto* curve = find_curve(info->crv);
    std::array<char, 64> group{};
    std::size_t group_length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &group_length) !=
            1 ||
        std::string_view(group.data(), group_length) != curve->openssl_name) {
      ERR_clear_error();
      return fail(ErrorCategory::usage, fmt::format("{} needs a key on {}", info->name, curve->name));
    }
    auto x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, curve->coordinate_size);
    if (!x) return fail(x.error());
    auto y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, curve->coordinate_size);
    if (!y) return fail(y.error());
    // CTAP2 canonical order: 1, 3, -1, -2, -3.
    w.map(5);
    w.integer(k_label_kty), w.integer(k_cose_kty_ec2);
    w.integer(k_label_alg), w.integer(alg);
    w.integer(k_label_crv), w.integer(info->crv);
    w.integer(k_label_x), w.bytes(*x);
    w.integer(k_label_y), w.bytes(*y);
  } else if (info->kty == k_cose_kty_okp) {
    if (base != EVP_PKEY_ED25519) {
      return fail(ErrorCategory::usage, fmt::format("{} needs an Ed25519 key", info->name));
    }
    Bytes x(32);
    std::size_t length = x.size();
    if (EVP_PKEY_get_raw_public_key(key, x.data(), &length) != 1 || length != 32) {
      ERR_clear_error();
      return fail(ErrorCategory::usage, "the Ed25519 key has no public part");
    }
    w.map(4);
    w.integer(k_label_kty), w.integer(k_cose_kty_okp);
    w.integer(k_label_alg), w.integer(alg);
    w.integer(k_label_crv), w.integer(k_cose_crv_ed25519);
    w.integer(k_label_x), w.bytes(x);
  } else {
    if (base != EVP_PKEY_RSA) return fail(ErrorCategory::usage, fmt::format("{} needs an RSA key", info->name));
    auto n = bn_param(key, OSSL_PKEY_PARAM_RSA_N, 0);
    if (!n) return fail(n.error());
    auto e = bn_param(key, OSSL_PKEY_PARAM_RSA_E, 0);
    if (!e) return fail(e.error());
    w.map(4);
    w.integer(k_label_kty), w.integer(k_cose_kty_rsa);
    w.integer(k_label_alg), w.integer(alg);
    w.integer(k_label_n), w.bytes(*n);
    w.integer(k_label_e), w.bytes(*e);
  }
  return w.take();
}

Result<CoseKey> cose_key_from_public_key(EVP_PKEY* key, int alg) {
  auto encoded = cose_key_encode_public_key(key, alg);
  if (!encoded) return fail(encoded.error());
  auto decoded = cose_key_decode(*encoded);
  if (!decoded) return fail(ErrorCategory::usage, decoded.error().message);
  return decoded;
}

Result<Bytes> cose_key_encode(const CoseKey& key) {
  if (!key.key) return fail(ErrorCategory::usage, "the COSE key holds no public key");
  return cose_key_encode_public_key(key.key.get(), key.alg);
}

Result<Bytes> cose_key_spki_der(const CoseKey& key) {
  if (!key.key) return fail(ErrorCategory::usage, "the COSE key holds no public key");
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.key.get(), &der);
  if (length <= 0 || !der) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "OpenSSL could not encode the public key as SubjectPublicKeyInfo");
  }
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

Result<void> signature_verify(EVP_PKEY* key, int alg, ByteView message, ByteView signature) {
  if (!key) return fail(ErrorCategory::usage, "no public key to verify with");
  const auto* info = find_algorithm(alg);
  if (!info) {
    return fail(ErrorCategory::usage,
                fmt::format("alg {} is not supported; acctsec verifies {}", alg, supported_list()));
  }
  const int base = EVP_PKEY_get_base_id(key);
  const bool fits = (info->kty == k_cose_kty_ec2 && base == EVP_PKEY_EC) ||
                    (info->kty == k_cose_kty_okp && base == EVP_PKEY_ED25519) ||
                    (info->kty == k_cose_kty_rsa && base == EVP_PKEY_RSA);
  if (!fits)
    return fail(ErrorCategory::usage, fmt::format("a {} signature cannot come from this key type", info->name));

  const EVP_MD* digest = info->digest ? info->digest() : nullptr;
  MdCtxPtr md_ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by md_ctx
  if (!md_ctx || EVP_DigestVerifyInit(md_ctx.get(), &pkey_ctx, digest, nullptr, key) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "OpenSSL could not set up signature verification");
  }
  if (info->kty == k_cose_kty_rsa) {
    const bool pss = info->alg == k_cose_alg_ps256;
    const bool ok = pss ? EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                              EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_ctx, digest_sha256()) == 1 &&
                              EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) == 1
                        : EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) == 1;
    if (!ok) {
      ERR_clear_error();
      return fail(ErrorCategory::internal, "OpenSSL could not set RSA padding");
    }
  }
  const int rc = EVP_DigestVerify(md_ctx.get(), signature.data(), signature.size(), message.data(), message.size());
  ERR_clear_error();
  if (rc != 1) {
    return fail(ErrorCategory::rejected,
                fmt::format("the {} signature does not verify with the public key", info->name));
  }
  return {};
}

Result<void> cose_key_verify(const CoseKey& key, ByteView message, ByteView signature) {
  if (!key.key) return fail(ErrorCategory::usage, "the COSE key holds no public key");
  return signature_verify(key.key.get(), key.alg, message, signature);
}

Result<void> cose_verifier_verify(const CoseVerifier& verifier, ByteView message, ByteView signature) {
  const CoseKey& key = verifier.m_key;
  if (key.kty != k_cose_kty_ec2) return cose_key_verify(key, message, signature);
  const auto* info = find_algorithm(key.alg);
  if (!info || !verifier.m_ec.point) return fail(ErrorCategory::usage, "the COSE key holds no public key");
  if (!ec_public_key_verify(verifier.m_ec, info->digest(), message, signature)) {
    return fail(ErrorCategory::rejected, fmt::format("the {} signature does not verify with the public key", info->name));
  }
  return {};
}

}  // namespace acctsec::webauthn
