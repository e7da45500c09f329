#include "core/curl_library.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

namespace acctsec {
namespace {

template <typename Fn>
bool resolve(void* library, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(::dlsym(library, name));
  return fn != nullptr;
}

Result<CurlLibrary> load() {
  void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* why = ::dlerror();
    return fail(ErrorCategory::network,
                fmt::format("libcurl could not be loaded ({}); install it (Debian: apt-get install libcurl4)",
                            why ? why : "unknown error"));
  }
  CurlLibrary c;
  const bool complete =
      resolve(library, "curl_global_init", c.global_init) && resolve(library, "curl_easy_init", c.easy_init) &&
      resolve(library, "curl_easy_reset", c.easy_reset) && resolve(library, "curl_easy_setopt", c.easy_setopt) &&
      resolve(library, "curl_easy_perform", c.easy_perform) && resolve(library, "curl_easy_getinfo", c.easy_getinfo) &&
      resolve(library, "curl_easy_cleanup", c.easy_cleanup) &&
      resolve(library, "curl_easy_strerror", c.easy_strerror) &&
      resolve(library, "curl_slist_append", c.slist_append) &&
      resolve(library, "curl_slist_free_all", c.slist_free_all);
  if (!complete)
    return fail(ErrorCategory::network,
                "the libcurl found lacks the functions acctsec needs; install libcurl4 7.85 or later");
  if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return fail(ErrorCategory::network, "libcurl failed to initialise");
  return c;
}

}  // namespace

Result<const CurlLibrary*> curl_library() {
  static const Result<CurlLibrary> loaded = load();
  if (!loaded) return fail(loaded.error());
  return &*loaded;
}

}  // namespace acctsec
