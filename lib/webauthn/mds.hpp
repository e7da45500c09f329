// FIDO Metadata Service (MDS3) BLOBs: verifying one (its JWS signature by x5c[0], and the x5c
// chain to the metadata root at a chosen time), reading its payload, and looking up what it says
// about an authenticator model. FIDO Metadata Service v3.0: the Metadata BLOB format, its payload
// dictionaries and the processing rules for relying parties.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/authenticator_metadata.hpp"
#include "webauthn/certificate.hpp"

namespace acctsec::webauthn {

// One statusReports[] member (MDS3 StatusReport dictionary). Absent members are empty.
struct MdsStatusReport {
  std::string status;          // AuthenticatorStatus, e.g. "FIDO_CERTIFIED_L1", "REVOKED"
  std::string effective_date;  // YYYY-MM-DD
  std::string certificate_number;
  std::string certification_descriptor;
  std::string certification_policy_version;
  std::string certification_requirements_version;
  std::string url;
};

// One entries[] member (MDS3 MetadataBLOBPayloadEntry dictionary). FIDO2 authenticators are named by AAGUID; UAF ones by
// AAID and U2F ones by attestation key identifiers, which are kept but not looked up.
struct MdsEntry {
  std::optional<Bytes> aaguid;  // 16 bytes
  std::string aaid;
  std::vector<std::string> attestation_certificate_key_identifiers;
  std::string description;               // metadataStatement.description
  std::vector<Bytes> attestation_roots;  // metadataStatement.attestationRootCertificates, DER
  std::vector<MdsStatusReport> status_reports;
  std::string time_of_last_status_change;  // YYYY-MM-DD
  nlohmann::json metadata_statement;       // as published (null when absent), for the rest
};

// A BLOB whose signature and chain have been verified, and its parsed payload.
struct MdsBlob {
  std::string legal_header;
  int number = 0;           // "no": the serial number, increasing with each BLOB
  std::string next_update;  // "nextUpdate", YYYY-MM-DD
  std::vector<MdsEntry> entries;
  std::string algorithm;                 // the JWS "alg"
  std::vector<std::string> signer_path;  // verified path: signing certificate first, root last
};

// The default metadata root, GlobalSign Root CA - R3, as PEM text (webauthn/mds_root.cpp).
std::string_view mds_default_root_pem();

// The default root parsed. Errors: internal (the embedded text does not parse).
Result<std::vector<X509Ptr>> mds_default_roots();

// Verifies a BLOB (compact JWS: base64url header, payload and signature joined by '.'): the
// signature with the key of x5c[0] by the header's alg, and the x5c chain to one of `roots` at
// `at` (now when unset); then parses the payload. An x5c chain that does not lead to a root is
// refused, never "unverified". Errors: rejected (not a JWS, unsupported alg, no x5c, bad
// signature, untrusted chain — OpenSSL's reason in the message —, malformed payload).
Result<MdsBlob> mds_blob_verify(std::string_view blob, const std::vector<X509Ptr>& roots,
                                std::optional<std::chrono::system_clock::time_point> at);

// Parses a BLOB payload (the JSON inside the JWS), without any verification: for tests and for
// mds_blob_verify. Errors: rejected (not JSON, a required member missing or of the wrong type, an
// AAGUID that is not a UUID, an attestation root that is not base64).
Result<MdsBlob> mds_payload_parse(std::string_view payload);

// True when `at` is past the BLOB's nextUpdate (midnight UTC starting that date): a newer BLOB
// should exist and this one may miss revocations. Using a stale BLOB is a warning, not a failure.
bool mds_blob_stale(const MdsBlob& blob, std::chrono::system_clock::time_point at);

// The entry for an AAGUID, or nullptr when the BLOB has none.
const MdsEntry* mds_entry_find(const MdsBlob& blob, ByteView aaguid);

// The highest FIDO certification level in the reports: FIDO_CERTIFIED and FIDO_CERTIFIED_L1(plus)
// count as 1, L2(plus) as 2, L3(plus) as 3; 0 when there is none.
int mds_certification_level(const std::vector<MdsStatusReport>& reports);

// The report that is in force: the newest by effectiveDate (later in BLOB order on a tie, and a
// report without a date oldest), or nullptr when there are none.
const MdsStatusReport* mds_latest_report(const std::vector<MdsStatusReport>& reports);

// What the entry says, in the shape the registration ceremony consumes; `stale` from
// mds_blob_stale at `at`. Errors: rejected (an attestation root is not a DER certificate).
Result<AuthenticatorMetadata> mds_authenticator_metadata(const MdsBlob& blob, const MdsEntry& entry,
                                                         std::chrono::system_clock::time_point at);

// mds_entry_find then mds_authenticator_metadata. Errors: not_found (no entry for the AAGUID),
// rejected.
Result<AuthenticatorMetadata> mds_lookup(const MdsBlob& blob, ByteView aaguid,
                                         std::chrono::system_clock::time_point at);

}  // namespace acctsec::webauthn
