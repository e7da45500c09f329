#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include <functional>

#include "unit/webauthn/attestation_format_fixtures.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/registration_verify.hpp"
#include "webauthn/tpm_structures.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;
using namespace acctsec::webauthn::testing::formats;

namespace {

// ---- TPM marshalling, independent of lib's parser -------------------------------------------------

void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
void put32(Bytes& out, std::uint32_t value) {
  put16(out, static_cast<std::uint16_t>(value >> 16));
  put16(out, static_cast<std::uint16_t>(value));
}
void put64(Bytes& out, std::uint64_t value) {
  put32(out, static_cast<std::uint32_t>(value >> 32));
  put32(out, static_cast<std::uint32_t>(value));
}
void put_sized(Bytes& out, ByteView value) {
  put16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

Bytes bn_bytes(EVP_PKEY* key, const char* name, std::size_t pad_to = 0) {
  BIGNUM* raw = nullptr;
  require(EVP_PKEY_get_bn_param(key, name, &raw) == 1, "key parameter");
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(raw, &BN_free);
  const std::size_t size = pad_to ? pad_to : static_cast<std::size_t>(BN_num_bytes(bn.get()));
  Bytes out(size);
  require(BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) == static_cast<int>(size), "BN_bn2binpad");
  return out;
}

// In an ECC pubArea with a 32-byte authPolicy and NULL symmetric and scheme: type, nameAlg,
// objectAttributes, authPolicy, symmetric, scheme, then curveID.
constexpr std::size_t k_curve_id_low_byte = 2 + 2 + 4 + 2 + 32 + 2 + 2 + 1;

struct PubAreaSpec {
  std::uint16_t name_alg = tpm::k_alg_sha256;
  std::uint32_t attributes = 0x00060472;  // fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, sign, ...
  Bytes auth_policy = Bytes(32, 0x9d);
  std::uint32_t exponent = 0;  // 0: the default 65537
  std::uint16_t symmetric = tpm::k_alg_null;
  std::uint16_t scheme = tpm::k_alg_null;
};

// TPMT_PUBLIC for the credential key: RSA keyBits/exponent/unique.rsa or ECC curveID/kdf/x/y.
Bytes pub_area_for(EVP_PKEY* key, const PubAreaSpec& spec = {}) {
  Bytes out;
  const bool rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
  put16(out, rsa ? tpm::k_alg_rsa : tpm::k_alg_ecc);
  put16(out, spec.name_alg);
  put32(out, spec.attributes);
  put_sized(out, spec.auth_policy);
  put16(out, spec.symmetric);
  if (spec.symmetric != tpm::k_alg_null) put16(out, 128), put16(out, 0x0043);  // AES-128-CFB
  put16(out, spec.scheme);
  if (spec.scheme != tpm::k_alg_null) put16(out, tpm::k_alg_sha256);
  if (rsa) {
    const Bytes n = bn_bytes(key, OSSL_PKEY_PARAM_RSA_N);
    put16(out, static_cast<std::uint16_t>(n.size() * 8));
    put32(out, spec.exponent);
    put_sized(out, n);
  } else {
    const int bits = EVP_PKEY_get_bits(key);
    const std::size_t size = (static_cast<std::size_t>(bits) + 7) / 8;
    put16(out, bits == 256 ? tpm::k_ecc_nist_p256 : bits == 384 ? tpm::k_ecc_nist_p384 : tpm::k_ecc_nist_p521);
    put16(out, tpm::k_alg_null);  // kdf
    put_sized(out, bn_bytes(key, OSSL_PKEY_PARAM_EC_PUB_X, size));
    put_sized(out, bn_bytes(key, OSSL_PKEY_PARAM_EC_PUB_Y, size));
  }
  return out;
}

Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  require(EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) == 1, "EVP_Digest");
  return out;
}

Bytes name_of(std::uint16_t name_alg, ByteView pub_area) {
  const EVP_MD* md = name_alg == tpm::k_alg_sha1 ? EVP_sha1() : EVP_sha256();
  Bytes out;
  put16(out, name_alg);
  const Bytes hash = digest(md, pub_area);
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

// TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY.
Bytes cert_info_for(ByteView extra_data, ByteView name, std::uint32_t magic = tpm::k_generated_value,
                    std::uint16_t type = tpm::k_st_attest_certify) {
  Bytes out;
  put32(out, magic);
  put16(out, type);
  put_sized(out, Bytes(34, 0x22));  // qualifiedSigner
  put_sized(out, extra_data);
  put64(out, 0x1122334455);  // clock
  put32(out, 7);             // resetCount
  put32(out, 9);             // restartCount
  out.push_back(1);          // safe
  put64(out, 0x0102030405060708);
  put_sized(out, name);
  put_sized(out, Bytes(34, 0x33));  // qualifiedName
  return out;
}

// ---- the AIK certificate ----------------------------------------------------------------------------

Bytes rdn(std::string_view oid, std::string_view value) { return der_set({der_sequence({der_oid(oid), der_utf8(value)})}); }

Bytes san_directory_name(std::string_view manufacturer, std::string_view model, std::string_view version) {
  Bytes name;
  if (!manufacturer.empty()) name = der_cat({name, rdn("2.23.133.2.1", manufacturer)});
  if (!model.empty()) name = der_cat({name, rdn("2.23.133.2.2", model)});
  if (!version.empty()) name = der_cat({name, rdn("2.23.133.2.3", version)});
  return der_sequence({der_explicit(4, der_tlv({0x30}, name))});  // [4] directoryName
}

CertSpec aik_spec() {
  CertSpec spec;
  spec.subject = {};
  spec.extensions = {
      {"2.5.29.17", true, san_directory_name("id:FFFFF1D0", "acctsec test TPM", "id:13")},
      {"2.5.29.37", false, der_sequence({der_oid("2.23.133.8.3")})},
      basic_constraints(false),
  };
  return spec;
}

const Issuer& tpm_ca() {
  static const Issuer ca;
  return ca;
}

// ---- a generated tpm registration ---------------------------------------------------------------

struct TpmOptions {
  int credential_alg = k_cose_alg_rs256;
  int alg = k_cose_alg_rs256;  // of the statement; the AIK key is made for it
  PubAreaSpec pub_area;
  std::function<void(Bytes&)> edit_pub_area;  // applied after pubArea is built and named
  std::uint32_t magic = tpm::k_generated_value;
  std::uint16_t type = tpm::k_st_attest_certify;
  std::optional<std::uint16_t> name_alg_in_name;  // compute attested.name with another alg
  const EVP_MD* extra_data_md = nullptr;          // default: the statement alg's hash
  CertSpec aik = aik_spec();
  bool signed_by_other_key = false;
  std::string ver = "2.0";
};

PreparedInput tpm_registration(const TpmOptions& options = {}) {
  const SoftCredential credential = make_credential(options.credential_alg);
  const RegistrationOptions registration;
  const Bytes auth_data = make_auth_data(registration.rp_id, registration.flags, 0, &credential);
  const Bytes client_data_hash =
      sha256(as_bytes(client_data_json(CeremonyType::create, registration.challenge, registration.origin)));

  const CoseKey key = value_or_throw(cose_key_decode(credential.public_key_cose), "credential key");
  Bytes pub_area = pub_area_for(key.key.get(), options.pub_area);
  if (options.edit_pub_area) options.edit_pub_area(pub_area);
  Bytes to_be_signed = auth_data;
  to_be_signed.insert(to_be_signed.end(), client_data_hash.begin(), client_data_hash.end());
  const EVP_MD* md = options.extra_data_md ? options.extra_data_md
                     : options.alg == k_cose_alg_es384 ? EVP_sha384()
                                                       : EVP_sha256();
  const Bytes cert_info =
      cert_info_for(digest(md, to_be_signed), name_of(options.name_alg_in_name.value_or(options.pub_area.name_alg), pub_area),
                    options.magic, options.type);

  const bool rsa = options.alg == k_cose_alg_rs256 || options.alg == k_cose_alg_ps256;
  const EvpPkeyPtr aik_key = rsa ? generate_rsa_key(2) : generate_key(options.alg);
  const Bytes aik = tpm_ca().issue(options.aik, aik_key.get());
  const EvpPkeyPtr signer = options.signed_by_other_key ? (rsa ? generate_rsa_key(3) : generate_key(options.alg))
                                                        : nullptr;
  const Bytes sig = sign(signer ? signer.get() : aik_key.get(), options.alg, cert_info);

  cbor::Writer w;
  w.map(6);
  w.text("ver"), w.text(options.ver);
  w.text("alg"), w.integer(options.alg);
  w.text("x5c"), w.raw(cbor_x5c({aik, tpm_ca().der}));
  w.text("sig"), w.bytes(sig);
  w.text("certInfo"), w.bytes(cert_info);
  w.text("pubArea"), w.bytes(pub_area);
  return prepare("tpm", w.data(), auth_data, client_data_hash);
}

std::string tpm_error(const PreparedInput& prepared) {
  const auto result = attestation_verify_tpm(prepared.input());
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == ErrorCategory::rejected);
  CHECK(result.error().message.starts_with("tpm: "));
  return result.error().message;
}

void check_tpm_error(const PreparedInput& prepared, std::string_view expected) {
  const std::string message = tpm_error(prepared);
  CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
}

const char* const k_tpm_vectors[] = {"tpm_surface_pro_4_intel_rs1", "tpm_fido_conformance_rs256"};

}  // namespace

TEST_SUITE("webauthn::tpm") {
  TEST_CASE("verifies the published TPM registrations as AttCA with the AIK chain as trust path") {
    for (const auto* name : k_tpm_vectors) {
      CAPTURE(name);
      const auto vector = load_format_vector(name);
      const auto input = vector.prepared();
      const auto result = attestation_verify_tpm(input.input());
      REQUIRE_MESSAGE(result.has_value(), result.error().message);
      CHECK(result->type == AttestationType::attca);
      REQUIRE(result->trust_path.size() == 2);
      CHECK(certificate_subject(result->trust_path[0].get()).empty());  // the AIK's subject is empty
      // The chain's own links hold (the Microsoft / FIDO roots are not among the vectors).
      CHECK(certificate_chain_verify(result->trust_path, {}, vector.at).status == TrustStatus::unverified);
      // The dispatcher routes "tpm" here.
      CHECK(attestation_statement_verify(input.input()).has_value());
    }
  }

  TEST_CASE("the Surface Pro 4 vector is signed RS1 (SHA-1), and its AIK names Intel in the SAN") {
    const auto input = load_format_vector("tpm_surface_pro_4_intel_rs1").prepared();
    cbor::Reader reader(input.object.att_stmt_cbor);
    const auto entries = value_or_throw(reader.read_map(), "attStmt");
    for (const auto& entry : entries) {
      if (std::get<std::string>(entry.key) == "alg") CHECK(*cbor::Reader(entry.value).read_int() == k_cose_alg_rs1);
    }
    const auto pub_area = tpm::public_area_parse(att_stmt_bytes(input.object.att_stmt_cbor, "pubArea"));
    REQUIRE(pub_area.has_value());
    CHECK(pub_area->type == tpm::k_alg_rsa);
    CHECK(pub_area->name_alg == tpm::k_alg_sha256);
    CHECK(pub_area->rsa_key_bits == 2048);
    CHECK(pub_area->rsa_exponent == 0);
    const auto cert_info = tpm::attest_parse(att_stmt_bytes(input.object.att_stmt_cbor, "certInfo"));
    REQUIRE(cert_info.has_value());
    CHECK(cert_info->extra_data.size() == 20);  // SHA-1
    CHECK(cert_info->attested_name.size() == 34);
  }

  TEST_CASE("the published registrations pass the whole ceremony at their verification time") {
    for (const auto* name : k_tpm_vectors) {
      CAPTURE(name);
      const auto vector = load_format_vector(name);
      RegistrationResponse response;
      response.client_data_json = vector.client_data_json;
      response.attestation_object = vector.attestation_object;
      response.credential_id = b64url(vector.json.at("credentialId"));
      RegistrationExpectation expected;
      expected.challenge = b64url(vector.json.at("challenge"));
      expected.origin = vector.json.at("origin").get<std::string>();
      expected.rp_id = vector.json.at("rpId").get<std::string>();
      expected.at = vector.at;
      const auto verdict = registration_verify(response, expected);
      CHECK_MESSAGE(verdict.verified, (verdict.reasons.empty() ? "" : verdict.reasons.front()));
      CHECK(verdict.fmt == "tpm");
      CHECK(verdict.attestation_type == "attca");
      CHECK(verdict.trust.status == TrustStatus::unverified);
      CHECK(hex_encode(verdict.aaguid) == vector.json.at("expected").at("aaguid").get<std::string>());
    }
  }

  TEST_CASE("published vectors: a flipped bit in the signature, authData, clientDataJSON or key is rejected") {
    for (const auto* name : k_tpm_vectors) {
      CAPTURE(name);
      const auto vector = load_format_vector(name);
      const auto good = vector.prepared();

      Bytes sig = att_stmt_bytes(good.object.att_stmt_cbor, "sig");
      sig[sig.size() / 2] ^= 0x01;
      check_tpm_error(with_att_stmt(good, att_stmt_with(good.object.att_stmt_cbor, "sig", cbor_bytes(sig))),
                      "signature over certInfo does not verify with the AIK certificate's key");

      check_tpm_error(with_auth_data(good, flip_bit(good.object.auth_data, k_sign_count_offset + 3)),
                      "certInfo.extraData is not the");

      std::string client_data = vector.client_data_json;
      client_data[client_data.find("webauthn.create")] ^= 0x20;
      check_tpm_error(with_client_data_json(good, client_data), "certInfo.extraData is not the");

      // A bit inside the RSA modulus of the credential key: still a usable key, but not pubArea's.
      const std::size_t n_start = credential_key_offset(good) + 10;
      bool flipped = false;
      for (std::size_t i = 40; i < 200 && !flipped; ++i) {
        const Bytes auth_data = flip_bit(good.object.auth_data, n_start + i, 0x10);
        const auto data = authenticator_data_parse(auth_data);
        if (!data || !cose_key_decode(data->attested->public_key_cose)) continue;
        check_tpm_error(with_auth_data(good, auth_data), "pubArea's RSA modulus (unique.rsa) differs");
        flipped = true;
      }
      CHECK(flipped);

      // pubArea for another key than the credential's.
      Bytes pub_area = att_stmt_bytes(good.object.att_stmt_cbor, "pubArea");
      pub_area[pub_area.size() - 100] ^= 0x01;
      check_tpm_error(with_att_stmt(good, att_stmt_with(good.object.att_stmt_cbor, "pubArea", cbor_bytes(pub_area))),
                      "pubArea's RSA modulus (unique.rsa) differs from the credential public key's n");

      // certInfo tampered after signing: the name no longer matches, then the signature would not.
      Bytes cert_info = att_stmt_bytes(good.object.att_stmt_cbor, "certInfo");
      cert_info[cert_info.size() - 40] ^= 0x01;
      const auto message = tpm_error(
          with_att_stmt(good, att_stmt_with(good.object.att_stmt_cbor, "certInfo", cbor_bytes(cert_info))));
      CHECK_MESSAGE((message.find("certInfo.attested.name is not the Name of pubArea") != std::string::npos ||
                     message.find("signature over certInfo does not verify") != std::string::npos),
                    message);
    }
  }

  TEST_CASE("verifies generated statements: RSA and ECC keys, RS256, PS256, ES256 and ES384 AIKs") {
    struct Combination {
      int credential_alg;
      int alg;
    };
    for (const auto [credential_alg, alg] :
         {Combination{k_cose_alg_rs256, k_cose_alg_rs256}, Combination{k_cose_alg_es256, k_cose_alg_es256},
          Combination{k_cose_alg_es384, k_cose_alg_rs256}, Combination{k_cose_alg_rs256, k_cose_alg_ps256},
          Combination{k_cose_alg_es256, k_cose_alg_es384}}) {
      CAPTURE(credential_alg);
      CAPTURE(alg);
      TpmOptions options;
      options.credential_alg = credential_alg;
      options.alg = alg;
      const auto result = attestation_verify_tpm(tpm_registration(options).input());
      REQUIRE_MESSAGE(result.has_value(), result.error().message);
      CHECK(result->type == AttestationType::attca);
      CHECK(result->trust_path.size() == 2);
    }
  }

  TEST_CASE("pubArea may carry symmetric and scheme details, an explicit exponent and a SHA-1 nameAlg") {
    TpmOptions options;
    options.pub_area.symmetric = 0x0006;  // AES
    options.pub_area.scheme = 0x0014;     // RSASSA with a hashAlg
    options.pub_area.exponent = 65537;
    options.pub_area.name_alg = tpm::k_alg_sha1;
    const auto result = attestation_verify_tpm(tpm_registration(options).input());
    CHECK_MESSAGE(result.has_value(), (result ? "" : result.error().message));
    TpmOptions ecdsa;
    ecdsa.credential_alg = k_cose_alg_es256;
    ecdsa.pub_area.scheme = 0x0018;  // ECDSA with a hashAlg
    CHECK(attestation_verify_tpm(tpm_registration(ecdsa).input()).has_value());
  }

  TEST_CASE("pubArea must hold the credential public key") {
    TpmOptions other_exponent;
    other_exponent.pub_area.exponent = 3;
    check_tpm_error(tpm_registration(other_exponent), "pubArea's RSA exponent (3) differs from the credential public key's e");

    TpmOptions other_point;
    other_point.credential_alg = k_cose_alg_es256;
    other_point.edit_pub_area = [](Bytes& area) { area[area.size() - 1] ^= 0x01; };
    check_tpm_error(tpm_registration(other_point),
                    "pubArea's ECC point (unique.ecc x, y) differs from the credential public key's x, y");

    // An ECC pubArea for an RSA credential: build with an EC key, then attest the RSA credential.
    TpmOptions rsa;
    const EvpPkeyPtr ec = generate_key(k_cose_alg_es256);
    rsa.edit_pub_area = [&ec](Bytes& area) { area = pub_area_for(ec.get()); };
    check_tpm_error(tpm_registration(rsa), "pubArea holds an ECC key but the credential public key is not EC2");

    TpmOptions curve;
    curve.credential_alg = k_cose_alg_es256;
    curve.edit_pub_area = [](Bytes& area) { area[k_curve_id_low_byte] = 0x04; };  // curveID -> P-384
    check_tpm_error(tpm_registration(curve), "pubArea's curve (COSE crv 2) differs from the credential public key's crv 1");

    TpmOptions unknown_curve;
    unknown_curve.credential_alg = k_cose_alg_es256;
    unknown_curve.edit_pub_area = [](Bytes& area) { area[k_curve_id_low_byte] = 0x10; };  // BN P-256
    check_tpm_error(tpm_registration(unknown_curve), "pubArea's curveID 0x0010 is not NIST P-256, P-384 or P-521");
  }

  TEST_CASE("certInfo must be a TPM-generated certification of exactly this pubArea and attToBeSigned") {
    TpmOptions magic;
    magic.magic = 0x12345678;
    check_tpm_error(tpm_registration(magic), "certInfo: magic is 0x12345678, not TPM_GENERATED_VALUE (0xff544347)");
    TpmOptions quote;
    quote.type = 0x8018;
    check_tpm_error(tpm_registration(quote), "certInfo: type is 0x8018, not TPM_ST_ATTEST_CERTIFY (0x8017)");
    TpmOptions sha1_extra;
    sha1_extra.extra_data_md = EVP_sha1();
    check_tpm_error(tpm_registration(sha1_extra),
                    "certInfo.extraData is not the SHA-256 of authenticatorData and the clientDataJSON hash");
    TpmOptions name;
    name.name_alg_in_name = tpm::k_alg_sha1;
    check_tpm_error(tpm_registration(name),
                    "certInfo.attested.name is not the Name of pubArea (nameAlg TPM_ALG_SHA256 || hash of pubArea)");
    TpmOptions signer;
    signer.signed_by_other_key = true;
    check_tpm_error(tpm_registration(signer), "the RS256 signature over certInfo does not verify with the AIK certificate's key");
  }

  TEST_CASE("every §8.3.1 AIK certificate requirement is enforced, naming it") {
    struct Defect {
      const char* name;
      std::function<void(CertSpec&)> apply;
      const char* message;
    };
    const auto replace = [](const char* oid, ExtensionSpec extension) {
      return [oid, extension](CertSpec& spec) {
        std::erase_if(spec.extensions, [oid](const ExtensionSpec& e) { return e.oid == oid; });
        if (!extension.oid.empty()) spec.extensions.push_back(extension);
      };
    };
    const std::vector<Defect> defects{
        {"version 1", [](CertSpec& s) { s.version = 1; }, "the AIK certificate is X.509 version 1; §8.3.1 requires version 3"},
        {"a subject", [](CertSpec& s) { s.subject = {{"CN", "aik"}}; },
         "the AIK certificate's subject must be empty but is \"CN=aik\""},
        {"no SAN", replace("2.5.29.17", {}), "the AIK certificate has no Subject Alternative Name extension (2.5.29.17)"},
        {"SAN not critical", replace("2.5.29.17", {"2.5.29.17", false, san_directory_name("id:FFFFF1D0", "m", "v")}),
         "Subject Alternative Name extension is not critical"},
        {"SAN without directoryName",
         replace("2.5.29.17", {"2.5.29.17", true, der_sequence({der_tlv({0x82}, as_bytes("tpm.example"))})}),
         "Subject Alternative Name has no directoryName with the TPM manufacturer, model and version"},
        {"SAN not DER", replace("2.5.29.17", {"2.5.29.17", true, Bytes{0x30, 0x05, 0x01}}),
         "Subject Alternative Name extension is not a DER GeneralNames"},
        {"no manufacturer", replace("2.5.29.17", {"2.5.29.17", true, san_directory_name("", "m", "v")}),
         "has no TPM manufacturer (2.23.133.2.1)"},
        {"manufacturer not a vendor ID", replace("2.5.29.17", {"2.5.29.17", true, san_directory_name("INTC", "m", "v")}),
         "TPM manufacturer \"INTC\" is not \"id:\" and an 8-hex-digit TCG vendor ID"},
        {"no model", replace("2.5.29.17", {"2.5.29.17", true, san_directory_name("id:494E5443", "", "v")}),
         "has no TPM model (2.23.133.2.2)"},
        {"no version", replace("2.5.29.17", {"2.5.29.17", true, san_directory_name("id:494E5443", "m", "")}),
         "has no TPM version (2.23.133.2.3)"},
        {"no EKU", replace("2.5.29.37", {}), "has no Extended Key Usage extension (2.5.29.37)"},
        {"other EKU", replace("2.5.29.37", {"2.5.29.37", false, der_sequence({der_oid("1.3.6.1.5.5.7.3.1")})}),
         "Extended Key Usage lacks tcg-kp-AIKCertificate (2.23.133.8.3)"},
        {"no basic constraints", replace("2.5.29.19", {}), "has no basic constraints extension; it must say cA false"},
        {"a CA", replace("2.5.29.19", basic_constraints(true)), "basic constraints say it is a CA"},
        {"other AAGUID", replace("1.3.6.1.4.1.45724.1.1.4", {"1.3.6.1.4.1.45724.1.1.4", false, der_octets(Bytes(16, 0x43))}),
         "differs from the AAGUID in authenticatorData"},
    };
    for (const auto& defect : defects) {
      CAPTURE(defect.name);
      TpmOptions options;
      defect.apply(options.aik);
      check_tpm_error(tpm_registration(options), defect.message);
    }
    // The matching AAGUID extension is accepted (soft credentials use 16 × 0x42).
    TpmOptions aaguid;
    aaguid.aik.extensions.push_back({"1.3.6.1.4.1.45724.1.1.4", false, der_octets(Bytes(16, 0x42))});
    CHECK(attestation_verify_tpm(tpm_registration(aaguid).input()).has_value());
    // Both spellings of the SAN directoryName (one RDN per attribute, or one RDN with all three).
    TpmOptions single_rdn;
    std::erase_if(single_rdn.aik.extensions, [](const ExtensionSpec& e) { return e.oid == "2.5.29.17"; });
    const Bytes rdn_all = der_set({der_sequence({der_oid("2.23.133.2.1"), der_utf8("id:494E5443")}),
                                   der_sequence({der_oid("2.23.133.2.2"), der_utf8("model")}),
                                   der_sequence({der_oid("2.23.133.2.3"), der_utf8("id:01")})});
    single_rdn.aik.extensions.push_back(
        {"2.5.29.17", true, der_sequence({der_explicit(4, der_sequence({rdn_all}))})});
    CHECK(attestation_verify_tpm(tpm_registration(single_rdn).input()).has_value());
  }

  TEST_CASE("the statement's syntax is checked by member") {
    const auto good = tpm_registration();
    const auto& stmt = good.object.att_stmt_cbor;
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "ver", cbor_text("1.2"))),
                    "ver is \"1.2\"; only TPM \"2.0\" is defined");
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "ecdaaKeyId", cbor_bytes(Bytes(16, 1)))),
                    "attStmt has ecdaaKeyId; ECDAA was removed from WebAuthn and is not supported");
    for (const auto* member : {"ver", "alg", "x5c", "sig", "certInfo", "pubArea"}) {
      CAPTURE(member);
      check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, member, {})),
                      std::string("attStmt has no \"") + member + "\"");
    }
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "extra", cbor_int(1))), "attStmt has the unexpected key \"extra\"");
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "alg", cbor_int(k_cose_alg_eddsa))),
                    "alg EdDSA has no hash for extraData");
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "x5c", cbor_x5c({}))), "attStmt \"x5c\" is empty");
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "x5c", cbor_x5c({Bytes{0x30, 0x00}}))),
                    "tpm x5c[0] is not a DER X.509 certificate");
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "sig", cbor_text("sig"))), "attStmt \"sig\" is not a byte string");
    check_tpm_error(with_att_stmt(good, att_stmt_with(stmt, "certInfo", cbor_bytes({}))), "attStmt \"certInfo\" is empty");
    check_tpm_error(with_att_stmt(good, Bytes{0x80}), "attStmt is a CBOR array, not a map");
  }

  TEST_CASE("every truncation of pubArea and certInfo, and a trailing byte, is rejected without a crash") {
    TpmOptions ecc;
    ecc.credential_alg = k_cose_alg_es256;
    ecc.alg = k_cose_alg_es256;
    const auto good = tpm_registration(ecc);
    for (const auto* member : {"pubArea", "certInfo"}) {
      CAPTURE(member);
      const Bytes value = att_stmt_bytes(good.object.att_stmt_cbor, member);
      for (std::size_t length = 1; length < value.size(); ++length) {
        CAPTURE(length);
        const Bytes cut(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(length));
        const auto prepared = with_att_stmt(good, att_stmt_with(good.object.att_stmt_cbor, member, cbor_bytes(cut)));
        CHECK_FALSE(attestation_verify_tpm(prepared.input()).has_value());
      }
      Bytes longer = value;
      longer.push_back(0x00);
      check_tpm_error(with_att_stmt(good, att_stmt_with(good.object.att_stmt_cbor, member, cbor_bytes(longer))),
                      "1 bytes follow the structure");
    }
  }

  TEST_CASE("the TPM structure parsers name the field that runs short") {
    CHECK(tpm::public_area_parse(Bytes{0x00, 0x01, 0x00}).error().message ==
          "pubArea: nameAlg needs 2 bytes at offset 2 but 1 remain");
    CHECK(tpm::public_area_parse(Bytes{0x00, 0x08, 0x00, 0x0b}).error().message ==
          "pubArea: type is 0x0008; WebAuthn keys are TPM_ALG_RSA or TPM_ALG_ECC");
    Bytes huge_policy{0x00, 0x01, 0x00, 0x0b, 0, 0, 0, 0, 0xff, 0xff, 0x01};
    CHECK(tpm::public_area_parse(huge_policy).error().message ==
          "pubArea: authPolicy needs 65535 bytes at offset 10 but 1 remain");
    CHECK(tpm::attest_parse(Bytes{0xff, 0x54, 0x43}).error().message ==
          "certInfo: magic needs 4 bytes at offset 0 but 3 remain");
    CHECK(tpm::object_name(0x0012, Bytes{1}).error().message.find("nameAlg 0x0012 is not a hash") != std::string::npos);
  }
}
