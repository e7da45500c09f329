// A minimal software authenticator for tests: OpenSSL keys, WebAuthn structures built with
// lib/webauthn's encoders, signatures made the way authenticators make them. Header-only so that the
// unit tests and the interop tests (tests/interop) share it.
#pragma once

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/bytes.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/enrollment_record.hpp"
#include "webauthn/hash.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::webauthn::testing {

// Tests may throw: a broken fixture is a test failure, not a result to handle.
inline void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test fixture: ") + what);
}

template <typename T>
T value_or_throw(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string("test fixture: ") + what + ": " + result.error().message);
  return std::move(*result);
}

// A fresh private key for `alg`. RSA keys are slow to make, so one per process is reused.
inline EvpPkeyPtr generate_key(int alg) {
  EVP_PKEY* key = nullptr;
  switch (alg) {
    case k_cose_alg_es256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case k_cose_alg_es384:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case k_cose_alg_es512:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case k_cose_alg_eddsa:
    case k_cose_alg_ed25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case k_cose_alg_rs256:
    case k_cose_alg_ps256: {
      static EVP_PKEY* const rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      require(rsa != nullptr && EVP_PKEY_up_ref(rsa) == 1, "RSA key generation");
      key = rsa;
      break;
    }
    default:
      break;
  }
  require(key != nullptr, "key generation");
  return EvpPkeyPtr(key);
}

// Signs `message` as a WebAuthn authenticator does for `alg` (ECDSA: DER; EdDSA: raw; RSA: raw).
inline Bytes sign(EVP_PKEY* key, int alg, ByteView message) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = nullptr;
  if (alg == k_cose_alg_es256 || alg == k_cose_alg_rs256 || alg == k_cose_alg_ps256) md = EVP_sha256();
  if (alg == k_cose_alg_es384) md = EVP_sha384();
  if (alg == k_cose_alg_es512) md = EVP_sha512();
  require(ctx && EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key) == 1, "EVP_DigestSignInit");
  if (alg == k_cose_alg_ps256) {
    require(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1,
            "PSS parameters");
  }
  size_t length = 0;
  require(EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) == 1, "signature size");
  Bytes signature(length);
  require(EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) == 1, "signing");
  signature.resize(length);
  return signature;
}

// A self-signed X.509 certificate (DER) for `key`, shaped like a packed attestation certificate
// (§8.2.1: C, O, OU "Authenticator Attestation", CN; version 3). Validity is fixed, not "now".
inline Bytes self_signed_certificate(EVP_PKEY* key) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  require(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242);
  ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), "20240101000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "20990101000000Z");
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto add = [name](const char* field, const char* text) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, reinterpret_cast<const unsigned char*>(text), -1, -1, 0);
  };
  add("C", "AA");
  add("O", "acctsec tests");
  add("OU", "Authenticator Attestation");
  add("CN", "acctsec soft authenticator");
  X509_set_issuer_name(cert.get(), name);
  require(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  require(X509_sign(cert.get(), key, EVP_sha256()) > 0, "X509_sign");
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert.get(), &der);
  require(length > 0, "i2d_X509");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

enum class Attestation { none, packed_self, packed_x5c };

// One credential on the soft authenticator.
struct SoftCredential {
  int alg = 0;
  EvpPkeyPtr key;
  Bytes credential_id;
  Bytes public_key_cose;
  Bytes aaguid = Bytes(16, 0x42);
};

inline SoftCredential make_credential(int alg) {
  SoftCredential credential;
  credential.alg = alg;
  credential.key = generate_key(alg);
  credential.credential_id = random_bytes(32);
  credential.public_key_cose = value_or_throw(cose_key_encode_public_key(credential.key.get(), alg), "COSE key");
  return credential;
}

inline Bytes make_auth_data(std::string_view rp_id, std::uint8_t flags, std::uint32_t sign_count,
                            const SoftCredential* attested = nullptr) {
  AuthenticatorData data;
  data.rp_id_hash = sha256(as_bytes(rp_id));
  data.sign_count = sign_count;
  if (attested) {
    flags |= k_flag_attested_data;
    data.attested = AttestedCredentialData{attested->aaguid, attested->credential_id, attested->public_key_cose};
  }
  authenticator_data_set_flags(data, flags);
  return value_or_throw(authenticator_data_encode(data), "authenticator data");
}

inline Bytes signed_over(ByteView auth_data, std::string_view client_data_json) {
  Bytes message(auth_data.begin(), auth_data.end());
  const Bytes hash = sha256(as_bytes(client_data_json));
  message.insert(message.end(), hash.begin(), hash.end());
  return message;
}

struct RegistrationOptions {
  std::string rp_id = "example.com";
  std::string origin = "https://example.com";
  Bytes challenge = Bytes(32, 0x11);
  Attestation attestation = Attestation::packed_self;
  std::uint8_t flags = k_flag_user_present;
  std::uint32_t sign_count = 0;
};

inline RegistrationResponse make_registration(const SoftCredential& credential, const RegistrationOptions& options) {
  RegistrationResponse response;
  response.credential_id = credential.credential_id;
  response.client_data_json = client_data_json(CeremonyType::create, options.challenge, options.origin);
  response.authenticator_data = make_auth_data(options.rp_id, options.flags, options.sign_count, &credential);
  const Bytes message = signed_over(response.authenticator_data, response.client_data_json);
  if (options.attestation == Attestation::none) {
    response.attestation_object =
        attestation_object_encode("none", none_statement_encode(), response.authenticator_data);
  } else if (options.attestation == Attestation::packed_self) {
    PackedStatement statement{credential.alg, sign(credential.key.get(), credential.alg, message), {}};
    response.attestation_object =
        attestation_object_encode("packed", packed_statement_encode(statement), response.authenticator_data);
  } else {
    const EvpPkeyPtr attestation_key = generate_key(k_cose_alg_es256);
    PackedStatement statement{k_cose_alg_es256,
                              sign(attestation_key.get(), k_cose_alg_es256, message),
                              {self_signed_certificate(attestation_key.get())}};
    response.attestation_object =
        attestation_object_encode("packed", packed_statement_encode(statement), response.authenticator_data);
  }
  response.transports = {"usb"};
  const CoseKey key = value_or_throw(cose_key_decode(credential.public_key_cose), "COSE decode");
  response.public_key_spki = value_or_throw(cose_key_spki_der(key), "SPKI");
  response.public_key_algorithm = credential.alg;
  return response;
}

struct AssertionOptions {
  std::string rp_id = "example.com";
  std::string origin = "https://example.com";
  Bytes challenge = Bytes(32, 0x22);
  std::uint8_t flags = k_flag_user_present;
  std::uint32_t sign_count = 1;
  // When set, used verbatim as clientDataJSON instead of the spec-ordered default.
  std::optional<std::string> client_data_json;
};

inline AuthenticationResponse make_assertion(const SoftCredential& credential, const AssertionOptions& options) {
  AuthenticationResponse response;
  response.credential_id = credential.credential_id;
  response.client_data_json =
      options.client_data_json.value_or(client_data_json(CeremonyType::get, options.challenge, options.origin));
  response.authenticator_data = make_auth_data(options.rp_id, options.flags, options.sign_count);
  response.signature =
      sign(credential.key.get(), credential.alg, signed_over(response.authenticator_data, response.client_data_json));
  return response;
}

inline EnrollmentRecord make_enrollment(const SoftCredential& credential, const RegistrationOptions& options) {
  EnrollmentRecord record;
  record.rp_id = options.rp_id;
  record.origin = options.origin;
  record.challenge = options.challenge;
  record.user = EnrollmentUser{Bytes{'u', 's', 'e', 'r', '-', '1'}, "alice@example.com", "Alice"};
  record.device = {{"aaguid", uuid_format(credential.aaguid)}, {"product", "acctsec soft authenticator"}};
  record.created_at = "2024-05-01T12:00:00Z";
  record.response = make_registration(credential, options);
  return record;
}

}  // namespace acctsec::webauthn::testing
