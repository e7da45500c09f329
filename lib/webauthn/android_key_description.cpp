#include "webauthn/android_key_description.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "webauthn/der.hpp"

namespace acctsec::webauthn {
namespace {

constexpr std::uint32_t k_tag_purpose = 1;
constexpr std::uint32_t k_tag_all_applications = 600;
constexpr std::uint32_t k_tag_origin = 702;

std::unexpected<Error> rejected(std::string message) {
  return fail(ErrorCategory::rejected, "KeyDescription: " + std::move(message));
}

// The single element inside an EXPLICIT [n] wrapper.
Result<der::Element> explicit_inner(const der::Element& wrapper, std::string_view what) {
  if (!wrapper.constructed) return rejected(fmt::format("{} is not an EXPLICIT (constructed) tag", what));
  der::Reader reader(wrapper.content);
  auto inner = reader.read();
  if (!inner) return rejected(fmt::format("{}: {}", what, inner.error().message));
  if (!reader.at_end()) return rejected(fmt::format("{} holds more than one element", what));
  return inner;
}

Result<AuthorizationList> parse_authorization_list(const der::Element& list, std::string_view name) {
  AuthorizationList out;
  bool seen_purpose = false;
  bool seen_origin = false;
  der::Reader reader(list.content);
  while (!reader.at_end()) {
    auto member = reader.read();
    if (!member) return rejected(fmt::format("{}: {}", name, member.error().message));
    if (member->tag_class != der::TagClass::context) {
      return rejected(fmt::format("{} has a member that is not context-tagged (tag number {})", name,
                                  member->tag_number));
    }
    const std::string what = fmt::format("{} [{}]", name, member->tag_number);
    switch (member->tag_number) {
      case k_tag_purpose: {
        if (seen_purpose) return rejected(fmt::format("{} lists purpose twice", name));
        seen_purpose = true;
        auto set = explicit_inner(*member, what);
        if (!set) return fail(set.error());
        if (set->tag_class != der::TagClass::universal || set->tag_number != der::k_set || !set->constructed) {
          return rejected(fmt::format("{} purpose is not a SET OF INTEGER", name));
        }
        der::Reader items(set->content);
        while (!items.at_end()) {
          auto item = items.read_universal(der::k_integer, fmt::format("{} purpose", name));
          if (!item) return rejected(item.error().message);
          auto value = der::integer_value(*item, fmt::format("{} purpose", name));
          if (!value) return rejected(value.error().message);
          out.purpose.push_back(*value);
        }
        break;
      }
      case k_tag_all_applications: {
        if (out.all_applications) return rejected(fmt::format("{} lists allApplications twice", name));
        auto inner = explicit_inner(*member, what);
        if (!inner) return fail(inner.error());
        if (inner->tag_class != der::TagClass::universal || inner->tag_number != der::k_null || inner->constructed ||
            !inner->content.empty()) {
          return rejected(fmt::format("{} allApplications is not NULL", name));
        }
        out.all_applications = true;
        break;
      }
      case k_tag_origin: {
        if (seen_origin) return rejected(fmt::format("{} lists origin twice", name));
        seen_origin = true;
        auto inner = explicit_inner(*member, what);
        if (!inner) return fail(inner.error());
        if (inner->tag_class != der::TagClass::universal || inner->tag_number != der::k_integer || inner->constructed) {
          return rejected(fmt::format("{} origin is not an INTEGER", name));
        }
        auto value = der::integer_value(*inner, fmt::format("{} origin", name));
        if (!value) return rejected(value.error().message);
        out.origin = *value;
        break;
      }
      default:
        break;  // other authorizations (algorithm, keySize, dates, ...) are not WebAuthn's concern
    }
  }
  return out;
}

Result<std::int64_t> read_number(der::Reader& reader, std::uint32_t tag, std::string_view what) {
  auto element = reader.read_universal(tag, what);
  if (!element) return rejected(element.error().message);
  auto value = der::integer_value(*element, what);
  if (!value) return rejected(value.error().message);
  return value;
}

Result<Bytes> read_octets(der::Reader& reader, std::string_view what) {
  auto element = reader.read_universal(der::k_octet_string, what);
  if (!element) return rejected(element.error().message);
  return Bytes(element->content.begin(), element->content.end());
}

bool allows_sign(const AuthorizationList& list) {
  return std::find(list.purpose.begin(), list.purpose.end(), k_km_purpose_sign) != list.purpose.end();
}

bool is_generated(const AuthorizationList& list) { return list.origin == k_km_origin_generated; }

}  // namespace

Result<KeyDescription> android_key_description_parse(ByteView der_bytes) {
  der::Reader outer(der_bytes);
  auto sequence = outer.read_universal(der::k_sequence, "KeyDescription");
  if (!sequence) return rejected(sequence.error().message);
  if (!outer.at_end()) return rejected(fmt::format("{} bytes follow the SEQUENCE", outer.remaining()));

  der::Reader reader(sequence->content);
  KeyDescription out;
  auto version = read_number(reader, der::k_integer, "attestationVersion");
  if (!version) return fail(version.error());
  out.attestation_version = *version;
  auto level = read_number(reader, der::k_enumerated, "attestationSecurityLevel");
  if (!level) return fail(level.error());
  out.attestation_security_level = *level;
  auto km_version = read_number(reader, der::k_integer, "keymasterVersion");
  if (!km_version) return fail(km_version.error());
  out.keymaster_version = *km_version;
  auto km_level = read_number(reader, der::k_enumerated, "keymasterSecurityLevel");
  if (!km_level) return fail(km_level.error());
  out.keymaster_security_level = *km_level;
  auto challenge = read_octets(reader, "attestationChallenge");
  if (!challenge) return fail(challenge.error());
  out.attestation_challenge = std::move(*challenge);
  auto unique_id = read_octets(reader, "uniqueId");
  if (!unique_id) return fail(unique_id.error());
  out.unique_id = std::move(*unique_id);
  for (auto [list, name] : {std::pair{&out.software_enforced, "softwareEnforced"},
                            std::pair{&out.tee_enforced, "teeEnforced"}}) {
    auto element = reader.read_universal(der::k_sequence, name);
    if (!element) return rejected(element.error().message);
    auto parsed = parse_authorization_list(*element, name);
    if (!parsed) return fail(parsed.error());
    *list = std::move(*parsed);
  }
  if (!reader.at_end()) return rejected(fmt::format("{} bytes follow teeEnforced", reader.remaining()));
  return out;
}

std::string security_level_name(std::int64_t level) {
  switch (level) {
    case 0:
      return "Software";
    case 1:
      return "TrustedEnvironment";
    case 2:
      return "StrongBox";
    default:
      return std::to_string(level);
  }
}

std::string_view key_enforced_by_name(KeyEnforcedBy by) {
  switch (by) {
    case KeyEnforcedBy::tee:
      return "teeEnforced";
    case KeyEnforcedBy::software:
      return "softwareEnforced";
    case KeyEnforcedBy::mixed:
      return "mixed";
  }
  return "mixed";
}

Result<KeyEnforcedBy> android_key_check_authorizations(const KeyDescription& description,
                                                       KeyEnforcement enforcement) {
  const auto& tee = description.tee_enforced;
  const auto& software = description.software_enforced;
  // §8.4: the key must be scoped to the RP ID, so neither list may allow every application.
  if (tee.all_applications || software.all_applications) {
    return fail(ErrorCategory::rejected,
                fmt::format("android-key: the key's {} authorization list has allApplications; a WebAuthn "
                            "credential must be bound to its RP",
                            tee.all_applications ? "teeEnforced" : "softwareEnforced"));
  }
  const bool use_software = enforcement == KeyEnforcement::any;
  const bool tee_generated = is_generated(tee);
  const bool generated = tee_generated || (use_software && is_generated(software));
  if (!generated) {
    const auto& shown = tee.origin || !use_software ? tee.origin : software.origin;
    return fail(ErrorCategory::rejected,
                fmt::format("android-key: origin is {} in {}; it must be KM_ORIGIN_GENERATED (0)",
                            shown ? std::to_string(*shown) : std::string("absent"),
                            use_software ? "teeEnforced and softwareEnforced" : "teeEnforced (TEE keys only)"));
  }
  const bool tee_sign = allows_sign(tee);
  const bool sign = tee_sign || (use_software && allows_sign(software));
  if (!sign) {
    return fail(ErrorCategory::rejected,
                fmt::format("android-key: purpose does not contain KM_PURPOSE_SIGN (2) in {}",
                            use_software ? "teeEnforced or softwareEnforced" : "teeEnforced (TEE keys only)"));
  }
  if (tee_generated && tee_sign) return KeyEnforcedBy::tee;
  if (!tee_generated && !tee_sign) return KeyEnforcedBy::software;
  return KeyEnforcedBy::mixed;
}

}  // namespace acctsec::webauthn
