#include "webauthn/enrollment_record.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>

#include "unit/webauthn/soft_authenticator.hpp"
#include "webauthn/assertion_check.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

TEST_SUITE("webauthn::enrollment_record") {
  TEST_CASE("serialises the documented shape with the schema version") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto record = make_enrollment(credential, {});
    const auto json = enrollment_record_to_json(record);
    CHECK(json["schema"] == "acctsec.enrollment/1");
    CHECK(json["rpId"] == "example.com");
    CHECK(json["origin"] == "https://example.com");
    CHECK(json["challenge"] == base64url_encode(record.challenge));
    CHECK(json["user"] == nlohmann::json{{"id", "dXNlci0x"}, {"name", "alice@example.com"}, {"displayName", "Alice"}});
    CHECK(json["device"]["product"] == "acctsec soft authenticator");
    CHECK(json["createdAt"] == "2024-05-01T12:00:00Z");
    CHECK(json["response"] == registration_response_to_json(record.response));
  }

  TEST_CASE("round-trips through JSON text") {
    const auto credential = make_credential(k_cose_alg_eddsa);
    const auto record = make_enrollment(credential, {});
    const auto text = enrollment_record_to_json(record).dump(2);
    const auto parsed = enrollment_record_from_json(nlohmann::json::parse(text));
    REQUIRE(parsed.has_value());
    CHECK(parsed->rp_id == record.rp_id);
    CHECK(parsed->origin == record.origin);
    CHECK(parsed->challenge == record.challenge);
    CHECK(parsed->user.id == record.user.id);
    CHECK(parsed->user.name == record.user.name);
    CHECK(parsed->user.display_name == record.user.display_name);
    CHECK(parsed->device == record.device);
    CHECK(parsed->created_at == record.created_at);
    CHECK(parsed->response.attestation_object == record.response.attestation_object);
    CHECK(enrollment_record_to_json(*parsed) == enrollment_record_to_json(record));
  }

  TEST_CASE("yields the credential key and counter that key test needs, and they verify a later assertion") {
    const auto credential = make_credential(k_cose_alg_es256);
    RegistrationOptions options;
    options.sign_count = 41;
    const auto record = make_enrollment(credential, options);
    const auto enrolled = enrollment_record_credential(record);
    REQUIRE(enrolled.has_value());
    CHECK(enrolled->credential_id == credential.credential_id);
    CHECK(enrolled->public_key_cose == credential.public_key_cose);
    CHECK(enrolled->algorithm == k_cose_alg_es256);
    CHECK(enrolled->sign_count == 41);
    CHECK(enrolled->aaguid == credential.aaguid);

    AssertionOptions assertion;
    assertion.sign_count = 42;
    const AssertionExpectation expected{
        assertion.challenge,     record.origin,        record.rp_id, enrolled->public_key_cose,
        enrolled->credential_id, enrolled->sign_count, false};
    CHECK(assertion_verify(make_assertion(credential, assertion), expected).verified);
  }

  TEST_CASE("documents that are not enrollment records are usage errors naming the field") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto valid = enrollment_record_to_json(make_enrollment(credential, {}));
    struct Case {
      const char* name;
      std::function<void(nlohmann::json&)> mutate;
      const char* message;
    };
    const Case cases[] = {
        {"an array", [](nlohmann::json& j) { j = nlohmann::json::array(); }, "the document is not a JSON object"},
        {"schema missing", [](nlohmann::json& j) { j.erase("schema"); }, "\"schema\" is missing"},
        {"another schema", [](nlohmann::json& j) { j["schema"] = "acctsec.enrollment/2"; },
         "\"schema\" is \"acctsec.enrollment/2\""},
        {"rpId empty", [](nlohmann::json& j) { j["rpId"] = ""; }, "\"rpId\" is empty"},
        {"origin a number", [](nlohmann::json& j) { j["origin"] = 443; }, "\"origin\" is not a string"},
        {"challenge padded", [](nlohmann::json& j) { j["challenge"] = "AA=="; }, "\"challenge\" is not base64url"},
        {"user missing", [](nlohmann::json& j) { j.erase("user"); }, "\"user\" is missing"},
        {"user.id too long", [](nlohmann::json& j) { j["user"]["id"] = base64url_encode(Bytes(65, 1)); },
         "\"user.id\" is 65 bytes"},
        {"user.name missing", [](nlohmann::json& j) { j["user"].erase("name"); }, "\"user.name\" is missing"},
        {"user.displayName null", [](nlohmann::json& j) { j["user"]["displayName"] = nullptr; },
         "\"user.displayName\" is not a string"},
        {"device a string", [](nlohmann::json& j) { j["device"] = "YubiKey"; }, "\"device\" is not a JSON object"},
        {"createdAt with an offset", [](nlohmann::json& j) { j["createdAt"] = "2024-05-01T14:00:00+02:00"; },
         "\"createdAt\" is \"2024-05-01T14:00:00+02:00\", not an RFC 3339 UTC time"},
        {"createdAt impossible date", [](nlohmann::json& j) { j["createdAt"] = "2023-02-29T00:00:00Z"; },
         "\"createdAt\" is"},
        {"response missing", [](nlohmann::json& j) { j.erase("response"); }, "\"response\" is missing"},
        {"response broken", [](nlohmann::json& j) { j["response"]["type"] = "otp"; },
         "\"response\" is not a valid registration response (registration response: \"type\" is \"otp\""},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      auto json = valid;
      c.mutate(json);
      const auto parsed = enrollment_record_from_json(json);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().category == ErrorCategory::usage);
      CHECK_MESSAGE(parsed.error().message.find(c.message) != std::string::npos, parsed.error().message);
      CHECK(parsed.error().message.find("not an acctsec enrollment record (acctsec.enrollment/1)") !=
            std::string::npos);
    }
  }

  TEST_CASE("formats createdAt as RFC 3339 UTC with whole seconds") {
    using namespace std::chrono;
    const sys_time<milliseconds> time = sys_days{2024y / May / 1} + 12h + 3min + 4s + 999ms;
    CHECK(rfc3339_utc(time) == "2024-05-01T12:03:04Z");
    CHECK(rfc3339_utc(sys_days{1970y / January / 1}) == "1970-01-01T00:00:00Z");
    CHECK(rfc3339_utc(sys_days{2000y / February / 29} + 23h + 59min + 59s) == "2000-02-29T23:59:59Z");
  }

  TEST_CASE("recognises RFC 3339 UTC times and refuses everything else") {
    for (const auto* good :
         {"2024-05-01T12:00:00Z", "2024-05-01t12:00:00z", "2024-02-29T23:59:60Z", "2024-05-01T12:00:00.123456Z"}) {
      CAPTURE(std::string(good));
      CHECK(rfc3339_utc_valid(good));
    }
    for (const auto* bad : {"", "2024-05-01", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z",
                            "2024-04-31T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z",
                            "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+00:00", "2024-05-01T12:00:00ZZ"}) {
      CAPTURE(std::string(bad));
      CHECK_FALSE(rfc3339_utc_valid(bad));
    }
  }
}
