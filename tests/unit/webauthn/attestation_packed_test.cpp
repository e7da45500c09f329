#include <doctest/doctest.h>

#include <functional>

#include "unit/webauthn/attestation_fixtures.hpp"
#include "webauthn/attestation_statement.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

const TestCa& test_ca() {
  static const TestCa ca = make_ca("acctsec packed test CA");
  return ca;
}

// A spec whose AAGUID extension matches the soft credential's AAGUID.
CertificateSpec good_spec() {
  CertificateSpec spec;
  spec.aaguid = Bytes(16, 0x42);
  return spec;
}

Result<AttestationResult> verify_packed(const RegistrationResponse& response) {
  const DecodedRegistration decoded(response);
  return attestation_verify_packed(decoded.input());
}

std::string packed_error(const RegistrationResponse& response) {
  auto result = verify_packed(response);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == ErrorCategory::rejected);
  return result.error().message;
}

}  // namespace

TEST_SUITE("webauthn::packed") {
  TEST_CASE("verifies the published packed vectors with x5c as basic attestation") {
    for (const auto* name : {"w3c_packed_es256", "w3c_packed_eddsa", "pywebauthn_yubikey_packed"}) {
      CAPTURE(name);
      const auto vector = load_registration_vector(name);
      const auto result = verify_packed(vector.response);
      REQUIRE_MESSAGE(result.has_value(), result.error().message);
      CHECK(result->type == AttestationType::basic);
      CHECK(result->trust_path.size() == 1);
    }
  }

  TEST_CASE("verifies the published self attestation with the credential key") {
    const auto vector = load_registration_vector("w3c_packed_self_es256");
    const auto result = verify_packed(vector.response);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->type == AttestationType::self);
    CHECK(result->trust_path.empty());
  }

  TEST_CASE("self attestation: every algorithm signs with its own key") {
    for (const int alg : {k_cose_alg_es256, k_cose_alg_es384, k_cose_alg_es512, k_cose_alg_eddsa, k_cose_alg_rs256,
                          k_cose_alg_ps256}) {
      CAPTURE(alg);
      const auto credential = make_credential(alg);
      const auto result = verify_packed(make_registration(credential, {}));
      REQUIRE_MESSAGE(result.has_value(), result.error().message);
      CHECK(result->type == AttestationType::self);
    }
  }

  TEST_CASE("self attestation with an alg other than the credential key's is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto response = make_registration(credential, {});
    const auto object = attestation_object_decode(response.attestation_object);
    auto statement = *packed_statement_decode(object->att_stmt_cbor);
    statement.alg = k_cose_alg_es384;
    replace_statement(response, packed_statement_encode(statement));
    CHECK(packed_error(response) ==
          "packed attestation: self attestation alg is ES384 but the credential public key's alg is ES256");
  }

  TEST_CASE("self attestation with a flipped signature bit is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto response = make_registration(credential, {});
    const auto object = attestation_object_decode(response.attestation_object);
    auto statement = *packed_statement_decode(object->att_stmt_cbor);
    statement.sig[statement.sig.size() / 2] ^= 0x01;
    replace_statement(response, packed_statement_encode(statement));
    CHECK(packed_error(response).find("self attestation ES256 signature does not verify") != std::string::npos);
  }

  TEST_CASE("accepts a packed x5c statement from a conforming attestation certificate") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto attester = make_attester(test_ca(), good_spec());
    const auto result = verify_packed(make_packed_registration(credential, attester));
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->type == AttestationType::basic);
    REQUIRE(result->trust_path.size() == 1);
    CHECK(certificate_der(result->trust_path[0].get()) == attester.x5c[0]);
  }

  TEST_CASE("accepts RS256 and ES384 attestation keys") {
    const auto credential = make_credential(k_cose_alg_es256);
    for (const int alg : {k_cose_alg_rs256, k_cose_alg_es384}) {
      CAPTURE(alg);
      const auto attester = make_attester(test_ca(), good_spec(), alg);
      const auto result = verify_packed(make_packed_registration(credential, attester, {}, alg));
      CHECK_MESSAGE(result.has_value(), (result ? "" : result.error().message));
    }
  }

  TEST_CASE("every §8.2.1 certificate requirement is enforced, naming the field") {
    struct Defect {
      const char* name;
      std::function<void(CertificateSpec&)> apply;
      const char* message;
    };
    const auto without = [](const char* field) {
      return [field](CertificateSpec& spec) {
        std::erase_if(spec.subject, [field](const auto& entry) { return entry.first == field; });
      };
    };
    const auto with = [](const char* field, const char* value) {
      return [field, value](CertificateSpec& spec) {
        for (auto& entry : spec.subject) {
          if (entry.first == field) entry.second = value;
        }
      };
    };
    const std::vector<Defect> defects{
        {"version 1", [](CertificateSpec& s) { s.version = 1, s.aaguid.reset(); }, "X.509 version 1"},
        {"no country", without("C"), "subject has no C (country) attribute"},
        {"lower-case country", with("C", "se"), "subject C is \"se\", not an ISO 3166 two-letter code"},
        {"three-letter country", with("C", "SWE"), "not an ISO 3166 two-letter code"},
        {"no organization", without("O"), "subject has no O (organization) attribute"},
        {"no OU", without("OU"), "subject has no OU (organizational unit) attribute"},
        {"other OU", with("OU", "Attestation"), "subject OU is \"Attestation\"; it must be \"Authenticator Attestation\""},
        {"no CN", without("CN"), "subject has no CN (common name) attribute"},
        {"no basic constraints", [](CertificateSpec& s) { s.ca.reset(); }, "no basic constraints extension"},
        {"a CA", [](CertificateSpec& s) { s.ca = true; }, "basic constraints say it is a CA"},
        {"critical AAGUID", [](CertificateSpec& s) { s.aaguid_critical = true; }, "is marked critical"},
        {"other AAGUID", [](CertificateSpec& s) { s.aaguid = Bytes(16, 0x43); },
         "AAGUID in the certificate's id-fido-gen-ce-aaguid extension (43434343-4343-4343-4343-434343434343) differs "
         "from the AAGUID in authenticatorData (42424242-4242-4242-4242-424242424242)"},
        {"short AAGUID", [](CertificateSpec& s) { s.aaguid = Bytes(15, 0x42); }, "is not a 16-byte OCTET STRING"},
    };
    const auto credential = make_credential(k_cose_alg_es256);
    for (const auto& defect : defects) {
      CAPTURE(defect.name);
      auto spec = good_spec();
      defect.apply(spec);
      const auto attester = make_attester(test_ca(), spec);
      const auto message = packed_error(make_packed_registration(credential, attester));
      CHECK_MESSAGE(message.find(defect.message) != std::string::npos, message);
      CHECK(message.starts_with("packed attestation: "));
    }
  }

  TEST_CASE("a certificate without the AAGUID extension is accepted (it is optional)") {
    auto spec = good_spec();
    spec.aaguid.reset();
    const auto attester = make_attester(test_ca(), spec);
    CHECK(verify_packed(make_packed_registration(make_credential(k_cose_alg_es256), attester)).has_value());
  }

  TEST_CASE("a signature by another key than the certificate's is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto attester = make_attester(test_ca(), good_spec());
    attester.key = generate_key(k_cose_alg_es256);
    CHECK(packed_error(make_packed_registration(credential, attester))
              .find("ES256 signature does not verify over authenticatorData and the clientDataJSON hash with the "
                    "attestation certificate's public key") != std::string::npos);
  }

  TEST_CASE("an alg that does not fit the certificate's key type is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto attester = make_attester(test_ca(), good_spec());
    auto response = make_packed_registration(credential, attester);
    const auto object = attestation_object_decode(response.attestation_object);
    auto statement = *packed_statement_decode(object->att_stmt_cbor);
    statement.alg = k_cose_alg_rs256;
    replace_statement(response, packed_statement_encode(statement));
    CHECK(packed_error(response).find("alg RS256 cannot be verified with the attestation certificate's key") !=
          std::string::npos);
  }

  TEST_CASE("one flipped bit in the signature, authData or clientDataJSON breaks the x5c signature") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto attester = make_attester(test_ca(), good_spec());
    const auto good = make_packed_registration(credential, attester);
    const std::vector<std::pair<const char*, std::function<void(RegistrationResponse&)>>> mutations{
        {"signature",
         [](RegistrationResponse& r) {
           const auto object = attestation_object_decode(r.attestation_object);
           auto statement = *packed_statement_decode(object->att_stmt_cbor);
           statement.sig[10] ^= 0x01;
           replace_statement(r, packed_statement_encode(statement));
         }},
        {"authData sign count",
         [](RegistrationResponse& r) {
           Bytes auth_data = attestation_object_decode(r.attestation_object)->auth_data;
           auth_data[36] ^= 0x01;
           replace_auth_data(r, auth_data);
         }},
        {"clientDataJSON", [](RegistrationResponse& r) { r.client_data_json[2] ^= 0x20; }},
    };
    for (const auto& [name, mutate] : mutations) {
      CAPTURE(name);
      RegistrationResponse response = good;
      mutate(response);
      CHECK(packed_error(response).find("signature does not verify") != std::string::npos);
    }
  }

  TEST_CASE("malformed statements are rejected by field") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto response = make_packed_registration(credential, make_attester(test_ca(), good_spec()));
    PackedStatement statement{k_cose_alg_es256, Bytes(70, 0x30), {Bytes{0x30, 0x00}}};
    replace_statement(response, packed_statement_encode(statement));
    CHECK(packed_error(response) == "packed attestation: x5c[0] is not a DER X.509 certificate");
    cbor::Writer w;
    w.map(3);
    w.text("alg"), w.integer(-7);
    w.text("sig"), w.bytes(Bytes(8, 1));
    w.text("ecdaaKeyId"), w.bytes(Bytes(8, 2));
    replace_statement(response, w.take());
    CHECK(packed_error(response).find("ECDAA") != std::string::npos);
  }

  TEST_CASE("the AAGUID extension check on its own") {
    const EvpPkeyPtr key = generate_key(k_cose_alg_es256);
    auto spec = good_spec();
    const X509Ptr cert = issue_certificate(spec, key.get(), nullptr, key.get());
    CHECK(certificate_check_aaguid_extension(cert.get(), Bytes(16, 0x42)).has_value());
    CHECK_FALSE(certificate_check_aaguid_extension(cert.get(), Bytes(16, 0x00)).has_value());
    spec.aaguid.reset();
    const X509Ptr without = issue_certificate(spec, key.get(), nullptr, key.get());
    CHECK(certificate_check_aaguid_extension(without.get(), Bytes(16, 0x00)).has_value());
    spec.extensions.emplace_back("1.3.6.1.4.1.45724.1.1.4", Bytes(18, 0x42), false);  // not an OCTET STRING
    const X509Ptr malformed = issue_certificate(spec, key.get(), nullptr, key.get());
    CHECK(certificate_check_aaguid_extension(malformed.get(), Bytes(16, 0x42)).error().message.find(
              "not a 16-byte OCTET STRING") != std::string::npos);
  }
}
