// PINs through libfido2: set, change, retries, blocking, PIN-gated operations with PIN/UV auth
// protocols 1 and 2, and reset.
#include "virtual_support.hpp"

using namespace acctsec;
using namespace acctsec::test;

namespace {

constexpr const char* k_pin = "4826";
constexpr const char* k_wrong = "0000";

fido::VirtualCreateOptions pin_options(const Secret& pin, std::vector<std::uint8_t> protocols = {}) {
  fido::VirtualCreateOptions options;
  options.pin = &pin;
  options.pin_protocols = std::move(protocols);
  return options;
}

int retries(fido_dev_t* dev) {
  int n = -1;
  REQUIRE(fido_dev_get_retry_count(dev, &n) == FIDO_OK);
  return n;
}

}  // namespace

TEST_SUITE("fido::virtual::pin") {
  TEST_CASE("setting a PIN turns clientPin on and makes it required to create credentials") {
    VirtualKey key;
    {
      Device dev(key.file);
      CHECK(fido_dev_set_pin(dev.get(), k_pin, nullptr) == FIDO_OK);
      CHECK(fido_dev_has_pin(dev.get()));
      CHECK(retries(dev.get()) == 8);
      // A second setPIN is not how a PIN changes.
      CHECK(fido_dev_set_pin(dev.get(), "9999", nullptr) == FIDO_ERR_NOT_ALLOWED);
    }
    CHECK(key.describe().pin_set);
    Device dev(key.file);
    CHECK(fido_dev_has_pin(dev.get()));
    Cred without_pin;
    CHECK(make_cred(dev.get(), without_pin) == FIDO_ERR_PIN_REQUIRED);
    Cred with_pin;
    CHECK(make_cred(dev.get(), with_pin, {.pin = k_pin}) == FIDO_OK);
  }

  TEST_CASE("a PIN shorter than four characters is refused by the key's policy") {
    VirtualKey key;
    Device dev(key.file);
    // libfido2 itself refuses fewer than 4 bytes; 4 bytes that are 2 characters reach the key.
    CHECK(fido_dev_set_pin(dev.get(), "\xc3\xa9\xc3\xa9", nullptr) == FIDO_ERR_PIN_POLICY_VIOLATION);
    CHECK_FALSE(key.describe().pin_set);
  }

  TEST_CASE("changing the PIN needs the current one, and the new one works afterwards") {
    const Secret pin(k_pin);
    VirtualKey key(pin_options(pin));
    Device dev(key.file);
    CHECK(fido_dev_set_pin(dev.get(), "13579", k_wrong) == FIDO_ERR_PIN_INVALID);
    CHECK(retries(dev.get()) == 7);
    CHECK(fido_dev_set_pin(dev.get(), "13579", k_pin) == FIDO_OK);
    CHECK(retries(dev.get()) == 8);  // a correct PIN restores the retries
    Cred old_pin;
    CHECK(make_cred(dev.get(), old_pin, {.pin = k_pin}) == FIDO_ERR_PIN_INVALID);
    Cred new_pin;
    CHECK(make_cred(dev.get(), new_pin, {.pin = "13579"}) == FIDO_OK);
  }

  TEST_CASE("three wrong PINs in one power cycle give PIN_AUTH_BLOCKED until the key is reopened") {
    const Secret pin(k_pin);
    VirtualKey key(pin_options(pin));
    {
      Device dev(key.file);
      const auto attempt = [&](const char* given) {
        Cred cred;
        return make_cred(dev.get(), cred, {.pin = given});
      };
      CHECK(attempt(k_wrong) == FIDO_ERR_PIN_INVALID);
      CHECK(attempt(k_wrong) == FIDO_ERR_PIN_INVALID);
      CHECK(attempt(k_wrong) == FIDO_ERR_PIN_AUTH_BLOCKED);
      // Even the right PIN is refused now, and costs no retry.
      CHECK(attempt(k_pin) == FIDO_ERR_PIN_AUTH_BLOCKED);
      CHECK(retries(dev.get()) == 5);
    }
    CHECK(key.describe().pin_retries == 5);
    Device dev(key.file);  // a new power cycle
    Cred cred;
    CHECK(make_cred(dev.get(), cred, {.pin = k_pin}) == FIDO_OK);
    CHECK(retries(dev.get()) == 8);
  }

  TEST_CASE("eight wrong PINs block the PIN for good, across power cycles") {
    const Secret pin(k_pin);
    VirtualKey key(pin_options(pin));
    int attempts = 0;
    int last = FIDO_OK;
    while (attempts < 8) {
      Device dev(key.file);
      for (int i = 0; i < 3 && attempts < 8; ++i, ++attempts) last = fido_dev_set_pin(dev.get(), "13579", k_wrong);
    }
    CHECK(last == FIDO_ERR_PIN_BLOCKED);
    Device dev(key.file);
    CHECK(retries(dev.get()) == 0);
    Cred cred;
    CHECK(make_cred(dev.get(), cred, {.pin = k_pin}) == FIDO_ERR_PIN_BLOCKED);
    CHECK(key.describe().pin_retries == 0);
  }

  TEST_CASE("PIN-gated registration and assertion set the UV flag with either PIN/UV auth protocol") {
    for (const std::uint8_t protocol : {std::uint8_t{1}, std::uint8_t{2}}) {
      CAPTURE(int{protocol});
      const Secret pin(k_pin);
      VirtualKey key(pin_options(pin, {protocol}));
      Device dev(key.file);
      fido_cbor_info_t* info = fido_cbor_info_new();
      REQUIRE(fido_dev_get_cbor_info(dev.get(), info) == FIDO_OK);
      REQUIRE(fido_cbor_info_protocols_len(info) == 1);
      CHECK(fido_cbor_info_protocols_ptr(info)[0] == protocol);
      fido_cbor_info_free(&info);

      Cred cred;
      REQUIRE(make_cred(dev.get(), cred, {.resident = true, .pin = k_pin}) == FIDO_OK);
      REQUIRE(fido_cred_set_uv(cred.p, FIDO_OPT_TRUE) == FIDO_OK);
      CHECK(fido_cred_verify(cred.p) == FIDO_OK);

      Assert assertion;
      REQUIRE(get_assert(dev.get(), assertion, {.allow = {cred.id()}, .pin = k_pin}) == FIDO_OK);
      REQUIRE(fido_assert_set_uv(assertion.p, FIDO_OPT_TRUE) == FIDO_OK);
      CHECK(verify_assert(assertion, 0, COSE_ES256, cred.pubkey()) == FIDO_OK);

      // After user verification a discoverable credential also names its user.
      Assert discoverable;
      REQUIRE(get_assert(dev.get(), discoverable, {.pin = k_pin}) == FIDO_OK);
      CHECK(std::string(fido_assert_user_name(discoverable.p, 0)) == "alice");
      CHECK(std::string(fido_assert_user_display_name(discoverable.p, 0)) == "User alice");

      Assert wrong;
      CHECK(get_assert(dev.get(), wrong, {.allow = {cred.id()}, .pin = k_wrong}) == FIDO_ERR_PIN_INVALID);
    }
  }

  TEST_CASE("an assertion without a PIN on a PIN-protected key has no UV flag") {
    const Secret pin(k_pin);
    VirtualKey key(pin_options(pin));
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred, {.pin = k_pin}) == FIDO_OK);
    Assert assertion;
    REQUIRE(get_assert(dev.get(), assertion, {.allow = {cred.id()}}) == FIDO_OK);
    CHECK((fido_assert_flags(assertion.p, 0) & 0x04) == 0);
    REQUIRE(fido_assert_set_uv(assertion.p, FIDO_OPT_TRUE) == FIDO_OK);
    CHECK(verify_assert(assertion, 0, COSE_ES256, cred.pubkey()) == FIDO_ERR_INVALID_PARAM);
  }

  TEST_CASE("a PIN given to a key without one is answered PIN_NOT_SET") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    CHECK(make_cred(dev.get(), cred, {.pin = k_pin}) == FIDO_ERR_PIN_NOT_SET);
  }

  TEST_CASE("reset wipes credentials and the PIN but keeps the key's identity") {
    const Secret pin(k_pin);
    VirtualKey key(pin_options(pin));
    const auto before = key.describe();
    Bytes wrapped_id;
    {
      Device dev(key.file);
      Cred wrapped;
      Cred resident;
      REQUIRE(make_cred(dev.get(), wrapped, {.pin = k_pin}) == FIDO_OK);
      REQUIRE(make_cred(dev.get(), resident, {.resident = true, .pin = k_pin}) == FIDO_OK);
      wrapped_id = wrapped.id();
      REQUIRE(fido_dev_reset(dev.get()) == FIDO_OK);
      CHECK_FALSE(fido_dev_has_pin(dev.get()));
    }
    const auto after = key.describe();
    CHECK_FALSE(after.pin_set);
    CHECK(after.pin_retries == 8);
    CHECK(after.discoverable_credentials == 0);
    CHECK(after.aaguid == before.aaguid);
    CHECK(after.attestation_ca_pem == before.attestation_ca_pem);
    CHECK(after.sign_count >= before.sign_count);

    Device dev(key.file);
    CHECK_FALSE(fido_dev_has_pin(dev.get()));
    Assert old;
    CHECK(get_assert(dev.get(), old, {.allow = {wrapped_id}}) == FIDO_ERR_NO_CREDENTIALS);  // new master key
    Assert discoverable;
    CHECK(get_assert(dev.get(), discoverable) == FIDO_ERR_NO_CREDENTIALS);
    // The attestation identity survived: new credentials still verify with their x5c.
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    CHECK(fido_cred_verify(cred.p) == FIDO_OK);
  }
}
