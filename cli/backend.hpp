// Reaching the acctsec backend from a command: where the server, the CA file, the user and the
// token come from (flag > environment > config profile > config file > default, each value with
// its origin for `config show`), and the REST client built from them.
#pragma once

#include <optional>
#include <string>

#include "client/client.hpp"
#include "client/session_store.hpp"
#include "command.hpp"

namespace acctsec::cli {

struct Setting {
  std::string value;
  std::string origin;  // "--server-url", "ACCTSEC_SERVER", "config.toml [profile.ci]", "default", ...
  bool set() const { return !value.empty(); }
};

struct BackendSettings {
  Setting server;
  Setting ca_file;
  Setting user;
  Setting session_file;  // where login keeps the session for this profile
  Setting token;         // origin only ("ACCTSEC_TOKEN", the session file, or "none"); never the value
};

// A string member of a server reply, or empty when it is missing or not a string.
std::string reply_text(const nlohmann::json& json, const char* name);

BackendSettings backend_settings(Context& ctx, const std::string& user_flag = "");

// A client for the resolved server, with the token from ACCTSEC_TOKEN or the stored session
// when `with_token`. Errors: usage (no server, a bad URL, an unreadable CA file), auth (no token:
// the message says to run acctsec login; a session file others can read; a session for another
// server).
Result<client::Client> backend_client(Context& ctx, bool with_token);

}  // namespace acctsec::cli
