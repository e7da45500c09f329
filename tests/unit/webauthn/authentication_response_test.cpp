#include "webauthn/authentication_response.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "unit/webauthn/soft_authenticator.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

TEST_SUITE("webauthn::authentication_response") {
  TEST_CASE("serialises the toJSON() shape and round-trips, with and without a user handle") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto response = make_assertion(credential, {});
    auto json = authentication_response_to_json(response);
    CHECK(json["id"] == base64url_encode(credential.credential_id));
    CHECK(json["rawId"] == json["id"]);
    CHECK(json["type"] == "public-key");
    CHECK(json["authenticatorAttachment"] == "cross-platform");
    CHECK(json["clientExtensionResults"] == nlohmann::json::object());
    CHECK(json["response"]["signature"] == base64url_encode(response.signature));
    CHECK_FALSE(json["response"].contains("userHandle"));
    auto parsed = authentication_response_from_json(json);
    REQUIRE(parsed.has_value());
    CHECK(parsed->client_data_json == response.client_data_json);
    CHECK(parsed->authenticator_data == response.authenticator_data);
    CHECK(parsed->signature == response.signature);
    CHECK_FALSE(parsed->user_handle.has_value());

    response.user_handle = Bytes{'u', '1'};
    response.authenticator_attachment.clear();
    json = authentication_response_to_json(response);
    CHECK(json["response"]["userHandle"] == "dTE");
    CHECK(json["authenticatorAttachment"].is_null());
    parsed = authentication_response_from_json(json);
    REQUIRE(parsed.has_value());
    CHECK(parsed->user_handle == Bytes{'u', '1'});
    CHECK(parsed->authenticator_attachment.empty());
  }

  TEST_CASE("a null userHandle means no user handle") {
    const auto credential = make_credential(k_cose_alg_eddsa);
    auto json = authentication_response_to_json(make_assertion(credential, {}));
    json["response"]["userHandle"] = nullptr;
    const auto parsed = authentication_response_from_json(json);
    REQUIRE(parsed.has_value());
    CHECK_FALSE(parsed->user_handle.has_value());
  }

  TEST_CASE("malformed responses are usage errors naming the member") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto valid = authentication_response_to_json(make_assertion(credential, {}));
    struct Case {
      const char* name;
      std::function<void(nlohmann::json&)> mutate;
      const char* message;
    };
    const Case cases[] = {
        {"not an object", [](nlohmann::json& j) { j = "x"; }, "authentication response is not a JSON object"},
        {"rawId missing", [](nlohmann::json& j) { j.erase("rawId"); }, "\"rawId\" is missing"},
        {"id and rawId differ", [](nlohmann::json& j) { j["rawId"] = "AQID"; }, "different credential IDs"},
        {"empty id", [](nlohmann::json& j) { j["id"] = j["rawId"] = ""; }, "\"id\" is empty"},
        {"type missing", [](nlohmann::json& j) { j.erase("type"); }, "\"type\" is missing"},
        {"response not an object", [](nlohmann::json& j) { j["response"] = 1; }, "\"response\" is not a JSON object"},
        {"signature missing", [](nlohmann::json& j) { j["response"].erase("signature"); },
         "\"response.signature\" is missing"},
        {"signature empty", [](nlohmann::json& j) { j["response"]["signature"] = ""; },
         "\"response.signature\" is empty"},
        {"authenticatorData not base64url", [](nlohmann::json& j) { j["response"]["authenticatorData"] = "a b"; },
         "\"response.authenticatorData\" is not base64url"},
        {"clientDataJSON not a string", [](nlohmann::json& j) { j["response"]["clientDataJSON"] = 5; },
         "\"response.clientDataJSON\" is not a string"},
        {"userHandle not base64url", [](nlohmann::json& j) { j["response"]["userHandle"] = "***"; },
         "\"response.userHandle\" is not base64url"},
        {"authenticatorAttachment a number", [](nlohmann::json& j) { j["authenticatorAttachment"] = 1; },
         "\"authenticatorAttachment\" is not a string"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      auto json = valid;
      c.mutate(json);
      const auto parsed = authentication_response_from_json(json);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().category == ErrorCategory::usage);
      CHECK_MESSAGE(parsed.error().message.find(c.message) != std::string::npos, parsed.error().message);
    }
  }
}
