// Staff identity against the real `acctsec serve --dev` over loopback TLS: the bootstrap code, a
// virtual key registering and logging in, the seeded staff, and a session that outlives a restart.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>

#include "core/bytes.hpp"
#include "fido/device.hpp"
#include "fido/enrollment.hpp"
#include "fido/library.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "support/cli_harness.hpp"
#include "support/tls_client.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/registration_response.hpp"

using acctsec::test::BinaryProcess;
using acctsec::test::https_request;
using acctsec::test::read_file;
using acctsec::test::TempDir;
using nlohmann::json;
namespace fido = acctsec::fido;

namespace {

struct Server {
  std::unique_ptr<BinaryProcess> process;
  json ready;
  unsigned port = 0;

  explicit Server(const std::string& data_dir) {
    process = BinaryProcess::start({"--json", "serve", "--dev", "--data-dir", data_dir, "--listen", "127.0.0.1:0"}, {{"HOME", data_dir}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    ready = json::parse(process->out());
    const std::string url = ready["url"];
    port = static_cast<unsigned>(std::stoul(url.substr(url.rfind(':') + 1)));
  }

  struct Reply {
    int status = 0;
    json body;
  };
  Reply call(const std::string& method, const std::string& target, const json& body = nullptr, const std::string& token = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.is_null()) headers.emplace_back("Content-Type", "application/json");
    auto reply = https_request(port, ready["ca"], method, target, headers, body.is_null() ? "" : body.dump());
    REQUIRE(reply.has_value());
    return Reply{reply->status, json::parse(reply->body.empty() ? "null" : reply->body, nullptr, false)};
  }

  acctsec::test::CliRun stop() {
    process->signal(SIGTERM);
    return process->wait();
  }
};

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

fido::Device virtual_key(const std::string& file) {
  fido::library_init();
  REQUIRE(fido::virtual_create(file, {}).has_value());
  auto device = fido::Device::open("virtual:" + file, std::chrono::seconds(10));
  REQUIRE(device.has_value());
  return std::move(*device);
}

json register_with(fido::Device& key, const json& ceremony) {
  const json& pk = ceremony["publicKey"];
  fido::EnrollRequest request;
  request.rp_id = pk["rp"]["id"];
  request.origin = ceremony["origin"];
  request.user_id = *acctsec::base64url_decode(pk["user"]["id"].get<std::string>());
  request.user_name = pk["user"]["name"];
  request.user_display_name = pk["user"]["displayName"];
  request.challenge = *acctsec::base64url_decode(pk["challenge"].get<std::string>());
  auto record = fido::key_enroll(key, request);
  REQUIRE(record.has_value());
  return acctsec::webauthn::registration_response_to_json(record->response);
}

json sign_with(fido::Device& key, const json& ceremony) {
  const json& pk = ceremony["publicKey"];
  fido::SignRequest request;
  request.rp_id = pk["rpId"];
  request.origin = ceremony["origin"];
  request.challenge = *acctsec::base64url_decode(pk["challenge"].get<std::string>());
  for (const auto& d : pk["allowCredentials"]) request.allow.push_back(*acctsec::base64url_decode(d["id"].get<std::string>()));
  auto response = fido::key_sign(key, request);
  REQUIRE(response.has_value());
  return acctsec::webauthn::authentication_response_to_json(*response);
}

}  // namespace

TEST_SUITE("e2e::identity") {
  TEST_CASE("the first admin bootstraps with the code file, registers a virtual key, logs in, and stays logged in across a restart") {
    TempDir dir;
    const std::string data = dir.file("data");
    std::string token;
    {
      Server server(data);
      CHECK(server.ready["rpId"] == "localhost");
      CHECK(server.ready["origin"] == "https://localhost");
      const std::string code_file = server.ready["bootstrapCodeFile"];
      CHECK(code_file == data + "/bootstrap-code");
      CHECK(mode_of(code_file) == 0600);
      std::string code = read_file(code_file);
      code.erase(code.find_last_not_of('\n') + 1);

      auto boot = server.call("POST", "/v1/bootstrap", {{"code", code}, {"name", "root@example.com"}, {"displayName", "Root"}});
      REQUIRE(boot.status == 201);
      fido::Device key = virtual_key(dir.file("root-key.json"));
      auto registered = server.call("POST", "/v1/auth/registration/verify",
                                    {{"ceremonyId", boot.body["ceremonyId"]}, {"response", register_with(key, boot.body)}});
      REQUIRE(registered.status == 201);
      CHECK(registered.body["principal"] == "root@example.com");
      CHECK(registered.body["virtualKey"] == true);

      auto options = server.call("POST", "/v1/auth/login/options", {{"principal", "root@example.com"}});
      REQUIRE(options.status == 200);
      auto session = server.call("POST", "/v1/auth/login/verify", {{"ceremonyId", options.body["ceremonyId"]}, {"response", sign_with(key, options.body)}});
      REQUIRE(session.status == 200);
      token = session.body["token"];

      auto me = server.call("GET", "/v1/auth/whoami", nullptr, token);
      REQUIRE(me.status == 200);
      CHECK(me.body["expiresAt"].is_string());
      CHECK(me.body["tokenId"] == session.body["sessionId"]);
      me.body.erase("expiresAt");
      me.body.erase("tokenId");
      CHECK(me.body == json::parse(R"({"schema":"acctsec.whoami/1","principal":"root@example.com","roles":["admin"],
                                       "tokenKind":"session","scopes":[]})"));

      // --dev seeded one principal per role, with no keys yet.
      auto staff = server.call("GET", "/v1/principals", nullptr, token);
      REQUIRE(staff.status == 200);
      json names = json::array();
      for (const auto& p : staff.body["items"]) names.push_back({p["name"], p["roles"][0], p["credentialCount"]});
      CHECK(names == json::parse(R"([["approver2@example.com","approver",0],["approver@example.com","approver",0],
                                     ["auditor@example.com","auditor",0],["engineer@example.com","engineer",0],
                                     ["helpdesk@example.com","helpdesk",0],["root@example.com","admin",1]])"));
      auto run = server.stop();
      CHECK(run.status == 0);
      CHECK(run.err.find("seeded 1000 customer accounts") != std::string::npos);
      CHECK(run.err.find(code) == std::string::npos);   // the code is in its file, not in the log
      CHECK(run.err.find(token) == std::string::npos);  // nor is any token
    }
    {
      Server again(data);
      CHECK_FALSE(again.ready.contains("bootstrapCodeFile"));
      struct stat st {};
      CHECK(::stat((data + "/bootstrap-code").c_str(), &st) != 0);
      auto me = again.call("GET", "/v1/auth/whoami", nullptr, token);
      CHECK(me.status == 200);
      CHECK(again.call("POST", "/v1/auth/logout", nullptr, token).status == 204);
      CHECK(again.call("GET", "/v1/auth/whoami", nullptr, token).status == 401);
      const auto second = again.stop();
      CHECK(second.status == 0);
      CHECK(second.err.find("seeded") == std::string::npos);  // the store has them already
    }
  }
}
