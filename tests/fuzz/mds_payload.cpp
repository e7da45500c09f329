// mds_payload_parse on arbitrary text, then what a registration does with a BLOB: look up each
// entry by AAGUID (which parses its attestation roots) and read its status.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "webauthn/mds.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto blob = mds_payload_parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!blob) return 0;
  const std::chrono::system_clock::time_point at{std::chrono::seconds{1767225600}};  // 2026-01-01
  (void)mds_blob_stale(*blob, at);
  for (const auto& entry : blob->entries) {
    const int level = mds_certification_level(entry.status_reports);
    fuzz::require(level >= 0 && level <= 3, "a certification level is 0 to 3");
    const auto* latest = mds_latest_report(entry.status_reports);
    fuzz::require((latest == nullptr) == entry.status_reports.empty(), "there is a latest report when there are reports");
    if (!entry.aaguid) continue;
    fuzz::require(entry.aaguid->size() == 16, "a parsed AAGUID is 16 bytes");
    fuzz::require(mds_entry_find(*blob, *entry.aaguid) != nullptr, "an entry is found by its own AAGUID");
    (void)mds_lookup(*blob, *entry.aaguid, at);
  }
  return 0;
}
