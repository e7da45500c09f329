#include "webauthn/verification_request.hpp"

#include <fmt/format.h>

#include "core/json_parse.hpp"
#include "core/timestamp.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::webauthn {
namespace {

namespace bj = boost::json;

// The expectation shared by both ceremonies, after the line's "expected" overrode the flags.
struct Expected {
  Bytes challenge;
  std::string origin;
  std::string rp_id;
  bool require_user_verification = false;
  std::optional<std::chrono::system_clock::time_point> at;
};

// A member of the request's "expected" object, or nullptr.
const bj::value* member(const bj::value* expected, const char* name) {
  const auto* object = expected ? expected->if_object() : nullptr;
  return object ? object->if_contains(name) : nullptr;
}

Result<std::string> member_string(const bj::value& value, const char* name) {
  if (!value.is_string() || value.get_string().empty())
    return fail(ErrorCategory::usage, fmt::format("expected.{} must be a non-empty string", name));
  return std::string(value.get_string());
}

Result<Expected> settle_expected(const bj::value* expected, const VerifyDefaults& defaults) {
  if (expected && !expected->is_null() && !expected->is_object()) return fail(ErrorCategory::usage, "\"expected\" must be an object");
  Expected out;
  out.require_user_verification = defaults.require_user_verification;
  out.at = defaults.at;

  if (const auto* given = member(expected, "challenge")) {
    auto text = member_string(*given, "challenge");
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
    if (const auto* given = member(expected, name)) {
      auto text = member_string(*given, name);
      if (!text) return fail(text.error());
      *field = std::move(*text);
    } else if (*fallback) {
      *field = **fallback;
    } else {
      return fail(ErrorCategory::usage, fmt::format("no {} to check against: give {} or expected.{}", name, flag, name));
    }
  }
  if (const auto* given = member(expected, "requireUserVerification")) {
    if (!given->is_bool()) return fail(ErrorCategory::usage, "expected.requireUserVerification must be true or false");
    out.require_user_verification = given->get_bool();
  }
  if (const auto* given = member(expected, "at")) {
    auto text = member_string(*given, "at");
    if (!text) return fail(text.error());
    auto at = parse_timestamp(*text);
    if (!at) return fail(ErrorCategory::usage, "expected.at is not an RFC 3339 time: " + *text);
    out.at = *at;
  }
  return out;
}

// A verdict under construction: the batch line's id first, then the schema.
bj::object verdict_start(std::string_view schema, const VerdictContext& context, std::size_t members) {
  bj::object out(context.storage);
  out.reserve(members + 2);
  if (context.id) out.emplace("id", *context.id);
  out.emplace("schema", schema);
  return out;
}

bj::array strings_array(const std::vector<std::string>& strings, const bj::storage_ptr& storage) {
  bj::array out(storage);
  out.reserve(strings.size());
  for (const auto& text : strings) out.emplace_back(text);
  return out;
}

bj::object flags_object(bool up, bool uv, bool be, bool bs, const bj::storage_ptr& storage) {
  bj::object out(storage);
  out.reserve(4);
  out.emplace("userPresent", up);
  out.emplace("userVerified", uv);
  out.emplace("backupEligible", be);
  out.emplace("backupState", bs);
  return out;
}

bj::value metadata_value(const std::optional<AuthenticatorMetadata>& metadata, const bj::storage_ptr& storage) {
  if (!metadata) return bj::value(nullptr, storage);
  bj::object out(storage);
  out.emplace("description", metadata->description);
  out.emplace("status", metadata->latest_status);
  out.emplace("statuses", strings_array(metadata->statuses, storage));
  out.emplace("certificationLevel", metadata->certification_level);
  out.emplace("stale", metadata->stale);
  out.emplace("blobNumber", metadata->blob_number);
  return out;
}

bj::object rejected_verdict(std::string_view schema, std::string reason, const VerdictContext& context) {
  bj::object out = verdict_start(schema, context, 2);
  out.emplace("verified", false);
  out.emplace("reasons", strings_array({std::move(reason)}, context.storage));
  return out;
}

std::optional<bool> credprops_rk(const bj::value& response) {
  const bj::value* props = nullptr;
  if (const auto* top = response.if_object())
    if (const auto* results = top->if_contains("clientExtensionResults"); results && results->is_object())
      props = results->get_object().if_contains("credProps");
  if (!props || !props->is_object()) return std::nullopt;
  const auto* rk = props->get_object().if_contains("rk");
  if (!rk || !rk->is_bool()) return std::nullopt;
  return rk->get_bool();
}

std::optional<Bytes> base64url_member(const bj::object& object, const char* name) {
  const auto* value = object.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  return base64url_decode(std::string_view(value->get_string()));
}

}  // namespace

Result<StoredCredential> stored_credential_from_json(const bj::value& json) {
  const auto* object = json.if_object();
  if (!object) return fail(ErrorCategory::usage, "a credential must be a JSON object {\"id\", \"publicKey\", \"counter\"}");
  StoredCredential out;
  auto id_bytes = base64url_member(*object, "id");
  if (!id_bytes || id_bytes->empty()) return fail(ErrorCategory::usage, "credential.id must be base64url");
  out.id = std::move(*id_bytes);
  auto key_bytes = base64url_member(*object, "publicKey");
  // Not decoded here: the assertion check decodes it once and reports an unusable key as a reason.
  if (!key_bytes || key_bytes->empty()) return fail(ErrorCategory::usage, "credential.publicKey must be a base64url COSE_Key");
  out.public_key_cose = std::move(*key_bytes);
  if (const auto* counter = object->if_contains("counter")) {
    const bool whole = counter->is_int64() ? counter->get_int64() >= 0 && counter->get_int64() <= 0xffffffffLL : false;
    if (!whole) return fail(ErrorCategory::usage, "credential.counter must be a whole number from 0 to 4294967295");
    out.counter = static_cast<std::uint32_t>(counter->get_int64());
  }
  return out;
}

Result<StoredCredential> stored_credential_from_json(const nlohmann::json& json) {
  return stored_credential_from_json(json_to_boost(json));
}

nlohmann::json stored_credential_to_json(const StoredCredential& credential) {
  return {{"id", base64url_encode(credential.id)}, {"publicKey", base64url_encode(credential.public_key_cose)}, {"counter", credential.counter}};
}

Result<bj::object> verify_registration_request(const bj::value& response_json, const bj::value* expected_json,
                                               const VerifyDefaults& defaults, const VerdictContext& context) {
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
  if (const auto* anchors = member(expected_json, "trustAnchors")) {
    if (!anchors->is_array()) return fail(ErrorCategory::usage, "expected.trustAnchors must be an array of PEM strings");
    for (const auto& pem : anchors->get_array()) {
      auto certs = pem.is_string() ? certificates_parse_pem(std::string(pem.get_string())) : fail(ErrorCategory::usage, "not a string");
      if (!certs) return fail(ErrorCategory::usage, "expected.trustAnchors holds something that is not a PEM certificate");
      for (auto& cert : *certs) expected.trust_anchors.push_back(std::move(cert));
    }
  }

  auto response = registration_response_from_json(response_json);
  if (!response)
    return rejected_verdict(k_registration_verdict_schema,
                            "The response is not a usable RegistrationResponseJSON: " + response.error().message + ".", context);
  RegistrationVerdict verdict = registration_verify(*response, expected);
  if (defaults.policy) {
    const PolicyInput input{.discoverable = credprops_rk(response_json), .mds_age = defaults.metadata ? defaults.mds_age : std::nullopt};
    for (auto& refusal : enrollment_policy_check(*defaults.policy, verdict, input)) verdict.reasons.push_back(std::move(refusal));
    verdict.verified = verdict.verified && verdict.reasons.empty();
  }

  const auto& storage = context.storage;
  bj::object trust(storage);
  trust.emplace("status", trust_status_name(verdict.trust.status));
  trust.emplace("path", strings_array(verdict.trust.path, storage));
  if (!verdict.trust.reason.empty()) trust.emplace("reason", verdict.trust.reason);
  bj::object out = verdict_start(k_registration_verdict_schema, context, 15);
  out.emplace("verified", verdict.verified);
  out.emplace("fmt", verdict.fmt);
  out.emplace("attestationType", verdict.attestation_type);
  if (verdict.aaguid.size() == 16) out.emplace("aaguid", uuid_format(verdict.aaguid));
  else out.emplace("aaguid", nullptr);
  out.emplace("credentialId", base64url_encode(verdict.credential_id));
  out.emplace("publicKey", base64url_encode(verdict.public_key_cose));
  out.emplace("publicKeyAlgorithm", verdict.public_key_alg);
  out.emplace("counter", verdict.sign_count);
  out.emplace("flags", flags_object(verdict.user_present, verdict.user_verified, verdict.backup_eligible, verdict.backup_state, storage));
  out.emplace("trust", std::move(trust));
  out.emplace("mds", metadata_value(verdict.metadata, storage));
  out.emplace("virtualKey", registration_is_virtual_key(verdict));
  out.emplace("reasons", strings_array(verdict.reasons, storage));
  out.emplace("warnings", strings_array(verdict.warnings, storage));
  return out;
}

Result<bj::object> verify_assertion_request(const bj::value& response_json, const bj::value* expected_json,
                                            const VerifyDefaults& defaults, const VerdictContext& context) {
  auto settled = settle_expected(expected_json, defaults);
  if (!settled) return fail(settled.error());
  std::optional<StoredCredential> credential = defaults.credential;
  if (const auto* given = member(expected_json, "credential")) {
    auto parsed = stored_credential_from_json(*given);
    if (!parsed) return fail(ErrorCategory::usage, "expected." + parsed.error().message);
    credential = std::move(*parsed);
  }
  if (!credential)
    return fail(ErrorCategory::usage, "no credential to check against: give --public-key, --credential or expected.credential");

  auto response = authentication_response_from_json(response_json);
  if (!response)
    return rejected_verdict(k_assertion_verdict_schema,
                            "The response is not a usable AuthenticationResponseJSON: " + response.error().message + ".", context);
  AssertionExpectation expected;
  expected.challenge = std::move(settled->challenge);
  expected.origin = std::move(settled->origin);
  expected.rp_id = std::move(settled->rp_id);
  expected.require_user_verification = settled->require_user_verification;
  expected.credential_public_key = std::move(credential->public_key_cose);
  if (!credential->id.empty()) expected.credential_id = std::move(credential->id);  // empty: only the key is known
  expected.stored_sign_count = credential->counter;
  const AssertionVerdict verdict = assertion_verify(*response, expected);
  bj::object out = verdict_start(k_assertion_verdict_schema, context, 6);
  out.emplace("verified", verdict.verified);
  out.emplace("credentialId", base64url_encode(response->credential_id));
  out.emplace("counter", verdict.sign_count);
  out.emplace("flags", flags_object(verdict.user_present, verdict.user_verified, verdict.backup_eligible, verdict.backup_state,
                                    context.storage));
  out.emplace("possibleClone", verdict.possible_clone);
  out.emplace("reasons", strings_array(verdict.reasons, context.storage));
  return out;
}

bj::object verification_error_verdict(std::string_view schema, const std::string& message, const VerdictContext& context) {
  bj::object out = verdict_start(schema, context, 3);
  out.emplace("verified", false);
  out.emplace("error", message);
  out.emplace("reasons", strings_array({message}, context.storage));
  return out;
}

}  // namespace acctsec::webauthn
