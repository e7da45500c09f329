#include "client/idempotency_key.hpp"

#include "core/bytes.hpp"

namespace acctsec::client {

std::string idempotency_key_new() {
  Bytes bytes = random_bytes(16);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return uuid_format(bytes);
}

}  // namespace acctsec::client
