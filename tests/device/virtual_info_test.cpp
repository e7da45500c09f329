// The virtual key as libfido2 sees it when opening it: getInfo, failed opens, persistence.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "virtual_support.hpp"

using namespace acctsec;
using namespace acctsec::test;

namespace {

struct Info {
  fido_cbor_info_t* p = fido_cbor_info_new();
  ~Info() { fido_cbor_info_free(&p); }
};

bool has_string(char** list, std::size_t n, std::string_view wanted) {
  return std::any_of(list, list + n, [&](const char* s) { return wanted == s; });
}

std::optional<bool> option(const Info& info, std::string_view name) {
  char** names = fido_cbor_info_options_name_ptr(info.p);
  const bool* values = fido_cbor_info_options_value_ptr(info.p);
  for (std::size_t i = 0; i < fido_cbor_info_options_len(info.p); ++i)
    if (name == names[i]) return values[i];
  return std::nullopt;
}

}  // namespace

TEST_SUITE("fido::virtual::info") {
  TEST_CASE("getInfo reports the AAGUID, versions, options, algorithms and limits libfido2 relies on") {
    VirtualKey key;
    Device dev(key.file);
    Info info;
    REQUIRE(fido_dev_get_cbor_info(dev.get(), info.p) == FIDO_OK);

    REQUIRE(fido_cbor_info_aaguid_len(info.p) == 16);
    CHECK(Bytes(fido_cbor_info_aaguid_ptr(info.p), fido_cbor_info_aaguid_ptr(info.p) + 16) == fido::k_virtual_aaguid);
    char** versions = fido_cbor_info_versions_ptr(info.p);
    CHECK(has_string(versions, fido_cbor_info_versions_len(info.p), "FIDO_2_0"));
    CHECK(has_string(versions, fido_cbor_info_versions_len(info.p), "FIDO_2_1"));
    CHECK_FALSE(has_string(versions, fido_cbor_info_versions_len(info.p), "U2F_V2"));

    CHECK(option(info, "rk") == true);
    CHECK(option(info, "up") == true);
    CHECK(option(info, "plat") == false);
    CHECK(option(info, "clientPin") == false);
    CHECK(option(info, "credMgmt") == true);
    CHECK(option(info, "pinUvAuthToken") == true);
    CHECK_FALSE(option(info, "uv").has_value());  // no built-in user verification

    REQUIRE(fido_cbor_info_algorithm_count(info.p) == 2);
    CHECK(fido_cbor_info_algorithm_cose(info.p, 0) == COSE_ES256);
    CHECK(fido_cbor_info_algorithm_cose(info.p, 1) == COSE_EDDSA);
    CHECK(std::string_view(fido_cbor_info_algorithm_type(info.p, 0)) == "public-key");
    REQUIRE(fido_cbor_info_protocols_len(info.p) == 2);
    CHECK(fido_cbor_info_protocols_ptr(info.p)[0] == 2);
    CHECK(fido_cbor_info_protocols_ptr(info.p)[1] == 1);
    CHECK(has_string(fido_cbor_info_transports_ptr(info.p), fido_cbor_info_transports_len(info.p), "usb"));
    CHECK(fido_cbor_info_maxmsgsiz(info.p) == 1200);
    CHECK(fido_cbor_info_minpinlen(info.p) == 4);
    CHECK(fido_cbor_info_fwversion(info.p) > 0);
    CHECK(fido_cbor_info_rk_remaining(info.p) == 50);
    CHECK(fido_cbor_info_maxcredidlen(info.p) >= 62);
  }

  TEST_CASE("libfido2 sees a FIDO2 key that supports PIN and credential management") {
    VirtualKey key;
    Device dev(key.file);
    CHECK(fido_dev_is_fido2(dev.get()));
    CHECK(fido_dev_supports_pin(dev.get()));
    CHECK_FALSE(fido_dev_has_pin(dev.get()));
    CHECK(fido_dev_supports_credman(dev.get()));
    CHECK(fido_dev_supports_permissions(dev.get()));
    CHECK_FALSE(fido_dev_supports_uv(dev.get()));
    CHECK(fido_dev_protocol(dev.get()) == 2);  // the CTAPHID protocol version from INIT
  }

  TEST_CASE("a key created with a PIN and another AAGUID says so in getInfo") {
    const Secret pin("4826");
    fido::VirtualCreateOptions options;
    options.pin = &pin;
    options.aaguid = Bytes(16, 0x42);
    VirtualKey key(options);
    Device dev(key.file);
    CHECK(fido_dev_has_pin(dev.get()));
    Info info;
    REQUIRE(fido_dev_get_cbor_info(dev.get(), info.p) == FIDO_OK);
    CHECK(Bytes(fido_cbor_info_aaguid_ptr(info.p), fido_cbor_info_aaguid_ptr(info.p) + 16) == Bytes(16, 0x42));
  }

  TEST_CASE("opening a missing file fails with a not_found error that says how to create a key") {
    TempDir dir;
    const std::string file = dir.file("absent.json");
    CHECK(open_result(file) != FIDO_OK);
    const auto why = fido::virtual_last_open_error();
    REQUIRE(why.has_value());
    CHECK(why->category == ErrorCategory::not_found);
    CHECK(why->message.find("acctsec key virtual create " + file) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(file));
    CHECK_FALSE(std::filesystem::exists(file + ".lock"));
  }

  TEST_CASE("opening a corrupt file fails with a device error and leaves the file byte for byte as it was") {
    VirtualKey key;
    std::string text = read_file(key.file);
    text.replace(text.find("\"sign_count\""), 12, "\"sign_cnt\"  ");
    write_file(key.file, text, 0600);
    CHECK(open_result(key.file) != FIDO_OK);
    const auto why = fido::virtual_last_open_error();
    REQUIRE(why.has_value());
    CHECK(why->category == ErrorCategory::device);
    CHECK(why->message.find("left untouched") != std::string::npos);
    CHECK(read_file(key.file) == text);
  }

  TEST_CASE("a successful open clears the error of an earlier failed one") {
    VirtualKey key;
    CHECK(open_result(key.file + ".missing") != FIDO_OK);
    REQUIRE(fido::virtual_last_open_error().has_value());
    CHECK(open_result(key.file) == FIDO_OK);
    CHECK_FALSE(fido::virtual_last_open_error().has_value());
  }

  TEST_CASE("a path without the virtual: prefix is refused by io.open") {
    VirtualKey key;
    fido::library_init();
    fido_dev_t* dev = fido_dev_new();
    fido_dev_set_io_functions(dev, &fido::virtual_io());
    CHECK(fido_dev_open(dev, key.file.c_str()) != FIDO_OK);
    fido_dev_free(&dev);
    REQUIRE(fido::virtual_last_open_error().has_value());
    CHECK(fido::virtual_last_open_error()->category == ErrorCategory::usage);
  }

  TEST_CASE("opening and closing without operations leaves the file unchanged") {
    VirtualKey key;
    const std::string before = read_file(key.file);
    struct stat st_before {};
    REQUIRE(::stat(key.file.c_str(), &st_before) == 0);
    { Device dev(key.file); }
    CHECK(read_file(key.file) == before);
    struct stat st_after {};
    REQUIRE(::stat(key.file.c_str(), &st_after) == 0);
    CHECK(st_after.st_ino == st_before.st_ino);  // not even rewritten with the same content
  }

  TEST_CASE("state persists across close and reopen, and the signature counter keeps increasing") {
    VirtualKey key;
    Bytes id;
    Bytes pubkey;
    {
      Device dev(key.file);
      Cred cred;
      REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
      id = cred.id();
      pubkey = cred.pubkey();
    }
    const std::uint32_t created_count = key.describe().sign_count;
    CHECK(created_count == 1);  // registration signs too
    for (int round = 0; round < 3; ++round) {
      Device dev(key.file);
      Assert assertion;
      REQUIRE(get_assert(dev.get(), assertion, {.allow = {id}}) == FIDO_OK);
      CHECK(verify_assert(assertion, 0, COSE_ES256, pubkey) == FIDO_OK);
      CHECK(fido_assert_sigcount(assertion.p, 0) == created_count + 1 + static_cast<std::uint32_t>(round));
    }
    CHECK(key.describe().sign_count == created_count + 3);
  }
}
