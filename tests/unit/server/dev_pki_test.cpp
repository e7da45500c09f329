#include "server/dev_pki.hpp"

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>

#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::server;

namespace {

struct X509Free {
  void operator()(X509* c) const { X509_free(c); }
};

std::unique_ptr<X509, X509Free> load(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  REQUIRE(f != nullptr);
  std::unique_ptr<X509, X509Free> cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  REQUIRE(cert);
  return cert;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_SUITE("server::dev_pki") {
  TEST_CASE("makes a CA and a loopback server certificate it issued, keys 0600") {
    test::ScratchDir dir;
    auto pki = dev_pki_ensure(dir.file(""));
    REQUIRE_MESSAGE(pki.has_value(), pki.error().message);
    CHECK(pki->ca_created);
    CHECK(pki->server_issued);
    CHECK(mode_of(dir.file("ca.key")) == 0600);
    CHECK(mode_of(pki->server_key) == 0600);
    CHECK(pki->ca_fingerprint.size() == 32 * 3 - 1);
    const auto ca = load(pki->ca_cert);
    const auto server = load(pki->server_cert);
    CHECK(X509_check_ca(ca.get()) == 1);
    CHECK(X509_verify(server.get(), X509_get0_pubkey(ca.get())) == 1);
    CHECK(X509_check_host(server.get(), "localhost", 0, 0, nullptr) == 1);
    CHECK(X509_check_ip_asc(server.get(), "127.0.0.1", 0) == 1);
    CHECK(X509_check_ip_asc(server.get(), "::1", 0) == 1);
    CHECK(X509_check_host(server.get(), "example.com", 0, 0, nullptr) != 1);
  }

  TEST_CASE("a second run keeps the CA and the certificate") {
    test::ScratchDir dir;
    auto first = dev_pki_ensure(dir.file(""));
    REQUIRE(first.has_value());
    const std::string cert = test::slurp(first->server_cert);
    auto second = dev_pki_ensure(dir.file(""));
    REQUIRE(second.has_value());
    CHECK_FALSE(second->ca_created);
    CHECK_FALSE(second->server_issued);
    CHECK(second->ca_fingerprint == first->ca_fingerprint);
    CHECK(test::slurp(second->server_cert) == cert);
  }

  TEST_CASE("a server certificate that is damaged or from another CA is issued again, the CA stays") {
    test::ScratchDir dir;
    auto first = dev_pki_ensure(dir.file(""));
    REQUIRE(first.has_value());
    test::ScratchDir other;
    auto foreign = dev_pki_ensure(other.file(""));
    REQUIRE(foreign.has_value());
    std::filesystem::copy_file(foreign->server_cert, first->server_cert, std::filesystem::copy_options::overwrite_existing);
    auto again = dev_pki_ensure(dir.file(""));
    REQUIRE(again.has_value());
    CHECK(again->server_issued);
    CHECK(again->ca_fingerprint == first->ca_fingerprint);
    const auto ca = load(again->ca_cert);
    CHECK(X509_verify(load(again->server_cert).get(), X509_get0_pubkey(ca.get())) == 1);
  }

  TEST_CASE("a damaged CA, or one half of it, is refused with the file named and left as it is") {
    test::ScratchDir dir;
    REQUIRE(dev_pki_ensure(dir.file("")).has_value());
    test::spill(dir.file("ca.pem"), "not a certificate");
    auto damaged = dev_pki_ensure(dir.file(""));
    REQUIRE_FALSE(damaged.has_value());
    CHECK(damaged.error().category == ErrorCategory::usage);
    CHECK(damaged.error().message.find("ca.pem") != std::string::npos);
    CHECK(test::slurp(dir.file("ca.pem")) == "not a certificate");
    std::filesystem::remove(dir.file("ca.pem"));
    auto half = dev_pki_ensure(dir.file(""));
    REQUIRE_FALSE(half.has_value());
    CHECK(half.error().message.find("ca.key exists without") != std::string::npos);
  }
}
