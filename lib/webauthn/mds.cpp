#include "webauthn/mds.hpp"

#include <fmt/format.h>

#include "core/timestamp.hpp"
#include "webauthn/jws.hpp"

namespace acctsec::webauthn {
namespace {

using nlohmann::json;

std::unexpected<Error> malformed(const std::string& what) {
  return fail(ErrorCategory::rejected, "the MDS BLOB payload is malformed: " + what);
}

// Reads an optional string member; a present member of another type is an error.
Result<std::string> optional_string(const json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string{};
  if (!it->is_string()) return malformed(fmt::format("{}.{} is not a string", where, key));
  return it->get<std::string>();
}

Result<std::vector<std::string>> optional_strings(const json& object, const char* key, const std::string& where) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) return malformed(fmt::format("{}.{} is not an array", where, key));
  for (const auto& item : *it) {
    if (!item.is_string()) return malformed(fmt::format("{}.{} holds a member that is not a string", where, key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<MdsStatusReport> status_report_parse(const json& report, const std::string& where) {
  if (!report.is_object()) return malformed(where + " is not an object");
  MdsStatusReport out;
  auto status = report.find("status");
  if (status == report.end() || !status->is_string() || status->get<std::string>().empty())
    return malformed(where + ".status is missing or not a string");
  out.status = status->get<std::string>();
  struct Member {
    const char* key;
    std::string* field;
  };
  for (const Member& m :
       {Member{"effectiveDate", &out.effective_date}, Member{"certificateNumber", &out.certificate_number},
        Member{"certificationDescriptor", &out.certification_descriptor},
        Member{"certificationPolicyVersion", &out.certification_policy_version},
        Member{"certificationRequirementsVersion", &out.certification_requirements_version}, Member{"url", &out.url}}) {
    auto value = optional_string(report, m.key, where);
    if (!value) return fail(value.error());
    *m.field = std::move(*value);
  }
  if (!out.effective_date.empty() && !parse_date(out.effective_date))
    return malformed(fmt::format("{}.effectiveDate '{}' is not a date (YYYY-MM-DD)", where, out.effective_date));
  return out;
}

Result<MdsEntry> entry_parse(const json& entry, const std::string& where) {
  if (!entry.is_object()) return malformed(where + " is not an object");
  MdsEntry out;
  auto aaguid = optional_string(entry, "aaguid", where);
  if (!aaguid) return fail(aaguid.error());
  if (!aaguid->empty()) {
    out.aaguid = uuid_parse(*aaguid);
    if (!out.aaguid) return malformed(fmt::format("{}.aaguid '{}' is not a UUID", where, *aaguid));
  }
  auto aaid = optional_string(entry, "aaid", where);
  if (!aaid) return fail(aaid.error());
  out.aaid = std::move(*aaid);
  auto key_ids = optional_strings(entry, "attestationCertificateKeyIdentifiers", where);
  if (!key_ids) return fail(key_ids.error());
  out.attestation_certificate_key_identifiers = std::move(*key_ids);
  auto changed = optional_string(entry, "timeOfLastStatusChange", where);
  if (!changed) return fail(changed.error());
  out.time_of_last_status_change = std::move(*changed);

  // statusReports is a required member of an entry; an entry without it says nothing that can be trusted.
  const auto reports = entry.find("statusReports");
  if (reports == entry.end() || !reports->is_array())
    return malformed(where + ".statusReports is missing or not an array");
  for (std::size_t i = 0; i < reports->size(); ++i) {
    auto report = status_report_parse((*reports)[i], fmt::format("{}.statusReports[{}]", where, i));
    if (!report) return fail(report.error());
    out.status_reports.push_back(std::move(*report));
  }

  const auto statement = entry.find("metadataStatement");
  if (statement != entry.end() && !statement->is_null()) {
    if (!statement->is_object()) return malformed(where + ".metadataStatement is not an object");
    out.metadata_statement = *statement;
    const std::string in = where + ".metadataStatement";
    auto description = optional_string(*statement, "description", in);
    if (!description) return fail(description.error());
    out.description = std::move(*description);
    auto roots = optional_strings(*statement, "attestationRootCertificates", in);
    if (!roots) return fail(roots.error());
    for (std::size_t i = 0; i < roots->size(); ++i) {
      // Standard base64 of DER. Published statements sometimes carry line breaks inside it (the
      // real BLOB has entries that start with "\n\n"), which base64 readers skip.
      std::string text;
      for (char ch : (*roots)[i])
        if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') text += ch;
      auto der = base64_decode(text);
      if (!der || der->empty())
        return malformed(fmt::format("{}.attestationRootCertificates[{}] is not base64", in, i));
      out.attestation_roots.push_back(std::move(*der));
    }
  }
  return out;
}

int level_of(std::string_view status) {
  if (status == "FIDO_CERTIFIED" || status == "FIDO_CERTIFIED_L1" || status == "FIDO_CERTIFIED_L1plus") return 1;
  if (status == "FIDO_CERTIFIED_L2" || status == "FIDO_CERTIFIED_L2plus") return 2;
  if (status == "FIDO_CERTIFIED_L3" || status == "FIDO_CERTIFIED_L3plus") return 3;
  return 0;
}

}  // namespace

Result<std::vector<X509Ptr>> mds_default_roots() {
  auto roots = certificates_parse_pem(mds_default_root_pem());
  if (!roots) return fail(ErrorCategory::internal, "the built-in MDS root does not parse: " + roots.error().message);
  return roots;
}

Result<MdsBlob> mds_payload_parse(std::string_view payload) {
  const json doc = json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return malformed("it is not a JSON object");
  MdsBlob blob;
  auto legal = optional_string(doc, "legalHeader", "payload");
  if (!legal) return fail(legal.error());
  blob.legal_header = std::move(*legal);

  const auto no = doc.find("no");
  if (no == doc.end() || !no->is_number_integer() || no->get<long long>() < 0 ||
      no->get<long long>() > std::numeric_limits<int>::max())
    return malformed("\"no\" is missing or not a serial number");
  blob.number = no->get<int>();

  const auto next = doc.find("nextUpdate");
  if (next == doc.end() || !next->is_string() || !parse_date(next->get<std::string>()))
    return malformed("nextUpdate is missing or not a date (YYYY-MM-DD)");
  blob.next_update = next->get<std::string>();

  const auto entries = doc.find("entries");
  if (entries == doc.end() || !entries->is_array()) return malformed("entries is missing or not an array");
  blob.entries.reserve(entries->size());
  for (std::size_t i = 0; i < entries->size(); ++i) {
    auto entry = entry_parse((*entries)[i], fmt::format("entries[{}]", i));
    if (!entry) return fail(entry.error());
    blob.entries.push_back(std::move(*entry));
  }
  return blob;
}

Result<MdsBlob> mds_blob_verify(std::string_view blob_text, const std::vector<X509Ptr>& roots,
                                std::optional<std::chrono::system_clock::time_point> at) {
  if (roots.empty()) return fail(ErrorCategory::internal, "no MDS root to verify the BLOB against");
  // The signature first, with x5c[0]: a BLOB whose payload was changed fails here whatever its chain.
  auto jws = jws_verify_x5c(blob_text);
  if (!jws) return fail(ErrorCategory::rejected, "the MDS BLOB does not verify: " + jws.error().message);
  const auto& chain = jws->chain;
  const TrustResult trust = certificate_chain_verify(chain, roots, at);
  if (trust.status != TrustStatus::trusted)
    return fail(ErrorCategory::rejected, "the MDS BLOB's signing certificate does not chain to the metadata root: " +
                                             (trust.reason.empty() ? std::string("no path") : trust.reason));
  auto blob = mds_payload_parse(as_chars(jws->jws.payload));
  if (!blob) return fail(blob.error());
  blob->algorithm = jws->jws.algorithm;
  blob->signer_path = trust.path;
  return blob;
}

bool mds_blob_stale(const MdsBlob& blob, std::chrono::system_clock::time_point at) {
  const auto next = parse_date(blob.next_update);
  return !next || at > std::chrono::system_clock::time_point{*next};
}

const MdsEntry* mds_entry_find(const MdsBlob& blob, ByteView aaguid) {
  for (const auto& entry : blob.entries)
    if (entry.aaguid && std::equal(entry.aaguid->begin(), entry.aaguid->end(), aaguid.begin(), aaguid.end()))
      return &entry;
  return nullptr;
}

int mds_certification_level(const std::vector<MdsStatusReport>& reports) {
  int level = 0;
  for (const auto& report : reports) level = std::max(level, level_of(report.status));
  return level;
}

const MdsStatusReport* mds_latest_report(const std::vector<MdsStatusReport>& reports) {
  const MdsStatusReport* latest = nullptr;
  for (const auto& report : reports) {
    // Dates are YYYY-MM-DD (checked when parsed), so they order as text; empty sorts first.
    if (!latest || report.effective_date >= latest->effective_date) latest = &report;
  }
  return latest;
}

Result<AuthenticatorMetadata> mds_authenticator_metadata(const MdsBlob& blob, const MdsEntry& entry,
                                                         std::chrono::system_clock::time_point at) {
  AuthenticatorMetadata out;
  out.description = entry.description;
  for (const auto& report : entry.status_reports) out.statuses.push_back(report.status);
  if (const auto* latest = mds_latest_report(entry.status_reports)) out.latest_status = latest->status;
  out.certification_level = mds_certification_level(entry.status_reports);
  for (std::size_t i = 0; i < entry.attestation_roots.size(); ++i) {
    auto root =
        certificate_parse_der(entry.attestation_roots[i], fmt::format("attestation root {} of the MDS entry", i));
    if (!root) return fail(ErrorCategory::rejected, root.error().message);
    out.attestation_roots.push_back(std::move(*root));
  }
  out.stale = mds_blob_stale(blob, at);
  out.blob_number = blob.number;
  return out;
}

Result<AuthenticatorMetadata> mds_lookup(const MdsBlob& blob, ByteView aaguid,
                                         std::chrono::system_clock::time_point at) {
  const MdsEntry* entry = mds_entry_find(blob, aaguid);
  if (!entry)
    return fail(ErrorCategory::not_found,
                fmt::format("the MDS BLOB (no {}) has no entry for AAGUID {}", blob.number, uuid_format(aaguid)));
  return mds_authenticator_metadata(blob, *entry, at);
}

}  // namespace acctsec::webauthn
