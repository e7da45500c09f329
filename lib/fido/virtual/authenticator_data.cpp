#include "fido/virtual/authenticator_data.hpp"

namespace acctsec::fido::soft {

Bytes authenticator_data(ByteView rp_id_hash, std::uint8_t flags, std::uint32_t sign_count,
                         const AttestedCredential* attested) {
  Bytes out(rp_id_hash.begin(), rp_id_hash.end());
  out.push_back(attested != nullptr ? static_cast<std::uint8_t>(flags | auth_flag::k_attested_credential) : flags);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(sign_count >> shift));
  if (attested != nullptr) {
    out.insert(out.end(), attested->aaguid.begin(), attested->aaguid.end());
    out.push_back(static_cast<std::uint8_t>(attested->credential_id.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(attested->credential_id.size()));
    out.insert(out.end(), attested->credential_id.begin(), attested->credential_id.end());
    out.insert(out.end(), attested->cose_public_key.begin(), attested->cose_public_key.end());
  }
  return out;
}

}  // namespace acctsec::fido::soft
