// The local PKI of `acctsec serve --dev`: a CA made for this data directory and a TLS server
// certificate it issues for the loopback names, so that clients verify TLS as they always do, by
// trusting <data-dir>/ca.pem, never by turning verification off.
#pragma once

#include <chrono>
#include <string>

#include "core/error.hpp"

namespace acctsec::server {

struct DevPki {
  std::string ca_cert;      // <data-dir>/ca.pem: what clients trust (--ca-file, ACCTSEC_CA_FILE)
  std::string server_cert;  // <data-dir>/server.pem
  std::string server_key;   // <data-dir>/server.key, mode 0600
  std::string ca_fingerprint;  // SHA-256 of the CA certificate's DER, colon-separated upper-case hex
  bool ca_created = false;     // false: an existing CA was reused
  bool server_issued = false;  // false: the existing server certificate is still good
};

inline constexpr std::chrono::hours k_dev_ca_validity{10 * 365 * 24};
inline constexpr std::chrono::hours k_dev_server_validity{365 * 24};
// A server certificate closer than this to its end is reissued from the CA.
inline constexpr std::chrono::hours k_dev_server_renew_before{30 * 24};

// Makes the CA (P-256; ca.key kept at 0600 beside it so the server certificate can be reissued)
// unless <data_dir>/ca.pem and ca.key exist, and issues server.pem/server.key for localhost,
// 127.0.0.1 and ::1 unless a server certificate from this CA exists, matches its key and is not
// near its end. Files are replaced atomically; keys are 0600. Errors: usage (the directory is
// not writable, or a file there is not what it should be — the message names it), internal.
Result<DevPki> dev_pki_ensure(const std::string& data_dir);

}  // namespace acctsec::server
