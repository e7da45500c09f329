// authenticator_data_parse on arbitrary bytes; authenticator data is signed byte for byte, so what
// parses must encode back to exactly the input, and its credential key is decoded next.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  auto parsed = authenticator_data_parse(input);
  if (!parsed) return 0;
  fuzz::require(parsed->rp_id_hash.size() == 32, "parsed authenticator data has a 32-byte rpIdHash");
  fuzz::require(parsed->attested.has_value() == parsed->attested_data &&
                    parsed->extensions_cbor.has_value() == parsed->extension_data,
                "the AT and ED flags match what was parsed");
  auto encoded = authenticator_data_encode(*parsed);
  fuzz::require(encoded.has_value(), "parsed authenticator data encodes");
  fuzz::require(fuzz::same_bytes(*encoded, input), "authenticator data encodes back to the parsed bytes");
  if (parsed->attested) (void)cose_key_decode(parsed->attested->public_key_cose);
  return 0;
}
