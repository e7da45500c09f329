// acctsec key virtual create
#include <fmt/format.h>

#include "core/bytes.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "key_common.hpp"

namespace acctsec::cli {
namespace {

struct VirtualCreateOptions {
  std::string file;
  std::string aaguid;
  std::string attestation = "packed";
  PinSource pin;
};

Result<int> run_key_virtual_create(const VirtualCreateOptions& o, Context& ctx) {
  fido::VirtualCreateOptions options;
  if (!o.aaguid.empty()) {
    auto aaguid = uuid_parse(o.aaguid);
    if (!aaguid) return fail(ErrorCategory::usage, "--aaguid takes a UUID such as 01234567-89ab-cdef-0123-456789abcdef");
    options.aaguid = std::move(*aaguid);
  }
  auto mode = fido::virtual_attestation_parse(o.attestation);
  if (!mode) return fail(ErrorCategory::usage, "--attestation must be packed, self or none");
  options.attestation = *mode;
  std::optional<Secret> pin;
  if (o.pin.given()) {
    auto read = pin_read(o.pin, ctx);
    if (!read) return fail(read.error());
    pin = std::move(*read);
    options.pin = &*pin;
  }
  auto created = fido::virtual_create(o.file, options);
  if (!created) return fail(created.error());
  const std::string device = std::string(fido::k_virtual_prefix) + o.file;
  if (ctx.out.json()) {
    ctx.out.document("acctsec.key.virtual/1", {{"file", o.file},
                                               {"device", device},
                                               {"virtual", true},
                                               {"aaguid", uuid_format(created->aaguid)},
                                               {"attestation", fido::virtual_attestation_name(created->attestation)},
                                               {"pinSet", created->pin_set},
                                               {"attestationCa", created->attestation_ca_pem}});
    return 0;
  }
  ctx.out.fields({{"Virtual key", o.file},
                  {"Use it with", "--device " + device},
                  {"AAGUID", uuid_format(created->aaguid)},
                  {"Attestation", std::string(fido::virtual_attestation_name(created->attestation))},
                  {"PIN", created->pin_set ? "set" : "not set"}});
  ctx.out.info("This is a software authenticator for tests and pipelines; policies refuse virtual keys unless they allow them.");
  return 0;
}

}  // namespace

void register_key_virtual(CLI::App& key, Dispatch& dispatch) {
  auto* virt = add_command(key, dispatch, "virtual", "Software security keys for tests and CI pipelines");
  if (!virt) return;
  virt->require_subcommand(1);
  auto* create = add_command(*virt, dispatch, "create", "Create a virtual key whose state lives in FILE (mode 0600)");
  if (!create) return;
  auto options = std::make_shared<VirtualCreateOptions>();
  create->add_option("FILE", options->file, "State file to create (refused if it exists)")->required();
  create->add_option("--aaguid", options->aaguid, "AAGUID to report (default: acctsec's virtual-key AAGUID)");
  create->add_option("--attestation", options->attestation, "Attestation to produce: packed (x5c chain), self or none")
      ->check(CLI::IsMember({"packed", "self", "none"}));
  add_pin_options(create, options->pin);
  bind_action(create, dispatch, options, run_key_virtual_create);
}

}  // namespace acctsec::cli
