#include "fido/virtual/state.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/file.hpp"
#include "fido/virtual/key_wrap.hpp"

namespace acctsec::fido::soft {
namespace {

using nlohmann::json;

constexpr std::size_t k_max_state_file = 4 * 1024 * 1024;

// Thrown inside state_parse for the first field that fails validation.
struct Invalid {
  std::string reason;
};

const json& field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) throw Invalid{std::string("missing \"") + name + "\""};
  return *it;
}

std::string text_field(const json& object, const char* name) {
  const json& value = field(object, name);
  if (!value.is_string()) throw Invalid{std::string("\"") + name + "\" is not a string"};
  return value.get<std::string>();
}

Bytes bytes_field(const json& object, const char* name, std::size_t min_size, std::size_t max_size) {
  auto decoded = base64url_decode(text_field(object, name));
  if (!decoded || decoded->size() < min_size || decoded->size() > max_size)
    throw Invalid{std::string("\"") + name + "\" is not valid base64url of the right length"};
  return std::move(*decoded);
}

template <typename T>
T number_field(const json& object, const char* name, T min, T max) {
  const json& value = field(object, name);
  if (!value.is_number_integer()) throw Invalid{std::string("\"") + name + "\" is not an integer"};
  if (value.is_number_unsigned()) {
    const auto n = value.get<std::uint64_t>();
    if (n >= static_cast<std::uint64_t>(min) && n <= static_cast<std::uint64_t>(max)) return static_cast<T>(n);
  } else {
    const auto n = value.get<std::int64_t>();
    if (n >= static_cast<std::int64_t>(min) && n <= static_cast<std::int64_t>(max)) return static_cast<T>(n);
  }
  throw Invalid{std::string("\"") + name + "\" is out of range"};
}

json credential_to_json(const StoredCredential& c) {
  return json{
      {"id", base64url_encode(c.id)},
      {"rp_id", c.rp_id},
      {"rp_name", c.rp_name},
      {"user_id", base64url_encode(c.user_id)},
      {"user_name", c.user_name},
      {"user_display_name", c.user_display_name},
      {"algorithm", static_cast<int>(c.alg)},
      {"public_key", base64url_encode(c.public_key)},
      {"private_key", base64url_encode(c.private_key)},
      {"created", c.created},
  };
}

StoredCredential credential_from_json(const json& object) {
  if (!object.is_object()) throw Invalid{"a credential is not an object"};
  StoredCredential c;
  c.id = bytes_field(object, "id", 16, 128);
  c.rp_id = text_field(object, "rp_id");
  c.rp_name = text_field(object, "rp_name");
  c.user_id = bytes_field(object, "user_id", 1, 64);
  c.user_name = text_field(object, "user_name");
  c.user_display_name = text_field(object, "user_display_name");
  const auto alg = cose_alg_from_int(number_field<int>(object, "algorithm", -1000, 1000));
  if (!alg) throw Invalid{"a credential has an unsupported algorithm"};
  c.alg = *alg;
  c.public_key = bytes_field(object, "public_key", 1, 256);
  c.private_key = bytes_field(object, "private_key", k_wrapped_key_size, k_wrapped_key_size);
  c.created = number_field<std::uint64_t>(object, "created", 0, std::numeric_limits<std::int64_t>::max());
  if (c.rp_id.empty()) throw Invalid{"a credential has an empty rp_id"};
  return c;
}

VirtualState state_from_json(const json& root) {
  if (!root.is_object()) throw Invalid{"the top level is not a JSON object"};
  const auto schema = root.find("schema");
  if (schema == root.end() || !schema->is_string() || schema->get<std::string>() != k_state_schema)
    throw Invalid{std::string("its \"schema\" is not \"") + std::string(k_state_schema) + "\""};

  VirtualState s;
  auto aaguid = uuid_parse(text_field(root, "aaguid"));
  if (!aaguid) throw Invalid{"\"aaguid\" is not a UUID"};
  s.aaguid = std::move(*aaguid);
  const auto mode = virtual_attestation_parse(text_field(root, "attestation"));
  if (!mode) throw Invalid{"\"attestation\" is not packed, self or none"};
  s.attestation = *mode;
  s.attestation_ca_pem = text_field(root, "attestation_ca");
  if (s.attestation_ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    throw Invalid{"\"attestation_ca\" is not a PEM certificate"};
  s.attestation_certificate = bytes_field(root, "attestation_certificate", 64, 2048);
  s.attestation_key = bytes_field(root, "attestation_key", k_wrapped_key_size, k_wrapped_key_size);
  s.master_key = bytes_field(root, "master_key", k_master_key_size, k_master_key_size);
  s.sign_count = number_field<std::uint32_t>(root, "sign_count", 0, std::numeric_limits<std::uint32_t>::max());
  s.cancels_received =
      number_field<std::uint64_t>(root, "cancels_received", 0, std::numeric_limits<std::int64_t>::max());
  const json& pin = field(root, "pin_hash");
  if (!pin.is_null()) s.pin_hash = bytes_field(root, "pin_hash", k_pin_hash_size, k_pin_hash_size);
  s.pin_retries = number_field<int>(root, "pin_retries", 0, k_pin_max_retries);
  const json& protocols = field(root, "pin_protocols");
  if (!protocols.is_array() || protocols.empty() || protocols.size() > 2)
    throw Invalid{"\"pin_protocols\" is not a list of 1 and/or 2"};
  s.pin_protocols.clear();
  for (const json& p : protocols) {
    if (!p.is_number_unsigned() || (p.get<unsigned>() != 1 && p.get<unsigned>() != 2) ||
        std::count(s.pin_protocols.begin(), s.pin_protocols.end(), p.get<unsigned>()) != 0)
      throw Invalid{"\"pin_protocols\" is not a list of 1 and/or 2"};
    s.pin_protocols.push_back(static_cast<std::uint8_t>(p.get<unsigned>()));
  }
  s.next_created = number_field<std::uint64_t>(root, "next_created", 1, std::numeric_limits<std::int64_t>::max());
  const json& credentials = field(root, "credentials");
  if (!credentials.is_array()) throw Invalid{"\"credentials\" is not a list"};
  for (const json& c : credentials) s.credentials.push_back(credential_from_json(c));
  if (s.credentials.size() > k_max_discoverable_credentials) throw Invalid{"it holds too many credentials"};
  return s;
}

}  // namespace

VirtualState::~VirtualState() {
  wipe(master_key);
  if (pin_hash) wipe(*pin_hash);
}

std::string state_serialize(const VirtualState& s) {
  json credentials = json::array();
  for (const auto& c : s.credentials) credentials.push_back(credential_to_json(c));
  // nlohmann's default object type sorts keys, which keeps the text stable between saves.
  const json root{
      {"schema", k_state_schema},
      {"aaguid", uuid_format(s.aaguid)},
      {"attestation", virtual_attestation_name(s.attestation)},
      {"attestation_ca", s.attestation_ca_pem},
      {"attestation_certificate", base64url_encode(s.attestation_certificate)},
      {"attestation_key", base64url_encode(s.attestation_key)},
      {"master_key", base64url_encode(s.master_key)},
      {"sign_count", s.sign_count},
      {"cancels_received", s.cancels_received},
      {"pin_hash", s.pin_hash ? json(base64url_encode(*s.pin_hash)) : json(nullptr)},
      {"pin_retries", s.pin_retries},
      {"pin_protocols", s.pin_protocols},
      {"next_created", s.next_created},
      {"credentials", std::move(credentials)},
  };
  return root.dump(2) + "\n";
}

Result<VirtualState> state_parse(std::string_view text, const std::string& file) {
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::string reason;
  if (root.is_discarded()) {
    reason = "it is not JSON";
  } else {
    try {
      return state_from_json(root);
    } catch (const Invalid& e) {
      reason = e.reason;
    } catch (const json::exception&) {
      reason = "a field has the wrong type";
    }
  }
  return fail(ErrorCategory::device, file + " is not a usable virtual key file (" + reason +
                                         "); it was left untouched. Move it aside and create a new key with "
                                         "`acctsec key virtual create " +
                                         file + "`.");
}

Result<VirtualState> state_load(const std::string& file) {
  auto text = file_read(file, k_max_state_file);
  if (!text) {
    if (text.error().category == ErrorCategory::not_found)
      return fail(ErrorCategory::not_found, state_missing_message(file));
    return fail(text.error());
  }
  return state_parse(*text, file);
}

Result<void> state_save(const std::string& file, const VirtualState& state) {
  return file_write_atomic(file, state_serialize(state), 0600);
}

std::string state_missing_message(const std::string& file) {
  return file + " does not exist; create a virtual key with `acctsec key virtual create " + file + "`.";
}

}  // namespace acctsec::fido::soft
