#include "webauthn/client_data.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <nlohmann/json.hpp>
#include <vector>

namespace acctsec::webauthn {
namespace {

namespace bj = boost::json;

std::unexpected<Error> rejected(std::string message) {
  return fail(ErrorCategory::rejected, "clientDataJSON: " + std::move(message));
}

// What a top-level member held, for the members §5.8.1 defines.
struct Member {
  enum class Kind { absent, string, boolean, other } kind = Kind::absent;
  std::string text;
  bool flag = false;
};

// Reads clientDataJSON as parse events (Boost.JSON's SAX interface) instead of building a
// document: only the five members below are kept, and every top-level key is recorded so that a
// member given twice, which would let two readers see different values, is caught.
class ClientDataHandler {
 public:
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  Member type, challenge, origin, cross_origin, top_origin;
  bool is_object = false;
  std::string duplicate;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) {
    if (m_depth == 0) is_object = true;
    else value_is(Member::Kind::other);
    ++m_depth;
    return true;
  }
  bool on_object_end(std::size_t, bj::error_code&) { return --m_depth, true; }
  bool on_array_begin(bj::error_code&) {
    value_is(Member::Kind::other);
    ++m_depth;
    return true;
  }
  bool on_array_end(std::size_t, bj::error_code&) { return --m_depth, true; }
  bool on_key_part(bj::string_view part, std::size_t, bj::error_code&) {
    if (m_depth == 1) m_key.append(part.data(), part.size());
    return true;
  }
  bool on_key(bj::string_view part, std::size_t, bj::error_code&) {
    if (m_depth != 1) return true;
    m_key.append(part.data(), part.size());
    for (const auto& seen : m_keys)
      if (seen == m_key && duplicate.empty()) duplicate = m_key;
    m_keys.push_back(m_key);
    m_member = member_named(m_key);
    m_key.clear();
    return true;
  }
  bool on_string_part(bj::string_view part, std::size_t, bj::error_code&) {
    if (m_depth == 1 && m_member) m_member->text.append(part.data(), part.size());
    return true;
  }
  bool on_string(bj::string_view part, std::size_t, bj::error_code&) {
    if (m_depth == 1 && m_member) {
      m_member->text.append(part.data(), part.size());
      m_member->kind = Member::Kind::string;
      m_member = nullptr;
    }
    return true;
  }
  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_int64(std::int64_t, bj::string_view, bj::error_code&) { return value_is(Member::Kind::other); }
  bool on_uint64(std::uint64_t, bj::string_view, bj::error_code&) { return value_is(Member::Kind::other); }
  bool on_double(double, bj::string_view, bj::error_code&) { return value_is(Member::Kind::other); }
  bool on_bool(bool value, bj::error_code&) {
    if (m_depth == 1 && m_member) m_member->flag = value;
    return value_is(Member::Kind::boolean);
  }
  bool on_null(bj::error_code&) { return value_is(Member::Kind::other); }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  Member* member_named(std::string_view key) {
    if (key == "type") return &type;
    if (key == "challenge") return &challenge;
    if (key == "origin") return &origin;
    if (key == "crossOrigin") return &cross_origin;
    if (key == "topOrigin") return &top_origin;
    return nullptr;
  }
  // A scalar, array or object arrived: it is the value of the current top-level member.
  bool value_is(Member::Kind kind) {
    if (m_depth == 1 && m_member) {
      m_member->kind = kind;
      m_member->text.clear();  // a value given twice replaces, but duplicates are refused anyway
      m_member = nullptr;
    }
    return true;
  }

  std::size_t m_depth = 0;
  std::string m_key;
  std::vector<std::string> m_keys;
  Member* m_member = nullptr;
};

Result<std::string> required_string(Member& member, const char* name) {
  if (member.kind == Member::Kind::absent) return rejected(std::string("\"") + name + "\" is missing");
  if (member.kind != Member::Kind::string) return rejected(std::string("\"") + name + "\" is not a string");
  return std::move(member.text);
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
  bj::parse_options options;
  options.max_depth = 64;
  bj::basic_parser<ClientDataHandler> parser(options);
  bj::error_code error;
  const std::size_t used = parser.write_some(false, json.data(), json.size(), error);
  if (!error && json.substr(used).find_first_not_of(" \t\r\n") != std::string_view::npos) error = bj::error::extra_data;
  if (error) return rejected("not valid JSON (" + error.message() + ")");
  ClientDataHandler& object = parser.handler();
  if (!object.is_object) return rejected("not a JSON object");
  if (!object.duplicate.empty()) return rejected("\"" + object.duplicate + "\" appears more than once");

  ClientData out;
  auto type = required_string(object.type, "type");
  if (!type) return fail(type.error());
  out.type = std::move(*type);

  auto challenge = required_string(object.challenge, "challenge");
  if (!challenge) return fail(challenge.error());
  if (challenge->empty()) return rejected("\"challenge\" is empty");
  auto decoded = challenge->find('=') == std::string::npos ? base64url_decode(*challenge) : std::nullopt;
  if (!decoded) return rejected("\"challenge\" is not base64url without padding");
  out.challenge = std::move(*decoded);

  auto origin = required_string(object.origin, "origin");
  if (!origin) return fail(origin.error());
  if (origin->empty()) return rejected("\"origin\" is empty");
  out.origin = std::move(*origin);

  if (object.cross_origin.kind != Member::Kind::absent) {
    if (object.cross_origin.kind != Member::Kind::boolean) return rejected("\"crossOrigin\" is not a boolean");
    out.cross_origin = object.cross_origin.flag;
  }
  if (object.top_origin.kind != Member::Kind::absent) {
    if (object.top_origin.kind != Member::Kind::string) return rejected("\"topOrigin\" is not a string");
    out.top_origin = std::move(object.top_origin.text);
  }
  return out;
}

}  // namespace acctsec::webauthn
