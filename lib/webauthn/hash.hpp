// Digests used by WebAuthn: SHA-256 of the RP ID and of clientDataJSON.
#pragma once

#include "core/bytes.hpp"

namespace acctsec::webauthn {

// Returns the 32-byte SHA-256 digest of `data`. Cannot fail (aborts if OpenSSL cannot hash).
Bytes sha256(ByteView data);

}  // namespace acctsec::webauthn
