// The "fido-u2f" attestation statement format (WebAuthn Level 3 §8.6): a FIDO U2F registration
// signature, made by a P-256 attestation key over the U2F registration data.
#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <array>

#include "webauthn/attestation_statement.hpp"
#include "webauthn/cbor.hpp"

namespace acctsec::webauthn {
namespace {

std::unexpected<Error> rejected(std::string message) {
  return fail(ErrorCategory::rejected, "fido-u2f attestation: " + std::move(message));
}

struct U2fStatement {
  Bytes sig;
  std::vector<Bytes> x5c;
};

// attStmt = {x5c: [attestnCert], sig}; other keys are refused like packed's decoder refuses them.
Result<U2fStatement> decode_statement(ByteView att_stmt_cbor) {
  cbor::Reader reader(att_stmt_cbor);
  auto entries = reader.read_map();
  if (!entries) return rejected("attStmt is not a map: " + entries.error().message);
  if (!reader.at_end()) return rejected(fmt::format("{} bytes follow attStmt", reader.remaining()));
  U2fStatement out;
  bool have_sig = false;
  bool have_x5c = false;
  for (const auto& entry : *entries) {
    const auto* key = std::get_if<std::string>(&entry.key);
    if (!key) return rejected(fmt::format("attStmt has unexpected key {}", cbor::map_key_text(entry.key)));
    cbor::Reader value(entry.value);
    if (*key == "sig") {
      auto sig = value.read_bytes();
      if (!sig) return rejected("sig is not a byte string: " + sig.error().message);
      if (sig->empty()) return rejected("sig is empty");
      out.sig = std::move(*sig);
      have_sig = true;
    } else if (*key == "x5c") {
      auto count = value.read_array_header();
      if (!count) return rejected("x5c is not an array: " + count.error().message);
      for (std::uint64_t i = 0; i < *count; ++i) {
        auto cert = value.read_bytes();
        if (!cert) return rejected(fmt::format("x5c[{}] is not a byte string: {}", i, cert.error().message));
        out.x5c.push_back(std::move(*cert));
      }
      have_x5c = true;
    } else {
      return rejected(fmt::format("attStmt has unexpected key \"{}\"", *key));
    }
  }
  if (!have_sig) return rejected("sig is missing");
  if (!have_x5c) return rejected("x5c is missing");
  return out;
}

// True when `key` is an EC key on P-256.
bool is_p256(EVP_PKEY* key) {
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  std::array<char, 64> group{};
  std::size_t length = 0;
  const bool ok = EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                                 &length) == 1;
  ERR_clear_error();
  return ok && std::string_view(group.data(), length) == "prime256v1";
}

}  // namespace

Result<AttestationResult> attestation_verify_fido_u2f(const AttestationInput& input) {
  auto statement = decode_statement(input.object.att_stmt_cbor);
  if (!statement) return fail(statement.error());
  if (statement->x5c.size() != 1) {
    return rejected(fmt::format("x5c holds {} certificates; it must hold exactly one", statement->x5c.size()));
  }
  auto chain = certificate_chain_parse_der(statement->x5c);
  if (!chain) return rejected(chain.error().message);
  X509* cert = chain->front().get();
  const EvpPkeyPtr cert_key = certificate_public_key(cert);
  if (!is_p256(cert_key.get())) {
    return rejected("the attestation certificate's public key is not an EC key on P-256");
  }
  if (!input.auth_data.attested) return rejected("authenticatorData has no attested credential data");
  const auto& attested = *input.auth_data.attested;

  // The credential key as a raw ANSI X9.62 point: 0x04 || x || y, from a P-256 EC2 key only.
  if (input.credential_key.kty != k_cose_kty_ec2 || input.credential_key.crv != k_cose_crv_p256 ||
      !is_p256(input.credential_key.key.get())) {
    return rejected(fmt::format("the credential public key is {}; U2F credentials are EC2 keys on P-256",
                                cose_algorithm_name(input.credential_key.alg)));
  }
  std::array<unsigned char, 65> point{};
  std::size_t point_length = 0;
  const bool have_point = EVP_PKEY_get_octet_string_param(input.credential_key.key.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                                          point.data(), point.size(), &point_length) == 1;
  ERR_clear_error();
  if (!have_point || point_length != 65 || point[0] != 0x04) {
    return rejected("the credential public key cannot be expressed as an uncompressed P-256 point");
  }

  // verificationData = 0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F.
  Bytes verification_data{0x00};
  verification_data.insert(verification_data.end(), input.auth_data.rp_id_hash.begin(),
                           input.auth_data.rp_id_hash.end());
  verification_data.insert(verification_data.end(), input.client_data_hash.begin(), input.client_data_hash.end());
  verification_data.insert(verification_data.end(), attested.credential_id.begin(), attested.credential_id.end());
  verification_data.insert(verification_data.end(), point.begin(), point.end());
  if (auto ok = signature_verify(cert_key.get(), k_cose_alg_es256, verification_data, statement->sig); !ok) {
    return rejected(fmt::format("the signature does not verify over the U2F verification data (rpIdHash, "
                                "clientDataJSON hash, credential ID, public key) with the attestation certificate's "
                                "key ({})",
                                certificate_subject(cert)));
  }
  // §8.6 has no AAGUID check (U2F devices report zeros, but the AAGUID is not signed here), and
  // Basic vs AttCA cannot be told apart without external knowledge: reported as basic.
  return AttestationResult{AttestationType::basic, std::move(*chain)};
}

}  // namespace acctsec::webauthn
