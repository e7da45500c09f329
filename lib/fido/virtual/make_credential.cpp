// authenticatorMakeCredential (CTAP 2.1 §6.1).
#include <algorithm>

#include "fido/virtual/attestation.hpp"
#include "fido/virtual/authenticator_data.hpp"
#include "fido/virtual/cose.hpp"
#include "fido/virtual/key_wrap.hpp"
#include "fido/virtual/soft_authenticator.hpp"

namespace acctsec::fido::soft {
namespace {

constexpr std::size_t k_client_data_hash_size = 32;
constexpr std::size_t k_max_user_id_size = 64;
constexpr std::size_t k_discoverable_id_size = 32;

// The first pubKeyCredParams entry the key supports, in the RP's order of preference.
CoseAlg choose_algorithm(const cbor_item_t& params) {
  if (!cbor_isa_array(&params)) throw CtapFailure{ctap_status::k_cbor_unexpected_type};
  const std::size_t count = cbor_array_size(&params);
  for (std::size_t i = 0; i < count; ++i) {
    const cbor::Item entry(cbor_array_get(&params, i));  // cbor_array_get adds a reference
    if (!cbor_isa_map(entry.get())) throw CtapFailure{ctap_status::k_cbor_unexpected_type};
    if (need_text(*entry, "type") != "public-key") continue;
    const auto alg = cbor::to_integer(need(*entry, "alg"));
    if (!alg) throw CtapFailure{ctap_status::k_cbor_unexpected_type};
    if (const auto supported = cose_alg_from_int(*alg)) return *supported;
  }
  throw CtapFailure{ctap_status::k_unsupported_algorithm};
}

}  // namespace

Bytes SoftAuthenticator::make_credential(const cbor_item_t& request) {
  const Bytes client_data_hash = need_bytes(request, 1);
  const cbor_item_t& rp = need_map(request, 2);
  const cbor_item_t& user = need_map(request, 3);
  const CoseAlg alg = choose_algorithm(need(request, 4));
  const cbor_item_t* exclude_list = find_array(request, 5);
  const cbor_item_t* options = find_map(request, 7);
  const auto pin_uv_auth_param = find_bytes(request, 8);
  const auto pin_uv_auth_protocol = find_uint(request, 9);

  const std::string rp_id = need_text(rp, "id");
  const std::string rp_name = find_text(rp, "name").value_or("");
  const Bytes user_id = need_bytes(user, "id");
  const std::string user_name = find_text(user, "name").value_or("");
  const std::string user_display_name = find_text(user, "displayName").value_or("");
  if (client_data_hash.size() != k_client_data_hash_size || user_id.empty() || user_id.size() > k_max_user_id_size)
    throw CtapFailure{ctap_status::k_invalid_length};

  bool resident = false;
  bool uv_option = false;
  if (options != nullptr) {
    resident = find_bool(*options, "rk").value_or(false);
    uv_option = find_bool(*options, "uv").value_or(false);
    // makeCredential always tests user presence; a request to skip it is invalid (P16).
    if (find_bool(*options, "up") == false) throw CtapFailure{ctap_status::k_invalid_option};
  }

  const bool user_verified =
      authorize_with_token(pin_uv_auth_param, pin_uv_auth_protocol, client_data_hash, rp_id, permission::k_make_credential);
  if (!user_verified) {
    // No built-in UV method to honour options.uv; and with a PIN set, creating a credential
    // needs it (the CTAP 2.0 rule, and 2.1's without makeCredUvNotRqd).
    if (uv_option) throw CtapFailure{ctap_status::k_invalid_option};
    if (m_state.pin_hash) throw CtapFailure{ctap_status::k_pin_required};
  }

  const Bytes rp_id_hash = sha256(as_bytes(rp_id));
  if (exclude_list != nullptr) {
    const std::size_t count = cbor_array_size(exclude_list);
    for (std::size_t i = 0; i < count; ++i) {
      const cbor::Item entry(cbor_array_get(exclude_list, i));
      if (!cbor_isa_map(entry.get())) throw CtapFailure{ctap_status::k_cbor_unexpected_type};
      const Bytes id = need_bytes(*entry, "id");
      if (need_text(*entry, "type") != "public-key") continue;
      if (resolve_credential(rp_id, rp_id_hash, id)) {
        // The user confirms before learning that this key is already registered.
        collect_user_presence();
        throw CtapFailure{ctap_status::k_credential_excluded};
      }
    }
  }

  // A discoverable credential replaces one for the same account at the same RP.
  const auto same_account = [&](const StoredCredential& c) { return c.rp_id == rp_id && c.user_id == user_id; };
  const bool replaces = std::any_of(m_state.credentials.begin(), m_state.credentials.end(), same_account);
  if (resident && !replaces && m_state.credentials.size() >= k_max_discoverable_credentials)
    throw CtapFailure{ctap_status::k_key_store_full};

  collect_user_presence();
  if (user_verified) m_token.permissions = 0;  // a token authorises one operation (CTAP 2.1 §6.1.2)

  EvpPkey key = key_generate(alg);
  const Bytes cose_key = cbor::encode(*cose_credential_public_key(*key, alg));
  Bytes credential_id;
  if (resident) {
    credential_id = random_bytes(k_discoverable_id_size);
    StoredCredential stored;
    stored.id = credential_id;
    stored.rp_id = rp_id;
    stored.rp_name = rp_name;
    stored.user_id = user_id;
    stored.user_name = user_name;
    stored.user_display_name = user_display_name;
    stored.alg = alg;
    stored.public_key = cose_key;
    stored.private_key =
        private_key_wrap(m_state.master_key, discoverable_key_aad(rp_id_hash, credential_id), *key, alg);
    stored.created = m_state.next_created++;
    std::erase_if(m_state.credentials, same_account);
    m_state.credentials.push_back(std::move(stored));
  } else {
    // The credential id is the private key, wrapped and bound to this RP: nothing is stored.
    credential_id = private_key_wrap(m_state.master_key, rp_id_hash, *key, alg);
  }

  const std::uint8_t flags = auth_flag::k_user_present | (user_verified ? auth_flag::k_user_verified : 0);
  const AttestedCredential attested{m_state.aaguid, credential_id, cose_key};
  const Bytes auth_data = authenticator_data(rp_id_hash, flags, next_sign_count(), &attested);
  Bytes signed_data = auth_data;
  signed_data.insert(signed_data.end(), client_data_hash.begin(), client_data_hash.end());

  std::string format = "packed";
  cbor::MapBuilder statement;
  switch (m_state.attestation) {
    case VirtualAttestation::packed: {
      // Full attestation: signed by the attestation key, with its chain to the key's own CA.
      EvpPkey attestation = attestation_key();
      const Bytes ca = certificate_pem_to_der(m_state.attestation_ca_pem);
      if (ca.empty()) throw CtapFailure{ctap_status::k_other};
      std::vector<cbor::Item> chain;
      chain.push_back(cbor::make_bytes(m_state.attestation_certificate));
      chain.push_back(cbor::make_bytes(ca));
      statement.add("alg", cbor::make_int(static_cast<int>(CoseAlg::es256)))
          .add("sig", cbor::make_bytes(key_sign(*attestation, signed_data)))
          .add("x5c", cbor::make_array(std::move(chain)));
      break;
    }
    case VirtualAttestation::self:
      statement.add("alg", cbor::make_int(static_cast<int>(alg)))
          .add("sig", cbor::make_bytes(key_sign(*key, signed_data)));
      break;
    case VirtualAttestation::none:
      format = "none";
      break;
  }
  cbor::Item reply = cbor::MapBuilder()
                         .add(1, cbor::make_text(format))
                         .add(2, cbor::make_bytes(auth_data))
                         .add(3, statement.build())
                         .build();
  return ctap_success(*reply);
}

}  // namespace acctsec::fido::soft
