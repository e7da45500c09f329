#include "fido/virtual/ctaphid.hpp"

#include <algorithm>

namespace acctsec::fido::soft {
namespace {

constexpr std::uint8_t k_frame_init = 0x80;
constexpr std::uint8_t k_protocol_version = 2;
constexpr std::uint8_t k_device_major = 0;
constexpr std::uint8_t k_device_minor = 1;
constexpr std::uint8_t k_device_build = 0;
// WINK | CBOR | NMSG: a CTAP2-only key without CTAP1/U2F messages.
constexpr std::uint8_t k_capabilities = 0x01 | 0x04 | 0x08;
constexpr std::size_t k_nonce_size = 8;

std::uint32_t read_cid(ByteView report) {
  return static_cast<std::uint32_t>(report[0]) << 24 | static_cast<std::uint32_t>(report[1]) << 16 |
         static_cast<std::uint32_t>(report[2]) << 8 | report[3];
}

void write_cid(std::uint8_t* out, std::uint32_t cid) {
  out[0] = static_cast<std::uint8_t>(cid >> 24);
  out[1] = static_cast<std::uint8_t>(cid >> 16);
  out[2] = static_cast<std::uint8_t>(cid >> 8);
  out[3] = static_cast<std::uint8_t>(cid);
}

}  // namespace

CtapHidFramer::CtapHidFramer(CborHandler handler) : m_handler(std::move(handler)) {}

bool CtapHidFramer::receive(ByteView report) {
  if (report.size() != k_hid_report_size) return false;
  const std::uint32_t cid = read_cid(report);
  if (report[4] & k_frame_init)
    receive_init(cid, report);
  else
    receive_continuation(cid, report);
  return true;
}

std::optional<HidReport> CtapHidFramer::take() {
  if (m_out.empty()) return std::nullopt;
  HidReport report = m_out.front();
  m_out.pop_front();
  return report;
}

HidReport CtapHidFramer::keepalive(KeepaliveStatus status) const {
  HidReport report{};
  write_cid(report.data(), m_waiting_cid.value_or(k_hid_broadcast_cid));
  report[4] = k_frame_init | hid_cmd::k_keepalive;
  report[6] = 1;
  report[7] = static_cast<std::uint8_t>(status);
  return report;
}

void CtapHidFramer::receive_init(std::uint32_t cid, ByteView report) {
  const std::uint8_t cmd = report[4] & 0x7f;
  const std::size_t length = static_cast<std::size_t>(report[5]) << 8 | report[6];

  if (cid == 0 || (cid == k_hid_broadcast_cid && cmd != hid_cmd::k_init) ||
      (cid != k_hid_broadcast_cid && !known_channel(cid))) {
    queue_error(cid, hid_error::k_invalid_channel);
    return;
  }
  if (cmd == hid_cmd::k_cancel) {
    // CANCEL has no reply of its own; it ends a wait for touch with KEEPALIVE_CANCEL.
    ++m_cancels;
    if (m_waiting_cid == cid) {
      m_waiting_cid.reset();
      const Bytes status{ctap_status::k_keepalive_cancel};
      queue_message(cid, hid_cmd::k_cbor, status);
    }
    return;
  }
  if (m_assembly && m_assembly->cid != cid && cmd != hid_cmd::k_init) {
    queue_error(cid, hid_error::k_channel_busy);
    return;
  }
  if (m_assembly && m_assembly->cid == cid && cmd != hid_cmd::k_init) {
    // A new request before the last one was complete: the host lost track of the sequence.
    m_assembly.reset();
    queue_error(cid, hid_error::k_invalid_seq);
    return;
  }
  if (length > k_hid_max_message) {
    queue_error(cid, hid_error::k_invalid_len);
    return;
  }
  // Any new request on a channel abandons a request still waiting for a touch.
  if (m_waiting_cid) m_waiting_cid.reset();
  if (cmd == hid_cmd::k_init && m_assembly && m_assembly->cid == cid) m_assembly.reset();

  const std::size_t first = std::min(length, k_hid_init_payload);
  Assembly assembly{cid, cmd, length, 0,
                    Bytes(report.begin() + 7, report.begin() + 7 + static_cast<std::ptrdiff_t>(first))};
  if (assembly.data.size() == assembly.expected) {
    dispatch(cid, cmd, assembly.data);
    return;
  }
  m_assembly = std::move(assembly);
}

void CtapHidFramer::receive_continuation(std::uint32_t cid, ByteView report) {
  // Spurious continuation frames (no request being assembled on this channel) are ignored.
  if (!m_assembly || m_assembly->cid != cid) return;
  const std::uint8_t seq = report[4];
  if (seq != m_assembly->next_seq) {
    m_assembly.reset();
    queue_error(cid, hid_error::k_invalid_seq);
    return;
  }
  ++m_assembly->next_seq;
  const std::size_t remaining = m_assembly->expected - m_assembly->data.size();
  const std::size_t take = std::min(remaining, k_hid_cont_payload);
  m_assembly->data.insert(m_assembly->data.end(), report.begin() + 5,
                          report.begin() + 5 + static_cast<std::ptrdiff_t>(take));
  if (m_assembly->data.size() == m_assembly->expected) {
    const Assembly done = std::move(*m_assembly);
    m_assembly.reset();
    dispatch(done.cid, done.cmd, done.data);
  }
}

void CtapHidFramer::dispatch(std::uint32_t cid, std::uint8_t cmd, const Bytes& payload) {
  switch (cmd) {
    case hid_cmd::k_init:
      if (payload.size() != k_nonce_size) {
        queue_error(cid, hid_error::k_invalid_len);
        return;
      }
      reply_init(cid, payload);
      return;
    case hid_cmd::k_ping:
      queue_message(cid, hid_cmd::k_ping, payload);
      return;
    case hid_cmd::k_wink:
      queue_message(cid, hid_cmd::k_wink, {});
      return;
    case hid_cmd::k_cbor: {
      if (payload.empty()) {
        queue_error(cid, hid_error::k_invalid_len);
        return;
      }
      const CtapReply reply = m_handler(payload);
      if (reply.awaiting_touch) {
        m_waiting_cid = cid;
        return;
      }
      // Announce the touch as a key does while it blinks; libfido2 skips keepalives.
      if (reply.user_presence) {
        HidReport keepalive_report{};
        write_cid(keepalive_report.data(), cid);
        keepalive_report[4] = k_frame_init | hid_cmd::k_keepalive;
        keepalive_report[6] = 1;
        keepalive_report[7] = static_cast<std::uint8_t>(KeepaliveStatus::up_needed);
        m_out.push_back(keepalive_report);
      }
      queue_message(cid, hid_cmd::k_cbor, reply.message);
      return;
    }
    default:
      // CTAPHID_MSG (CTAP1/U2F), LOCK and vendor commands are not supported.
      queue_error(cid, hid_error::k_invalid_cmd);
      return;
  }
}

void CtapHidFramer::reply_init(std::uint32_t cid, const Bytes& nonce) {
  // On the broadcast channel INIT allocates a channel; on an allocated one it resynchronises.
  std::uint32_t channel = cid;
  if (cid == k_hid_broadcast_cid) {
    channel = m_next_cid++;
    m_channels.insert(channel);
  }
  Bytes payload = nonce;
  payload.resize(k_nonce_size + 4);
  write_cid(payload.data() + k_nonce_size, channel);
  payload.push_back(k_protocol_version);
  payload.push_back(k_device_major);
  payload.push_back(k_device_minor);
  payload.push_back(k_device_build);
  payload.push_back(k_capabilities);
  queue_message(cid, hid_cmd::k_init, payload);
}

void CtapHidFramer::queue_message(std::uint32_t cid, std::uint8_t cmd, ByteView payload) {
  HidReport report{};
  write_cid(report.data(), cid);
  report[4] = k_frame_init | cmd;
  report[5] = static_cast<std::uint8_t>(payload.size() >> 8);
  report[6] = static_cast<std::uint8_t>(payload.size());
  std::size_t offset = std::min(payload.size(), k_hid_init_payload);
  std::copy_n(payload.begin(), offset, report.begin() + 7);
  m_out.push_back(report);
  for (std::uint8_t seq = 0; offset < payload.size(); ++seq) {
    HidReport cont{};
    write_cid(cont.data(), cid);
    cont[4] = seq;
    const std::size_t n = std::min(payload.size() - offset, k_hid_cont_payload);
    std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(offset), n, cont.begin() + 5);
    offset += n;
    m_out.push_back(cont);
  }
}

void CtapHidFramer::queue_error(std::uint32_t cid, std::uint8_t code) {
  const Bytes payload{code};
  queue_message(cid, hid_cmd::k_error, payload);
}

}  // namespace acctsec::fido::soft
