// The "apple" anonymous attestation statement format (WebAuthn Level 3 §8.8): Apple's CA issues a
// certificate for the credential key itself, with a nonce binding it to this registration.
#include <fmt/format.h>
#include <openssl/err.h>

#include <algorithm>

#include "webauthn/attestation_statement.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/hash.hpp"

namespace acctsec::webauthn {
namespace {

// Apple's nonce extension in the credential certificate.
constexpr std::string_view k_oid_apple_nonce = "1.2.840.113635.100.8.2";

std::unexpected<Error> rejected(std::string message) {
  return fail(ErrorCategory::rejected, "apple attestation: " + std::move(message));
}

// attStmt = {x5c: [credCert, *caCert]}; other keys are refused.
Result<std::vector<Bytes>> decode_statement(ByteView att_stmt_cbor) {
  cbor::Reader reader(att_stmt_cbor);
  auto entries = reader.read_map();
  if (!entries) return rejected("attStmt is not a map: " + entries.error().message);
  if (!reader.at_end()) return rejected(fmt::format("{} bytes follow attStmt", reader.remaining()));
  std::optional<std::vector<Bytes>> x5c;
  for (const auto& entry : *entries) {
    const auto* key = std::get_if<std::string>(&entry.key);
    if (!key || *key != "x5c") return rejected(fmt::format("attStmt has unexpected key {}", cbor::map_key_text(entry.key)));
    cbor::Reader value(entry.value);
    auto count = value.read_array_header();
    if (!count) return rejected("x5c is not an array: " + count.error().message);
    x5c.emplace();
    for (std::uint64_t i = 0; i < *count; ++i) {
      auto cert = value.read_bytes();
      if (!cert) return rejected(fmt::format("x5c[{}] is not a byte string: {}", i, cert.error().message));
      x5c->push_back(std::move(*cert));
    }
  }
  if (!x5c) return rejected("x5c is missing");
  if (x5c->empty()) return rejected("x5c is empty; it needs the credential certificate");
  return std::move(*x5c);
}

// Reads one DER TLV with tag `tag` from the front of `der`; returns its contents and advances `der`.
std::optional<ByteView> der_take(ByteView& der, std::uint8_t tag) {
  if (der.size() < 2 || der[0] != tag) return std::nullopt;
  std::size_t length = der[1];
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t count = length & 0x7f;
    if (count == 0 || count > 2 || der.size() < 2 + count) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | der[2 + i];
    header += count;
  }
  if (der.size() - header < length) return std::nullopt;
  const ByteView contents = der.subspan(header, length);
  der = der.subspan(header + length);
  return contents;
}

// The extension is SEQUENCE { [1] EXPLICIT OCTET STRING nonce }; returns the nonce.
std::optional<ByteView> nonce_from_extension(ByteView value) {
  auto sequence = der_take(value, 0x30);
  if (!sequence || !value.empty()) return std::nullopt;
  auto tagged = der_take(*sequence, 0xa1);
  if (!tagged || !sequence->empty()) return std::nullopt;
  auto nonce = der_take(*tagged, 0x04);
  if (!nonce || !tagged->empty()) return std::nullopt;
  return nonce;
}

}  // namespace

Result<AttestationResult> attestation_verify_apple(const AttestationInput& input) {
  auto x5c = decode_statement(input.object.att_stmt_cbor);
  if (!x5c) return fail(x5c.error());
  auto chain = certificate_chain_parse_der(*x5c);
  if (!chain) return rejected(chain.error().message);
  X509* cred_cert = chain->front().get();

  // nonce = SHA-256(authenticatorData || clientDataHash), carried in the credential certificate.
  Bytes nonce_input = input.object.auth_data;
  nonce_input.insert(nonce_input.end(), input.client_data_hash.begin(), input.client_data_hash.end());
  const Bytes nonce = sha256(nonce_input);
  const auto extension = certificate_extension(cred_cert, k_oid_apple_nonce);
  if (!extension) return rejected("the credential certificate has no nonce extension (1.2.840.113635.100.8.2)");
  const auto in_cert = nonce_from_extension(extension->value);
  if (!in_cert) {
    return rejected("the nonce extension (1.2.840.113635.100.8.2) is not SEQUENCE { [1] OCTET STRING }");
  }
  if (!std::equal(in_cert->begin(), in_cert->end(), nonce.begin(), nonce.end())) {
    return rejected("the nonce in the credential certificate is not SHA-256(authenticatorData || clientDataHash)");
  }

  // The certificate must certify exactly the credential key.
  const EvpPkeyPtr cert_key = certificate_public_key(cred_cert);
  const bool same_key = cert_key && input.credential_key.key &&
                        EVP_PKEY_eq(cert_key.get(), input.credential_key.key.get()) == 1;
  ERR_clear_error();
  if (!same_key) {
    return rejected("the credential public key differs from the credential certificate's subject public key");
  }
  return AttestationResult{AttestationType::anonca, std::move(*chain)};
}

}  // namespace acctsec::webauthn
