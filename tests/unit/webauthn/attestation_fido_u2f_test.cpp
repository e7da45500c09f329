#include <doctest/doctest.h>

#include "unit/webauthn/attestation_fixtures.hpp"
#include "webauthn/attestation_statement.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

const TestCa& test_ca() {
  static const TestCa ca = make_ca("acctsec fido-u2f test CA");
  return ca;
}

Result<AttestationResult> verify_u2f(const RegistrationResponse& response) {
  const DecodedRegistration decoded(response);
  return attestation_verify_fido_u2f(decoded.input());
}

std::string u2f_error(const RegistrationResponse& response) {
  auto result = verify_u2f(response);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == ErrorCategory::rejected);
  CHECK(result.error().message.starts_with("fido-u2f attestation: "));
  return result.error().message;
}

// A credential whose registration carries a well-formed statement with a placeholder signature.
RegistrationResponse unsigned_registration(const SoftCredential& credential, const std::vector<Bytes>& x5c) {
  const RegistrationOptions options;
  const Bytes auth_data = make_auth_data(options.rp_id, options.flags, 0, &credential);
  return registration_with_statement(credential, options, "fido-u2f", fido_u2f_statement_encode(Bytes(70, 0x30), x5c),
                                     auth_data);
}

}  // namespace

TEST_SUITE("webauthn::fido_u2f") {
  TEST_CASE("verifies the published fido-u2f registrations") {
    for (const auto* name : {"w3c_fido_u2f_es256", "pywebauthn_yubikey_fido_u2f"}) {
      CAPTURE(name);
      const auto vector = load_registration_vector(name);
      const auto result = verify_u2f(vector.response);
      REQUIRE_MESSAGE(result.has_value(), result.error().message);
      CHECK(result->type == AttestationType::basic);
      CHECK(result->trust_path.size() == 1);
    }
  }

  TEST_CASE("verifies a generated U2F registration over 0x00 || rpIdHash || clientDataHash || credId || point") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto attester = make_attester(test_ca(), {});
    const auto result = verify_u2f(make_fido_u2f_registration(credential, attester));
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->type == AttestationType::basic);
  }

  TEST_CASE("x5c must hold exactly one certificate") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto attester = make_attester(test_ca(), {});
    attester.x5c.push_back(certificate_der(test_ca().cert.get()));
    CHECK(u2f_error(make_fido_u2f_registration(credential, attester)) ==
          "fido-u2f attestation: x5c holds 2 certificates; it must hold exactly one");
  }

  TEST_CASE("the attestation certificate's key must be P-256") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto attester = make_attester(test_ca(), {}, k_cose_alg_es384);
    CHECK(u2f_error(unsigned_registration(credential, attester.x5c)) ==
          "fido-u2f attestation: the attestation certificate's public key is not an EC key on P-256");
  }

  TEST_CASE("the credential key must be EC2 on P-256") {
    const auto attester = make_attester(test_ca(), {});
    for (const int alg : {k_cose_alg_eddsa, k_cose_alg_es384, k_cose_alg_rs256}) {
      CAPTURE(alg);
      const auto credential = make_credential(alg);
      CHECK(u2f_error(unsigned_registration(credential, attester.x5c))
                .find("U2F credentials are EC2 keys on P-256") != std::string::npos);
    }
  }

  TEST_CASE("a flipped bit in the signature, credential ID, RP ID hash or client data breaks the signature") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto attester = make_attester(test_ca(), {});
    const auto good = make_fido_u2f_registration(credential, attester);
    {
      RegistrationResponse response = good;
      const auto object = attestation_object_decode(response.attestation_object);
      cbor::Reader reader(object->att_stmt_cbor);
      Bytes sig;
      const auto entries = reader.read_map();
      REQUIRE(entries.has_value());
      for (const auto& entry : *entries) {
        if (std::get<std::string>(entry.key) == "sig") sig = *cbor::Reader(entry.value).read_bytes();
      }
      sig[12] ^= 0x01;
      replace_statement(response, fido_u2f_statement_encode(sig, attester.x5c));
      CHECK(u2f_error(response).find("signature does not verify over the U2F verification data") != std::string::npos);
    }
    for (const std::size_t offset : {std::size_t{3}, std::size_t{55 + 5}}) {  // rpIdHash, credential ID
      CAPTURE(offset);
      RegistrationResponse response = good;
      Bytes auth_data = attestation_object_decode(response.attestation_object)->auth_data;
      auth_data[offset] ^= 0x01;
      replace_auth_data(response, auth_data);
      CHECK(u2f_error(response).find("signature does not verify") != std::string::npos);
    }
    RegistrationResponse response = good;
    response.client_data_json[2] ^= 0x20;
    CHECK(u2f_error(response).find("signature does not verify") != std::string::npos);
  }

  TEST_CASE("the sign counter is not part of U2F's signed data (§8.6), so changing it is not caught here") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto response = make_fido_u2f_registration(credential, make_attester(test_ca(), {}));
    Bytes auth_data = attestation_object_decode(response.attestation_object)->auth_data;
    auth_data[36] ^= 0x01;
    replace_auth_data(response, auth_data);
    CHECK(verify_u2f(response).has_value());
  }

  TEST_CASE("malformed statements are rejected by field") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto response = make_fido_u2f_registration(credential, make_attester(test_ca(), {}));
    cbor::Writer only_sig;
    only_sig.map(1), only_sig.text("sig"), only_sig.bytes(Bytes(8, 1));
    replace_statement(response, only_sig.take());
    CHECK(u2f_error(response) == "fido-u2f attestation: x5c is missing");
    cbor::Writer extra;
    extra.map(2), extra.text("alg"), extra.integer(-7), extra.text("sig"), extra.bytes(Bytes(8, 1));
    replace_statement(response, extra.take());
    CHECK(u2f_error(response) == "fido-u2f attestation: attStmt has unexpected key \"alg\"");
    replace_statement(response, fido_u2f_statement_encode(Bytes{}, {Bytes{0x30}}));
    CHECK(u2f_error(response) == "fido-u2f attestation: sig is empty");
  }
}
