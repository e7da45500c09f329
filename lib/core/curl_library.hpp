// libcurl, loaded at run time: the one loader that every transfer in acctsec goes through
// (webauthn::mds_fetch, lib/client).
//
// libcurl is dlopen'ed when the first transfer happens, never linked: linking it maps some thirty
// libraries into every acctsec start-up, about doubling the dynamic loader's work for commands
// that never talk to a server (bench/startup.sh; tests/cli checks that start-up does not load it).
// Only this header and its users need curl.h; none of them links libcurl.
#pragma once

#include <curl/curl.h>

#include "core/error.hpp"

namespace acctsec {

// The libcurl functions acctsec calls, resolved from the library loaded at run time. The types
// come from curl.h, so a call with the wrong signature is a compile error.
struct CurlLibrary {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_reset) easy_reset = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

// Loads libcurl.so.4 and runs curl_global_init, once per process (thread-safe); the library is
// never closed, since libcurl keeps global state. Returns the same table on every call.
// Errors: network (libcurl is not installed — the message says what to install —, lacks a function
// acctsec needs, or fails to initialise); the same error on every call.
Result<const CurlLibrary*> curl_library();

}  // namespace acctsec
