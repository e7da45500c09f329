// Idempotency keys and public-key pins.
#include <doctest/doctest.h>

#include <set>

#include "client/idempotency_key.hpp"
#include "core/public_key_pin.hpp"

using namespace acctsec;
using namespace acctsec::client;

TEST_SUITE("client::keys") {
  TEST_CASE("idempotency keys are fresh version-4 UUIDs") {
    std::set<std::string> keys;
    for (int i = 0; i < 100; ++i) {
      const std::string key = idempotency_key_new();
      CHECK(key.size() == 36);
      CHECK(key[14] == '4');
      CHECK(std::string_view("89ab").find(key[19]) != std::string_view::npos);
      keys.insert(key);
    }
    CHECK(keys.size() == 100);
  }

  TEST_CASE("pins have the form sha256//<base64 of 32 bytes>, one or several") {
    const std::string pin = "sha256//" + std::string(43, 'A') + "=";
    CHECK(public_key_pin_check(pin).has_value());
    CHECK(public_key_pin_check(pin + ";" + pin).has_value());
    for (const std::string& bad : {std::string(), std::string("sha256//"), "sha1//" + std::string(43, 'A') + "=",
                                   pin + ";", "sha256//" + std::string(44, '!')}) {
      INFO(bad);
      CHECK(public_key_pin_check(bad).error().category == ErrorCategory::usage);
    }
    CHECK(public_key_pin_of_certificate("/nonexistent.pem").error().category == ErrorCategory::not_found);
  }
}
