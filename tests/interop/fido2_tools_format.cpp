#include "fido2_tools_format.hpp"

#include <fmt/format.h>

#include "webauthn/attestation_object.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/hash.hpp"

namespace acctsec::interop {

Result<std::string> fido2_type_name(int cose_alg) {
  switch (cose_alg) {
    case webauthn::k_cose_alg_es256:
      return std::string("es256");
    case webauthn::k_cose_alg_es384:
      return std::string("es384");
    case webauthn::k_cose_alg_rs256:
      return std::string("rs256");
    case webauthn::k_cose_alg_eddsa:
      return std::string("eddsa");
    default:
      return fail(ErrorCategory::usage, fmt::format("fido2-tools cannot verify {} credentials; they support ES256, "
                                                    "ES384, RS256 and EdDSA",
                                                    webauthn::cose_algorithm_name(cose_alg)));
  }
}

std::string fido2_cred_lines(ByteView client_data_hash, std::string_view rp_id, std::string_view fmt,
                             ByteView auth_data, ByteView credential_id, ByteView signature,
                             std::optional<ByteView> certificate) {
  std::string out;
  out += base64_encode(client_data_hash) + "\n";
  out += std::string(rp_id) + "\n";
  out += std::string(fmt) + "\n";
  out += base64_encode(webauthn::cbor::encode_byte_string(auth_data)) + "\n";
  out += base64_encode(credential_id) + "\n";
  out += base64_encode(signature) + "\n";
  if (certificate) out += base64_encode(*certificate) + "\n";
  return out;
}

std::string fido2_assert_lines(ByteView client_data_hash, std::string_view rp_id, ByteView auth_data,
                               ByteView signature) {
  std::string out;
  out += base64_encode(client_data_hash) + "\n";
  out += std::string(rp_id) + "\n";
  out += base64_encode(webauthn::cbor::encode_byte_string(auth_data)) + "\n";
  out += base64_encode(signature) + "\n";
  return out;
}

std::string pem_public_key(ByteView spki_der) {
  const std::string body = base64_encode(spki_der);
  std::string out = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + "\n";
  out += "-----END PUBLIC KEY-----\n";
  return out;
}

Result<Fido2Input> fido2_cred_input(const webauthn::EnrollmentRecord& record) {
  const auto& response = record.response;
  auto object = webauthn::attestation_object_decode(response.attestation_object);
  if (!object) return fail(object.error());
  if (object->fmt != "packed") {
    return fail(ErrorCategory::usage, fmt::format("fido2-cred -V cannot verify attestation format \"{}\"; enroll "
                                                  "with packed attestation (basic or self)",
                                                  object->fmt));
  }
  auto statement = webauthn::packed_statement_decode(object->att_stmt_cbor);
  if (!statement) return fail(statement.error());
  auto credential = webauthn::enrollment_record_credential(record);
  if (!credential) return fail(credential.error());
  auto type = fido2_type_name(credential->algorithm);
  if (!type) return fail(type.error());
  auto key = webauthn::cose_key_decode(credential->public_key_cose);
  if (!key) return fail(key.error());
  auto spki = webauthn::cose_key_spki_der(*key);
  if (!spki) return fail(spki.error());

  Fido2Input out;
  const Bytes client_data_hash = webauthn::sha256(as_bytes(response.client_data_json));
  std::optional<ByteView> certificate;
  if (!statement->x5c.empty()) certificate = ByteView(statement->x5c.front());
  out.lines = fido2_cred_lines(client_data_hash, record.rp_id, object->fmt, object->auth_data,
                               credential->credential_id, statement->sig, certificate);
  out.type = std::move(*type);
  out.public_key_pem = pem_public_key(*spki);
  return out;
}

Result<Fido2Input> fido2_assert_input(const webauthn::AuthenticationResponse& response, std::string_view rp_id,
                                      ByteView public_key_cose) {
  auto key = webauthn::cose_key_decode(public_key_cose);
  if (!key) return fail(key.error());
  auto type = fido2_type_name(key->alg);
  if (!type) return fail(type.error());
  auto spki = webauthn::cose_key_spki_der(*key);
  if (!spki) return fail(spki.error());
  Fido2Input out;
  out.lines = fido2_assert_lines(webauthn::sha256(as_bytes(response.client_data_json)), rp_id,
                                 response.authenticator_data, response.signature);
  out.type = std::move(*type);
  out.public_key_pem = pem_public_key(*spki);
  return out;
}

}  // namespace acctsec::interop
