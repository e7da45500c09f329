// The "packed" attestation statement format (WebAuthn Level 3 §8.2) and the requirements on its
// attestation certificate (§8.2.1).
#include <fmt/format.h>

#include <algorithm>

#include "webauthn/attestation_statement.hpp"

namespace acctsec::webauthn {
namespace {

std::unexpected<Error> rejected(std::string message) {
  return fail(ErrorCategory::rejected, "packed attestation: " + std::move(message));
}

bool is_iso3166_alpha2(std::string_view country) {
  // The format only: two upper-case letters. Whether the code is assigned is not checked.
  return country.size() == 2 && std::all_of(country.begin(), country.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// §8.2.1: version 3; subject C (ISO 3166), O, OU "Authenticator Attestation", CN; basic constraints
// with cA false. The extension is required to be present, since the spec states what it must hold.
Result<void> check_certificate_requirements(X509* cert) {
  if (const int version = certificate_version(cert); version != 3) {
    return rejected(fmt::format("the attestation certificate is X.509 version {}; §8.2.1 requires version 3", version));
  }
  const auto country = certificate_subject_attribute(cert, "2.5.4.6");
  if (!country) return rejected("the attestation certificate's subject has no C (country) attribute");
  if (!is_iso3166_alpha2(*country)) {
    return rejected(fmt::format("the attestation certificate's subject C is \"{}\", not an ISO 3166 two-letter code",
                                *country));
  }
  if (const auto organization = certificate_subject_attribute(cert, "2.5.4.10"); !organization || organization->empty()) {
    return rejected("the attestation certificate's subject has no O (organization) attribute");
  }
  const auto unit = certificate_subject_attribute(cert, "2.5.4.11");
  if (!unit) return rejected("the attestation certificate's subject has no OU (organizational unit) attribute");
  if (*unit != "Authenticator Attestation") {
    return rejected(fmt::format("the attestation certificate's subject OU is \"{}\"; it must be \"Authenticator "
                                "Attestation\"",
                                *unit));
  }
  if (const auto common = certificate_subject_attribute(cert, "2.5.4.3"); !common || common->empty()) {
    return rejected("the attestation certificate's subject has no CN (common name) attribute");
  }
  if (!certificate_extension(cert, "2.5.29.19")) {
    return rejected("the attestation certificate has no basic constraints extension; it must say cA false");
  }
  if (certificate_is_ca(cert)) {
    return rejected("the attestation certificate's basic constraints say it is a CA; it must not be");
  }
  return {};
}

Bytes signed_data(const AttestationInput& input) {
  Bytes message = input.object.auth_data;
  message.insert(message.end(), input.client_data_hash.begin(), input.client_data_hash.end());
  return message;
}

}  // namespace

Result<AttestationResult> attestation_verify_packed(const AttestationInput& input) {
  auto statement = packed_statement_decode(input.object.att_stmt_cbor);
  if (!statement) return fail(statement.error());
  const Bytes message = signed_data(input);

  if (statement->x5c.empty()) {
    // Self attestation: signed by the credential key itself, with the credential's algorithm.
    if (statement->alg != input.credential_key.alg) {
      return rejected(fmt::format("self attestation alg is {} but the credential public key's alg is {}",
                                  cose_algorithm_name(statement->alg), cose_algorithm_name(input.credential_key.alg)));
    }
    if (auto ok = cose_key_verify(input.credential_key, message, statement->sig); !ok) {
      return rejected(fmt::format("the self attestation {} signature does not verify over authenticatorData and the "
                                  "clientDataJSON hash with the credential public key",
                                  cose_algorithm_name(statement->alg)));
    }
    return AttestationResult{AttestationType::self, {}};
  }

  auto chain = certificate_chain_parse_der(statement->x5c);
  if (!chain) return rejected(chain.error().message);
  X509* cert = chain->front().get();
  // Certificate checks first, so that a mismatched AAGUID is reported as such even though it also
  // breaks the signature over authenticatorData.
  if (auto ok = check_certificate_requirements(cert); !ok) return fail(ok.error());
  if (!input.auth_data.attested) return rejected("authenticatorData has no attested credential data");
  if (auto ok = certificate_check_aaguid_extension(cert, input.auth_data.attested->aaguid); !ok) {
    return rejected(ok.error().message);
  }
  const EvpPkeyPtr key = certificate_public_key(cert);
  if (!key) return rejected("the attestation certificate's public key cannot be read");
  if (auto ok = signature_verify(key.get(), statement->alg, message, statement->sig); !ok) {
    if (ok.error().category == ErrorCategory::rejected) {
      return rejected(fmt::format("the {} signature does not verify over authenticatorData and the clientDataJSON "
                                  "hash with the attestation certificate's public key ({})",
                                  cose_algorithm_name(statement->alg), certificate_subject(cert)));
    }
    return rejected(fmt::format("alg {} cannot be verified with the attestation certificate's key: {}",
                                cose_algorithm_name(statement->alg), ok.error().message));
  }
  // Basic and AttCA look the same on the wire; telling them apart needs external knowledge (the
  // metadata statement's attestationTypes), so a packed x5c statement is reported as basic.
  return AttestationResult{AttestationType::basic, std::move(*chain)};
}

}  // namespace acctsec::webauthn
