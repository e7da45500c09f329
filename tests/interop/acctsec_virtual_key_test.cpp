// The interop tier against the real binary: the virtual key enrolls through `acctsec key enroll` and
// asserts through `acctsec key test`, and libfido2's own verifiers (`fido2-cred -V`,
// `fido2-assert -V`) must accept what acctsec wrote — and refuse tampered copies.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "process.hpp"
#include "webauthn/assertion_check.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/enrollment_record.hpp"

using namespace acctsec;
using namespace acctsec::interop::testing;

namespace {

// Runs acctsec in `dir` with a clean environment: no ACCTSEC_* from the caller, config and state
// under the scratch directory.
Run acctsec(const TempDir& dir, const std::string& arguments) {
  return run("cd " + quote(dir.path()) + " && env -i PATH=/usr/bin:/bin HOME=" + quote(dir.path()) +
             " XDG_CONFIG_HOME=" + quote(dir.file("config")) + " XDG_STATE_HOME=" + quote(dir.file("state")) +
             " ACCTSEC_TEST=1 " + quote(ACCTSEC_BINARY) + " " + arguments + " </dev/null");
}

// Creates a virtual key and enrolls it into enrollment.json.
void enroll(const TempDir& dir, const std::string& attestation, const std::string& alg) {
  REQUIRE(acctsec(dir, "key virtual create vk.json --attestation " + attestation + " >/dev/null").status == 0);
  REQUIRE(acctsec(dir,
                  "--device virtual:vk.json key enroll --rp-id example.com --user alice@example.com "
                  "--attestation direct --alg " +
                      alg + " --out enrollment.json >/dev/null")
              .status == 0);
}

// Runs `acctsec key test` and writes the AuthenticationResponseJSON it made to assertion.json.
nlohmann::json key_test(const TempDir& dir) {
  const auto tested = acctsec(dir, "--device virtual:vk.json --json key test --enrollment enrollment.json");
  REQUIRE(tested.status == 0);
  const auto report = nlohmann::json::parse(tested.out, nullptr, false);
  REQUIRE(report.is_object());
  REQUIRE_MESSAGE(report.contains("response"),
                  (std::string("acctsec key test --json no longer reports the assertion: ") + tested.out));
  write(dir.file("assertion.json"), report["response"].dump(2));
  return report["response"];
}

Run convert_cred(const TempDir& dir) {
  return run(quote(FIDO2_TOOLS_INPUT) + " cred " + quote(dir.file("enrollment.json")) + " " +
             quote(dir.file("cred.txt")));
}

Run convert_assert(const TempDir& dir, const std::string& rp_id = "") {
  return run(quote(FIDO2_TOOLS_INPUT) + " assert " + quote(dir.file("enrollment.json")) + " " +
             quote(dir.file("assertion.json")) + " " + quote(dir.file("assert.txt")) + " " +
             quote(dir.file("pub.pem")) + (rp_id.empty() ? "" : " " + quote(rp_id)));
}

Run fido2_cred_verify(const TempDir& dir, const std::string& type) {
  return run(quote(FIDO2_CRED_PATH) + " -V -i " + quote(dir.file("cred.txt")) + " " + type);
}

Run fido2_assert_verify(const TempDir& dir, const std::string& type) {
  return run(quote(FIDO2_ASSERT_PATH) + " -V -p -i " + quote(dir.file("assert.txt")) + " " +
             quote(dir.file("pub.pem")) + " " + type);
}

}  // namespace

TEST_SUITE("interop::virtual_key") {
  TEST_CASE("fido2-cred -V accepts the enrollment records acctsec key enroll writes for the virtual key") {
    for (const std::string attestation : {"packed", "self"}) {
      for (const std::string alg : {"es256", "eddsa"}) {
        CAPTURE(attestation);
        CAPTURE(alg);
        TempDir dir;
        enroll(dir, attestation, alg);
        const auto record =
            webauthn::enrollment_record_from_json(nlohmann::json::parse(read(dir.file("enrollment.json"))));
        CHECK_MESSAGE(record.has_value(), (record ? std::string() : record.error().message));
        const auto converted = convert_cred(dir);
        REQUIRE(converted.status == 0);
        CHECK(trim(converted.out) == alg);
        CHECK(fido2_cred_verify(dir, alg).status == 0);
      }
    }
  }

  TEST_CASE("fido2-assert -V accepts the assertion acctsec key test makes with the virtual key") {
    for (const std::string alg : {"es256", "eddsa"}) {
      CAPTURE(alg);
      TempDir dir;
      enroll(dir, "packed", alg);
      key_test(dir);
      const auto converted = convert_assert(dir);
      REQUIRE(converted.status == 0);
      CHECK(fido2_assert_verify(dir, trim(converted.out)).status == 0);
    }
  }

  TEST_CASE("fido2-assert -V refuses the virtual key's assertion for another RP ID or with a flipped signature bit") {
    TempDir dir;
    enroll(dir, "packed", "es256");
    auto assertion = key_test(dir);
    REQUIRE(convert_assert(dir).status == 0);
    REQUIRE(fido2_assert_verify(dir, "es256").status == 0);

    REQUIRE(convert_assert(dir, "evil.example").status == 0);
    CHECK(fido2_assert_verify(dir, "es256").status != 0);

    auto signature = *base64url_decode(assertion["response"]["signature"].get<std::string>());
    signature[signature.size() / 2] ^= 0x01;
    assertion["response"]["signature"] = base64url_encode(signature);
    write(dir.file("assertion.json"), assertion.dump(2));
    REQUIRE(convert_assert(dir).status == 0);
    CHECK(fido2_assert_verify(dir, "es256").status != 0);
  }

  TEST_CASE("a replayed key test assertion is refused by lib/webauthn as a possible clone") {
    TempDir dir;
    enroll(dir, "packed", "es256");
    const auto first = key_test(dir);
    const auto record = webauthn::enrollment_record_from_json(nlohmann::json::parse(read(dir.file("enrollment.json"))));
    REQUIRE(record.has_value());
    const auto credential = webauthn::enrollment_record_credential(*record);
    REQUIRE(credential.has_value());
    const auto response = webauthn::authentication_response_from_json(first);
    REQUIRE(response.has_value());
    const auto client = nlohmann::json::parse(response->client_data_json);
    webauthn::AssertionExpectation expected;
    expected.challenge = *base64url_decode(client["challenge"].get<std::string>());
    expected.origin = record->origin;
    expected.rp_id = record->rp_id;
    expected.credential_public_key = credential->public_key_cose;
    expected.credential_id = credential->credential_id;
    expected.stored_sign_count = credential->sign_count;
    const auto fresh = webauthn::assertion_verify(*response, expected);
    CHECK(fresh.verified);
    expected.stored_sign_count = fresh.sign_count;  // as if this assertion had been seen before
    const auto replayed = webauthn::assertion_verify(*response, expected);
    CHECK_FALSE(replayed.verified);
    CHECK(replayed.possible_clone);
  }

  TEST_CASE("the converter refuses an enrollment with attestation none, which fido2-cred cannot verify") {
    TempDir dir;
    enroll(dir, "none", "es256");
    CHECK(convert_cred(dir).status == 1);
  }
}
