#include "fido/virtual/attestation.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/openssl_handle.hpp"
#include "core/x509_issue.hpp"

namespace acctsec::fido::soft {
namespace {

using X509Ptr = OpenSslPtr<X509, X509_free>;
using OctetPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;

// id-fido-gen-ce-aaguid: the AAGUID as an OCTET STRING inside the extension value.
constexpr const char* k_oid_fido_aaguid = "1.3.6.1.4.1.45724.1.1.4";
constexpr std::chrono::hours k_validity{20 * 365 * 24};

template <typename T>
T require(Result<T> result) {
  if (!result) throw CryptoFailure(result.error().message);
  return std::move(*result);
}

std::vector<std::pair<std::string, std::string>> subject(const char* organizational_unit, const char* common_name) {
  // "ZZ" is the user-assigned "unknown country" code: a virtual key comes from nowhere.
  return {{"C", "ZZ"}, {"O", std::string(k_attestation_organization)}, {"OU", organizational_unit}, {"CN", common_name}};
}

Bytes aaguid_extension_value(ByteView aaguid) {
  OctetPtr inner(ASN1_OCTET_STRING_new());
  if (!inner || ASN1_OCTET_STRING_set(inner.get(), aaguid.data(), static_cast<int>(aaguid.size())) != 1)
    throw CryptoFailure("OpenSSL: ASN1_OCTET_STRING_set");
  unsigned char* der = nullptr;
  const int der_len = i2d_ASN1_OCTET_STRING(inner.get(), &der);
  if (der_len <= 0) throw CryptoFailure("OpenSSL: i2d_ASN1_OCTET_STRING");
  Bytes out(der, der + der_len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

AttestationIdentity attestation_identity_create(ByteView aaguid) {
  EvpPkey ca_key = key_generate(CoseAlg::es256);
  CertificateProfile ca_profile{
      .subject = subject("Authenticator Attestation CA", "acctsec virtual key attestation root"),
      .validity = k_validity,
      .extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                     {NID_key_usage, "critical,keyCertSign,cRLSign"},
                     {NID_subject_key_identifier, "hash"}},
      .raw_extensions = {}};
  X509Owned ca = require(certificate_issue(ca_profile, *ca_key, nullptr, *ca_key));

  // The profile FIDO requires of a packed attestation certificate: v3, subject C/O/OU/CN with
  // OU "Authenticator Attestation", basic constraints CA:FALSE, and the AAGUID extension.
  EvpPkey key = key_generate(CoseAlg::es256);
  CertificateProfile profile{
      .subject = subject("Authenticator Attestation", "acctsec virtual key attestation"),
      .validity = k_validity,
      .extensions = {{NID_basic_constraints, "critical,CA:FALSE"}, {NID_authority_key_identifier, "keyid:always"}},
      .raw_extensions = {{.oid = k_oid_fido_aaguid, .value_der = aaguid_extension_value(aaguid), .critical = false}}};
  X509Owned cert = require(certificate_issue(profile, *key, ca.get(), *ca_key));

  return AttestationIdentity{require(certificate_pem(*ca)), require(certificate_der(*cert)), std::move(key)};
}

Bytes certificate_pem_to_der(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return {};
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return {};
  auto der = certificate_der(*cert);
  return der ? std::move(*der) : Bytes{};
}

}  // namespace acctsec::fido::soft
