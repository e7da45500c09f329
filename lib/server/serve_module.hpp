// The entry point of the server module (acctsec-serve.so, beside the binary or in
// ../lib/acctsec/) that `acctsec serve` loads with dlopen, so that no other command maps libssl,
// SQLite and Boost.Beast at start-up (bench/startup.sh). Plain C types only across the boundary:
// the binary and the module each carry their own C++ runtime.
#pragma once

#include <cstddef>

extern "C" {

inline constexpr int k_acctsec_serve_abi = 3;
inline constexpr const char* k_acctsec_serve_symbol = "acctsec_serve_run";

struct AcctsecServeArgs {
  int abi;  // k_acctsec_serve_abi
  const char* version;
  const char* data_dir;  // exists, mode 0700
  const char* db_path;   // the SQLite file
  const char* address;
  unsigned port;
  const char* tls_cert;  // empty: make or reuse the --dev PKI in data_dir
  const char* tls_key;
  const char* access_log;  // "-" (through `access_lines`), "off", or a file to append to
  unsigned threads;
  unsigned max_connections;
  long long request_timeout_ms;
  long long drain_timeout_ms;
  int dev;                  // --dev: virtual keys are allowed unless a policy says otherwise; staff are seeded
  const char* policy_path;  // empty: the built-in enrollment policy
  const char* rp_id;        // the WebAuthn relying party
  const char* origin;       // what clientDataJSON must carry
  long long session_ttl_ms;
  unsigned long long seed_accounts;  // --dev: customer accounts to make in an empty store

  void* context;
  // Once listening: the members of the acctsec.serve.ready/1 document, as a JSON object.
  void (*ready)(void* context, const char* ready_json);
  void (*info)(void* context, const char* text);
  void (*access_lines)(void* context, const char* lines);  // one or more JSON lines, each ending in a newline
  int (*should_stop)(void* context);                      // polled; non-zero starts the drain

  // Filled when acctsec_serve_run returns -1: an acctsec::ErrorCategory value and the message.
  int error_category;
  char error_message[1024];
};

// Serves until should_stop() says so, then drains and returns 0; -1 when it cannot start.
int acctsec_serve_run(AcctsecServeArgs* args);
using AcctsecServeRun = int (*)(AcctsecServeArgs*);

}  // extern "C"
