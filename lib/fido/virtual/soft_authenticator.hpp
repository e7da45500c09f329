// SoftAuthenticator: the CTAP2 message handler of the virtual key. It answers authenticatorGetInfo,
// MakeCredential, GetAssertion/GetNextAssertion, ClientPIN (PIN/UV auth protocols 1 and 2, with
// CTAP 2.1 permissions), Reset and CredentialManagement (0x0A and libfido2's preview 0x41),
// reading and changing a VirtualState that the I/O layer loads from and saves to the key's file.
//
// One instance lives for one "power cycle" (one io.open): the key-agreement key, the
// pinUvAuthToken and the consecutive-wrong-PIN count are not persisted, as on a real key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "fido/virtual/crypto.hpp"
#include "fido/virtual/ctap.hpp"
#include "fido/virtual/pin_protocol.hpp"
#include "fido/virtual/state.hpp"
#include "fido/virtual/virtual_key.hpp"

namespace acctsec::fido::soft {

// pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7) the virtual key grants.
namespace permission {
inline constexpr std::uint8_t k_make_credential = 0x01;
inline constexpr std::uint8_t k_get_assertion = 0x02;
inline constexpr std::uint8_t k_credential_management = 0x04;
inline constexpr std::uint8_t k_supported = k_make_credential | k_get_assertion | k_credential_management;
}  // namespace permission

inline constexpr std::size_t k_pin_min_length = 4;        // code points
inline constexpr int k_max_consecutive_pin_failures = 3;  // per power cycle, then PIN_AUTH_BLOCKED
inline constexpr std::size_t k_pin_max_length = 63;       // bytes
inline constexpr std::uint64_t k_max_message_size = 1200;
inline constexpr std::uint64_t k_max_credential_count_in_list = 8;
inline constexpr std::uint64_t k_max_credential_id_length = 128;
inline constexpr std::uint64_t k_firmware_version = 0x000100;  // acctsec 0.1.0

class SoftAuthenticator {
 public:
  explicit SoftAuthenticator(VirtualState& state);
  ~SoftAuthenticator();  // wipes the pinUvAuthToken
  SoftAuthenticator(const SoftAuthenticator&) = delete;
  SoftAuthenticator& operator=(const SoftAuthenticator&) = delete;

  // Handles [command][CBOR parameters] and returns [status][CBOR reply]. Never throws.
  CtapReply handle(ByteView message);

 private:
  struct PinToken {
    Bytes value;
    std::uint8_t permissions = 0;
    std::optional<std::string> rp_id;
    bool in_use = false;
  };
  struct PendingAssertion {
    std::string rp_id;
    Bytes client_data_hash;
    std::uint8_t flags = 0;
    bool user_details = false;
    std::vector<Bytes> credential_ids;  // discoverable credentials still to be returned
  };
  struct ResolvedCredential {
    Bytes id;
    CoseAlg alg = CoseAlg::es256;
    EvpPkey key;
    const StoredCredential* discoverable = nullptr;  // null for a wrapped (non-discoverable) id
  };
  struct PendingRps {
    std::vector<std::string> rp_ids;
  };
  struct PendingCredentials {
    std::vector<Bytes> credential_ids;
  };

  // Command handlers; each returns the whole reply message or throws CtapFailure.
  Bytes get_info() const;
  Bytes make_credential(const cbor_item_t& request);
  Bytes get_assertion(const cbor_item_t& request);
  Bytes get_next_assertion();
  Bytes client_pin(const cbor_item_t& request);
  Bytes reset();
  Bytes credential_management(const cbor_item_t& request);

  // clientPIN subcommands.
  Bytes pin_get_retries() const;
  Bytes pin_get_key_agreement(const PinProtocol& protocol) const;
  Bytes pin_set(const PinProtocol& protocol, const cbor_item_t& request);
  Bytes pin_change(const PinProtocol& protocol, const cbor_item_t& request);
  Bytes pin_get_token(const PinProtocol& protocol, const cbor_item_t& request, bool with_permissions);

  // Credential management subcommands.
  Bytes credman_metadata() const;
  Bytes credman_rp_reply(const std::string& rp_id, std::optional<std::size_t> total) const;
  Bytes credman_credential_reply(const StoredCredential& credential, std::optional<std::size_t> total) const;
  Bytes credman_enumerate_rps_begin();
  Bytes credman_enumerate_rps_next();
  Bytes credman_enumerate_credentials_begin(const cbor_item_t& params);
  Bytes credman_enumerate_credentials_next();
  Bytes credman_delete(const cbor_item_t& params);
  Bytes credman_update_user(const cbor_item_t& params);

  // Shared steps.
  PinProtocol supported_protocol(std::uint64_t version) const;
  Bytes shared_secret(const PinProtocol& protocol, const cbor_item_t& request) const;
  // Checks the encrypted PIN hash, counting retries; regenerates the key agreement key on a miss.
  void verify_pin_hash(const PinProtocol& protocol, ByteView shared, ByteView pin_hash_enc);
  // Checks pinUvAuthParam over `message` with the current token and that it carries `needed`.
  void verify_token(const PinProtocol& protocol, ByteView param, ByteView message, std::uint8_t needed) const;
  // The pinUvAuthParam step of makeCredential and getAssertion: a zero-length param asks "which
  // key?" and is answered after a touch (CTAP 2.1 §6.1.2 step 1); otherwise the token must verify
  // over the clientDataHash, carry `needed` and fit rp_id. Returns whether the user was verified.
  bool authorize_with_token(const std::optional<Bytes>& param, std::optional<std::uint64_t> protocol,
                            ByteView client_data_hash, const std::string& rp_id, std::uint8_t needed);
  // Binds the token to rp_id (or refuses a token bound to another RP).
  void check_token_rp(const std::string& rp_id);
  void reset_token();
  void regenerate_key_agreement();
  void collect_user_presence();
  std::uint32_t next_sign_count();
  StoredCredential* find_discoverable(ByteView credential_id);
  std::vector<const StoredCredential*> discoverable_for(const std::string& rp_id) const;
  // Finds the private key behind a credential id: a stored discoverable credential of this RP,
  // or a key wrapped into the id under the master key with this RP's hash.
  std::optional<ResolvedCredential> resolve_credential(const std::string& rp_id, ByteView rp_id_hash,
                                                       ByteView credential_id);
  Bytes assertion_reply(const std::string& rp_id, ByteView client_data_hash, std::uint8_t flags,
                        const ResolvedCredential& credential, bool user_details, std::optional<std::size_t> count);
  void store_new_pin(const PinProtocol& protocol, ByteView shared, ByteView new_pin_enc);
  EvpPkey attestation_key() const;

  VirtualState& m_state;
  VirtualFault m_fault = VirtualFault::none;  // sampled at the start of each request
  bool m_touched = false;                     // the current request collected user presence
  EvpPkey m_key_agreement;
  PinToken m_token;
  int m_consecutive_pin_failures = 0;
  std::optional<PendingAssertion> m_pending_assertion;
  std::optional<PendingRps> m_pending_rps;
  std::optional<PendingCredentials> m_pending_credentials;
};

}  // namespace acctsec::fido::soft
