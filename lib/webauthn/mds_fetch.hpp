// Fetching an MDS BLOB over HTTP(S) with libcurl. TLS peer and host verification stay on (the
// system CA store); plain http is accepted because the BLOB carries its own signature, which
// mds_blob_verify checks whatever the transport.
//
// libcurl is loaded when the first fetch happens (core/curl_library.hpp), not linked: linking it
// maps some thirty libraries into every acctsec start-up, about doubling the dynamic loader's
// work for commands that never fetch (bench/startup.sh).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace acctsec::webauthn {

// GETs `url` (http or https; redirects followed, never from https to http) within `timeout`,
// refusing bodies over `max_size` bytes. Returns the body of a 2xx response.
// Errors: usage (not an http(s) URL), network (libcurl missing, DNS, connect, TLS, a non-2xx
// status — Error::http_status set —, a body too large), timeout, cancelled (cancel_request()).
Result<std::string> mds_fetch(std::string_view url, std::chrono::milliseconds timeout,
                              std::size_t max_size = 64 * 1024 * 1024);

}  // namespace acctsec::webauthn
