// Test MDS BLOBs: a throwaway PKI (root CA -> intermediate CA -> BLOB signing certificate) and
// compact JWS BLOBs signed with it, shaped like the FIDO Alliance's (header alg + x5c, payload
// legalHeader/no/nextUpdate/entries). Header-only so that the unit and CLI tiers share it.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/jws.hpp"

namespace acctsec::test::mds {

using webauthn::EvpPkeyPtr;
using webauthn::X509Ptr;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("MDS test fixture: ") + what);
}

inline EvpPkeyPtr ec_key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  check(key != nullptr, "EC key");
  return EvpPkeyPtr(key);
}

// RSA keys are slow to make; one per process serves every RS256 test.
inline EvpPkeyPtr rsa_key() {
  static EVP_PKEY* const shared = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  check(shared != nullptr && EVP_PKEY_up_ref(shared) == 1, "RSA key");
  return EvpPkeyPtr(shared);
}

struct Validity {
  std::string not_before = "20200101000000Z";
  std::string not_after = "20991231235959Z";
};

// A certificate for `key` named CN=`name`, signed by `issuer_key` (self-signed when `issuer` is
// null), a CA when `ca`.
inline X509Ptr certificate(const std::string& name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                           const Validity& validity = {}) {
  X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  static long serial = 1000;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  check(ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), validity.not_before.c_str()) == 1 &&
            ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), validity.not_after.c_str()) == 1,
        "validity");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("acctsec tests"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject);
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  const auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr && X509_add_ext(cert.get(), ext, -1) == 1, "extension");
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add(NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add(NID_subject_key_identifier, "hash");
  if (issuer) add(NID_authority_key_identifier, "keyid");
  check(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

inline std::string pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  check(bio != nullptr && PEM_write_bio_X509(bio, cert) == 1, "PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

inline X509Ptr copy(X509* cert) {
  check(X509_up_ref(cert) == 1, "X509_up_ref");
  return X509Ptr(cert);
}

enum class Alg { es256, rs256 };

// Root CA -> intermediate CA -> BLOB signing certificate, as the FIDO Alliance's chain is shaped.
struct Pki {
  EvpPkeyPtr root_key, intermediate_key, signer_key;
  X509Ptr root, intermediate, signer;
  std::string alg;

  explicit Pki(Alg signer_alg = Alg::es256, const Validity& signer_validity = {}, const std::string& label = "Test") {
    root_key = ec_key();
    root = certificate(label + " MDS Root", root_key.get(), nullptr, nullptr, true);
    intermediate_key = ec_key();
    intermediate = certificate(label + " MDS Intermediate", intermediate_key.get(), root.get(), root_key.get(), true);
    signer_key = signer_alg == Alg::es256 ? ec_key() : rsa_key();
    alg = signer_alg == Alg::es256 ? "ES256" : "RS256";
    signer = certificate(label + " MDS BLOB signer", signer_key.get(), intermediate.get(), intermediate_key.get(),
                         false, signer_validity);
  }

  std::vector<X509Ptr> roots() const {
    std::vector<X509Ptr> out;
    out.push_back(copy(root.get()));
    return out;
  }

  // The BLOB: payload signed by the signer, x5c = signer, intermediate (the root is left out, as
  // the FIDO Alliance's BLOB leaves it out).
  std::string sign(const nlohmann::json& payload) const {
    nlohmann::json x5c = nlohmann::json::array();
    x5c.push_back(base64_encode(webauthn::certificate_der(signer.get())));
    x5c.push_back(base64_encode(webauthn::certificate_der(intermediate.get())));
    const nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}, {"x5c", x5c}};
    auto blob = webauthn::jws_sign(header, as_bytes(payload.dump()), signer_key.get());
    check(blob.has_value(), "jws_sign");
    return *blob;
  }
};

// AAGUIDs of the sample payload.
inline constexpr const char* k_certified = "a7e5d2c1-0001-4a5b-8c6d-000000000001";
inline constexpr const char* k_revoked = "a7e5d2c1-0002-4a5b-8c6d-000000000002";
inline constexpr const char* k_uv_bypass = "a7e5d2c1-0003-4a5b-8c6d-000000000003";
inline constexpr const char* k_unknown = "00000000-1111-2222-3333-444444444444";

// A payload with three FIDO2 entries (certified to L2 with a history; certified then revoked;
// with a user verification bypass) and a U2F entry. `attestation_root` is listed for the first.
inline nlohmann::json sample_payload(int number, const std::string& next_update, X509* attestation_root) {
  const auto report = [](const char* status, const char* date) {
    return nlohmann::json{{"status", status}, {"effectiveDate", date}};
  };
  nlohmann::json certified_reports =
      nlohmann::json::array({report("FIDO_CERTIFIED_L1", "2020-05-12"), report("FIDO_CERTIFIED_L2", "2022-03-01")});
  certified_reports[1]["certificateNumber"] = "FIDO20020220301001";
  return {{"legalHeader", "acctsec test BLOB: not for use outside the test suite"},
          {"no", number},
          {"nextUpdate", next_update},
          {"entries",
           nlohmann::json::array(
               {{{"aaguid", k_certified},
                 {"metadataStatement",
                  {{"description", "Test Key Series 5"},
                   {"aaguid", k_certified},
                   {"protocolFamily", "fido2"},
                   {"schema", 3},
                   {"attestationTypes", {"basic_full"}},
                   {"attestationRootCertificates", {base64_encode(webauthn::certificate_der(attestation_root))}}}},
                 {"statusReports", certified_reports},
                 {"timeOfLastStatusChange", "2022-03-01"}},
                {{"aaguid", k_revoked},
                 {"metadataStatement", {{"description", "Test Key Revoked"}, {"protocolFamily", "fido2"}}},
                 {"statusReports", {report("FIDO_CERTIFIED_L1", "2019-01-01"), report("REVOKED", "2023-07-01")}},
                 {"timeOfLastStatusChange", "2023-07-01"}},
                {{"aaguid", k_uv_bypass},
                 {"metadataStatement", {{"description", "Test Key UV Bypass"}, {"protocolFamily", "fido2"}}},
                 {"statusReports",
                  {report("FIDO_CERTIFIED_L1", "2019-01-01"), report("USER_VERIFICATION_BYPASS", "2024-02-01")}},
                 {"timeOfLastStatusChange", "2024-02-01"}},
                {{"attestationCertificateKeyIdentifiers", {"1434d2f277fe479c35ddf6aa4d08a07cbce99dd7"}},
                 {"metadataStatement", {{"description", "Test U2F Key"}, {"protocolFamily", "u2f"}}},
                 {"statusReports", {report("FIDO_CERTIFIED", "2018-01-22")}},
                 {"timeOfLastStatusChange", "2018-01-22"}}})}};
}

// Changes one character of the payload segment (keeping it valid base64url), as a tamperer would.
inline std::string tamper_payload(std::string blob) {
  const auto dot = blob.find('.');
  const std::size_t at = dot + 10;
  blob[at] = blob[at] == 'A' ? 'B' : 'A';
  return blob;
}

}  // namespace acctsec::test::mds
