#include "fido/virtual/ctaphid.hpp"

#include <doctest/doctest.h>

using namespace acctsec;
using namespace acctsec::fido::soft;

namespace {

constexpr std::uint32_t k_broadcast = 0xffffffff;

HidReport init_frame(std::uint32_t cid, std::uint8_t cmd, std::size_t total, ByteView data) {
  HidReport r{};
  r[0] = static_cast<std::uint8_t>(cid >> 24);
  r[1] = static_cast<std::uint8_t>(cid >> 16);
  r[2] = static_cast<std::uint8_t>(cid >> 8);
  r[3] = static_cast<std::uint8_t>(cid);
  r[4] = static_cast<std::uint8_t>(0x80 | cmd);
  r[5] = static_cast<std::uint8_t>(total >> 8);
  r[6] = static_cast<std::uint8_t>(total);
  std::copy(data.begin(), data.end(), r.begin() + 7);
  return r;
}

HidReport cont_frame(std::uint32_t cid, std::uint8_t seq, ByteView data) {
  HidReport r{};
  r[0] = static_cast<std::uint8_t>(cid >> 24);
  r[1] = static_cast<std::uint8_t>(cid >> 16);
  r[2] = static_cast<std::uint8_t>(cid >> 8);
  r[3] = static_cast<std::uint8_t>(cid);
  r[4] = seq;
  std::copy(data.begin(), data.end(), r.begin() + 5);
  return r;
}

std::uint32_t cid_of(const HidReport& r) {
  return static_cast<std::uint32_t>(r[0]) << 24 | static_cast<std::uint32_t>(r[1]) << 16 |
         static_cast<std::uint32_t>(r[2]) << 8 | r[3];
}

// The channel an INIT reply frame allocates (after CID, CMD, BCNT and the 8-byte nonce).
std::uint32_t allocated_cid(const HidReport& r) {
  return static_cast<std::uint32_t>(r[15]) << 24 | static_cast<std::uint32_t>(r[16]) << 16 |
         static_cast<std::uint32_t>(r[17]) << 8 | r[18];
}

// A framer whose CBOR handler echoes the message and records what it was given.
struct Echo {
  std::vector<Bytes> seen;
  CtapHidFramer framer{[this](ByteView message) {
    seen.emplace_back(message.begin(), message.end());
    return CtapReply{Bytes(message.begin(), message.end()), false, false};
  }};

  // Sends INIT on the broadcast channel and returns the allocated channel.
  std::uint32_t open_channel() {
    const Bytes nonce{1, 2, 3, 4, 5, 6, 7, 8};
    framer.receive(init_frame(k_broadcast, 0x06, nonce.size(), nonce));
    const auto reply = framer.take();
    REQUIRE(reply);
    CHECK(cid_of(*reply) == k_broadcast);
    return allocated_cid(*reply);
  }

  // Sends a message split into init and continuation frames.
  void send(std::uint32_t cid, std::uint8_t cmd, const Bytes& message) {
    const std::size_t first = std::min<std::size_t>(message.size(), 57);
    framer.receive(init_frame(cid, cmd, message.size(), ByteView(message).first(first)));
    std::uint8_t seq = 0;
    for (std::size_t offset = first; offset < message.size(); offset += 59)
      framer.receive(cont_frame(cid, seq++,
                                ByteView(message).subspan(offset, std::min<std::size_t>(59, message.size() - offset))));
  }

  // Collects one reply message from the queued frames: (cmd, payload).
  std::pair<std::uint8_t, Bytes> receive(std::uint32_t cid) {
    auto first = framer.take();
    REQUIRE(first);
    CHECK(cid_of(*first) == cid);
    REQUIRE(((*first)[4] & 0x80) != 0);
    const std::size_t total = static_cast<std::size_t>((*first)[5]) << 8 | (*first)[6];
    Bytes payload(first->begin() + 7,
                  first->begin() + 7 + static_cast<std::ptrdiff_t>(std::min<std::size_t>(total, 57)));
    for (std::uint8_t seq = 0; payload.size() < total; ++seq) {
      auto cont = framer.take();
      REQUIRE(cont);
      CHECK(cid_of(*cont) == cid);
      CHECK((*cont)[4] == seq);
      const std::size_t n = std::min<std::size_t>(59, total - payload.size());
      payload.insert(payload.end(), cont->begin() + 5, cont->begin() + 5 + static_cast<std::ptrdiff_t>(n));
    }
    return {static_cast<std::uint8_t>((*first)[4] & 0x7f), payload};
  }
};

}  // namespace

TEST_SUITE("fido::virtual::ctaphid") {
  TEST_CASE("INIT on the broadcast channel answers 17 bytes there: the nonce, a new channel, versions, caps") {
    Echo echo;
    const Bytes nonce{9, 8, 7, 6, 5, 4, 3, 2};
    echo.framer.receive(init_frame(k_broadcast, 0x06, 8, nonce));
    const auto [cmd, payload] = echo.receive(k_broadcast);
    CHECK(cmd == 0x06);
    REQUIRE(payload.size() == 17);
    CHECK(Bytes(payload.begin(), payload.begin() + 8) == nonce);
    const std::uint32_t cid = static_cast<std::uint32_t>(payload[8]) << 24 |
                              static_cast<std::uint32_t>(payload[9]) << 16 |
                              static_cast<std::uint32_t>(payload[10]) << 8 | payload[11];
    CHECK(cid != 0);
    CHECK(cid != k_broadcast);
    CHECK(payload[12] == 2);           // CTAPHID protocol version
    CHECK((payload[16] & 0x04) != 0);  // CBOR
    CHECK((payload[16] & 0x08) != 0);  // NMSG: no CTAP1
    CHECK_FALSE(echo.framer.take().has_value());
  }

  TEST_CASE("INIT with a nonce of the wrong length is an INVALID_LEN error") {
    Echo echo;
    const Bytes nonce{1, 2, 3};
    echo.framer.receive(init_frame(k_broadcast, 0x06, 3, nonce));
    const auto [cmd, payload] = echo.receive(k_broadcast);
    CHECK(cmd == 0x3f);
    CHECK(payload == Bytes{0x03});
  }

  TEST_CASE("a long CBOR message is reassembled from continuation frames and answered in them") {
    Echo echo;
    const std::uint32_t cid = echo.open_channel();
    Bytes message(300);
    for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i * 7);
    echo.send(cid, 0x10, message);
    REQUIRE(echo.seen.size() == 1);
    CHECK(echo.seen[0] == message);
    const auto [cmd, payload] = echo.receive(cid);
    CHECK(cmd == 0x10);
    CHECK(payload == message);
    CHECK_FALSE(echo.framer.take().has_value());
  }

  TEST_CASE("PING echoes its payload across frames") {
    Echo echo;
    const std::uint32_t cid = echo.open_channel();
    const Bytes message(130, 0xab);
    echo.send(cid, 0x01, message);
    const auto [cmd, payload] = echo.receive(cid);
    CHECK(cmd == 0x01);
    CHECK(payload == message);
    CHECK(echo.seen.empty());
  }

  TEST_CASE("a continuation frame out of sequence aborts the message with INVALID_SEQ") {
    Echo echo;
    const std::uint32_t cid = echo.open_channel();
    const Bytes part(57, 1);
    echo.framer.receive(init_frame(cid, 0x10, 200, part));
    echo.framer.receive(cont_frame(cid, 1, Bytes(59, 2)));  // SEQ 0 expected
    const auto [cmd, payload] = echo.receive(cid);
    CHECK(cmd == 0x3f);
    CHECK(payload == Bytes{0x04});
    CHECK(echo.seen.empty());
    // The channel works again for the next message.
    echo.send(cid, 0x10, Bytes{0x04});
    CHECK(echo.receive(cid).second == Bytes{0x04});
  }

  TEST_CASE("frames on an unknown channel, or non-INIT on the broadcast channel, are INVALID_CHANNEL") {
    Echo echo;
    echo.open_channel();
    echo.framer.receive(init_frame(0x12345678, 0x10, 1, Bytes{0x04}));
    auto [cmd, payload] = echo.receive(0x12345678);
    CHECK(cmd == 0x3f);
    CHECK(payload == Bytes{0x0b});
    echo.framer.receive(init_frame(k_broadcast, 0x10, 1, Bytes{0x04}));
    std::tie(cmd, payload) = echo.receive(k_broadcast);
    CHECK(payload == Bytes{0x0b});
    CHECK(echo.seen.empty());
  }

  TEST_CASE("a stray continuation frame is ignored and a too-long message is INVALID_LEN") {
    Echo echo;
    const std::uint32_t cid = echo.open_channel();
    echo.framer.receive(cont_frame(cid, 0, Bytes(59, 1)));
    CHECK_FALSE(echo.framer.take().has_value());
    echo.framer.receive(init_frame(cid, 0x10, k_hid_max_message + 1, Bytes(57, 0)));
    const auto [cmd, payload] = echo.receive(cid);
    CHECK(cmd == 0x3f);
    CHECK(payload == Bytes{0x03});
  }

  TEST_CASE("CANCEL has no reply and is counted, it ends a wait for touch with KEEPALIVE_CANCEL") {
    bool wait = true;
    CtapHidFramer framer([&](ByteView) { return CtapReply{{}, false, wait}; });
    const Bytes nonce(8, 1);
    framer.receive(init_frame(k_broadcast, 0x06, 8, nonce));
    const auto init = framer.take();
    REQUIRE(init);
    const std::uint32_t cid = allocated_cid(*init);
    framer.receive(init_frame(cid, 0x11, 0, {}));
    CHECK_FALSE(framer.take().has_value());
    CHECK(framer.cancels_received() == 1);

    framer.receive(init_frame(cid, 0x10, 1, Bytes{0x01}));
    CHECK(framer.awaiting_touch());
    CHECK_FALSE(framer.take().has_value());
    const HidReport keepalive = framer.keepalive(KeepaliveStatus::up_needed);
    CHECK(cid_of(keepalive) == cid);
    CHECK(keepalive[4] == 0xbb);
    CHECK(keepalive[7] == 2);

    framer.receive(init_frame(cid, 0x11, 0, {}));
    CHECK(framer.cancels_received() == 2);
    CHECK_FALSE(framer.awaiting_touch());
    const auto reply = framer.take();
    REQUIRE(reply);
    CHECK((*reply)[4] == 0x90);
    CHECK((*reply)[6] == 1);
    CHECK((*reply)[7] == 0x2d);
  }

  TEST_CASE("a reply that collected a touch is preceded by a KEEPALIVE frame") {
    CtapHidFramer framer([](ByteView) { return CtapReply{Bytes{0x00}, true, false}; });
    framer.receive(init_frame(k_broadcast, 0x06, 8, Bytes(8, 3)));
    const auto init = framer.take();
    REQUIRE(init);
    const std::uint32_t cid = allocated_cid(*init);
    framer.receive(init_frame(cid, 0x10, 1, Bytes{0x01}));
    const auto first = framer.take();
    REQUIRE(first);
    CHECK((*first)[4] == 0xbb);
    const auto second = framer.take();
    REQUIRE(second);
    CHECK((*second)[4] == 0x90);
  }

  TEST_CASE("reports that are not 64 bytes are refused") {
    Echo echo;
    CHECK_FALSE(echo.framer.receive(Bytes(65, 0)));
    CHECK_FALSE(echo.framer.receive(Bytes(63, 0)));
  }
}
