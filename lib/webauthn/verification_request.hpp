// One verification as the `webauthn` commands and their --batch lines describe it: a response in
// its toJSON() shape, what was expected (challenge, origin, RP ID, ...) and the verdict as a JSON
// document. Flags give defaults; an "expected" object overrides them field by field:
//
//   {"id": <any JSON>, "response": {...},
//    "expected": {"challenge", "origin", "rpId", "requireUserVerification", "at",
//                 "credential": {"id", "publicKey", "counter"}, "trustAnchors": [PEM, ...]}}
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/assertion_check.hpp"
#include "webauthn/authenticator_metadata.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/enrollment_policy.hpp"
#include "webauthn/registration_verify.hpp"

namespace acctsec::webauthn {

inline constexpr std::string_view k_registration_verdict_schema = "acctsec.webauthn.registration-verdict/1";
inline constexpr std::string_view k_assertion_verdict_schema = "acctsec.webauthn.assertion-verdict/1";

// A credential as a relying party stores it: {"id": base64url, "publicKey": base64url COSE_Key,
// "counter": the last signature counter seen}. An empty id (--public-key) accepts any credential id.
struct StoredCredential {
  Bytes id;
  Bytes public_key_cose;
  std::uint32_t counter = 0;
};

// Parses a stored credential; "publicKey" must be base64url (whether it is a usable COSE_Key is
// checked when it is used), "counter" 0..2^32-1 (absent means 0). Errors: usage, naming the member.
Result<StoredCredential> stored_credential_from_json(const boost::json::value& json);
Result<StoredCredential> stored_credential_from_json(const nlohmann::json& json);
nlohmann::json stored_credential_to_json(const StoredCredential& credential);

// What the flags say; read-only once built, shared by every batch worker.
struct VerifyDefaults {
  std::optional<Bytes> challenge;
  std::optional<std::string> origin;
  std::optional<std::string> rp_id;
  bool require_user_verification = false;
  std::optional<std::chrono::system_clock::time_point> at;
  std::optional<StoredCredential> credential;  // assertions
  std::vector<X509Ptr> trust_anchors;          // registrations
  std::function<std::optional<AuthenticatorMetadata>(ByteView aaguid)> metadata;  // --mds
  std::optional<std::chrono::seconds> mds_age;                                   // age of the cached BLOB
  const EnrollmentPolicy* policy = nullptr;                                       // --policy
};

// Verifies one registration or assertion and returns its verdict document (schema, verified,
// reasons, ... — see the man page acctsec-webauthn(1)), allocated from `storage`. `expected` is
// the request's "expected" object or null (nullptr: none). `id`, when given, becomes the
// verdict's first member. A response that does not parse is a rejected verdict naming the problem.
// Errors: usage — an expectation is missing from both `expected` and the defaults, or `expected`
// itself is malformed.
struct VerdictContext {
  const boost::json::value* id = nullptr;  // a --batch line's "id"
  boost::json::storage_ptr storage;         // where the verdict is allocated
};
Result<boost::json::object> verify_registration_request(const boost::json::value& response, const boost::json::value* expected,
                                                        const VerifyDefaults& defaults, const VerdictContext& context = {});
Result<boost::json::object> verify_assertion_request(const boost::json::value& response, const boost::json::value* expected,
                                                     const VerifyDefaults& defaults, const VerdictContext& context = {});

// The verdict document for a request that could not be verified at all (a malformed batch line):
// {"id", "schema", "verified": false, "error": message, "reasons": [message]}.
boost::json::object verification_error_verdict(std::string_view schema, const std::string& message,
                                               const VerdictContext& context = {});

}  // namespace acctsec::webauthn
