#include "webauthn/client_data.hpp"

#include <nlohmann/json.hpp>
#include <set>

namespace acctsec::webauthn {
namespace {

std::unexpected<Error> rejected(std::string message) {
  return fail(ErrorCategory::rejected, "clientDataJSON: " + std::move(message));
}

Result<std::string> required_string(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) return rejected(std::string("\"") + name + "\" is missing");
  if (!it->is_string()) return rejected(std::string("\"") + name + "\" is not a string");
  return it->get<std::string>();
}

}  // namespace

std::string_view ceremony_type_name(CeremonyType type) {
  return type == CeremonyType::create ? "webauthn.create" : "webauthn.get";
}

std::string client_data_json(CeremonyType type, ByteView challenge, std::string_view origin) {
  // Built by hand rather than via a JSON object so that the member order is the spec's.
  const nlohmann::json type_text = std::string(ceremony_type_name(type));
  const nlohmann::json origin_text = std::string(origin);
  return "{\"type\":" + type_text.dump() + ",\"challenge\":\"" + base64url_encode(challenge) +
         "\",\"origin\":" + origin_text.dump() + ",\"crossOrigin\":false}";
}

Result<ClientData> client_data_parse(std::string_view json) {
  // A member given twice would let two readers see different values; nlohmann keeps the last one
  // silently, so duplicates of top-level members are caught while parsing.
  std::set<std::string> seen;
  std::string duplicate;
  const nlohmann::json::parser_callback_t on_event = [&](int depth, nlohmann::json::parse_event_t event,
                                                         nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      if (!seen.insert(parsed.get<std::string>()).second && duplicate.empty()) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(json.begin(), json.end(), on_event);
  } catch (const nlohmann::json::exception& e) {
    return rejected(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!object.is_object()) return rejected("not a JSON object");
  if (!duplicate.empty()) return rejected("\"" + duplicate + "\" appears more than once");

  ClientData out;
  auto type = required_string(object, "type");
  if (!type) return fail(type.error());
  out.type = std::move(*type);

  auto challenge = required_string(object, "challenge");
  if (!challenge) return fail(challenge.error());
  if (challenge->empty()) return rejected("\"challenge\" is empty");
  auto decoded = challenge->find('=') == std::string::npos ? base64url_decode(*challenge) : std::nullopt;
  if (!decoded) return rejected("\"challenge\" is not base64url without padding");
  out.challenge = std::move(*decoded);

  auto origin = required_string(object, "origin");
  if (!origin) return fail(origin.error());
  if (origin->empty()) return rejected("\"origin\" is empty");
  out.origin = std::move(*origin);

  if (const auto it = object.find("crossOrigin"); it != object.end()) {
    if (!it->is_boolean()) return rejected("\"crossOrigin\" is not a boolean");
    out.cross_origin = it->get<bool>();
  }
  if (const auto it = object.find("topOrigin"); it != object.end()) {
    if (!it->is_string()) return rejected("\"topOrigin\" is not a string");
    out.top_origin = it->get<std::string>();
  }
  return out;
}

}  // namespace acctsec::webauthn
