// Fixtures shared by the attestation, certificate and registration tests: a test CA that issues
// attestation certificates shaped by a CertificateSpec, attesters that sign packed, fido-u2f and
// apple statements, the published registration vectors under tests/data/webauthn/registration
// (see the README there) and the rewriting of a response for mutated copies.
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/timestamp.hpp"
#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/registration_verify.hpp"

namespace acctsec::webauthn::testing {

// ---- small helpers -----------------------------------------------------------------------------

inline bool mentions(const std::vector<std::string>& lines, std::string_view text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  require(static_cast<bool>(in), "cannot open a test data file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// An RFC 3339 time as a time point; the fixture's own input, so malformed text is a bug.
inline std::chrono::system_clock::time_point utc_time(const std::string& text) {
  const auto parsed = parse_timestamp(text);
  require(parsed.has_value(), "utc_time: not an RFC 3339 time");
  return std::chrono::system_clock::time_point{*parsed};
}

inline X509Ptr certificate_copy(X509* cert) {
  require(cert != nullptr && X509_up_ref(cert) == 1, "X509_up_ref");
  return X509Ptr(cert);
}

inline std::vector<X509Ptr> anchors_of(X509* cert) {
  std::vector<X509Ptr> out;
  out.push_back(certificate_copy(cert));
  return out;
}

// The certificates of a PEM file under tests/data/webauthn/registration.
inline std::vector<X509Ptr> load_anchor(const std::string& file) {
  const auto pem = read_text_file(std::string(ACCTSEC_TEST_DATA_DIR) + "/webauthn/registration/" + file);
  return value_or_throw(certificates_parse_pem(pem), "trust anchor PEM");
}

// ---- certificates ------------------------------------------------------------------------------

struct CertificateExtensionSpec {
  std::string oid;
  Bytes value;  // the DER inside extnValue
  bool critical = false;
};

// What an issued certificate looks like. The defaults make a §8.2.1-conforming packed attestation
// certificate without the AAGUID extension.
struct CertificateSpec {
  int version = 3;  // as people write it; version 1 certificates get no extensions
  std::vector<std::pair<std::string, std::string>> subject{{"C", "AA"},
                                                           {"O", "acctsec tests"},
                                                           {"OU", "Authenticator Attestation"},
                                                           {"CN", "acctsec test attestation"}};
  std::optional<bool> ca = false;  // basicConstraints cA; nullopt leaves the extension out
  std::optional<Bytes> aaguid;     // id-fido-gen-ce-aaguid as an OCTET STRING of these bytes
  bool aaguid_critical = false;
  std::vector<CertificateExtensionSpec> extensions;  // added after the ones above
  std::string not_before = "20200101000000Z";
  std::string not_after = "20500101000000Z";
};

// Issues a certificate for `subject_key`, signed by `issuer_key` under `issuer`'s name (self-signed
// when `issuer` is null).
inline X509Ptr issue_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                 EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  require(cert != nullptr, "X509_new");
  require(X509_set_version(cert.get(), spec.version - 1) == 1, "X509_set_version");
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  require(ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), spec.not_before.c_str()) == 1, "notBefore");
  require(ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), spec.not_after.c_str()) == 1, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& [field, text] : spec.subject) {
    // Plain ASN.1 types rather than MBSTRING_*: OpenSSL would refuse a malformed country code,
    // and the §8.2.1 tests need to write one.
    const int type = field == "C" ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
    require(X509_NAME_add_entry_by_txt(name, field.c_str(), type, reinterpret_cast<const unsigned char*>(text.c_str()),
                                       -1, -1, 0) == 1,
            "subject attribute");
  }
  require(X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer name");
  require(X509_set_pubkey(cert.get(), subject_key) == 1, "X509_set_pubkey");

  if (spec.version >= 3) {
    std::vector<CertificateExtensionSpec> extensions;
    if (spec.ca) {
      extensions.push_back({"2.5.29.19", *spec.ca ? Bytes{0x30, 0x03, 0x01, 0x01, 0xff} : Bytes{0x30, 0x00}, true});
    }
    if (spec.aaguid) {
      Bytes value{0x04, static_cast<std::uint8_t>(spec.aaguid->size())};
      value.insert(value.end(), spec.aaguid->begin(), spec.aaguid->end());
      extensions.push_back({"1.3.6.1.4.1.45724.1.1.4", value, spec.aaguid_critical});
    }
    extensions.insert(extensions.end(), spec.extensions.begin(), spec.extensions.end());
    for (const auto& extension : extensions) {
      std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> object(OBJ_txt2obj(extension.oid.c_str(), 1),
                                                                        &ASN1_OBJECT_free);
      std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)> value(ASN1_OCTET_STRING_new(),
                                                                                   &ASN1_OCTET_STRING_free);
      require(object && value &&
                  ASN1_OCTET_STRING_set(value.get(), extension.value.data(),
                                        static_cast<int>(extension.value.size())) == 1,
              "extension value");
      std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> ext(
          X509_EXTENSION_create_by_OBJ(nullptr, object.get(), extension.critical ? 1 : 0, value.get()),
          &X509_EXTENSION_free);
      require(ext && X509_add_ext(cert.get(), ext.get(), -1) == 1, "X509_add_ext");
    }
  }
  require(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

struct TestCa {
  EvpPkeyPtr key;
  X509Ptr cert;
};

// A CA named `name` (C=AA, O=acctsec tests, OU=Authenticator Attestation CA, CN=name), self-signed
// or issued by `issuer`.
inline TestCa make_ca(const std::string& name, const TestCa* issuer = nullptr,
                      const std::string& not_after = "20500101000000Z") {
  TestCa ca;
  ca.key = generate_key(k_cose_alg_es256);
  CertificateSpec spec;
  spec.subject = {{"C", "AA"}, {"O", "acctsec tests"}, {"OU", "Authenticator Attestation CA"}, {"CN", name}};
  spec.ca = true;
  spec.not_after = not_after;
  ca.cert = issuer ? issue_certificate(spec, ca.key.get(), issuer->cert.get(), issuer->key.get())
                   : issue_certificate(spec, ca.key.get(), nullptr, ca.key.get());
  return ca;
}

// An attestation key and its certificate chain (x5c order: attestation certificate first).
struct Attester {
  int alg = k_cose_alg_es256;
  EvpPkeyPtr key;
  std::vector<Bytes> x5c;
};

inline Attester make_attester(const TestCa& ca, const CertificateSpec& spec, int alg = k_cose_alg_es256) {
  Attester attester;
  attester.alg = alg;
  attester.key = generate_key(alg);
  const X509Ptr cert = issue_certificate(spec, attester.key.get(), ca.cert.get(), ca.key.get());
  attester.x5c.push_back(certificate_der(cert.get()));
  return attester;
}

// ---- registrations -----------------------------------------------------------------------------

// A registration response around a given statement, shaped as make_registration shapes its own.
inline RegistrationResponse registration_with_statement(const SoftCredential& credential,
                                                        const RegistrationOptions& options, std::string_view fmt,
                                                        ByteView att_stmt, ByteView auth_data) {
  RegistrationResponse response;
  response.credential_id = credential.credential_id;
  response.client_data_json = client_data_json(CeremonyType::create, options.challenge, options.origin);
  response.authenticator_data.assign(auth_data.begin(), auth_data.end());
  response.attestation_object = attestation_object_encode(fmt, att_stmt, auth_data);
  response.transports = {"usb"};
  const CoseKey key = value_or_throw(cose_key_decode(credential.public_key_cose), "COSE decode");
  response.public_key_spki = value_or_throw(cose_key_spki_der(key), "SPKI");
  response.public_key_algorithm = credential.alg;
  return response;
}

inline RegistrationResponse make_packed_registration(const SoftCredential& credential, const Attester& attester,
                                                     const RegistrationOptions& options = {},
                                                     int alg = k_cose_alg_es256) {
  const Bytes auth_data = make_auth_data(options.rp_id, options.flags, options.sign_count, &credential);
  const std::string client_data = client_data_json(CeremonyType::create, options.challenge, options.origin);
  const PackedStatement statement{alg, sign(attester.key.get(), alg, signed_over(auth_data, client_data)),
                                  attester.x5c};
  return registration_with_statement(credential, options, "packed", packed_statement_encode(statement), auth_data);
}

inline Bytes fido_u2f_statement_encode(ByteView sig, const std::vector<Bytes>& x5c) {
  cbor::Writer w;
  w.map(2);
  w.text("sig");
  w.bytes(sig);
  w.text("x5c");
  w.array(x5c.size());
  for (const auto& cert : x5c) w.bytes(cert);
  return w.take();
}

// §8.6: the attester signs 0x00 || rpIdHash || clientDataHash || credentialId || 0x04 || x || y.
inline RegistrationResponse make_fido_u2f_registration(const SoftCredential& credential, const Attester& attester,
                                                       const RegistrationOptions& options = {}) {
  const Bytes auth_data = make_auth_data(options.rp_id, options.flags, 0, &credential);
  const std::string client_data = client_data_json(CeremonyType::create, options.challenge, options.origin);
  const CoseKey key = value_or_throw(cose_key_decode(credential.public_key_cose), "COSE decode");
  unsigned char* point = nullptr;
  const std::size_t point_size = EVP_PKEY_get1_encoded_public_key(key.key.get(), &point);
  require(point_size == 65 && point != nullptr, "uncompressed P-256 point");
  Bytes data{0x00};
  const Bytes rp_id_hash = sha256(as_bytes(options.rp_id));
  const Bytes client_data_hash = sha256(as_bytes(client_data));
  data.insert(data.end(), rp_id_hash.begin(), rp_id_hash.end());
  data.insert(data.end(), client_data_hash.begin(), client_data_hash.end());
  data.insert(data.end(), credential.credential_id.begin(), credential.credential_id.end());
  data.insert(data.end(), point, point + point_size);
  OPENSSL_free(point);
  const Bytes sig = sign(attester.key.get(), k_cose_alg_es256, data);
  return registration_with_statement(credential, options, "fido-u2f", fido_u2f_statement_encode(sig, attester.x5c),
                                     auth_data);
}

struct AppleOptions {
  bool with_nonce = true;
  bool wrong_nonce = false;
  bool other_key = false;  // the certificate certifies another key than the credential's
};

// §8.8: a credential certificate issued by `ca` whose extension 1.2.840.113635.100.8.2 holds
// SEQUENCE { [1] EXPLICIT OCTET STRING SHA-256(authData || clientDataHash) }; x5c = [cert, ca].
inline RegistrationResponse make_apple_registration(const SoftCredential& credential, const TestCa& ca,
                                                    const AppleOptions& apple = {},
                                                    const RegistrationOptions& options = {}) {
  const Bytes auth_data = make_auth_data(options.rp_id, options.flags, 0, &credential);
  const std::string client_data = client_data_json(CeremonyType::create, options.challenge, options.origin);
  Bytes nonce = sha256(signed_over(auth_data, client_data));
  if (apple.wrong_nonce) nonce[0] ^= 0x01;
  CertificateSpec spec;
  spec.subject = {{"CN", "acctsec test credential"}};
  if (apple.with_nonce) {
    Bytes octets{0x04, static_cast<std::uint8_t>(nonce.size())};
    octets.insert(octets.end(), nonce.begin(), nonce.end());
    Bytes tagged{0xa1, static_cast<std::uint8_t>(octets.size())};
    tagged.insert(tagged.end(), octets.begin(), octets.end());
    Bytes sequence{0x30, static_cast<std::uint8_t>(tagged.size())};
    sequence.insert(sequence.end(), tagged.begin(), tagged.end());
    spec.extensions.push_back({"1.2.840.113635.100.8.2", sequence, false});
  }
  const CoseKey key = value_or_throw(cose_key_decode(credential.public_key_cose), "COSE decode");
  const EvpPkeyPtr other = apple.other_key ? generate_key(credential.alg) : nullptr;
  const X509Ptr cert = issue_certificate(spec, other ? other.get() : key.key.get(), ca.cert.get(), ca.key.get());
  cbor::Writer w;
  w.map(1);
  w.text("x5c");
  w.array(2);
  w.bytes(certificate_der(cert.get()));
  w.bytes(certificate_der(ca.cert.get()));
  return registration_with_statement(credential, options, "apple", w.take(), auth_data);
}

// Re-encodes the attestation object with another attStmt (same fmt and authData).
inline void replace_statement(RegistrationResponse& response, ByteView att_stmt) {
  const auto object = value_or_throw(attestation_object_decode(response.attestation_object), "attestation object");
  response.attestation_object = attestation_object_encode(object.fmt, att_stmt, object.auth_data);
}

// Re-encodes the attestation object with other authenticator data, and the response's copy of it.
inline void replace_auth_data(RegistrationResponse& response, ByteView auth_data) {
  const auto object = value_or_throw(attestation_object_decode(response.attestation_object), "attestation object");
  response.attestation_object = attestation_object_encode(object.fmt, object.att_stmt_cbor, auth_data);
  response.authenticator_data.assign(auth_data.begin(), auth_data.end());
}

// What an attestation format function is given, decoded from a response as the ceremony does.
class DecodedRegistration {
 public:
  explicit DecodedRegistration(const RegistrationResponse& response,
                               std::optional<std::chrono::system_clock::time_point> at = std::nullopt)
      : m_object(value_or_throw(attestation_object_decode(response.attestation_object), "attestation object")),
        m_auth_data(value_or_throw(authenticator_data_parse(m_object.auth_data), "authenticator data")),
        m_client_data_hash(sha256(as_bytes(response.client_data_json))),
        m_key(value_or_throw(cose_key_decode(attested_key(m_auth_data)), "credential key")),
        m_at(at) {}

  AttestationInput input() const { return AttestationInput{m_object, m_auth_data, m_client_data_hash, m_key, m_at}; }

 private:
  static ByteView attested_key(const AuthenticatorData& data) {
    require(data.attested.has_value(), "authenticator data without attested credential data");
    return data.attested->public_key_cose;
  }

  AttestationObject m_object;
  AuthenticatorData m_auth_data;
  Bytes m_client_data_hash;
  CoseKey m_key;
  std::optional<std::chrono::system_clock::time_point> m_at;
};

// ---- published vectors -------------------------------------------------------------------------

// One file under tests/data/webauthn/registration: binary members in "encoding" (hex or base64url),
// the RP it was made for, the anchors its chain verifies against at "verifyAt", and what it is.
struct RegistrationVector {
  std::string name;
  std::string rp_id;
  std::string origin;
  Bytes challenge;
  RegistrationResponse response;
  std::vector<std::string> anchor_files;
  std::optional<std::chrono::system_clock::time_point> verify_at;
  std::string fmt;
  std::string attestation_type;
  std::string trust;  // "trusted" or "none"
  std::string aaguid;  // hex
  bool certificate_expired = false;
};

inline RegistrationVector load_registration_vector(const std::string& name) {
  const auto json = load_vector("registration/" + name + ".json");
  const bool hex_encoded = json.value("encoding", std::string("base64url")) == "hex";
  const auto binary = [hex_encoded](const nlohmann::json& value) { return hex_encoded ? hex(value) : b64url(value); };
  RegistrationVector v;
  v.name = name;
  v.rp_id = json.at("rpId").get<std::string>();
  v.origin = json.at("origin").get<std::string>();
  v.challenge = binary(json.at("challenge"));
  const Bytes client_data = binary(json.at("clientDataJSON"));
  const Bytes attestation_object = binary(json.at("attestationObject"));
  const auto object = value_or_throw(attestation_object_decode(attestation_object), "vector attestation object");
  const auto auth_data = value_or_throw(authenticator_data_parse(object.auth_data), "vector authenticator data");
  require(auth_data.attested.has_value(), "vector without attested credential data");
  const CoseKey key = value_or_throw(cose_key_decode(auth_data.attested->public_key_cose), "vector credential key");
  v.response.credential_id = json.contains("credentialId") ? binary(json.at("credentialId"))
                                                           : auth_data.attested->credential_id;
  v.response.client_data_json = std::string(as_chars(client_data));
  v.response.attestation_object = attestation_object;
  v.response.authenticator_data = object.auth_data;
  v.response.public_key_spki = value_or_throw(cose_key_spki_der(key), "vector SPKI");
  v.response.public_key_algorithm = key.alg;
  if (json.contains("trustAnchors")) v.anchor_files = json.at("trustAnchors").get<std::vector<std::string>>();
  if (json.contains("verifyAt")) v.verify_at = utc_time(json.at("verifyAt").get<std::string>());
  const auto& expected = json.at("expected");
  v.fmt = expected.at("fmt").get<std::string>();
  v.attestation_type = expected.at("attestationType").get<std::string>();
  v.trust = expected.value("trust", std::string("none"));
  v.aaguid = expected.value("aaguid", std::string());
  v.certificate_expired = expected.value("certificateExpired", false);
  return v;
}

// The ceremony's expectation for a vector: its challenge, origin, RP ID, anchors and time.
inline RegistrationExpectation expectation_for(const RegistrationVector& vector) {
  RegistrationExpectation expected;
  expected.challenge = vector.challenge;
  expected.origin = vector.origin;
  expected.rp_id = vector.rp_id;
  expected.at = vector.verify_at;
  for (const auto& file : vector.anchor_files) {
    for (auto& cert : load_anchor(file)) expected.trust_anchors.push_back(std::move(cert));
  }
  return expected;
}

// The vectors every registration test runs (the packed, fido-u2f, apple and none formats).
inline const std::vector<std::string>& registration_vector_names() {
  static const std::vector<std::string> names{
      "w3c_none_es256",      "w3c_packed_self_es256",     "w3c_packed_es256",
      "w3c_packed_eddsa",    "w3c_fido_u2f_es256",        "w3c_apple_es256",
      "pywebauthn_yubikey_packed", "pywebauthn_yubikey_fido_u2f", "pywebauthn_apple_passkey"};
  return names;
}

}  // namespace acctsec::webauthn::testing
