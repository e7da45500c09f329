// acctsec key list | info | reset, and the tree of the `key` noun.
#include <fido.h>
#include <fmt/format.h>

#include "core/bytes.hpp"
#include "fido/key_info.hpp"
#include "webauthn/cose_key.hpp"
#include "fido/credential_management.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "key_server.hpp"

namespace acctsec::cli {

Result<fido::Device> key_open(Context& ctx) {
  auto path = fido::device_select(ctx.globals.device);
  if (!path) return fail(path.error());
  return fido::Device::open(*path, ctx.globals.timeout);
}

Result<std::optional<Secret>> key_pin_if_needed(const fido::Device& device, const PinSource& source, Context& ctx) {
  if (!source.given() && !fido_dev_has_pin(device.get())) return std::optional<Secret>{};
  auto pin = pin_read(source, ctx);
  if (!pin) return fail(pin.error());
  return std::optional<Secret>(std::move(*pin));
}

Result<void> confirm_typed(Context& ctx, bool yes, std::string_view question, std::string_view word) {
  if (yes) return {};
  if (!ctx.deps.in_is_tty || !ctx.deps.prompt_line)
    return fail(ErrorCategory::usage, "this needs confirmation and there is no terminal to ask on; pass --yes to go ahead");
  ctx.out.info(question);
  auto answer = ctx.deps.prompt_line(fmt::format("Type '{}' to continue: ", word));
  if (!answer) return fail(answer.error());
  if (*answer != word) return fail(ErrorCategory::rejected, "not confirmed; nothing was changed");
  return {};
}

namespace {

struct KeyListOptions {
  bool server = false;
  std::string user;
};

Result<int> run_key_list(const KeyListOptions& o, Context& ctx) {
  if (o.server) return run_key_list_server(o.user, ctx);
  if (!o.user.empty()) return fail(ErrorCategory::usage, "--user lists a user's keys on the backend: add --server");
  auto entries = fido::device_list(ctx.globals.device);
  if (!entries) return fail(entries.error());
  if (ctx.out.json()) {
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& e : *entries)
      devices.push_back({{"path", e.path},
                         {"type", e.is_virtual ? "virtual" : "hardware"},
                         {"virtual", e.is_virtual},
                         {"manufacturer", e.manufacturer},
                         {"product", e.product},
                         {"vendorId", fmt::format("{:04x}", e.vendor_id)},
                         {"productId", fmt::format("{:04x}", e.product_id)}});
    ctx.out.document("acctsec.key.list/1", {{"devices", devices}});
    return 0;
  }
  if (entries->empty()) {
    ctx.out.info("No security keys found. Insert one, or make a virtual key: acctsec key virtual create FILE");
    return 0;
  }
  Table table{{"PATH", "TYPE", "PRODUCT", "MANUFACTURER", "ID"}, {}};
  for (const auto& e : *entries)
    table.rows.push_back({e.path, e.is_virtual ? ctx.out.styled("virtual", Style::warn) : "hardware", e.product, e.manufacturer,
                          e.is_virtual ? "-" : fmt::format("{:04x}:{:04x}", e.vendor_id, e.product_id)});
  ctx.out.table(table);
  return 0;
}

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

struct KeyInfoOptions {};

Result<int> run_key_info(const KeyInfoOptions&, Context& ctx) {
  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  auto info = fido::key_info(*device);
  if (!info) return fail(info.error());
  std::optional<fido::VirtualKeyDescription> virt;
  if (info->is_virtual) {
    auto d = fido::virtual_describe(fido::virtual_file(info->path));
    if (d) virt = std::move(*d);
  }
  std::vector<std::string> algorithms;
  for (const auto& a : info->algorithms) algorithms.push_back(webauthn::cose_algorithm_name(a.cose));

  if (ctx.out.json()) {
    nlohmann::json options = nlohmann::json::object();
    for (const auto& [k, v] : info->options) options[k] = v;
    nlohmann::json algs = nlohmann::json::array();
    for (const auto& a : info->algorithms) algs.push_back({{"type", a.type}, {"alg", a.cose}, {"name", webauthn::cose_algorithm_name(a.cose)}});
    nlohmann::json body = {{"path", info->path},
                           {"type", info->is_virtual ? "virtual" : "hardware"},
                           {"virtual", info->is_virtual},
                           {"aaguid", uuid_format(info->aaguid)},
                           {"versions", info->versions},
                           {"options", options},
                           {"extensions", info->extensions},
                           {"algorithms", algs},
                           {"transports", info->transports},
                           {"pinProtocols", info->pin_protocols},
                           {"maxMessageSize", info->max_message_size},
                           {"firmwareVersion", info->firmware_version},
                           {"ctaphidVersion", info->ctaphid_version},
                           {"minPinLength", info->min_pin_length},
                           {"remainingDiscoverableCredentials", info->remaining_discoverable ? nlohmann::json(*info->remaining_discoverable) : nlohmann::json(nullptr)},
                           {"pin", {{"supported", info->pin_supported}, {"set", info->pin_set},
                                    {"retries", info->pin_retries ? nlohmann::json(*info->pin_retries) : nlohmann::json(nullptr)}}},
                           {"uvRetries", info->uv_retries ? nlohmann::json(*info->uv_retries) : nlohmann::json(nullptr)},
                           {"credentialManagement", info->credential_management}};
    if (virt) body["virtualKey"] = {{"attestation", fido::virtual_attestation_name(virt->attestation)},
                                     {"discoverableCredentials", virt->discoverable_credentials},
                                     {"signCount", virt->sign_count}};
    ctx.out.document("acctsec.key.info/1", body);
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> f;
  f.emplace_back("Device", info->path);
  f.emplace_back("Type", info->is_virtual ? ctx.out.styled("VIRTUAL (software authenticator, not a hardware key)", Style::warn) : "hardware");
  f.emplace_back("AAGUID", uuid_format(info->aaguid));
  f.emplace_back("Versions", join(info->versions));
  std::vector<std::string> opts;
  for (const auto& [k, v] : info->options) opts.push_back(k + (v ? "" : "=false"));
  f.emplace_back("Options", join(opts));
  f.emplace_back("Extensions", info->extensions.empty() ? "none" : join(info->extensions));
  f.emplace_back("Algorithms", join(algorithms));
  f.emplace_back("Transports", join(info->transports));
  std::string pin = !info->pin_supported ? "not supported" : info->pin_set ? "set" : "not set";
  if (info->pin_set && info->pin_retries) pin += fmt::format(", {} retries left", *info->pin_retries);
  if (info->pin_retries && *info->pin_retries == 0) pin += " (blocked: acctsec key reset)";
  f.emplace_back("PIN", pin);
  std::vector<std::string> protocols;
  for (int p : info->pin_protocols) protocols.push_back(std::to_string(p));
  f.emplace_back("PIN protocols", join(protocols));
  f.emplace_back("Discoverable slots left", info->remaining_discoverable ? std::to_string(*info->remaining_discoverable) : "not reported");
  f.emplace_back("Credential management", info->credential_management ? "yes" : "no");
  f.emplace_back("Firmware", fmt::format("{:#x}", info->firmware_version));
  f.emplace_back("CTAPHID version", info->ctaphid_version);
  if (virt) {
    f.emplace_back("Attestation", std::string(fido::virtual_attestation_name(virt->attestation)));
    f.emplace_back("Sign count", std::to_string(virt->sign_count));
  }
  ctx.out.fields(f);
  return 0;
}

struct KeyResetOptions {
  bool yes = false;
};

Result<int> run_key_reset(const KeyResetOptions& o, Context& ctx) {
  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  std::string lost = "every credential on the key (every site and account that uses it will stop accepting it) and its PIN";
  if (device->is_virtual()) {
    if (auto d = fido::virtual_describe(fido::virtual_file(device->path())))
      lost = fmt::format("every credential on the key ({} discoverable, and all non-discoverable ones: every site that "
                         "uses the key will stop accepting it) and its PIN",
                         d->discoverable_credentials);
  }
  if (auto ok = confirm_typed(ctx, o.yes, fmt::format("Resetting {} erases {}. This cannot be undone.", device->path(), lost), "reset"); !ok)
    return fail(ok.error());
  if (!device->is_virtual()) ctx.out.info("Touch the key to confirm the reset.");
  if (auto ok = fido::key_reset(*device); !ok) return fail(ok.error());
  if (ctx.out.json()) ctx.out.document("acctsec.key.reset/1", {{"path", device->path()}, {"reset", true}});
  else ctx.out.info(fmt::format("{} was reset: it holds no credentials and no PIN.", device->path()));
  return 0;
}

}  // namespace

void register_key(CLI::App& app, Dispatch& dispatch) {
  auto* key = add_command(app, dispatch, "key", "Enroll, test and manage FIDO2 security keys (real or virtual)");
  if (!key) return;
  key->require_subcommand(1);

  if (auto* list = add_command(*key, dispatch, "list", "List attached security keys, and the virtual key named by --device")) {
    auto list_options = std::make_shared<KeyListOptions>();
    list->add_flag("--server", list_options->server, "List the keys enrolled at the acctsec backend instead (see --server-url)");
    list->add_option("--user", list_options->user, "With --server: whose keys (default: yours)");
    bind_action(list, dispatch, list_options, run_key_list);
  }

  if (auto* info = add_command(*key, dispatch, "info", "Show what a key supports: versions, AAGUID, options, algorithms, PIN state"))
    bind_action(info, dispatch, std::make_shared<KeyInfoOptions>(), run_key_info);

  register_key_enroll(*key, dispatch);
  register_key_test(*key, dispatch);
  register_key_pin(*key, dispatch);

  if (auto* reset = add_command(*key, dispatch, "reset", "Erase every credential and the PIN on a key (asks for typed confirmation)")) {
    auto reset_options = std::make_shared<KeyResetOptions>();
    reset->add_flag("-y,--yes", reset_options->yes, "Do not ask for confirmation (for scripts)");
    bind_action(reset, dispatch, reset_options, run_key_reset);
  }

  register_key_credentials(*key, dispatch);
  register_key_virtual(*key, dispatch);
  register_key_remove(*key, dispatch);
  register_key_verify_enrollment(*key, dispatch);
}

}  // namespace acctsec::cli
