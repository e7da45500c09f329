// SoftAuthenticator: dispatch, getInfo, reset and the steps the commands share. The commands
// themselves live in make_credential.cpp, get_assertion.cpp, client_pin.cpp and
// credential_management.cpp.
#include "fido/virtual/soft_authenticator.hpp"

#include <algorithm>
#include <limits>
#include <new>

#include "core/log.hpp"
#include "fido/virtual/key_wrap.hpp"

namespace acctsec::fido::soft {
namespace {

bool is_credential_management(std::uint8_t command) {
  return command == ctap_cmd::k_credential_management || command == ctap_cmd::k_credential_management_preview;
}

}  // namespace

SoftAuthenticator::SoftAuthenticator(VirtualState& state) : m_state(state) {
  regenerate_key_agreement();
  reset_token();
}

SoftAuthenticator::~SoftAuthenticator() {
  wipe(m_token.value);
}

CtapReply SoftAuthenticator::handle(ByteView message) {
  m_fault = virtual_fault();
  m_touched = false;
  CtapReply reply;
  if (message.empty()) {
    reply.message = {ctap_status::k_invalid_length};
    return reply;
  }
  const std::uint8_t command = message[0];
  // Continuation commands only continue the enumeration that the previous command began.
  if (command != ctap_cmd::k_get_next_assertion) m_pending_assertion.reset();
  if (!is_credential_management(command)) {
    m_pending_rps.reset();
    m_pending_credentials.reset();
  }

  try {
    cbor::Item parameters;
    if (message.size() > 1) {
      parameters = cbor::decode(message.subspan(1));
      if (!parameters) throw CtapFailure{ctap_status::k_invalid_cbor};
      if (!cbor_isa_map(parameters.get())) throw CtapFailure{ctap_status::k_cbor_unexpected_type};
    }
    const auto request = [&]() -> const cbor_item_t& {
      if (!parameters) throw CtapFailure{ctap_status::k_missing_parameter};
      return *parameters;
    };
    switch (command) {
      case ctap_cmd::k_get_info:
        reply.message = get_info();
        break;
      case ctap_cmd::k_make_credential:
        reply.message = make_credential(request());
        break;
      case ctap_cmd::k_get_assertion:
        reply.message = get_assertion(request());
        break;
      case ctap_cmd::k_get_next_assertion:
        reply.message = get_next_assertion();
        break;
      case ctap_cmd::k_client_pin:
        reply.message = client_pin(request());
        break;
      case ctap_cmd::k_reset:
        reply.message = reset();
        break;
      case ctap_cmd::k_credential_management:
      case ctap_cmd::k_credential_management_preview:
        reply.message = credential_management(request());
        break;
      default:
        throw CtapFailure{ctap_status::k_invalid_command};
    }
  } catch (const CtapFailure& failure) {
    reply.message = {failure.status};
  } catch (const TouchPending&) {
    reply.awaiting_touch = true;
    return reply;
  } catch (const std::bad_alloc&) {
    reply.message = {ctap_status::k_other};
  } catch (const std::exception& e) {
    log_debug("virtual-key", "command 0x{:02x} failed: {}", command, e.what());
    reply.message = {ctap_status::k_other};
  }
  reply.user_presence = m_touched;
  // The malformed_reply fault cuts every reply body in half (getInfo excepted, so that the key
  // still opens and the fault shows where a command's reply is parsed).
  if (m_fault == VirtualFault::malformed_reply && command != ctap_cmd::k_get_info && reply.message.size() > 1)
    reply.message.resize(1 + (reply.message.size() - 1) / 2);
  return reply;
}

Bytes SoftAuthenticator::get_info() const {
  std::vector<cbor::Item> versions;
  versions.push_back(cbor::make_text("FIDO_2_0"));
  versions.push_back(cbor::make_text("FIDO_2_1_PRE"));  // for the credentialMgmtPreview command
  versions.push_back(cbor::make_text("FIDO_2_1"));

  // No "uv": the virtual key has no built-in user verification; PIN is its only UV method.
  // pinUvAuthToken: PIN tokens come from subcommand 9 with permissions (mc, ga, cm).
  cbor::Item options = cbor::MapBuilder()
                           .add("rk", cbor::make_bool(true))
                           .add("up", cbor::make_bool(true))
                           .add("plat", cbor::make_bool(false))
                           .add("clientPin", cbor::make_bool(m_state.pin_hash.has_value()))
                           .add("credMgmt", cbor::make_bool(true))
                           .add("credentialMgmtPreview", cbor::make_bool(true))
                           .add("pinUvAuthToken", cbor::make_bool(true))
                           .build();

  std::vector<cbor::Item> protocols;
  for (const std::uint8_t p : m_state.pin_protocols) protocols.push_back(cbor::make_uint(p));
  std::vector<cbor::Item> transports;
  transports.push_back(cbor::make_text("usb"));
  std::vector<cbor::Item> algorithms;
  for (const CoseAlg alg : {CoseAlg::es256, CoseAlg::eddsa})
    algorithms.push_back(cbor::MapBuilder()
                             .add("alg", cbor::make_int(static_cast<int>(alg)))
                             .add("type", cbor::make_text("public-key"))
                             .build());

  const std::size_t stored = m_state.credentials.size();
  const std::size_t remaining = stored < k_max_discoverable_credentials ? k_max_discoverable_credentials - stored : 0;
  cbor::Item info = cbor::MapBuilder()
                        .add(0x01, cbor::make_array(std::move(versions)))
                        .add(0x03, cbor::make_bytes(m_state.aaguid))
                        .add(0x04, std::move(options))
                        .add(0x05, cbor::make_uint(k_max_message_size))
                        .add(0x06, cbor::make_array(std::move(protocols)))
                        .add(0x07, cbor::make_uint(k_max_credential_count_in_list))
                        .add(0x08, cbor::make_uint(k_max_credential_id_length))
                        .add(0x09, cbor::make_array(std::move(transports)))
                        .add(0x0a, cbor::make_array(std::move(algorithms)))
                        .add(0x0d, cbor::make_uint(k_pin_min_length))
                        .add(0x0e, cbor::make_uint(k_firmware_version))
                        .add(0x14, cbor::make_uint(remaining))
                        .build();
  return ctap_success(*info);
}

Bytes SoftAuthenticator::reset() {
  // A reset forgets every credential and the PIN, but the key keeps its identity (AAGUID,
  // attestation CA and key, attestation mode) as a real key keeps its factory attestation.
  EvpPkey attestation = attestation_key();
  m_touched = true;
  m_state.master_key = random_bytes(k_master_key_size);
  m_state.attestation_key = private_key_wrap(m_state.master_key, attestation_key_aad(), *attestation, CoseAlg::es256);
  m_state.credentials.clear();
  m_state.pin_hash.reset();
  m_state.pin_retries = k_pin_max_retries;
  m_consecutive_pin_failures = 0;
  reset_token();
  regenerate_key_agreement();
  return {ctap_status::k_ok};
}

PinProtocol SoftAuthenticator::supported_protocol(std::uint64_t version) const {
  const auto protocol = PinProtocol::from_version(version);
  if (!protocol ||
      std::find(m_state.pin_protocols.begin(), m_state.pin_protocols.end(), version) == m_state.pin_protocols.end())
    throw CtapFailure{ctap_status::k_invalid_parameter};
  return *protocol;
}

void SoftAuthenticator::verify_token(const PinProtocol& protocol, ByteView param, ByteView message,
                                     std::uint8_t needed) const {
  if (!m_token.in_use || !protocol.verify(m_token.value, message, param))
    throw CtapFailure{ctap_status::k_pin_auth_invalid};
  if ((m_token.permissions & needed) != needed) throw CtapFailure{ctap_status::k_pin_auth_invalid};
}

bool SoftAuthenticator::authorize_with_token(const std::optional<Bytes>& param, std::optional<std::uint64_t> protocol,
                                             ByteView client_data_hash, const std::string& rp_id, std::uint8_t needed) {
  if (!param) return false;
  if (param->empty()) {
    collect_user_presence();
    throw CtapFailure{m_state.pin_hash ? ctap_status::k_pin_invalid : ctap_status::k_pin_not_set};
  }
  if (!protocol) throw CtapFailure{ctap_status::k_missing_parameter};
  verify_token(supported_protocol(*protocol), *param, client_data_hash, needed);
  check_token_rp(rp_id);
  return true;
}

void SoftAuthenticator::check_token_rp(const std::string& rp_id) {
  if (m_token.rp_id && *m_token.rp_id != rp_id) throw CtapFailure{ctap_status::k_pin_auth_invalid};
  m_token.rp_id = rp_id;
}

void SoftAuthenticator::reset_token() {
  wipe(m_token.value);
  m_token = PinToken{random_bytes(32), 0, std::nullopt, false};
}

void SoftAuthenticator::regenerate_key_agreement() {
  m_key_agreement = key_generate(CoseAlg::es256);
}

void SoftAuthenticator::collect_user_presence() {
  switch (m_fault) {
    case VirtualFault::user_presence_denied:
      throw CtapFailure{ctap_status::k_operation_denied};
    case VirtualFault::touch_timeout:
      throw TouchPending{};
    case VirtualFault::none:
    case VirtualFault::malformed_reply:
      m_touched = true;
      return;
  }
}

std::uint32_t SoftAuthenticator::next_sign_count() {
  // One global counter for every credential; it saturates rather than wrap to a smaller value.
  if (m_state.sign_count < std::numeric_limits<std::uint32_t>::max()) ++m_state.sign_count;
  return m_state.sign_count;
}

StoredCredential* SoftAuthenticator::find_discoverable(ByteView credential_id) {
  for (auto& credential : m_state.credentials)
    if (credential.id.size() == credential_id.size() &&
        std::equal(credential.id.begin(), credential.id.end(), credential_id.begin()))
      return &credential;
  return nullptr;
}

std::vector<const StoredCredential*> SoftAuthenticator::discoverable_for(const std::string& rp_id) const {
  std::vector<const StoredCredential*> found;
  for (const auto& credential : m_state.credentials)
    if (credential.rp_id == rp_id) found.push_back(&credential);
  // Most recently created first, the order CTAP prescribes for enumerations.
  std::sort(found.begin(), found.end(), [](const auto* a, const auto* b) { return a->created > b->created; });
  return found;
}

std::optional<SoftAuthenticator::ResolvedCredential> SoftAuthenticator::resolve_credential(const std::string& rp_id,
                                                                                           ByteView rp_id_hash,
                                                                                           ByteView credential_id) {
  if (StoredCredential* stored = find_discoverable(credential_id)) {
    if (stored->rp_id != rp_id) return std::nullopt;
    auto key =
        private_key_unwrap(m_state.master_key, discoverable_key_aad(rp_id_hash, stored->id), stored->private_key);
    if (!key) return std::nullopt;
    return ResolvedCredential{stored->id, key->alg, std::move(key->key), stored};
  }
  // Otherwise the id may be one of our wrapped keys, bound to this relying party.
  auto key = private_key_unwrap(m_state.master_key, rp_id_hash, credential_id);
  if (!key) return std::nullopt;
  return ResolvedCredential{Bytes(credential_id.begin(), credential_id.end()), key->alg, std::move(key->key), nullptr};
}

EvpPkey SoftAuthenticator::attestation_key() const {
  auto key = private_key_unwrap(m_state.master_key, attestation_key_aad(), m_state.attestation_key);
  if (!key || key->alg != CoseAlg::es256) throw CtapFailure{ctap_status::k_other};
  return std::move(key->key);
}

}  // namespace acctsec::fido::soft
