// Byte buffers and their text encodings (base64url without padding, hex).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace acctsec {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// RFC 4648 §5 alphabet, no padding (as WebAuthn's JSON encodings use).
std::string base64url_encode(ByteView data);
// Accepts padded or unpadded base64url; returns nullopt on any other character or a bad length.
std::optional<Bytes> base64url_decode(std::string_view text);

// Standard base64 with padding (PEM bodies, fido2-tools input files).
std::string base64_encode(ByteView data);
std::optional<Bytes> base64_decode(std::string_view text);

std::string hex_encode(ByteView data);
std::optional<Bytes> hex_decode(std::string_view text);

// Formats 16 bytes as 8-4-4-4-12 lowercase hex; parses that form (or 32 plain hex digits).
std::string uuid_format(ByteView aaguid);
std::optional<Bytes> uuid_parse(std::string_view text);

// Cryptographically strong random bytes (OpenSSL RAND_bytes); aborts the process if the RNG fails.
Bytes random_bytes(std::size_t count);

// Constant-time equality for secrets and MACs.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace acctsec
