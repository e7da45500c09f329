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
  Setting server_key_pin;  // sha256//... pins of the server's public key
  Setting user;
  Setting session_file;  // where login keeps the session for this profile
  Setting token_file;    // a file holding an API token (ACCTSEC_TOKEN_FILE, config token_file)
  Setting token;         // origin only ("ACCTSEC_TOKEN", the token file, the session file, or "none"); never the value
  Setting rp_id;         // the relying party a local `key enroll` uses without --rp-id
};

// A string member of a server reply, or empty when it is missing or not a string.
std::string reply_text(const nlohmann::json& json, const char* name);

BackendSettings backend_settings(Context& ctx, const std::string& user_flag = "", const std::string& rp_id_flag = "");

// A client for the resolved server, with the token from ACCTSEC_TOKEN or the stored session
// when `with_token` (ACCTSEC_TOKEN, else the token file, else the session). Errors: usage (no
// server, a bad URL, an unreadable CA file), auth (no token: the message says to run acctsec
// login; a session or token file others can read; an empty token file; a session for another
// server), not_found (no such token file).
Result<client::Client> backend_client(Context& ctx, bool with_token);

}  // namespace acctsec::cli
