#include <openssl/crypto.h>

#include "command.hpp"

namespace acctsec::cli {
namespace {

struct VersionOptions {};

Result<int> run_version(const VersionOptions&, Context& ctx) {
  if (ctx.out.json()) {
    ctx.out.document("acctsec.version/1", {{"version", ACCTSEC_VERSION},
                                           {"libfido2", ACCTSEC_LIBFIDO2_VERSION},
                                           {"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)}});
  } else {
    ctx.out.line(std::string("acctsec ") + ACCTSEC_VERSION);
  }
  return 0;
}

}  // namespace

void register_version(CLI::App& app, Dispatch& dispatch) {
  auto* cmd = add_command(app, dispatch, "version", "Print the version of acctsec and its libraries");
  if (!cmd) return;
  bind_action(cmd, dispatch, std::make_shared<VersionOptions>(), run_version);
}

}  // namespace acctsec::cli
