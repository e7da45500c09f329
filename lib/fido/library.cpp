#include "fido/library.hpp"

#include <fido.h>

#include <string>

#include "core/log.hpp"

namespace acctsec::fido {
namespace {

void forward_log(const char* line) {
  std::string text(line ? line : "");
  while (!text.empty() && text.back() == '\n') text.pop_back();
  log_write("libfido2", text);
}

}  // namespace

void library_init() {
  thread_local bool done = false;
  if (done) return;
  done = true;
  const bool debug = log_enabled();
  fido_init(FIDO_DISABLE_U2F_FALLBACK | (debug ? FIDO_DEBUG : 0));
  if (debug) fido_set_log_handler(forward_log);
}

}  // namespace acctsec::fido
