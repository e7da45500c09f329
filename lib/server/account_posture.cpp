#include "server/account_posture.hpp"

#include <algorithm>

namespace acctsec::server {

PostureSummary posture_summarize(const AccountRecord& account) {
  PostureSummary s;
  std::size_t factors = 0;
  std::size_t sms = 0;
  for (const auto& method : account.methods) {
    ++s.methods[method.type];
    if (method.type == "backup-codes") continue;
    ++factors;
    if (method.type == "security-key") ++s.security_keys;
    if (method.type == "sms") ++sms;
  }
  s.two_factor = factors > 0;
  s.phishing_resistant = s.security_keys > 0;
  s.sms_only = sms > 0 && sms == factors;
  s.reset_protection = account.reset_protection &&
                       std::any_of(account.reset_channels.begin(), account.reset_channels.end(), [](const AccountChannel& c) { return c.verified; });
  return s;
}

std::optional<bool> posture_matches(const PostureSummary& s, std::string_view filter) {
  if (filter == "no-2fa") return !s.two_factor;
  if (filter == "no-phishing-resistant") return !s.phishing_resistant;
  if (filter == "reset-protection-off") return !s.reset_protection;
  if (filter == "sms-only") return s.sms_only;
  if (filter == "single-security-key") return s.security_keys == 1;
  return std::nullopt;
}

std::vector<std::string> posture_shortfalls(const PostureSummary& s, std::span<const std::string> required) {
  std::vector<std::string> out;
  for (const auto& need : required) {
    if (need == "2fa" && !s.two_factor) out.push_back("no second factor");
    else if (need == "phishing-resistant" && !s.phishing_resistant) out.push_back("no phishing-resistant factor (security key)");
    else if (need == "reset-protection" && !s.reset_protection) out.push_back("password-reset protection is off or has no verified channel");
    else if (need == "backup-key" && s.security_keys < 2) out.push_back("no backup security key (needs two)");
  }
  return out;
}

nlohmann::json account_channels_json(const std::vector<AccountChannel>& channels) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : channels) out.push_back({{"type", c.type}, {"verified", c.verified}});
  return out;
}

namespace {

std::vector<AccountChannel> channels_from(const nlohmann::json& json) {
  std::vector<AccountChannel> out;
  for (const auto& c : json) out.push_back({c.at("type").get<std::string>(), c.at("verified").get<bool>()});
  return out;
}

}  // namespace

nlohmann::json account_record_json(const AccountRecord& a) {
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& m : a.methods) {
    nlohmann::json j = {{"type", m.type}, {"label", m.label}, {"added", m.added}};
    if (m.last_used) j["lastUsed"] = *m.last_used;
    methods.push_back(std::move(j));
  }
  return {{"id", a.id},
          {"kind", a.kind},
          {"twoFactorEnforced", a.two_factor_enforced},
          {"methods", methods},
          {"resetProtection", a.reset_protection},
          {"resetChannels", account_channels_json(a.reset_channels)},
          {"recoveryChannels", account_channels_json(a.recovery_channels)},
          {"groups", a.groups},
          {"created", a.created}};
}

Result<AccountRecord> account_record_from_json(const nlohmann::json& json) {
  try {
    AccountRecord a;
    a.id = json.at("id").get<std::string>();
    a.kind = json.at("kind").get<std::string>();
    a.two_factor_enforced = json.at("twoFactorEnforced").get<bool>();
    for (const auto& m : json.at("methods")) {
      AccountMethod method{m.at("type").get<std::string>(), m.at("label").get<std::string>(), m.at("added").get<StoreTime>(), std::nullopt};
      if (m.contains("lastUsed")) method.last_used = m["lastUsed"].get<StoreTime>();
      a.methods.push_back(std::move(method));
    }
    a.reset_protection = json.at("resetProtection").get<bool>();
    a.reset_channels = channels_from(json.at("resetChannels"));
    a.recovery_channels = channels_from(json.at("recoveryChannels"));
    a.groups = json.at("groups").get<std::vector<std::string>>();
    a.created = json.at("created").get<StoreTime>();
    return a;
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCategory::usage, std::string("not an account record: ") + e.what());
  }
}

}  // namespace acctsec::server
