#include "webauthn/enrollment_record.hpp"

#include <fmt/format.h>

#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"

namespace acctsec::webauthn {
namespace {

constexpr std::size_t k_user_id_max_size = 64;  // WebAuthn §5.4.3 user handle

std::unexpected<Error> not_a_record(std::string_view field, std::string_view problem) {
  return fail(ErrorCategory::usage,
              fmt::format("\"{}\" {}; this is not an acctsec enrollment record ({}). Write one with "
                          "`acctsec key enroll --out FILE`.",
                          field, problem, k_enrollment_schema));
}

Result<std::string> string_field(const nlohmann::json& object, const char* name, std::string_view path,
                                 bool allow_empty) {
  const auto it = object.find(name);
  if (it == object.end()) return not_a_record(path, "is missing");
  if (!it->is_string()) return not_a_record(path, "is not a string");
  auto value = it->get<std::string>();
  if (value.empty() && !allow_empty) return not_a_record(path, "is empty");
  return value;
}

Result<Bytes> base64url_field(const nlohmann::json& object, const char* name, std::string_view path) {
  auto text = string_field(object, name, path, true);
  if (!text) return fail(text.error());
  auto decoded = text->find('=') == std::string::npos ? base64url_decode(*text) : std::nullopt;
  if (!decoded) return not_a_record(path, "is not base64url without padding");
  return std::move(*decoded);
}

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string rfc3339_utc(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(time);
  const auto day = floor<days>(seconds);
  const year_month_day date{day};
  const hh_mm_ss clock{seconds - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), clock.hours().count(),
                     clock.minutes().count(), clock.seconds().count());
}

bool rfc3339_utc_valid(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !digits(text, 0, 4, year) || text[4] != '-' || !digits(text, 5, 2, month) || text[7] != '-' ||
      !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) ||
      text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second)) {
    return false;
  }
  std::size_t pos = 19;
  if (text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) return false;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  return date.ok() && hour <= 23 && minute <= 59 && second <= 60;
}

nlohmann::json enrollment_record_to_json(const EnrollmentRecord& record) {
  nlohmann::json out = nlohmann::json::object();
  out["schema"] = k_enrollment_schema;
  out["rpId"] = record.rp_id;
  out["origin"] = record.origin;
  out["challenge"] = base64url_encode(record.challenge);
  out["user"] = {
      {"id", base64url_encode(record.user.id)}, {"name", record.user.name}, {"displayName", record.user.display_name}};
  out["device"] = record.device.is_object() ? record.device : nlohmann::json::object();
  out["createdAt"] = record.created_at;
  out["response"] = registration_response_to_json(record.response);
  return out;
}

Result<EnrollmentRecord> enrollment_record_from_json(const nlohmann::json& json) {
  if (!json.is_object()) {
    return fail(ErrorCategory::usage, fmt::format("the document is not a JSON object; this is not an acctsec "
                                                  "enrollment record ({})",
                                                  k_enrollment_schema));
  }
  auto schema = string_field(json, "schema", "schema", true);
  if (!schema) return fail(schema.error());
  if (*schema != k_enrollment_schema) {
    return not_a_record("schema", fmt::format("is \"{}\", not \"{}\"", *schema, k_enrollment_schema));
  }
  EnrollmentRecord record;
  auto rp_id = string_field(json, "rpId", "rpId", false);
  if (!rp_id) return fail(rp_id.error());
  record.rp_id = std::move(*rp_id);
  auto origin = string_field(json, "origin", "origin", false);
  if (!origin) return fail(origin.error());
  record.origin = std::move(*origin);
  auto challenge = base64url_field(json, "challenge", "challenge");
  if (!challenge) return fail(challenge.error());
  if (challenge->empty()) return not_a_record("challenge", "is empty");
  record.challenge = std::move(*challenge);

  const auto user = json.find("user");
  if (user == json.end()) return not_a_record("user", "is missing");
  if (!user->is_object()) return not_a_record("user", "is not a JSON object");
  auto user_id = base64url_field(*user, "id", "user.id");
  if (!user_id) return fail(user_id.error());
  if (user_id->empty() || user_id->size() > k_user_id_max_size) {
    return not_a_record("user.id",
                        fmt::format("is {} bytes; a user handle is 1 to {}", user_id->size(), k_user_id_max_size));
  }
  record.user.id = std::move(*user_id);
  auto name = string_field(*user, "name", "user.name", false);
  if (!name) return fail(name.error());
  record.user.name = std::move(*name);
  auto display_name = string_field(*user, "displayName", "user.displayName", true);
  if (!display_name) return fail(display_name.error());
  record.user.display_name = std::move(*display_name);

  const auto device = json.find("device");
  if (device == json.end()) return not_a_record("device", "is missing");
  if (!device->is_object()) return not_a_record("device", "is not a JSON object");
  record.device = *device;

  auto created_at = string_field(json, "createdAt", "createdAt", false);
  if (!created_at) return fail(created_at.error());
  if (!rfc3339_utc_valid(*created_at)) {
    return not_a_record("createdAt",
                        fmt::format("is \"{}\", not an RFC 3339 UTC time like 2024-05-01T12:00:00Z", *created_at));
  }
  record.created_at = std::move(*created_at);

  const auto response = json.find("response");
  if (response == json.end()) return not_a_record("response", "is missing");
  auto parsed = registration_response_from_json(*response);
  if (!parsed) return not_a_record("response", "is not a valid registration response (" + parsed.error().message + ")");
  record.response = std::move(*parsed);
  return record;
}

Result<EnrolledCredential> enrollment_record_credential(const EnrollmentRecord& record) {
  auto usage = [](const std::string& message) { return fail(ErrorCategory::usage, "enrollment record: " + message); };
  auto object = attestation_object_decode(record.response.attestation_object);
  if (!object) return usage(object.error().message);
  auto auth_data = authenticator_data_parse(object->auth_data);
  if (!auth_data) return usage(auth_data.error().message);
  if (!auth_data->attested) return usage("the registration's authenticator data has no attested credential data");
  auto key = cose_key_decode(auth_data->attested->public_key_cose);
  if (!key) return usage(key.error().message);
  EnrolledCredential out;
  out.credential_id = auth_data->attested->credential_id;
  out.public_key_cose = auth_data->attested->public_key_cose;
  out.algorithm = key->alg;
  out.sign_count = auth_data->sign_count;
  out.aaguid = auth_data->attested->aaguid;
  return out;
}

}  // namespace acctsec::webauthn
