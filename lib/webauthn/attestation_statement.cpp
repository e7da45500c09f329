// The attestation format dispatcher, the "none" format (§8.7) and the AAGUID certificate extension
// shared by packed, fido-u2f-style and android certificates.
#include "webauthn/attestation_statement.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "webauthn/cbor.hpp"

namespace acctsec::webauthn {
namespace {

// id-fido-gen-ce-aaguid (FIDO Metadata Statement §3, WebAuthn §8.2.1).
constexpr std::string_view k_oid_fido_gen_ce_aaguid = "1.3.6.1.4.1.45724.1.1.4";

// §8.7: the "none" statement is an empty map, and there is nothing else to check.
Result<AttestationResult> attestation_verify_none(const AttestationInput& input) {
  cbor::Reader reader(input.object.att_stmt_cbor);
  auto entries = reader.read_map();
  if (!entries) return fail(ErrorCategory::rejected, "none attestation: attStmt is not a map: " + entries.error().message);
  if (!reader.at_end()) {
    return fail(ErrorCategory::rejected, fmt::format("none attestation: {} bytes follow attStmt", reader.remaining()));
  }
  if (!entries->empty()) {
    return fail(ErrorCategory::rejected,
                fmt::format("none attestation: attStmt must be an empty map but has {} entries (first key {})",
                            entries->size(), cbor::map_key_text(entries->front().key)));
  }
  return AttestationResult{AttestationType::none, {}};
}

}  // namespace

std::string_view attestation_type_name(AttestationType type) {
  switch (type) {
    case AttestationType::none:
      return "none";
    case AttestationType::self:
      return "self";
    case AttestationType::basic:
      return "basic";
    case AttestationType::attca:
      return "attca";
    case AttestationType::anonca:
      return "anonca";
  }
  return "none";
}

const std::vector<std::string>& attestation_formats() {
  static const std::vector<std::string> formats{"packed", "tpm",      "android-key", "android-safetynet",
                                                "fido-u2f", "none", "apple"};
  return formats;
}

Result<AttestationResult> attestation_statement_verify(const AttestationInput& input) {
  const std::string& fmt = input.object.fmt;
  if (fmt == "packed") return attestation_verify_packed(input);
  if (fmt == "tpm") return attestation_verify_tpm(input);
  if (fmt == "android-key") return attestation_verify_android_key(input);
  if (fmt == "android-safetynet") return attestation_verify_android_safetynet(input);
  if (fmt == "fido-u2f") return attestation_verify_fido_u2f(input);
  if (fmt == "none") return attestation_verify_none(input);
  if (fmt == "apple") return attestation_verify_apple(input);
  std::string known;
  for (const auto& name : attestation_formats()) known += (known.empty() ? "" : ", ") + name;
  return fail(ErrorCategory::rejected,
              fmt::format("attestation format \"{}\" is not supported; acctsec verifies {}", fmt, known));
}

Result<void> certificate_check_aaguid_extension(X509* cert, ByteView aaguid) {
  const auto extension = certificate_extension(cert, k_oid_fido_gen_ce_aaguid);
  if (!extension) return {};
  if (extension->critical) {
    return fail(ErrorCategory::rejected,
                "the id-fido-gen-ce-aaguid extension (1.3.6.1.4.1.45724.1.1.4) is marked critical; it must not be");
  }
  // extnValue holds the DER of an OCTET STRING of 16 bytes: 04 10 <aaguid>.
  const auto& value = extension->value;
  if (value.size() != 18 || value[0] != 0x04 || value[1] != 0x10) {
    return fail(ErrorCategory::rejected,
                "the id-fido-gen-ce-aaguid extension (1.3.6.1.4.1.45724.1.1.4) is not a 16-byte OCTET STRING");
  }
  const ByteView in_cert(value.data() + 2, 16);
  if (aaguid.size() != 16 || !std::equal(in_cert.begin(), in_cert.end(), aaguid.begin())) {
    return fail(ErrorCategory::rejected,
                fmt::format("the AAGUID in the certificate's id-fido-gen-ce-aaguid extension ({}) differs from the "
                            "AAGUID in authenticatorData ({})",
                            uuid_format(in_cert), aaguid.size() == 16 ? uuid_format(aaguid) : hex_encode(aaguid)));
  }
  return {};
}

}  // namespace acctsec::webauthn
