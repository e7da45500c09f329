// mds_blob_verify on arbitrary text against a root made for the seeds (mds_fuzz_root.pem, see
// make_seeds.py): JWS parsing, x5c certificates, the signature and the chain. A fuzzer cannot
// forge signatures, so past the signature check only the seeds themselves go; the payload parser
// has its own target (mds_payload).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string_view>

#include "fuzz_check.hpp"
#include "webauthn/mds.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;

namespace {

std::vector<X509Ptr> g_roots;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::ifstream file(ACCTSEC_FUZZ_MDS_ROOT);
  std::stringstream pem;
  pem << file.rdbuf();
  auto roots = certificates_parse_pem(pem.str());
  fuzz::require(roots.has_value(), "the fuzz MDS root (" ACCTSEC_FUZZ_MDS_ROOT ") parses");
  g_roots = std::move(*roots);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Inside the validity of the seeds' certificates, whatever the clock says.
  const std::chrono::system_clock::time_point at{std::chrono::seconds{1893456000}};  // 2030-01-01
  auto blob = mds_blob_verify(std::string_view(reinterpret_cast<const char*>(data), size), g_roots, at);
  if (!blob) return 0;
  fuzz::require(!blob->signer_path.empty() && !blob->algorithm.empty(), "a verified BLOB names its signer and alg");
  for (const auto& entry : blob->entries)
    if (entry.aaguid) (void)mds_lookup(*blob, *entry.aaguid, at);
  return 0;
}
