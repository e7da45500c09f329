// Issuing X.509 v3 certificates with OpenSSL: the virtual key's attestation CA and certificate, and
// the local CA and TLS certificate of `acctsec serve --dev`.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec {

struct X509Free {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};
using X509Owned = std::unique_ptr<X509, X509Free>;

// An extension given by its DER value under a dotted OID (for what OpenSSL has no config syntax for).
struct RawExtension {
  std::string oid;
  Bytes value_der;
  bool critical = false;
};

struct CertificateProfile {
  std::vector<std::pair<std::string, std::string>> subject;  // RDNs in order: {"C", "ZZ"}, {"CN", ...}
  std::chrono::hours validity{24 * 365};
  // Extensions in OpenSSL's config syntax by NID, e.g. {NID_basic_constraints, "critical,CA:TRUE"}.
  std::vector<std::pair<int, std::string>> extensions;
  std::vector<RawExtension> raw_extensions;
};

// Issues a certificate for `subject_key` signed with SHA-256 by `issuer_key`; `issuer` is the
// issuing certificate, or nullptr for a self-signed one (then `issuer_key` is the subject's own).
// The serial is 127 random bits (RFC 5280 §4.1.2.2); validity starts a day early so that a peer
// with a slow clock accepts a fresh certificate. Errors: internal (OpenSSL refused a step, named).
Result<X509Owned> certificate_issue(const CertificateProfile& profile, EVP_PKEY& subject_key, X509* issuer,
                                    EVP_PKEY& issuer_key);

Result<Bytes> certificate_der(X509& cert);
Result<std::string> certificate_pem(X509& cert);

}  // namespace acctsec
