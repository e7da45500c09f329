// The attestation object (WebAuthn Level 3 §6.5.4) and the "packed" attestation statement (§8.2).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn {

struct AttestationObject {
  std::string fmt;      // attestation statement format identifier: "packed", "none", ...
  Bytes att_stmt_cbor;  // the attStmt value, exactly as encoded (one CBOR map)
  Bytes auth_data;      // the authenticator data, raw
};

// Encodes {"fmt": fmt, "attStmt": <att_stmt_cbor>, "authData": auth_data} in CTAP2 canonical key
// order (shorter text keys first: "fmt", "attStmt", "authData"). `att_stmt_cbor` is copied
// verbatim, so it must already be one encoded CBOR map (an empty statement is {0xa0}).
// Returns the encoded attestation object.
Bytes attestation_object_encode(std::string_view fmt, ByteView att_stmt_cbor, ByteView auth_data);

// Decodes an attestation object strictly: exactly one CBOR map with exactly the keys "fmt" (a
// non-empty text string), "attStmt" (a map) and "authData" (a byte string), no other or duplicate
// keys, nothing after the map. The authenticator data is returned raw; parse it with
// authenticator_data_parse. Errors: rejected, naming what is malformed.
Result<AttestationObject> attestation_object_decode(ByteView encoded);

// The "packed" attestation statement: {alg, sig, x5c?}. Without x5c it is self attestation (signed
// by the credential key); with it, x5c[0] is the attestation certificate and the rest its chain.
struct PackedStatement {
  int alg = 0;             // COSE algorithm of `sig`
  Bytes sig;               // signature over authData || SHA-256(clientDataJSON)
  std::vector<Bytes> x5c;  // DER certificates, attestation certificate first; empty for self
};

// Decodes a packed attStmt map: "alg" an integer, "sig" a non-empty byte string, optional "x5c" a
// non-empty array of non-empty byte strings; no other keys ("ecdaaKeyId" is no longer part of
// WebAuthn). Errors: rejected, naming the field.
Result<PackedStatement> packed_statement_decode(ByteView att_stmt_cbor);

// Encodes a packed attStmt in canonical key order ("alg", "sig", "x5c"); x5c is left out when
// empty. Returns the encoded map.
Bytes packed_statement_encode(const PackedStatement& statement);

// The statement of the "none" format: an empty map.
Bytes none_statement_encode();

}  // namespace acctsec::webauthn
