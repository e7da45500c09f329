// EC public keys on OpenSSL's EC_KEY interface, for the verification hot path.
//
// OpenSSL 3's provider interface (EVP_PKEY_fromdata, EVP_DigestVerifyInit) builds a new curve group
// with its Montgomery constants for every key and fetches the algorithm for every signature; for
// a key used once, as in assertion verification, that costs about a third of an ECDSA P-256 verify.
// Here each curve's group is made once per process and copied into each key, and signatures are
// checked with ECDSA_verify, the routine the provider path ends in. The keys are legacy-backed
// EVP_PKEYs: OpenSSL 3's parameter getters do not answer for them, so they are for
// ec_public_key_verify only (cose_key.hpp keeps them inside CoseVerifier).
#pragma once

#include <openssl/evp.h>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/cose_key.hpp"

namespace acctsec::webauthn {

// Builds a public key from an uncompressed SEC1 point (0x04 || x || y) on the curve with OpenSSL
// NID `curve_nid` (P-256, P-384 or P-521). The point must lie on the curve and not be the point at
// infinity (on these cofactor-1 curves that is the whole public key validation).
// Errors: rejected (not a point on the curve), usage (unsupported curve).
Result<EvpPkeyPtr> ec_public_key_from_point(int curve_nid, ByteView point);

// Verifies an ASN.1 DER ECDSA signature (strict DER, nothing after it) over `message`, hashed with
// `digest`, with a key from ec_public_key_from_point. Returns false for any failure.
bool ec_public_key_verify(EVP_PKEY* key, const EVP_MD* digest, ByteView message, ByteView signature);

}  // namespace acctsec::webauthn
