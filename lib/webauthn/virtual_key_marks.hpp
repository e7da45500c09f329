// How a registration made by acctsec's virtual authenticator is recognised: the AAGUID it reports
// unless told otherwise, and the organisation its attestation certificates name. The virtual key
// (lib/fido/virtual) takes these from here so that both sides agree.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace acctsec::webauthn {

inline constexpr std::array<std::uint8_t, 16> k_virtual_key_aaguid = {
    0x7c, 0x5b, 0x10, 0x78, 0x15, 0xd8, 0x4a, 0xdf, 0x83, 0xfc, 0xa4, 0xd1, 0x36, 0xb8, 0x11, 0xe5};
inline constexpr std::string_view k_virtual_key_organization = "acctsec virtual authenticator";

}  // namespace acctsec::webauthn
