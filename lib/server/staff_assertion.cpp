#include "server/staff_assertion.hpp"

#include <fmt/format.h>

namespace acctsec::server {

StaffAssertion staff_assertion_verify(IdentityStore& store, const RelyingParty& rp, std::string_view principal, ByteView challenge,
                                      bool require_user_verification, const webauthn::AuthenticationResponse& response) {
  StaffAssertion out;
  auto credential = store.credential_get(response.credential_id);
  if (!credential || credential->principal != principal) {
    out.reasons.push_back(fmt::format("credential {} is not one of {}'s keys", base64url_encode(response.credential_id), principal));
    return out;
  }
  webauthn::AssertionExpectation expected;
  expected.challenge = Bytes(challenge.begin(), challenge.end());
  expected.origin = rp.origin;
  expected.rp_id = rp.id;
  expected.credential_public_key = credential->public_key;
  expected.credential_id = credential->id;
  expected.stored_sign_count = credential->counter;
  expected.require_user_verification = require_user_verification;
  out.verdict = webauthn::assertion_verify(response, expected);
  out.reasons = out.verdict.reasons;
  out.credential = std::move(*credential);
  return out;
}

}  // namespace acctsec::server
