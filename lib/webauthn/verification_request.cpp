#include "webauthn/verification_request.hpp"

#include <fmt/format.h>

#include "core/timestamp.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::webauthn {
namespace {

using nlohmann::json;

// The expectation shared by both ceremonies, after the line's "expected" overrode the flags.
struct Expected {
  Bytes challenge;
  std::string origin;
  std::string rp_id;
  bool require_user_verification = false;
  std::optional<std::chrono::system_clock::time_point> at;
};

Result<std::string> member_string(const json& expected, const char* name) {
  const auto& value = expected[name];
  if (!value.is_string() || value.get_ref<const std::string&>().empty())
    return fail(ErrorCategory::usage, fmt::format("expected.{} must be a non-empty string", name));
  return value.get<std::string>();
}

Result<Expected> settle_expected(const json& expected, const VerifyDefaults& defaults) {
  if (!expected.is_null() && !expected.is_object()) return fail(ErrorCategory::usage, "\"expected\" must be an object");
  auto has = [&](const char* name) { return expected.is_object() && expected.contains(name); };
  Expected out;
  out.require_user_verification = defaults.require_user_verification;
  out.at = defaults.at;

  if (has("challenge")) {
    auto text = member_string(expected, "challenge");
    if (!text) return fail(text.error());
    auto bytes = base64url_decode(*text);
    if (!bytes || bytes->empty()) return fail(ErrorCategory::usage, "expected.challenge is not base64url");
    out.challenge = std::move(*bytes);
  } else if (defaults.challenge) {
    out.challenge = *defaults.challenge;
  } else {
    return fail(ErrorCategory::usage, "no challenge to check against: give --challenge or expected.challenge");
  }
  for (auto [name, field, fallback, flag] : {std::tuple{"origin", &out.origin, &defaults.origin, "--origin"},
                                             std::tuple{"rpId", &out.rp_id, &defaults.rp_id, "--rp-id"}}) {
    if (has(name)) {
      auto text = member_string(expected, name);
      if (!text) return fail(text.error());
      *field = std::move(*text);
    } else if (*fallback) {
      *field = **fallback;
    } else {
      return fail(ErrorCategory::usage, fmt::format("no {} to check against: give {} or expected.{}", name, flag, name));
    }
  }
  if (has("requireUserVerification")) {
    if (!expected["requireUserVerification"].is_boolean())
      return fail(ErrorCategory::usage, "expected.requireUserVerification must be true or false");
    out.require_user_verification = expected["requireUserVerification"].get<bool>();
  }
  if (has("at")) {
    auto text = member_string(expected, "at");
    if (!text) return fail(text.error());
    auto at = parse_timestamp(*text);
    if (!at) return fail(ErrorCategory::usage, "expected.at is not an RFC 3339 time: " + *text);
    out.at = *at;
  }
  return out;
}

json flags_json(bool up, bool uv, bool be, bool bs) {
  return {{"userPresent", up}, {"userVerified", uv}, {"backupEligible", be}, {"backupState", bs}};
}

json metadata_json(const std::optional<AuthenticatorMetadata>& metadata) {
  if (!metadata) return nullptr;
  return {{"description", metadata->description},
          {"status", metadata->latest_status},
          {"statuses", metadata->statuses},
          {"certificationLevel", metadata->certification_level},
          {"stale", metadata->stale},
          {"blobNumber", metadata->blob_number}};
}

json rejected_registration(std::string reason) {
  return {{"schema", k_registration_verdict_schema}, {"verified", false}, {"reasons", json::array({std::move(reason)})}};
}

std::optional<bool> credprops_rk(const json& response) {
  const auto& results = response.value("clientExtensionResults", json::object());
  if (!results.is_object() || !results.contains("credProps")) return std::nullopt;
  const auto& props = results["credProps"];
  if (!props.is_object() || !props.contains("rk") || !props["rk"].is_boolean()) return std::nullopt;
  return props["rk"].get<bool>();
}

}  // namespace

Result<StoredCredential> stored_credential_from_json(const json& json) {
  if (!json.is_object()) return fail(ErrorCategory::usage, "a credential must be a JSON object {\"id\", \"publicKey\", \"counter\"}");
  StoredCredential out;
  const auto& id = json.value("id", nlohmann::json());
  auto id_bytes = id.is_string() ? base64url_decode(id.get<std::string>()) : std::nullopt;
  if (!id_bytes || id_bytes->empty()) return fail(ErrorCategory::usage, "credential.id must be base64url");
  out.id = std::move(*id_bytes);
  const auto& key = json.value("publicKey", nlohmann::json());
  auto key_bytes = key.is_string() ? base64url_decode(key.get<std::string>()) : std::nullopt;
  // Not decoded here: the assertion check decodes it once and reports an unusable key as a reason.
  if (!key_bytes || key_bytes->empty()) return fail(ErrorCategory::usage, "credential.publicKey must be a base64url COSE_Key");
  out.public_key_cose = std::move(*key_bytes);
  if (json.contains("counter")) {
    const auto& counter = json["counter"];
    if (!counter.is_number_unsigned() || counter.get<std::uint64_t>() > 0xffffffffULL)
      return fail(ErrorCategory::usage, "credential.counter must be a whole number from 0 to 4294967295");
    out.counter = static_cast<std::uint32_t>(counter.get<std::uint64_t>());
  }
  return out;
}

nlohmann::json stored_credential_to_json(const StoredCredential& credential) {
  return {{"id", base64url_encode(credential.id)}, {"publicKey", base64url_encode(credential.public_key_cose)}, {"counter", credential.counter}};
}

Result<nlohmann::json> verify_registration_request(const json& response_json, const json& expected_json, const VerifyDefaults& defaults) {
  auto settled = settle_expected(expected_json, defaults);
  if (!settled) return fail(settled.error());
  RegistrationExpectation expected;
  expected.challenge = std::move(settled->challenge);
  expected.origin = std::move(settled->origin);
  expected.rp_id = std::move(settled->rp_id);
  expected.require_user_verification = settled->require_user_verification;
  expected.at = settled->at;
  expected.metadata = defaults.metadata;
  for (const auto& anchor : defaults.trust_anchors) expected.trust_anchors.push_back(certificate_share(anchor.get()));
  if (expected_json.is_object() && expected_json.contains("trustAnchors")) {
    const auto& anchors = expected_json["trustAnchors"];
    if (!anchors.is_array()) return fail(ErrorCategory::usage, "expected.trustAnchors must be an array of PEM strings");
    for (const auto& pem : anchors) {
      auto certs = pem.is_string() ? certificates_parse_pem(pem.get<std::string>()) : fail(ErrorCategory::usage, "not a string");
      if (!certs) return fail(ErrorCategory::usage, "expected.trustAnchors holds something that is not a PEM certificate");
      for (auto& cert : *certs) expected.trust_anchors.push_back(std::move(cert));
    }
  }

  auto response = registration_response_from_json(response_json);
  if (!response) return rejected_registration("The response is not a usable RegistrationResponseJSON: " + response.error().message + ".");
  RegistrationVerdict verdict = registration_verify(*response, expected);
  if (defaults.policy) {
    const PolicyInput input{.discoverable = credprops_rk(response_json), .mds_age = defaults.metadata ? defaults.mds_age : std::nullopt};
    for (auto& refusal : enrollment_policy_check(*defaults.policy, verdict, input)) verdict.reasons.push_back(std::move(refusal));
    verdict.verified = verdict.verified && verdict.reasons.empty();
  }

  json trust = {{"status", trust_status_name(verdict.trust.status)}, {"path", verdict.trust.path}};
  if (!verdict.trust.reason.empty()) trust["reason"] = verdict.trust.reason;
  return json{{"schema", k_registration_verdict_schema},
              {"verified", verdict.verified},
              {"fmt", verdict.fmt},
              {"attestationType", verdict.attestation_type},
              {"aaguid", verdict.aaguid.size() == 16 ? json(uuid_format(verdict.aaguid)) : json(nullptr)},
              {"credentialId", base64url_encode(verdict.credential_id)},
              {"publicKey", base64url_encode(verdict.public_key_cose)},
              {"publicKeyAlgorithm", verdict.public_key_alg},
              {"counter", verdict.sign_count},
              {"flags", flags_json(verdict.user_present, verdict.user_verified, verdict.backup_eligible, verdict.backup_state)},
              {"trust", std::move(trust)},
              {"mds", metadata_json(verdict.metadata)},
              {"virtualKey", registration_is_virtual_key(verdict)},
              {"reasons", verdict.reasons},
              {"warnings", verdict.warnings}};
}

Result<nlohmann::json> verify_assertion_request(const json& response_json, const json& expected_json, const VerifyDefaults& defaults) {
  auto settled = settle_expected(expected_json, defaults);
  if (!settled) return fail(settled.error());
  std::optional<StoredCredential> credential = defaults.credential;
  if (expected_json.is_object() && expected_json.contains("credential")) {
    auto parsed = stored_credential_from_json(expected_json["credential"]);
    if (!parsed) return fail(ErrorCategory::usage, "expected." + parsed.error().message);
    credential = std::move(*parsed);
  }
  if (!credential)
    return fail(ErrorCategory::usage, "no credential to check against: give --public-key, --credential or expected.credential");

  auto response = authentication_response_from_json(response_json);
  if (!response)
    return json{{"schema", k_assertion_verdict_schema},
                {"verified", false},
                {"reasons", {"The response is not a usable AuthenticationResponseJSON: " + response.error().message + "."}}};
  AssertionExpectation expected;
  expected.challenge = std::move(settled->challenge);
  expected.origin = std::move(settled->origin);
  expected.rp_id = std::move(settled->rp_id);
  expected.require_user_verification = settled->require_user_verification;
  expected.credential_public_key = credential->public_key_cose;
  if (!credential->id.empty()) expected.credential_id = credential->id;  // empty: only the key is known
  expected.stored_sign_count = credential->counter;
  const AssertionVerdict verdict = assertion_verify(*response, expected);
  return json{{"schema", k_assertion_verdict_schema},
              {"verified", verdict.verified},
              {"credentialId", base64url_encode(response->credential_id)},
              {"counter", verdict.sign_count},
              {"flags", flags_json(verdict.user_present, verdict.user_verified, verdict.backup_eligible, verdict.backup_state)},
              {"possibleClone", verdict.possible_clone},
              {"reasons", verdict.reasons}};
}

nlohmann::json verification_error_verdict(std::string_view schema, const nlohmann::json& id, const std::string& message) {
  return {{"schema", schema}, {"id", id}, {"verified", false}, {"error", message}, {"reasons", json::array({message})}};
}

}  // namespace acctsec::webauthn
