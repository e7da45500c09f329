#include "webauthn/assertion_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>

#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

// An assertion together with what the relying party expects of it; valid as built.
struct Scenario {
  std::string name;
  AuthenticationResponse response;
  AssertionExpectation expected;
};

Scenario real_scenario(const std::string& file) {
  const auto example = load_real_example(file);
  const auto object = attestation_object_decode(example.attestation_object);
  const auto registration = authenticator_data_parse(object->auth_data);
  Scenario s;
  s.name = file;
  s.response = example.assertion;
  s.expected.challenge = example.assertion_challenge;
  s.expected.origin = example.origin;
  s.expected.rp_id = example.rp_id;
  s.expected.credential_public_key = registration->attested->public_key_cose;
  s.expected.credential_id = registration->attested->credential_id;
  s.expected.stored_sign_count = registration->sign_count;
  return s;
}

Scenario generated_scenario(int alg) {
  const auto credential = make_credential(alg);
  AssertionOptions options;
  Scenario s;
  s.name = cose_algorithm_name(alg) + " (generated)";
  s.response = make_assertion(credential, options);
  s.expected.challenge = options.challenge;
  s.expected.origin = options.origin;
  s.expected.rp_id = options.rp_id;
  s.expected.credential_public_key = credential.public_key_cose;
  s.expected.credential_id = credential.credential_id;
  s.expected.stored_sign_count = 0;
  return s;
}

std::vector<Scenario> all_scenarios() {
  std::vector<Scenario> out;
  for (const auto& file : real_example_files()) out.push_back(real_scenario(file));
  for (const int alg : {k_cose_alg_es256, k_cose_alg_es384, k_cose_alg_es512, k_cose_alg_eddsa, k_cose_alg_ed25519,
                        k_cose_alg_rs256, k_cose_alg_ps256}) {
    out.push_back(generated_scenario(alg));
  }
  return out;
}

bool has_reason(const AssertionVerdict& verdict, std::string_view text) {
  return std::any_of(verdict.reasons.begin(), verdict.reasons.end(),
                     [&](const std::string& reason) { return reason.find(text) != std::string::npos; });
}

std::string reasons_text(const AssertionVerdict& verdict) {
  std::string out;
  for (const auto& reason : verdict.reasons) out += reason + "\n";
  return out;
}

}  // namespace

TEST_SUITE("webauthn::assertion_check") {
  TEST_CASE("accepts real YubiKey assertions and generated assertions for every algorithm") {
    for (const auto& s : all_scenarios()) {
      CAPTURE(s.name);
      const auto verdict = assertion_verify(s.response, s.expected);
      CHECK_MESSAGE(verdict.verified, reasons_text(verdict));
      CHECK(verdict.reasons.empty());
      CHECK(verdict.user_present);
      CHECK_FALSE(verdict.possible_clone);
      CHECK(verdict.sign_count > s.expected.stored_sign_count);
    }
  }

  TEST_CASE("reports the counter and flags of a real assertion") {
    const auto verdict = assertion_verify(real_scenario("yubikey5nano_es256_packed_uv.json").response,
                                          real_scenario("yubikey5nano_es256_packed_uv.json").expected);
    CHECK(verdict.verified);
    CHECK(verdict.sign_count == 201);
    CHECK(verdict.user_verified);
    CHECK_FALSE(verdict.backup_eligible);
  }

  TEST_CASE("rejects each mutated copy of every accepted assertion and names the failed check") {
    struct Mutation {
      const char* name;
      std::function<void(Scenario&)> apply;
      const char* reason;
    };
    const Mutation mutations[] = {
        {"wrong challenge", [](Scenario& s) { s.expected.challenge[0] ^= 0x01; }, "challenge does not match"},
        {"wrong origin", [](Scenario& s) { s.expected.origin = "https://evil.example"; }, "clientData.origin is"},
        {"wrong RP ID", [](Scenario& s) { s.expected.rp_id = "evil.example"; }, "rpIdHash is not the SHA-256"},
        {"one bit flipped in the signature",
         [](Scenario& s) { s.response.signature[s.response.signature.size() / 2] ^= 0x04; },
         "signature does not verify"},
        {"one bit flipped in authenticatorData (the counter)",
         [](Scenario& s) { s.response.authenticator_data.back() ^= 0x01; }, "signature does not verify"},
        {"one bit flipped in authenticatorData (the rpIdHash)",
         [](Scenario& s) { s.response.authenticator_data[5] ^= 0x20; }, "rpIdHash"},
        {"one bit flipped in the public key", [](Scenario& s) { s.expected.credential_public_key.back() ^= 0x01; },
         "public key"},
        {"one bit flipped in clientDataJSON",
         [](Scenario& s) { s.response.client_data_json[s.response.client_data_json.size() / 3] ^= 0x01; },
         "signature does not verify"},
        {"counter replayed",
         [](Scenario& s) {
           s.expected.stored_sign_count = authenticator_data_parse(s.response.authenticator_data)->sign_count;
         },
         "signature counter went from"},
        {"another credential", [](Scenario& s) { s.expected.credential_id = Bytes(16, 0x77); }, "different credential"},
    };
    for (const auto& base : all_scenarios()) {
      for (const auto& mutation : mutations) {
        CAPTURE(base.name);
        CAPTURE(std::string(mutation.name));
        Scenario s = base;
        mutation.apply(s);
        const auto verdict = assertion_verify(s.response, s.expected);
        CHECK_FALSE(verdict.verified);
        CHECK_MESSAGE(has_reason(verdict, mutation.reason), reasons_text(verdict));
      }
    }
  }

  TEST_CASE("a replayed counter is flagged as a possible clone only when the signature is genuine") {
    auto s = generated_scenario(k_cose_alg_es256);
    s.expected.stored_sign_count = 5;  // the assertion carries 1
    auto verdict = assertion_verify(s.response, s.expected);
    CHECK_FALSE(verdict.verified);
    CHECK(verdict.possible_clone);
    CHECK(has_reason(verdict, "went from 5 to 1"));
    s.response.signature[10] ^= 0x01;
    verdict = assertion_verify(s.response, s.expected);
    CHECK_FALSE(verdict.verified);
    CHECK_FALSE(verdict.possible_clone);
  }

  TEST_CASE("authenticators without a counter (both zero) are accepted") {
    const auto credential = make_credential(k_cose_alg_eddsa);
    AssertionOptions options;
    options.sign_count = 0;
    AssertionExpectation expected{
        options.challenge, options.origin, options.rp_id, credential.public_key_cose, std::nullopt, 0, false};
    const auto verdict = assertion_verify(make_assertion(credential, options), expected);
    CHECK_MESSAGE(verdict.verified, reasons_text(verdict));
    // ...but a counter that drops back to zero is not.
    expected.stored_sign_count = 9;
    CHECK(assertion_verify(make_assertion(credential, options), expected).possible_clone);
  }

  TEST_CASE("collects every failed check instead of stopping at the first") {
    auto s = real_scenario("yubikey5nfc_es256_packed.json");
    s.expected.challenge = Bytes(32, 0);
    s.expected.origin = "https://other.example";
    s.expected.rp_id = "other.example";
    s.expected.require_user_verification = true;
    s.expected.stored_sign_count = 100;
    const auto verdict = assertion_verify(s.response, s.expected);
    CHECK_FALSE(verdict.verified);
    CHECK(verdict.reasons.size() == 5);
    CHECK(has_reason(verdict, "challenge"));
    CHECK(has_reason(verdict, "origin"));
    CHECK(has_reason(verdict, "rpIdHash"));
    CHECK(has_reason(verdict, "UV flag is clear"));
    CHECK(has_reason(verdict, "went from 100 to 58"));
    CHECK(verdict.possible_clone);  // the signature itself is genuine
  }

  TEST_CASE("requires UV only when asked, using real authenticator output") {
    auto up_only = real_scenario("yubikey5nfc_es256_packed.json");
    up_only.expected.require_user_verification = true;
    const auto refused = assertion_verify(up_only.response, up_only.expected);
    CHECK_FALSE(refused.verified);
    CHECK(refused.reasons == std::vector<std::string>{"User verification was required but the UV flag is clear."});

    auto with_uv = real_scenario("yubikey5nano_es256_packed_uv.json");
    with_uv.expected.require_user_verification = true;
    CHECK(assertion_verify(with_uv.response, with_uv.expected).verified);
  }

  TEST_CASE("rejects an assertion without user presence") {
    const auto credential = make_credential(k_cose_alg_es256);
    AssertionOptions options;
    options.flags = 0;
    const AssertionExpectation expected{
        options.challenge, options.origin, options.rp_id, credential.public_key_cose, std::nullopt, 0, false};
    const auto verdict = assertion_verify(make_assertion(credential, options), expected);
    CHECK_FALSE(verdict.verified);
    CHECK(has_reason(verdict, "UP flag is clear"));
    CHECK_FALSE(verdict.user_present);
  }

  TEST_CASE("rejects BS without BE, a registration clientData type, and cross-origin assertions") {
    const auto credential = make_credential(k_cose_alg_es256);
    const Bytes challenge(32, 0x22);
    const AssertionExpectation expected{
        challenge, "https://example.com", "example.com", credential.public_key_cose, std::nullopt, 0, false};
    AssertionOptions bs;
    bs.flags = k_flag_user_present | k_flag_backup_state;
    CHECK(has_reason(assertion_verify(make_assertion(credential, bs), expected), "BS (backup state) flag is set"));
    bs.flags |= k_flag_backup_eligible;
    CHECK(assertion_verify(make_assertion(credential, bs), expected).verified);

    AssertionOptions create;
    create.client_data_json = client_data_json(CeremonyType::create, challenge, "https://example.com");
    CHECK(has_reason(assertion_verify(make_assertion(credential, create), expected),
                     "clientData.type is \"webauthn.create\""));

    AssertionOptions cross;
    cross.client_data_json =
        R"({"type":"webauthn.get","challenge":")" + base64url_encode(challenge) +
        R"(","origin":"https://example.com","crossOrigin":true,"topOrigin":"https://top.example"})";
    const auto verdict = assertion_verify(make_assertion(credential, cross), expected);
    CHECK(verdict.reasons ==
          std::vector<std::string>{"clientData.crossOrigin is true; cross-origin assertions are not accepted."});
  }

  TEST_CASE("malformed inputs become reasons, never a verified verdict") {
    auto s = generated_scenario(k_cose_alg_es256);
    auto broken = s;
    broken.response.authenticator_data.resize(20);
    auto verdict = assertion_verify(broken.response, broken.expected);
    CHECK_FALSE(verdict.verified);
    CHECK(has_reason(verdict, "authenticatorData cannot be checked: authenticator data: it is 20 bytes"));
    CHECK(verdict.sign_count == 0);

    broken = s;
    broken.response.client_data_json = "not json";
    verdict = assertion_verify(broken.response, broken.expected);
    CHECK(has_reason(verdict, "clientDataJSON cannot be checked"));
    CHECK(has_reason(verdict, "signature does not verify"));

    broken = s;
    broken.expected.credential_public_key = Bytes{0xa0};
    verdict = assertion_verify(broken.response, broken.expected);
    CHECK(has_reason(verdict, "stored credential public key cannot be used: COSE_Key: kty (1) is missing"));

    broken = s;
    broken.response.signature.clear();
    CHECK_FALSE(assertion_verify(broken.response, broken.expected).verified);
  }
}
