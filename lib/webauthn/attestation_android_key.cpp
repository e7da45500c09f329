// The "android-key" attestation statement format (WebAuthn Level 3 §8.4): an Android Keystore key
// attestation whose certificate carries the KeyDescription extension.
#include <fmt/format.h>
#include <openssl/err.h>

#include <algorithm>

#include "core/log.hpp"
#include "webauthn/android_key_description.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/statement_reader.hpp"

namespace acctsec::webauthn {
namespace {

std::unexpected<Error> rejected(std::string message) {
  ERR_clear_error();
  return fail(ErrorCategory::rejected, "android-key: " + std::move(message));
}

}  // namespace

Result<AttestationResult> attestation_verify_android_key(const AttestationInput& input) {
  auto reader = detail::StatementReader::open(input.object.att_stmt_cbor, "android-key", {"alg", "sig", "x5c"});
  if (!reader) return fail(reader.error());
  auto alg = reader->alg();
  if (!alg) return fail(alg.error());
  auto sig = reader->bytes("sig");
  if (!sig) return fail(sig.error());
  auto x5c = reader->x5c();
  if (!x5c) return fail(x5c.error());
  auto chain = certificate_chain_parse_der(*x5c, "android-key x5c");
  if (!chain) return rejected(chain.error().message);
  X509* cert = chain->front().get();
  const EvpPkeyPtr cert_key = certificate_public_key(cert);
  if (!cert_key) return rejected("the attestation certificate's public key cannot be read");

  // Step 2: x5c[0] signed authenticatorData || clientDataHash.
  Bytes signed_data = input.object.auth_data;
  signed_data.insert(signed_data.end(), input.client_data_hash.begin(), input.client_data_hash.end());
  if (auto ok = signature_verify(cert_key.get(), *alg, signed_data, *sig); !ok) {
    if (ok.error().category == ErrorCategory::rejected) {
      return rejected(fmt::format("the {} signature does not verify over authenticatorData and the clientDataJSON hash "
                                  "with the attestation certificate's key ({})",
                                  cose_algorithm_name(*alg), certificate_subject(cert)));
    }
    return rejected(fmt::format("alg {} cannot be verified with the attestation certificate's key: {}",
                                cose_algorithm_name(*alg), ok.error().message));
  }

  // Step 3: the attested key is the credential key itself.
  if (!input.credential_key.key || EVP_PKEY_eq(cert_key.get(), input.credential_key.key.get()) != 1) {
    return rejected("the attestation certificate's public key is not the credential public key");
  }

  // Steps 4-5: the KeyDescription binds this clientDataHash and a key generated for signing.
  const auto extension = certificate_extension(cert, k_oid_android_key_description);
  if (!extension) {
    return rejected(fmt::format("the attestation certificate has no key attestation extension ({})",
                                k_oid_android_key_description));
  }
  auto description = android_key_description_parse(extension->value);
  if (!description) return rejected(description.error().message);
  const ByteView challenge = description->attestation_challenge;
  if (!std::equal(challenge.begin(), challenge.end(), input.client_data_hash.begin(), input.client_data_hash.end())) {
    return rejected("the KeyDescription's attestationChallenge is not the clientDataJSON hash");
  }
  // The spec's default policy: the union of both lists. AttestationResult has no field for where
  // the properties were found, so it goes to the debug log; android_key_check_authorizations with
  // KeyEnforcement::tee_only serves callers that accept TEE keys only.
  const auto enforced = android_key_check_authorizations(*description, KeyEnforcement::any);
  if (!enforced) return fail(enforced.error());
  log_debug("webauthn", "android-key: attestationSecurityLevel {}, origin and purpose found in {}",
            security_level_name(description->attestation_security_level), key_enforced_by_name(*enforced));
  return AttestationResult{AttestationType::basic, std::move(*chain)};
}

}  // namespace acctsec::webauthn
