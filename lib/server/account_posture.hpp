// An account's security posture: its second factors, password-reset protection and recovery
// channels, and what follows from them — the summary that lists filter on (no 2FA, no
// phishing-resistant factor, reset protection off, SMS only, a single security key) and the
// shortfalls against a group's required posture.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "server/store_time.hpp"

namespace acctsec::server {

struct AccountMethod {
  std::string type;  // security-key, totp, sms, backup-codes
  std::string label;
  StoreTime added = 0;
  std::optional<StoreTime> last_used;
};

struct AccountChannel {
  std::string type;  // email, phone (reset); also backup-codes, recovery-contact (recovery)
  bool verified = false;
};

struct AccountRecord {
  std::string id;                 // e.g. c-000042
  std::string kind = "customer";  // customer or staff
  bool two_factor_enforced = false;
  std::vector<AccountMethod> methods;
  bool reset_protection = false;               // a reset must be confirmed on the channels below
  std::vector<AccountChannel> reset_channels;
  std::vector<AccountChannel> recovery_channels;
  std::vector<std::string> groups;
  StoreTime created = 0;
};

struct PostureSummary {
  bool two_factor = false;          // any second factor (backup codes alone are recovery, not a factor)
  bool phishing_resistant = false;  // a security key
  bool sms_only = false;            // SMS is its only second factor
  bool reset_protection = false;    // on, with at least one verified channel
  std::size_t security_keys = 0;
  std::map<std::string, std::size_t> methods;  // count by type
};

PostureSummary posture_summarize(const AccountRecord& account);

// The list filters of api/openapi.yaml (PostureFilter) that the summary alone decides: no-2fa,
// no-phishing-resistant, reset-protection-off, sms-only, single-security-key.
// Whether the account falls short in the way `filter` names; nullopt for an unknown filter.
std::optional<bool> posture_matches(const PostureSummary& summary, std::string_view filter);

// What the required posture `required` ("2fa", "phishing-resistant", "reset-protection", "backup-key": two
// security keys) finds missing, one sentence each; empty when the account meets it.
std::vector<std::string> posture_shortfalls(const PostureSummary& summary, std::span<const std::string> required);

nlohmann::json account_record_json(const AccountRecord& account);
// [{"type", "verified"}...], as both the stored record and api/openapi.yaml show channels.
nlohmann::json account_channels_json(const std::vector<AccountChannel>& channels);
// Errors: usage (not an account record).
Result<AccountRecord> account_record_from_json(const nlohmann::json& json);

}  // namespace acctsec::server
