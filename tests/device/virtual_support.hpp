// Test support for the device tier: virtual key files in temporary folders, libfido2 devices
// opened on them through virtual_io(), and thin owners of libfido2's cred/assert objects, so the
// tests read as the operations they perform.
#pragma once

#include <doctest/doctest.h>
#include <fido.h>

// es256.h declares a converter from EC_KEY, which OPENSSL_NO_DEPRECATED hides; the tests never
// call it, so the opaque type is enough.
typedef struct ec_key_st EC_KEY;
#include <fido/eddsa.h>
#include <fido/es256.h>

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "fido/library.hpp"
#include "fido/virtual/virtual_key.hpp"
#include "support/cli_harness.hpp"

namespace acctsec::test {

inline const Bytes k_cdh(32, 0x5a);  // a fixed clientDataHash; the tests only need it to match
inline const std::string k_rp = "example.com";

// A virtual key created in its own temporary folder.
struct VirtualKey {
  TempDir dir;
  std::string file = dir.file("key.json");

  explicit VirtualKey(const fido::VirtualCreateOptions& options = {}) {
    auto created = fido::virtual_create(file, options);
    REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().message));
  }
  std::string path() const { return "virtual:" + file; }
  fido::VirtualKeyDescription describe() const {
    auto d = fido::virtual_describe(file);
    REQUIRE_MESSAGE(d.has_value(), (d ? "" : d.error().message));
    return *d;
  }
};

// A libfido2 device on a virtual key, closed and freed at scope exit.
class Device {
 public:
  explicit Device(const std::string& file) {
    fido::library_init();
    m_dev = fido_dev_new();
    REQUIRE(m_dev != nullptr);
    REQUIRE(fido_dev_set_io_functions(m_dev, &fido::virtual_io()) == FIDO_OK);
    const int rc = fido_dev_open(m_dev, ("virtual:" + file).c_str());
    REQUIRE_MESSAGE(rc == FIDO_OK, fido_strerr(rc));
    m_open = true;
  }
  ~Device() {
    close();
    fido_dev_free(&m_dev);
  }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  fido_dev_t* get() const { return m_dev; }
  void close() {
    if (m_open) fido_dev_close(m_dev);
    m_open = false;
  }

 private:
  fido_dev_t* m_dev = nullptr;
  bool m_open = false;
};

// Tries to open "virtual:FILE" and returns libfido2's answer.
inline int open_result(const std::string& file) {
  fido::library_init();
  fido_dev_t* dev = fido_dev_new();
  fido_dev_set_io_functions(dev, &fido::virtual_io());
  const int rc = fido_dev_open(dev, ("virtual:" + file).c_str());
  if (rc == FIDO_OK) fido_dev_close(dev);
  fido_dev_free(&dev);
  return rc;
}

struct Cred {
  fido_cred_t* p = fido_cred_new();
  Cred() = default;
  Cred(const Cred&) = delete;
  Cred& operator=(const Cred&) = delete;
  ~Cred() { fido_cred_free(&p); }
  Bytes id() const { return Bytes(fido_cred_id_ptr(p), fido_cred_id_ptr(p) + fido_cred_id_len(p)); }
  Bytes pubkey() const { return Bytes(fido_cred_pubkey_ptr(p), fido_cred_pubkey_ptr(p) + fido_cred_pubkey_len(p)); }
  Bytes authdata_raw() const {
    return Bytes(fido_cred_authdata_raw_ptr(p), fido_cred_authdata_raw_ptr(p) + fido_cred_authdata_raw_len(p));
  }
};

struct Assert {
  fido_assert_t* p = fido_assert_new();
  Assert() = default;
  Assert(const Assert&) = delete;
  Assert& operator=(const Assert&) = delete;
  ~Assert() { fido_assert_free(&p); }
  Bytes id(std::size_t i) const {
    return Bytes(fido_assert_id_ptr(p, i), fido_assert_id_ptr(p, i) + fido_assert_id_len(p, i));
  }
  Bytes user_id(std::size_t i) const {
    return Bytes(fido_assert_user_id_ptr(p, i), fido_assert_user_id_ptr(p, i) + fido_assert_user_id_len(p, i));
  }
};

struct CredRequest {
  int type = COSE_ES256;
  bool resident = false;
  std::string rp = k_rp;
  std::string user = "alice";
  const char* pin = nullptr;
  std::vector<Bytes> exclude{};
};

inline int make_cred(fido_dev_t* dev, Cred& cred, const CredRequest& r = {}) {
  const Bytes user_id = Bytes(r.user.begin(), r.user.end());
  REQUIRE(fido_cred_set_type(cred.p, r.type) == FIDO_OK);
  REQUIRE(fido_cred_set_clientdata_hash(cred.p, k_cdh.data(), k_cdh.size()) == FIDO_OK);
  REQUIRE(fido_cred_set_rp(cred.p, r.rp.c_str(), "Example") == FIDO_OK);
  REQUIRE(fido_cred_set_user(cred.p, user_id.data(), user_id.size(), r.user.c_str(), ("User " + r.user).c_str(),
                             nullptr) == FIDO_OK);
  if (r.resident) REQUIRE(fido_cred_set_rk(cred.p, FIDO_OPT_TRUE) == FIDO_OK);
  for (const auto& id : r.exclude) REQUIRE(fido_cred_exclude(cred.p, id.data(), id.size()) == FIDO_OK);
  return fido_dev_make_cred(dev, cred.p, r.pin);
}

struct AssertRequest {
  std::string rp = k_rp;
  std::vector<Bytes> allow{};
  const char* pin = nullptr;
  fido_opt_t up = FIDO_OPT_OMIT;
};

inline int get_assert(fido_dev_t* dev, Assert& assertion, const AssertRequest& r = {}) {
  REQUIRE(fido_assert_set_clientdata_hash(assertion.p, k_cdh.data(), k_cdh.size()) == FIDO_OK);
  REQUIRE(fido_assert_set_rp(assertion.p, r.rp.c_str()) == FIDO_OK);
  for (const auto& id : r.allow) REQUIRE(fido_assert_allow_cred(assertion.p, id.data(), id.size()) == FIDO_OK);
  if (r.up != FIDO_OPT_OMIT) REQUIRE(fido_assert_set_up(assertion.p, r.up) == FIDO_OK);
  return fido_dev_get_assert(dev, assertion.p, r.pin);
}

// fido_assert_verify with a public key as fido_cred_pubkey_ptr returns it.
inline int verify_assert(const Assert& assertion, std::size_t index, int type, const Bytes& pubkey) {
  if (type == COSE_EDDSA) {
    eddsa_pk_t* pk = eddsa_pk_new();
    REQUIRE(eddsa_pk_from_ptr(pk, pubkey.data(), pubkey.size()) == FIDO_OK);
    const int rc = fido_assert_verify(assertion.p, index, COSE_EDDSA, pk);
    eddsa_pk_free(&pk);
    return rc;
  }
  es256_pk_t* pk = es256_pk_new();
  REQUIRE(es256_pk_from_ptr(pk, pubkey.data(), pubkey.size()) == FIDO_OK);
  const int rc = fido_assert_verify(assertion.p, index, COSE_ES256, pk);
  es256_pk_free(&pk);
  return rc;
}

// Sets a fault for the scope of a test and clears it afterwards, even when the test fails.
struct FaultScope {
  explicit FaultScope(fido::VirtualFault fault) { fido::virtual_set_fault(fault); }
  ~FaultScope() { fido::virtual_set_fault(fido::VirtualFault::none); }
  FaultScope(const FaultScope&) = delete;
  FaultScope& operator=(const FaultScope&) = delete;
};

}  // namespace acctsec::test
