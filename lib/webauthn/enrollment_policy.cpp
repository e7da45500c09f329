#include "webauthn/enrollment_policy.hpp"

#include "webauthn/policy_toml.hpp"


#include <algorithm>
#include <array>
#include <fmt/format.h>

#include "core/duration.hpp"
#include "core/file.hpp"
#include "webauthn/attestation_statement.hpp"

namespace acctsec::webauthn {
namespace {

// Every key the [enrollment] table may hold; anything else is a typo that would silently relax
// the policy, so it is refused.
constexpr std::array<std::string_view, 10> k_policy_keys = {
    "allowed_aaguids",    "denied_aaguids",        "formats",
    "require_trusted_attestation", "min_certification_level", "require_user_verification",
    "require_discoverable", "min_keys_per_account", "max_mds_age",
    "allow_virtual_keys"};

// Tables of the same file that only `acctsec serve` reads (server/server_policy.hpp checks them),
// so that one policy file serves both the CLI and the server.
constexpr std::array<std::string_view, 3> k_server_tables = {"access", "groups", "detection"};

std::string where(const toml::node& node, const std::string& source) {
  const auto& begin = node.source().begin;
  return fmt::format("{}:{}:{}", source, begin.line, begin.column);
}

Result<bool> read_bool(const toml::node& node, std::string_view key, const std::string& source) {
  if (auto value = node.value<bool>(); node.is_boolean() && value) return *value;
  return fail(ErrorCategory::usage, fmt::format("{}: policy {} must be true or false", where(node, source), key));
}

Result<int> read_count(const toml::node& node, std::string_view key, const std::string& source, int max) {
  if (node.is_integer()) {
    const auto value = *node.value<std::int64_t>();
    if (value >= 0 && value <= max) return static_cast<int>(value);
  }
  return fail(ErrorCategory::usage, fmt::format("{}: policy {} must be a whole number from 0 to {}", where(node, source), key, max));
}

Result<std::vector<std::string>> read_strings(const toml::node& node, std::string_view key, const std::string& source) {
  const auto* array = node.as_array();
  if (array == nullptr) return fail(ErrorCategory::usage, fmt::format("{}: policy {} must be an array of strings", where(node, source), key));
  std::vector<std::string> out;
  for (const auto& element : *array) {
    const auto* text = element.as_string();
    if (text == nullptr) return fail(ErrorCategory::usage, fmt::format("{}: policy {} must hold only strings", where(element, source), key));
    out.push_back(text->get());
  }
  return out;
}

Result<std::vector<Bytes>> read_aaguids(const toml::node& node, std::string_view key, const std::string& source) {
  auto texts = read_strings(node, key, source);
  if (!texts) return fail(texts.error());
  std::vector<Bytes> out;
  for (const auto& text : *texts) {
    auto aaguid = uuid_parse(text);
    if (!aaguid) return fail(ErrorCategory::usage, fmt::format("{}: policy {}: '{}' is not an AAGUID (8-4-4-4-12 hex)", where(node, source), key, text));
    out.push_back(std::move(*aaguid));
  }
  return out;
}

bool contains(const std::vector<Bytes>& list, ByteView value) {
  return std::any_of(list.begin(), list.end(), [&](const Bytes& b) { return std::equal(b.begin(), b.end(), value.begin(), value.end()); });
}

std::string format_seconds(std::chrono::seconds s) {
  const auto n = s.count();
  if (n % 86400 == 0) return fmt::format("{}d", n / 86400);
  if (n % 3600 == 0) return fmt::format("{}h", n / 3600);
  return fmt::format("{}s", n);
}

Result<void> take(EnrollmentPolicy& policy, std::string_view key, const toml::node& node, const std::string& source) {
  auto set_bool = [&](bool& field) -> Result<void> {
    auto value = read_bool(node, key, source);
    if (!value) return fail(value.error());
    field = *value;
    return {};
  };
  if (key == "allowed_aaguids" || key == "denied_aaguids") {
    auto list = read_aaguids(node, key, source);
    if (!list) return fail(list.error());
    (key == "allowed_aaguids" ? policy.allowed_aaguids : policy.denied_aaguids) = std::move(*list);
    return {};
  }
  if (key == "formats") {
    auto list = read_strings(node, key, source);
    if (!list) return fail(list.error());
    const auto& known = attestation_formats();
    for (const auto& format : *list)
      if (std::find(known.begin(), known.end(), format) == known.end())
        return fail(ErrorCategory::usage, fmt::format("{}: policy formats: '{}' is not an attestation format acctsec verifies", where(node, source), format));
    policy.formats = std::move(*list);
    return {};
  }
  if (key == "require_trusted_attestation") return set_bool(policy.require_trusted_attestation);
  if (key == "require_user_verification") return set_bool(policy.require_user_verification);
  if (key == "require_discoverable") return set_bool(policy.require_discoverable);
  if (key == "allow_virtual_keys") return set_bool(policy.allow_virtual_keys);
  if (key == "min_certification_level") {
    auto value = read_count(node, key, source, 3);
    if (!value) return fail(value.error());
    policy.min_certification_level = *value;
    return {};
  }
  if (key == "min_keys_per_account") {
    auto value = read_count(node, key, source, 100);
    if (!value) return fail(value.error());
    policy.min_keys_per_account = *value;
    return {};
  }
  // max_mds_age
  const auto* text = node.as_string();
  auto age = text ? parse_duration(text->get()) : std::nullopt;
  if (!age || age->count() == 0)
    return fail(ErrorCategory::usage, fmt::format("{}: policy max_mds_age must be a duration such as \"30d\" or \"12h\"", where(node, source)));
  policy.max_mds_age = std::chrono::duration_cast<std::chrono::seconds>(*age);
  return {};
}

}  // namespace

Result<std::string> policy_file_read(const std::string& path) {
  auto text = file_read(path, 1024 * 1024);
  if (!text) {
    if (text.error().category == ErrorCategory::not_found) return fail(ErrorCategory::not_found, "no policy file " + path);
    return fail(ErrorCategory::usage, "cannot read the policy: " + text.error().message);
  }
  return text;
}

Result<toml::table> policy_toml_parse(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return fail(ErrorCategory::usage, fmt::format("{}:{}:{}: the policy is not valid TOML: {}", source, e.source().begin.line,
                                                  e.source().begin.column, e.description()));
  }
}

Result<EnrollmentPolicy> enrollment_policy_from_table(const toml::table& table, const std::string& source) {
  EnrollmentPolicy policy;
  policy.source = source;
  for (const auto& [key, node] : table) {
    if (std::find(k_policy_keys.begin(), k_policy_keys.end(), key.str()) == k_policy_keys.end())
      return fail(ErrorCategory::usage, fmt::format("{}: unknown policy key '{}'", where(node, source), key.str()));
    if (auto ok = take(policy, key.str(), node, source); !ok) return fail(ok.error());
  }
  for (const auto& aaguid : policy.allowed_aaguids)
    if (contains(policy.denied_aaguids, aaguid))
      return fail(ErrorCategory::usage, fmt::format("{}: AAGUID {} is both allowed and denied", source, uuid_format(aaguid)));
  return policy;
}

Result<EnrollmentPolicy> enrollment_policy_parse(std::string_view toml_text, const std::string& source) {
  auto root = policy_toml_parse(toml_text, source);
  if (!root) return fail(root.error());
  for (const auto& [key, node] : *root) {
    if (key.str() != "enrollment" &&
        std::find(k_server_tables.begin(), k_server_tables.end(), key.str()) == k_server_tables.end())
      return fail(ErrorCategory::usage, fmt::format("{}: unknown policy table or key '{}' (expected [enrollment], [access], [groups] or "
                                                    "[detection])", where(node, source), key.str()));
  }
  const auto* table = (*root)["enrollment"].as_table();
  if (table == nullptr) return fail(ErrorCategory::usage, source + ": the policy has no [enrollment] table");
  return enrollment_policy_from_table(*table, source);
}

Result<EnrollmentPolicy> enrollment_policy_load(const std::string& path) {
  auto text = policy_file_read(path);
  if (!text) return fail(text.error());
  return enrollment_policy_parse(*text, path);
}

bool registration_is_virtual_key(const RegistrationVerdict& verdict) {
  if (std::equal(verdict.aaguid.begin(), verdict.aaguid.end(), k_virtual_key_aaguid.begin(), k_virtual_key_aaguid.end()))
    return true;
  const std::string mark = "O=" + std::string(k_virtual_key_organization);
  return std::any_of(verdict.attestation_subjects.begin(), verdict.attestation_subjects.end(),
                     [&](const std::string& subject) { return subject.find(mark) != std::string::npos; });
}

std::vector<std::string> enrollment_policy_check_key(const EnrollmentPolicy& policy, const KeyFacts& key) {
  std::vector<std::string> refusals;
  const std::string model = key.aaguid.size() == 16 ? uuid_format(key.aaguid) : "(unknown)";
  if (key.virtual_key && !policy.allow_virtual_keys)
    refusals.push_back("policy allow_virtual_keys: the key is acctsec's virtual authenticator, and virtual keys are not allowed");
  if (contains(policy.denied_aaguids, key.aaguid))
    refusals.push_back(fmt::format("policy denied_aaguids: authenticator model {} is denied", model));
  if (!policy.allowed_aaguids.empty() && !contains(policy.allowed_aaguids, key.aaguid))
    refusals.push_back(fmt::format("policy allowed_aaguids: authenticator model {} is not on the allowed list", model));
  if (!policy.formats.empty() && std::find(policy.formats.begin(), policy.formats.end(), key.fmt) == policy.formats.end())
    refusals.push_back(fmt::format("policy formats: attestation format '{}' is not accepted", key.fmt));
  if (policy.require_trusted_attestation && key.trust != "trusted")
    refusals.push_back(fmt::format("policy require_trusted_attestation: the attestation is {}, not trusted", key.trust));
  if (policy.min_certification_level > 0) {
    if (!key.certification_level)
      refusals.push_back(fmt::format("policy min_certification_level: no FIDO metadata for {} (use --mds with a current BLOB)", model));
    else if (*key.certification_level < policy.min_certification_level)
      refusals.push_back(fmt::format("policy min_certification_level: the authenticator is certified at level {}, below L{}",
                                     *key.certification_level, policy.min_certification_level));
  }
  if (policy.require_user_verification && !key.user_verified)
    refusals.push_back("policy require_user_verification: the key did not verify the user (UV flag clear)");
  if (policy.require_discoverable) {
    if (!key.discoverable)
      refusals.push_back("policy require_discoverable: the response does not say whether the credential is discoverable (no credProps)");
    else if (!*key.discoverable)
      refusals.push_back("policy require_discoverable: the credential is not discoverable");
  }
  return refusals;
}

std::vector<std::string> enrollment_policy_check(const EnrollmentPolicy& policy, const RegistrationVerdict& verdict,
                                                 const PolicyInput& input) {
  KeyFacts key{.aaguid = verdict.aaguid,
               .fmt = verdict.fmt,
               .trust = std::string(trust_status_name(verdict.trust.status)),
               .certification_level = verdict.metadata ? std::optional<int>(verdict.metadata->certification_level) : std::nullopt,
               .user_verified = verdict.user_verified,
               .discoverable = input.discoverable,
               .virtual_key = registration_is_virtual_key(verdict)};
  std::vector<std::string> refusals = enrollment_policy_check_key(policy, key);
  if (policy.max_mds_age && input.mds_age && *input.mds_age > *policy.max_mds_age)
    refusals.push_back(fmt::format("policy max_mds_age: the MDS BLOB is {} old, more than {} (run acctsec mds update)",
                                   format_seconds(*input.mds_age), format_seconds(*policy.max_mds_age)));
  return refusals;
}

std::optional<std::string> enrollment_policy_check_key_count(const EnrollmentPolicy& policy, std::size_t key_count) {
  if (key_count >= static_cast<std::size_t>(policy.min_keys_per_account)) return std::nullopt;
  return fmt::format("policy min_keys_per_account: {} key{} enrolled, at least {} required", key_count, key_count == 1 ? "" : "s",
                     policy.min_keys_per_account);
}

}  // namespace acctsec::webauthn
