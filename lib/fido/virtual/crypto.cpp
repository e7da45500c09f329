#include "fido/virtual/crypto.hpp"
#include "core/openssl_handle.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>

namespace acctsec::fido::soft {
namespace {

constexpr std::size_t k_p256_size = 32;
constexpr std::size_t k_gcm_tag_size = 16;
constexpr std::size_t k_gcm_nonce_size = 12;
constexpr std::size_t k_aes_block = 16;

using CipherCtx = OpenSslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using PkeyCtx = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtx = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using ParamBld = OpenSslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = OpenSslPtr<OSSL_PARAM, OSSL_PARAM_free>;
using Bignum = OpenSslPtr<BIGNUM, BN_clear_free>;
using EcGroup = OpenSslPtr<EC_GROUP, EC_GROUP_free>;
using EcPoint = OpenSslPtr<EC_POINT, EC_POINT_free>;
using Kdf = OpenSslPtr<EVP_KDF, EVP_KDF_free>;
using KdfCtx = OpenSslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free>;

void require(bool ok, const char* what) {
  if (!ok) throw CryptoFailure(std::string("OpenSSL: ") + what);
}

int as_int(std::size_t n) {
  require(n <= 0x7fffffff, "buffer too large");
  return static_cast<int>(n);
}

// One-shot AES-256-CBC without padding.
std::optional<Bytes> aes256_cbc(ByteView key, ByteView iv, ByteView input, bool encrypt) {
  if (key.size() != 32 || iv.size() != k_aes_block || input.size() % k_aes_block != 0) return std::nullopt;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  require(ctx != nullptr, "EVP_CIPHER_CTX_new");
  require(EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) == 1,
          "EVP_CipherInit_ex");
  require(EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1, "EVP_CIPHER_CTX_set_padding");
  Bytes out(input.size() + k_aes_block);
  int written = 0;
  int final_len = 0;
  require(EVP_CipherUpdate(ctx.get(), out.data(), &written, input.data(), as_int(input.size())) == 1,
          "EVP_CipherUpdate");
  require(EVP_CipherFinal_ex(ctx.get(), out.data() + written, &final_len) == 1, "EVP_CipherFinal_ex");
  out.resize(static_cast<std::size_t>(written + final_len));
  return out;
}

Bignum bignum_from(ByteView bytes) {
  Bignum bn(BN_bin2bn(bytes.data(), as_int(bytes.size()), nullptr));
  require(bn != nullptr, "BN_bin2bn");
  return bn;
}

EvpPkey pkey_from_params(const char* type, OSSL_PARAM_BLD* builder, int selection) {
  Params params(OSSL_PARAM_BLD_to_param(builder));
  require(params != nullptr, "OSSL_PARAM_BLD_to_param");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  require(ctx != nullptr, "EVP_PKEY_CTX_new_from_name");
  require(EVP_PKEY_fromdata_init(ctx.get()) == 1, "EVP_PKEY_fromdata_init");
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1) return nullptr;
  return EvpPkey(key);
}

// P-256 public point for a private scalar (the EC_POINT API is not deprecated in OpenSSL 3).
std::optional<Bytes> p256_public_octets(const BIGNUM& scalar) {
  EcGroup group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  require(group != nullptr, "EC_GROUP_new_by_curve_name");
  if (BN_is_zero(&scalar) || BN_cmp(&scalar, EC_GROUP_get0_order(group.get())) >= 0) return std::nullopt;
  EcPoint point(EC_POINT_new(group.get()));
  require(point != nullptr, "EC_POINT_new");
  require(EC_POINT_mul(group.get(), point.get(), &scalar, nullptr, nullptr, nullptr) == 1, "EC_POINT_mul");
  Bytes out(1 + 2 * k_p256_size);
  const std::size_t n =
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(), nullptr);
  require(n == out.size(), "EC_POINT_point2oct");
  return out;
}

}  // namespace

std::optional<CoseAlg> cose_alg_from_int(std::int64_t value) {
  switch (value) {
    case static_cast<int>(CoseAlg::es256):
      return CoseAlg::es256;
    case static_cast<int>(CoseAlg::eddsa):
      return CoseAlg::eddsa;
    default:
      return std::nullopt;
  }
}

void wipe(Bytes& buffer) {
  if (!buffer.empty()) OPENSSL_cleanse(buffer.data(), buffer.size());
  buffer.clear();
}

Bytes sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  require(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) == 1 && len == 32,
          "EVP_Digest");
  return out;
}

Bytes hmac_sha256(ByteView key, ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  require(HMAC(EVP_sha256(), key.data(), as_int(key.size()), data.data(), data.size(), out.data(), &len) != nullptr &&
              len == 32,
          "HMAC");
  return out;
}

Bytes hkdf_sha256(ByteView salt, ByteView ikm, std::string_view info, std::size_t length) {
  Kdf kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  require(kdf != nullptr, "EVP_KDF_fetch(HKDF)");
  KdfCtx ctx(EVP_KDF_CTX_new(kdf.get()));
  require(ctx != nullptr, "EVP_KDF_CTX_new");
  char digest[] = "SHA256";
  // OSSL_PARAM wants non-const pointers; the KDF only reads these buffers.
  std::array<OSSL_PARAM, 5> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end(),
  };
  Bytes out(length);
  require(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) == 1, "EVP_KDF_derive");
  return out;
}

std::optional<Bytes> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  return aes256_cbc(key, iv, plaintext, true);
}

std::optional<Bytes> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  return aes256_cbc(key, iv, ciphertext, false);
}

Bytes aes256_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  require(key.size() == 32 && nonce.size() == k_gcm_nonce_size, "AES-GCM key or nonce size");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  require(ctx != nullptr, "EVP_CIPHER_CTX_new");
  require(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) == 1,
          "EVP_EncryptInit_ex");
  int len = 0;
  if (!aad.empty())
    require(EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), as_int(aad.size())) == 1, "EVP_EncryptUpdate(aad)");
  Bytes out(plaintext.size() + k_gcm_tag_size);
  int written = 0;
  require(EVP_EncryptUpdate(ctx.get(), out.data(), &written, plaintext.data(), as_int(plaintext.size())) == 1,
          "EVP_EncryptUpdate");
  int final_len = 0;
  require(EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &final_len) == 1, "EVP_EncryptFinal_ex");
  require(static_cast<std::size_t>(written + final_len) == plaintext.size(), "AES-GCM length");
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_gcm_tag_size),
                              out.data() + plaintext.size()) == 1,
          "EVP_CTRL_GCM_GET_TAG");
  return out;
}

std::optional<Bytes> aes256_gcm_open(ByteView key, ByteView nonce, ByteView aad, ByteView sealed) {
  if (key.size() != 32 || nonce.size() != k_gcm_nonce_size || sealed.size() < k_gcm_tag_size) return std::nullopt;
  const std::size_t body = sealed.size() - k_gcm_tag_size;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  require(ctx != nullptr, "EVP_CIPHER_CTX_new");
  require(EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) == 1,
          "EVP_DecryptInit_ex");
  int len = 0;
  if (!aad.empty())
    require(EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), as_int(aad.size())) == 1, "EVP_DecryptUpdate(aad)");
  Bytes out(body + k_aes_block);
  int written = 0;
  require(EVP_DecryptUpdate(ctx.get(), out.data(), &written, sealed.data(), as_int(body)) == 1, "EVP_DecryptUpdate");
  Bytes tag(sealed.begin() + static_cast<std::ptrdiff_t>(body), sealed.end());
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()), tag.data()) == 1,
          "EVP_CTRL_GCM_SET_TAG");
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &final_len) != 1) {
    wipe(out);
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(written + final_len));
  return out;
}

EvpPkey key_generate(CoseAlg alg) {
  EVP_PKEY* key = alg == CoseAlg::es256 ? EVP_EC_gen("P-256") : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  require(key != nullptr, "key generation");
  return EvpPkey(key);
}

Bytes key_private_raw(const EVP_PKEY& key, CoseAlg alg) {
  Bytes out(k_p256_size);
  if (alg == CoseAlg::eddsa) {
    std::size_t len = out.size();
    require(EVP_PKEY_get_raw_private_key(&key, out.data(), &len) == 1 && len == out.size(),
            "EVP_PKEY_get_raw_private_key");
    return out;
  }
  BIGNUM* raw = nullptr;
  require(EVP_PKEY_get_bn_param(&key, OSSL_PKEY_PARAM_PRIV_KEY, &raw) == 1, "EVP_PKEY_get_bn_param(priv)");
  Bignum scalar(raw);
  require(BN_bn2binpad(scalar.get(), out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size()),
          "BN_bn2binpad");
  return out;
}

EvpPkey key_from_private_raw(CoseAlg alg, ByteView raw) {
  if (raw.size() != k_p256_size) return nullptr;
  if (alg == CoseAlg::eddsa)
    return EvpPkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
  Bignum scalar = bignum_from(raw);
  auto pub = p256_public_octets(*scalar);
  if (!pub) return nullptr;
  ParamBld builder(OSSL_PARAM_BLD_new());
  require(builder != nullptr, "OSSL_PARAM_BLD_new");
  require(OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) == 1 &&
              OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) == 1 &&
              OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, pub->data(), pub->size()) == 1,
          "OSSL_PARAM_BLD_push");
  return pkey_from_params("EC", builder.get(), EVP_PKEY_KEYPAIR);
}

Bytes key_sign(EVP_PKEY& key, ByteView message) {
  MdCtx ctx(EVP_MD_CTX_new());
  require(ctx != nullptr, "EVP_MD_CTX_new");
  // Ed25519 signs the message itself; ECDSA hashes with SHA-256 first.
  const EVP_MD* md = EVP_PKEY_is_a(&key, "ED25519") ? nullptr : EVP_sha256();
  require(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, &key) == 1, "EVP_DigestSignInit");
  std::size_t len = 0;
  require(EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) == 1, "EVP_DigestSign(size)");
  Bytes sig(len);
  require(EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) == 1, "EVP_DigestSign");
  sig.resize(len);
  return sig;
}

P256Point p256_public_point(const EVP_PKEY& key) {
  P256Point point{Bytes(k_p256_size), Bytes(k_p256_size)};
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  require(EVP_PKEY_get_bn_param(&key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1, "EVP_PKEY_get_bn_param(x)");
  Bignum bx(x);
  require(EVP_PKEY_get_bn_param(&key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1, "EVP_PKEY_get_bn_param(y)");
  Bignum by(y);
  require(BN_bn2binpad(bx.get(), point.x.data(), 32) == 32 && BN_bn2binpad(by.get(), point.y.data(), 32) == 32,
          "BN_bn2binpad");
  return point;
}

EvpPkey p256_from_public_point(ByteView x, ByteView y) {
  if (x.size() != k_p256_size || y.size() != k_p256_size) return nullptr;
  Bytes octets{0x04};
  octets.insert(octets.end(), x.begin(), x.end());
  octets.insert(octets.end(), y.begin(), y.end());
  ParamBld builder(OSSL_PARAM_BLD_new());
  require(builder != nullptr, "OSSL_PARAM_BLD_new");
  require(
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) == 1 &&
          OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, octets.data(), octets.size()) == 1,
      "OSSL_PARAM_BLD_push");
  EvpPkey key = pkey_from_params("EC", builder.get(), EVP_PKEY_PUBLIC_KEY);
  if (!key) return nullptr;
  // A platform key off the curve would leak bits of our key agreement key (invalid-curve attack).
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  require(check != nullptr, "EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return key;
}

Bytes ed25519_public_raw(const EVP_PKEY& key) {
  Bytes out(32);
  std::size_t len = out.size();
  require(EVP_PKEY_get_raw_public_key(&key, out.data(), &len) == 1 && len == out.size(), "EVP_PKEY_get_raw_public_key");
  return out;
}

std::optional<Bytes> ecdh_p256(EVP_PKEY& own, EVP_PKEY& peer) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, &own, nullptr));
  require(ctx != nullptr, "EVP_PKEY_CTX_new_from_pkey");
  require(EVP_PKEY_derive_init(ctx.get()) == 1, "EVP_PKEY_derive_init");
  if (EVP_PKEY_derive_set_peer(ctx.get(), &peer) != 1) return std::nullopt;
  std::size_t len = 0;
  require(EVP_PKEY_derive(ctx.get(), nullptr, &len) == 1, "EVP_PKEY_derive(size)");
  Bytes z(len);
  if (EVP_PKEY_derive(ctx.get(), z.data(), &len) != 1) return std::nullopt;
  z.resize(len);
  return z;
}

}  // namespace acctsec::fido::soft
