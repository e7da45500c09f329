// Checks a staff member's security-key assertion over a challenge the server chose: the login
// ceremony's, or the digest of a justification or review (access requests). The credential must
// be one of that principal's enrolled keys, and its counter must move on.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "server/identity_json.hpp"
#include "server/store.hpp"
#include "webauthn/assertion_check.hpp"
#include "webauthn/authentication_response.hpp"

namespace acctsec::server {

struct StaffAssertion {
  std::vector<std::string> reasons;  // empty: verified
  webauthn::AssertionVerdict verdict;
  std::optional<CredentialRecord> credential;  // the key it claims to be, when that is `principal`'s
};

StaffAssertion staff_assertion_verify(IdentityStore& store, const RelyingParty& rp, std::string_view principal, ByteView challenge,
                                      bool require_user_verification, const webauthn::AuthenticationResponse& response);

}  // namespace acctsec::server
