// The `key` verbs against the backend, shared by `key list`, `key test` and `key verify-enrollment`.
#pragma once

#include <string>

#include "client/client.hpp"
#include "key_common.hpp"

namespace acctsec::cli {

struct KeyRemoveOptions {
  std::string credential;
  std::string user;
  bool force = false;
  bool yes = false;
};

// `key list --server [--user U]`: the keys the backend has enrolled for U (default: you).
Result<int> run_key_list_server(const std::string& user, Context& ctx);

// `key test --server [--user U]`: the key in hand signs the backend's key-test challenge and the
// backend verifies it against U's enrolled keys. Exit 0 verified, 1 rejected.
Result<int> run_key_test_server(const std::string& user, const PinSource& pin, Context& ctx);

// One key test (the caller's own keys when `user` is empty): the server's acctsec.key-test/1
// verdict, or a verdict with verified false when the key holds none of the user's credentials.
Result<nlohmann::json> key_test_with_server(Context& ctx, client::Client& api, const std::string& user, const PinSource& pin);

void register_key_remove(CLI::App& key, Dispatch& dispatch);
void register_key_verify_enrollment(CLI::App& key, Dispatch& dispatch);

}  // namespace acctsec::cli
