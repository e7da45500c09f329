// client_data_parse on arbitrary text; what parses as a WebAuthn ceremony must survive being
// written by client_data_json and parsed again (escaping of origin, base64url of the challenge).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "webauthn/client_data.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto client_data = client_data_parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!client_data) return 0;
  fuzz::require(!client_data->challenge.empty() && !client_data->origin.empty(),
                "parsed client data has a challenge and an origin");
  CeremonyType type;
  if (client_data->type == ceremony_type_name(CeremonyType::create)) {
    type = CeremonyType::create;
  } else if (client_data->type == ceremony_type_name(CeremonyType::get)) {
    type = CeremonyType::get;
  } else {
    return 0;
  }
  const std::string json = client_data_json(type, client_data->challenge, client_data->origin);
  auto again = client_data_parse(json);
  fuzz::require(again.has_value(), "clientDataJSON written by client_data_json parses");
  fuzz::require(again->type == client_data->type && again->challenge == client_data->challenge &&
                    again->origin == client_data->origin && !again->cross_origin && !again->top_origin,
                "client data keeps type, challenge and origin through client_data_json");
  return 0;
}
