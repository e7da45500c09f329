#include <doctest/doctest.h>

#include "unit/webauthn/attestation_fixtures.hpp"
#include "webauthn/attestation_statement.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

const TestCa& test_ca() {
  static const TestCa ca = make_ca("acctsec apple test CA");
  return ca;
}

Result<AttestationResult> verify_apple(const RegistrationResponse& response) {
  const DecodedRegistration decoded(response);
  return attestation_verify_apple(decoded.input());
}

std::string apple_error(const RegistrationResponse& response) {
  auto result = verify_apple(response);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == ErrorCategory::rejected);
  CHECK(result.error().message.starts_with("apple attestation: "));
  return result.error().message;
}

}  // namespace

TEST_SUITE("webauthn::apple") {
  TEST_CASE("verifies the published apple registrations as anonymization CA attestation") {
    for (const auto* name : {"w3c_apple_es256", "pywebauthn_apple_passkey"}) {
      CAPTURE(name);
      const auto vector = load_registration_vector(name);
      const auto result = verify_apple(vector.response);
      REQUIRE_MESSAGE(result.has_value(), result.error().message);
      CHECK(result->type == AttestationType::anonca);
      CHECK_FALSE(result->trust_path.empty());
    }
  }

  TEST_CASE("verifies a generated registration whose certificate carries the nonce") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto result = verify_apple(make_apple_registration(credential, test_ca()));
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->trust_path.size() == 2);
  }

  TEST_CASE("each §8.8 check is enforced") {
    const auto credential = make_credential(k_cose_alg_es256);
    AppleOptions no_nonce, wrong_nonce, other_key;
    no_nonce.with_nonce = false;
    wrong_nonce.wrong_nonce = true;
    other_key.other_key = true;
    CHECK(apple_error(make_apple_registration(credential, test_ca(), no_nonce)) ==
          "apple attestation: the credential certificate has no nonce extension (1.2.840.113635.100.8.2)");
    CHECK(apple_error(make_apple_registration(credential, test_ca(), wrong_nonce)) ==
          "apple attestation: the nonce in the credential certificate is not SHA-256(authenticatorData || "
          "clientDataHash)");
    CHECK(apple_error(make_apple_registration(credential, test_ca(), other_key)) ==
          "apple attestation: the credential public key differs from the credential certificate's subject public key");
  }

  TEST_CASE("a flipped bit in authData or clientDataJSON changes the nonce") {
    const auto vector = load_registration_vector("w3c_apple_es256");
    RegistrationResponse response = vector.response;
    Bytes auth_data = attestation_object_decode(response.attestation_object)->auth_data;
    auth_data[36] ^= 0x01;
    replace_auth_data(response, auth_data);
    CHECK(apple_error(response).find("nonce in the credential certificate") != std::string::npos);
    response = vector.response;
    response.client_data_json[2] ^= 0x20;
    CHECK(apple_error(response).find("nonce in the credential certificate") != std::string::npos);
  }

  TEST_CASE("a nonce extension of another shape is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto registration = make_apple_registration(credential, test_ca());
    // Same certificate but with the nonce as a bare OCTET STRING.
    const auto object = attestation_object_decode(registration.attestation_object);
    const Bytes nonce = sha256(signed_over(object->auth_data, registration.client_data_json));
    CertificateSpec spec;
    spec.subject = {{"CN", "acctsec test credential"}};
    Bytes bare{0x04, 0x20};
    bare.insert(bare.end(), nonce.begin(), nonce.end());
    spec.extensions.emplace_back("1.2.840.113635.100.8.2", bare, false);
    const CoseKey key = *cose_key_decode(credential.public_key_cose);
    const X509Ptr cert = issue_certificate(spec, key.key.get(), test_ca().cert.get(), test_ca().key.get());
    cbor::Writer w;
    w.map(1), w.text("x5c"), w.array(1), w.bytes(certificate_der(cert.get()));
    replace_statement(registration, w.take());
    CHECK(apple_error(registration) ==
          "apple attestation: the nonce extension (1.2.840.113635.100.8.2) is not SEQUENCE { [1] OCTET STRING }");
  }

  TEST_CASE("malformed statements are rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto registration = make_apple_registration(credential, test_ca());
    replace_statement(registration, Bytes{0xa0});
    CHECK(apple_error(registration) == "apple attestation: x5c is missing");
    cbor::Writer w;
    w.map(1), w.text("x5c"), w.array(0);
    replace_statement(registration, w.take());
    CHECK(apple_error(registration) == "apple attestation: x5c is empty; it needs the credential certificate");
  }
}
