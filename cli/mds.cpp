// acctsec mds update | show: the FIDO Metadata Service BLOB that attestation checks consult.
#include "webauthn/mds.hpp"

#include <fmt/format.h>

#include <chrono>

#include "command.hpp"
#include "core/bytes.hpp"
#include "core/file.hpp"
#include "core/timestamp.hpp"
#include "webauthn/enrollment_record.hpp"
#include "webauthn/hash.hpp"
#include "webauthn/mds_cache.hpp"
#include "webauthn/mds_fetch.hpp"

namespace acctsec::cli {
namespace {

constexpr std::string_view k_mds_url = "https://mds3.fidoalliance.org/";

Result<std::string> mds_cache_dir(Context& ctx) {
  std::string dir = webauthn::mds_cache_default_dir(ctx.deps.env("XDG_CACHE_HOME"), ctx.deps.env("HOME"));
  if (dir.empty())
    return fail(ErrorCategory::usage, "neither XDG_CACHE_HOME nor HOME is set, so there is no place for the MDS cache");
  return dir;
}

void warn_if_stale(Context& ctx, const webauthn::MdsBlob& blob, std::chrono::system_clock::time_point at) {
  if (!webauthn::mds_blob_stale(blob, at)) return;
  ctx.out.warn(
      fmt::format("the MDS BLOB (no {}) was due to be replaced on {}; it may miss recent status changes. "
                  "Fetch the current one: acctsec mds update --url {}",
                  blob.number, blob.next_update, k_mds_url));
}

struct UpdateOptions {
  std::string blob_file;
  std::string url;
  std::string root_file;
  std::string at;
};

Result<std::vector<webauthn::X509Ptr>> roots_read(const std::string& path) {
  if (path.empty()) return webauthn::mds_default_roots();
  auto text = file_read(path);
  if (!text) return fail(text.error());
  auto roots = webauthn::certificates_parse_pem(*text);
  if (!roots)
    return fail(ErrorCategory::usage, fmt::format("{} holds no PEM certificate to use as the MDS root", path));
  return roots;
}

Result<int> run_mds_update(const UpdateOptions& o, Context& ctx) {
  if (o.blob_file.empty() == o.url.empty())
    return fail(
        ErrorCategory::usage,
        fmt::format("give the BLOB with --blob FILE or --url URL (the FIDO Alliance publishes it at {})", k_mds_url));
  std::optional<std::chrono::system_clock::time_point> at;
  if (!o.at.empty()) {
    auto parsed = parse_timestamp(o.at);
    if (!parsed)
      return fail(ErrorCategory::usage,
                  fmt::format("--at takes an RFC 3339 time such as 2024-05-01T12:00:00Z, or a date "
                              "such as 2024-05-01, not '{}'",
                              o.at));
    at = std::chrono::system_clock::time_point{*parsed};
  }
  auto roots = roots_read(o.root_file);
  if (!roots) return fail(roots.error());
  auto dir = mds_cache_dir(ctx);
  if (!dir) return fail(dir.error());

  std::string text;
  if (!o.blob_file.empty()) {
    auto read = file_read(o.blob_file, 64 * 1024 * 1024);
    if (!read) {
      if (read.error().category == ErrorCategory::not_found)
        return fail(ErrorCategory::not_found,
                    fmt::format("{} does not exist; download the BLOB from {}, or use --url", o.blob_file, k_mds_url));
      return fail(read.error());
    }
    text = std::move(*read);
  } else {
    if (!ctx.out.json()) ctx.out.info("Fetching " + o.url);
    auto fetched = webauthn::mds_fetch(o.url, ctx.globals.timeout);
    if (!fetched) return fail(fetched.error());
    text = std::move(*fetched);
  }
  // A BLOB saved from a browser or with curl may end in a newline; the JWS itself never does.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();

  const auto now = std::chrono::system_clock::now();
  const std::string source = o.blob_file.empty() ? o.url : o.blob_file;
  auto cached = webauthn::mds_cache_update(*dir, text, *roots, at, source, now);
  if (!cached) {
    Error error = cached.error();
    if (error.category == ErrorCategory::rejected)
      error.message = "refused the MDS BLOB from " + source + ": " + error.message + "; the cache was not changed";
    return fail(std::move(error));
  }
  const auto& blob = cached->blob;
  warn_if_stale(ctx, blob, at.value_or(now));
  if (ctx.out.json()) {
    ctx.out.document("acctsec.mds.update/1", {{"no", blob.number},
                                              {"nextUpdate", blob.next_update},
                                              {"stale", webauthn::mds_blob_stale(blob, at.value_or(now))},
                                              {"entries", blob.entries.size()},
                                              {"algorithm", blob.algorithm},
                                              {"signer", blob.signer_path},
                                              {"verifiedAt", cached->record.verified_at},
                                              {"source", source},
                                              {"cache", cached->path}});
    return 0;
  }
  ctx.out.fields({{"MDS BLOB", fmt::format("no {}, {} entries", blob.number, blob.entries.size())},
                  {"Next update", blob.next_update},
                  {"Signed by", blob.signer_path.empty() ? std::string("-") : blob.signer_path.front()},
                  {"Root", blob.signer_path.empty() ? std::string("-") : blob.signer_path.back()},
                  {"Verified at", cached->record.verified_at},
                  {"Cached in", cached->path}});
  return 0;
}

struct ShowOptions {
  std::string aaguid;
};

std::string fingerprint(X509* cert) {
  return hex_encode(webauthn::sha256(webauthn::certificate_der(cert)));
}

Result<int> run_mds_show(const ShowOptions& o, Context& ctx) {
  const auto aaguid = uuid_parse(o.aaguid);
  if (!aaguid)
    return fail(ErrorCategory::usage, fmt::format("'{}' is not an AAGUID; write it as a UUID, e.g. "
                                                  "cb69481e-8ff7-4039-93ec-0a2729a154a8",
                                                  o.aaguid));
  auto dir = mds_cache_dir(ctx);
  if (!dir) return fail(dir.error());
  auto cached = webauthn::mds_cache_load(*dir);
  if (!cached) {
    Error error = cached.error();
    if (error.category == ErrorCategory::not_found)
      error.message += fmt::format("; fetch it with: acctsec mds update --url {}", k_mds_url);
    return fail(std::move(error));
  }
  const auto& blob = cached->blob;
  const auto now = std::chrono::system_clock::now();
  const webauthn::MdsEntry* entry = webauthn::mds_entry_find(blob, *aaguid);
  if (!entry)
    return fail(ErrorCategory::not_found,
                fmt::format("the MDS BLOB (no {}) has no entry for AAGUID {}; the authenticator "
                            "is not FIDO certified, or is newer than the BLOB",
                            blob.number, uuid_format(*aaguid)));
  auto metadata = webauthn::mds_authenticator_metadata(blob, *entry, now);
  if (!metadata) return fail(metadata.error());
  const auto refused = webauthn::metadata_refused_status(*metadata);
  warn_if_stale(ctx, blob, now);

  if (ctx.out.json()) {
    nlohmann::json reports = nlohmann::json::array();
    for (const auto& r : entry->status_reports) {
      nlohmann::json report = {{"status", r.status}};
      const std::pair<const char*, const std::string*> optional[] = {
          {"effectiveDate", &r.effective_date},
          {"certificateNumber", &r.certificate_number},
          {"certificationDescriptor", &r.certification_descriptor},
          {"certificationPolicyVersion", &r.certification_policy_version},
          {"certificationRequirementsVersion", &r.certification_requirements_version},
          {"url", &r.url}};
      for (const auto& [key, value] : optional)
        if (!value->empty()) report[key] = *value;
      reports.push_back(report);
    }
    nlohmann::json roots = nlohmann::json::array();
    for (const auto& root : metadata->attestation_roots)
      roots.push_back({{"subject", webauthn::certificate_subject(root.get())}, {"sha256", fingerprint(root.get())}});
    ctx.out.document("acctsec.mds.show/1",
                     {{"aaguid", uuid_format(*aaguid)},
                      {"description", metadata->description},
                      {"latestStatus", metadata->latest_status},
                      {"refusedStatus", refused ? nlohmann::json(*refused) : nlohmann::json(nullptr)},
                      {"certificationLevel", metadata->certification_level},
                      {"timeOfLastStatusChange", entry->time_of_last_status_change},
                      {"statusReports", reports},
                      {"attestationRoots", roots},
                      {"metadataStatement", entry->metadata_statement},
                      {"blob",
                       {{"no", blob.number},
                        {"nextUpdate", blob.next_update},
                        {"stale", metadata->stale},
                        {"verifiedAt", cached->record.verified_at},
                        {"fetchedAt", cached->record.fetched_at},
                        {"source", cached->record.source}}}});
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> f;
  f.emplace_back("AAGUID", uuid_format(*aaguid));
  f.emplace_back("Description", metadata->description.empty() ? "-" : metadata->description);
  std::string status = metadata->latest_status.empty() ? "-" : metadata->latest_status;
  if (refused) status = ctx.out.styled(status + " (refused: " + *refused + ")", Style::bad);
  f.emplace_back("Status", status);
  f.emplace_back("Certification level",
                 metadata->certification_level == 0 ? "none" : fmt::format("L{}", metadata->certification_level));
  for (const auto& r : entry->status_reports) {
    std::string line = (r.effective_date.empty() ? "(no date)" : r.effective_date) + "  " + r.status;
    if (!r.certificate_number.empty()) line += " (certificate " + r.certificate_number + ")";
    f.emplace_back("Status report", line);
  }
  if (metadata->attestation_roots.empty()) f.emplace_back("Attestation root", "none listed");
  for (const auto& root : metadata->attestation_roots)
    f.emplace_back("Attestation root",
                   webauthn::certificate_subject(root.get()) + " (SHA-256 " + fingerprint(root.get()) + ")");
  f.emplace_back("MDS BLOB", fmt::format("no {}, next update {}{}", blob.number, blob.next_update,
                                         metadata->stale ? " (stale)" : ""));
  ctx.out.fields(f);
  return 0;
}

}  // namespace

void register_mds(CLI::App& app, Dispatch& dispatch) {
  auto* mds = add_command(app, dispatch, "mds", "Fetch, verify and query the FIDO Metadata Service (MDS3) BLOB");
  if (!mds) return;
  mds->require_subcommand(1);

  if (auto* update = add_command(*mds, dispatch, "update",
                                 "Verify an MDS BLOB (signature, chain to the FIDO root) and cache it")) {
    auto o = std::make_shared<UpdateOptions>();
    auto* blob = update->add_option("--blob", o->blob_file, "The BLOB as a file (a JWS, as downloaded)");
    auto* url = update->add_option("--url", o->url,
                                   fmt::format("Fetch the BLOB from URL (the FIDO Alliance's: {})", k_mds_url));
    blob->excludes(url);
    update->add_option("--root", o->root_file,
                       "PEM file of the root to verify against (default: GlobalSign Root CA - R3)");
    update->add_option("--at", o->at, "Verify the chain at TIME (RFC 3339 or YYYY-MM-DD) instead of now");
    bind_action(update, dispatch, o, run_mds_update);
  }

  if (auto* show =
          add_command(*mds, dispatch, "show", "Print what the cached BLOB says about an authenticator model")) {
    auto o = std::make_shared<ShowOptions>();
    show->add_option("AAGUID", o->aaguid, "The authenticator model's AAGUID, as acctsec key info prints it")
        ->required();
    bind_action(show, dispatch, o, run_mds_show);
  }
}

}  // namespace acctsec::cli
