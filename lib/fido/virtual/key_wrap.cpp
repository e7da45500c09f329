#include "fido/virtual/key_wrap.hpp"

#include <string_view>

namespace acctsec::fido::soft {
namespace {

constexpr std::size_t k_nonce_size = 12;
constexpr std::size_t k_tag_size = 16;

// One byte in the wrapped plaintext names the key type, so unwrapping needs no outside hint.
constexpr std::uint8_t k_tag_es256 = 1;
constexpr std::uint8_t k_tag_eddsa = 2;

}  // namespace

Bytes key_wrap(ByteView master_key, ByteView aad, ByteView plaintext) {
  const Bytes nonce = random_bytes(k_nonce_size);
  const Bytes sealed = aes256_gcm_seal(master_key, nonce, aad, plaintext);
  Bytes out{k_wrap_version};
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

std::optional<Bytes> key_unwrap(ByteView master_key, ByteView aad, ByteView wrapped) {
  if (master_key.size() != k_master_key_size) return std::nullopt;
  if (wrapped.size() < 1 + k_nonce_size + k_tag_size || wrapped[0] != k_wrap_version) return std::nullopt;
  return aes256_gcm_open(master_key, wrapped.subspan(1, k_nonce_size), aad, wrapped.subspan(1 + k_nonce_size));
}

Bytes private_key_wrap(ByteView master_key, ByteView aad, const EVP_PKEY& key, CoseAlg alg) {
  Bytes plaintext{alg == CoseAlg::es256 ? k_tag_es256 : k_tag_eddsa};
  Bytes raw = key_private_raw(key, alg);
  plaintext.insert(plaintext.end(), raw.begin(), raw.end());
  wipe(raw);
  Bytes wrapped = key_wrap(master_key, aad, plaintext);
  wipe(plaintext);
  return wrapped;
}

std::optional<UnwrappedKey> private_key_unwrap(ByteView master_key, ByteView aad, ByteView wrapped) {
  if (wrapped.size() != k_wrapped_key_size) return std::nullopt;
  auto plaintext = key_unwrap(master_key, aad, wrapped);
  if (!plaintext) return std::nullopt;
  std::optional<UnwrappedKey> out;
  if (plaintext->size() == 33 && ((*plaintext)[0] == k_tag_es256 || (*plaintext)[0] == k_tag_eddsa)) {
    const CoseAlg alg = (*plaintext)[0] == k_tag_es256 ? CoseAlg::es256 : CoseAlg::eddsa;
    if (EvpPkey key = key_from_private_raw(alg, ByteView(*plaintext).subspan(1)))
      out = UnwrappedKey{alg, std::move(key)};
  }
  wipe(*plaintext);
  return out;
}

Bytes discoverable_key_aad(ByteView rp_id_hash, ByteView credential_id) {
  Bytes aad(rp_id_hash.begin(), rp_id_hash.end());
  aad.insert(aad.end(), credential_id.begin(), credential_id.end());
  return aad;
}

ByteView attestation_key_aad() {
  static constexpr std::string_view k_label = "acctsec virtual key attestation key";
  return as_bytes(k_label);
}

}  // namespace acctsec::fido::soft
