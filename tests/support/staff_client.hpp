// Test and benchmark support: a staff member's side of `acctsec serve` over loopback TLS — the
// first admin's bootstrap, keys enrolled on virtual authenticators, security-key logins, and
// access requests and reviews signed with those keys. Free of doctest (the benchmark set-up uses
// it too): a step that fails throws std::runtime_error saying which and why.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fido/device.hpp"

namespace acctsec::test {

struct ApiReply {
  int status = 0;
  nlohmann::json body;  // null when the body is empty or not JSON
  std::map<std::string, std::string> headers;
};

class ApiClient {
 public:
  ApiClient(unsigned port, std::string ca_file) : m_port(port), m_ca(std::move(ca_file)) {}
  // `body` null sends none. Throws when no reply comes within a minute.
  ApiReply call(const std::string& method, const std::string& target, const nlohmann::json& body = nullptr,
                const std::string& token = "", const std::vector<std::pair<std::string, std::string>>& headers = {}) const;

 private:
  unsigned m_port;
  std::string m_ca;
};

// A staff member with a virtual key and a session.
struct StaffMember {
  std::string name;
  std::unique_ptr<fido::Device> key;
  std::string token;
};

// Makes a virtual authenticator in `file` and opens it.
std::unique_ptr<fido::Device> virtual_key_at(const std::string& file);
// RegistrationResponseJSON for a RegistrationCeremony; AuthenticationResponseJSON for request
// options (`public_key`: PublicKeyCredentialRequestOptionsJSON).
nlohmann::json register_key(fido::Device& key, const nlohmann::json& ceremony);
nlohmann::json sign_options(fido::Device& key, const nlohmann::json& public_key, const std::string& origin);

// The first admin: the bootstrap code from `<data_dir>/bootstrap-code`, a key in `key_file`, a login.
StaffMember bootstrap_admin(const ApiClient& api, const std::string& data_dir, const std::string& name, const std::string& key_file);
// `admin` registers a key in `key_file` for the existing principal `name`, who then logs in.
StaffMember enroll_staff(const ApiClient& api, const StaffMember& admin, const std::string& name, const std::string& key_file);
// A fresh session for `member` (its key signs the login).
void login(const ApiClient& api, StaffMember& member);

// POST /v1/access-requests with `justification` signed by the requester's key; the reply.
ApiReply request_access(const ApiClient& api, StaffMember& requester, const nlohmann::json& justification,
                        const std::string& idempotency_key);
// POST /v1/access-requests/{id}/reviews signed by the reviewer's key; the reply.
ApiReply review_access(const ApiClient& api, StaffMember& reviewer, const std::string& request_id, const std::string& decision,
                       const std::string& reason, const std::string& idempotency_key);

}  // namespace acctsec::test
