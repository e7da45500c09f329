#include "fido/virtual/cose.hpp"

namespace acctsec::fido::soft {
namespace {

constexpr int k_kty_okp = 1;
constexpr int k_kty_ec2 = 2;
constexpr int k_crv_p256 = 1;
constexpr int k_crv_ed25519 = 6;
constexpr int k_alg_ecdh_es_hkdf_256 = -25;

cbor::Item ec2_key(const EVP_PKEY& key, int alg) {
  const P256Point point = p256_public_point(key);
  return cbor::MapBuilder()
      .add(1, cbor::make_int(k_kty_ec2))
      .add(3, cbor::make_int(alg))
      .add(-1, cbor::make_int(k_crv_p256))
      .add(-2, cbor::make_bytes(point.x))
      .add(-3, cbor::make_bytes(point.y))
      .build();
}

}  // namespace

cbor::Item cose_credential_public_key(const EVP_PKEY& key, CoseAlg alg) {
  if (alg == CoseAlg::es256) return ec2_key(key, static_cast<int>(alg));
  return cbor::MapBuilder()
      .add(1, cbor::make_int(k_kty_okp))
      .add(3, cbor::make_int(static_cast<int>(alg)))
      .add(-1, cbor::make_int(k_crv_ed25519))
      .add(-2, cbor::make_bytes(ed25519_public_raw(key)))
      .build();
}

cbor::Item cose_key_agreement_public_key(const EVP_PKEY& key) {
  return ec2_key(key, k_alg_ecdh_es_hkdf_256);
}

EvpPkey cose_key_agreement_peer(const cbor_item_t& cose_key) {
  if (!cbor_isa_map(&cose_key)) return nullptr;
  const cbor_item_t* kty = cbor::find(cose_key, 1);
  const cbor_item_t* crv = cbor::find(cose_key, -1);
  const cbor_item_t* x = cbor::find(cose_key, -2);
  const cbor_item_t* y = cbor::find(cose_key, -3);
  if (kty == nullptr || crv == nullptr || x == nullptr || y == nullptr) return nullptr;
  if (cbor::to_integer(*kty) != k_kty_ec2 || cbor::to_integer(*crv) != k_crv_p256) return nullptr;
  const auto x_bytes = cbor::to_bytes(*x);
  const auto y_bytes = cbor::to_bytes(*y);
  if (!x_bytes || !y_bytes) return nullptr;
  return p256_from_public_point(*x_bytes, *y_bytes);
}

}  // namespace acctsec::fido::soft
