// `acctsec serve` as users run it: the real binary, a --dev data directory, requests over loopback
// TLS that trust only the CA it made, and a clean stop on SIGTERM.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "support/cli_harness.hpp"
#include "support/tls_client.hpp"

using acctsec::test::BinaryProcess;
using acctsec::test::https_request;
using acctsec::test::read_file;
using acctsec::test::run_binary;
using acctsec::test::TempDir;
using nlohmann::json;

namespace {

// A dev server on a free port; `ready` is its acctsec.serve.ready/1 document.
struct DevServer {
  std::unique_ptr<BinaryProcess> process;
  json ready;
  unsigned port = 0;

  explicit DevServer(const std::string& data_dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--json", "serve", "--dev", "--data-dir", data_dir, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = BinaryProcess::start(args, {{"HOME", data_dir}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    ready = json::parse(process->out());
    const std::string url = ready["url"];
    port = static_cast<unsigned>(std::stoul(url.substr(url.rfind(':') + 1)));
  }
  std::string ca() const { return ready["ca"]; }
};

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_SUITE("e2e::serve") {
  TEST_CASE("--dev makes a private data directory with a CA, answers health over verified TLS, and stops on SIGTERM") {
    TempDir dir;
    const std::string data = dir.file("data");
    DevServer server(data);
    CHECK(server.ready["schema"] == "acctsec.serve.ready/1");
    CHECK(server.ready["url"].get<std::string>().rfind("https://127.0.0.1:", 0) == 0);
    CHECK(server.ready["db"] == "sqlite:" + data + "/acctsec.db");
    CHECK(server.ca() == data + "/ca.pem");
    CHECK(server.ready["caFingerprint"].get<std::string>().size() == 95);
    CHECK(mode_of(data) == 0700);
    CHECK(mode_of(data + "/acctsec.db") == 0600);
    CHECK(mode_of(data + "/server.key") == 0600);
    CHECK(mode_of(data + "/ca.key") == 0600);

    auto health = https_request(server.port, server.ca(), "GET", "/v1/health");
    REQUIRE(health.has_value());
    CHECK(health->status == 200);
    CHECK(health->headers["content-type"] == "application/json");
    auto body = json::parse(health->body);
    CHECK(body["time"].is_string());
    body.erase("time");
    CHECK(body == json::parse(R"({"schema":"acctsec.health/1","status":"ok","store":"sqlite","version":")" ACCTSEC_VERSION R"("})"));

    auto missing = https_request(server.port, server.ca(), "GET", "/v1/no-such-thing");
    REQUIRE(missing.has_value());
    CHECK(missing->status == 404);
    auto problem = json::parse(missing->body);
    CHECK(problem == json{{"type", "about:blank"}, {"title", "Not Found"}, {"status", 404},
                          {"detail", "There is no /v1/no-such-thing in this API; see GET /v1/openapi.yaml."},
                          {"instance", missing->headers["x-request-id"]}});

    server.process->signal(SIGTERM);
    const auto run = server.process->wait();
    CHECK(run.status == 0);
    CHECK(run.err.find("stopped") != std::string::npos);
    // One JSON access record per request, on stderr by default.
    int records = 0;
    std::istringstream lines(run.err);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("{")) continue;
      const auto record = json::parse(line);
      CHECK(record.contains("requestId"));
      ++records;
    }
    CHECK(records == 2);
  }

  TEST_CASE("GET /v1/openapi.yaml serves api/openapi.yaml as it is in the repository") {
    TempDir dir;
    DevServer server(dir.file("data"), {"--access-log", "off"});
    auto reply = https_request(server.port, server.ca(), "GET", "/v1/openapi.yaml");
    REQUIRE(reply.has_value());
    CHECK(reply->status == 200);
    CHECK(reply->headers["content-type"] == "application/yaml");
    CHECK(reply->body == read_file(std::string(ACCTSEC_SOURCE_DIR) + "/api/openapi.yaml"));
  }

  TEST_CASE("a second start reuses the CA, so clients that trust it keep working") {
    TempDir dir;
    const std::string data = dir.file("data");
    std::string fingerprint;
    {
      DevServer first(data);
      fingerprint = first.ready["caFingerprint"];
      first.process->signal(SIGTERM);
      CHECK(first.process->wait().status == 0);
    }
    DevServer second(data);
    CHECK(second.ready["caFingerprint"] == fingerprint);
    CHECK(https_request(second.port, data + "/ca.pem", "GET", "/v1/health")->status == 200);
  }

  TEST_CASE("mistakes exit 2 with what to do, a busy port exits 6") {
    TempDir dir;
    const std::map<std::string, std::string> env = {{"HOME", dir.file("")}};
    auto no_cert = run_binary({"serve", "--data-dir", dir.file("a")}, env);
    CHECK(no_cert.status == 2);
    CHECK(no_cert.err.find("acctsec serve --dev") != std::string::npos);
    CHECK(run_binary({"serve", "--dev", "--data-dir", dir.file("a"), "--listen", "nowhere"}, env).status == 2);
    CHECK(run_binary({"serve", "--dev", "--data-dir", dir.file("a"), "--listen", "127.0.0.1:99999"}, env).status == 2);
    auto pg = run_binary({"serve", "--dev", "--data-dir", dir.file("a"), "--db", "postgresql://db/acctsec"}, env);
    CHECK(pg.status == 2);
    CHECK(pg.err.find("sqlite:PATH") != std::string::npos);
    auto half = run_binary({"serve", "--data-dir", dir.file("a"), "--tls-cert", dir.file("x.pem")}, env);
    CHECK(half.status == 2);
    acctsec::test::write_file(dir.file("bad.pem"), "not a certificate");
    auto bad = run_binary({"serve", "--data-dir", dir.file("a"), "--tls-cert", dir.file("bad.pem"), "--tls-key", dir.file("bad.pem"),
                           "--listen", "127.0.0.1:0"}, env);
    CHECK(bad.status == 2);
    CHECK(bad.err.find("bad.pem") != std::string::npos);
    auto seed = run_binary({"serve", "--data-dir", dir.file("a"), "--seed-accounts", "5", "--tls-cert", dir.file("bad.pem"), "--tls-key",
                            dir.file("bad.pem")}, env);
    CHECK(seed.status == 2);
    CHECK(seed.err.find("--seed-accounts goes with --dev") != std::string::npos);
    CHECK(run_binary({"serve", "--dev", "--data-dir", dir.file("a"), "--rp-id", "https://x"}, env).status == 2);
    CHECK(run_binary({"serve", "--dev", "--data-dir", dir.file("a"), "--session-ttl", "forever"}, env).status == 2);
    acctsec::test::write_file(dir.file("policy.toml"), "[enrollment]\nno_such_rule = true\n");
    auto policy = run_binary({"serve", "--dev", "--data-dir", dir.file("a"), "--listen", "127.0.0.1:0", "--policy", dir.file("policy.toml")}, env);
    CHECK(policy.status == 2);
    CHECK(policy.err.find("no_such_rule") != std::string::npos);

    DevServer running(dir.file("b"));
    auto busy = run_binary({"serve", "--dev", "--data-dir", dir.file("c"), "--listen", "127.0.0.1:" + std::to_string(running.port)}, env);
    CHECK(busy.status == 6);
    CHECK(busy.err.find("cannot listen on 127.0.0.1:" + std::to_string(running.port)) != std::string::npos);
  }
}
