// Registration through libfido2: attestation formats, algorithms, discoverable credentials and
// exclude lists.
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>

#include "virtual_support.hpp"

using namespace acctsec;
using namespace acctsec::test;

namespace {

fido::VirtualCreateOptions with_attestation(fido::VirtualAttestation mode) {
  fido::VirtualCreateOptions options;
  options.attestation = mode;
  return options;
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr from_der(const unsigned char* der, std::size_t len) {
  return X509Ptr(d2i_X509(nullptr, &der, static_cast<long>(len)));
}

X509Ptr from_pem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

std::string name_entry(const X509_NAME* name, int nid) {
  char buffer[256] = {};
  X509_NAME_get_text_by_NID(name, nid, buffer, sizeof buffer);
  return buffer;
}

}  // namespace

TEST_SUITE("fido::virtual::make_credential") {
  TEST_CASE("packed attestation carries an x5c chain that fido_cred_verify accepts") {
    VirtualKey key(with_attestation(fido::VirtualAttestation::packed));
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    CHECK(std::string(fido_cred_fmt(cred.p)) == "packed");
    REQUIRE(fido_cred_x5c_len(cred.p) > 0);
    CHECK(fido_cred_verify(cred.p) == FIDO_OK);
    CHECK(cred.pubkey().size() == 64);
    CHECK(cred.id().size() == 62);  // the wrapped key, nothing stored
    CHECK(key.describe().discoverable_credentials == 0);
  }

  TEST_CASE("the attestation certificate follows the packed profile and chains to the key's own CA") {
    VirtualKey key(with_attestation(fido::VirtualAttestation::packed));
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    X509Ptr cert = from_der(fido_cred_x5c_ptr(cred.p), fido_cred_x5c_len(cred.p));
    REQUIRE(cert);
    CHECK(X509_get_version(cert.get()) == 2);  // v3
    const X509_NAME* subject = X509_get_subject_name(cert.get());
    CHECK(name_entry(subject, NID_countryName).size() == 2);
    CHECK(name_entry(subject, NID_organizationName).find("virtual") != std::string::npos);
    CHECK(name_entry(subject, NID_organizationalUnitName) == "Authenticator Attestation");
    CHECK(name_entry(subject, NID_commonName).find("virtual") != std::string::npos);
    CHECK(X509_check_ca(cert.get()) == 0);

    // id-fido-gen-ce-aaguid holds the AAGUID as an OCTET STRING.
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
    const int index = X509_get_ext_by_OBJ(cert.get(), oid, -1);
    ASN1_OBJECT_free(oid);
    REQUIRE(index >= 0);
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert.get(), index));
    const unsigned char* p = ASN1_STRING_get0_data(value);
    ASN1_OCTET_STRING* inner = d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(value));
    REQUIRE(inner != nullptr);
    CHECK(Bytes(ASN1_STRING_get0_data(inner), ASN1_STRING_get0_data(inner) + ASN1_STRING_length(inner)) ==
          fido::k_virtual_aaguid);
    ASN1_OCTET_STRING_free(inner);

    X509Ptr ca = from_pem(key.describe().attestation_ca_pem);
    REQUIRE(ca);
    EVP_PKEY* ca_key = X509_get0_pubkey(ca.get());
    CHECK(X509_verify(cert.get(), ca_key) == 1);
    CHECK(X509_check_issued(ca.get(), cert.get()) == X509_V_OK);

    // Another virtual key has another CA: attestation roots are per key.
    VirtualKey other(with_attestation(fido::VirtualAttestation::packed));
    X509Ptr other_ca = from_pem(other.describe().attestation_ca_pem);
    CHECK(X509_verify(cert.get(), X509_get0_pubkey(other_ca.get())) != 1);
  }

  TEST_CASE("self attestation verifies with fido_cred_verify_self and has no x5c") {
    VirtualKey key(with_attestation(fido::VirtualAttestation::self));
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    CHECK(std::string(fido_cred_fmt(cred.p)) == "packed");
    CHECK(fido_cred_x5c_len(cred.p) == 0);
    CHECK(fido_cred_verify_self(cred.p) == FIDO_OK);
  }

  TEST_CASE("none attestation gives a credential that neither verifier accepts") {
    VirtualKey key(with_attestation(fido::VirtualAttestation::none));
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    CHECK(std::string(fido_cred_fmt(cred.p)) == "none");
    CHECK(cred.pubkey().size() == 64);
    CHECK(fido_cred_verify(cred.p) == FIDO_ERR_INVALID_ARGUMENT);
    CHECK(fido_cred_verify_self(cred.p) == FIDO_ERR_INVALID_ARGUMENT);
  }

  TEST_CASE("EdDSA credentials verify with packed and self attestation and sign assertions") {
    for (const auto mode : {fido::VirtualAttestation::packed, fido::VirtualAttestation::self}) {
      CAPTURE(fido::virtual_attestation_name(mode));
      VirtualKey key(with_attestation(mode));
      Device dev(key.file);
      Cred cred;
      REQUIRE(make_cred(dev.get(), cred, {.type = COSE_EDDSA}) == FIDO_OK);
      CHECK(fido_cred_type(cred.p) == COSE_EDDSA);
      CHECK(cred.pubkey().size() == 32);
      CHECK((mode == fido::VirtualAttestation::packed ? fido_cred_verify(cred.p) : fido_cred_verify_self(cred.p)) ==
            FIDO_OK);
      Assert assertion;
      REQUIRE(get_assert(dev.get(), assertion, {.allow = {cred.id()}}) == FIDO_OK);
      CHECK(verify_assert(assertion, 0, COSE_EDDSA, cred.pubkey()) == FIDO_OK);
    }
  }

  TEST_CASE("an algorithm the key does not support is refused") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    CHECK(make_cred(dev.get(), cred, {.type = COSE_RS256}) == FIDO_ERR_UNSUPPORTED_ALGORITHM);
  }

  TEST_CASE("a discoverable credential is stored in the file with its private key wrapped") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred, {.resident = true}) == FIDO_OK);
    CHECK(fido_cred_verify(cred.p) == FIDO_OK);
    dev.close();
    CHECK(key.describe().discoverable_credentials == 1);
    const std::string text = read_file(key.file);
    CHECK(text.find(base64url_encode(cred.id())) != std::string::npos);
    CHECK(text.find("PRIVATE KEY") == std::string::npos);
  }

  TEST_CASE("a second discoverable credential for the same account replaces the first") {
    VirtualKey key;
    Device dev(key.file);
    Cred first;
    Cred second;
    REQUIRE(make_cred(dev.get(), first, {.resident = true}) == FIDO_OK);
    REQUIRE(make_cred(dev.get(), second, {.resident = true}) == FIDO_OK);
    Cred other_user;
    REQUIRE(make_cred(dev.get(), other_user, {.resident = true, .user = "bob"}) == FIDO_OK);
    dev.close();
    CHECK(key.describe().discoverable_credentials == 2);
  }

  TEST_CASE("an exclude list naming one of the key's credentials answers CREDENTIAL_EXCLUDED") {
    VirtualKey key;
    Device dev(key.file);
    Cred wrapped;
    Cred resident;
    REQUIRE(make_cred(dev.get(), wrapped) == FIDO_OK);
    REQUIRE(make_cred(dev.get(), resident, {.resident = true, .user = "bob"}) == FIDO_OK);

    Cred again;
    CHECK(make_cred(dev.get(), again, {.exclude = {Bytes(62, 1), wrapped.id()}}) == FIDO_ERR_CREDENTIAL_EXCLUDED);
    Cred again_resident;
    CHECK(make_cred(dev.get(), again_resident, {.exclude = {resident.id()}}) == FIDO_ERR_CREDENTIAL_EXCLUDED);
    // The same ids mean nothing to another relying party.
    Cred elsewhere;
    CHECK(make_cred(dev.get(), elsewhere, {.rp = "other.example", .exclude = {wrapped.id(), resident.id()}}) ==
          FIDO_OK);
  }
}
