#include "fido/virtual/attestation.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace acctsec::fido::soft {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

// id-fido-gen-ce-aaguid: the AAGUID as an OCTET STRING inside the extension value.
constexpr const char* k_oid_fido_aaguid = "1.3.6.1.4.1.45724.1.1.4";
constexpr long k_validity_days = 20L * 365;

void require(bool ok, const char* what) {
  if (!ok) throw CryptoFailure(std::string("OpenSSL: ") + what);
}

X509NamePtr make_name(const char* organizational_unit, const char* common_name) {
  X509NamePtr name(X509_NAME_new());
  require(name != nullptr, "X509_NAME_new");
  auto add = [&](const char* field, const char* value) {
    require(X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value),
                                       -1, -1, 0) == 1,
            "X509_NAME_add_entry_by_txt");
  };
  // "ZZ" is the user-assigned "unknown country" code: a virtual key comes from nowhere.
  add("C", "ZZ");
  add("O", std::string(k_attestation_organization).c_str());
  add("OU", organizational_unit);
  add("CN", common_name);
  return name;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  require(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void add_aaguid_extension(X509* cert, ByteView aaguid) {
  OctetPtr inner(ASN1_OCTET_STRING_new());
  require(inner != nullptr && ASN1_OCTET_STRING_set(inner.get(), aaguid.data(), static_cast<int>(aaguid.size())) == 1,
          "ASN1_OCTET_STRING_set");
  unsigned char* der = nullptr;
  const int der_len = i2d_ASN1_OCTET_STRING(inner.get(), &der);
  require(der_len > 0, "i2d_ASN1_OCTET_STRING");
  OctetPtr value(ASN1_OCTET_STRING_new());
  const bool set = value != nullptr && ASN1_OCTET_STRING_set(value.get(), der, der_len) == 1;
  OPENSSL_free(der);
  require(set, "ASN1_OCTET_STRING_set");
  ObjectPtr oid(OBJ_txt2obj(k_oid_fido_aaguid, 1));
  require(oid != nullptr, "OBJ_txt2obj");
  X509ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get()));
  require(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext(aaguid)");
}

X509Ptr make_certificate(const X509_NAME& subject, const X509_NAME& issuer_name, EVP_PKEY& subject_key) {
  X509Ptr cert(X509_new());
  require(cert != nullptr, "X509_new");
  require(X509_set_version(cert.get(), 2) == 1, "X509_set_version");  // 2 means v3
  // A random positive 127-bit serial, as RFC 5280 recommends for unpredictability.
  Bytes serial_bytes = random_bytes(16);
  serial_bytes[0] &= 0x7f;
  BignumPtr serial(BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), nullptr));
  require(serial != nullptr && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
          "serial");
  // Start a day early so that verifiers with a slow clock accept a fresh key.
  require(
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600) != nullptr &&
          X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(k_validity_days), 0, nullptr) != nullptr,
      "validity");
  require(X509_set_subject_name(cert.get(), &subject) == 1 && X509_set_issuer_name(cert.get(), &issuer_name) == 1,
          "names");
  require(X509_set_pubkey(cert.get(), &subject_key) == 1, "X509_set_pubkey");
  return cert;
}

Bytes to_der(X509& cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(&cert, &der);
  require(len > 0, "i2d_X509");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string to_pem(X509& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  require(bio != nullptr && PEM_write_bio_X509(bio.get(), &cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  require(len > 0, "BIO_get_mem_data");
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

AttestationIdentity attestation_identity_create(ByteView aaguid) {
  EvpPkey ca_key = key_generate(CoseAlg::es256);
  X509NamePtr ca_name = make_name("Authenticator Attestation CA", "acctsec virtual key attestation root");
  X509Ptr ca = make_certificate(*ca_name, *ca_name, *ca_key);
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  require(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "X509_sign(ca)");

  // The profile FIDO requires of a packed attestation certificate: v3, subject C/O/OU/CN with
  // OU "Authenticator Attestation", basic constraints CA:FALSE, and the AAGUID extension.
  EvpPkey key = key_generate(CoseAlg::es256);
  X509NamePtr name = make_name("Authenticator Attestation", "acctsec virtual key attestation");
  X509Ptr cert = make_certificate(*name, *ca_name, *key);
  add_extension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  add_aaguid_extension(cert.get(), aaguid);
  require(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "X509_sign(attestation)");

  return AttestationIdentity{to_pem(*ca), to_der(*cert), std::move(key)};
}

Bytes certificate_pem_to_der(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return {};
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return {};
  return to_der(*cert);
}

}  // namespace acctsec::fido::soft
