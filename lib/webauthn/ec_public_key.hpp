// EC public keys on OpenSSL's EC_KEY interface, for the verification hot path.
//
// OpenSSL 3's provider interface (EVP_PKEY_fromdata, EVP_DigestVerifyInit) builds a new curve group
// with its Montgomery constants for every key and fetches the algorithm for every signature; for
// a key used once, as in assertion verification, that costs about a third of an ECDSA P-256 verify.
// Here each curve's group is made once per process, a key is only its validated point, and a
// signature is checked with ECDSA_verify, the routine the provider path ends in, on an EC_KEY that
// each thread keeps per curve and points at the key: making an EC_KEY and an EVP_PKEY for every
// key would take OpenSSL's global ENGINE lock several times per verification. No legacy object
// leaves this file (OpenSSL 3's parameter getters do not answer for them).
#pragma once

#include <openssl/evp.h>
#include <openssl/ec.h>

#include <memory>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn {

struct EcPointFree {
  void operator()(EC_POINT* point) const noexcept;
};

// A validated public point on one of the supported curves.
struct EcPublicKey {
  int curve_nid = 0;
  std::unique_ptr<EC_POINT, EcPointFree> point;
};

// Reads an uncompressed SEC1 point (0x04 || x || y) on the curve with OpenSSL NID `curve_nid`
// (P-256, P-384 or P-521). The point must lie on the curve and not be the point at infinity (on
// these cofactor-1 curves that is the whole public key validation).
// Errors: rejected (not a point on the curve), usage (unsupported curve).
Result<EcPublicKey> ec_public_key_from_point(int curve_nid, ByteView point);

// Verifies an ASN.1 DER ECDSA signature (strict DER, nothing after it) over `message`, hashed with
// `digest`. Returns false for any failure.
bool ec_public_key_verify(const EcPublicKey& key, const EVP_MD* digest, ByteView message, ByteView signature);

}  // namespace acctsec::webauthn
