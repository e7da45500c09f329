// acctsec-serve.so: everything `acctsec serve` does once its options are checked.
#include "server/serve_module.hpp"

#include <malloc.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "core/file.hpp"
#include "core/public_key_pin.hpp"
#include "server/access_log_buffer.hpp"
#include "server/access_routes.hpp"
#include "server/account_routes.hpp"
#include "server/audit_routes.hpp"
#include "server/authorize.hpp"
#include "server/audit_signer.hpp"
#include "server/audit_writer.hpp"
#include "server/detection.hpp"
#include "server/long_poll.hpp"
#include "server/server_policy.hpp"
#include "server/dev_pki.hpp"
#include "server/dev_seed.hpp"
#include "server/http_server.hpp"
#include "server/identity_routes.hpp"
#include "server/router.hpp"
#include "server/service_routes.hpp"
#include "server/sqlite_store.hpp"

namespace {

using namespace acctsec;
using namespace acctsec::server;

int failed(AcctsecServeArgs* args, const Error& error) {
  args->error_category = static_cast<int>(error.category);
  std::snprintf(args->error_message, sizeof args->error_message, "%s", error.message.c_str());
  return -1;
}

// JSON lines to the binary's stderr, or appended to a file, in blocks (see access_log_buffer.hpp).
// Stderr may be a terminal someone watches, so its lines wait less.
Result<AccessLog> access_log_for(AcctsecServeArgs* args) {
  const std::string where = args->access_log ? args->access_log : "-";
  if (where == "off") return AccessLog{};
  std::shared_ptr<AccessLogBuffer> buffer;
  if (where == "-") {
    buffer = AccessLogBuffer::to_sink([args](const std::string& block) { args->access_lines(args->context, block.c_str()); },
                                      std::chrono::milliseconds(100));
  } else {
    auto opened = AccessLogBuffer::open_file(where);
    if (!opened) return fail(opened.error());
    buffer = std::move(*opened);
  }
  return AccessLog([buffer](const AccessRecord& record) { buffer->append(access_record_json(record)); });
}

// A server allocates and frees the same sizes all day. By default glibc hands the free top of a
// heap back to the kernel and takes it again moments later, so the audit writer's thread spent
// its time in page faults; and a buffer above the (moving) mmap threshold is mapped and unmapped
// each time. Keep what has been taken, and map only very large buffers.
void keep_heap_memory() {
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

int serve(AcctsecServeArgs* args) {
  keep_heap_memory();
  const std::string data_dir = args->data_dir;
  HttpServerOptions options;
  options.address = args->address;
  options.port = static_cast<std::uint16_t>(args->port);
  options.threads = args->threads;
  options.max_connections = args->max_connections;
  options.request_timeout = std::chrono::milliseconds(args->request_timeout_ms);
  options.drain_timeout = std::chrono::milliseconds(args->drain_timeout_ms);
  options.tls_cert_file = args->tls_cert;
  options.tls_key_file = args->tls_key;
  std::optional<DevPki> pki;
  if (options.tls_cert_file.empty()) {
    auto made = dev_pki_ensure(data_dir);
    if (!made) return failed(args, made.error());
    pki = std::move(*made);
    options.tls_cert_file = pki->server_cert;
    options.tls_key_file = pki->server_key;
  }
  // Clients that pin the server's key rather than trust a CA need its pin; HttpServer::start
  // reads the same file and refuses a bad one, so a failure here is left to it.
  const auto key_pin = public_key_pin_of_certificate(options.tls_cert_file);

  // --dev is for trying things with virtual keys, so its built-in policy allows them.
  auto loaded = args->policy_path && *args->policy_path ? server_policy_load(args->policy_path)
                                                        : Result<ServerPolicy>(server_policy_default(args->dev != 0));
  if (!loaded) return failed(args, Error(ErrorCategory::usage, "--policy: " + loaded.error().message));
  const auto policy = std::make_shared<const ServerPolicy>(std::move(*loaded));
  auto signer = AuditSigner::load_or_create((std::filesystem::path(data_dir) / "audit-signing-key.pem").string());
  if (!signer) return failed(args, signer.error());

  auto store = sqlite_store_open(args->db_path);
  if (!store) return failed(args, store.error());
  // Declared before the writer, whose observer uses them, so that they outlive it.
  LongPoll waits;
  Detector detector(**store, policy->detection);
  if (auto warmed = detector.warm_up(**store, store_now()); !warmed) return failed(args, warmed.error());
  auto writer = AuditWriter::start(**store);
  if (!writer) return failed(args, writer.error());
  (*writer)->observe([&waits, &detector, args](const std::vector<AuditEntry>& entries) {
    waits.notify(std::string(k_audit_wait_key));
    auto raised = detector.observe(entries);
    if (!raised) args->info(args->context, ("detection: " + raised.error().message).c_str());
  });
  auto log = access_log_for(args);
  if (!log) return failed(args, log.error());

  IdentityOptions identity;
  identity.rp = RelyingParty{.id = args->rp_id, .name = "acctsec", .origin = args->origin};
  identity.session_ttl = std::chrono::milliseconds(args->session_ttl_ms);
  identity.policy = policy->enrollment;
  if (args->dev) {
    if (auto seeded = dev_seed_ensure_staff(**store, **writer); !seeded) return failed(args, seeded.error());
    auto accounts = dev_seed_accounts(**store, **writer, static_cast<std::size_t>(args->seed_accounts));
    if (!accounts) return failed(args, accounts.error());
    if (*accounts > 0) args->info(args->context, ("seeded " + std::to_string(*accounts) + " customer accounts").c_str());
  }
  // While no principal exists, a one-time code (in a 0600 file, never in a log) makes the first admin.
  const std::string code_file = (std::filesystem::path(data_dir) / "bootstrap-code").string();
  auto code = bootstrap_code_issue(**store, std::chrono::hours(24));
  if (!code) return failed(args, code.error());
  if (*code) {
    if (auto written = file_write_atomic(code_file, **code + "\n", 0600); !written) return failed(args, written.error());
  } else {
    std::filesystem::remove(code_file);
  }

  Router router;
  add_service_routes(router, **store, args->version);
  add_access_routes(router, **store, **writer, waits, AccessOptions{.rp = identity.rp, .policy = policy, .nonce_ttl = std::chrono::minutes(5),
                                                                    .max_wait = std::chrono::seconds(60)});
  add_account_routes(router, **store, **writer, policy);
  add_audit_routes(router, **store, **signer, waits);
  add_identity_routes(router, **store, **writer, std::move(identity));
  auto http = HttpServer::start(
      options, [&router](HttpRequest&& request, Respond respond) { router.dispatch(std::move(request), std::move(respond)); }, *log);
  if (!http) return failed(args, http.error());

  const std::string host = options.address.find(':') != std::string::npos ? "[" + options.address + "]" : options.address;
  nlohmann::json ready = {{"url", "https://" + host + ":" + std::to_string((*http)->port())},
                          {"dataDir", data_dir},
                          {"db", std::string("sqlite:") + args->db_path},
                          {"pid", ::getpid()}};
  if (pki) {
    ready["ca"] = pki->ca_cert;
    ready["caFingerprint"] = pki->ca_fingerprint;
  }
  if (key_pin) ready["keyPin"] = *key_pin;
  ready["rpId"] = args->rp_id;
  ready["origin"] = args->origin;
  if (*code) ready["bootstrapCodeFile"] = code_file;
  args->ready(args->context, ready.dump().c_str());
  args->info(args->context, ("data in " + data_dir + ", store sqlite:" + args->db_path).c_str());
  if (pki) {
    const std::string said = (pki->ca_created ? "made" : "using") + std::string(" the local CA ") + pki->ca_cert + " (SHA-256 " +
                             pki->ca_fingerprint + "); clients trust it with --ca-file " + pki->ca_cert;
    args->info(args->context, said.c_str());
  }
  if (key_pin)
    args->info(args->context, ("the server's key pin is " + *key_pin + "; clients may pin it with --server-key-pin").c_str());
  if (*code)
    args->info(args->context, ("no admin yet: the one-time bootstrap code for the first one is in " + code_file +
                               " (POST /v1/bootstrap; it expires in 24h)").c_str());
  args->info(args->context, "stop with Ctrl-C or SIGTERM: requests in progress finish first");

  while (!args->should_stop(args->context)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  (*http)->stop();
  waits.close();  // requests parked waiting answer now, before their connections go
  (*http)->wait();
  http->reset();
  writer->reset();  // commits what is queued
  return 0;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int acctsec_serve_run(AcctsecServeArgs* args) {
  if (!args || args->abi != k_acctsec_serve_abi) return -2;
  try {
    return serve(args);
  } catch (const std::exception& e) {
    return failed(args, Error(ErrorCategory::internal, std::string("the server stopped: ") + e.what()));
  }
}
