// key verify-enrollment's judgement: what the server reports of a user's keys, under a policy.
#include "webauthn/enrollment_compliance.hpp"

#include <doctest/doctest.h>

using namespace acctsec;
using namespace acctsec::webauthn;
using nlohmann::json;

namespace {

const std::string k_model = "cb69481e-8ff7-4039-93ec-0a2729a154a8";

json key(const std::string& id, json overrides = json::object()) {
  json k = {{"schema", "acctsec.credential/1"}, {"id", id},         {"principal", "alice"},     {"fmt", "packed"},
            {"aaguid", k_model},               {"counter", 3},     {"userVerified", true},     {"virtualKey", false},
            {"trust", {{"status", "trusted"}}}, {"mds", nullptr},   {"discoverable", true},     {"createdAt", "2026-01-01T00:00:00Z"},
            {"lastUsedAt", nullptr}};
  k.update(overrides);
  return k;
}

UserCompliance judged(const std::string& policy_text, const json& credentials) {
  auto policy = enrollment_policy_parse("[enrollment]\n" + policy_text, "policy.toml");
  REQUIRE_MESSAGE(policy, policy.error().message);
  auto user = user_compliance_from_json({{"principal", "alice"}, {"roles", {"engineer"}}, {"credentials", credentials}});
  REQUIRE_MESSAGE(user, user.error().message);
  enrollment_compliance_check(*policy, *user);
  return *user;
}

bool mentions(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& l : lines)
    if (l.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_SUITE("webauthn::enrollment_compliance") {
  TEST_CASE("two trusted keys meet a two-key policy, and the newest use is the user's last use") {
    const auto user = judged("min_keys_per_account = 2\nrequire_trusted_attestation = true\n",
                             json::array({key("k1", {{"lastUsedAt", "2026-11-30T10:00:00Z"}}), key("k2", {{"lastUsedAt", "2026-12-01T09:00:00Z"}})}));
    CHECK(user.compliant());
    CHECK(user.accepted == 2);
    CHECK(user.last_used_at == "2026-12-01T09:00:00Z");
    CHECK(user.roles == std::vector<std::string>{"engineer"});
  }

  TEST_CASE("only accepted keys count toward the minimum, and each refused key says why") {
    const auto user = judged("min_keys_per_account = 2\ndenied_aaguids = [\"" + k_model + "\"]\n",
                             json::array({key("k1"), key("k2", {{"aaguid", "00000000-0000-0000-0000-000000000001"}})}));
    CHECK_FALSE(user.compliant());
    CHECK(user.accepted == 1);
    CHECK(mentions(user.refusals, "policy min_keys_per_account: 1 of 2 enrolled keys acceptable, at least 2 required"));
    CHECK(mentions(user.refusals, "key k1: policy denied_aaguids"));
    CHECK(user.keys[1].refusals.empty());
  }

  TEST_CASE("each per-key rule refuses on the server's facts") {
    CHECK(mentions(judged("require_trusted_attestation = true\n", json::array({key("k", {{"trust", {{"status", "unverified"}}}})})).refusals,
                   "policy require_trusted_attestation: the attestation is unverified"));
    CHECK(mentions(judged("require_user_verification = true\n", json::array({key("k", {{"userVerified", false}})})).refusals,
                   "policy require_user_verification"));
    CHECK(mentions(judged("require_discoverable = true\n", json::array({key("k", {{"discoverable", nullptr}})})).refusals,
                   "policy require_discoverable"));
    CHECK(mentions(judged("formats = [\"tpm\"]\n", json::array({key("k")})).refusals, "policy formats: attestation format 'packed'"));
    CHECK(mentions(judged("", json::array({key("k", {{"virtualKey", true}})})).refusals, "policy allow_virtual_keys"));
    CHECK(judged("allow_virtual_keys = true\n", json::array({key("k", {{"virtualKey", true}})})).compliant());
    CHECK(mentions(judged("min_certification_level = 2\n", json::array({key("k", {{"mds", {{"status", "FIDO_CERTIFIED_L1"}, {"certificationLevel", 1}}}})})).refusals,
                   "certified at level 1, below L2"));
    CHECK(mentions(judged("min_certification_level = 1\n", json::array({key("k")})).refusals, "no FIDO metadata"));
  }

  TEST_CASE("an MDS status no one should trust refuses the key whatever the policy") {
    const auto user = judged("", json::array({key("k", {{"mds", {{"status", "ATTESTATION_KEY_COMPROMISE"}, {"certificationLevel", 1}}}})}));
    CHECK_FALSE(user.compliant());
    CHECK(mentions(user.refusals, "FIDO metadata: the authenticator's status is ATTESTATION_KEY_COMPROMISE"));
    CHECK(judged("", json::array({key("k", {{"mds", {{"status", "FIDO_CERTIFIED_L1"}}}})})).compliant());
  }

  TEST_CASE("a user without keys falls short of the minimum") {
    const auto user = judged("", json::array());
    CHECK_FALSE(user.compliant());
    CHECK(user.refusals == std::vector<std::string>{"policy min_keys_per_account: 0 keys enrolled, at least 1 required"});
  }

  TEST_CASE("entries that are not the contract's shape are errors, not verdicts") {
    CHECK_FALSE(user_compliance_from_json(json::array()));
    CHECK_FALSE(user_compliance_from_json({{"principal", "alice"}}));
    CHECK_FALSE(user_compliance_from_json({{"principal", "alice"}, {"credentials", {{{"id", "k"}}}}}));
    const auto bad = user_compliance_from_json({{"credentials", json::array()}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().category == ErrorCategory::network);
  }
}
