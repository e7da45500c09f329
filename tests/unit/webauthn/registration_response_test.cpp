#include "webauthn/registration_response.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/cose_key.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

nlohmann::json valid_json() {
  static const auto credential = make_credential(k_cose_alg_es256);
  return registration_response_to_json(make_registration(credential, {}));
}

}  // namespace

TEST_SUITE("webauthn::registration_response") {
  TEST_CASE("serialises the WebAuthn Level 3 toJSON() shape with unpadded base64url") {
    const auto credential = make_credential(k_cose_alg_eddsa);
    const auto response = make_registration(credential, {});
    const auto json = registration_response_to_json(response);
    CHECK(json["id"] == base64url_encode(credential.credential_id));
    CHECK(json["rawId"] == json["id"]);
    CHECK(json["type"] == "public-key");
    CHECK(json["authenticatorAttachment"] == "cross-platform");
    CHECK(json["clientExtensionResults"] == nlohmann::json::object());
    const auto& body = json["response"];
    CHECK(body["clientDataJSON"] == base64url_encode(as_bytes(response.client_data_json)));
    CHECK(body["attestationObject"] == base64url_encode(response.attestation_object));
    CHECK(body["authenticatorData"] == base64url_encode(response.authenticator_data));
    CHECK(body["transports"] == nlohmann::json::array({"usb"}));
    CHECK(body["publicKey"] == base64url_encode(*response.public_key_spki));
    CHECK(body["publicKeyAlgorithm"] == -8);
    CHECK(json.dump().find('=') == std::string::npos);
  }

  TEST_CASE("round-trips through JSON for every attestation kind and algorithm") {
    for (const int alg : {k_cose_alg_es256, k_cose_alg_es512, k_cose_alg_eddsa, k_cose_alg_rs256}) {
      for (const auto attestation : {Attestation::none, Attestation::packed_self, Attestation::packed_x5c}) {
        CAPTURE(alg);
        CAPTURE(static_cast<int>(attestation));
        const auto credential = make_credential(alg);
        RegistrationOptions options;
        options.attestation = attestation;
        const auto response = make_registration(credential, options);
        const auto parsed = registration_response_from_json(registration_response_to_json(response));
        REQUIRE(parsed.has_value());
        CHECK(parsed->credential_id == response.credential_id);
        CHECK(parsed->client_data_json == response.client_data_json);
        CHECK(parsed->attestation_object == response.attestation_object);
        CHECK(parsed->authenticator_data == response.authenticator_data);
        CHECK(parsed->transports == response.transports);
        CHECK(parsed->public_key_spki == response.public_key_spki);
        CHECK(parsed->public_key_algorithm == alg);
        CHECK(registration_response_to_json(*parsed) == registration_response_to_json(response));
      }
    }
  }

  TEST_CASE("accepts a real YubiKey response in the older shape and fills in what it lacks") {
    const auto example = load_real_example("yubikey5nfc_es256_packed.json");
    const nlohmann::json json = {
        {"id", base64url_encode(example.assertion.credential_id)},
        {"rawId", base64url_encode(example.assertion.credential_id)},
        {"type", "public-key"},
        {"response",
         {{"clientDataJSON", base64url_encode(as_bytes(example.registration_client_data))},
          {"attestationObject", base64url_encode(example.attestation_object)}}},
    };
    const auto parsed = registration_response_from_json(json);
    REQUIRE(parsed.has_value());
    CHECK(parsed->public_key_algorithm == k_cose_alg_es256);
    REQUIRE(parsed->public_key_spki.has_value());
    CHECK(parsed->public_key_spki->size() == 91);  // SPKI of a P-256 key
    CHECK(parsed->authenticator_data.size() == 196);
    CHECK(parsed->transports.empty());
    CHECK(parsed->authenticator_attachment.empty());
  }

  TEST_CASE("inconsistent or malformed responses are usage errors naming the member") {
    struct Case {
      const char* name;
      std::function<void(nlohmann::json&)> mutate;
      const char* message;
    };
    const auto other = make_credential(k_cose_alg_es256);
    const auto other_registration = make_registration(other, {});
    const Case cases[] = {
        {"not an object", [](nlohmann::json& j) { j = nlohmann::json::array(); },
         "registration response is not a JSON object"},
        {"id missing", [](nlohmann::json& j) { j.erase("id"); }, "\"id\" is missing"},
        {"id differs from rawId", [](nlohmann::json& j) { j["id"] = "AAAA"; }, "\"id\" and \"rawId\" are different"},
        {"rawId padded", [](nlohmann::json& j) { j["rawId"] = j["rawId"].get<std::string>() + "="; },
         "\"rawId\" is not base64url"},
        {"type wrong", [](nlohmann::json& j) { j["type"] = "password"; }, "\"type\" is \"password\""},
        {"response missing", [](nlohmann::json& j) { j.erase("response"); }, "\"response\" is missing"},
        {"clientDataJSON missing", [](nlohmann::json& j) { j["response"].erase("clientDataJSON"); },
         "\"response.clientDataJSON\" is missing"},
        {"attestationObject not base64url", [](nlohmann::json& j) { j["response"]["attestationObject"] = "%%%"; },
         "\"response.attestationObject\" is not base64url"},
        {"attestationObject not CBOR", [](nlohmann::json& j) { j["response"]["attestationObject"] = "AAAA"; },
         "is not a valid attestation object"},
        {"authenticatorData differs", [](nlohmann::json& j) { j["response"]["authenticatorData"] = "AAAA"; },
         "\"response.authenticatorData\" differs from the authData"},
        {"publicKey differs",
         [&](nlohmann::json& j) { j["response"]["publicKey"] = base64url_encode(*other_registration.public_key_spki); },
         "\"response.publicKey\" is not the SubjectPublicKeyInfo"},
        {"publicKeyAlgorithm differs", [](nlohmann::json& j) { j["response"]["publicKeyAlgorithm"] = -8; },
         "\"response.publicKeyAlgorithm\" differs"},
        {"publicKeyAlgorithm not an integer", [](nlohmann::json& j) { j["response"]["publicKeyAlgorithm"] = "ES256"; },
         "\"response.publicKeyAlgorithm\" is not an integer"},
        {"rawId not the attested credential",
         [&](nlohmann::json& j) { j["id"] = j["rawId"] = base64url_encode(other.credential_id); },
         "names a different credential ID"},
        {"transports not strings", [](nlohmann::json& j) { j["response"]["transports"] = {1}; },
         "\"response.transports\" has an entry that is not a string"},
        {"clientExtensionResults not an object", [](nlohmann::json& j) { j["clientExtensionResults"] = "none"; },
         "\"clientExtensionResults\" is not a JSON object"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      auto json = valid_json();
      c.mutate(json);
      const auto parsed = registration_response_from_json(json);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().category == ErrorCategory::usage);
      CHECK_MESSAGE(parsed.error().message.find(c.message) != std::string::npos, parsed.error().message);
    }
    CHECK(registration_response_from_json(valid_json()).has_value());
  }

  TEST_CASE("an attestation object whose authData has no attested credential is refused") {
    auto json = valid_json();
    const Bytes bare = make_auth_data("example.com", k_flag_user_present, 0);
    json["response"]["attestationObject"] = base64url_encode(attestation_object_encode("none", Bytes{0xa0}, bare));
    json["response"].erase("authenticatorData");
    const auto parsed = registration_response_from_json(json);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message.find("without attested credential data") != std::string::npos);
  }
}
