// CTAP2 vocabulary shared by the virtual authenticator's parts: command bytes, status codes,
// the reply a message handler gives the CTAPHID layer, and typed request-field accessors that
// fail with the status code the specification prescribes.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "fido/virtual/cbor.hpp"

namespace acctsec::fido::soft {

// authenticator* command bytes (CTAP 2.1 §6), plus the credential-management preview command
// that libfido2 1.12 sends for every fido_credman_* call.
namespace ctap_cmd {
inline constexpr std::uint8_t k_make_credential = 0x01;
inline constexpr std::uint8_t k_get_assertion = 0x02;
inline constexpr std::uint8_t k_get_info = 0x04;
inline constexpr std::uint8_t k_client_pin = 0x06;
inline constexpr std::uint8_t k_reset = 0x07;
inline constexpr std::uint8_t k_get_next_assertion = 0x08;
inline constexpr std::uint8_t k_credential_management = 0x0a;
inline constexpr std::uint8_t k_credential_management_preview = 0x41;
}  // namespace ctap_cmd

// Status codes (CTAP 2.1 §8.2); libfido2 returns them unchanged as FIDO_ERR_* values.
namespace ctap_status {
inline constexpr std::uint8_t k_ok = 0x00;
inline constexpr std::uint8_t k_invalid_command = 0x01;
inline constexpr std::uint8_t k_invalid_parameter = 0x02;
inline constexpr std::uint8_t k_invalid_length = 0x03;
inline constexpr std::uint8_t k_cbor_unexpected_type = 0x11;
inline constexpr std::uint8_t k_invalid_cbor = 0x12;
inline constexpr std::uint8_t k_missing_parameter = 0x14;
inline constexpr std::uint8_t k_credential_excluded = 0x19;
inline constexpr std::uint8_t k_unsupported_algorithm = 0x26;
inline constexpr std::uint8_t k_operation_denied = 0x27;
inline constexpr std::uint8_t k_key_store_full = 0x28;
inline constexpr std::uint8_t k_unsupported_option = 0x2b;
inline constexpr std::uint8_t k_invalid_option = 0x2c;
inline constexpr std::uint8_t k_keepalive_cancel = 0x2d;
inline constexpr std::uint8_t k_no_credentials = 0x2e;
inline constexpr std::uint8_t k_not_allowed = 0x30;
inline constexpr std::uint8_t k_pin_invalid = 0x31;
inline constexpr std::uint8_t k_pin_blocked = 0x32;
inline constexpr std::uint8_t k_pin_auth_invalid = 0x33;
inline constexpr std::uint8_t k_pin_auth_blocked = 0x34;
inline constexpr std::uint8_t k_pin_not_set = 0x35;
inline constexpr std::uint8_t k_pin_required = 0x36;  // PUAT_REQUIRED in CTAP 2.1
inline constexpr std::uint8_t k_pin_policy_violation = 0x37;
inline constexpr std::uint8_t k_invalid_subcommand = 0x3e;
inline constexpr std::uint8_t k_unauthorized_permission = 0x40;
inline constexpr std::uint8_t k_other = 0x7f;
}  // namespace ctap_status

// What a CTAP2 message handler answers. `message` is [status][CBOR map] (or only [status]).
struct CtapReply {
  Bytes message;
  bool user_presence = false;   // the request collected a touch: announce it with KEEPALIVE(UPNEEDED)
  bool awaiting_touch = false;  // the user never touches: send no reply, only keepalives
};

// Aborts the current request with a CTAP status code; SoftAuthenticator::handle turns it into a
// one-byte reply. Only the authenticator's own files throw or catch it.
struct CtapFailure {
  std::uint8_t status = ctap_status::k_other;
};

// Aborts the current request because the (simulated) user never touches the key.
struct TouchPending {};

// Request-field accessors. need_* throw CtapFailure{k_missing_parameter} when the key is absent;
// every accessor throws CtapFailure{k_cbor_unexpected_type} when the value has the wrong type.
const cbor_item_t& need(const cbor_item_t& map, cbor::Key key);
Bytes need_bytes(const cbor_item_t& map, cbor::Key key);
std::string need_text(const cbor_item_t& map, cbor::Key key);
std::uint64_t need_uint(const cbor_item_t& map, cbor::Key key);
const cbor_item_t& need_map(const cbor_item_t& map, cbor::Key key);
std::optional<Bytes> find_bytes(const cbor_item_t& map, cbor::Key key);
std::optional<std::string> find_text(const cbor_item_t& map, cbor::Key key);
std::optional<std::uint64_t> find_uint(const cbor_item_t& map, cbor::Key key);
std::optional<bool> find_bool(const cbor_item_t& map, cbor::Key key);
const cbor_item_t* find_map(const cbor_item_t& map, cbor::Key key);
const cbor_item_t* find_array(const cbor_item_t& map, cbor::Key key);

// [status] followed by the encoded map, the shape of every successful CTAP2 reply.
Bytes ctap_success(const cbor_item_t& map);

}  // namespace acctsec::fido::soft
