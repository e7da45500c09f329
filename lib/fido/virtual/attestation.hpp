// Each virtual key's own attestation identity: a self-signed attestation CA and one attestation
// certificate it issues, following the FIDO "packed" certificate profile (WebAuthn §8.2.1), with
// subjects that say plainly that the key is virtual.
#pragma once

#include <string>

#include "core/bytes.hpp"
#include "fido/virtual/crypto.hpp"
#include "webauthn/virtual_key_marks.hpp"

namespace acctsec::fido::soft {

inline constexpr std::string_view k_attestation_organization = webauthn::k_virtual_key_organization;

struct AttestationIdentity {
  std::string ca_pem;  // the root a relying party would pin for this virtual key
  Bytes certificate_der;
  EvpPkey key;  // the attestation certificate's private key (P-256)
};

// Makes a new CA and attestation certificate for `aaguid` (16 bytes). The CA's private key is
// discarded once it has signed, so nothing can mint further certificates under this root.
AttestationIdentity attestation_identity_create(ByteView aaguid);

// DER of the first certificate in a PEM text; empty when there is none.
Bytes certificate_pem_to_der(std::string_view pem);

}  // namespace acctsec::fido::soft
