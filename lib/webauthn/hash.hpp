// Digests used by WebAuthn: SHA-256 of the RP ID and of clientDataJSON.
#pragma once

#include <openssl/evp.h>

#include "core/bytes.hpp"

namespace acctsec::webauthn {

// Returns the 32-byte SHA-256 digest of `data`. Cannot fail (aborts if OpenSSL cannot hash).
Bytes sha256(ByteView data);

// Hashes `data` with `md` into `out` (at least EVP_MAX_MD_SIZE bytes) and returns the digest's
// length. Each thread keeps one initialised context per digest and copies it for every message:
// initialising a context asks OpenSSL's ENGINE table under a global write lock, which the batch
// verifier's threads would otherwise take in turn several times per line. Cannot fail (aborts).
std::size_t digest_into(const EVP_MD* md, ByteView data, unsigned char* out);

// SHA-256, SHA-384 and SHA-512 fetched once per process (an implicit fetch per use costs more
// than hashing a short message). Never null.
const EVP_MD* digest_sha256();
const EVP_MD* digest_sha384();
const EVP_MD* digest_sha512();

}  // namespace acctsec::webauthn
