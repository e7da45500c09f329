// Shared reading of the *ResponseJSON members common to registration and authentication
// (WebAuthn Level 3 §5.1.8 and §5.1.9). Internal to lib/webauthn; every error is ErrorCategory::usage
// and starts with the name of the document being read.
#pragma once

#include <boost/json/value.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn::detail {

// Decodes base64url without padding (the Base64URLString of the JSON forms); nullopt otherwise.
std::optional<Bytes> base64url_strict(std::string_view text);

// Reads the members of one JSON object (Boost.JSON: the --batch verifier reads thousands a second).
class JsonReader {
 public:
  // `document` names what is read in messages ("registration response"); `path` prefixes member
  // names ("response.").
  JsonReader(const boost::json::value& object, std::string document, std::string path = "")
      : m_object(object), m_document(std::move(document)), m_path(std::move(path)) {}

  // Fails unless the value given to the constructor is a JSON object.
  Result<void> require_object() const;
  // The member, or nullptr when absent (null counts as present).
  const boost::json::value* find(const char* name) const;
  Result<std::string> string(const char* name) const;
  Result<std::optional<std::string>> optional_string(const char* name) const;  // absent or null: nullopt
  Result<Bytes> bytes(const char* name) const;                                 // base64url
  Result<std::optional<Bytes>> optional_bytes(const char* name) const;         // absent or null: nullopt
  Result<std::optional<int>> optional_int(const char* name) const;
  Result<const boost::json::value*> object(const char* name) const;  // required JSON object
  // A failure about member `name` with `problem` ("is not base64url").
  std::unexpected<Error> error(const char* name, std::string_view problem) const;

 private:
  const boost::json::value& m_object;
  std::string m_document;
  std::string m_path;
};

// The members every PublicKeyCredential JSON form has.
struct CredentialHeader {
  Bytes raw_id;
  std::string authenticator_attachment;  // empty when null or absent
  nlohmann::json client_extension_results = nlohmann::json::object();
};

// Reads and checks "id" == "rawId" (as bytes), "type" == "public-key", "authenticatorAttachment"
// (a string or null) and "clientExtensionResults" (an object; absent means {}).
Result<CredentialHeader> credential_header_read(const JsonReader& reader);

// Writes the common members id, rawId, type, authenticatorAttachment (null when empty) and
// clientExtensionResults. The caller adds "response".
nlohmann::json credential_header_write(ByteView raw_id, const std::string& authenticator_attachment,
                                       const nlohmann::json& client_extension_results);

}  // namespace acctsec::webauthn::detail
