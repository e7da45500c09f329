#include <doctest/doctest.h>

#include <functional>

#include "unit/webauthn/attestation_format_fixtures.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/jws.hpp"
#include "webauthn/registration_verify.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;
using namespace acctsec::webauthn::testing::formats;

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Issuer& safetynet_ca() {
  static const Issuer ca;
  return ca;
}

EVP_PKEY* safetynet_key() {
  static const EvpPkeyPtr key = generate_rsa_key(0);
  return key.get();
}

const std::chrono::system_clock::time_point k_at = utc_time_point("2024-06-01T12:00:00Z");

struct SafetyNetOptions {
  std::vector<std::pair<std::string, std::string>> subject{{"CN", "attest.android.com"}};
  std::vector<ExtensionSpec> extensions;
  milliseconds stamp_offset{-5000};  // timestampMs relative to the verification time
  std::function<void(nlohmann::json&)> edit_payload;
  std::function<void(nlohmann::json&)> edit_header;
  bool signed_by_other_key = false;
  std::string ver = "241516037";
};

PreparedInput safetynet_registration(const SafetyNetOptions& options = {}) {
  const SoftCredential credential = make_credential(k_cose_alg_es256);
  const RegistrationOptions registration;
  const Bytes auth_data = make_auth_data(registration.rp_id, registration.flags, 0, &credential);
  const Bytes client_data_hash =
      sha256(as_bytes(client_data_json(CeremonyType::create, registration.challenge, registration.origin)));
  Bytes to_hash = auth_data;
  to_hash.insert(to_hash.end(), client_data_hash.begin(), client_data_hash.end());

  CertSpec spec;
  spec.subject = options.subject;
  spec.extensions = options.extensions;
  const Bytes leaf = safetynet_ca().issue(spec, safetynet_key());
  nlohmann::json header{{"alg", "RS256"}, {"x5c", {base64_encode(leaf), base64_encode(safetynet_ca().der)}}};
  if (options.edit_header) options.edit_header(header);
  const auto stamp = std::chrono::duration_cast<milliseconds>(k_at.time_since_epoch()) + options.stamp_offset;
  nlohmann::json payload{{"nonce", base64_encode(sha256(to_hash))},
                         {"timestampMs", stamp.count()},
                         {"apkPackageName", "com.google.android.gms"},
                         {"apkDigestSha256", "lFQwGWAHw1Y4byJTxEGx8yAjUAyADBkxF3RfBGO4uA8="},
                         {"ctsProfileMatch", true},
                         {"basicIntegrity", true},
                         {"evaluationType", "BASIC"}};
  if (options.edit_payload) options.edit_payload(payload);
  const std::string payload_text = payload.dump();
  const EvpPkeyPtr other = options.signed_by_other_key ? generate_rsa_key(1) : nullptr;
  const std::string response = value_or_throw(
      jws_sign(header, as_bytes(payload_text), other ? other.get() : safetynet_key()), "SafetyNet JWS");
  cbor::Writer w;
  w.map(2);
  w.text("ver"), w.text(options.ver);
  w.text("response"), w.bytes(as_bytes(response));
  return prepare("android-safetynet", w.data(), auth_data, client_data_hash, k_at);
}

std::string safetynet_error(const PreparedInput& prepared) {
  const auto result = attestation_verify_android_safetynet(prepared.input());
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == ErrorCategory::rejected);
  CHECK(result.error().message.starts_with("android-safetynet: "));
  return result.error().message;
}

void check_safetynet_error(const PreparedInput& prepared, std::string_view expected) {
  const std::string message = safetynet_error(prepared);
  CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
}

Bytes san_dns(std::string_view name) { return der_sequence({der_tlv({0x82}, as_bytes(name))}); }

constexpr const char* k_vector = "android_safetynet_gms_212621037";

}  // namespace

TEST_SUITE("webauthn::android_safetynet") {
  TEST_CASE("verifies the published SafetyNet registration at its time, trust path = the JWS x5c") {
    const auto vector = load_format_vector(k_vector);
    const auto input = vector.prepared();
    const auto result = attestation_verify_android_safetynet(input.input());
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->type == AttestationType::basic);
    REQUIRE(result->trust_path.size() == 3);
    CHECK(certificate_subject(result->trust_path[0].get()) == "CN=attest.android.com");
    CHECK(certificate_subject(result->trust_path[1].get()) == "CN=GTS CA 1D4,O=Google Trust Services LLC,C=US");
    CHECK(certificate_chain_verify(result->trust_path, {}, vector.at).status == TrustStatus::unverified);
    CHECK(attestation_statement_verify(input.input()).has_value());
  }

  TEST_CASE("the published registration passes the whole ceremony at its time") {
    const auto vector = load_format_vector(k_vector);
    RegistrationResponse response;
    response.client_data_json = vector.client_data_json;
    response.attestation_object = vector.attestation_object;
    RegistrationExpectation expected;
    expected.challenge = b64url(vector.json.at("challenge"));
    expected.origin = vector.json.at("origin").get<std::string>();
    expected.rp_id = vector.json.at("rpId").get<std::string>();
    expected.at = vector.at;
    const auto verdict = registration_verify(response, expected);
    CHECK_MESSAGE(verdict.verified, (verdict.reasons.empty() ? "" : verdict.reasons.front()));
    CHECK(verdict.fmt == "android-safetynet");
    CHECK(verdict.attestation_type == "basic");
  }

  TEST_CASE("published vector: flipped bits, a changed key and the wrong time are rejected, naming the check") {
    const auto vector = load_format_vector(k_vector);
    const auto good = vector.prepared();

    Bytes response = att_stmt_bytes(good.object.att_stmt_cbor, "response");
    response[response.size() - 10] = response[response.size() - 10] == 'A' ? 'B' : 'A';
    check_safetynet_error(
        with_att_stmt(good, att_stmt_with(good.object.att_stmt_cbor, "response", cbor_bytes(response))),
        "android-safetynet: response: JWS: the RS256 signature does not verify over the header and payload");

    const std::string nonce_mismatch =
        "the response nonce is not the base64 SHA-256 of authenticatorData and the clientDataJSON hash";
    check_safetynet_error(with_auth_data(good, flip_bit(good.object.auth_data, k_sign_count_offset + 3)),
                          nonce_mismatch);
    std::string client_data = vector.client_data_json;
    client_data[client_data.find("webauthn.create")] ^= 0x20;
    check_safetynet_error(with_client_data_json(good, client_data), nonce_mismatch);
    const auto other = make_credential(k_cose_alg_es256);
    Bytes auth_data = good.object.auth_data;
    std::copy(other.public_key_cose.begin(), other.public_key_cose.end(),
              auth_data.begin() + static_cast<std::ptrdiff_t>(credential_key_offset(good)));
    check_safetynet_error(with_auth_data(good, auth_data), nonce_mismatch);

    PreparedInput now = vector.prepared();
    now.at.reset();
    check_safetynet_error(now, "timestampMs (2021-09-03T21:07:20Z) is more than 60 s before the verification time");
    PreparedInput early = vector.prepared();
    early.at = vector.at - std::chrono::minutes(3);
    check_safetynet_error(early, "timestampMs (2021-09-03T21:07:20Z) is more than 60 s after the verification time "
                                 "(2021-09-03T21:04:30Z)");
  }

  TEST_CASE("verifies a generated response, the hostname may be in the SAN instead of the CN") {
    const auto result = attestation_verify_android_safetynet(safetynet_registration().input());
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->type == AttestationType::basic);
    CHECK(result->trust_path.size() == 2);
    SafetyNetOptions san;
    san.subject = {{"CN", "Google attestation signer"}};
    san.extensions = {{"2.5.29.17", false, san_dns("attest.android.com")}};
    CHECK(attestation_verify_android_safetynet(safetynet_registration(san).input()).has_value());
  }

  TEST_CASE("the signing certificate must be issued to attest.android.com exactly") {
    SafetyNetOptions other_host;
    other_host.subject = {{"CN", "attest.example.com"}};
    check_safetynet_error(safetynet_registration(other_host),
                          "the response's signing certificate is issued to \"CN=attest.example.com\", not "
                          "attest.android.com");
    SafetyNetOptions wildcard;
    wildcard.subject = {{"CN", "Google"}};
    wildcard.extensions = {{"2.5.29.17", false, san_dns("*.android.com")}};
    check_safetynet_error(safetynet_registration(wildcard), "not attest.android.com");
    // With a DNS SAN present the CN is not consulted (RFC 6125).
    SafetyNetOptions san_wins;
    san_wins.extensions = {{"2.5.29.17", false, san_dns("attest.example.com")}};
    check_safetynet_error(safetynet_registration(san_wins), "not attest.android.com");
  }

  TEST_CASE("the JWS must verify with its own x5c[0]") {
    SafetyNetOptions forged;
    forged.signed_by_other_key = true;
    check_safetynet_error(safetynet_registration(forged), "response: JWS: the RS256 signature does not verify");
    SafetyNetOptions no_x5c;
    no_x5c.edit_header = [](nlohmann::json& header) { header.erase("x5c"); };
    check_safetynet_error(safetynet_registration(no_x5c), "response: JWS: the header has no \"x5c\" certificate chain");
  }

  TEST_CASE("nonce, ctsProfileMatch and timestampMs are checked") {
    const auto edited = [](std::function<void(nlohmann::json&)> edit) {
      SafetyNetOptions options;
      options.edit_payload = std::move(edit);
      return safetynet_registration(options);
    };
    check_safetynet_error(edited([](nlohmann::json& p) { p["nonce"] = base64_encode(Bytes(32, 0)); }),
                          "the response nonce is not the base64 SHA-256");
    // base64url without padding is another encoding of the same hash: not "identical" (§8.5).
    check_safetynet_error(edited([](nlohmann::json& p) {
                            auto nonce = *base64_decode(p["nonce"].get<std::string>());
                            p["nonce"] = base64url_encode(nonce);
                          }),
                          "the response nonce is not the base64 SHA-256");
    check_safetynet_error(edited([](nlohmann::json& p) { p.erase("nonce"); }),
                          "the response payload has no \"nonce\" string");
    check_safetynet_error(edited([](nlohmann::json& p) { p["ctsProfileMatch"] = false; }),
                          "ctsProfileMatch is false: the device failed SafetyNet's compatibility check");
    check_safetynet_error(edited([](nlohmann::json& p) { p.erase("ctsProfileMatch"); }),
                          "the response payload has no \"ctsProfileMatch\" boolean");
    check_safetynet_error(edited([](nlohmann::json& p) { p["ctsProfileMatch"] = "true"; }),
                          "the response payload has no \"ctsProfileMatch\" boolean");
    check_safetynet_error(edited([](nlohmann::json& p) { p.erase("timestampMs"); }),
                          "the response payload has no integer \"timestampMs\"");
    check_safetynet_error(edited([](nlohmann::json& p) { p["timestampMs"] = "1717243195000"; }),
                          "the response payload has no integer \"timestampMs\"");
    check_safetynet_error(edited([](nlohmann::json& p) { p["timestampMs"] = -1; }),
                          "timestampMs -1 is not a time between 1970 and 9999");
    check_safetynet_error(edited([](nlohmann::json& p) { p["timestampMs"] = 18446744073709551615u; }),
                          "timestampMs 18446744073709551615 is not a time between 1970 and 9999");
  }

  TEST_CASE("timestampMs may be at most 60 s old and at most 60 s ahead of the verification time") {
    const auto at_offset = [](milliseconds offset) {
      SafetyNetOptions options;
      options.stamp_offset = offset;
      return safetynet_registration(options);
    };
    CHECK(attestation_verify_android_safetynet(at_offset(seconds(-60)).input()).has_value());
    CHECK(attestation_verify_android_safetynet(at_offset(seconds(60)).input()).has_value());
    check_safetynet_error(at_offset(seconds(-61)),
                          "timestampMs (2024-06-01T11:58:59Z) is more than 60 s before the verification time "
                          "(2024-06-01T12:00:00Z); the response is too old");
    check_safetynet_error(at_offset(seconds(61)),
                          "timestampMs (2024-06-01T12:01:01Z) is more than 60 s after the verification time "
                          "(2024-06-01T12:00:00Z)");
  }

  TEST_CASE("the statement's syntax is checked by member") {
    const auto good = safetynet_registration();
    const auto& stmt = good.object.att_stmt_cbor;
    check_safetynet_error(with_att_stmt(good, att_stmt_with(stmt, "ver", cbor_text(""))),
                          "ver is empty; it must name the Google Play Services version");
    check_safetynet_error(with_att_stmt(good, att_stmt_with(stmt, "ver", {})), "attStmt has no \"ver\"");
    check_safetynet_error(with_att_stmt(good, att_stmt_with(stmt, "response", {})), "attStmt has no \"response\"");
    check_safetynet_error(with_att_stmt(good, att_stmt_with(stmt, "response", cbor_bytes(as_bytes("not a jws")))),
                          "response: JWS: it is not three base64url segments joined by '.'");
    check_safetynet_error(with_att_stmt(good, att_stmt_with(stmt, "response", cbor_text("a.b.c"))),
                          "attStmt \"response\" is not a byte string");
    check_safetynet_error(with_att_stmt(good, att_stmt_with(stmt, "x5c", cbor_x5c({Bytes{1}}))),
                          "attStmt has the unexpected key \"x5c\"");
    SafetyNetOptions not_json;
    not_json.edit_payload = [](nlohmann::json& p) { p = nlohmann::json::array({1, 2}); };
    check_safetynet_error(safetynet_registration(not_json), "the response payload is not a JSON object");
  }
}
