// X.509 certificates as attestation uses them (WebAuthn Level 3 §8): parsing DER, reading the
// fields the attestation formats check, and building a path to a trust anchor with OpenSSL at a
// chosen verification time (real attestation certificates expire).
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/cose_key.hpp"

namespace acctsec::webauthn {

struct X509Free {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Parses exactly one DER certificate (no trailing bytes). Errors: rejected, naming `what`.
Result<X509Ptr> certificate_parse_der(ByteView der, std::string_view what = "certificate");

// Parses a statement's x5c array, naming each failure "{what}[i]" (e.g. "x5c[1]"). Errors: rejected
// (an empty array, or a certificate that does not parse).
Result<std::vector<X509Ptr>> certificate_chain_parse_der(const std::vector<Bytes>& ders, std::string_view what = "x5c");

// Parses every certificate in PEM text (at least one). Errors: rejected.
Result<std::vector<X509Ptr>> certificates_parse_pem(std::string_view pem);

// Returns the certificate's DER encoding.
Bytes certificate_der(X509* cert);

// Another owner of the same certificate (reference counted, not copied): anchors are shared by
// the flags, every batch line and the metadata.
X509Ptr certificate_share(X509* cert);

// The subject as an RFC 2253 string ("CN=...,O=...,C=..."), for messages and verdicts.
std::string certificate_subject(X509* cert);

// The value of the first subject attribute with this OID in dotted form ("2.5.4.3" = CN), if any.
std::optional<std::string> certificate_subject_attribute(X509* cert, std::string_view oid);

// The certificate's X.509 version as written in the certificate: 3 for v3.
int certificate_version(X509* cert);

// True when basicConstraints is present with cA TRUE.
bool certificate_is_ca(X509* cert);

// The DER content (the OCTET STRING's contents, i.e. extnValue without its tag and length) of
// the extension with this dotted OID, or nullopt when absent; `critical` tells whether it was marked
// critical.
struct CertificateExtension {
  Bytes value;
  bool critical = false;
};
std::optional<CertificateExtension> certificate_extension(X509* cert, std::string_view oid);

// The subject public key, owned by the returned pointer.
EvpPkeyPtr certificate_public_key(X509* cert);

// How far the attestation chain was trusted.
enum class TrustStatus {
  trusted,     // a path to one of the trust anchors verified at the verification time
  unverified,  // no anchor applies (none configured / none for this AAGUID); signatures still checked
  untrusted,   // a path was attempted and failed: expired, wrong anchor, bad signature, ...
  none,        // nothing to trust: "none" or self attestation
};
std::string_view trust_status_name(TrustStatus status);  // "trusted", "unverified", "untrusted", "none"

struct TrustResult {
  TrustStatus status = TrustStatus::none;
  std::vector<std::string> path;  // subjects, attestation certificate first, anchor last
  std::string reason;             // why the path failed (OpenSSL's words), when untrusted
};

// Builds and verifies a path from `chain[0]` (the attestation certificate) through the rest of
// `chain` to one of `anchors`, with OpenSSL's X509_verify_cert at `at` (now when unset). With no
// anchors the chain's own signatures are still checked link by link (each certificate signed by
// the next) and the status is unverified, or untrusted when a link fails. An anchor may itself be
// an intermediate (partial chains are allowed), as FIDO metadata often lists them.
TrustResult certificate_chain_verify(const std::vector<X509Ptr>& chain, const std::vector<X509Ptr>& anchors,
                                     std::optional<std::chrono::system_clock::time_point> at);

}  // namespace acctsec::webauthn
