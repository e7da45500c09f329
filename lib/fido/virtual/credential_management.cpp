// authenticatorCredentialManagement (CTAP 2.1 §6.8), reached through 0x0A and through the
// preview command 0x41, which is the one libfido2 1.12's fido_credman_* functions always send.
// Both share one request grammar and the MAC over subCommand || subCommandParams.
#include <algorithm>

#include "fido/virtual/soft_authenticator.hpp"

namespace acctsec::fido::soft {
namespace {

namespace subcommand {
constexpr std::uint64_t k_get_metadata = 0x01;
constexpr std::uint64_t k_enumerate_rps_begin = 0x02;
constexpr std::uint64_t k_enumerate_rps_next = 0x03;
constexpr std::uint64_t k_enumerate_credentials_begin = 0x04;
constexpr std::uint64_t k_enumerate_credentials_next = 0x05;
constexpr std::uint64_t k_delete_credential = 0x06;
constexpr std::uint64_t k_update_user = 0x07;
}  // namespace subcommand

const cbor_item_t& need_params(const cbor_item_t* params) {
  if (params == nullptr) throw CtapFailure{ctap_status::k_missing_parameter};
  return *params;
}

}  // namespace

Bytes SoftAuthenticator::credential_management(const cbor_item_t& request) {
  const std::uint64_t sub = need_uint(request, 1);
  if (sub != subcommand::k_enumerate_rps_next) m_pending_rps.reset();
  if (sub != subcommand::k_enumerate_credentials_next) m_pending_credentials.reset();
  // The "next" subcommands continue an enumeration that was authorised when it began.
  if (sub == subcommand::k_enumerate_rps_next) return credman_enumerate_rps_next();
  if (sub == subcommand::k_enumerate_credentials_next) return credman_enumerate_credentials_next();
  if (sub != subcommand::k_get_metadata && sub != subcommand::k_enumerate_rps_begin &&
      sub != subcommand::k_enumerate_credentials_begin && sub != subcommand::k_delete_credential &&
      sub != subcommand::k_update_user)
    throw CtapFailure{ctap_status::k_invalid_subcommand};

  const cbor_item_t* params = find_map(request, 2);
  const auto protocol_version = find_uint(request, 3);
  const auto param = find_bytes(request, 4);
  if (!param) throw CtapFailure{ctap_status::k_pin_required};
  if (!protocol_version) throw CtapFailure{ctap_status::k_missing_parameter};
  Bytes message{static_cast<std::uint8_t>(sub)};
  if (params != nullptr) {
    // libcbor re-encodes a decoded item byte for byte (widths and definite lengths are kept),
    // so this is the subCommandParams encoding the platform authenticated.
    const Bytes encoded = cbor::encode(*params);
    message.insert(message.end(), encoded.begin(), encoded.end());
  }
  verify_token(supported_protocol(*protocol_version), *param, message, permission::k_credential_management);

  switch (sub) {
    case subcommand::k_get_metadata:
    case subcommand::k_enumerate_rps_begin:
      // Whole-key views need a token that is not limited to one relying party.
      if (m_token.rp_id) throw CtapFailure{ctap_status::k_pin_auth_invalid};
      return sub == subcommand::k_get_metadata ? credman_metadata() : credman_enumerate_rps_begin();
    case subcommand::k_enumerate_credentials_begin:
      return credman_enumerate_credentials_begin(need_params(params));
    case subcommand::k_delete_credential:
      return credman_delete(need_params(params));
    default:
      return credman_update_user(need_params(params));
  }
}

Bytes SoftAuthenticator::credman_metadata() const {
  const std::size_t stored = m_state.credentials.size();
  const std::size_t remaining = stored < k_max_discoverable_credentials ? k_max_discoverable_credentials - stored : 0;
  cbor::Item reply = cbor::MapBuilder().add(1, cbor::make_uint(stored)).add(2, cbor::make_uint(remaining)).build();
  return ctap_success(*reply);
}

Bytes SoftAuthenticator::credman_rp_reply(const std::string& rp_id, std::optional<std::size_t> total) const {
  std::string rp_name;
  for (const auto& credential : m_state.credentials)
    if (credential.rp_id == rp_id && !credential.rp_name.empty()) rp_name = credential.rp_name;
  cbor::MapBuilder rp;
  rp.add("id", cbor::make_text(rp_id));
  if (!rp_name.empty()) rp.add("name", cbor::make_text(rp_name));
  cbor::MapBuilder reply;
  reply.add(3, rp.build()).add(4, cbor::make_bytes(sha256(as_bytes(rp_id))));
  if (total) reply.add(5, cbor::make_uint(*total));
  return ctap_success(*reply.build());
}

Bytes SoftAuthenticator::credman_credential_reply(const StoredCredential& credential,
                                                  std::optional<std::size_t> total) const {
  cbor::MapBuilder user;
  user.add("id", cbor::make_bytes(credential.user_id));
  if (!credential.user_name.empty()) user.add("name", cbor::make_text(credential.user_name));
  if (!credential.user_display_name.empty()) user.add("displayName", cbor::make_text(credential.user_display_name));
  cbor::Item public_key = cbor::decode(credential.public_key);
  if (!public_key) throw CtapFailure{ctap_status::k_other};
  cbor::MapBuilder reply;
  reply.add(6, user.build())
      .add(7, cbor::MapBuilder()
                  .add("id", cbor::make_bytes(credential.id))
                  .add("type", cbor::make_text("public-key"))
                  .build())
      .add(8, std::move(public_key));
  if (total) reply.add(9, cbor::make_uint(*total));
  return ctap_success(*reply.build());
}

Bytes SoftAuthenticator::credman_enumerate_rps_begin() {
  std::vector<std::string> rp_ids;  // each RP once, in the order its first credential was stored
  for (const auto& credential : m_state.credentials)
    if (std::find(rp_ids.begin(), rp_ids.end(), credential.rp_id) == rp_ids.end()) rp_ids.push_back(credential.rp_id);
  if (rp_ids.empty()) throw CtapFailure{ctap_status::k_no_credentials};
  Bytes reply = credman_rp_reply(rp_ids.front(), rp_ids.size());
  if (rp_ids.size() > 1) m_pending_rps = PendingRps{std::vector<std::string>(rp_ids.begin() + 1, rp_ids.end())};
  return reply;
}

Bytes SoftAuthenticator::credman_enumerate_rps_next() {
  if (!m_pending_rps || m_pending_rps->rp_ids.empty()) throw CtapFailure{ctap_status::k_not_allowed};
  const std::string rp_id = m_pending_rps->rp_ids.front();
  m_pending_rps->rp_ids.erase(m_pending_rps->rp_ids.begin());
  if (m_pending_rps->rp_ids.empty()) m_pending_rps.reset();
  return credman_rp_reply(rp_id, std::nullopt);
}

Bytes SoftAuthenticator::credman_enumerate_credentials_begin(const cbor_item_t& params) {
  const Bytes rp_id_hash = need_bytes(params, 1);
  if (m_token.rp_id && sha256(as_bytes(*m_token.rp_id)) != rp_id_hash)
    throw CtapFailure{ctap_status::k_pin_auth_invalid};
  std::vector<const StoredCredential*> found;
  for (const auto& credential : m_state.credentials)
    if (sha256(as_bytes(credential.rp_id)) == rp_id_hash) found.push_back(&credential);
  if (found.empty()) throw CtapFailure{ctap_status::k_no_credentials};
  std::sort(found.begin(), found.end(), [](const auto* a, const auto* b) { return a->created > b->created; });
  Bytes reply = credman_credential_reply(*found.front(), found.size());
  if (found.size() > 1) {
    PendingCredentials pending;
    for (std::size_t i = 1; i < found.size(); ++i) pending.credential_ids.push_back(found[i]->id);
    m_pending_credentials = std::move(pending);
  }
  return reply;
}

Bytes SoftAuthenticator::credman_enumerate_credentials_next() {
  if (!m_pending_credentials || m_pending_credentials->credential_ids.empty())
    throw CtapFailure{ctap_status::k_not_allowed};
  const Bytes id = m_pending_credentials->credential_ids.front();
  m_pending_credentials->credential_ids.erase(m_pending_credentials->credential_ids.begin());
  if (m_pending_credentials->credential_ids.empty()) m_pending_credentials.reset();
  const StoredCredential* credential = find_discoverable(id);
  if (credential == nullptr) throw CtapFailure{ctap_status::k_no_credentials};
  return credman_credential_reply(*credential, std::nullopt);
}

Bytes SoftAuthenticator::credman_delete(const cbor_item_t& params) {
  const Bytes id = need_bytes(need_map(params, 2), "id");
  const StoredCredential* credential = find_discoverable(id);
  if (credential == nullptr) throw CtapFailure{ctap_status::k_no_credentials};
  if (m_token.rp_id && *m_token.rp_id != credential->rp_id) throw CtapFailure{ctap_status::k_pin_auth_invalid};
  std::erase_if(m_state.credentials, [&](const StoredCredential& c) { return c.id == id; });
  return {ctap_status::k_ok};
}

Bytes SoftAuthenticator::credman_update_user(const cbor_item_t& params) {
  const Bytes id = need_bytes(need_map(params, 2), "id");
  const cbor_item_t& user = need_map(params, 3);
  StoredCredential* credential = find_discoverable(id);
  if (credential == nullptr) throw CtapFailure{ctap_status::k_no_credentials};
  if (m_token.rp_id && *m_token.rp_id != credential->rp_id) throw CtapFailure{ctap_status::k_pin_auth_invalid};
  if (need_bytes(user, "id") != credential->user_id) throw CtapFailure{ctap_status::k_invalid_parameter};
  credential->user_name = find_text(user, "name").value_or("");
  credential->user_display_name = find_text(user, "displayName").value_or("");
  return {ctap_status::k_ok};
}

}  // namespace acctsec::fido::soft
