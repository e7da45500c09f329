// The identity objects as api/openapi.yaml shows them: principals, credentials, tokens, and the
// WebAuthn Level 3 options JSON of the two ceremonies.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/store.hpp"

namespace acctsec::server {

// The relying party the ceremonies are for.
struct RelyingParty {
  std::string id = "localhost";
  std::string name = "acctsec";
  std::string origin = "https://localhost";  // what clientDataJSON must carry
};

std::string store_time_text(StoreTime time);

nlohmann::json principal_json(const PrincipalRecord& principal, std::size_t credential_count);
nlohmann::json credential_json(const CredentialRecord& credential);
nlohmann::json token_json(const TokenRecord& token);

// RegistrationCeremony: creation options for `principal`, excluding the keys it holds.
nlohmann::json registration_ceremony_json(const RelyingParty& rp, const CeremonyRecord& ceremony, const PrincipalRecord& principal,
                                          const std::vector<CredentialRecord>& existing, std::string_view resident_key,
                                          std::string_view user_verification, int timeout_ms);

// LoginCeremony: request options allowing `credentials`.
nlohmann::json login_ceremony_json(const RelyingParty& rp, const CeremonyRecord& ceremony,
                                   const std::vector<CredentialRecord>& credentials, std::string_view user_verification,
                                   int timeout_ms);

// PublicKeyCredentialRequestOptionsJSON over `challenge`, allowing `credentials`.
nlohmann::json request_options_json(const RelyingParty& rp, ByteView challenge, const std::vector<CredentialRecord>& credentials,
                                    std::string_view user_verification, int timeout_ms);

}  // namespace acctsec::server
