#include "client/session_store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file.hpp"

namespace acctsec::client {

std::string session_state_dir(const std::optional<std::string>& xdg_state_home, const std::optional<std::string>& home) {
  if (xdg_state_home && !xdg_state_home->empty()) return (std::filesystem::path(*xdg_state_home) / "acctsec").string();
  if (home && !home->empty()) return (std::filesystem::path(*home) / ".local" / "state" / "acctsec").string();
  return {};
}

std::string session_file(const std::string& dir, const std::string& profile) {
  return (std::filesystem::path(dir) / (profile.empty() ? "session.json" : "session-" + profile + ".json")).string();
}

Result<std::optional<StoredSession>> session_read(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<StoredSession>{};
    return fail(ErrorCategory::usage, "cannot read the session file " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0)
    return fail(ErrorCategory::auth, "the session file " + path + " can be read or written by others, so its token may have been seen; "
                                     "remove it (rm " + path + ") and log in again with acctsec login");
  auto text = file_read(path, 64 * 1024);
  if (!text) return fail(text.error());
  auto json = nlohmann::json::parse(*text, nullptr, false);
  wipe(*text);
  const auto string_at = [&](const char* name) -> std::optional<std::string> {
    if (!json.is_object() || !json.contains(name) || !json[name].is_string()) return std::nullopt;
    return json[name].get<std::string>();
  };
  auto token = string_at("token");
  auto server = string_at("server");
  auto principal = string_at("principal");
  if (!token || token->empty() || !server || !principal) {
    if (json.is_object() && json.contains("token") && json["token"].is_string()) wipe(json["token"].get_ref<std::string&>());
    return fail(ErrorCategory::usage, "the session file " + path + " is not one acctsec login wrote; remove it and log in again");
  }
  StoredSession session;
  session.server = *server;
  session.principal = *principal;
  session.session_id = string_at("sessionId").value_or("");
  session.expires = string_at("expiresAt").value_or("");
  session.token = Secret(std::move(*token));
  wipe(json["token"].get_ref<std::string&>());
  return std::optional<StoredSession>(std::move(session));
}

Result<void> session_write(const std::string& path, const StoredSession& session) {
  const auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(ErrorCategory::usage, "cannot make the state directory " + dir.string() + ": " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  nlohmann::json json = {{"schema", "acctsec.session/1"},
                         {"server", session.server},
                         {"principal", session.principal},
                         {"sessionId", session.session_id},
                         {"expiresAt", session.expires},
                         {"token", std::string(session.token.view())}};
  std::string text = json.dump(2) + "\n";
  wipe(json["token"].get_ref<std::string&>());
  auto written = file_write_atomic(path, text, 0600);
  wipe(text);
  return written;
}

Result<bool> session_remove(const std::string& path) {
  std::error_code ec;
  const bool removed = std::filesystem::remove(path, ec);
  if (ec) return fail(ErrorCategory::usage, "cannot remove the session file " + path + ": " + ec.message());
  return removed;
}

}  // namespace acctsec::client
