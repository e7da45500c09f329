// What FIDO metadata (MDS3) says about one authenticator model, in the shape the registration
// ceremony and the enrollment policy need. Filled from a verified MDS BLOB (webauthn/mds.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/certificate.hpp"

namespace acctsec::webauthn {

struct AuthenticatorMetadata {
  std::string description;               // metadataStatement.description
  std::vector<std::string> statuses;     // every statusReports[].status, in BLOB order
  std::string latest_status;             // the status of the newest report (by effectiveDate)
  int certification_level = 0;           // highest FIDO_CERTIFIED_Ln reached (L1plus counts as 1), 0 if none
  std::vector<X509Ptr> attestation_roots;  // metadataStatement.attestationRootCertificates
  bool stale = false;                    // the BLOB is past its nextUpdate at the verification time
  int blob_number = 0;                   // the BLOB's serial number ("no")
};

// Statuses that make an authenticator unacceptable whatever the policy (FIDO MDS3 §3.1.4):
// REVOKED, ATTESTATION_KEY_COMPROMISE, USER_VERIFICATION_BYPASS, USER_KEY_REMOTE_COMPROMISE,
// USER_KEY_PHYSICAL_COMPROMISE. Returns the first such status in `metadata`, if any.
std::optional<std::string> metadata_refused_status(const AuthenticatorMetadata& metadata);

// True when `status` is one of those.
bool metadata_status_refused(std::string_view status);

}  // namespace acctsec::webauthn
