// Fixtures for the tpm, android-key and android-safetynet format tests: a test CA that issues
// certificates with arbitrary extensions, a tiny DER writer to build those extensions, the
// published registration vectors under tests/data/webauthn/registration decoded into format inputs,
// and rewriting of attStmt maps for mutated copies. In their own namespace so that they never
// collide with attestation_fixtures.hpp (one test binary holds both).
#pragma once

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/timestamp.hpp"
#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/certificate.hpp"

namespace acctsec::webauthn::testing::formats {

inline bool says(const Error& error, std::string_view text) {
  return error.message.find(text) != std::string::npos;
}

// An RFC 3339 time; the tests' own input, so malformed text is a bug.
inline std::chrono::system_clock::time_point utc_time_point(const std::string& text) {
  const auto parsed = parse_timestamp(text);
  require(parsed.has_value(), "utc_time_point: not an RFC 3339 time");
  return std::chrono::system_clock::time_point{*parsed};
}

// ---- DER writer ----------------------------------------------------------------------------

inline Bytes der_length(std::size_t length) {
  if (length < 0x80) return {static_cast<std::uint8_t>(length)};
  Bytes digits;
  for (std::size_t rest = length; rest > 0; rest >>= 8) digits.insert(digits.begin(), static_cast<std::uint8_t>(rest));
  Bytes out{static_cast<std::uint8_t>(0x80 | digits.size())};
  out.insert(out.end(), digits.begin(), digits.end());
  return out;
}

inline Bytes der_tlv(Bytes tag, ByteView content) {
  Bytes out = std::move(tag);
  const Bytes length = der_length(content.size());
  out.insert(out.end(), length.begin(), length.end());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

inline Bytes der_cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Bytes der_sequence(std::initializer_list<Bytes> parts) { return der_tlv({0x30}, der_cat(parts)); }
inline Bytes der_set(std::initializer_list<Bytes> parts) { return der_tlv({0x31}, der_cat(parts)); }
inline Bytes der_octets(ByteView value) { return der_tlv({0x04}, value); }
inline Bytes der_null() { return {0x05, 0x00}; }
inline Bytes der_utf8(std::string_view text) { return der_tlv({0x0c}, as_bytes(text)); }

inline Bytes der_integer(std::int64_t value, std::uint8_t tag = 0x02) {
  Bytes content;
  for (int shift = 56; shift >= 0; shift -= 8) content.push_back(static_cast<std::uint8_t>(value >> shift));
  // Minimal two's complement: drop leading bytes that only repeat the sign.
  while (content.size() > 1 && ((content[0] == 0x00 && (content[1] & 0x80) == 0) ||
                                (content[0] == 0xff && (content[1] & 0x80) != 0))) {
    content.erase(content.begin());
  }
  return der_tlv({tag}, content);
}
inline Bytes der_enumerated(std::int64_t value) { return der_integer(value, 0x0a); }

// [number] EXPLICIT, context class, constructed; high tag numbers in base-128.
inline Bytes der_explicit(std::uint32_t number, ByteView inner) {
  Bytes tag;
  if (number < 31) {
    tag.push_back(static_cast<std::uint8_t>(0xa0 | number));
  } else {
    tag.push_back(0xbf);
    Bytes digits;
    for (std::uint32_t rest = number; rest > 0; rest >>= 7) {
      digits.insert(digits.begin(), static_cast<std::uint8_t>((rest & 0x7f) | (digits.empty() ? 0 : 0x80)));
    }
    tag.insert(tag.end(), digits.begin(), digits.end());
  }
  return der_tlv(tag, inner);
}

inline Bytes der_oid(std::string_view dotted) {
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> object(OBJ_txt2obj(std::string(dotted).c_str(), 1),
                                                                    &ASN1_OBJECT_free);
  require(object != nullptr, "OID");
  unsigned char* der = nullptr;
  const int length = i2d_ASN1_OBJECT(object.get(), &der);
  require(length > 0, "i2d_ASN1_OBJECT");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

// ---- certificates ----------------------------------------------------------------------------

struct ExtensionSpec {
  std::string oid;
  bool critical = false;
  Bytes value;  // the DER inside extnValue
};

struct CertSpec {
  int version = 3;  // X.509 version as people write it
  std::vector<std::pair<std::string, std::string>> subject;  // field ("CN") and text; empty: empty subject
  std::vector<ExtensionSpec> extensions;
  std::string not_before = "20200101000000Z";
  std::string not_after = "20990101000000Z";
};

using X509Owner = std::unique_ptr<X509, decltype(&X509_free)>;

inline Bytes der_of(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert, &der);
  require(length > 0, "i2d_X509");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

// Issues a certificate for `subject_key` signed by `issuer_key` (self-signed when `issuer` is null).
inline Bytes issue_certificate(const CertSpec& spec, EVP_PKEY* subject_key, EVP_PKEY* issuer_key,
                               X509* issuer) {
  X509Owner cert(X509_new(), &X509_free);
  require(cert != nullptr, "X509_new");
  require(X509_set_version(cert.get(), spec.version - 1) == 1, "X509_set_version");
  static long serial = 1000;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), spec.not_before.c_str());
  ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), spec.not_after.c_str());
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& [field, text] : spec.subject) {
    require(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(text.c_str()), -1, -1, 0) == 1,
            "subject entry");
  }
  require(X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer");
  require(X509_set_pubkey(cert.get(), subject_key) == 1, "X509_set_pubkey");
  // Version 1 certificates cannot carry extensions.
  for (const auto& extension : spec.version >= 3 ? spec.extensions : std::vector<ExtensionSpec>{}) {
    std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> object(OBJ_txt2obj(extension.oid.c_str(), 1),
                                                                      &ASN1_OBJECT_free);
    std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)> value(ASN1_OCTET_STRING_new(),
                                                                                 &ASN1_OCTET_STRING_free);
    require(object && value &&
                ASN1_OCTET_STRING_set(value.get(), extension.value.data(), static_cast<int>(extension.value.size())) ==
                    1,
            "extension value");
    std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> ext(
        X509_EXTENSION_create_by_OBJ(nullptr, object.get(), extension.critical ? 1 : 0, value.get()),
        &X509_EXTENSION_free);
    require(ext && X509_add_ext(cert.get(), ext.get(), -1) == 1, "X509_add_ext");
  }
  require(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return der_of(cert.get());
}

inline X509Ptr parse_certificate(ByteView der) {
  return value_or_throw(certificate_parse_der(der), "certificate parse");
}

inline ExtensionSpec basic_constraints(bool ca) {
  return {"2.5.29.19", true, ca ? der_sequence({Bytes{0x01, 0x01, 0xff}}) : der_sequence({})};
}

// A root CA for the tests: ES256 key, self-signed.
struct Issuer {
  EvpPkeyPtr key = generate_key(k_cose_alg_es256);
  Bytes der;
  X509Ptr cert;

  Issuer() {
    CertSpec spec;
    spec.subject = {{"CN", "acctsec test attestation CA"}, {"O", "acctsec tests"}, {"C", "AA"}};
    spec.extensions = {basic_constraints(true)};
    der = issue_certificate(spec, key.get(), key.get(), nullptr);
    cert = parse_certificate(der);
  }

  Bytes issue(const CertSpec& spec, EVP_PKEY* subject_key) const {
    return issue_certificate(spec, subject_key, key.get(), cert.get());
  }
};

// RSA keys that do RS256/PS256, distinct from each other and from the one soft_authenticator
// shares. RSA key generation is slow, so each slot is made once per process.
inline EvpPkeyPtr generate_rsa_key(int slot = 0) {
  static EVP_PKEY* keys[4] = {};
  require(slot >= 0 && slot < 4, "RSA key slot");
  if (!keys[slot]) keys[slot] = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  require(keys[slot] != nullptr && EVP_PKEY_up_ref(keys[slot]) == 1, "RSA key generation");
  return EvpPkeyPtr(keys[slot]);
}

// ---- attStmt rewriting -------------------------------------------------------------------------

// Re-encodes an attStmt map with `key` set to the encoded item `value` (added when absent) or
// removed when `value` is empty.
inline Bytes att_stmt_with(ByteView att_stmt, std::string_view key, const Bytes& value) {
  cbor::Reader reader(att_stmt);
  auto entries = value_or_throw(reader.read_map(), "attStmt map");
  std::vector<std::pair<std::string, Bytes>> out;
  bool replaced = false;
  for (const auto& entry : entries) {
    const std::string name = std::get<std::string>(entry.key);
    if (name == key) {
      replaced = true;
      if (!value.empty()) out.emplace_back(name, value);
    } else {
      out.emplace_back(name, Bytes(entry.value.begin(), entry.value.end()));
    }
  }
  if (!replaced && !value.empty()) out.emplace_back(std::string(key), value);
  cbor::Writer w;
  w.map(out.size());
  for (const auto& [name, encoded] : out) {
    w.text(name);
    w.raw(encoded);
  }
  return w.take();
}

inline Bytes cbor_bytes(ByteView value) {
  cbor::Writer w;
  w.bytes(value);
  return w.take();
}
inline Bytes cbor_text(std::string_view value) {
  cbor::Writer w;
  w.text(value);
  return w.take();
}
inline Bytes cbor_int(std::int64_t value) {
  cbor::Writer w;
  w.integer(value);
  return w.take();
}
inline Bytes cbor_x5c(const std::vector<Bytes>& certificates) {
  cbor::Writer w;
  w.array(certificates.size());
  for (const auto& cert : certificates) w.bytes(cert);
  return w.take();
}

// The byte string under `key` in an attStmt map.
inline Bytes att_stmt_bytes(ByteView att_stmt, std::string_view key) {
  cbor::Reader reader(att_stmt);
  for (const auto& entry : value_or_throw(reader.read_map(), "attStmt map")) {
    if (std::get<std::string>(entry.key) == key) {
      cbor::Reader value(entry.value);
      return value_or_throw(value.read_bytes(), "attStmt bytes");
    }
  }
  throw std::runtime_error("attStmt has no " + std::string(key));
}

// The certificates under "x5c" in an attStmt map.
inline std::vector<Bytes> att_stmt_x5c(ByteView att_stmt) {
  cbor::Reader reader(att_stmt);
  for (const auto& entry : value_or_throw(reader.read_map(), "attStmt map")) {
    if (std::get<std::string>(entry.key) != "x5c") continue;
    cbor::Reader array(entry.value);
    const auto count = value_or_throw(array.read_array_header(), "x5c array");
    std::vector<Bytes> out;
    for (std::uint64_t i = 0; i < count; ++i) out.push_back(value_or_throw(array.read_bytes(), "x5c item"));
    return out;
  }
  throw std::runtime_error("attStmt has no x5c");
}

inline Bytes flip_bit(Bytes data, std::size_t index, std::uint8_t mask = 0x01) {
  require(index < data.size(), "flip_bit index");
  data[index] ^= mask;
  return data;
}

// ---- inputs ---------------------------------------------------------------------------------------

// Everything an AttestationInput refers to, owned, so a test can build one and mutate parts.
struct PreparedInput {
  AttestationObject object;
  AuthenticatorData auth_data;
  Bytes client_data_hash;
  CoseKey credential_key;
  std::optional<std::chrono::system_clock::time_point> at;

  AttestationInput input() const { return AttestationInput{object, auth_data, client_data_hash, credential_key, at}; }
};

// Decodes as the registration ceremony does: attestation object, authData, credential key.
inline PreparedInput prepare(std::string_view fmt, ByteView att_stmt, ByteView auth_data, ByteView client_data_hash,
                             std::optional<std::chrono::system_clock::time_point> at = std::nullopt) {
  PreparedInput out;
  out.object.fmt = std::string(fmt);
  out.object.att_stmt_cbor.assign(att_stmt.begin(), att_stmt.end());
  out.object.auth_data.assign(auth_data.begin(), auth_data.end());
  out.auth_data = value_or_throw(authenticator_data_parse(auth_data), "authenticator data");
  require(out.auth_data.attested.has_value(), "attested credential data");
  out.credential_key = value_or_throw(cose_key_decode(out.auth_data.attested->public_key_cose), "credential key");
  out.client_data_hash.assign(client_data_hash.begin(), client_data_hash.end());
  out.at = at;
  return out;
}

inline PreparedInput prepare_object(ByteView attestation_object, std::string_view client_data_json,
                                    std::optional<std::chrono::system_clock::time_point> at = std::nullopt) {
  const auto object = value_or_throw(attestation_object_decode(attestation_object), "attestation object");
  return prepare(object.fmt, object.att_stmt_cbor, object.auth_data, sha256(as_bytes(client_data_json)), at);
}

// One published registration under tests/data/webauthn/registration (base64url encoding; see the
// README there), decoded as the format functions receive it.
struct FormatVector {
  std::string name;
  nlohmann::json json;
  Bytes attestation_object;
  std::string client_data_json;
  std::chrono::system_clock::time_point at;

  PreparedInput prepared() const { return prepare_object(attestation_object, client_data_json, at); }
};

inline FormatVector load_format_vector(const std::string& name) {
  FormatVector out;
  out.name = name;
  out.json = load_vector("registration/" + name + ".json");
  require(out.json.at("encoding").get<std::string>() == "base64url", "vector encoding");
  out.attestation_object = b64url(out.json.at("attestationObject"));
  const Bytes client_data = b64url(out.json.at("clientDataJSON"));
  out.client_data_json = std::string(as_chars(client_data));
  const auto at = parse_timestamp(out.json.at("verifyAt").get<std::string>());
  require(at.has_value(), "vector verifyAt");
  out.at = std::chrono::system_clock::time_point{*at};
  return out;
}

// The same registration with its pieces replaced, re-decoded the way the ceremony would.
inline PreparedInput with_att_stmt(const PreparedInput& base, ByteView att_stmt) {
  return prepare(base.object.fmt, att_stmt, base.object.auth_data, base.client_data_hash, base.at);
}
inline PreparedInput with_auth_data(const PreparedInput& base, ByteView auth_data) {
  return prepare(base.object.fmt, base.object.att_stmt_cbor, auth_data, base.client_data_hash, base.at);
}
inline PreparedInput with_client_data_json(const PreparedInput& base, std::string_view client_data_json) {
  return prepare(base.object.fmt, base.object.att_stmt_cbor, base.object.auth_data, sha256(as_bytes(client_data_json)),
                 base.at);
}

// authData's signCount field: its first byte is at offset 33.
inline constexpr std::size_t k_sign_count_offset = 33;

// The offset of the credential public key (COSE) inside authData with attested credential data.
inline std::size_t credential_key_offset(const PreparedInput& input) {
  return 37 + 16 + 2 + input.auth_data.attested->credential_id.size();
}

}  // namespace acctsec::webauthn::testing::formats
