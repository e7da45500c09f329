#include "webauthn/registration_verify.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "unit/webauthn/attestation_fixtures.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

// One registration that verifies as built, with what is known about it; every mutation test below
// starts from a fresh Case and changes one thing.
struct Case {
  std::string name;
  RegistrationResponse response;
  RegistrationExpectation expected;
  std::string fmt;
  std::string attestation_type;
  TrustStatus trust = TrustStatus::none;
  bool okp_key = false;            // Ed25519 credential: a flipped key bit may still decode
  bool cert_has_aaguid = false;    // x5c[0] carries id-fido-gen-ce-aaguid
  bool certificate_expired = false;
  std::vector<X509Ptr> wrong_anchors;  // a root that did not issue this chain
};

std::vector<X509Ptr> wrong_root_for(const std::string& anchor_file) {
  return load_anchor(anchor_file == "w3c_attestation_ca.pem" ? "yubico_u2f_root_ca_457200631.pem"
                                                             : "w3c_attestation_ca.pem");
}

Case vector_case(const std::string& name) {
  const auto vector = load_registration_vector(name);
  Case c;
  c.name = name;
  c.response = vector.response;
  c.expected = expectation_for(vector);
  c.fmt = vector.fmt;
  c.attestation_type = vector.attestation_type;
  c.trust = vector.trust == "trusted" ? TrustStatus::trusted : TrustStatus::none;
  c.okp_key = name == "w3c_packed_eddsa";
  c.cert_has_aaguid = name == "pywebauthn_yubikey_packed";
  c.certificate_expired = vector.certificate_expired;
  if (!vector.anchor_files.empty()) c.wrong_anchors = wrong_root_for(vector.anchor_files.front());
  return c;
}

const TestCa& generated_root() {
  static const TestCa root = make_ca("acctsec registration test root");
  return root;
}
const TestCa& generated_intermediate() {
  static const TestCa intermediate = make_ca("acctsec registration test intermediate", &generated_root());
  return intermediate;
}

RegistrationExpectation generated_expectation(bool with_anchor) {
  const RegistrationOptions options;
  RegistrationExpectation expected;
  expected.challenge = options.challenge;
  expected.origin = options.origin;
  expected.rp_id = options.rp_id;
  if (with_anchor) expected.trust_anchors = anchors_of(generated_root().cert.get());
  return expected;
}

// Generated in-test: a packed statement from a root -> intermediate -> attestation chain whose
// certificate carries the AAGUID extension (the published packed vectors mostly do not).
Case generated_packed_case() {
  CertificateSpec spec;
  spec.aaguid = Bytes(16, 0x42);
  Attester attester = make_attester(generated_intermediate(), spec);
  attester.x5c.push_back(certificate_der(generated_intermediate().cert.get()));
  Case c;
  c.name = "generated packed with x5c chain";
  c.response = make_packed_registration(make_credential(k_cose_alg_es256), attester);
  c.expected = generated_expectation(true);
  c.fmt = "packed";
  c.attestation_type = "basic";
  c.trust = TrustStatus::trusted;
  c.cert_has_aaguid = true;
  c.wrong_anchors = load_anchor("w3c_attestation_ca.pem");
  return c;
}

Case generated_u2f_case() {
  Case c;
  c.name = "generated fido-u2f";
  c.response = make_fido_u2f_registration(make_credential(k_cose_alg_es256), make_attester(generated_root(), {}));
  c.expected = generated_expectation(true);
  c.fmt = "fido-u2f";
  c.attestation_type = "basic";
  c.trust = TrustStatus::trusted;
  c.wrong_anchors = load_anchor("w3c_attestation_ca.pem");
  return c;
}

std::vector<std::function<Case()>> all_cases() {
  std::vector<std::function<Case()>> out;
  for (const auto& name : registration_vector_names()) out.emplace_back([name] { return vector_case(name); });
  out.emplace_back(generated_packed_case);
  out.emplace_back(generated_u2f_case);
  return out;
}

bool signs_auth_data(const Case& c) {
  return c.fmt != "none";
}

// What a broken attestation signature (or Apple's nonce) is reported as.
std::string_view statement_failure(const Case& c) {
  return c.fmt == "apple" ? "nonce in the credential certificate" : "signature does not verify";
}

// Rewrites attStmt with one bit of "sig" flipped; other entries are copied verbatim.
void flip_statement_signature(RegistrationResponse& response) {
  const auto object = value_or_throw(attestation_object_decode(response.attestation_object), "object");
  cbor::Reader reader(object.att_stmt_cbor);
  const auto entries = value_or_throw(reader.read_map(), "attStmt");
  cbor::Writer w;
  w.map(entries.size());
  for (const auto& entry : entries) {
    const auto& key = std::get<std::string>(entry.key);
    w.text(key);
    if (key == "sig") {
      Bytes sig = value_or_throw(cbor::Reader(entry.value).read_bytes(), "sig");
      sig[sig.size() / 2] ^= 0x01;
      w.bytes(sig);
    } else {
      w.raw(entry.value);
    }
  }
  replace_statement(response, w.take());
}

Bytes auth_data_of(const RegistrationResponse& response) {
  return value_or_throw(attestation_object_decode(response.attestation_object), "object").auth_data;
}

void flip_auth_data_bit(RegistrationResponse& response, std::size_t offset) {
  Bytes auth_data = auth_data_of(response);
  auth_data.at(offset) ^= 0x01;
  replace_auth_data(response, auth_data);
}

void check_rejected_for(const RegistrationVerdict& verdict, std::string_view reason) {
  CHECK_FALSE(verdict.verified);
  CHECK_MESSAGE(mentions(verdict.reasons, reason), "expected a reason mentioning \"", std::string(reason),
                "\"; got:\n", joined(verdict.reasons));
}

AuthenticatorMetadata metadata_with_roots(std::vector<X509Ptr> roots) {
  AuthenticatorMetadata metadata;
  metadata.description = "W3C test vector authenticator";
  metadata.statuses = {"FIDO_CERTIFIED_L1"};
  metadata.latest_status = "FIDO_CERTIFIED_L1";
  metadata.certification_level = 1;
  metadata.attestation_roots = std::move(roots);
  metadata.blob_number = 42;
  return metadata;
}

}  // namespace

TEST_SUITE("webauthn::registration_verify") {
  TEST_CASE("every published and generated registration verifies with its trust anchor at its time") {
    for (const auto& make : all_cases()) {
      const Case c = make();
      CAPTURE(c.name);
      const auto verdict = registration_verify(c.response, c.expected);
      CHECK_MESSAGE(verdict.verified, joined(verdict.reasons));
      CHECK(verdict.reasons.empty());
      CHECK(verdict.fmt == c.fmt);
      CHECK(verdict.attestation_type == c.attestation_type);
      CHECK(verdict.trust.status == c.trust);
      CHECK(verdict.credential_id == c.response.credential_id);
      CHECK(verdict.aaguid.size() == 16);
      CHECK_FALSE(verdict.public_key_cose.empty());
      CHECK(verdict.public_key_alg != 0);
      CHECK(verdict.user_present);
      if (c.trust == TrustStatus::trusted) {
        CHECK(verdict.attestation_subjects.size() >= 1);
        CHECK(verdict.trust.path.size() >= 2);  // attestation certificate .. anchor
      } else {
        CHECK(verdict.attestation_subjects.empty());
      }
    }
  }

  TEST_CASE("the published vectors report what their sources say") {
    const auto packed = registration_verify(vector_case("w3c_packed_es256").response,
                                            vector_case("w3c_packed_es256").expected);
    CHECK(hex_encode(packed.aaguid) == "876ca4f52071c3e9b25509ef2cdf7ed6");
    CHECK(packed.attestation_subjects ==
          std::vector<std::string>{"C=AA,OU=Authenticator Attestation,O=W3C,CN=WebAuthn test vectors"});
    CHECK(packed.trust.path.back() == "C=AA,OU=Authenticator Attestation CA,O=W3C,CN=WebAuthn test vectors");
    CHECK(packed.flags == 0x4d);
    CHECK(packed.user_verified);
    CHECK(packed.backup_eligible);
    CHECK_FALSE(packed.backup_state);
    const Case yubikey = vector_case("pywebauthn_yubikey_packed");
    const auto real = registration_verify(yubikey.response, yubikey.expected);
    CHECK(real.sign_count == 52);
    CHECK(uuid_format(real.aaguid) == "6d44ba9b-f6ec-2e49-b930-0c8fe920cb73");
    CHECK(real.trust.path.back() == "CN=Yubico U2F Root CA Serial 457200631");
  }

  TEST_CASE("wrong challenge, origin or RP ID is rejected, naming the check") {
    for (const auto& make : all_cases()) {
      {
        Case c = make();
        CAPTURE(c.name);
        c.expected.challenge[0] ^= 0x01;
        check_rejected_for(registration_verify(c.response, c.expected), "clientData.challenge does not match");
      }
      {
        Case c = make();
        CAPTURE(c.name);
        c.expected.origin += ".evil";
        check_rejected_for(registration_verify(c.response, c.expected), "clientData.origin is");
      }
      {
        Case c = make();
        CAPTURE(c.name);
        c.expected.rp_id = "evil.example";
        check_rejected_for(registration_verify(c.response, c.expected),
                           "authenticatorData.rpIdHash is not the SHA-256 of the RP ID \"evil.example\"");
      }
    }
  }

  TEST_CASE("one flipped bit in the signature, authData, public key or clientDataJSON is rejected") {
    for (const auto& make : all_cases()) {
      // The attestation signature (packed, fido-u2f; apple and none carry none).
      if (Case c = make(); c.fmt == "packed" || c.fmt == "fido-u2f") {
        CAPTURE(c.name);
        flip_statement_signature(c.response);
        check_rejected_for(registration_verify(c.response, c.expected), "signature does not verify");
      }
      // authData: the counter for formats that sign all of it; fido-u2f signs the credential ID but
      // not the counter, so flip the ID there. "none" signs nothing: only the public key check below
      // and the clientData checks apply to it.
      if (Case c = make(); signs_auth_data(c)) {
        CAPTURE(c.name);
        flip_auth_data_bit(c.response, c.fmt == "fido-u2f" ? 55 + 1 : 36);
        check_rejected_for(registration_verify(c.response, c.expected), statement_failure(c));
      }
      // The credential public key is the last item of these authData: flip its last coordinate byte.
      {
        Case c = make();
        CAPTURE(c.name);
        flip_auth_data_bit(c.response, auth_data_of(c.response).size() - 1);
        const auto verdict = registration_verify(c.response, c.expected);
        CHECK_FALSE(verdict.verified);
        if (c.okp_key) {
          CHECK((mentions(verdict.reasons, "credential public key cannot be used") ||
                 mentions(verdict.reasons, "signature does not verify")));
        } else {
          CHECK_MESSAGE(mentions(verdict.reasons, "The credential public key cannot be used: COSE_Key: the point"),
                        joined(verdict.reasons));
        }
      }
      // clientDataJSON: "webauthn.create" -> "Webauthn.create".
      {
        Case c = make();
        CAPTURE(c.name);
        const auto at = c.response.client_data_json.find("webauthn.create");
        REQUIRE(at != std::string::npos);
        c.response.client_data_json[at] ^= 0x20;
        const auto verdict = registration_verify(c.response, c.expected);
        check_rejected_for(verdict, "clientData.type is \"Webauthn.create\"");
        if (signs_auth_data(c)) check_rejected_for(verdict, statement_failure(c));
      }
    }
  }

  TEST_CASE("an expired attestation certificate is rejected now and accepted at a time it was valid") {
    int expired_vectors = 0;
    for (const auto& make : all_cases()) {
      Case c = make();
      CAPTURE(c.name);
      c.expected.at.reset();  // now
      const auto now = registration_verify(c.response, c.expected);
      if (c.certificate_expired) {
        ++expired_vectors;
        check_rejected_for(now, "The attestation certificate path is not trusted: certificate has expired");
        CHECK(now.trust.status == TrustStatus::untrusted);
      } else {
        CHECK_MESSAGE(now.verified, joined(now.reasons));
      }
    }
    CHECK(expired_vectors >= 1);  // the Apple passkey's certificate lived three days in 2021
  }

  TEST_CASE("a chain to the wrong anchor is untrusted and rejected") {
    for (const auto& make : all_cases()) {
      Case c = make();
      if (c.trust != TrustStatus::trusted) continue;
      CAPTURE(c.name);
      c.expected.trust_anchors = std::move(c.wrong_anchors);
      const auto verdict = registration_verify(c.response, c.expected);
      check_rejected_for(verdict, "The attestation certificate path is not trusted: unable to get local issuer");
      CHECK(verdict.trust.status == TrustStatus::untrusted);
    }
  }

  TEST_CASE("an AAGUID in authData that differs from the certificate's extension is rejected") {
    int checked = 0;
    for (const auto& make : all_cases()) {
      Case c = make();
      if (!c.cert_has_aaguid) continue;
      CAPTURE(c.name);
      ++checked;
      flip_auth_data_bit(c.response, 37);  // first AAGUID byte
      check_rejected_for(registration_verify(c.response, c.expected), "id-fido-gen-ce-aaguid extension");
    }
    CHECK(checked == 2);
  }

  TEST_CASE("the AAGUID mismatch alone is reported when the statement is otherwise valid") {
    CertificateSpec spec;
    spec.aaguid = Bytes(16, 0x42);
    const Attester attester = make_attester(generated_root(), spec);
    auto credential = make_credential(k_cose_alg_es256);
    credential.aaguid = Bytes(16, 0x07);
    const auto verdict = registration_verify(make_packed_registration(credential, attester), generated_expectation(true));
    CHECK_FALSE(verdict.verified);
    REQUIRE(verdict.reasons.size() == 1);
    CHECK(verdict.reasons[0].find("differs from the AAGUID in authenticatorData (07070707-") != std::string::npos);
    CHECK(verdict.attestation_type.empty());
  }

  TEST_CASE("without anchors an x5c path is unverified: a warning, not a rejection") {
    for (const auto& make : all_cases()) {
      Case c = make();
      if (c.trust != TrustStatus::trusted) continue;
      CAPTURE(c.name);
      c.expected.trust_anchors.clear();
      const auto verdict = registration_verify(c.response, c.expected);
      CHECK_MESSAGE(verdict.verified, joined(verdict.reasons));
      CHECK(verdict.trust.status == TrustStatus::unverified);
      CHECK(mentions(verdict.warnings, "No trust anchor applies to this attestation"));
    }
  }

  TEST_CASE("self and none attestation have nothing to trust") {
    for (const auto* name : {"w3c_none_es256", "w3c_packed_self_es256"}) {
      Case c = vector_case(name);
      CAPTURE(name);
      c.expected.trust_anchors = load_anchor("w3c_attestation_ca.pem");
      const auto verdict = registration_verify(c.response, c.expected);
      CHECK(verdict.verified);
      CHECK(verdict.trust.status == TrustStatus::none);
      CHECK(verdict.warnings.empty());
    }
  }

  TEST_CASE("FIDO metadata roots become anchors for the AAGUID") {
    Case c = vector_case("w3c_packed_es256");
    c.expected.trust_anchors.clear();
    Bytes asked;
    c.expected.metadata = [&asked](ByteView aaguid) -> std::optional<AuthenticatorMetadata> {
      asked.assign(aaguid.begin(), aaguid.end());
      return metadata_with_roots(load_anchor("w3c_attestation_ca.pem"));
    };
    const auto verdict = registration_verify(c.response, c.expected);
    CHECK_MESSAGE(verdict.verified, joined(verdict.reasons));
    CHECK(hex_encode(asked) == "876ca4f52071c3e9b25509ef2cdf7ed6");
    CHECK(verdict.trust.status == TrustStatus::trusted);
    REQUIRE(verdict.metadata.has_value());
    CHECK(verdict.metadata->description == "W3C test vector authenticator");
    CHECK(verdict.warnings.empty());
  }

  TEST_CASE("metadata roots that did not issue the chain make it untrusted") {
    Case c = vector_case("w3c_packed_es256");
    c.expected.trust_anchors.clear();
    c.expected.metadata = [](ByteView) -> std::optional<AuthenticatorMetadata> {
      return metadata_with_roots(load_anchor("apple_webauthn_root_ca.pem"));
    };
    const auto verdict = registration_verify(c.response, c.expected);
    check_rejected_for(verdict, "The attestation certificate path is not trusted");
  }

  TEST_CASE("a refused metadata status rejects the registration, naming the status") {
    for (const auto* status : {"REVOKED", "ATTESTATION_KEY_COMPROMISE", "USER_VERIFICATION_BYPASS",
                               "USER_KEY_REMOTE_COMPROMISE", "USER_KEY_PHYSICAL_COMPROMISE"}) {
      for (const auto* name : {"w3c_packed_es256", "w3c_none_es256"}) {
        CAPTURE(status);
        CAPTURE(name);
        Case c = vector_case(name);
        c.expected.metadata = [status](ByteView) -> std::optional<AuthenticatorMetadata> {
          auto metadata = metadata_with_roots(load_anchor("w3c_attestation_ca.pem"));
          metadata.statuses.push_back(status);
          metadata.latest_status = status;
          return metadata;
        };
        const auto verdict = registration_verify(c.response, c.expected);
        check_rejected_for(verdict, std::string("FIDO metadata reports status ") + status);
      }
    }
  }

  TEST_CASE("a stale BLOB and an unknown AAGUID are warnings") {
    Case stale = vector_case("w3c_packed_es256");
    stale.expected.metadata = [](ByteView) -> std::optional<AuthenticatorMetadata> {
      auto metadata = metadata_with_roots(load_anchor("w3c_attestation_ca.pem"));
      metadata.stale = true;
      return metadata;
    };
    const auto stale_verdict = registration_verify(stale.response, stale.expected);
    CHECK(stale_verdict.verified);
    CHECK(mentions(stale_verdict.warnings, "BLOB (no. 42) is past its nextUpdate"));

    Case unknown = vector_case("w3c_packed_es256");
    unknown.expected.trust_anchors.clear();
    unknown.expected.metadata = [](ByteView) -> std::optional<AuthenticatorMetadata> { return std::nullopt; };
    const auto unknown_verdict = registration_verify(unknown.response, unknown.expected);
    CHECK(unknown_verdict.verified);
    CHECK(unknown_verdict.trust.status == TrustStatus::unverified);
    CHECK(mentions(unknown_verdict.warnings, "FIDO metadata has no entry for AAGUID 876ca4f5-2071-c3e9-b255-09ef2cdf7ed6"));
    CHECK_FALSE(unknown_verdict.metadata.has_value());
  }

  TEST_CASE("the authenticator data flags are checked") {
    const auto credential = make_credential(k_cose_alg_es256);
    RegistrationOptions no_up;
    no_up.flags = 0;
    check_rejected_for(registration_verify(make_registration(credential, no_up), generated_expectation(false)),
                       "did not report user presence");
    auto uv_required = generated_expectation(false);
    uv_required.require_user_verification = true;
    check_rejected_for(registration_verify(make_registration(credential, {}), uv_required),
                       "User verification was required but the UV flag is clear");
    RegistrationOptions with_uv;
    with_uv.flags = k_flag_user_present | k_flag_user_verified;
    CHECK(registration_verify(make_registration(credential, with_uv), uv_required).verified);
    RegistrationOptions bs_only;
    bs_only.flags = k_flag_user_present | k_flag_backup_state;
    check_rejected_for(registration_verify(make_registration(credential, bs_only), generated_expectation(false)),
                       "BS (backup state) flag is set without the BE");
  }

  TEST_CASE("authData without attested credential data is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    auto response = make_registration(credential, {});
    replace_auth_data(response, make_auth_data("example.com", k_flag_user_present, 0));
    check_rejected_for(registration_verify(response, generated_expectation(false)),
                       "no attested credential data (the AT flag is clear)");
  }

  TEST_CASE("a cross-origin registration is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    RegistrationOptions options;
    options.attestation = Attestation::none;
    auto response = make_registration(credential, options);
    response.client_data_json.insert(response.client_data_json.size() - 1, ",\"crossOrigin\":true");
    response.client_data_json.erase(response.client_data_json.find("\"crossOrigin\":false,"),
                                    std::string("\"crossOrigin\":false,").size());
    check_rejected_for(registration_verify(response, generated_expectation(false)), "clientData.crossOrigin is true");
  }

  TEST_CASE("an assertion's clientData type is rejected") {
    const auto credential = make_credential(k_cose_alg_es256);
    RegistrationOptions options;
    options.attestation = Attestation::none;
    auto response = make_registration(credential, options);
    response.client_data_json = client_data_json(CeremonyType::get, options.challenge, options.origin);
    check_rejected_for(registration_verify(response, generated_expectation(false)),
                       "clientData.type is \"webauthn.get\"; a registration needs \"webauthn.create\"");
  }

  TEST_CASE("RS1 is refused as a credential algorithm (it is for legacy attestation signatures only)") {
    SoftCredential credential;
    credential.alg = k_cose_alg_rs1;
    credential.key = generate_key(k_cose_alg_rs256);
    credential.credential_id = random_bytes(16);
    credential.public_key_cose = value_or_throw(cose_key_encode_public_key(credential.key.get(), k_cose_alg_rs1), "RS1");
    const RegistrationOptions options;
    const Bytes auth_data = make_auth_data(options.rp_id, options.flags, 0, &credential);
    const auto response = registration_with_statement(credential, options, "none", none_statement_encode(), auth_data);
    const auto verdict = registration_verify(response, generated_expectation(false));
    check_rejected_for(verdict, "alg is RS1 (RSASSA-PKCS1-v1_5 with SHA-1)");
    CHECK(verdict.public_key_alg == k_cose_alg_rs1);
  }

  TEST_CASE("an unknown format and a non-empty none statement are rejected by name") {
    const auto credential = make_credential(k_cose_alg_es256);
    RegistrationOptions options;
    options.attestation = Attestation::none;
    auto response = make_registration(credential, options);
    const Bytes auth_data = auth_data_of(response);
    response.attestation_object = attestation_object_encode("tpm-next", none_statement_encode(), auth_data);
    check_rejected_for(registration_verify(response, generated_expectation(false)),
                       "attestation format \"tpm-next\" is not supported; acctsec verifies packed, tpm, android-key, "
                       "android-safetynet, fido-u2f, none, apple");
    cbor::Writer w;
    w.map(1), w.text("sig"), w.bytes(Bytes(4, 1));
    response.attestation_object = attestation_object_encode("none", w.data(), auth_data);
    check_rejected_for(registration_verify(response, generated_expectation(false)),
                       "none attestation: attStmt must be an empty map but has 1 entries (first key \"sig\")");
  }

  TEST_CASE("malformed input becomes reasons, never an exception") {
    RegistrationResponse empty;
    const auto verdict = registration_verify(empty, generated_expectation(false));
    CHECK_FALSE(verdict.verified);
    CHECK(mentions(verdict.reasons, "clientDataJSON cannot be checked"));
    CHECK(mentions(verdict.reasons, "attestationObject cannot be checked"));
    CHECK(verdict.aaguid.empty());

    auto response = make_registration(make_credential(k_cose_alg_es256), {});
    response.attestation_object.resize(response.attestation_object.size() / 2);
    CHECK(mentions(registration_verify(response, generated_expectation(false)).reasons,
                   "attestationObject cannot be checked"));
  }

  TEST_CASE("a response whose credential ID or authData disagrees with its attestation object is rejected") {
    auto response = make_registration(make_credential(k_cose_alg_es256), {});
    response.credential_id[0] ^= 0x01;
    check_rejected_for(registration_verify(response, generated_expectation(false)),
                       "credential ID differs from the one in the attested credential data");
    response = make_registration(make_credential(k_cose_alg_es256), {});
    response.authenticator_data[36] ^= 0x01;
    check_rejected_for(registration_verify(response, generated_expectation(false)),
                       "response.authenticatorData differs from the authData inside attestationObject");
  }
}

TEST_SUITE("webauthn::authenticator_metadata") {
  TEST_CASE("refused statuses are found in the reports, in BLOB order") {
    AuthenticatorMetadata metadata;
    CHECK_FALSE(metadata_refused_status(metadata).has_value());
    metadata.statuses = {"FIDO_CERTIFIED_L1", "UPDATE_AVAILABLE"};
    CHECK_FALSE(metadata_refused_status(metadata).has_value());
    metadata.statuses = {"FIDO_CERTIFIED", "USER_VERIFICATION_BYPASS", "REVOKED"};
    CHECK(metadata_refused_status(metadata) == "USER_VERIFICATION_BYPASS");
    metadata.statuses.clear();
    metadata.latest_status = "ATTESTATION_KEY_COMPROMISE";
    CHECK(metadata_refused_status(metadata) == "ATTESTATION_KEY_COMPROMISE");
  }
}

TEST_SUITE("webauthn::attestation_statement") {
  TEST_CASE("lists the formats in spec order and names every attestation type") {
    CHECK(attestation_formats() == std::vector<std::string>{"packed", "tpm", "android-key", "android-safetynet",
                                                             "fido-u2f", "none", "apple"});
    CHECK(attestation_type_name(AttestationType::none) == "none");
    CHECK(attestation_type_name(AttestationType::self) == "self");
    CHECK(attestation_type_name(AttestationType::basic) == "basic");
    CHECK(attestation_type_name(AttestationType::attca) == "attca");
    CHECK(attestation_type_name(AttestationType::anonca) == "anonca");
  }
}
