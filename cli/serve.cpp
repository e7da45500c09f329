// acctsec serve: the reference backend (HTTPS on Boost.Beast, SQLite store, audit writer).
#include <fmt/format.h>

#include <dlfcn.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "command.hpp"
#include "core/cancel.hpp"
#include "core/duration.hpp"
#include "server/serve_module.hpp"

namespace acctsec::cli {
namespace {

struct ServeOptions {
  bool dev = false;
  std::string listen = "127.0.0.1:8443";
  std::string data_dir;
  std::string db;
  std::string tls_cert;
  std::string tls_key;
  std::string access_log;  // "-" (stderr, the default), a file, or "off"
  unsigned threads = 0;
  unsigned max_connections = 1024;
  std::string request_timeout = "30s";
  std::string drain_timeout = "10s";
  std::string policy;
  std::string rp_id = "localhost";
  std::string origin;  // empty: https://<rp_id>
  std::string session_ttl = "1h";
  std::optional<std::size_t> seed_accounts;  // --dev default: 1000
};

// "127.0.0.1:8443", "[::1]:8443", "localhost:0". Errors: usage.
Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text) {
  const auto bad = [&] {
    return fail(ErrorCategory::usage, fmt::format("--listen takes ADDRESS:PORT, such as 127.0.0.1:8443 or [::1]:8443, not '{}'", text));
  };
  std::string host;
  std::string port;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string::npos) return bad();
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return bad();
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return bad();
  const unsigned long number = std::stoul(port);
  if (number > 65535) return bad();
  return std::pair{host, static_cast<std::uint16_t>(number)};
}

// The data directory: --data-dir, else $XDG_DATA_HOME/acctsec/server, else ~/.local/share/acctsec/server.
Result<std::string> data_dir_for(const ServeOptions& o, Context& ctx) {
  if (!o.data_dir.empty()) return o.data_dir;
  if (auto xdg = ctx.deps.env("XDG_DATA_HOME"); xdg && !xdg->empty()) return *xdg + "/acctsec/server";
  if (auto home = ctx.deps.env("HOME"); home && !home->empty()) return *home + "/.local/share/acctsec/server";
  return fail(ErrorCategory::usage, "give --data-dir DIR: neither XDG_DATA_HOME nor HOME is set");
}

// Creates the data directory (0700: it holds the database and keys). Errors: usage.
Result<void> make_data_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCategory::usage, fmt::format("--data-dir {}: cannot create it ({})", dir, ec.message()));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(ErrorCategory::usage, fmt::format("--data-dir {} is not a directory", dir));
  if ((st.st_mode & 0077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
    return fail(ErrorCategory::usage, fmt::format("--data-dir {}: cannot make it private (mode 0700)", dir));
  return {};
}

// "sqlite:PATH" (the default, <data-dir>/acctsec.db). PostgreSQL URLs are refused until that store
// exists. Errors: usage.
Result<std::string> sqlite_path(const std::string& db, const std::string& data_dir) {
  if (db.empty()) return data_dir + "/acctsec.db";
  if (db.starts_with("sqlite:") && db.size() > 7) return db.substr(7);
  if (db.starts_with("postgres://") || db.starts_with("postgresql://"))
    return fail(ErrorCategory::usage, "--db: this build has the SQLite store only; use --db sqlite:PATH");
  return fail(ErrorCategory::usage, fmt::format("--db takes sqlite:PATH, not '{}'", db));
}

// The server module: beside the binary (the build tree) or in ../lib/acctsec (installed).
// Errors: internal (missing or unloadable, naming where it looked).
Result<AcctsecServeRun> load_server_module() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return fail(ErrorCategory::internal, "cannot find the acctsec binary's own path to load acctsec-serve.so");
  const std::filesystem::path dir = exe.parent_path();
  std::string tried;
  for (const auto& candidate : {dir / "acctsec-serve.so", dir / ".." / "lib" / "acctsec" / "acctsec-serve.so"}) {
    if (!std::filesystem::exists(candidate)) {
      tried += (tried.empty() ? "" : ", ") + candidate.lexically_normal().string();
      continue;
    }
    void* module = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!module) return fail(ErrorCategory::internal, fmt::format("cannot load {}: {}", candidate.string(), ::dlerror()));
    void* entry = ::dlsym(module, k_acctsec_serve_symbol);
    if (!entry) return fail(ErrorCategory::internal, fmt::format("{} has no {}; reinstall acctsec", candidate.string(), k_acctsec_serve_symbol));
    return reinterpret_cast<AcctsecServeRun>(entry);
  }
  return fail(ErrorCategory::internal, "the server module acctsec-serve.so is not installed (looked for " + tried + "); reinstall acctsec");
}

Result<std::chrono::milliseconds> duration_option(const std::string& text, const char* flag) {
  auto parsed = parse_duration(text);
  if (!parsed || parsed->count() <= 0)
    return fail(ErrorCategory::usage, fmt::format("{} takes a duration such as 30s or 500ms, not '{}'", flag, text));
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

Result<int> run_serve(const ServeOptions& o, Context& ctx) {
  auto listen = parse_listen(o.listen);
  if (!listen) return fail(listen.error());
  // A client or log reader that goes away must cost a failed write, never the process.
  ::signal(SIGPIPE, SIG_IGN);
  if (o.tls_cert.empty() != o.tls_key.empty()) return fail(ErrorCategory::usage, "give --tls-cert and --tls-key together");
  if (!o.dev && o.tls_cert.empty())
    return fail(ErrorCategory::usage,
                "give --tls-cert FILE --tls-key FILE, or run acctsec serve --dev for a local CA and certificate in the data directory");
  auto request_timeout = duration_option(o.request_timeout, "--request-timeout");
  if (!request_timeout) return fail(request_timeout.error());
  auto drain_timeout = duration_option(o.drain_timeout, "--drain-timeout");
  if (!drain_timeout) return fail(drain_timeout.error());
  auto session_ttl = duration_option(o.session_ttl, "--session-ttl");
  if (!session_ttl) return fail(session_ttl.error());
  if (o.seed_accounts && !o.dev) return fail(ErrorCategory::usage, "--seed-accounts goes with --dev");
  if (o.rp_id.empty() || o.rp_id.find_first_of("/:") != std::string::npos)
    return fail(ErrorCategory::usage, "--rp-id takes a host name such as example.com, not '" + o.rp_id + "'");
  if (!o.origin.empty() && !o.origin.starts_with("https://") && !o.origin.starts_with("http://localhost"))
    return fail(ErrorCategory::usage, "--origin takes an https:// origin such as https://example.com, not '" + o.origin + "'");
  auto data_dir = data_dir_for(o, ctx);
  if (!data_dir) return fail(data_dir.error());
  if (auto made = make_data_dir(*data_dir); !made) return fail(made.error());
  auto db_path = sqlite_path(o.db, *data_dir);
  if (!db_path) return fail(db_path.error());

  auto run = load_server_module();
  if (!run) return fail(run.error());

  AcctsecServeArgs args{};
  args.abi = k_acctsec_serve_abi;
  args.version = ACCTSEC_VERSION;
  args.data_dir = data_dir->c_str();
  args.db_path = db_path->c_str();
  args.address = listen->first.c_str();
  args.port = listen->second;
  args.tls_cert = o.tls_cert.c_str();
  args.tls_key = o.tls_key.c_str();
  const std::string access_log = o.access_log.empty() ? "-" : o.access_log;
  args.access_log = access_log.c_str();
  args.threads = o.threads;
  args.max_connections = o.max_connections;
  args.request_timeout_ms = request_timeout->count();
  args.drain_timeout_ms = drain_timeout->count();
  args.dev = o.dev ? 1 : 0;
  args.policy_path = o.policy.c_str();
  args.rp_id = o.rp_id.c_str();
  const std::string origin = o.origin.empty() ? "https://" + o.rp_id : o.origin;
  args.origin = origin.c_str();
  args.session_ttl_ms = session_ttl->count();
  args.seed_accounts = o.seed_accounts.value_or(o.dev ? 1000 : 0);
  args.context = &ctx;
  args.ready = [](void* context, const char* ready_json) {
    auto& c = *static_cast<Context*>(context);
    auto ready = nlohmann::json::parse(ready_json);
    if (c.out.json()) {
      c.out.document("acctsec.serve.ready/1", std::move(ready));
      c.deps.out->flush();
    } else {
      c.out.line("acctsec serve: listening on " + ready["url"].get<std::string>());
    }
  };
  args.info = [](void* context, const char* text) { static_cast<Context*>(context)->out.info(text); };
  args.access_lines = [](void* context, const char* lines) {
    auto& c = *static_cast<Context*>(context);
    *c.deps.err << lines << std::flush;
  };
  args.should_stop = [](void*) { return cancel_requested() ? 1 : 0; };
  const int rc = (*run)(&args);
  if (rc == -2) return fail(ErrorCategory::internal, "the server module acctsec-serve.so does not match this acctsec; reinstall acctsec");
  if (rc != 0) return fail(static_cast<ErrorCategory>(args.error_category), args.error_message);
  ctx.out.info("stopped");
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, Dispatch& dispatch) {
  auto* cmd = add_command(app, dispatch, "serve", "Run the acctsec backend (HTTPS REST API, store, audit)");
  if (!cmd) return;
  auto o = std::make_shared<ServeOptions>();
  cmd->add_flag("--dev", o->dev, "A ready local system: a CA and TLS certificate in the data directory");
  cmd->add_option("--listen", o->listen, "Address and port to listen on (default 127.0.0.1:8443; port 0 picks a free one)");
  cmd->add_option("--data-dir", o->data_dir, "Where the database and keys live (default $XDG_DATA_HOME/acctsec/server)");
  cmd->add_option("--db", o->db, "The store: sqlite:PATH (default <data-dir>/acctsec.db)");
  cmd->add_option("--tls-cert", o->tls_cert, "PEM certificate chain for TLS (with --tls-key)");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--access-log", o->access_log, "Where JSON-lines access records go: - (stderr, default), FILE, or off");
  cmd->add_option("--threads", o->threads, "Server threads (default: one per core)")->check(CLI::Range(1u, 256u));
  cmd->add_option("--max-connections", o->max_connections, "Connections served at once; more are closed at once (default 1024)")
      ->check(CLI::Range(1u, 1000000u));
  cmd->add_option("--request-timeout", o->request_timeout, "A request must arrive whole within this (default 30s)");
  cmd->add_option("--drain-timeout", o->drain_timeout, "On stop, how long requests in progress may take (default 10s)");
  cmd->add_option("--policy", o->policy, "Enrollment policy (TOML) that registrations must satisfy (default: built in)");
  cmd->add_option("--rp-id", o->rp_id, "WebAuthn relying party id that keys are registered for (default localhost)");
  cmd->add_option("--origin", o->origin, "Origin that clientDataJSON must carry (default https://<rp-id>)");
  cmd->add_option("--session-ttl", o->session_ttl, "How long a login session lasts (default 1h)");
  cmd->add_option("--seed-accounts", o->seed_accounts, "With --dev: customer accounts to make in an empty store (default 1000)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000'000}));
  bind_action(cmd, dispatch, o, run_serve);
}

}  // namespace acctsec::cli
