// CollectedClientData (WebAuthn Level 3 §5.8.1): what the client signs over, as JSON.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace acctsec::webauthn {

enum class CeremonyType { create, get };

// Serialises clientDataJSON in the field order of the spec's limited verification algorithm
// (§5.8.1.1): type, challenge (base64url), origin, crossOrigin=false.
std::string client_data_json(CeremonyType type, ByteView challenge, std::string_view origin);

}  // namespace acctsec::webauthn
