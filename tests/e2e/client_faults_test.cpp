// Faults between the client and the backend, through the real binary: nothing listening, a
// server whose certificate names another host, a server killed in the middle of a streamed
// command or restarted while a command waits, and — through a gateway in front of the server —
// replies that are 503, cut short or not what the contract says. Each ends with a clear error and
// its exit status, never a crash, and no retry makes anything twice.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "support/dev_org.hpp"
#include "support/raw_tls_server.hpp"

using namespace acctsec::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

unsigned port_of(const std::string& url) {
  return static_cast<unsigned>(std::stoul(url.substr(url.rfind(':') + 1)));
}

// A gateway in front of the org's server, with the server's own certificate (so the CLI trusts it
// as it trusts the server): `alter` sees each request and the server's reply to it (nullopt when
// the server could not be reached) and returns the bytes the CLI gets.
using Alter = std::function<std::string(const RawRequest&, const std::optional<HttpReply>&)>;

std::unique_ptr<RawTlsServer> gateway_for(const DevOrg& org, Alter alter) {
  const std::string data = org.dir.file("data");
  const unsigned upstream = port_of(org.url());
  const std::string ca = org.ready["ca"];
  return std::make_unique<RawTlsServer>(data + "/server.pem", data + "/server.key",
                                        [upstream, ca, alter = std::move(alter)](const RawRequest& request, std::size_t) {
                                          return alter(request, relay(upstream, ca, request));
                                        });
}

// `acctsec ARGS` as `who` with their key, through the gateway. Their session names the server it
// was made with, so its token goes in ACCTSEC_TOKEN.
CliRun run_via(const DevOrg& org, const RawTlsServer& gateway, const std::string& who, std::vector<std::string> args) {
  auto env = org.env(who);
  env["ACCTSEC_SERVER"] = gateway.base_url();
  env["ACCTSEC_TOKEN"] = json::parse(read_file(org.dir.file("state-" + who) + "/acctsec/session.json"))["token"];
  args.insert(args.begin(), {"--device", "virtual:" + org.keys.at(who)});
  return run_binary(args, env);
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> lines;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = text.find('\n', at);
    lines.push_back(json::parse(text.substr(at, end - at)));
    at = end == std::string::npos ? text.size() : end + 1;
  }
  return lines;
}

// The requests `who` made, as the server lists them.
std::vector<json> requests_of(const DevOrg& org, const std::string& who) {
  auto mine = org.run(who, {"--json", "access", "list", "--mine"});
  REQUIRE_MESSAGE(mine.status == 0, mine.err);
  return json_lines(mine.out);
}

}  // namespace

TEST_SUITE("e2e::client_faults") {
  TEST_CASE("nothing listening at the server's address: exit 6, naming the server, after the retries") {
    TempDir dir;
    auto down = run_binary({"whoami"}, {{"HOME", dir.file("home")}, {"ACCTSEC_SERVER", "https://127.0.0.1:1"}, {"ACCTSEC_TOKEN", "t"}});
    CHECK(down.status == 6);
    CHECK(down.err.rfind("acctsec: error: ", 0) == 0);
    CHECK(down.err.find("127.0.0.1:1") != std::string::npos);
  }

  TEST_CASE("a server whose certificate does not name the address dialled is refused: exit 6, nothing sent") {
    // The dev certificate names localhost, 127.0.0.1 and ::1; 127.0.0.2 is loopback too, but not in it.
    TempDir dir;
    auto process = BinaryProcess::start({"--json", "serve", "--dev", "--seed-accounts", "1", "--data-dir", dir.file("data"), "--listen",
                                         "127.0.0.2:0"},
                                        {{"HOME", dir.file("data")}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    const json ready = json::parse(process->out());
    auto mismatch = run_binary({"whoami"}, {{"HOME", dir.file("home")}, {"ACCTSEC_SERVER", ready["url"]}, {"ACCTSEC_CA_FILE", ready["ca"]},
                                            {"ACCTSEC_TOKEN", "t"}});
    CHECK(mismatch.status == 6);
    CHECK(mismatch.err.rfind("acctsec: error: ", 0) == 0);
    CHECK(mismatch.err.find("127.0.0.2") != std::string::npos);
    CHECK(process->err().find("\"path\":\"/v1/auth/whoami\"") == std::string::npos);  // the request never reached the server
  }

  TEST_CASE("a pinned server key: the pin serve prints lets commands through, another key's pin is exit 6 before anything is sent") {
    DevOrg org({"engineer"});
    const std::string pin = org.ready.value("keyPin", "");
    REQUIRE(pin.rfind("sha256//", 0) == 0);
    auto pinned = org.run_keyless("engineer", {"--server-key-pin", pin, "whoami"});
    CHECK_MESSAGE(pinned.status == 0, pinned.err);

    // The pin of another server's key, though the CA that signed this server's certificate is trusted.
    TempDir other;
    auto process = BinaryProcess::start({"--json", "serve", "--dev", "--seed-accounts", "1", "--data-dir", other.file("data")},
                                        {{"HOME", other.file("data")}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    const std::string wrong = json::parse(process->out()).value("keyPin", "");
    REQUIRE(wrong.rfind("sha256//", 0) == 0);
    REQUIRE(wrong != pin);
    const std::size_t seen_before = org.process->err().size();
    auto refused = org.run_keyless("engineer", {"whoami"}, {{"ACCTSEC_SERVER_KEY_PIN", wrong}});
    CHECK(refused.status == 6);
    CHECK(refused.err.find("does not match the pinned key") != std::string::npos);
    CHECK(org.process->err().substr(seen_before).find("/v1/auth/whoami") == std::string::npos);

    // doctor names the failing check and where the pin came from; config show says where it came from.
    auto doctor = org.run_keyless("engineer", {"--json", "doctor"}, {{"ACCTSEC_SERVER_KEY_PIN", wrong}});
    CHECK(doctor.status == 1);
    bool tls_failed = false;
    const json report = json::parse(doctor.out);
    for (const auto& c : report["checks"])
      if (c["check"] == "tls") tls_failed = c["status"] == "fail" && c["fix"].get<std::string>().find("ACCTSEC_SERVER_KEY_PIN") != std::string::npos;
    CHECK_MESSAGE(tls_failed, doctor.out);
    const std::string config = org.dir.file("pinned.toml");
    write_file(config, "server_key_pin = \"" + pin + "\"\n", 0600);
    auto shown = org.run_keyless("engineer", {"--json", "--config", config, "config", "show"});
    REQUIRE(shown.status == 0);
    const json setting = json::parse(shown.out)["settings"]["server_key_pin"];
    CHECK(setting["value"] == pin);
    CHECK(setting["origin"].get<std::string>().find("pinned.toml") != std::string::npos);
    CHECK(org.run_keyless("engineer", {"--config", config, "whoami"}).status == 0);

    // A pin not in libcurl's form is a usage error.
    auto malformed = org.run_keyless("engineer", {"--server-key-pin", "sha1//abc", "whoami"});
    CHECK(malformed.status == 2);
    CHECK(malformed.err.find("sha256//") != std::string::npos);
  }

  TEST_CASE("the server killed while audit log --follow streams: exit 6 with the entries so far, no crash") {
    DevOrg org({}, false, 1);
    auto env = org.env("root");
    env["ACCTSEC_TOKEN"] = org.admin.token;
    auto follow = BinaryProcess::start({"audit", "log", "--follow"}, env);
    REQUIRE(follow->wait_for_out("principal.bootstrapped"));
    org.process->signal(SIGKILL);
    const CliRun ended = follow->wait();
    CHECK(ended.status == 6);
    CHECK(ended.err.find("acctsec: error: ") != std::string::npos);
    CHECK(ended.out.find("principal.bootstrapped") != std::string::npos);
  }

  TEST_CASE("key test --server for a user the server does not know: exit 4, naming the user") {
    DevOrg org({"engineer"});
    auto wrong_kind = org.run("engineer", {"key", "test", "--server", "--user", "nobody@example.com"});
    CHECK(wrong_kind.status == 4);
    CHECK(wrong_kind.err.find("nobody@example.com") != std::string::npos);
  }

  TEST_CASE("access request --wait rides out a server restart and ends with exit 0 on the approval, one request made") {
    DevOrg org({"helpdesk", "approver"}, true, 2);
    auto env = org.env("helpdesk");
    std::vector<std::string> args{"--device", "virtual:" + org.keys.at("helpdesk")};
    for (const auto& a : access_request_args("c-000001", {"--wait"})) args.push_back(a);
    args.insert(args.begin(), {"--timeout", "120s"});
    auto waiting = BinaryProcess::start(args, env);
    REQUIRE_MESSAGE(waiting->wait_for_err("is pending; waiting"), waiting->err());
    const std::string err = waiting->err();
    const std::string id = err.substr(0, err.find(" is pending"));

    org.process->signal(SIGTERM);
    CHECK(org.process->wait().status == 0);
    REQUIRE_MESSAGE(waiting->wait_for_err("the server stopped answering"), waiting->err());
    CHECK(waiting->err().find(id + " stays on the server, still waiting") != std::string::npos);
    CHECK(waiting->running());

    const std::string data = org.dir.file("data");
    org.process = BinaryProcess::start({"--json", "serve", "--dev", "--data-dir", data, "--listen", "127.0.0.1:" + std::to_string(port_of(org.url()))},
                                       {{"HOME", data}});
    REQUIRE_MESSAGE(org.process->wait_for_out("\"url\""), org.process->err());
    CHECK(waiting->running());
    auto approved = org.run("approver", {"access", "approve", id, "--reason", "checked SUP-4242"});
    REQUIRE_MESSAGE(approved.status == 0, approved.err);
    const CliRun ended = waiting->wait();
    CHECK_MESSAGE(ended.status == 0, ended.err);
    CHECK(ended.err.find("the server answers again") != std::string::npos);
    CHECK(json::parse(ended.out)["state"] == "active");
    const auto listed = requests_of(org, "helpdesk");
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["id"] == id);
  }

  TEST_CASE("a server that goes away while access wait waits, and stays away past --timeout: exit 7 naming the outage") {
    DevOrg org({"helpdesk"}, true, 2);
    auto made = org.run("helpdesk", access_request_args("c-000002"));
    REQUIRE_MESSAGE(made.status == 0, made.err);
    const std::string id = json::parse(made.out)["id"];
    auto waiting = BinaryProcess::start({"--timeout", "8s", "access", "wait", id}, org.env("helpdesk"));
    std::this_thread::sleep_for(1s);  // let it start asking; the outage may begin before or after its first call
    REQUIRE(waiting->running());
    org.process->signal(SIGKILL);
    const CliRun ended = waiting->wait();
    CHECK_MESSAGE(ended.status == 7, ended.err);
    CHECK(ended.err.find("the server stopped answering") != std::string::npos);
    CHECK(ended.err.find("--timeout passed before it came back; wait again with acctsec access wait " + id) != std::string::npos);
  }

  TEST_CASE("access request through a gateway that answers 503, then cuts the reply after the server acted: one request, exit 0") {
    DevOrg org({"helpdesk"}, true, 2);
    std::atomic<int> posts{0};
    std::vector<std::string> keys;
    std::mutex keys_mutex;
    auto gateway = gateway_for(org, [&](const RawRequest& request, const std::optional<HttpReply>& reply) -> std::string {
      if (!reply) return {};  // the server was not reached: the connection closes with nothing said
      if (request.method != "POST" || request.target != "/v1/access-requests") return http_reply_text(*reply);
      {
        const std::lock_guard lock(keys_mutex);
        for (const auto& [name, value] : request.headers)
          if (name == "idempotency-key") keys.push_back(value);
      }
      const int n = posts++;
      if (n == 0)  // the server made the request; the client hears that nobody could answer
        return http_reply_text(503, {{"Retry-After", "0"}},
                               R"({"type":"about:blank","title":"Service Unavailable","status":503,"detail":"upstream timed out"})",
                               "application/problem+json");
      const std::string whole = http_reply_text(*reply);
      if (n == 1) return whole.substr(0, whole.size() - reply->body.size() / 2);  // cut in the middle of the body
      return whole;
    });
    auto made = run_via(org, *gateway, "helpdesk", access_request_args("c-000001"));
    REQUIRE_MESSAGE(made.status == 0, made.err);
    CHECK(posts == 3);
    REQUIRE(keys.size() == 3);
    CHECK(keys[1] == keys[0]);
    CHECK(keys[2] == keys[0]);
    const std::string id = json::parse(made.out)["id"];
    const auto listed = requests_of(org, "helpdesk");
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["id"] == id);
  }

  TEST_CASE("token create whose reply is cut after the server made the token: exit 6 naming the token to revoke, one token made") {
    DevOrg org({}, true, 2);
    auto login = org.run("root", {"login", "--user", "root@example.com"});
    REQUIRE_MESSAGE(login.status == 0, login.err);
    std::atomic<int> posts{0};
    auto gateway = gateway_for(org, [&](const RawRequest& request, const std::optional<HttpReply>& reply) -> std::string {
      if (!reply) return {};
      const std::string whole = http_reply_text(*reply);
      if (request.method != "POST" || request.target != "/v1/tokens" || posts++ > 0) return whole;
      return whole.substr(0, whole.size() - reply->body.size() / 2);  // the secret never arrives
    });
    auto made = run_via(org, *gateway, "root", {"token", "create", "--name", "ci", "--scope", "audit:read"});
    CHECK(made.status == 6);
    CHECK(posts == 2);
    CHECK(made.out.empty());
    CHECK(made.err.find("was lost on the way") != std::string::npos);
    auto listed = org.run_keyless("root", {"--json", "token", "list"});
    REQUIRE(listed.status == 0);
    const auto tokens = json_lines(listed.out);
    REQUIRE(tokens.size() == 1);
    CHECK(made.err.find("acctsec token revoke " + tokens[0]["id"].get<std::string>()) != std::string::npos);
  }

  TEST_CASE("a reply that claims to be JSON and is not: exit 6 saying so, no crash") {
    DevOrg org({"helpdesk"}, true, 2);
    auto gateway = gateway_for(org, [](const RawRequest& request, const std::optional<HttpReply>& reply) -> std::string {
      if (!reply) return {};
      if (request.method == "GET" && request.target.starts_with("/v1/access-requests?"))
        return http_reply_text(200, {}, R"({"items": [{"id": "ar-1", "state": )");
      return http_reply_text(*reply);
    });
    auto listed = run_via(org, *gateway, "helpdesk", {"access", "list", "--mine"});
    CHECK(listed.status == 6);
    CHECK(listed.err.find("claims to be JSON and is not") != std::string::npos);
    CHECK(listed.out.empty());
  }

  TEST_CASE("account audit --all whose third page is always cut short: exit 6 after the retries, and only whole lines out") {
    DevOrg org({"helpdesk", "approver"}, true, 1100);
    auto requested = org.run("helpdesk", {"--json", "access", "request", "--resource", "accounts", "--scope", "posture:list", "--code", "INCIDENT",
                                          "--ticket", "INC-4242", "--reason", "review of every account's posture", "--duration", "1h"});
    REQUIRE_MESSAGE(requested.status == 0, requested.err);
    REQUIRE(org.run("approver", {"access", "approve", json::parse(requested.out)["id"], "--reason", "incident INC-4242"}).status == 0);
    std::atomic<int> pages{0};
    auto gateway = gateway_for(org, [&pages](const RawRequest& request, const std::optional<HttpReply>& reply) -> std::string {
      if (!reply) return {};
      const std::string whole = http_reply_text(*reply);
      if (request.method != "GET" || !request.target.starts_with("/v1/accounts?")) return whole;
      if (pages++ < 2) return whole;
      return whole.substr(0, whole.size() - reply->body.size() + 1000);
    });
    auto audit = run_via(org, *gateway, "helpdesk", {"--json", "account", "audit", "--all"});
    CHECK(audit.status == 6);
    CHECK(audit.err.find("was cut short") != std::string::npos);
    CHECK(pages >= 4);  // the third page was asked for again before giving up
    const auto lines = json_lines(audit.out);
    CHECK(lines.size() == 1000);
    for (const auto& line : lines) CHECK(line["schema"] == "acctsec.account-audit/1");
  }
}
