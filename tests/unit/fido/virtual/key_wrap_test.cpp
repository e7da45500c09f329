#include "fido/virtual/key_wrap.hpp"

#include <doctest/doctest.h>

using namespace acctsec;
using namespace acctsec::fido::soft;

TEST_SUITE("fido::virtual::key_wrap") {
  TEST_CASE("a wrapped credential key unwraps to the same key under the same master key and RP") {
    for (const CoseAlg alg : {CoseAlg::es256, CoseAlg::eddsa}) {
      const Bytes master = random_bytes(k_master_key_size);
      const Bytes rp_hash = sha256(as_bytes("example.com"));
      EvpPkey key = key_generate(alg);
      const Bytes id = private_key_wrap(master, rp_hash, *key, alg);
      CHECK(id.size() == k_wrapped_key_size);
      auto unwrapped = private_key_unwrap(master, rp_hash, id);
      REQUIRE(unwrapped.has_value());
      CHECK(unwrapped->alg == alg);
      CHECK(EVP_PKEY_eq(unwrapped->key.get(), key.get()) == 1);
      // A signature by the unwrapped key verifies with the original public key.
      const Bytes message{0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65};
      const Bytes sig = key_sign(*unwrapped->key, message);
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      REQUIRE(EVP_DigestVerifyInit(ctx, nullptr, alg == CoseAlg::es256 ? EVP_sha256() : nullptr, nullptr, key.get()) ==
              1);
      CHECK(EVP_DigestVerify(ctx, sig.data(), sig.size(), message.data(), message.size()) == 1);
      EVP_MD_CTX_free(ctx);
    }
  }

  TEST_CASE("every single changed byte of a wrapped key is rejected") {
    const Bytes master = random_bytes(k_master_key_size);
    const Bytes rp_hash = sha256(as_bytes("example.com"));
    EvpPkey key = key_generate(CoseAlg::es256);
    const Bytes id = private_key_wrap(master, rp_hash, *key, CoseAlg::es256);
    for (std::size_t i = 0; i < id.size(); ++i) {
      Bytes tampered = id;
      tampered[i] ^= 0x01;
      CAPTURE(i);
      CHECK_FALSE(private_key_unwrap(master, rp_hash, tampered).has_value());
    }
    CHECK_FALSE(private_key_unwrap(master, rp_hash, ByteView(id).first(id.size() - 1)).has_value());
  }

  TEST_CASE("a wrapped key is useless under another master key or for another relying party") {
    const Bytes master = random_bytes(k_master_key_size);
    EvpPkey key = key_generate(CoseAlg::es256);
    const Bytes id = private_key_wrap(master, sha256(as_bytes("example.com")), *key, CoseAlg::es256);
    CHECK_FALSE(private_key_unwrap(random_bytes(k_master_key_size), sha256(as_bytes("example.com")), id).has_value());
    CHECK_FALSE(private_key_unwrap(master, sha256(as_bytes("evil.example")), id).has_value());
    CHECK(private_key_unwrap(master, sha256(as_bytes("example.com")), id).has_value());
  }

  TEST_CASE("wrapping the same key twice gives different ids (fresh nonces)") {
    const Bytes master = random_bytes(k_master_key_size);
    const Bytes aad = sha256(as_bytes("example.com"));
    EvpPkey key = key_generate(CoseAlg::eddsa);
    CHECK(private_key_wrap(master, aad, *key, CoseAlg::eddsa) != private_key_wrap(master, aad, *key, CoseAlg::eddsa));
  }

  TEST_CASE("generic wrapping refuses a foreign version byte") {
    const Bytes master = random_bytes(k_master_key_size);
    Bytes wrapped = key_wrap(master, {}, as_bytes("secret"));
    REQUIRE(key_unwrap(master, {}, wrapped).has_value());
    wrapped[0] = 0x02;
    CHECK_FALSE(key_unwrap(master, {}, wrapped).has_value());
  }
}
