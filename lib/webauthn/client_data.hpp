// CollectedClientData (WebAuthn Level 3 §5.8.1): what the client signs over, as JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn {

enum class CeremonyType { create, get };

// Returns "webauthn.create" or "webauthn.get".
std::string_view ceremony_type_name(CeremonyType type);

// Serialises clientDataJSON in the field order of the spec's limited verification algorithm
// (§5.8.1.1): type, challenge (base64url), origin, crossOrigin=false.
std::string client_data_json(CeremonyType type, ByteView challenge, std::string_view origin);

struct ClientData {
  std::string type;  // "webauthn.create" or "webauthn.get" (not checked here)
  Bytes challenge;   // decoded from base64url
  std::string origin;
  bool cross_origin = false;  // absent means false
  std::optional<std::string> top_origin;
};

// Parses clientDataJSON (UTF-8 JSON). Requires a JSON object with string members "type",
// "challenge" (non-empty base64url without padding) and "origin"; "crossOrigin" must be a boolean
// and "topOrigin" a string when present; other members are ignored as §5.8.1 requires, but a member
// named twice is refused. Returns the fields. Errors: rejected, naming the member and the problem.
Result<ClientData> client_data_parse(std::string_view json);

}  // namespace acctsec::webauthn
