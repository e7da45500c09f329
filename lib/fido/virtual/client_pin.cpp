// authenticatorClientPIN (CTAP 2.1 §6.5): retries, key agreement, setPIN, changePIN, and PIN
// tokens with (subcommand 9) or without (subcommand 5, CTAP 2.0) permissions.
#include <algorithm>

#include "fido/virtual/cose.hpp"
#include "fido/virtual/soft_authenticator.hpp"

namespace acctsec::fido::soft {
namespace {

namespace subcommand {
constexpr std::uint64_t k_get_retries = 0x01;
constexpr std::uint64_t k_get_key_agreement = 0x02;
constexpr std::uint64_t k_set_pin = 0x03;
constexpr std::uint64_t k_change_pin = 0x04;
constexpr std::uint64_t k_get_pin_token = 0x05;
constexpr std::uint64_t k_get_token_with_permissions = 0x09;
}  // namespace subcommand

constexpr std::size_t k_padded_pin_size = 64;

std::size_t code_points(ByteView utf8) {
  return static_cast<std::size_t>(
      std::count_if(utf8.begin(), utf8.end(), [](std::uint8_t b) { return (b & 0xc0) != 0x80; }));
}

}  // namespace

Bytes SoftAuthenticator::client_pin(const cbor_item_t& request) {
  const std::uint64_t sub = need_uint(request, 2);
  // getRetries needs no protocol; libfido2 sends 1 regardless of what the key supports.
  if (sub == subcommand::k_get_retries) return pin_get_retries();
  const PinProtocol protocol = supported_protocol(need_uint(request, 1));
  switch (sub) {
    case subcommand::k_get_key_agreement:
      return pin_get_key_agreement(protocol);
    case subcommand::k_set_pin:
      return pin_set(protocol, request);
    case subcommand::k_change_pin:
      return pin_change(protocol, request);
    case subcommand::k_get_pin_token:
      return pin_get_token(protocol, request, false);
    case subcommand::k_get_token_with_permissions:
      return pin_get_token(protocol, request, true);
    default:
      throw CtapFailure{ctap_status::k_invalid_subcommand};
  }
}

Bytes SoftAuthenticator::pin_get_retries() const {
  cbor::Item reply =
      cbor::MapBuilder().add(3, cbor::make_uint(static_cast<std::uint64_t>(m_state.pin_retries))).build();
  return ctap_success(*reply);
}

Bytes SoftAuthenticator::pin_get_key_agreement(const PinProtocol&) const {
  cbor::Item reply = cbor::MapBuilder().add(1, cose_key_agreement_public_key(*m_key_agreement)).build();
  return ctap_success(*reply);
}

Bytes SoftAuthenticator::pin_set(const PinProtocol& protocol, const cbor_item_t& request) {
  const Bytes param = need_bytes(request, 4);
  const Bytes new_pin_enc = need_bytes(request, 5);
  if (m_state.pin_hash) throw CtapFailure{ctap_status::k_not_allowed};  // changePIN is the way
  const Bytes shared = shared_secret(protocol, request);
  if (!protocol.verify(shared, new_pin_enc, param)) throw CtapFailure{ctap_status::k_pin_auth_invalid};
  store_new_pin(protocol, shared, new_pin_enc);
  return {ctap_status::k_ok};
}

Bytes SoftAuthenticator::pin_change(const PinProtocol& protocol, const cbor_item_t& request) {
  const Bytes param = need_bytes(request, 4);
  const Bytes new_pin_enc = need_bytes(request, 5);
  const Bytes pin_hash_enc = need_bytes(request, 6);
  if (!m_state.pin_hash) throw CtapFailure{ctap_status::k_pin_not_set};
  if (m_state.pin_retries == 0) throw CtapFailure{ctap_status::k_pin_blocked};
  if (m_consecutive_pin_failures >= k_max_consecutive_pin_failures) throw CtapFailure{ctap_status::k_pin_auth_blocked};
  const Bytes shared = shared_secret(protocol, request);
  Bytes message = new_pin_enc;
  message.insert(message.end(), pin_hash_enc.begin(), pin_hash_enc.end());
  if (!protocol.verify(shared, message, param)) throw CtapFailure{ctap_status::k_pin_auth_invalid};
  verify_pin_hash(protocol, shared, pin_hash_enc);
  store_new_pin(protocol, shared, new_pin_enc);
  reset_token();
  return {ctap_status::k_ok};
}

Bytes SoftAuthenticator::pin_get_token(const PinProtocol& protocol, const cbor_item_t& request, bool with_permissions) {
  const Bytes pin_hash_enc = need_bytes(request, 6);
  std::uint8_t permissions = permission::k_make_credential | permission::k_get_assertion;  // CTAP 2.0 token
  std::optional<std::string> rp_id;
  if (with_permissions) {
    const std::uint64_t requested = need_uint(request, 9);
    rp_id = find_text(request, 10);
    if (requested == 0 || requested > 0xff) throw CtapFailure{ctap_status::k_invalid_parameter};
    // Bio enrollment, large blobs and authenticator config are not implemented.
    if ((requested & ~std::uint64_t{permission::k_supported}) != 0)
      throw CtapFailure{ctap_status::k_unauthorized_permission};
    permissions = static_cast<std::uint8_t>(requested);
    if ((permissions & (permission::k_make_credential | permission::k_get_assertion)) != 0 && !rp_id)
      throw CtapFailure{ctap_status::k_missing_parameter};
  } else if (cbor::find(request, 9) != nullptr || cbor::find(request, 10) != nullptr) {
    throw CtapFailure{ctap_status::k_invalid_parameter};
  }
  if (!m_state.pin_hash) throw CtapFailure{ctap_status::k_pin_not_set};
  if (m_state.pin_retries == 0) throw CtapFailure{ctap_status::k_pin_blocked};
  if (m_consecutive_pin_failures >= k_max_consecutive_pin_failures) throw CtapFailure{ctap_status::k_pin_auth_blocked};
  const Bytes shared = shared_secret(protocol, request);
  verify_pin_hash(protocol, shared, pin_hash_enc);

  // Each token grant replaces the previous token (resetPinUvAuthToken).
  reset_token();
  m_token.in_use = true;
  m_token.permissions = permissions;
  m_token.rp_id = std::move(rp_id);
  cbor::Item reply = cbor::MapBuilder().add(2, cbor::make_bytes(protocol.encrypt(shared, m_token.value))).build();
  return ctap_success(*reply);
}

Bytes SoftAuthenticator::shared_secret(const PinProtocol& protocol, const cbor_item_t& request) const {
  EvpPkey peer = cose_key_agreement_peer(need_map(request, 3));
  if (!peer) throw CtapFailure{ctap_status::k_invalid_parameter};
  auto z = ecdh_p256(*m_key_agreement, *peer);
  if (!z) throw CtapFailure{ctap_status::k_invalid_parameter};
  Bytes shared = protocol.kdf(*z);
  wipe(*z);
  return shared;
}

void SoftAuthenticator::verify_pin_hash(const PinProtocol& protocol, ByteView shared, ByteView pin_hash_enc) {
  // Spend the retry before checking, so that cutting power mid-check cannot give free guesses.
  --m_state.pin_retries;
  const auto pin_hash = protocol.decrypt(shared, pin_hash_enc);
  if (!pin_hash || !constant_time_equal(*pin_hash, *m_state.pin_hash)) {
    regenerate_key_agreement();
    ++m_consecutive_pin_failures;
    if (m_state.pin_retries == 0) throw CtapFailure{ctap_status::k_pin_blocked};
    if (m_consecutive_pin_failures >= k_max_consecutive_pin_failures)
      throw CtapFailure{ctap_status::k_pin_auth_blocked};
    throw CtapFailure{ctap_status::k_pin_invalid};
  }
  m_state.pin_retries = k_pin_max_retries;
  m_consecutive_pin_failures = 0;
}

void SoftAuthenticator::store_new_pin(const PinProtocol& protocol, ByteView shared, ByteView new_pin_enc) {
  auto padded = protocol.decrypt(shared, new_pin_enc);
  if (!padded || padded->size() != k_padded_pin_size) throw CtapFailure{ctap_status::k_invalid_parameter};
  // The PIN is the padded block up to its first zero byte; a full block has no terminator.
  const auto end = std::find(padded->begin(), padded->end(), std::uint8_t{0});
  Bytes pin(padded->begin(), end);
  const bool acceptable = pin.size() <= k_pin_max_length && code_points(pin) >= k_pin_min_length;
  Bytes hash = acceptable ? sha256(pin) : Bytes{};
  wipe(pin);
  wipe(*padded);
  if (!acceptable) throw CtapFailure{ctap_status::k_pin_policy_violation};
  hash.resize(k_pin_hash_size);
  m_state.pin_hash = std::move(hash);
  m_state.pin_retries = k_pin_max_retries;
  m_consecutive_pin_failures = 0;
}

}  // namespace acctsec::fido::soft
