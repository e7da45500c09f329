#include <doctest/doctest.h>

#include <functional>

#include "unit/webauthn/attestation_format_fixtures.hpp"
#include "webauthn/android_key_description.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/registration_verify.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;
using namespace acctsec::webauthn::testing::formats;

namespace {

// An AuthorizationList as Keystore writes it: purpose [1], allApplications [600], origin [702],
// plus some members the check must skip (algorithm [2], keySize [3], creationDateTime [701]).
struct ListSpec {
  std::vector<std::int64_t> purpose;
  bool all_applications = false;
  std::optional<std::int64_t> origin;
};

Bytes authorization_list(const ListSpec& spec) {
  Bytes content;
  if (!spec.purpose.empty()) {
    Bytes items;
    for (const auto purpose : spec.purpose) items = der_cat({items, der_integer(purpose)});
    content = der_cat({content, der_explicit(1, der_tlv({0x31}, items))});
  }
  content = der_cat({content, der_explicit(2, der_integer(3)), der_explicit(3, der_integer(256))});
  if (spec.all_applications) content = der_cat({content, der_explicit(600, der_null())});
  content = der_cat({content, der_explicit(701, der_integer(1700000000000))});
  if (spec.origin) content = der_cat({content, der_explicit(702, der_integer(*spec.origin))});
  return der_tlv({0x30}, content);
}

const ListSpec k_tee_generated_sign{{k_km_purpose_sign}, false, k_km_origin_generated};

Bytes key_description(ByteView challenge, const ListSpec& software = {}, const ListSpec& tee = k_tee_generated_sign,
                      std::int64_t security_level = 1) {
  return der_sequence({der_integer(4), der_enumerated(security_level), der_integer(41),
                       der_enumerated(security_level), der_octets(challenge), der_octets({}),
                       authorization_list(software), authorization_list(tee)});
}

const Issuer& android_ca() {
  static const Issuer ca;
  return ca;
}

struct AndroidKeyOptions {
  std::function<Bytes(ByteView client_data_hash)> description = [](ByteView hash) { return key_description(hash); };
  bool with_extension = true;
  bool certify_other_key = false;  // the certificate is for another key, which also signs
  int alg = k_cose_alg_es256;
};

PreparedInput android_key_registration(const AndroidKeyOptions& options = {}) {
  const SoftCredential credential = make_credential(k_cose_alg_es256);
  const RegistrationOptions registration;
  const Bytes auth_data = make_auth_data(registration.rp_id, registration.flags, 0, &credential);
  const Bytes client_data_hash =
      sha256(as_bytes(client_data_json(CeremonyType::create, registration.challenge, registration.origin)));
  CertSpec spec;
  spec.subject = {{"CN", "Android Keystore Key"}};
  if (options.with_extension) {
    spec.extensions.push_back({"1.3.6.1.4.1.11129.2.1.17", false, options.description(client_data_hash)});
  }
  const EvpPkeyPtr other = options.certify_other_key ? generate_key(k_cose_alg_es256) : nullptr;
  EVP_PKEY* key = other ? other.get() : credential.key.get();
  const Bytes cert = android_ca().issue(spec, key);
  Bytes signed_data = auth_data;
  signed_data.insert(signed_data.end(), client_data_hash.begin(), client_data_hash.end());
  cbor::Writer w;
  w.map(3);
  w.text("alg"), w.integer(options.alg);
  w.text("sig"), w.bytes(sign(key, k_cose_alg_es256, signed_data));
  w.text("x5c"), w.raw(cbor_x5c({cert, android_ca().der}));
  return prepare("android-key", w.data(), auth_data, client_data_hash);
}

std::string android_error(const PreparedInput& prepared) {
  const auto result = attestation_verify_android_key(prepared.input());
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == ErrorCategory::rejected);
  CHECK(result.error().message.starts_with("android-key: "));
  return result.error().message;
}

void check_android_error(const PreparedInput& prepared, std::string_view expected) {
  const std::string message = android_error(prepared);
  CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
}

// A different, valid credential key spliced into authData (same size: ES256 COSE keys are 77 bytes).
Bytes with_other_credential_key(const PreparedInput& input) {
  const auto other = make_credential(k_cose_alg_es256);
  Bytes auth_data = input.object.auth_data;
  const std::size_t offset = credential_key_offset(input);
  REQUIRE(auth_data.size() - offset == other.public_key_cose.size());
  std::copy(other.public_key_cose.begin(), other.public_key_cose.end(), auth_data.begin() + static_cast<std::ptrdiff_t>(offset));
  return auth_data;
}

constexpr const char* k_vector = "android_key_fido_conformance_es256";

}  // namespace

TEST_SUITE("webauthn::android_key") {
  TEST_CASE("verifies the published android-key registration as basic attestation") {
    const auto vector = load_format_vector(k_vector);
    const auto input = vector.prepared();
    const auto result = attestation_verify_android_key(input.input());
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->type == AttestationType::basic);
    REQUIRE(result->trust_path.size() == 2);
    CHECK(certificate_subject(result->trust_path[0].get()) == "CN=FAKE Android Keystore Key FAKE");
    CHECK(certificate_chain_verify(result->trust_path, {}, vector.at).status == TrustStatus::unverified);
    CHECK(attestation_statement_verify(input.input()).has_value());
  }

  TEST_CASE("the published KeyDescription: software attestation, purpose and origin in teeEnforced") {
    const auto input = load_format_vector(k_vector).prepared();
    const auto chain = certificate_chain_parse_der(att_stmt_x5c(input.object.att_stmt_cbor));
    REQUIRE(chain.has_value());
    const auto extension = certificate_extension(chain->front().get(), k_oid_android_key_description);
    REQUIRE(extension.has_value());
    const auto description = android_key_description_parse(extension->value);
    REQUIRE_MESSAGE(description.has_value(), description.error().message);
    CHECK(description->attestation_version == 2);
    CHECK(security_level_name(description->attestation_security_level) == "Software");
    CHECK(description->keymaster_version == 1);
    CHECK(description->attestation_challenge == input.client_data_hash);
    CHECK(description->tee_enforced.purpose == std::vector<std::int64_t>{2});
    CHECK(description->tee_enforced.origin == 0);
    CHECK_FALSE(description->tee_enforced.all_applications);
    CHECK(description->software_enforced.purpose.empty());
    CHECK(android_key_check_authorizations(*description, KeyEnforcement::tee_only) == KeyEnforcedBy::tee);
  }

  TEST_CASE("the published registration passes the whole ceremony") {
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
    CHECK(verdict.fmt == "android-key");
    CHECK(verdict.attestation_type == "basic");
  }

  TEST_CASE("published vector: a flipped bit in the signature, authData, clientDataJSON or key is rejected") {
    const auto vector = load_format_vector(k_vector);
    const auto good = vector.prepared();
    Bytes sig = att_stmt_bytes(good.object.att_stmt_cbor, "sig");
    sig[sig.size() / 2] ^= 0x01;
    check_android_error(with_att_stmt(good, att_stmt_with(good.object.att_stmt_cbor, "sig", cbor_bytes(sig))),
                        "the ES256 signature does not verify over authenticatorData and the clientDataJSON hash");
    check_android_error(with_auth_data(good, flip_bit(good.object.auth_data, k_sign_count_offset + 3)),
                        "signature does not verify");
    std::string client_data = vector.client_data_json;
    client_data[client_data.find("webauthn.create")] ^= 0x20;
    check_android_error(with_client_data_json(good, client_data), "signature does not verify");
    // authData is signed, so another credential key fails the signature before the key comparison.
    check_android_error(with_auth_data(good, with_other_credential_key(good)), "signature does not verify");
  }

  TEST_CASE("verifies a generated registration and reports where the authorizations were found") {
    const auto result = attestation_verify_android_key(android_key_registration().input());
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    CHECK(result->type == AttestationType::basic);
    CHECK(result->trust_path.size() == 2);
  }

  TEST_CASE("attestationChallenge must be the clientDataHash") {
    AndroidKeyOptions options;
    options.description = [](ByteView hash) {
      Bytes other(hash.begin(), hash.end());
      other[0] ^= 0x01;
      return key_description(other);
    };
    check_android_error(android_key_registration(options),
                        "android-key: the KeyDescription's attestationChallenge is not the clientDataJSON hash");
  }

  TEST_CASE("the certificate must certify the credential key and carry the extension") {
    AndroidKeyOptions other_key;
    other_key.certify_other_key = true;
    check_android_error(android_key_registration(other_key),
                        "the attestation certificate's public key is not the credential public key");
    AndroidKeyOptions no_extension;
    no_extension.with_extension = false;
    check_android_error(android_key_registration(no_extension),
                        "the attestation certificate has no key attestation extension (1.3.6.1.4.1.11129.2.1.17)");
    AndroidKeyOptions rsa_alg;
    rsa_alg.alg = k_cose_alg_rs256;
    check_android_error(android_key_registration(rsa_alg),
                        "alg RS256 cannot be verified with the attestation certificate's key");
  }

  TEST_CASE("allApplications, origin and purpose are checked in the authorization lists") {
    const auto description = [](ListSpec software, ListSpec tee) {
      AndroidKeyOptions options;
      options.description = [software, tee](ByteView hash) { return key_description(hash, software, tee); };
      return android_key_registration(options);
    };
    check_android_error(description({}, {{2}, true, 0}),
                        "the key's teeEnforced authorization list has allApplications");
    check_android_error(description({{}, true, std::nullopt}, k_tee_generated_sign),
                        "the key's softwareEnforced authorization list has allApplications");
    check_android_error(description({}, {{2}, false, 2}),
                        "origin is 2 in teeEnforced and softwareEnforced; it must be KM_ORIGIN_GENERATED (0)");
    check_android_error(description({}, {{2}, false, std::nullopt}),
                        "origin is absent in teeEnforced and softwareEnforced");
    check_android_error(description({}, {{0, 1}, false, 0}),
                        "purpose does not contain KM_PURPOSE_SIGN (2) in teeEnforced or softwareEnforced");
    // The union of both lists is the spec's default: software-enforced properties are accepted.
    CHECK(attestation_verify_android_key(description({{2}, false, 0}, {}).input()).has_value());
    CHECK(attestation_verify_android_key(description({{2}, false, std::nullopt}, {{}, false, 0}).input()).has_value());
  }

  TEST_CASE("a TEE-only policy is available and says which list held the properties") {
    const auto parsed = [](ListSpec software, ListSpec tee) {
      return value_or_throw(android_key_description_parse(key_description(Bytes(32, 1), software, tee)), "parse");
    };
    CHECK(android_key_check_authorizations(parsed({}, k_tee_generated_sign), KeyEnforcement::any) == KeyEnforcedBy::tee);
    CHECK(android_key_check_authorizations(parsed({{2}, false, 0}, {}), KeyEnforcement::any) ==
          KeyEnforcedBy::software);
    CHECK(android_key_check_authorizations(parsed({{2}, false, std::nullopt}, {{}, false, 0}), KeyEnforcement::any) ==
          KeyEnforcedBy::mixed);
    const auto tee_only = android_key_check_authorizations(parsed({{2}, false, 0}, {}), KeyEnforcement::tee_only);
    REQUIRE_FALSE(tee_only.has_value());
    CHECK(tee_only.error().message ==
          "android-key: origin is absent in teeEnforced (TEE keys only); it must be KM_ORIGIN_GENERATED (0)");
    CHECK(key_enforced_by_name(KeyEnforcedBy::tee) == "teeEnforced");
    CHECK(key_enforced_by_name(KeyEnforcedBy::software) == "softwareEnforced");
    CHECK(key_enforced_by_name(KeyEnforcedBy::mixed) == "mixed");
    CHECK(security_level_name(1) == "TrustedEnvironment");
    CHECK(security_level_name(2) == "StrongBox");
    CHECK(security_level_name(7) == "7");
  }

  TEST_CASE("malformed KeyDescriptions are rejected by field, never read past their end") {
    const Bytes challenge(32, 0x5a);
    const Bytes good = key_description(challenge);
    REQUIRE(android_key_description_parse(good).has_value());
    for (std::size_t length = 0; length < good.size(); ++length) {
      CAPTURE(length);
      CHECK_FALSE(android_key_description_parse(ByteView(good).first(length)).has_value());
    }
    Bytes trailing = good;
    trailing.push_back(0x00);
    CHECK(android_key_description_parse(trailing).error().message == "KeyDescription: 1 bytes follow the SEQUENCE");

    const auto error_of = [](const Bytes& der) {
      const auto parsed = android_key_description_parse(der);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().category == ErrorCategory::rejected);
      return parsed.error().message;
    };
    const Bytes empty_list = der_sequence({});
    const auto fields = [&](Bytes version, Bytes level, Bytes challenge_field, Bytes tee) {
      return der_sequence({version, level, der_integer(3), der_enumerated(1), challenge_field, der_octets({}),
                           empty_list, tee});
    };
    CHECK(error_of(fields(der_enumerated(4), der_enumerated(1), der_octets(challenge), empty_list))
              .find("attestationVersion has tag class 0 number 10; expected universal 2") != std::string::npos);
    CHECK(error_of(fields(der_integer(4), der_integer(1), der_octets(challenge), empty_list))
              .find("attestationSecurityLevel has tag class 0 number 2") != std::string::npos);
    CHECK(error_of(fields(der_integer(4), der_enumerated(1), der_utf8("challenge"), empty_list))
              .find("attestationChallenge has tag class 0 number 12") != std::string::npos);
    CHECK(error_of(fields(Bytes{0x02, 0x02, 0x00, 0x01}, der_enumerated(1), der_octets(challenge), empty_list))
              .find("attestationVersion is an INTEGER that is not minimally encoded") != std::string::npos);
    CHECK(error_of(fields(Bytes{0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9}, der_enumerated(1), der_octets(challenge),
                          empty_list))
              .find("at most 8 fit") != std::string::npos);
    // Lengths: indefinite, non-minimal long form, longer than what remains.
    CHECK(error_of(Bytes{0x30, 0x80, 0x00, 0x00}).find("indefinite length") != std::string::npos);
    CHECK(error_of(Bytes{0x30, 0x81, 0x05, 1, 2, 3, 4, 5}).find("is not minimal") != std::string::npos);
    CHECK(error_of(Bytes{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}).find("claims 4294967295 bytes but 0 remain") !=
          std::string::npos);
    CHECK(error_of(Bytes{0x30, 0x85, 1, 1, 1, 1, 1}).find("takes 5 bytes") != std::string::npos);
    // Authorization lists: a member twice, a purpose that is not a SET, a non-context member.
    const Bytes purpose = der_explicit(1, der_set({der_integer(2)}));
    CHECK(error_of(fields(der_integer(4), der_enumerated(1), der_octets(challenge), der_sequence({purpose, purpose})))
              .find("teeEnforced lists purpose twice") != std::string::npos);
    CHECK(error_of(fields(der_integer(4), der_enumerated(1), der_octets(challenge),
                          der_sequence({der_explicit(1, der_integer(2))})))
              .find("teeEnforced purpose is not a SET OF INTEGER") != std::string::npos);
    CHECK(error_of(fields(der_integer(4), der_enumerated(1), der_octets(challenge), der_sequence({der_integer(2)})))
              .find("teeEnforced has a member that is not context-tagged") != std::string::npos);
    CHECK(error_of(fields(der_integer(4), der_enumerated(1), der_octets(challenge),
                          der_sequence({der_explicit(702, der_null())})))
              .find("teeEnforced origin is not an INTEGER") != std::string::npos);
    CHECK(error_of(fields(der_integer(4), der_enumerated(1), der_octets(challenge),
                          der_sequence({der_explicit(600, der_integer(1))})))
              .find("teeEnforced allApplications is not NULL") != std::string::npos);
    // A high tag number with a leading 0x80 digit is not DER.
    CHECK(error_of(fields(der_integer(4), der_enumerated(1), der_octets(challenge),
                          der_tlv({0x30}, Bytes{0xbf, 0x80, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00})))
              .find("is not minimal") != std::string::npos);
  }

  TEST_CASE("the statement's syntax is checked by member") {
    const auto good = android_key_registration();
    const auto& stmt = good.object.att_stmt_cbor;
    for (const auto* member : {"alg", "sig", "x5c"}) {
      CAPTURE(member);
      check_android_error(with_att_stmt(good, att_stmt_with(stmt, member, {})),
                          std::string("attStmt has no \"") + member + "\"");
    }
    check_android_error(with_att_stmt(good, att_stmt_with(stmt, "ecdaaKeyId", cbor_bytes(Bytes(4, 1)))), "ECDAA");
    check_android_error(with_att_stmt(good, att_stmt_with(stmt, "ver", cbor_text("2.0"))),
                        "attStmt has the unexpected key \"ver\"");
    check_android_error(with_att_stmt(good, att_stmt_with(stmt, "x5c", cbor_x5c({Bytes{0x30}}))),
                        "android-key x5c[0] is not a DER X.509 certificate");
  }
}
