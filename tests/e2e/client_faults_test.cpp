// Faults between the client and the backend, through the real binary: nothing listening, a
// server whose certificate names another host, a server killed in the middle of a streamed
// command, and replies that are not what the contract says. Each ends with a clear error and
// its exit status, never a crash.
#include <doctest/doctest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "support/dev_org.hpp"

using namespace acctsec::test;
using nlohmann::json;

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
}
