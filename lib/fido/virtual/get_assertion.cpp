// authenticatorGetAssertion and authenticatorGetNextAssertion (CTAP 2.1 §6.2, §6.3).
#include "fido/virtual/authenticator_data.hpp"
#include "fido/virtual/soft_authenticator.hpp"

namespace acctsec::fido::soft {
namespace {

constexpr std::size_t k_client_data_hash_size = 32;

}  // namespace

Bytes SoftAuthenticator::get_assertion(const cbor_item_t& request) {
  const std::string rp_id = need_text(request, 1);
  const Bytes client_data_hash = need_bytes(request, 2);
  const cbor_item_t* allow_list = find_array(request, 3);
  const cbor_item_t* options = find_map(request, 5);
  const auto pin_uv_auth_param = find_bytes(request, 6);
  const auto pin_uv_auth_protocol = find_uint(request, 7);
  if (client_data_hash.size() != k_client_data_hash_size) throw CtapFailure{ctap_status::k_invalid_length};

  bool user_presence = true;
  bool uv_option = false;
  if (options != nullptr) {
    if (cbor::find(*options, "rk") != nullptr) throw CtapFailure{ctap_status::k_unsupported_option};  // P16
    user_presence = find_bool(*options, "up").value_or(true);
    uv_option = find_bool(*options, "uv").value_or(false);
  }

  const bool user_verified =
      authorize_with_token(pin_uv_auth_param, pin_uv_auth_protocol, client_data_hash, rp_id, permission::k_get_assertion);
  if (!user_verified && uv_option) {
    throw CtapFailure{ctap_status::k_invalid_option};  // no built-in user verification
  }

  const Bytes rp_id_hash = sha256(as_bytes(rp_id));
  std::optional<ResolvedCredential> first;
  std::vector<Bytes> more;
  if (allow_list != nullptr && cbor_array_size(allow_list) > 0) {
    // The first listed credential that is ours for this RP.
    const std::size_t count = cbor_array_size(allow_list);
    for (std::size_t i = 0; i < count && !first; ++i) {
      const cbor::Item entry(cbor_array_get(allow_list, i));
      if (!cbor_isa_map(entry.get())) throw CtapFailure{ctap_status::k_cbor_unexpected_type};
      const Bytes id = need_bytes(*entry, "id");
      if (need_text(*entry, "type") != "public-key") continue;
      first = resolve_credential(rp_id, rp_id_hash, id);
    }
  } else {
    const auto discoverable = discoverable_for(rp_id);
    if (!discoverable.empty()) {
      first = resolve_credential(rp_id, rp_id_hash, discoverable.front()->id);
      for (std::size_t i = 1; i < discoverable.size(); ++i) more.push_back(discoverable[i]->id);
    }
  }
  if (!first) throw CtapFailure{ctap_status::k_no_credentials};

  if (user_presence) collect_user_presence();
  if (user_verified) m_token.permissions = 0;  // a token authorises one operation

  const std::uint8_t flags =
      (user_presence ? auth_flag::k_user_present : 0) | (user_verified ? auth_flag::k_user_verified : 0);
  const std::optional<std::size_t> count = more.empty() ? std::nullopt : std::optional(more.size() + 1);
  Bytes reply = assertion_reply(rp_id, client_data_hash, flags, *first, user_verified, count);
  if (!more.empty())
    m_pending_assertion = PendingAssertion{rp_id, client_data_hash, flags, user_verified, std::move(more)};
  return reply;
}

Bytes SoftAuthenticator::get_next_assertion() {
  if (!m_pending_assertion || m_pending_assertion->credential_ids.empty())
    throw CtapFailure{ctap_status::k_not_allowed};
  PendingAssertion& pending = *m_pending_assertion;
  const Bytes id = pending.credential_ids.front();
  pending.credential_ids.erase(pending.credential_ids.begin());
  const Bytes rp_id_hash = sha256(as_bytes(pending.rp_id));
  const auto credential = resolve_credential(pending.rp_id, rp_id_hash, id);
  if (!credential) throw CtapFailure{ctap_status::k_no_credentials};
  Bytes reply = assertion_reply(pending.rp_id, pending.client_data_hash, pending.flags, *credential,
                                pending.user_details, std::nullopt);
  if (pending.credential_ids.empty()) m_pending_assertion.reset();
  return reply;
}

Bytes SoftAuthenticator::assertion_reply(const std::string& rp_id, ByteView client_data_hash, std::uint8_t flags,
                                         const ResolvedCredential& credential, bool user_details,
                                         std::optional<std::size_t> count) {
  const Bytes auth_data = authenticator_data(sha256(as_bytes(rp_id)), flags, next_sign_count());
  Bytes signed_data = auth_data;
  signed_data.insert(signed_data.end(), client_data_hash.begin(), client_data_hash.end());

  cbor::MapBuilder reply;
  reply
      .add(1, cbor::MapBuilder()
                  .add("id", cbor::make_bytes(credential.id))
                  .add("type", cbor::make_text("public-key"))
                  .build())
      .add(2, cbor::make_bytes(auth_data))
      .add(3, cbor::make_bytes(key_sign(*credential.key, signed_data)));
  if (const StoredCredential* stored = credential.discoverable) {
    // Names identify the person, so they are only released after user verification.
    cbor::MapBuilder user;
    user.add("id", cbor::make_bytes(stored->user_id));
    if (user_details && !stored->user_name.empty()) user.add("name", cbor::make_text(stored->user_name));
    if (user_details && !stored->user_display_name.empty())
      user.add("displayName", cbor::make_text(stored->user_display_name));
    reply.add(4, user.build());
  }
  if (count) reply.add(5, cbor::make_uint(*count));
  return ctap_success(*reply.build());
}

}  // namespace acctsec::fido::soft
