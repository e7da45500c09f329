// attestation_object_decode and packed_statement_decode on arbitrary bytes; what decodes must
// re-encode to the same fields, and is then taken through the registration ceremony's next steps:
// authenticator data, the credential key, and the statement check of its format.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;

namespace {

void packed_round_trip(ByteView att_stmt_cbor) {
  auto statement = packed_statement_decode(att_stmt_cbor);
  if (!statement) return;
  const Bytes encoded = packed_statement_encode(*statement);
  auto again = packed_statement_decode(encoded);
  fuzz::require(again.has_value(), "a packed statement re-encoded by packed_statement_encode decodes");
  fuzz::require(again->alg == statement->alg && again->sig == statement->sig && again->x5c == statement->x5c,
                "a packed statement keeps alg, sig and x5c through encode and decode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  auto object = attestation_object_decode(input);
  // The statement parser sees every map-shaped attStmt, whatever fmt says.
  if (!object) return 0;
  fuzz::require(!object->fmt.empty(), "a decoded attestation object has a fmt");

  const Bytes encoded = attestation_object_encode(object->fmt, object->att_stmt_cbor, object->auth_data);
  auto again = attestation_object_decode(encoded);
  fuzz::require(again.has_value(), "an attestation object re-encoded by attestation_object_encode decodes");
  fuzz::require(again->fmt == object->fmt && again->att_stmt_cbor == object->att_stmt_cbor &&
                    again->auth_data == object->auth_data,
                "an attestation object keeps fmt, attStmt and authData through encode and decode");

  packed_round_trip(object->att_stmt_cbor);

  auto auth_data = authenticator_data_parse(object->auth_data);
  if (!auth_data || !auth_data->attested) return 0;
  auto key = cose_key_decode(auth_data->attested->public_key_cose);
  if (!key) return 0;
  // A fixed hash and time: the signatures will not verify, but every format parses its statement
  // and makes its structural checks before that.
  const Bytes client_data_hash(32, 0x5a);
  const AttestationInput attestation{*object, *auth_data, client_data_hash, *key,
                                     std::chrono::system_clock::time_point{std::chrono::seconds{1767225600}}};
  (void)attestation_statement_verify(attestation);
  return 0;
}
