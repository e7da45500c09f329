#include "webauthn/client_data.hpp"

#include <nlohmann/json.hpp>

namespace acctsec::webauthn {

std::string client_data_json(CeremonyType type, ByteView challenge, std::string_view origin) {
  // Built by hand rather than via a JSON object so that the member order is the spec's.
  const nlohmann::json type_text = type == CeremonyType::create ? "webauthn.create" : "webauthn.get";
  const nlohmann::json origin_text = std::string(origin);
  return "{\"type\":" + type_text.dump() + ",\"challenge\":\"" + base64url_encode(challenge) +
         "\",\"origin\":" + origin_text.dump() + ",\"crossOrigin\":false}";
}

}  // namespace acctsec::webauthn
