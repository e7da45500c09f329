// Where `acctsec login` keeps its session: one JSON file per profile under
// $XDG_STATE_HOME/acctsec (else ~/.local/state/acctsec), mode 0600, holding the server it is for,
// the principal, the session id, when it expires, and the token. A file that others could read
// is refused rather than used: the token in it may have been seen.
#pragma once

#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/secret.hpp"

namespace acctsec::client {

struct StoredSession {
  std::string server;     // the base URL it was made for
  std::string principal;
  std::string session_id;
  std::string expires;    // RFC 3339
  Secret token;
};

// The state directory: $XDG_STATE_HOME/acctsec, else $HOME/.local/state/acctsec; empty when
// neither variable is set.
std::string session_state_dir(const std::optional<std::string>& xdg_state_home, const std::optional<std::string>& home);

// The file for `profile` in `dir`: session.json, or session-PROFILE.json.
std::string session_file(const std::string& dir, const std::string& profile);

// nullopt when there is no file. Errors: auth (the file is readable or writable by others —
// the message says to remove it and log in again), usage (it is not a session file).
Result<std::optional<StoredSession>> session_read(const std::string& path);

// Writes the file atomically with mode 0600, making the directory (0700) when needed.
// Errors: usage (the directory or file cannot be written).
Result<void> session_write(const std::string& path, const StoredSession& session);

// Removes the file; true when there was one. Errors: usage.
Result<bool> session_remove(const std::string& path);

}  // namespace acctsec::client
