#include "webauthn/mds_cache.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/file.hpp"
#include "core/timestamp.hpp"
#include "webauthn/enrollment_record.hpp"
#include "webauthn/hash.hpp"

namespace acctsec::webauthn {
namespace {

constexpr std::string_view k_cache_schema = "acctsec.mds.cache/1";
constexpr std::size_t k_max_blob_size = 64 * 1024 * 1024;  // the real BLOB is a few MB

std::unexpected<Error> damaged(const std::string& dir, const std::string& what) {
  return fail(ErrorCategory::rejected,
              fmt::format("the MDS cache in {} is damaged ({}); fetch the BLOB again", dir, what));
}

std::vector<Bytes> roots_der(const std::vector<X509Ptr>& roots) {
  std::vector<Bytes> out;
  for (const auto& root : roots) out.push_back(certificate_der(root.get()));
  return out;
}

nlohmann::json record_to_json(const MdsCacheRecord& record) {
  nlohmann::json roots = nlohmann::json::array();
  for (const auto& der : record.roots) roots.push_back(base64_encode(der));
  return {{"schema", k_cache_schema},
          {"no", record.number},
          {"nextUpdate", record.next_update},
          {"verifiedAt", record.verified_at},
          {"fetchedAt", record.fetched_at},
          {"source", record.source},
          {"blob", record.blob_file},
          {"sha256", record.sha256},
          {"roots", roots}};
}

Result<MdsCacheRecord> record_from_json(const std::string& dir, std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("schema", "") != k_cache_schema)
    return damaged(dir, "cache.json is not an " + std::string(k_cache_schema) + " document");
  MdsCacheRecord record;
  try {
    record.number = doc.at("no").get<int>();
    record.next_update = doc.at("nextUpdate").get<std::string>();
    record.verified_at = doc.at("verifiedAt").get<std::string>();
    record.fetched_at = doc.at("fetchedAt").get<std::string>();
    record.source = doc.at("source").get<std::string>();
    record.blob_file = doc.at("blob").get<std::string>();
    record.sha256 = doc.at("sha256").get<std::string>();
    for (const auto& root : doc.at("roots")) {
      auto der = base64_decode(root.get<std::string>());
      if (!der) return damaged(dir, "a root in cache.json is not base64");
      record.roots.push_back(std::move(*der));
    }
  } catch (const nlohmann::json::exception& e) {
    return damaged(dir, std::string("cache.json: ") + e.what());
  }
  // The name comes from the file; never let it point outside the directory.
  if (record.blob_file.empty() || record.blob_file.find('/') != std::string::npos || record.blob_file.starts_with("."))
    return damaged(dir, "cache.json names an invalid BLOB file");
  return record;
}

// Reads cache.json when there is one. Errors: rejected (damaged), usage.
Result<std::optional<MdsCacheRecord>> record_read(const std::string& dir) {
  auto text = file_read(mds_cache_record_path(dir));
  if (!text) {
    if (text.error().category == ErrorCategory::not_found) return std::optional<MdsCacheRecord>{};
    return fail(text.error());
  }
  auto record = record_from_json(dir, *text);
  if (!record) return fail(record.error());
  return std::optional<MdsCacheRecord>(std::move(*record));
}

}  // namespace

std::string mds_cache_default_dir(const std::optional<std::string>& xdg_cache_home,
                                  const std::optional<std::string>& home) {
  if (xdg_cache_home && !xdg_cache_home->empty()) return *xdg_cache_home + "/acctsec/mds";
  if (home && !home->empty()) return *home + "/.cache/acctsec/mds";
  return {};
}

std::string mds_cache_record_path(const std::string& dir) {
  return dir + "/cache.json";
}

Result<MdsCached> mds_cache_update(const std::string& dir, std::string_view blob_text,
                                   const std::vector<X509Ptr>& roots,
                                   std::optional<std::chrono::system_clock::time_point> at, std::string_view source,
                                   std::chrono::system_clock::time_point now) {
  // Verify before touching the directory, so that a refused BLOB changes nothing.
  auto blob = mds_blob_verify(blob_text, roots, at);
  if (!blob) return fail(blob.error());

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(ErrorCategory::usage, fmt::format("cannot create the MDS cache directory {}: {}", dir, ec.message()));
  // Two updates at once would race on the rollback check and on removing the old .jwt.
  auto lock = FileLock::acquire(mds_cache_record_path(dir));
  if (!lock) return fail(lock.error());

  MdsCacheRecord record;
  record.number = blob->number;
  record.next_update = blob->next_update;
  record.verified_at = rfc3339_utc(at.value_or(now));
  record.fetched_at = rfc3339_utc(now);
  record.source = std::string(source);
  record.sha256 = hex_encode(sha256(as_bytes(blob_text)));
  record.blob_file = "blob-" + record.sha256.substr(0, 16) + ".jwt";
  record.roots = roots_der(roots);

  auto previous = record_read(dir);
  // A damaged cache is replaced rather than blocking the update that repairs it.
  if (!previous && previous.error().category != ErrorCategory::rejected) return fail(previous.error());
  const std::optional<MdsCacheRecord> old = previous ? std::move(*previous) : std::nullopt;
  if (old && old->roots == record.roots && old->number > record.number)
    return fail(ErrorCategory::rejected, fmt::format("it is number {}, older than the cached number {} (from {})",
                                                     record.number, old->number, old->source));

  const mode_t mode = file_mode_for_umask();
  const std::string blob_path = dir + "/" + record.blob_file;
  if (auto ok = file_write_atomic(blob_path, blob_text, mode); !ok) return fail(ok.error());
  if (auto ok = file_write_atomic(mds_cache_record_path(dir), record_to_json(record).dump(2) + "\n", mode); !ok) {
    if (!old || old->blob_file != record.blob_file) std::filesystem::remove(blob_path, ec);
    return fail(ok.error());
  }
  // The old BLOB is garbage once cache.json names the new one; failing to remove it is harmless.
  if (old && old->blob_file != record.blob_file) std::filesystem::remove(dir + "/" + old->blob_file, ec);
  return MdsCached{std::move(*blob), std::move(record), blob_path};
}

Result<MdsCached> mds_cache_load(const std::string& dir) {
  auto read = record_read(dir);
  if (!read) return fail(read.error());
  if (!*read) return fail(ErrorCategory::not_found, "no MDS BLOB is cached in " + dir);
  MdsCacheRecord record = std::move(**read);
  const std::string path = dir + "/" + record.blob_file;
  auto text = file_read(path, k_max_blob_size);
  if (!text) {
    if (text.error().category == ErrorCategory::not_found) return damaged(dir, record.blob_file + " is missing");
    return fail(text.error());
  }
  if (hex_encode(sha256(as_bytes(*text))) != record.sha256) return damaged(dir, record.blob_file + " has changed");
  std::vector<X509Ptr> roots;
  for (const auto& der : record.roots) {
    auto root = certificate_parse_der(der, "root recorded in cache.json");
    if (!root) return damaged(dir, root.error().message);
    roots.push_back(std::move(*root));
  }
  const auto verified_at = parse_timestamp(record.verified_at);
  if (!verified_at) return damaged(dir, "verifiedAt is not an RFC 3339 time");
  auto blob = mds_blob_verify(*text, roots, std::chrono::system_clock::time_point{*verified_at});
  if (!blob) return damaged(dir, blob.error().message);
  if (blob->number != record.number || blob->next_update != record.next_update)
    return damaged(dir, "cache.json does not describe the cached BLOB");
  return MdsCached{std::move(*blob), std::move(record), path};
}

}  // namespace acctsec::webauthn
