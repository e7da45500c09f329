#include "support/staff_client.hpp"

#include <stdexcept>

#include "core/bytes.hpp"
#include "core/file.hpp"
#include "fido/enrollment.hpp"
#include "fido/library.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "support/tls_client.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/registration_response.hpp"

namespace acctsec::test {
namespace {

[[noreturn]] void failed(const std::string& step, const ApiReply& reply) {
  throw std::runtime_error(step + ": HTTP " + std::to_string(reply.status) + " " + reply.body.dump());
}

ApiReply expect(const std::string& step, ApiReply reply, int status) {
  if (reply.status != status) failed(step, reply);
  return reply;
}

Bytes decoded(const nlohmann::json& text) {
  auto bytes = base64url_decode(text.get<std::string>());
  if (!bytes) throw std::runtime_error("the server sent malformed base64url: " + text.dump());
  return *bytes;
}

}  // namespace

ApiReply ApiClient::call(const std::string& method, const std::string& target, const nlohmann::json& body, const std::string& token,
                         const std::vector<std::pair<std::string, std::string>>& headers) const {
  std::vector<std::pair<std::string, std::string>> all = headers;
  if (!token.empty()) all.emplace_back("Authorization", "Bearer " + token);
  if (!body.is_null()) all.emplace_back("Content-Type", "application/json");
  std::string error;
  auto connection = TlsConnection::open(m_port, m_ca, &error);
  if (!connection) throw std::runtime_error(method + " " + target + ": cannot connect: " + error);
  if (!connection->send(http_request_text(method, target, all, body.is_null() ? "" : body.dump(), false)))
    throw std::runtime_error(method + " " + target + ": the request could not be sent");
  // Long enough for the longest wait a route allows (GET /v1/access-requests/{id}?wait=60s).
  auto reply = connection->read_reply(std::chrono::seconds(75));
  if (!reply) throw std::runtime_error(method + " " + target + ": no reply");
  return ApiReply{reply->status, nlohmann::json::parse(reply->body.empty() ? "null" : reply->body, nullptr, false), reply->headers};
}

std::unique_ptr<fido::Device> virtual_key_at(const std::string& file) {
  fido::library_init();
  if (auto made = fido::virtual_create(file, {}); !made) throw std::runtime_error("virtual key " + file + ": " + made.error().message);
  auto device = fido::Device::open("virtual:" + file, std::chrono::seconds(10));
  if (!device) throw std::runtime_error("virtual key " + file + ": " + device.error().message);
  return std::make_unique<fido::Device>(std::move(*device));
}

nlohmann::json register_key(fido::Device& key, const nlohmann::json& ceremony) {
  const auto& pk = ceremony.at("publicKey");
  fido::EnrollRequest request;
  request.rp_id = pk.at("rp").at("id");
  request.origin = ceremony.at("origin");
  request.user_id = decoded(pk.at("user").at("id"));
  request.user_name = pk.at("user").at("name");
  request.user_display_name = pk.at("user").at("displayName");
  request.challenge = decoded(pk.at("challenge"));
  auto record = fido::key_enroll(key, request);
  if (!record) throw std::runtime_error("enrolling a virtual key: " + record.error().message);
  return webauthn::registration_response_to_json(record->response);
}

nlohmann::json sign_options(fido::Device& key, const nlohmann::json& public_key, const std::string& origin) {
  fido::SignRequest request;
  request.rp_id = public_key.at("rpId");
  request.origin = origin;
  request.challenge = decoded(public_key.at("challenge"));
  for (const auto& d : public_key.at("allowCredentials")) request.allow.push_back(decoded(d.at("id")));
  auto response = fido::key_sign(key, request);
  if (!response) throw std::runtime_error("signing with a virtual key: " + response.error().message);
  return webauthn::authentication_response_to_json(*response);
}

void login(const ApiClient& api, StaffMember& member) {
  auto options = expect("login options for " + member.name, api.call("POST", "/v1/auth/login/options", {{"principal", member.name}}), 200);
  auto session = expect("login of " + member.name,
                        api.call("POST", "/v1/auth/login/verify",
                                 {{"ceremonyId", options.body["ceremonyId"]},
                                  {"response", sign_options(*member.key, options.body["publicKey"], options.body["origin"])}}),
                        200);
  member.token = session.body["token"];
}

StaffMember bootstrap_admin(const ApiClient& api, const std::string& data_dir, const std::string& name, const std::string& key_file) {
  auto code = file_read(data_dir + "/bootstrap-code");
  if (!code) throw std::runtime_error("reading the bootstrap code: " + code.error().message);
  code->erase(code->find_last_not_of('\n') + 1);
  auto boot = expect("bootstrap", api.call("POST", "/v1/bootstrap", {{"code", *code}, {"name", name}, {"displayName", name}}), 201);
  StaffMember admin{name, virtual_key_at(key_file), ""};
  expect("registering the admin's key",
         api.call("POST", "/v1/auth/registration/verify", {{"ceremonyId", boot.body["ceremonyId"]}, {"response", register_key(*admin.key, boot.body)}}),
         201);
  login(api, admin);
  return admin;
}

StaffMember enroll_staff(const ApiClient& api, const StaffMember& admin, const std::string& name, const std::string& key_file) {
  auto ceremony = expect("registration options for " + name,
                         api.call("POST", "/v1/auth/registration/options", {{"principal", name}}, admin.token), 200);
  StaffMember member{name, virtual_key_at(key_file), ""};
  expect("registering " + name + "'s key",
         api.call("POST", "/v1/auth/registration/verify",
                  {{"ceremonyId", ceremony.body["ceremonyId"]}, {"response", register_key(*member.key, ceremony.body)}}),
         201);
  login(api, member);
  return member;
}

ApiReply request_access(const ApiClient& api, StaffMember& requester, const nlohmann::json& justification,
                        const std::string& idempotency_key) {
  auto challenge = api.call("POST", "/v1/access-requests/challenges", {{"purpose", "request"}, {"justification", justification}},
                            requester.token);
  if (challenge.status != 201) return challenge;
  const nlohmann::json assertion = sign_options(*requester.key, challenge.body["publicKey"], challenge.body["origin"]);
  return api.call("POST", "/v1/access-requests",
                  {{"justification", justification}, {"nonce", challenge.body["nonce"]}, {"assertion", assertion}}, requester.token,
                  {{"Idempotency-Key", idempotency_key}});
}

ApiReply review_access(const ApiClient& api, StaffMember& reviewer, const std::string& request_id, const std::string& decision,
                       const std::string& reason, const std::string& idempotency_key) {
  auto challenge = api.call("POST", "/v1/access-requests/challenges",
                            {{"purpose", "review"}, {"review", {{"requestId", request_id}, {"decision", decision}, {"reason", reason}}}},
                            reviewer.token);
  if (challenge.status != 201) return challenge;
  const nlohmann::json assertion = sign_options(*reviewer.key, challenge.body["publicKey"], challenge.body["origin"]);
  return api.call("POST", "/v1/access-requests/" + request_id + "/reviews",
                  {{"decision", decision}, {"reason", reason}, {"nonce", challenge.body["nonce"]}, {"assertion", assertion}},
                  reviewer.token, {{"Idempotency-Key", idempotency_key}});
}

}  // namespace acctsec::test
