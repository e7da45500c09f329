#include "webauthn/cose_key.hpp"

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/cbor.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

// An EC2 COSE key from raw coordinates, with overridable labels for the negative cases.
Bytes ec2_key(int alg, int crv, ByteView x, ByteView y, int kty = k_cose_kty_ec2) {
  cbor::Writer w;
  w.map(5);
  w.integer(1), w.integer(kty);
  w.integer(3), w.integer(alg);
  w.integer(-1), w.integer(crv);
  w.integer(-2), w.bytes(x);
  w.integer(-3), w.bytes(y);
  return w.take();
}

Bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

const int k_all_algorithms[] = {k_cose_alg_es256,   k_cose_alg_es384, k_cose_alg_es512, k_cose_alg_eddsa,
                                k_cose_alg_ed25519, k_cose_alg_rs256, k_cose_alg_ps256};

bool mentions(const Error& error, std::string_view text) {
  return error.message.find(text) != std::string::npos;
}

}  // namespace

TEST_SUITE("webauthn::cose_key") {
  TEST_CASE("decodes libfido2's ES256 key and verifies its published assertion signature") {
    const auto v = load_vector("libfido2_assert_es256.json");
    const Bytes xy = hex(v["publicKeyXY"]);
    const Bytes cose = ec2_key(k_cose_alg_es256, k_cose_crv_p256, ByteView(xy).first(32), ByteView(xy).subspan(32));
    const auto key = cose_key_decode(cose);
    REQUIRE(key.has_value());
    CHECK(key->alg == k_cose_alg_es256);
    CHECK(key->kty == k_cose_kty_ec2);
    CHECK(key->crv == k_cose_crv_p256);
    Bytes message = *cbor::decode_byte_string(hex(v["authenticatorDataCbor"]));
    const Bytes cdh = hex(v["clientDataHash"]);
    message.insert(message.end(), cdh.begin(), cdh.end());
    CHECK(cose_key_verify(*key, message, hex(v["signature"])).has_value());
    message.back() ^= 0x01;
    const auto bad = cose_key_verify(*key, message, hex(v["signature"]));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().category == ErrorCategory::rejected);
  }

  TEST_CASE("every supported algorithm round-trips through COSE and SPKI and verifies its own signatures") {
    for (const int alg : k_all_algorithms) {
      CAPTURE(alg);
      const auto credential = make_credential(alg);
      const auto key = cose_key_decode(credential.public_key_cose);
      REQUIRE(key.has_value());
      CHECK(key->alg == alg);
      CHECK(cose_key_encode(*key) == credential.public_key_cose);
      CHECK(cose_key_spki_der(*key) == spki_of(credential.key.get()));
      const Bytes message = random_bytes(100);
      Bytes signature = sign(credential.key.get(), alg, message);
      CHECK(cose_key_verify(*key, message, signature).has_value());
      signature[signature.size() / 2] ^= 0x10;
      CHECK(cose_key_verify(*key, message, signature).error().category == ErrorCategory::rejected);
    }
  }

  TEST_CASE("names the algorithms it supports") {
    CHECK(cose_algorithm_name(-7) == "ES256");
    CHECK(cose_algorithm_name(-8) == "EdDSA");
    CHECK(cose_algorithm_name(-257) == "RS256");
    CHECK(cose_algorithm_name(-47) == "COSE algorithm -47");
  }

  TEST_CASE("an ECDSA signature must be DER, not raw r||s") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto key = cose_key_decode(credential.public_key_cose);
    const Bytes message{1, 2, 3};
    const Bytes der = sign(credential.key.get(), k_cose_alg_es256, message);
    // Re-encode as fixed-width r||s, the form COSE_Sign1 uses but WebAuthn does not.
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(sig != nullptr);
    Bytes raw(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32);
    ECDSA_SIG_free(sig);
    CHECK(cose_key_verify(*key, message, der).has_value());
    CHECK_FALSE(cose_key_verify(*key, message, raw).has_value());
    Bytes padded = der;
    padded.push_back(0);  // trailing garbage after the DER sequence
    CHECK_FALSE(cose_key_verify(*key, message, padded).has_value());
  }

  TEST_CASE("PS256 and RS256 signatures are not interchangeable") {
    const auto credential = make_credential(k_cose_alg_rs256);
    const Bytes message{9, 9, 9};
    const auto rs256 = cose_key_decode(credential.public_key_cose);
    const auto ps256 = cose_key_from_public_key(credential.key.get(), k_cose_alg_ps256);
    REQUIRE(ps256.has_value());
    CHECK(cose_key_verify(*rs256, message, sign(credential.key.get(), k_cose_alg_rs256, message)).has_value());
    CHECK_FALSE(cose_key_verify(*ps256, message, sign(credential.key.get(), k_cose_alg_rs256, message)).has_value());
    CHECK_FALSE(cose_key_verify(*rs256, message, sign(credential.key.get(), k_cose_alg_ps256, message)).has_value());
  }

  TEST_CASE("inconsistent or unusable keys are rejected with the offending label named") {
    const auto p256 = make_credential(k_cose_alg_es256);
    const auto key = cose_key_decode(p256.public_key_cose);
    cbor::Reader reader(p256.public_key_cose);
    const auto entries = *reader.read_map();
    const Bytes x = *cbor::Reader(entries[3].value).read_bytes();
    const Bytes y = *cbor::Reader(entries[4].value).read_bytes();
    Bytes off_curve = y;
    off_curve[31] ^= 0x01;

    struct Case {
      const char* name;
      Bytes cose;
      const char* message;
    };
    cbor::Writer compressed;
    compressed.map(5);
    compressed.integer(1), compressed.integer(2), compressed.integer(3), compressed.integer(-7);
    compressed.integer(-1), compressed.integer(1), compressed.integer(-2), compressed.bytes(x);
    compressed.integer(-3), compressed.boolean(true);
    cbor::Writer with_private;
    with_private.map(6);
    with_private.integer(1), with_private.integer(2), with_private.integer(3), with_private.integer(-7);
    with_private.integer(-1), with_private.integer(1), with_private.integer(-2), with_private.bytes(x);
    with_private.integer(-3), with_private.bytes(y), with_private.integer(-4), with_private.bytes(Bytes(32, 1));
    cbor::Writer no_alg;
    no_alg.map(4);
    no_alg.integer(1), no_alg.integer(2), no_alg.integer(-1), no_alg.integer(1);
    no_alg.integer(-2), no_alg.bytes(x), no_alg.integer(-3), no_alg.bytes(y);
    Bytes trailing = p256.public_key_cose;
    trailing.push_back(0x00);

    const Case cases[] = {
        {"alg ES256 with kty RSA", ec2_key(-7, 1, x, y, k_cose_kty_rsa),
         "needs kty 2 (EC2) but the key has kty 3 (RSA)"},
        {"alg ES256 on P-384", ec2_key(-7, 2, x, y), "needs crv 1 (P-256) but the key has crv 2 (P-384)"},
        {"alg ES384 on P-256", ec2_key(-35, 1, x, y), "needs crv 2 (P-384)"},
        {"point off the curve", ec2_key(-7, 1, x, off_curve), "not on P-256"},
        {"short coordinate", ec2_key(-7, 1, ByteView(x).first(31), y), "x is 31 bytes; P-256 coordinates are 32"},
        {"compressed point", compressed.take(), "compressed point"},
        {"private key included", with_private.take(), "private key parameter d"},
        {"alg missing", no_alg.take(), "alg (3) is missing"},
        {"unsupported alg", ec2_key(-47, 1, x, y), "alg -47 is not supported"},
        {"reserved alg 0", ec2_key(0, 1, x, y), "alg 0 is not supported"},
        {"not a map", *hex_decode("8102"), "not a map"},
        {"bytes after the map", trailing, "1 bytes follow the COSE_Key map"},
        {"duplicate label", *hex_decode("a3010201020326"), "the key 1 twice"},
        {"empty input", Bytes{}, "ends where an item should start"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      const auto decoded = cose_key_decode(c.cose);
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error().category == ErrorCategory::rejected);
      CHECK_MESSAGE(mentions(decoded.error(), c.message), decoded.error().message);
      // The verify-only decoder refuses the same keys with the same words.
      const auto verifier = cose_verifier_decode(c.cose);
      REQUIRE_FALSE(verifier.has_value());
      CHECK(verifier.error().category == ErrorCategory::rejected);
      CHECK(verifier.error().message == decoded.error().message);
    }
    CHECK(key.has_value());  // the unmodified key decodes
  }

  TEST_CASE("the verify-only key accepts exactly the signatures the full key accepts, for every algorithm") {
    for (const int alg : k_all_algorithms) {
      CAPTURE(alg);
      const auto credential = make_credential(alg);
      const auto verifier = cose_verifier_decode(credential.public_key_cose);
      REQUIRE(verifier.has_value());
      CHECK(verifier->m_key.alg == alg);
      const Bytes message = random_bytes(100);
      const Bytes signature = sign(credential.key.get(), alg, message);
      CHECK(cose_verifier_verify(*verifier, message, signature).has_value());
      Bytes flipped_signature = signature;
      flipped_signature[flipped_signature.size() / 2] ^= 0x10;
      Bytes flipped_message = message;
      flipped_message[7] ^= 0x01;
      for (const auto& [m, sig] : {std::pair{message, flipped_signature}, std::pair{flipped_message, signature}}) {
        const auto bad = cose_verifier_verify(*verifier, m, sig);
        REQUIRE_FALSE(bad.has_value());
        CHECK(bad.error().category == ErrorCategory::rejected);
      }
      // A signature by another key of the same algorithm does not verify either (the test
      // authenticator reuses one RSA key, so RSA has no other key to try).
      const auto other = make_credential(alg);
      if (other.public_key_cose != credential.public_key_cose) {
        CHECK_FALSE(cose_verifier_verify(*verifier, message, sign(other.key.get(), alg, message)).has_value());
      }
    }
  }

  TEST_CASE("the verify-only key holds ECDSA signatures to strict DER") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto verifier = cose_verifier_decode(credential.public_key_cose);
    REQUIRE(verifier.has_value());
    const Bytes message{4, 5, 6};
    Bytes der = sign(credential.key.get(), k_cose_alg_es256, message);
    CHECK(cose_verifier_verify(*verifier, message, der).has_value());
    der.push_back(0);  // trailing garbage after the DER sequence
    CHECK_FALSE(cose_verifier_verify(*verifier, message, der).has_value());
    CHECK_FALSE(cose_verifier_verify(*verifier, message, Bytes{}).has_value());
  }

  TEST_CASE("RSA keys below 2048 bits and with private parameters are rejected") {
    EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
    REQUIRE(small != nullptr);
    const EvpPkeyPtr owner(small);
    const auto encoded = cose_key_encode_public_key(small, k_cose_alg_rs256);
    REQUIRE(encoded.has_value());
    const auto decoded = cose_key_decode(*encoded);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(mentions(decoded.error(), "1024 bits; at least 2048"));

    cbor::Writer w;
    w.map(5);
    w.integer(1), w.integer(3), w.integer(3), w.integer(-257);
    w.integer(-1), w.bytes(Bytes(256, 0xc5)), w.integer(-2), w.bytes(Bytes{1, 0, 1});
    w.integer(-3), w.bytes(Bytes(256, 0x11));
    CHECK(mentions(cose_key_decode(w.take()).error(), "RSA private key parameter -3"));
  }

  TEST_CASE("RSA keys with an even modulus or an unusable exponent are rejected, the same way every time") {
    // A 2048-bit n of the right shape but made up: only the deterministic checks stand between it
    // and use, and a verdict on it must never change between runs (fuzzing found one that did).
    Bytes odd_n(256, 0xc5);
    Bytes even_n = odd_n;
    even_n.back() = 0xc4;
    const auto rsa_key = [](const Bytes& n, const Bytes& e) {
      cbor::Writer w;
      w.map(4);
      w.integer(1), w.integer(3), w.integer(3), w.integer(-257);
      w.integer(-1), w.bytes(n), w.integer(-2), w.bytes(e);
      return w.take();
    };
    struct Case {
      const char* name;
      Bytes n;
      Bytes e;
      const char* message;
    };
    const Case cases[] = {
        {"even n", even_n, Bytes{1, 0, 1}, "n is even"},
        {"e = 1", odd_n, Bytes{1}, "odd exponent of at least 3"},
        {"even e", odd_n, Bytes{1, 0, 0}, "odd exponent of at least 3"},
        {"e as long as n", odd_n, Bytes(256, 0xc7), "e is not smaller than n"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      for (int run = 0; run < 3; ++run) {
        const auto decoded = cose_key_decode(rsa_key(c.n, c.e));
        REQUIRE_FALSE(decoded.has_value());
        CHECK_MESSAGE(mentions(decoded.error(), c.message), decoded.error().message);
      }
    }
    const auto plausible = rsa_key(odd_n, Bytes{1, 0, 1});
    for (int run = 0; run < 3; ++run) CHECK(cose_key_decode(plausible).has_value());
  }

  TEST_CASE("Ed25519 keys must be 32 bytes on curve 6") {
    cbor::Writer w;
    w.map(4);
    w.integer(1), w.integer(1), w.integer(3), w.integer(-8), w.integer(-1), w.integer(6);
    w.integer(-2), w.bytes(Bytes(31, 1));
    CHECK(mentions(cose_key_decode(w.take()).error(), "x is 31 bytes; Ed25519 public keys are 32"));
    cbor::Writer ed448;
    ed448.map(4);
    ed448.integer(1), ed448.integer(1), ed448.integer(3), ed448.integer(-8), ed448.integer(-1), ed448.integer(7);
    ed448.integer(-2), ed448.bytes(Bytes(57, 1));
    CHECK(mentions(cose_key_decode(ed448.take()).error(), "needs crv 6 (Ed25519) but the key has crv 7"));
  }

  TEST_CASE("encoding a key refuses an algorithm that does not fit it") {
    const auto ec = make_credential(k_cose_alg_es256);
    CHECK(cose_key_encode_public_key(ec.key.get(), k_cose_alg_es384).error().category == ErrorCategory::usage);
    CHECK_FALSE(cose_key_encode_public_key(ec.key.get(), k_cose_alg_rs256).has_value());
    CHECK_FALSE(cose_key_encode_public_key(ec.key.get(), -47).has_value());
    CHECK(signature_verify(ec.key.get(), k_cose_alg_eddsa, Bytes{}, Bytes{1}).error().category == ErrorCategory::usage);
  }

  TEST_CASE("the canonical ES256 encoding matches what authenticators emit byte for byte") {
    const auto example = load_vector("libfido2_cred_es256_packed.json");
    const Bytes xy = hex(example["publicKeyXY"]);
    const Bytes cose = ec2_key(k_cose_alg_es256, k_cose_crv_p256, ByteView(xy).first(32), ByteView(xy).subspan(32));
    // libfido2's authdata embeds the same key starting right after the 64-byte credential ID.
    const Bytes auth_data = *cbor::decode_byte_string(hex(example["authenticatorDataCbor"]));
    CHECK(Bytes(auth_data.end() - static_cast<std::ptrdiff_t>(cose.size()), auth_data.end()) == cose);
    const auto key = cose_key_decode(cose);
    REQUIRE(key.has_value());
    CHECK(cose_key_encode(*key) == cose);
  }

  TEST_CASE("a moved-from key cannot be used and says so") {
    auto key = cose_key_decode(make_credential(k_cose_alg_eddsa).public_key_cose);
    REQUIRE(key.has_value());
    CoseKey moved = std::move(*key);
    CHECK(moved.key != nullptr);
    CHECK(cose_key_spki_der(*key).error().category == ErrorCategory::usage);  // NOLINT(bugprone-use-after-move)
    CHECK(cose_key_verify(*key, Bytes{}, Bytes{1}).error().category == ErrorCategory::usage);
  }
  TEST_CASE("RS1 (legacy TPM attestation) decodes and verifies RSASSA-PKCS1-v1_5 with SHA-1 only") {
    const EvpPkeyPtr rsa = generate_key(k_cose_alg_rs256);
    const auto cose = cose_key_encode_public_key(rsa.get(), k_cose_alg_rs1);
    REQUIRE(cose.has_value());
    const auto key = cose_key_decode(*cose);
    REQUIRE(key.has_value());
    CHECK(key->alg == k_cose_alg_rs1);
    CHECK(key->kty == k_cose_kty_rsa);
    CHECK(cose_algorithm_name(k_cose_alg_rs1) == "RS1");

    const Bytes message{'t', 'p', 'm', 's', '_', 'a', 't', 't', 'e', 's', 't'};
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    REQUIRE(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha1(), nullptr, rsa.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1);
    std::size_t length = 0;
    REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) == 1);
    Bytes sha1_signature(length);
    REQUIRE(EVP_DigestSign(ctx.get(), sha1_signature.data(), &length, message.data(), message.size()) == 1);

    CHECK(cose_key_verify(*key, message, sha1_signature).has_value());
    CHECK(signature_verify(rsa.get(), k_cose_alg_rs1, message, sha1_signature).has_value());
    // The same key under RS256 does not accept the SHA-1 signature, nor RS1 a SHA-256 one.
    CHECK_FALSE(signature_verify(rsa.get(), k_cose_alg_rs256, message, sha1_signature).has_value());
    CHECK_FALSE(cose_key_verify(*key, message, sign(rsa.get(), k_cose_alg_rs256, message)).has_value());
    Bytes flipped = sha1_signature;
    flipped[7] ^= 0x01;
    CHECK(cose_key_verify(*key, message, flipped).error().category == ErrorCategory::rejected);
  }
}
