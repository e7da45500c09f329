// Loading the published WebAuthn vectors under tests/data/webauthn (see tests/data/README.md).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "webauthn/authentication_response.hpp"

namespace acctsec::webauthn::testing {

inline nlohmann::json load_vector(const std::string& name) {
  const std::string path = std::string(ACCTSEC_TEST_DATA_DIR) + "/webauthn/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open test vector " + path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// The published base64url strings sometimes carry padding; core's decoder accepts both.
inline Bytes b64url(const nlohmann::json& value) {
  auto decoded = base64url_decode(value.get<std::string>());
  if (!decoded) throw std::runtime_error("test vector has bad base64url: " + value.get<std::string>());
  return *decoded;
}

inline Bytes hex(const nlohmann::json& value) {
  auto decoded = hex_decode(value.get<std::string>());
  if (!decoded) throw std::runtime_error("test vector has bad hex");
  return *decoded;
}

// A real authenticator's registration and assertion, as transcribed in the Yubico vectors.
struct RealExample {
  std::string file;
  std::string rp_id;
  std::string origin;
  std::string registration_client_data;
  Bytes attestation_object;
  AuthenticationResponse assertion;
  Bytes assertion_challenge;
};

inline RealExample load_real_example(const std::string& file) {
  const auto v = load_vector(file);
  RealExample example;
  example.file = file;
  example.rp_id = v["rpId"].get<std::string>();
  example.origin = v["origin"].get<std::string>();
  example.registration_client_data = v["registration"]["clientDataJSON"].get<std::string>();
  example.attestation_object = b64url(v["registration"]["attestationObject"]);
  const auto& a = v["assertion"];
  example.assertion.credential_id = b64url(a["credentialId"]);
  example.assertion.client_data_json = a["clientDataJSON"].get<std::string>();
  example.assertion.authenticator_data = b64url(a["authenticatorData"]);
  example.assertion.signature = b64url(a["signature"]);
  const auto client = nlohmann::json::parse(example.assertion.client_data_json);
  example.assertion_challenge = b64url(client["challenge"]);
  return example;
}

inline const std::vector<std::string>& real_example_files() {
  static const std::vector<std::string> files{"yubikey5nfc_es256_packed.json", "yubikey5nano_es256_packed_uv.json"};
  return files;
}

}  // namespace acctsec::webauthn::testing
