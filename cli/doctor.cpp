// acctsec doctor: checks what acctsec needs — hidraw access, libfido2, keys, config, the backend,
// TLS trust, the clock and the token — and says for each what to do when it is not right.
// Exit 0 when nothing failed (warnings allowed), 1 otherwise.
#include <dlfcn.h>
#include <fido.h>
#include <glob.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>

#include "backend.hpp"
#include "core/timestamp.hpp"
#include "fido/device.hpp"

namespace acctsec::cli {
namespace {

enum class Health { ok, warn, fail };

struct Check {
  std::string name;
  Health health;
  std::string detail;
  std::string fix;  // empty when there is nothing to do
};

std::string_view health_word(Health h) { return h == Health::ok ? "ok" : h == Health::warn ? "warn" : "fail"; }

std::vector<std::string> glob_paths(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  return out;
}

Check check_hidraw() {
  const auto nodes = glob_paths("/dev/hidraw*");
  bool rules = false;
  for (const char* dir : {"/lib/udev/rules.d", "/usr/lib/udev/rules.d", "/etc/udev/rules.d"})
    rules = rules || !glob_paths(std::string(dir) + "/*u2f*.rules").empty() || !glob_paths(std::string(dir) + "/*fido*.rules").empty();
  const std::string rules_fix = "install the udev rules for security keys (Debian's libfido2-1 ships 70-u2f.rules), then replug the key";
  if (nodes.empty())
    return {"hidraw", Health::warn, "no /dev/hidraw* nodes: no hardware key is attached (virtual keys need none)",
            rules ? "plug in a security key" : rules_fix};
  std::vector<std::string> denied;
  for (const auto& n : nodes)
    if (::access(n.c_str(), R_OK | W_OK) != 0) denied.push_back(n);
  if (denied.empty()) return {"hidraw", Health::ok, fmt::format("{} hidraw node{} readable and writable", nodes.size(), nodes.size() == 1 ? "" : "s"), ""};
  std::string list;
  for (const auto& d : denied) list += (list.empty() ? "" : ", ") + d;
  return {"hidraw", Health::warn,
          fmt::format("no read/write access to {} (a key there cannot be used; other HID devices are expected to be closed)", list),
          rules ? "if that is your security key, replug it; the udev rules grant access to the user at the seat"
                : rules_fix};
}

Check check_libfido2() {
  Dl_info info{};
  std::string path;
  if (::dladdr(reinterpret_cast<void*>(&fido_dev_new), &info) != 0 && info.dli_fname) path = info.dli_fname;
  std::error_code ec;
  const std::string real = path.empty() ? "" : std::filesystem::canonical(path, ec).string();
  const auto at = real.rfind(".so.");
  if (at == std::string::npos) return {"libfido2", Health::warn, "loaded, version unknown" + (path.empty() ? "" : " (" + path + ")"), ""};
  const std::string version = real.substr(at + 4);
  int major = 0, minor = 0;
  std::sscanf(version.c_str(), "%d.%d", &major, &minor);
  // 1.10 is where fido_dev_set_io_functions gained the report-level hooks the virtual key uses.
  if (major < 1 || (major == 1 && minor < 10))
    return {"libfido2", Health::fail, fmt::format("version {} ({}) is older than 1.10", version, real), "install libfido2 1.10 or later"};
  return {"libfido2", Health::ok, fmt::format("version {} ({})", version, real), ""};
}

Check check_devices(Context& ctx) {
  auto entries = fido::device_list(ctx.globals.device);
  if (!entries) return {"keys", Health::fail, entries.error().message, "check --device and ACCTSEC_DEVICE"};
  if (entries->empty())
    return {"keys", Health::warn, "no security key is visible", "insert a key, or make a virtual one: acctsec key virtual create FILE"};
  std::string list;
  for (const auto& e : *entries) list += (list.empty() ? "" : ", ") + e.path + (e.is_virtual ? " (virtual)" : "");
  return {"keys", Health::ok, fmt::format("{} visible: {}", entries->size(), list), ""};
}

Check check_config(Context& ctx) {
  if (ctx.globals.config_error)
    return {"config", Health::fail, ctx.globals.config_error->message, "fix the file, or name another with --config FILE"};
  const auto& file = ctx.globals.config.path;
  if (file.empty()) return {"config", Health::ok, "no config file; defaults apply", ""};
  return {"config", Health::ok, file + (ctx.globals.profile.empty() ? "" : " [profile." + ctx.globals.profile + "]"), ""};
}

// Server reachability, TLS trust and clock skew all come from one GET /v1/health.
// `tokened` is the client with the token when there is one, so that the token check reuses its
// connection; without one, the server is checked without a token.
void check_server(Context& ctx, std::vector<Check>& checks, Result<client::Client>& tokened) {
  const BackendSettings settings = backend_settings(ctx);
  if (!settings.server.set()) {
    checks.push_back({"server", Health::warn, "no backend is set; the key and webauthn commands work without one",
                      "to use one: --server-url https://HOST:PORT, ACCTSEC_SERVER, or server = \"...\" in the config file"});
    return;
  }
  std::optional<Result<client::Client>> untokened;
  if (!tokened) untokened.emplace(backend_client(ctx, false));
  Result<client::Client>& api = tokened ? tokened : *untokened;
  if (!api) {
    checks.push_back({"server", Health::fail, api.error().message, "acctsec config show says where the setting comes from"});
    return;
  }
  const auto before = std::chrono::system_clock::now();
  auto health = api->get("/v1/health");
  const auto after = std::chrono::system_clock::now();
  const std::string trust_source = settings.ca_file.set() ? "CA file " + settings.ca_file.value : "the system CA store";
  if (!health) {
    const std::string& why = health.error().message;
    if (health.error().tls_failure) {
      const std::string ca_fix = "give the server's CA with --ca-file FILE or ACCTSEC_CA_FILE (for acctsec serve --dev: <data-dir>/ca.pem)";
      checks.push_back({"server", Health::ok, settings.server.value + " answers", ""});
      checks.push_back({"tls", Health::fail, why,
                        settings.server_key_pin.set()
                            ? ca_fix + "; and compare the pin from " + settings.server_key_pin.origin + " with the one acctsec serve prints"
                            : ca_fix});
    } else {
      checks.push_back({"server", Health::fail, fmt::format("{}: {}", settings.server.value, why),
                        "is acctsec serve running there? check the URL (" + settings.server.origin + ") and the network"});
    }
    return;
  }
  checks.push_back({"server", Health::ok, fmt::format("{} is up (version {}, {} store)", api->base_url(), reply_text(health->body, "version"),
                                                      reply_text(health->body, "store")), ""});
  checks.push_back({"tls", Health::ok,
                    "the certificate verifies against " + trust_source +
                        (settings.server_key_pin.set() ? " and its key matches the pin from " + settings.server_key_pin.origin : ""),
                    ""});
  const auto server_time = parse_timestamp(reply_text(health->body, "time"));
  if (!server_time) {
    checks.push_back({"clock", Health::warn, "the server did not say its time", ""});
    return;
  }
  const auto middle = before + (after - before) / 2;
  const double skew = std::chrono::duration<double>(middle - *server_time).count();
  const double size = std::abs(skew);
  // The server's time has whole seconds, so up to a second is no skew at all.
  const Health h = size <= 30 ? Health::ok : size <= 300 ? Health::warn : Health::fail;
  checks.push_back({"clock", h,
                    fmt::format("this machine is {:.0f} s {} the server", size, skew >= 0 ? "ahead of" : "behind"),
                    h == Health::ok ? "" : "synchronise the clock (systemd-timesyncd, chrony or ntpd); ceremonies and grants are timed"});
}

void check_token(Context& ctx, std::vector<Check>& checks, Result<client::Client>& api) {
  const BackendSettings settings = backend_settings(ctx);
  if (!settings.server.set()) return;
  if (!api) {
    const bool missing = api.error().message.find("not logged in") != std::string::npos;
    checks.push_back({"token", missing ? Health::warn : Health::fail, api.error().message,
                      missing ? "acctsec login --user NAME" : "see the message"});
    return;
  }
  auto me = api->get("/v1/auth/whoami");
  if (!me) {
    checks.push_back({"token", me.error().category == ErrorCategory::auth ? Health::fail : Health::warn,
                      fmt::format("the token from {} does not work: {}", settings.token.origin, me.error().message),
                      settings.token.origin == "ACCTSEC_TOKEN" ? "ask an admin for a new API token" : "acctsec login --user NAME"});
    return;
  }
  checks.push_back({"token", Health::ok,
                    fmt::format("{} ({} token from {}) until {}", reply_text(me->body, "principal"), reply_text(me->body, "tokenKind"),
                                settings.token.origin, reply_text(me->body, "expiresAt")),
                    ""});
}

struct DoctorOptions {};

Result<int> run_doctor(const DoctorOptions&, Context& ctx) {
  std::vector<Check> checks{check_hidraw(), check_libfido2(), check_devices(ctx), check_config(ctx)};
  if (!ctx.globals.config_error) {
    auto tokened = backend_client(ctx, true);
    check_server(ctx, checks, tokened);
    const bool reachable = std::any_of(checks.begin(), checks.end(), [](const Check& c) { return c.name == "tls" && c.health == Health::ok; });
    if (reachable) check_token(ctx, checks, tokened);
  }
  const bool failed = std::any_of(checks.begin(), checks.end(), [](const Check& c) { return c.health == Health::fail; });
  if (ctx.out.json()) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& c : checks)
      items.push_back({{"check", c.name}, {"status", health_word(c.health)}, {"detail", c.detail},
                       {"fix", c.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.fix)}});
    ctx.out.document("acctsec.doctor/1", {{"ok", !failed}, {"checks", items}});
    return failed ? 1 : 0;
  }
  Table table{{"STATUS", "CHECK", "DETAIL"}, {}};
  for (const auto& c : checks) {
    const Style style = c.health == Health::ok ? Style::good : c.health == Health::warn ? Style::warn : Style::bad;
    table.rows.push_back({ctx.out.styled(health_word(c.health), style), c.name, c.detail + (c.fix.empty() ? "" : " — fix: " + c.fix)});
  }
  ctx.out.table(table);
  return failed ? 1 : 0;
}

}  // namespace

void register_doctor(CLI::App& app, Dispatch& dispatch) {
  if (auto* cmd = add_command(app, dispatch, "doctor", "Check devices, libfido2, config, the backend, TLS, the clock and the token"))
    bind_action(cmd, dispatch, std::make_shared<DoctorOptions>(), run_doctor);
}

}  // namespace acctsec::cli
