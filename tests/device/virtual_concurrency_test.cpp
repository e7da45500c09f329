// Several threads and several processes using one virtual key file: the lock serialises them,
// so no update is lost and the file is never torn.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "virtual_support.hpp"

using namespace acctsec;
using namespace acctsec::test;

namespace {

constexpr int k_workers = 3;
constexpr int k_rounds = 15;

// Opens the key, signs one assertion and closes it, k_rounds times; returns the failures.
int assert_repeatedly(const std::string& file, const Bytes& id) {
  fido::library_init();
  int failures = 0;
  for (int i = 0; i < k_rounds; ++i) {
    fido_dev_t* dev = fido_dev_new();
    fido_dev_set_io_functions(dev, &fido::virtual_io());
    if (fido_dev_open(dev, ("virtual:" + file).c_str()) != FIDO_OK) {
      ++failures;
      fido_dev_free(&dev);
      continue;
    }
    fido_assert_t* assertion = fido_assert_new();
    fido_assert_set_clientdata_hash(assertion, k_cdh.data(), k_cdh.size());
    fido_assert_set_rp(assertion, k_rp.c_str());
    fido_assert_allow_cred(assertion, id.data(), id.size());
    if (fido_dev_get_assert(dev, assertion, nullptr) != FIDO_OK) ++failures;
    fido_assert_free(&assertion);
    fido_dev_close(dev);
    fido_dev_free(&dev);
  }
  return failures;
}

Bytes enrolled_credential(const VirtualKey& key) {
  Device dev(key.file);
  Cred cred;
  REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
  return cred.id();
}

}  // namespace

TEST_SUITE("fido::virtual::concurrency") {
  TEST_CASE("threads signing with one key file lose no counter update") {
    VirtualKey key;
    const Bytes id = enrolled_credential(key);
    const std::uint32_t start = key.describe().sign_count;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_workers; ++t) threads.emplace_back([&] { failures += assert_repeatedly(key.file, id); });
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
    CHECK(key.describe().sign_count == start + k_workers * k_rounds);
  }

  TEST_CASE("processes signing with one key file lose no counter update") {
    VirtualKey key;
    const Bytes id = enrolled_credential(key);
    const std::uint32_t start = key.describe().sign_count;
    std::vector<pid_t> children;
    for (int p = 0; p < k_workers; ++p) {
      const pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) _exit(assert_repeatedly(key.file, id) == 0 ? 0 : 1);
      children.push_back(pid);
    }
    for (const pid_t pid : children) {
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    CHECK(key.describe().sign_count == start + k_workers * k_rounds);
  }

  TEST_CASE("opening a key twice on one thread fails instead of waiting for itself") {
    VirtualKey key;
    Device first(key.file);
    CHECK(open_result(key.file) != FIDO_OK);
    REQUIRE(fido::virtual_last_open_error().has_value());
    CHECK(fido::virtual_last_open_error()->category == ErrorCategory::usage);
  }
}
