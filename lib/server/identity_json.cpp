#include "server/identity_json.hpp"

#include <chrono>

#include "core/bytes.hpp"
#include "core/timestamp.hpp"

namespace acctsec::server {
namespace {

nlohmann::json optional_time(const std::optional<StoreTime>& time) {
  return time ? nlohmann::json(store_time_text(*time)) : nlohmann::json(nullptr);
}

nlohmann::json descriptors(const std::vector<CredentialRecord>& credentials) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : credentials) {
    nlohmann::json d = {{"type", "public-key"}, {"id", base64url_encode(c.id)}};
    if (!c.transports.empty()) d["transports"] = c.transports;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::string store_time_text(StoreTime time) {
  return format_timestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(time)));
}

nlohmann::json principal_json(const PrincipalRecord& principal, std::size_t credential_count) {
  return {{"schema", "acctsec.principal/1"},
          {"name", principal.name},
          {"displayName", principal.display_name},
          {"roles", principal.roles},
          {"createdAt", store_time_text(principal.created)},
          {"credentialCount", credential_count}};
}

nlohmann::json credential_json(const CredentialRecord& c) {
  nlohmann::json trust = {{"status", c.trust_status}};
  if (!c.trust_path.empty()) trust["path"] = c.trust_path;
  nlohmann::json out = {{"schema", "acctsec.credential/1"},
                        {"id", base64url_encode(c.id)},
                        {"principal", c.principal},
                        {"fmt", c.fmt},
                        {"aaguid", c.aaguid},
                        {"publicKeyAlgorithm", c.algorithm},
                        {"publicKey", base64url_encode(c.public_key)},
                        {"counter", c.counter},
                        {"discoverable", c.discoverable ? nlohmann::json(*c.discoverable) : nlohmann::json(nullptr)},
                        {"userVerified", c.user_verified},
                        {"backupEligible", c.backup_eligible},
                        {"virtualKey", c.virtual_key},
                        {"trust", trust},
                        {"mds", c.mds.is_object() ? c.mds : nlohmann::json(nullptr)},
                        {"createdAt", store_time_text(c.created)},
                        {"lastUsedAt", optional_time(c.last_used)}};
  if (!c.nickname.empty()) out["nickname"] = c.nickname;
  return out;
}

nlohmann::json token_json(const TokenRecord& t) {
  nlohmann::json out = {{"schema", "acctsec.token/1"},
                        {"id", t.id},
                        {"name", t.name},
                        {"scopes", t.scopes},
                        {"createdAt", store_time_text(t.created)},
                        {"createdBy", t.principal},
                        {"expiresAt", store_time_text(t.expires)},
                        {"lastUsedAt", optional_time(t.last_used)}};
  if (t.revoked) out["revokedAt"] = store_time_text(*t.revoked);
  return out;
}

nlohmann::json registration_ceremony_json(const RelyingParty& rp, const CeremonyRecord& ceremony, const PrincipalRecord& principal,
                                          const std::vector<CredentialRecord>& existing, std::string_view resident_key,
                                          std::string_view user_verification, int timeout_ms) {
  // ES256 first (every key has it), then EdDSA and RS256 for keys that prefer them.
  nlohmann::json params = nlohmann::json::array();
  for (int alg : {-7, -8, -257}) params.push_back({{"type", "public-key"}, {"alg", alg}});
  return {{"ceremonyId", ceremony.id},
          {"expiresAt", store_time_text(ceremony.expires)},
          {"origin", rp.origin},
          {"publicKey",
           {{"rp", {{"id", rp.id}, {"name", rp.name}}},
            {"user",
             {{"id", base64url_encode(principal.user_handle)}, {"name", principal.name}, {"displayName", principal.display_name}}},
            {"challenge", base64url_encode(ceremony.challenge)},
            {"pubKeyCredParams", params},
            {"timeout", timeout_ms},
            {"excludeCredentials", descriptors(existing)},
            {"authenticatorSelection", {{"residentKey", resident_key}, {"userVerification", user_verification}}},
            {"attestation", "direct"}}}};
}

nlohmann::json login_ceremony_json(const RelyingParty& rp, const CeremonyRecord& ceremony,
                                   const std::vector<CredentialRecord>& credentials, std::string_view user_verification,
                                   int timeout_ms) {
  return {{"ceremonyId", ceremony.id},
          {"expiresAt", store_time_text(ceremony.expires)},
          {"origin", rp.origin},
          {"publicKey", request_options_json(rp, ceremony.challenge, credentials, user_verification, timeout_ms)}};
}

nlohmann::json request_options_json(const RelyingParty& rp, ByteView challenge, const std::vector<CredentialRecord>& credentials,
                                    std::string_view user_verification, int timeout_ms) {
  return {{"challenge", base64url_encode(challenge)},
          {"rpId", rp.id},
          {"timeout", timeout_ms},
          {"userVerification", user_verification},
          {"allowCredentials", descriptors(credentials)}};
}

}  // namespace acctsec::server
