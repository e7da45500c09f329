#include "webauthn/authenticator_metadata.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace acctsec::webauthn {
namespace {

// FIDO MDS3 §3.1.4: statuses after which no relying party should trust the authenticator.
constexpr std::array<std::string_view, 5> k_refused_statuses{
    "REVOKED", "ATTESTATION_KEY_COMPROMISE", "USER_VERIFICATION_BYPASS", "USER_KEY_REMOTE_COMPROMISE",
    "USER_KEY_PHYSICAL_COMPROMISE"};

}  // namespace

bool metadata_status_refused(std::string_view status) {
  return std::find(k_refused_statuses.begin(), k_refused_statuses.end(), status) != k_refused_statuses.end();
}

std::optional<std::string> metadata_refused_status(const AuthenticatorMetadata& metadata) {
  for (const auto& status : metadata.statuses) {
    if (metadata_status_refused(status)) return status;
  }
  // A metadata record filled only with its latest status still counts.
  if (metadata_status_refused(metadata.latest_status)) return metadata.latest_status;
  return std::nullopt;
}

}  // namespace acctsec::webauthn
