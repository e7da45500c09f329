// JSON Web Signatures in compact serialization (RFC 7515) as attestation uses them: SafetyNet
// responses (WebAuthn Level 3 §8.5) and FIDO MDS3 BLOBs. Asymmetric algorithms only, signer given by
// the "x5c" header; no JWE, no JSON serialization, no "crit" extensions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/cose_key.hpp"

namespace acctsec::webauthn {

// One compact JWS, split and decoded but not yet verified.
struct Jws {
  nlohmann::json header;      // the protected header, a JSON object
  std::string algorithm;      // header "alg": ES256, ES384, ES512, RS256 or PS256
  Bytes payload;              // the decoded payload bytes (JSON for SafetyNet and MDS)
  std::vector<Bytes> x5c;     // header "x5c" as DER certificates, signer first; empty when absent
  std::string signing_input;  // ASCII(BASE64URL(header) "." BASE64URL(payload)), what the signature covers
  Bytes signature;            // as sent: raw r||s for ES*, the RSA signature for RS256/PS256
};

// Returns "ES256, ES384, ES512, RS256 and PS256", for messages.
std::string_view jws_supported_algorithms();

// Splits a compact JWS (surrounding ASCII whitespace ignored) into its three base64url segments
// (no padding, RFC 7515 §2) and decodes them. The header must be a JSON object without duplicate
// member names, with a supported "alg" (alg "none" and HMAC are refused by name), without "crit",
// and with "x5c", when present, a non-empty array of standard base64 DER strings (RFC 7515 §4.1.6).
// Certificates are not parsed here. Errors: rejected, naming the part that is malformed.
Result<Jws> jws_parse(std::string_view compact);

// Verifies the signature over `signing_input` with `key` by the header's alg. ES* signatures must be
// exactly 2 × the curve's coordinate size and the key must be on the alg's curve (RFC 7518 §3.4);
// RS256/PS256 keys must have at least 2048 bits (RFC 7518 §3.3). Errors: rejected (bad signature,
// key does not fit the alg).
Result<void> jws_verify(const Jws& jws, EVP_PKEY* key);

// A JWS whose signature verified with its own x5c[0].
struct VerifiedJws {
  Jws jws;
  std::vector<X509Ptr> chain;  // the x5c certificates, parsed, signer first
};

// jws_parse, then requires x5c, parses every certificate and verifies the signature with x5c[0]'s
// public key. Trust in the chain is not decided here (see certificate_chain_verify).
// Errors: rejected, naming the failed step.
Result<VerifiedJws> jws_verify_x5c(std::string_view compact);

// Signs `payload` under `header` (which must hold a supported "alg"; "x5c" etc. are copied as
// given) with a private key and returns the compact JWS. For tests and fixtures.
// Errors: usage (unsupported alg, key does not fit the alg), internal (OpenSSL failed).
Result<std::string> jws_sign(const nlohmann::json& header, ByteView payload, EVP_PKEY* private_key);

}  // namespace acctsec::webauthn
