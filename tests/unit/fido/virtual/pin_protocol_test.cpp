#include "fido/virtual/pin_protocol.hpp"

#include <doctest/doctest.h>

using namespace acctsec;
using namespace acctsec::fido::soft;

TEST_SUITE("fido::virtual::pin_protocol") {
  TEST_CASE("only protocols 1 and 2 exist") {
    CHECK(PinProtocol::from_version(1).has_value());
    CHECK(PinProtocol::from_version(2).has_value());
    CHECK_FALSE(PinProtocol::from_version(0).has_value());
    CHECK_FALSE(PinProtocol::from_version(3).has_value());
  }

  TEST_CASE("both protocols derive one secret from ECDH on both sides and round-trip encryption") {
    EvpPkey authenticator = key_generate(CoseAlg::es256);
    EvpPkey platform = key_generate(CoseAlg::es256);
    const auto z1 = ecdh_p256(*authenticator, *platform);
    const auto z2 = ecdh_p256(*platform, *authenticator);
    REQUIRE(z1.has_value());
    CHECK(z1 == z2);
    for (const std::uint64_t version : {1u, 2u}) {
      const auto protocol = *PinProtocol::from_version(version);
      const Bytes shared = protocol.kdf(*z1);
      CHECK(shared.size() == (version == 1 ? 32u : 64u));
      const Bytes plaintext(64, 0x42);
      const Bytes ciphertext = protocol.encrypt(shared, plaintext);
      CHECK(ciphertext.size() == (version == 1 ? 64u : 80u));
      CHECK(protocol.decrypt(shared, ciphertext) == plaintext);
      CHECK_FALSE(protocol.decrypt(shared, ByteView(ciphertext).first(ciphertext.size() - 1)).has_value());
    }
  }

  TEST_CASE("protocol 1 MACs are 16 bytes and protocol 2 MACs 32, and verify refuses other lengths") {
    const Bytes key(32, 7);
    const Bytes message{1, 2, 3};
    const auto one = *PinProtocol::from_version(1);
    const auto two = *PinProtocol::from_version(2);
    CHECK(one.authenticate(key, message).size() == 16);
    CHECK(two.authenticate(key, message).size() == 32);
    CHECK(one.verify(key, message, one.authenticate(key, message)));
    CHECK_FALSE(one.verify(key, message, two.authenticate(key, message)));
    Bytes tampered = two.authenticate(key, message);
    tampered[0] ^= 1;
    CHECK_FALSE(two.verify(key, message, tampered));
  }

  TEST_CASE("protocol 2 authenticates with the HMAC half of a 64-byte shared secret") {
    Bytes shared(64, 1);
    std::fill(shared.begin() + 32, shared.end(), 2);
    const auto two = *PinProtocol::from_version(2);
    CHECK(two.authenticate(shared, Bytes{9}) == two.authenticate(ByteView(shared).first(32), Bytes{9}));
  }

  TEST_CASE("a platform key that is not on the curve is refused") {
    CHECK_FALSE(p256_from_public_point(Bytes(32, 1), Bytes(32, 2)));
    EvpPkey key = key_generate(CoseAlg::es256);
    const P256Point point = p256_public_point(*key);
    CHECK(p256_from_public_point(point.x, point.y));
  }
}
