// The two signing ceremonies on a key: make a credential, get assertions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "fido/device.hpp"

namespace acctsec::fido {

enum class ResidentKey { no, yes };
enum class UserVerification { discouraged, preferred, required };
enum class UserPresence { required, not_required };
enum class Algorithm { es256, eddsa };

int algorithm_cose(Algorithm alg);

struct MakeCredentialRequest {
  Bytes client_data_hash;          // SHA-256 of clientDataJSON
  std::string rp_id;
  std::string rp_name;
  Bytes user_id;
  std::string user_name;
  std::string user_display_name;
  ResidentKey resident_key = ResidentKey::no;
  UserVerification user_verification = UserVerification::preferred;
  Algorithm algorithm = Algorithm::es256;
  std::vector<Bytes> exclude;      // credential ids the key must not already hold
  const Secret* pin = nullptr;
};

struct MakeCredentialResult {
  Bytes credential_id;
  Bytes auth_data;                 // bare authenticatorData bytes, as signed
  std::string fmt;                 // attestation statement format
  Bytes att_stmt_cbor;             // attestation statement, CBOR-encoded
  int cose_algorithm = 0;
};

// Errors: device (PIN needed or blocked, presence denied, unsupported algorithm), auth (wrong
// PIN), rejected (excluded credential present), timeout, cancelled.
Result<MakeCredentialResult> make_credential(Device& device, const MakeCredentialRequest& request);

struct GetAssertionRequest {
  std::string rp_id;
  Bytes client_data_hash;
  std::vector<Bytes> allow;        // empty: discoverable credentials for rp_id
  UserPresence user_presence = UserPresence::required;
  UserVerification user_verification = UserVerification::discouraged;
  const Secret* pin = nullptr;
};

struct AssertionResult {
  Bytes credential_id;
  Bytes auth_data;                 // bare authenticatorData bytes, as signed
  Bytes signature;
  Bytes user_id;                   // discoverable credentials only
  std::string user_name;
};

// Errors: as make_credential, plus not_found (no credential for the rp id on this key).
Result<std::vector<AssertionResult>> get_assertion(Device& device, const GetAssertionRequest& request);

}  // namespace acctsec::fido
