// What the fuzz targets share: a check that stops the run when a parser breaks a promise its
// header makes (libFuzzer reports the abort as a crash and saves the input).
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/bytes.hpp"

namespace acctsec::fuzz {

// Aborts with `what` when `ok` is false: a property that must hold for every input.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

inline bool same_bytes(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace acctsec::fuzz
