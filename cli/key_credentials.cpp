// acctsec key credentials list | delete
#include <fmt/format.h>

#include "core/bytes.hpp"
#include "fido/credential_management.hpp"
#include "fido/key_info.hpp"
#include "webauthn/cose_key.hpp"
#include "key_common.hpp"

namespace acctsec::cli {
namespace {

struct CredentialsListOptions {
  PinSource pin;
  std::optional<std::string> rp_id;
};

Result<int> run_key_credentials_list(const CredentialsListOptions& o, Context& ctx) {
  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  if (auto ok = fido::credentials_supported(*device); !ok) return fail(ok.error());
  auto pin = pin_read(o.pin, ctx);
  if (!pin) return fail(pin.error());
  auto inventory = fido::credentials_list(*device, *pin, o.rp_id);
  if (!inventory) return fail(inventory.error());
  if (ctx.out.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : inventory->credentials)
      list.push_back({{"rpId", c.rp_id},
                      {"rpName", c.rp_name},
                      {"credentialId", base64url_encode(c.credential_id)},
                      {"user", {{"id", base64url_encode(c.user_id)}, {"name", c.user_name}, {"displayName", c.user_display_name}}},
                      {"algorithm", webauthn::cose_algorithm_name(c.cose_algorithm)},
                      {"credProtect", c.protection}});
    ctx.out.document("acctsec.key.credentials/1",
                     {{"path", device->path()}, {"existing", inventory->existing}, {"remaining", inventory->remaining}, {"credentials", list}});
    return 0;
  }
  if (inventory->credentials.empty()) {
    ctx.out.info(fmt::format("{} holds no discoverable credentials{} ({} slots free).", device->path(),
                             o.rp_id ? " for " + *o.rp_id : "", inventory->remaining));
    return 0;
  }
  Table table{{"RP ID", "USER", "DISPLAY NAME", "ALG", "CREDENTIAL ID"}, {}};
  for (const auto& c : inventory->credentials)
    table.rows.push_back({c.rp_id, c.user_name, c.user_display_name, webauthn::cose_algorithm_name(c.cose_algorithm),
                          base64url_encode(c.credential_id)});
  ctx.out.table(table);
  ctx.out.info(fmt::format("{} discoverable credential{}, {} slots free.", inventory->existing, inventory->existing == 1 ? "" : "s",
                           inventory->remaining));
  return 0;
}

struct CredentialsDeleteOptions {
  PinSource pin;
  std::string credential_id;
  bool yes = false;
};

Result<int> run_key_credentials_delete(const CredentialsDeleteOptions& o, Context& ctx) {
  auto id = base64url_decode(o.credential_id);
  if (!id || id->empty())
    return fail(ErrorCategory::usage, "the credential id must be base64url, as acctsec key credentials list prints it");
  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  if (auto ok = fido::credentials_supported(*device); !ok) return fail(ok.error());
  auto pin = pin_read(o.pin, ctx);
  if (!pin) return fail(pin.error());
  if (auto ok = confirm_typed(ctx, o.yes,
                              fmt::format("Deleting credential {} from {}: the site that registered it will stop accepting this key.",
                                          o.credential_id, device->path()),
                              "delete");
      !ok)
    return fail(ok.error());
  if (auto ok = fido::credentials_delete(*device, *pin, *id); !ok) return fail(ok.error());
  if (ctx.out.json()) ctx.out.document("acctsec.key.credentials.delete/1", {{"path", device->path()}, {"credentialId", o.credential_id}, {"deleted", true}});
  else ctx.out.info(fmt::format("Deleted credential {}.", o.credential_id));
  return 0;
}

}  // namespace

void register_key_credentials(CLI::App& key, Dispatch& dispatch) {
  auto* creds = add_command(key, dispatch, "credentials", "List or delete the discoverable credentials on a key (needs its PIN)");
  if (!creds) return;
  creds->require_subcommand(1);

  if (auto* list = add_command(*creds, dispatch, "list", "List discoverable credentials")) {
    auto list_options = std::make_shared<CredentialsListOptions>();
    list->add_option("--rp-id", list_options->rp_id, "Only credentials for this relying party");
    add_pin_options(list, list_options->pin);
    bind_action(list, dispatch, list_options, run_key_credentials_list);
  }

  if (auto* del = add_command(*creds, dispatch, "delete", "Delete one discoverable credential (asks for typed confirmation)")) {
    auto delete_options = std::make_shared<CredentialsDeleteOptions>();
    del->add_option("CREDENTIAL_ID", delete_options->credential_id, "Credential id (base64url) from key credentials list")->required();
    del->add_flag("-y,--yes", delete_options->yes, "Do not ask for confirmation (for scripts)");
    add_pin_options(del, delete_options->pin);
    bind_action(del, dispatch, delete_options, run_key_credentials_delete);
  }
}

}  // namespace acctsec::cli
