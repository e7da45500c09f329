#include "webauthn/enrollment_compliance.hpp"

#include <fmt/format.h>

#include "core/bytes.hpp"
#include "webauthn/authenticator_metadata.hpp"

namespace acctsec::webauthn {
namespace {

std::string text_of(const nlohmann::json& json, const char* name) {
  const auto found = json.find(name);
  return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
}

bool flag_of(const nlohmann::json& json, const char* name) {
  const auto found = json.find(name);
  return found != json.end() && found->is_boolean() && found->get<bool>();
}

Result<EnrolledKey> enrolled_key_from_json(const nlohmann::json& c) {
  if (!c.is_object() || text_of(c, "id").empty() || !c.contains("trust") || !c["trust"].is_object())
    return fail(ErrorCategory::network, "the server's enrollment report has a credential without an id or trust");
  EnrolledKey key;
  key.id = text_of(c, "id");
  key.nickname = text_of(c, "nickname");
  key.facts.fmt = text_of(c, "fmt");
  key.facts.trust = text_of(c["trust"], "status");
  if (auto aaguid = uuid_parse(text_of(c, "aaguid"))) key.facts.aaguid = std::move(*aaguid);
  key.facts.user_verified = flag_of(c, "userVerified");
  key.facts.virtual_key = flag_of(c, "virtualKey");
  if (const auto rk = c.find("discoverable"); rk != c.end() && rk->is_boolean()) key.facts.discoverable = rk->get<bool>();
  if (const auto mds = c.find("mds"); mds != c.end() && mds->is_object()) {
    key.mds_status = text_of(*mds, "status");
    if (const auto level = mds->find("certificationLevel"); level != mds->end() && level->is_number_integer())
      key.facts.certification_level = level->get<int>();
  }
  key.created_at = text_of(c, "createdAt");
  key.last_used_at = text_of(c, "lastUsedAt");
  return key;
}

}  // namespace

Result<UserCompliance> user_compliance_from_json(const nlohmann::json& item) {
  if (!item.is_object() || text_of(item, "principal").empty() || !item.contains("credentials") || !item["credentials"].is_array())
    return fail(ErrorCategory::network, "the server's enrollment report has an entry without a principal or credentials");
  UserCompliance user;
  user.user = text_of(item, "principal");
  if (const auto roles = item.find("roles"); roles != item.end() && roles->is_array())
    for (const auto& r : *roles)
      if (r.is_string()) user.roles.push_back(r.get<std::string>());
  for (const auto& c : item["credentials"]) {
    auto key = enrolled_key_from_json(c);
    if (!key) return fail(key.error());
    // RFC 3339 UTC times of one form compare as text.
    if (key->last_used_at > user.last_used_at) user.last_used_at = key->last_used_at;
    user.keys.push_back(std::move(*key));
  }
  return user;
}

void enrollment_compliance_check(const EnrollmentPolicy& policy, UserCompliance& user) {
  user.accepted = 0;
  user.refusals.clear();
  for (auto& key : user.keys) {
    key.refusals = enrollment_policy_check_key(policy, key.facts);
    if (!key.mds_status.empty() && metadata_status_refused(key.mds_status))
      key.refusals.push_back(fmt::format("FIDO metadata: the authenticator's status is {}; no relying party should trust it", key.mds_status));
    if (key.refusals.empty()) ++user.accepted;
  }
  if (user.accepted < user.keys.size()) {
    if (user.accepted < static_cast<std::size_t>(policy.min_keys_per_account))
      user.refusals.push_back(fmt::format("policy min_keys_per_account: {} of {} enrolled keys acceptable, at least {} required",
                                          user.accepted, user.keys.size(), policy.min_keys_per_account));
  } else if (auto too_few = enrollment_policy_check_key_count(policy, user.accepted)) {
    user.refusals.push_back(*too_few);
  }
  for (const auto& key : user.keys)
    for (const auto& refusal : key.refusals) user.refusals.push_back(fmt::format("key {}: {}", key.id.substr(0, 16), refusal));
}

}  // namespace acctsec::webauthn
