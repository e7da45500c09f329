#include "core/x509_issue.hpp"
#include "core/openssl_handle.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace acctsec {
namespace {

using NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using OctetPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using ObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;

std::unexpected<Error> openssl_failed(const char* step) {
  ERR_clear_error();
  return fail(ErrorCategory::internal, std::string("OpenSSL could not issue the certificate (") + step + ")");
}

}  // namespace

Result<X509Owned> certificate_issue(const CertificateProfile& profile, EVP_PKEY& subject_key, X509* issuer,
                                    EVP_PKEY& issuer_key) {
  X509Owned cert(X509_new());
  NamePtr name(X509_NAME_new());
  if (!cert || !name || X509_set_version(cert.get(), 2) != 1) return openssl_failed("X509_new");  // 2 means v3
  for (const auto& [field, value] : profile.subject) {
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) != 1)
      return openssl_failed("subject");
  }
  Bytes serial_bytes = random_bytes(16);
  serial_bytes[0] &= 0x7f;
  BignumPtr serial(BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) return openssl_failed("serial");
  const long validity = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(profile.validity).count());
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity))
    return openssl_failed("validity");
  if (X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name.get()) != 1)
    return openssl_failed("names");
  if (X509_set_pubkey(cert.get(), &subject_key) != 1) return openssl_failed("X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : profile.extensions) {
    ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!extension || X509_add_ext(cert.get(), extension.get(), -1) != 1) return openssl_failed(OBJ_nid2sn(nid));
  }
  for (const auto& raw : profile.raw_extensions) {
    ObjectPtr oid(OBJ_txt2obj(raw.oid.c_str(), 1));
    OctetPtr value(ASN1_OCTET_STRING_new());
    if (!oid || !value ||
        ASN1_OCTET_STRING_set(value.get(), raw.value_der.data(), static_cast<int>(raw.value_der.size())) != 1)
      return openssl_failed(raw.oid.c_str());
    ExtensionPtr extension(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), raw.critical ? 1 : 0, value.get()));
    if (!extension || X509_add_ext(cert.get(), extension.get(), -1) != 1) return openssl_failed(raw.oid.c_str());
  }
  if (X509_sign(cert.get(), &issuer_key, EVP_sha256()) <= 0) return openssl_failed("X509_sign");
  return cert;
}

Result<Bytes> certificate_der(X509& cert) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(&cert, &der);
  if (length <= 0) return openssl_failed("i2d_X509");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

Result<std::string> certificate_pem(X509& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), &cert) != 1) return openssl_failed("PEM_write_bio_X509");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  if (length <= 0) return openssl_failed("BIO_get_mem_data");
  return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace acctsec
