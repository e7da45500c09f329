#include <doctest/doctest.h>

#include <algorithm>

#include "webauthn/enrollment_policy.hpp"
#include "support/temp_file.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;

namespace {

const char* k_yubikey = "cb69481e-8ff7-4039-93ec-0a2729a154a8";

// A verified registration from a trusted, L1-certified, UV-capable model.
RegistrationVerdict good_verdict() {
  RegistrationVerdict v;
  v.verified = true;
  v.fmt = "packed";
  v.aaguid = *uuid_parse(k_yubikey);
  v.user_present = v.user_verified = true;
  v.trust.status = TrustStatus::trusted;
  v.attestation_subjects = {"CN=YubiKey attestation,OU=Authenticator Attestation,O=Yubico AB,C=SE"};
  AuthenticatorMetadata m;
  m.certification_level = 2;
  v.metadata = std::move(m);
  return v;
}

EnrollmentPolicy parse(const std::string& text) {
  auto p = enrollment_policy_parse(text, "policy.toml");
  REQUIRE_MESSAGE(p, (p ? "" : p.error().message));
  return *p;
}

bool any_names(const std::vector<std::string>& refusals, const std::string& rule) {
  return std::any_of(refusals.begin(), refusals.end(), [&](const std::string& r) { return r.starts_with("policy " + rule + ":"); });
}

}  // namespace

TEST_SUITE("webauthn::enrollment_policy") {
  TEST_CASE("the default policy accepts a real key and refuses a virtual one") {
    auto policy = parse("[enrollment]\n");
    CHECK(enrollment_policy_check(policy, good_verdict(), {}).empty());
    auto v = good_verdict();
    v.aaguid.assign(k_virtual_key_aaguid.begin(), k_virtual_key_aaguid.end());
    CHECK(any_names(enrollment_policy_check(policy, v, {}), "allow_virtual_keys"));
    // A virtual key with a borrowed AAGUID still names itself in its certificate.
    auto borrowed = good_verdict();
    borrowed.attestation_subjects = {"CN=Authenticator Attestation,OU=acctsec virtual key attestation,O=acctsec virtual authenticator,C=ZZ"};
    CHECK(any_names(enrollment_policy_check(policy, borrowed, {}), "allow_virtual_keys"));
    CHECK(enrollment_policy_check(parse("[enrollment]\nallow_virtual_keys = true\n"), v, {}).empty());
  }

  TEST_CASE("each rule refuses by name") {
    auto policy = parse(std::string("[enrollment]\n") + "allowed_aaguids = [\"" + "00000000-0000-0000-0000-000000000001" + "\"]\n" +
                        "formats = [\"tpm\"]\nrequire_trusted_attestation = true\nmin_certification_level = 3\n"
                        "require_user_verification = true\nrequire_discoverable = true\nmax_mds_age = \"7d\"\n");
    auto v = good_verdict();
    v.user_verified = false;
    v.trust.status = TrustStatus::unverified;
    auto refusals = enrollment_policy_check(policy, v, {.discoverable = false, .mds_age = std::chrono::seconds(8 * 86400)});
    for (const char* rule : {"allowed_aaguids", "formats", "require_trusted_attestation", "min_certification_level",
                             "require_user_verification", "require_discoverable", "max_mds_age"})
      CHECK_MESSAGE(any_names(refusals, rule), rule);
    CHECK(refusals.size() == 7);
    auto unknown_rk = enrollment_policy_check(policy, v, {});
    CHECK(any_names(unknown_rk, "require_discoverable"));
    CHECK_FALSE(any_names(unknown_rk, "max_mds_age"));  // MDS not consulted: nothing to age
  }

  TEST_CASE("denied AAGUIDs win, and certification needs metadata") {
    auto policy = parse(std::string("[enrollment]\ndenied_aaguids = [\"") + k_yubikey + "\"]\nmin_certification_level = 1\n");
    auto v = good_verdict();
    CHECK(any_names(enrollment_policy_check(policy, v, {}), "denied_aaguids"));
    v.metadata.reset();
    auto refusals = enrollment_policy_check(parse("[enrollment]\nmin_certification_level = 1\n"), v, {});
    REQUIRE(refusals.size() == 1);
    CHECK(refusals[0].find("--mds") != std::string::npos);
  }

  TEST_CASE("minimum keys per account") {
    auto policy = parse("[enrollment]\nmin_keys_per_account = 2\n");
    CHECK(enrollment_policy_check_key_count(policy, 2) == std::nullopt);
    auto one = enrollment_policy_check_key_count(policy, 1);
    REQUIRE(one);
    CHECK(one->starts_with("policy min_keys_per_account: 1 key enrolled"));
  }

  TEST_CASE("mistakes in the file are refused with the key, line and column") {
    struct Case {
      std::string text;
      const char* says;
    };
    for (const auto& c : {Case{"[enrollment]\nallow_virtual_key = true\n", "unknown policy key 'allow_virtual_key'"},
                          Case{"[enrollment]\nallow_virtual_keys = \"no\"\n", "policy.toml:2:22: policy allow_virtual_keys must be true or false"},
                          Case{"[enrollment]\nallowed_aaguids = [\"yubikey\"]\n", "'yubikey' is not an AAGUID"},
                          Case{"[enrollment]\nformats = [\"packed\", \"u2f\"]\n", "'u2f' is not an attestation format"},
                          Case{"[enrollment]\nmin_certification_level = 4\n", "min_certification_level must be a whole number from 0 to 3"},
                          Case{"[enrollment]\nmin_keys_per_account = -1\n", "min_keys_per_account must be a whole number"},
                          Case{"[enrollment]\nmax_mds_age = \"a month\"\n", "max_mds_age must be a duration"},
                          Case{"[enrolment]\n", "unknown policy table or key 'enrolment'"},
                          Case{"allow_virtual_keys = true\n", "unknown policy table or key"},
                          Case{"", "no [enrollment] table"},
                          Case{"[enrollment\n", "policy.toml:1:"},
                          Case{std::string("[enrollment]\nallowed_aaguids = [\"").append(k_yubikey).append("\"]\ndenied_aaguids = [\"").append(k_yubikey).append("\"]\n"),
                               "both allowed and denied"}}) {
      auto p = enrollment_policy_parse(c.text, "policy.toml");
      REQUIRE_MESSAGE(!p, c.text);
      CHECK(p.error().category == ErrorCategory::usage);
      CHECK_MESSAGE(p.error().message.find(c.says) != std::string::npos, p.error().message);
    }
  }

  TEST_CASE("a missing policy file is not_found, a present one loads") {
    CHECK(enrollment_policy_load("/nonexistent/policy.toml").error().category == ErrorCategory::not_found);
    test::TempFile f("[enrollment]\nrequire_user_verification = true\n");
    auto p = enrollment_policy_load(f.path());
    REQUIRE(p);
    CHECK(p->require_user_verification);
    CHECK(p->source == f.path());
  }
}
