// acctsec mds update | show: verified BLOBs only get into the cache, and show reads it back.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/cli_harness.hpp"
#include "support/mds_blob.hpp"

using acctsec::test::FakeWorld;
using acctsec::test::read_file;
using acctsec::test::run_cli;
using acctsec::test::TempDir;
using acctsec::test::write_file;
namespace mds = acctsec::test::mds;

namespace {

// A folder with a cache directory (through XDG_CACHE_HOME), a test root and a BLOB signed under it.
struct MdsSetup {
  TempDir dir;
  FakeWorld world;
  mds::Pki pki;
  std::string root = dir.file("root.pem");
  std::string blob = dir.file("blob.jwt");

  explicit MdsSetup(mds::Alg alg = mds::Alg::es256, const mds::Validity& validity = {}, int number = 42,
                    const std::string& next_update = "2099-01-01")
      : pki(alg, validity) {
    world.env["XDG_CACHE_HOME"] = dir.file("cache");
    write_file(root, mds::pem(pki.root.get()), 0644);
    write_file(blob, pki.sign(mds::sample_payload(number, next_update, pki.root.get())) + "\n", 0644);
  }
  std::string cache_dir() const { return dir.file("cache") + "/acctsec/mds"; }
  acctsec::test::CliRun run(std::vector<std::string> args) const { return run_cli(args, world); }
};

std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files[entry.path().filename().string()] = read_file(entry.path().string());
  return files;
}

// Answers one HTTP request on 127.0.0.1 with a canned response, then closes.
class OneShotHttpServer {
 public:
  OneShotHttpServer(std::string status, std::string body) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(m_fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_fd, 1) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this, status = std::move(status), body = std::move(body)] {
      pollfd waiting{m_fd, POLLIN, 0};
      if (::poll(&waiting, 1, 20000) != 1) return;  // never connected to: the test fails on its own
      const int client = ::accept(m_fd, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      m_request = request;
      const std::string response =
          "HTTP/1.1 " + status + "\r\nContent-Type: application/jwt\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body;
      std::size_t sent = 0;
      while (sent < response.size()) {
        const ssize_t n = ::write(client, response.data() + sent, response.size() - sent);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::close(client);
    });
  }
  ~OneShotHttpServer() {
    m_thread.join();
    ::close(m_fd);
  }
  OneShotHttpServer(const OneShotHttpServer&) = delete;
  OneShotHttpServer& operator=(const OneShotHttpServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/"; }
  // Read after the server object's thread has finished (i.e. after the command returned).
  const std::string& request() const { return m_request; }

 private:
  int m_fd = -1;
  int m_port = 0;
  std::thread m_thread;
  std::string m_request;
};

}  // namespace

TEST_SUITE("cli::mds") {
  TEST_CASE("mds update --blob caches a verified BLOB and mds show prints an entry, as fields and as JSON") {
    MdsSetup s;
    auto update = s.run({"mds", "update", "--blob", s.blob, "--root", s.root});
    INFO(update.err);
    REQUIRE(update.status == 0);
    CHECK(update.out.find("no 42, 4 entries") != std::string::npos);
    CHECK(update.out.find("2099-01-01") != std::string::npos);
    CHECK(std::filesystem::exists(s.cache_dir() + "/cache.json"));

    auto show = s.run({"mds", "show", mds::k_certified});
    INFO(show.err);
    REQUIRE(show.status == 0);
    CHECK(show.out.find("Description: Test Key Series 5") != std::string::npos);
    CHECK(show.out.find("Status: FIDO_CERTIFIED_L2") != std::string::npos);
    CHECK(show.out.find("Certification level: L2") != std::string::npos);
    CHECK(show.out.find("2020-05-12  FIDO_CERTIFIED_L1") != std::string::npos);
    CHECK(show.out.find("Attestation root: CN=Test MDS Root,O=acctsec tests") != std::string::npos);
    CHECK(show.err.empty());

    auto json = s.run({"--json", "mds", "show", "A7E5D2C1-0001-4A5B-8C6D-000000000001"});
    REQUIRE(json.status == 0);
    const auto doc = nlohmann::json::parse(json.out);
    CHECK(doc["schema"] == "acctsec.mds.show/1");
    CHECK(doc["aaguid"] == mds::k_certified);
    CHECK(doc["description"] == "Test Key Series 5");
    CHECK(doc["latestStatus"] == "FIDO_CERTIFIED_L2");
    CHECK(doc["refusedStatus"].is_null());
    CHECK(doc["certificationLevel"] == 2);
    REQUIRE(doc["statusReports"].size() == 2);
    CHECK(doc["statusReports"][1] == nlohmann::json{{"status", "FIDO_CERTIFIED_L2"},
                                                    {"effectiveDate", "2022-03-01"},
                                                    {"certificateNumber", "FIDO20020220301001"}});
    REQUIRE(doc["attestationRoots"].size() == 1);
    CHECK(doc["attestationRoots"][0]["subject"] == "CN=Test MDS Root,O=acctsec tests");
    CHECK(doc["blob"]["no"] == 42);
    CHECK(doc["blob"]["stale"] == false);
    CHECK(doc["blob"]["source"] == s.blob);

    auto update_json = s.run({"--json", "mds", "update", "--blob", s.blob, "--root", s.root});
    REQUIRE(update_json.status == 0);
    const auto updated = nlohmann::json::parse(update_json.out);
    CHECK(updated["schema"] == "acctsec.mds.update/1");
    CHECK(updated["no"] == 42);
    CHECK(updated["entries"] == 4);
    CHECK(updated["algorithm"] == "ES256");
  }

  TEST_CASE("an RS256 BLOB is accepted too, and a refused status is shown as refused") {
    MdsSetup s(mds::Alg::rs256);
    REQUIRE(s.run({"mds", "update", "--blob", s.blob, "--root", s.root}).status == 0);
    auto show = s.run({"mds", "show", mds::k_revoked});
    REQUIRE(show.status == 0);
    CHECK(show.out.find("REVOKED (refused: REVOKED)") != std::string::npos);
    auto json = s.run({"--json", "mds", "show", mds::k_uv_bypass});
    REQUIRE(json.status == 0);
    CHECK(nlohmann::json::parse(json.out)["refusedStatus"] == "USER_VERIFICATION_BYPASS");
  }

  TEST_CASE("a tampered BLOB exits 1 and leaves the cache byte for byte as it was") {
    MdsSetup s;
    REQUIRE(s.run({"mds", "update", "--blob", s.blob, "--root", s.root}).status == 0);
    const auto before = snapshot(s.cache_dir());
    write_file(s.dir.file("tampered.jwt"), mds::tamper_payload(read_file(s.blob)), 0644);
    auto r = s.run({"mds", "update", "--blob", s.dir.file("tampered.jwt"), "--root", s.root});
    CHECK(r.status == 1);
    CHECK(r.err.find("acctsec: error: refused the MDS BLOB") != std::string::npos);
    CHECK(r.err.find("the cache was not changed") != std::string::npos);
    CHECK(snapshot(s.cache_dir()) == before);
  }

  TEST_CASE("a BLOB that does not chain to the root is refused: the built-in root, or another --root") {
    MdsSetup s;
    auto builtin = s.run({"mds", "update", "--blob", s.blob});
    CHECK(builtin.status == 1);
    CHECK(builtin.err.find("does not chain") != std::string::npos);
    const mds::Pki other(mds::Alg::es256, {}, "Other");
    write_file(s.dir.file("other.pem"), mds::pem(other.root.get()), 0644);
    CHECK(s.run({"mds", "update", "--blob", s.blob, "--root", s.dir.file("other.pem")}).status == 1);
    CHECK_FALSE(std::filesystem::exists(s.cache_dir() + "/cache.json"));
  }

  TEST_CASE("--at verifies an expired signer inside its validity, a stale BLOB is only a warning") {
    MdsSetup s(mds::Alg::es256, {"20200101000000Z", "20210101000000Z"}, 7, "2020-07-01");
    auto now = s.run({"mds", "update", "--blob", s.blob, "--root", s.root});
    CHECK(now.status == 1);
    CHECK(now.err.find("expired") != std::string::npos);
    auto then = s.run({"mds", "update", "--blob", s.blob, "--root", s.root, "--at", "2020-06-01T12:00:00Z"});
    INFO(then.err);
    CHECK(then.status == 0);
    CHECK(then.err.empty());
    auto stale = s.run({"mds", "update", "--blob", s.blob, "--root", s.root, "--at", "2020-08-01"});
    CHECK(stale.status == 0);
    CHECK(stale.err.find("acctsec: warning: the MDS BLOB (no 7) was due to be replaced on 2020-07-01") !=
          std::string::npos);
    // show judges staleness now, and still answers.
    auto show = s.run({"--json", "mds", "show", mds::k_certified});
    REQUIRE(show.status == 0);
    CHECK(nlohmann::json::parse(show.out)["blob"]["stale"] == true);
    CHECK(show.err.find("warning") != std::string::npos);
  }

  TEST_CASE("an older BLOB does not replace a newer one") {
    MdsSetup s;
    REQUIRE(s.run({"mds", "update", "--blob", s.blob, "--root", s.root}).status == 0);
    write_file(s.dir.file("old.jwt"), s.pki.sign(mds::sample_payload(41, "2099-01-01", s.pki.root.get())), 0644);
    auto r = s.run({"mds", "update", "--blob", s.dir.file("old.jwt"), "--root", s.root});
    CHECK(r.status == 1);
    CHECK(r.err.find("older than the cached number 42") != std::string::npos);
  }

  TEST_CASE("exit statuses: unknown AAGUID 4, malformed AAGUID 2, missing files 4, no cache 4, bad options 2") {
    MdsSetup s;
    auto no_cache = s.run({"mds", "show", mds::k_certified});
    CHECK(no_cache.status == 4);
    CHECK(no_cache.err.find("acctsec mds update --url") != std::string::npos);
    REQUIRE(s.run({"mds", "update", "--blob", s.blob, "--root", s.root}).status == 0);
    auto unknown = s.run({"mds", "show", mds::k_unknown});
    CHECK(unknown.status == 4);
    CHECK(unknown.err.find("no entry for AAGUID 00000000-1111-2222-3333-444444444444") != std::string::npos);
    CHECK(s.run({"mds", "show", "not-a-uuid"}).status == 2);
    CHECK(s.run({"mds", "show"}).status == 2);
    auto missing = s.run({"mds", "update", "--blob", s.dir.file("absent.jwt"), "--root", s.root});
    CHECK(missing.status == 4);
    CHECK(missing.err.find("absent.jwt does not exist") != std::string::npos);
    CHECK(s.run({"mds", "update", "--blob", s.blob, "--root", s.dir.file("absent.pem")}).status == 4);
    write_file(s.dir.file("empty.pem"), "no certificate here\n", 0644);
    CHECK(s.run({"mds", "update", "--blob", s.blob, "--root", s.dir.file("empty.pem")}).status == 2);
    CHECK(s.run({"mds", "update", "--root", s.root}).status == 2);
    CHECK(s.run({"mds", "update", "--blob", s.blob, "--url", "https://example.invalid/"}).status == 2);
    CHECK(s.run({"mds", "update", "--blob", s.blob, "--root", s.root, "--at", "last tuesday"}).status == 2);
    CHECK(s.run({"mds", "update", "--url", "ftp://127.0.0.1/blob", "--root", s.root}).status == 2);
    FakeWorld homeless;
    CHECK(run_cli({"mds", "show", mds::k_certified}, homeless).status == 2);
  }

  TEST_CASE("mds update --url fetches the BLOB over HTTP on loopback, an HTTP error exits 6") {
    MdsSetup s;
    {
      OneShotHttpServer server("200 OK", read_file(s.blob));
      auto r = s.run({"mds", "update", "--url", server.url(), "--root", s.root});
      INFO(r.err);
      CHECK(r.status == 0);
      CHECK(r.out.find("no 42") != std::string::npos);
      auto json = s.run({"--json", "mds", "show", mds::k_certified});
      REQUIRE(json.status == 0);
      CHECK(nlohmann::json::parse(json.out)["blob"]["source"] == server.url());
    }
    {
      OneShotHttpServer server("404 Not Found", "not here");
      auto r = s.run({"mds", "update", "--url", server.url(), "--root", s.root});
      CHECK(r.status == 6);
      CHECK(r.err.find("HTTP 404") != std::string::npos);
    }
  }
}
