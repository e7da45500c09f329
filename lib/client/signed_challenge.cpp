#include "client/signed_challenge.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <fmt/format.h>

#include "core/bytes.hpp"

namespace acctsec::client {

Result<void> signed_challenge_check(const nlohmann::json& challenge, const nlohmann::json& expected,
                                    std::initializer_list<std::string_view> filled_by_server) {
  const auto text = [](const nlohmann::json& json, const char* name) {
    const auto found = json.is_object() ? json.find(name) : json.end();
    return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  const std::string input = text(challenge, "digestInput");
  const nlohmann::json pk = challenge.is_object() ? challenge.value("publicKey", nlohmann::json::object()) : nlohmann::json::object();
  const auto asked = base64url_decode(text(pk, "challenge"));
  const nlohmann::json document = nlohmann::json::parse(input, nullptr, false);
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  if (!asked || input.empty() || !document.is_object() || digest != *asked)
    return fail(ErrorCategory::network, "the server's challenge is not the digest of what it says is signed; nothing was signed");
  for (const auto& [key, value] : expected.items())
    if (!document.contains(key) || document[key] != value)
      return fail(ErrorCategory::network, fmt::format("the server's challenge would sign {} = {}, not {}; nothing was signed", key,
                                                      document.value(key, nlohmann::json()).dump(), value.dump()));
  for (const auto& [key, value] : document.items())
    if (!expected.contains(key) && std::find(filled_by_server.begin(), filled_by_server.end(), key) == filled_by_server.end())
      return fail(ErrorCategory::network,
                  fmt::format("the server's challenge would also sign {} = {}, which was not asked for; nothing was signed", key, value.dump()));
  return {};
}

}  // namespace acctsec::client
