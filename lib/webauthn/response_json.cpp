#include "webauthn/response_json.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/json_parse.hpp"

namespace acctsec::webauthn::detail {

std::optional<Bytes> base64url_strict(std::string_view text) {
  if (text.find('=') != std::string_view::npos) return std::nullopt;
  return base64url_decode(text);
}

std::unexpected<Error> JsonReader::error(const char* name, std::string_view problem) const {
  return fail(ErrorCategory::usage, fmt::format("{}: \"{}{}\" {}", m_document, m_path, name, problem));
}

Result<void> JsonReader::require_object() const {
  if (!m_object.is_object()) {
    return fail(ErrorCategory::usage, m_path.empty() ? fmt::format("{} is not a JSON object", m_document)
                                                     : fmt::format("{}: \"{}\" is not a JSON object", m_document,
                                                                   m_path.substr(0, m_path.size() - 1)));
  }
  return {};
}

const boost::json::value* JsonReader::find(const char* name) const {
  const auto* object = m_object.if_object();
  return object ? object->if_contains(name) : nullptr;
}

Result<std::string> JsonReader::string(const char* name) const {
  const auto* value = find(name);
  if (!value) return error(name, "is missing");
  if (!value->is_string()) return error(name, "is not a string");
  return std::string(value->get_string());
}

Result<std::optional<std::string>> JsonReader::optional_string(const char* name) const {
  const auto* value = find(name);
  if (!value || value->is_null()) return std::optional<std::string>{};
  if (!value->is_string()) return error(name, "is not a string");
  return std::optional<std::string>{std::string(value->get_string())};
}

Result<Bytes> JsonReader::bytes(const char* name) const {
  auto text = string(name);
  if (!text) return fail(text.error());
  auto decoded = base64url_strict(*text);
  if (!decoded) return error(name, "is not base64url without padding");
  return std::move(*decoded);
}

Result<std::optional<Bytes>> JsonReader::optional_bytes(const char* name) const {
  const auto* value = find(name);
  if (!value || value->is_null()) return std::optional<Bytes>{};
  auto decoded = bytes(name);
  if (!decoded) return fail(decoded.error());
  return std::optional<Bytes>{std::move(*decoded)};
}

Result<std::optional<int>> JsonReader::optional_int(const char* name) const {
  const auto* value = find(name);
  if (!value || value->is_null()) return std::optional<int>{};
  if (value->is_uint64()) return error(name, "is out of range");  // only values beyond int64 stay uint64
  if (!value->is_int64()) return error(name, "is not an integer");
  const auto number = value->get_int64();
  if (number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max()) {
    return error(name, "is out of range");
  }
  return std::optional<int>{static_cast<int>(number)};
}

Result<const boost::json::value*> JsonReader::object(const char* name) const {
  const auto* value = find(name);
  if (!value) return error(name, "is missing");
  if (!value->is_object()) return error(name, "is not a JSON object");
  return value;
}

Result<CredentialHeader> credential_header_read(const JsonReader& reader) {
  CredentialHeader header;
  auto id = reader.bytes("id");
  if (!id) return fail(id.error());
  auto raw_id = reader.bytes("rawId");
  if (!raw_id) return fail(raw_id.error());
  if (id->empty()) return reader.error("id", "is empty");
  if (*id != *raw_id) return reader.error("id", "and \"rawId\" are different credential IDs");
  header.raw_id = std::move(*raw_id);

  auto type = reader.string("type");
  if (!type) return fail(type.error());
  if (*type != "public-key") return reader.error("type", fmt::format("is \"{}\"; it must be \"public-key\"", *type));

  auto attachment = reader.optional_string("authenticatorAttachment");
  if (!attachment) return fail(attachment.error());
  header.authenticator_attachment = attachment->value_or("");

  if (const auto* extensions = reader.find("clientExtensionResults")) {
    if (!extensions->is_object()) return reader.error("clientExtensionResults", "is not a JSON object");
    header.client_extension_results = json_to_nlohmann(*extensions);
  }
  return header;
}

nlohmann::json credential_header_write(ByteView raw_id, const std::string& authenticator_attachment,
                                       const nlohmann::json& client_extension_results) {
  nlohmann::json out = nlohmann::json::object();
  const auto id = base64url_encode(raw_id);
  out["id"] = id;
  out["rawId"] = id;
  out["type"] = "public-key";
  out["authenticatorAttachment"] =
      authenticator_attachment.empty() ? nlohmann::json(nullptr) : nlohmann::json(authenticator_attachment);
  out["clientExtensionResults"] =
      client_extension_results.is_object() ? client_extension_results : nlohmann::json::object();
  return out;
}

}  // namespace acctsec::webauthn::detail
