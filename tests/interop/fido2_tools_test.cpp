// The interop tier's fido2-tools leg: records made by lib/webauthn's encoders (through the same
// software authenticator the unit tests use) are converted by fido2_tools_input and must be accepted
// by libfido2's own verifiers, `fido2-cred -V` and `fido2-assert -V`; tampered copies must not be.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "fido2_tools_format.hpp"
#include "process.hpp"
#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/cbor.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;
using namespace acctsec::interop::testing;

namespace {

Run convert_cred(const TempDir& dir, const EnrollmentRecord& record) {
  write(dir.file("enrollment.json"), enrollment_record_to_json(record).dump(2));
  return run(quote(FIDO2_TOOLS_INPUT) + " cred " + quote(dir.file("enrollment.json")) + " " +
             quote(dir.file("cred.txt")));
}

Run fido2_cred_verify(const TempDir& dir, const std::string& type, const std::string& flags = "") {
  return run(quote(FIDO2_CRED_PATH) + " -V " + flags + " -i " + quote(dir.file("cred.txt")) + " " + type);
}

Run convert_assert(const TempDir& dir, const EnrollmentRecord& record, const AuthenticationResponse& response,
                   const std::string& rp_id = "") {
  write(dir.file("enrollment.json"), enrollment_record_to_json(record).dump(2));
  write(dir.file("assertion.json"), authentication_response_to_json(response).dump(2));
  return run(quote(FIDO2_TOOLS_INPUT) + " assert " + quote(dir.file("enrollment.json")) + " " +
             quote(dir.file("assertion.json")) + " " + quote(dir.file("assert.txt")) + " " +
             quote(dir.file("pub.pem")) + (rp_id.empty() ? "" : " " + quote(rp_id)));
}

Run fido2_assert_verify(const TempDir& dir, const std::string& type, const std::string& flags = "") {
  return run(quote(FIDO2_ASSERT_PATH) + " -V " + flags + " -i " + quote(dir.file("assert.txt")) + " " +
             quote(dir.file("pub.pem")) + " " + type);
}

const int k_fido2_tools_algorithms[] = {k_cose_alg_es256, k_cose_alg_es384, k_cose_alg_rs256, k_cose_alg_eddsa};

}  // namespace

TEST_SUITE("interop::fido2_tools") {
  TEST_CASE("fido2-cred -V accepts libfido2's own packed registration written in our input format") {
    const auto v = load_vector("libfido2_cred_es256_packed.json");
    const Bytes auth_data = *cbor::decode_byte_string(hex(v["authenticatorDataCbor"]));
    const Bytes certificate = hex(v["x5c"]);
    TempDir dir;
    write(dir.file("cred.txt"),
          interop::fido2_cred_lines(hex(v["clientDataHash"]), "localhost", "packed", auth_data, hex(v["credentialId"]),
                                    hex(v["signature"]), ByteView(certificate)));
    const auto verified = fido2_cred_verify(dir, "es256");
    CHECK(verified.status == 0);
    CHECK(verified.out.rfind(base64_encode(hex(v["credentialId"])) + "\n", 0) == 0);

    // The same input with another RP ID must fail: the checker is really checking.
    write(dir.file("cred.txt"),
          interop::fido2_cred_lines(hex(v["clientDataHash"]), "example.com", "packed", auth_data,
                                    hex(v["credentialId"]), hex(v["signature"]), ByteView(certificate)));
    CHECK(fido2_cred_verify(dir, "es256").status != 0);
  }

  TEST_CASE("fido2-cred -V accepts our packed registrations and prints our credential ID and public key") {
    for (const int alg : k_fido2_tools_algorithms) {
      for (const auto attestation : {Attestation::packed_self, Attestation::packed_x5c}) {
        CAPTURE(alg);
        CAPTURE(static_cast<int>(attestation));
        const auto credential = make_credential(alg);
        RegistrationOptions options;
        options.attestation = attestation;
        const auto record = make_enrollment(credential, options);
        TempDir dir;
        const auto converted = convert_cred(dir, record);
        REQUIRE(converted.status == 0);
        const std::string type = trim(converted.out);
        CHECK(type == *interop::fido2_type_name(alg));
        const auto verified = fido2_cred_verify(dir, type);
        CHECK(verified.status == 0);
        const auto expected_pem = interop::pem_public_key(*record.response.public_key_spki);
        CHECK(verified.out == base64_encode(credential.credential_id) + "\n" + expected_pem);
      }
    }
  }

  TEST_CASE("fido2-cred -V checks user verification when asked, against the flags we wrote") {
    const auto credential = make_credential(k_cose_alg_es256);
    RegistrationOptions options;
    options.flags = k_flag_user_present | k_flag_user_verified;
    TempDir dir;
    REQUIRE(convert_cred(dir, make_enrollment(credential, options)).status == 0);
    CHECK(fido2_cred_verify(dir, "es256", "-v").status == 0);
    options.flags = k_flag_user_present;
    REQUIRE(convert_cred(dir, make_enrollment(credential, options)).status == 0);
    CHECK(fido2_cred_verify(dir, "es256", "-v").status != 0);
  }

  TEST_CASE("fido2-cred -V refuses a registration whose clientDataJSON was altered after signing") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto record = make_enrollment(credential, {});
    record.response.client_data_json[10] ^= 0x01;
    TempDir dir;
    REQUIRE(convert_cred(dir, record).status == 0);
    CHECK(fido2_cred_verify(dir, "es256").status != 0);
  }

  TEST_CASE("fido2-assert -V accepts our assertions for every algorithm fido2-tools supports") {
    for (const int alg : k_fido2_tools_algorithms) {
      CAPTURE(alg);
      const auto credential = make_credential(alg);
      const auto record = make_enrollment(credential, {});
      AssertionOptions options;
      options.flags = k_flag_user_present | k_flag_user_verified;
      const auto response = make_assertion(credential, options);
      TempDir dir;
      const auto converted = convert_assert(dir, record, response);
      REQUIRE(converted.status == 0);
      const std::string type = trim(converted.out);
      CHECK(fido2_assert_verify(dir, type).status == 0);
      CHECK(fido2_assert_verify(dir, type, "-p -v").status == 0);
    }
  }

  TEST_CASE("fido2-assert -V refuses tampered assertions, another RP ID and missing user presence") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto record = make_enrollment(credential, {});
    auto response = make_assertion(credential, {});
    TempDir dir;
    REQUIRE(convert_assert(dir, record, response).status == 0);
    REQUIRE(fido2_assert_verify(dir, "es256", "-p").status == 0);
    CHECK(fido2_assert_verify(dir, "es256", "-v").status != 0);  // UV was not set

    REQUIRE(convert_assert(dir, record, response, "evil.example").status == 0);
    CHECK(fido2_assert_verify(dir, "es256").status != 0);

    auto tampered = response;
    tampered.signature[tampered.signature.size() / 2] ^= 0x01;
    REQUIRE(convert_assert(dir, record, tampered).status == 0);
    CHECK(fido2_assert_verify(dir, "es256").status != 0);

    tampered = response;
    tampered.authenticator_data.back() ^= 0x01;  // the counter
    REQUIRE(convert_assert(dir, record, tampered).status == 0);
    CHECK(fido2_assert_verify(dir, "es256").status != 0);

    AssertionOptions absent;
    absent.flags = 0;
    REQUIRE(convert_assert(dir, record, make_assertion(credential, absent)).status == 0);
    CHECK(fido2_assert_verify(dir, "es256").status == 0);
    CHECK(fido2_assert_verify(dir, "es256", "-p").status != 0);
  }

  TEST_CASE("the converter refuses what fido2-tools cannot verify and explains why") {
    TempDir dir;
    const auto es256 = make_credential(k_cose_alg_es256);
    RegistrationOptions none;
    none.attestation = Attestation::none;
    const auto refused = convert_cred(dir, make_enrollment(es256, none));
    CHECK(refused.status == 1);

    const auto ps256 = make_credential(k_cose_alg_ps256);
    CHECK(convert_cred(dir, make_enrollment(ps256, {})).status == 1);
    CHECK_FALSE(interop::fido2_type_name(k_cose_alg_ps256).has_value());
    CHECK(interop::fido2_type_name(k_cose_alg_ps256).error().message.find("PS256") != std::string::npos);

    write(dir.file("not-a-record.json"), R"({"schema":"something/else"})");
    CHECK(run(quote(FIDO2_TOOLS_INPUT) + " cred " + quote(dir.file("not-a-record.json")) + " " +
              quote(dir.file("cred.txt")))
              .status == 1);
    CHECK(run(quote(FIDO2_TOOLS_INPUT) + " frobnicate 2>/dev/null").status == 2);
  }

  TEST_CASE("the input formats have the documented line order") {
    const Bytes hash(32, 0xaa);
    const Bytes auth_data(37, 0x01);
    const std::string cred =
        interop::fido2_cred_lines(hash, "example.com", "packed", auth_data, Bytes{1, 2}, Bytes{3}, std::nullopt);
    std::istringstream lines(cred);
    std::string line;
    std::vector<std::string> all;
    while (std::getline(lines, line)) all.push_back(line);
    REQUIRE(all.size() == 6);
    CHECK(all[0] == base64_encode(hash));
    CHECK(all[1] == "example.com");
    CHECK(all[2] == "packed");
    CHECK(all[3] == base64_encode(cbor::encode_byte_string(auth_data)));  // CBOR-wrapped: starts 0x58 0x25
    CHECK(all[3].rfind("WCU", 0) == 0);
    CHECK(all[4] == "AQI=");
    CHECK(all[5] == "Aw==");
    CHECK(interop::fido2_assert_lines(hash, "example.com", auth_data, Bytes{3}) ==
          all[0] + "\nexample.com\n" + all[3] + "\nAw==\n");
  }
}
