// The "tpm" attestation statement format (WebAuthn Level 3 §8.3) and the requirements on its AIK
// certificate (§8.3.1).
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <optional>
#include <string>

#include "webauthn/attestation_statement.hpp"
#include "webauthn/statement_reader.hpp"
#include "webauthn/tpm_structures.hpp"

namespace acctsec::webauthn {
namespace {

constexpr std::string_view k_oid_subject_alt_name = "2.5.29.17";
constexpr std::string_view k_oid_extended_key_usage = "2.5.29.37";
constexpr std::string_view k_oid_basic_constraints = "2.5.29.19";
constexpr std::string_view k_oid_tcg_kp_aik_certificate = "2.23.133.8.3";
// TPM device attributes of the SAN directoryName (TCG EK Credential Profile §3.2.9).
constexpr std::string_view k_oid_tpm_manufacturer = "2.23.133.2.1";
constexpr std::string_view k_oid_tpm_model = "2.23.133.2.2";
constexpr std::string_view k_oid_tpm_version = "2.23.133.2.3";

std::unexpected<Error> rejected(std::string message) {
  ERR_clear_error();
  return fail(ErrorCategory::rejected, "tpm: " + std::move(message));
}

struct BnFree {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* names) const noexcept { GENERAL_NAMES_free(names); }
};
struct ExtendedKeyUsageFree {
  void operator()(EXTENDED_KEY_USAGE* usage) const noexcept { EXTENDED_KEY_USAGE_free(usage); }
};
struct AsnObjectFree {
  void operator()(ASN1_OBJECT* object) const noexcept { ASN1_OBJECT_free(object); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesFree>;
using ExtendedKeyUsagePtr = std::unique_ptr<EXTENDED_KEY_USAGE, ExtendedKeyUsageFree>;
using AsnObjectPtr = std::unique_ptr<ASN1_OBJECT, AsnObjectFree>;

BnPtr bn_from(ByteView bytes) { return BnPtr(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr)); }

BnPtr bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) ERR_clear_error();
  return BnPtr(raw);
}

// The hash the statement's alg signs with: extraData is this hash of attToBeSigned (§8.3 step 5).
struct StatementHash {
  const EVP_MD* md;
  std::string_view name;
};

std::optional<StatementHash> statement_hash(int alg) {
  switch (alg) {
    case k_cose_alg_rs1:
      return StatementHash{EVP_sha1(), "SHA-1"};
    case k_cose_alg_rs256:
    case k_cose_alg_ps256:
    case k_cose_alg_es256:
      return StatementHash{EVP_sha256(), "SHA-256"};
    case k_cose_alg_es384:
      return StatementHash{EVP_sha384(), "SHA-384"};
    case k_cose_alg_es512:
      return StatementHash{EVP_sha512(), "SHA-512"};
    default:
      return std::nullopt;
  }
}

Result<Bytes> digest(const EVP_MD* md, ByteView data) {
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1 || length != out.size()) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "tpm: OpenSSL could not hash attToBeSigned");
  }
  return out;
}

int cose_curve(std::uint16_t tpm_curve) {
  switch (tpm_curve) {
    case tpm::k_ecc_nist_p256:
      return k_cose_crv_p256;
    case tpm::k_ecc_nist_p384:
      return k_cose_crv_p384;
    case tpm::k_ecc_nist_p521:
      return k_cose_crv_p521;
    default:
      return 0;
  }
}

// §8.3 step 3: the key in pubArea's parameters and unique is the credential public key.
Result<void> check_public_key(const tpm::PublicArea& area, const CoseKey& credential) {
  if (!credential.key) return rejected("the credential public key is missing");
  if (area.type == tpm::k_alg_rsa) {
    if (credential.kty != k_cose_kty_rsa) {
      return rejected("pubArea holds an RSA key but the credential public key is not RSA");
    }
    const BnPtr n = bn_param(credential.key.get(), OSSL_PKEY_PARAM_RSA_N);
    const BnPtr e = bn_param(credential.key.get(), OSSL_PKEY_PARAM_RSA_E);
    const BnPtr area_n = bn_from(area.rsa_modulus);
    // TPM 2.0 Part 2 §12.2.3.5: an exponent of zero means the default, 2^16 + 1.
    const BnPtr area_e(BN_new());
    if (!n || !e || !area_n || !area_e || BN_set_word(area_e.get(), area.rsa_exponent ? area.rsa_exponent : 65537) != 1) {
      return fail(ErrorCategory::internal, "tpm: OpenSSL could not read the RSA key parameters");
    }
    if (BN_cmp(n.get(), area_n.get()) != 0) {
      return rejected("pubArea's RSA modulus (unique.rsa) differs from the credential public key's n");
    }
    if (BN_cmp(e.get(), area_e.get()) != 0) {
      return rejected(fmt::format("pubArea's RSA exponent ({}) differs from the credential public key's e",
                                  area.rsa_exponent ? area.rsa_exponent : 65537u));
    }
    return {};
  }
  if (credential.kty != k_cose_kty_ec2) return rejected("pubArea holds an ECC key but the credential public key is not EC2");
  const int crv = cose_curve(area.ecc_curve);
  if (crv == 0) {
    return rejected(fmt::format("pubArea's curveID 0x{:04x} is not NIST P-256, P-384 or P-521", area.ecc_curve));
  }
  if (crv != credential.crv) {
    return rejected(fmt::format("pubArea's curve (COSE crv {}) differs from the credential public key's crv {}", crv,
                                credential.crv));
  }
  const BnPtr x = bn_param(credential.key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  const BnPtr y = bn_param(credential.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  const BnPtr area_x = bn_from(area.ecc_x);
  const BnPtr area_y = bn_from(area.ecc_y);
  if (!x || !y || !area_x || !area_y) return fail(ErrorCategory::internal, "tpm: OpenSSL could not read the EC point");
  if (BN_cmp(x.get(), area_x.get()) != 0 || BN_cmp(y.get(), area_y.get()) != 0) {
    return rejected("pubArea's ECC point (unique.ecc x, y) differs from the credential public key's x, y");
  }
  return {};
}

std::string object_text(const ASN1_OBJECT* object) {
  std::array<char, 128> text{};
  const int length = OBJ_obj2txt(text.data(), static_cast<int>(text.size()), object, 1);
  if (length <= 0 || static_cast<std::size_t>(length) >= text.size()) return {};
  return std::string(text.data(), static_cast<std::size_t>(length));
}

std::optional<std::string> name_attribute(const X509_NAME* name, std::string_view oid) {
  const AsnObjectPtr object(OBJ_txt2obj(std::string(oid).c_str(), 1));
  if (!object) return std::nullopt;
  const int index = X509_NAME_get_index_by_OBJ(name, object.get(), -1);
  if (index < 0) return std::nullopt;
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0 || !utf8) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

bool is_vendor_id(std::string_view manufacturer) {
  // "id:" and the 4-byte TCG vendor ID in hex (e.g. "id:494E5443" for Intel).
  return manufacturer.size() == 11 && manufacturer.starts_with("id:") &&
         std::all_of(manufacturer.begin() + 3, manufacturer.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// The SAN must hold a directoryName with the TPM manufacturer, model and version (§8.3.1, TCG EK
// Credential Profile §3.2.9). It must be critical because the subject is empty (RFC 5280 §4.2.1.6).
Result<void> check_subject_alt_name(X509* cert) {
  const auto extension = certificate_extension(cert, k_oid_subject_alt_name);
  if (!extension) return rejected("the AIK certificate has no Subject Alternative Name extension (2.5.29.17)");
  if (!extension->critical) {
    return rejected("the AIK certificate's Subject Alternative Name extension is not critical; with an empty subject "
                    "it must be");
  }
  const unsigned char* cursor = extension->value.data();
  const GeneralNamesPtr names(d2i_GENERAL_NAMES(nullptr, &cursor, static_cast<long>(extension->value.size())));
  if (!names || cursor != extension->value.data() + extension->value.size()) {
    return rejected("the AIK certificate's Subject Alternative Name extension is not a DER GeneralNames");
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* general = sk_GENERAL_NAME_value(names.get(), i);
    if (!general || general->type != GEN_DIRNAME) continue;
    const X509_NAME* directory = general->d.directoryName;
    const auto manufacturer = name_attribute(directory, k_oid_tpm_manufacturer);
    const auto model = name_attribute(directory, k_oid_tpm_model);
    const auto version = name_attribute(directory, k_oid_tpm_version);
    if (!manufacturer || manufacturer->empty()) {
      return rejected("the AIK certificate's SAN directoryName has no TPM manufacturer (2.23.133.2.1)");
    }
    if (!is_vendor_id(*manufacturer)) {
      return rejected(fmt::format("the AIK certificate's TPM manufacturer \"{}\" is not \"id:\" and an 8-hex-digit "
                                  "TCG vendor ID",
                                  *manufacturer));
    }
    if (!model || model->empty()) {
      return rejected("the AIK certificate's SAN directoryName has no TPM model (2.23.133.2.2)");
    }
    if (!version || version->empty()) {
      return rejected("the AIK certificate's SAN directoryName has no TPM version (2.23.133.2.3)");
    }
    return {};
  }
  return rejected("the AIK certificate's Subject Alternative Name has no directoryName with the TPM manufacturer, "
                  "model and version");
}

Result<void> check_extended_key_usage(X509* cert) {
  const auto extension = certificate_extension(cert, k_oid_extended_key_usage);
  if (!extension) return rejected("the AIK certificate has no Extended Key Usage extension (2.5.29.37)");
  const unsigned char* cursor = extension->value.data();
  const ExtendedKeyUsagePtr usage(
      d2i_EXTENDED_KEY_USAGE(nullptr, &cursor, static_cast<long>(extension->value.size())));
  if (!usage || cursor != extension->value.data() + extension->value.size()) {
    return rejected("the AIK certificate's Extended Key Usage extension is malformed");
  }
  for (int i = 0; i < sk_ASN1_OBJECT_num(usage.get()); ++i) {
    if (object_text(sk_ASN1_OBJECT_value(usage.get(), i)) == k_oid_tcg_kp_aik_certificate) return {};
  }
  return rejected("the AIK certificate's Extended Key Usage lacks tcg-kp-AIKCertificate (2.23.133.8.3)");
}

// §8.3.1 TPM attestation statement certificate requirements.
Result<void> check_aik_certificate(X509* cert, ByteView aaguid) {
  if (const int version = certificate_version(cert); version != 3) {
    return rejected(fmt::format("the AIK certificate is X.509 version {}; §8.3.1 requires version 3", version));
  }
  if (const int entries = X509_NAME_entry_count(X509_get_subject_name(cert)); entries != 0) {
    return rejected(fmt::format("the AIK certificate's subject must be empty but is \"{}\"", certificate_subject(cert)));
  }
  if (auto ok = check_subject_alt_name(cert); !ok) return ok;
  if (auto ok = check_extended_key_usage(cert); !ok) return ok;
  if (!certificate_extension(cert, k_oid_basic_constraints)) {
    return rejected("the AIK certificate has no basic constraints extension; it must say cA false");
  }
  if (certificate_is_ca(cert)) return rejected("the AIK certificate's basic constraints say it is a CA; it must not be");
  if (auto ok = certificate_check_aaguid_extension(cert, aaguid); !ok) return rejected(ok.error().message);
  return {};
}

}  // namespace

Result<AttestationResult> attestation_verify_tpm(const AttestationInput& input) {
  auto reader = detail::StatementReader::open(input.object.att_stmt_cbor, "tpm",
                                              {"ver", "alg", "x5c", "sig", "certInfo", "pubArea"});
  if (!reader) return fail(reader.error());
  auto ver = reader->text("ver");
  if (!ver) return fail(ver.error());
  if (*ver != "2.0") return rejected(fmt::format("ver is \"{}\"; only TPM \"2.0\" is defined", *ver));
  auto alg = reader->alg();
  if (!alg) return fail(alg.error());
  auto x5c = reader->x5c();
  if (!x5c) return fail(x5c.error());
  auto sig = reader->bytes("sig");
  if (!sig) return fail(sig.error());
  auto cert_info_raw = reader->bytes("certInfo");
  if (!cert_info_raw) return fail(cert_info_raw.error());
  auto pub_area_raw = reader->bytes("pubArea");
  if (!pub_area_raw) return fail(pub_area_raw.error());
  if (!input.auth_data.attested) return rejected("authenticatorData has no attested credential data");

  // Step 3: pubArea names the credential public key.
  auto pub_area = tpm::public_area_parse(*pub_area_raw);
  if (!pub_area) return rejected(pub_area.error().message);
  if (auto ok = check_public_key(*pub_area, input.credential_key); !ok) return fail(ok.error());

  // Steps 4-5: certInfo certifies exactly this pubArea over exactly this attToBeSigned.
  const auto hash = statement_hash(*alg);
  if (!hash) {
    return rejected(fmt::format("alg {} has no hash for extraData; tpm statements use RS1, RS256, PS256, ES256, ES384 "
                                "or ES512",
                                cose_algorithm_name(*alg)));
  }
  auto cert_info = tpm::attest_parse(*cert_info_raw);
  if (!cert_info) return rejected(cert_info.error().message);
  Bytes to_be_signed = input.object.auth_data;
  to_be_signed.insert(to_be_signed.end(), input.client_data_hash.begin(), input.client_data_hash.end());
  auto expected_extra = digest(hash->md, to_be_signed);
  if (!expected_extra) return fail(expected_extra.error());
  if (cert_info->extra_data != *expected_extra) {
    return rejected(fmt::format("certInfo.extraData is not the {} of authenticatorData and the clientDataJSON hash",
                                hash->name));
  }
  auto name = tpm::object_name(pub_area->name_alg, *pub_area_raw);
  if (!name) return rejected(name.error().message);
  if (cert_info->attested_name != *name) {
    return rejected(fmt::format("certInfo.attested.name is not the Name of pubArea (nameAlg {} || hash of pubArea)",
                                tpm::alg_name(pub_area->name_alg)));
  }

  // Step 6: the AIK certificate signed certInfo and meets §8.3.1.
  auto chain = certificate_chain_parse_der(*x5c, "tpm x5c");
  if (!chain) return rejected(chain.error().message);
  X509* aik = chain->front().get();
  const EvpPkeyPtr aik_key = certificate_public_key(aik);
  if (!aik_key) return rejected("the AIK certificate's public key cannot be read");
  if (auto ok = signature_verify(aik_key.get(), *alg, *cert_info_raw, *sig); !ok) {
    if (ok.error().category == ErrorCategory::rejected) {
      return rejected(fmt::format("the {} signature over certInfo does not verify with the AIK certificate's key",
                                  cose_algorithm_name(*alg)));
    }
    return rejected(fmt::format("alg {} cannot be verified with the AIK certificate's key: {}",
                                cose_algorithm_name(*alg), ok.error().message));
  }
  if (auto ok = check_aik_certificate(aik, input.auth_data.attested->aaguid); !ok) return fail(ok.error());
  return AttestationResult{AttestationType::attca, std::move(*chain)};
}

}  // namespace acctsec::webauthn
