// The CTAPHID transport (CTAP 2.1 §11.2) at HID report level: reassembles the host's 64-byte
// output reports into messages, answers INIT, PING, WINK and CANCEL itself, hands CBOR messages
// to the authenticator, and splits replies into 64-byte input reports.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>

#include "core/bytes.hpp"
#include "fido/virtual/ctap.hpp"

namespace acctsec::fido::soft {

inline constexpr std::size_t k_hid_report_size = 64;
inline constexpr std::size_t k_hid_init_payload = k_hid_report_size - 7;                         // CID, CMD, BCNT
inline constexpr std::size_t k_hid_cont_payload = k_hid_report_size - 5;                         // CID, SEQ
inline constexpr std::size_t k_hid_max_message = k_hid_init_payload + 128 * k_hid_cont_payload;  // 7609
inline constexpr std::uint32_t k_hid_broadcast_cid = 0xffffffff;

namespace hid_cmd {
inline constexpr std::uint8_t k_ping = 0x01;
inline constexpr std::uint8_t k_msg = 0x03;
inline constexpr std::uint8_t k_init = 0x06;
inline constexpr std::uint8_t k_wink = 0x08;
inline constexpr std::uint8_t k_cbor = 0x10;
inline constexpr std::uint8_t k_cancel = 0x11;
inline constexpr std::uint8_t k_keepalive = 0x3b;
inline constexpr std::uint8_t k_error = 0x3f;
}  // namespace hid_cmd

namespace hid_error {
inline constexpr std::uint8_t k_invalid_cmd = 0x01;
inline constexpr std::uint8_t k_invalid_len = 0x03;
inline constexpr std::uint8_t k_invalid_seq = 0x04;
inline constexpr std::uint8_t k_channel_busy = 0x06;
inline constexpr std::uint8_t k_invalid_channel = 0x0b;
}  // namespace hid_error

enum class KeepaliveStatus : std::uint8_t { processing = 1, up_needed = 2 };

using HidReport = std::array<std::uint8_t, k_hid_report_size>;

class CtapHidFramer {
 public:
  // Handles one CTAP2 message ([command][CBOR]) and returns the reply.
  using CborHandler = std::function<CtapReply(ByteView message)>;

  explicit CtapHidFramer(CborHandler handler);

  // One 64-byte output report from the host, without the HID report id. Reports of another
  // length are refused with false.
  bool receive(ByteView report);
  // The next queued input report for the host.
  std::optional<HidReport> take();

  // True while a request waits for a touch that never comes (the touch_timeout fault). The
  // channel then only produces keepalives; CANCEL ends the wait with CTAP2_ERR_KEEPALIVE_CANCEL.
  bool awaiting_touch() const { return m_waiting_cid.has_value(); }
  // A KEEPALIVE report on the waiting channel (or the broadcast channel when none waits).
  HidReport keepalive(KeepaliveStatus status) const;
  // CTAPHID_CANCEL frames seen since construction.
  std::uint64_t cancels_received() const { return m_cancels; }

 private:
  struct Assembly {
    std::uint32_t cid = 0;
    std::uint8_t cmd = 0;
    std::size_t expected = 0;
    std::uint8_t next_seq = 0;
    Bytes data;
  };

  void receive_init(std::uint32_t cid, ByteView report);
  void receive_continuation(std::uint32_t cid, ByteView report);
  void dispatch(std::uint32_t cid, std::uint8_t cmd, const Bytes& payload);
  void reply_init(std::uint32_t cid, const Bytes& nonce);
  void queue_message(std::uint32_t cid, std::uint8_t cmd, ByteView payload);
  void queue_error(std::uint32_t cid, std::uint8_t code);
  bool known_channel(std::uint32_t cid) const { return m_channels.contains(cid); }

  CborHandler m_handler;
  std::optional<Assembly> m_assembly;
  std::deque<HidReport> m_out;
  std::set<std::uint32_t> m_channels;
  std::uint32_t m_next_cid = 0x01000001;
  std::optional<std::uint32_t> m_waiting_cid;
  std::uint64_t m_cancels = 0;
};

}  // namespace acctsec::fido::soft
