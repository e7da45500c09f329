// The local copy of the last verified MDS BLOB, so that registration checks and `mds show` work
// offline and the BLOB is fetched once per nextUpdate rather than per use.
//
// Layout of the cache directory ($XDG_CACHE_HOME/acctsec/mds by default):
//   blob-<first 16 hex of its SHA-256>.jwt   the JWS exactly as it was verified
//   cache.json                               what it is: number, nextUpdate, when and against
//                                            which roots it was verified, where it came from,
//                                            the SHA-256 and name of the .jwt
// cache.json is written last, by atomic rename, and names the .jwt it describes, so a reader
// sees the old BLOB or the new one and an interrupted update leaves the old one in force.
//
// Loading re-verifies: the signature and the x5c chain are checked again, against the roots and
// at the time recorded when the BLOB was stored (a signing certificate that has expired since
// does not make the cache unusable; staleness is judged by nextUpdate instead). This catches a
// corrupted, truncated or hand-edited cache; it is not a defence against someone who can write
// the cache directory, who could equally replace the recorded roots.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "webauthn/certificate.hpp"
#include "webauthn/mds.hpp"

namespace acctsec::webauthn {

// The default cache directory: $XDG_CACHE_HOME/acctsec/mds, else $HOME/.cache/acctsec/mds;
// empty when neither variable is set (or set but empty, as XDG says to ignore).
std::string mds_cache_default_dir(const std::optional<std::string>& xdg_cache_home,
                                  const std::optional<std::string>& home);

// What cache.json records about the cached BLOB.
struct MdsCacheRecord {
  int number = 0;
  std::string next_update;   // YYYY-MM-DD
  std::string verified_at;   // RFC 3339 UTC: the time the chain was verified at (--at, or then)
  std::string fetched_at;    // RFC 3339 UTC: when it was stored
  std::string source;        // the file or URL it came from
  std::string blob_file;     // the .jwt's name inside the cache directory
  std::string sha256;        // of the .jwt, hex
  std::vector<Bytes> roots;  // DER of the roots it was verified against
};

struct MdsCached {
  MdsBlob blob;
  MdsCacheRecord record;
  std::string path;  // the .jwt's full path
};

// Where cache.json and the BLOB would live in `dir`.
std::string mds_cache_record_path(const std::string& dir);

// Verifies `blob_text` with mds_blob_verify(roots, at) and, when it passes, stores it in `dir`
// (created if missing) as the cached BLOB; `now` is the fetched time. A BLOB with a lower number
// than the cached one verified against the same roots is refused (a rollback would bring back
// statuses that were since revoked); the same number replaces it (a refresh). On any failure
// the cache is left as it was. Returns the stored BLOB and its record.
// Errors: rejected (does not verify; older than the cached BLOB), usage (the directory cannot
// be created or written).
Result<MdsCached> mds_cache_update(const std::string& dir, std::string_view blob_text,
                                   const std::vector<X509Ptr>& roots,
                                   std::optional<std::chrono::system_clock::time_point> at, std::string_view source,
                                   std::chrono::system_clock::time_point now);

// Loads the cached BLOB from `dir` and re-verifies it (see above). Errors: not_found (nothing is
// cached), rejected (cache.json or the BLOB is damaged, or they disagree, or it no longer
// verifies — run the update again), usage (unreadable).
Result<MdsCached> mds_cache_load(const std::string& dir);

}  // namespace acctsec::webauthn
