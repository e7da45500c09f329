// cose_key_decode on arbitrary bytes; a key that decodes must re-encode canonically to a key that
// decodes to the same algorithm and public key, stably, and be usable the way callers use it. The
// verify-only decoder (cose_verifier_decode) must accept and refuse exactly the same inputs.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "webauthn/cose_key.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto key = cose_key_decode(ByteView(data, size));
  auto verifier = cose_verifier_decode(ByteView(data, size));
  fuzz::require(key.has_value() == verifier.has_value(), "both COSE decoders agree on whether a key is usable");
  if (!key) {
    fuzz::require(key.error().message == verifier.error().message, "both COSE decoders refuse a key in the same words");
    return 0;
  }
  fuzz::require(key->key != nullptr, "a decoded COSE key holds a public key");

  auto encoded = cose_key_encode(*key);
  fuzz::require(encoded.has_value(), "a decoded COSE key re-encodes");
  auto again = cose_key_decode(*encoded);
  fuzz::require(again.has_value(), "a re-encoded COSE key decodes");
  fuzz::require(again->alg == key->alg && again->kty == key->kty && again->crv == key->crv,
                "a COSE key keeps alg, kty and crv through encode and decode");
  fuzz::require(EVP_PKEY_eq(again->key.get(), key->key.get()) == 1,
                "a COSE key keeps its public key through encode and decode");
  auto encoded_again = cose_key_encode(*again);
  fuzz::require(encoded_again && *encoded_again == *encoded, "the canonical COSE encoding is stable");

  fuzz::require(cose_key_spki_der(*key).has_value(), "a decoded COSE key has a SubjectPublicKeyInfo");
  // What the assertion check does next: verify a signature. This one is junk and must not verify.
  const Bytes message{'f', 'u', 'z', 'z'};
  const Bytes signature{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  fuzz::require(!cose_key_verify(*key, message, signature).has_value(), "a junk signature does not verify");
  fuzz::require(!cose_verifier_verify(*verifier, message, signature).has_value(),
                "a junk signature does not verify with the verify-only key");
  return 0;
}
