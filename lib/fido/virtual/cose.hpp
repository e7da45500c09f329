// COSE_Key encodings (RFC 9053) in the exact shapes libfido2 parses: credential public keys for
// ES256 and EdDSA, and the ECDH-ES+HKDF-256 key-agreement keys of the PIN/UV auth protocols.
#pragma once

#include <openssl/evp.h>

#include "fido/virtual/cbor.hpp"
#include "fido/virtual/crypto.hpp"

namespace acctsec::fido::soft {

// {1: kty, 3: alg, -1: crv, -2: x[, -3: y]}. libfido2 rejects a key without alg (P1, §4.3).
cbor::Item cose_credential_public_key(const EVP_PKEY& key, CoseAlg alg);
// {1: 2 (EC2), 3: -25 (ECDH-ES+HKDF-256), -1: 1 (P-256), -2: x, -3: y}.
cbor::Item cose_key_agreement_public_key(const EVP_PKEY& key);
// Reads a platform's key-agreement COSE_Key. Null when it is not a P-256 point on the curve.
EvpPkey cose_key_agreement_peer(const cbor_item_t& cose_key);

}  // namespace acctsec::fido::soft
