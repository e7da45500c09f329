// Authentication through libfido2: allow lists, discoverable credentials with getNextAssertion,
// user presence, and the one global signature counter.
#include <map>

#include "virtual_support.hpp"

using namespace acctsec;
using namespace acctsec::test;

TEST_SUITE("fido::virtual::get_assertion") {
  TEST_CASE("an allow-list assertion verifies with the credential's public key and asserts presence") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    Assert assertion;
    REQUIRE(get_assert(dev.get(), assertion, {.allow = {Bytes(62, 7), cred.id()}}) == FIDO_OK);
    REQUIRE(fido_assert_count(assertion.p) == 1);
    CHECK(assertion.id(0) == cred.id());
    CHECK((fido_assert_flags(assertion.p, 0) & 0x01) != 0);
    REQUIRE(fido_assert_set_up(assertion.p, FIDO_OPT_TRUE) == FIDO_OK);
    CHECK(verify_assert(assertion, 0, COSE_ES256, cred.pubkey()) == FIDO_OK);
  }

  TEST_CASE("an assertion does not verify with another credential's key or for another relying party") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    Cred other;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    REQUIRE(make_cred(dev.get(), other, {.user = "bob"}) == FIDO_OK);
    Assert assertion;
    REQUIRE(get_assert(dev.get(), assertion, {.allow = {cred.id()}}) == FIDO_OK);
    CHECK(verify_assert(assertion, 0, COSE_ES256, other.pubkey()) == FIDO_ERR_INVALID_SIG);
    REQUIRE(fido_assert_set_rp(assertion.p, "other.example") == FIDO_OK);
    CHECK(verify_assert(assertion, 0, COSE_ES256, cred.pubkey()) == FIDO_ERR_INVALID_PARAM);
  }

  TEST_CASE("a credential id is bound to its relying party") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    Assert assertion;
    CHECK(get_assert(dev.get(), assertion, {.rp = "evil.example", .allow = {cred.id()}}) == FIDO_ERR_NO_CREDENTIALS);
  }

  TEST_CASE("several discoverable credentials come back newest first through getNextAssertion") {
    VirtualKey key;
    Device dev(key.file);
    std::map<std::string, Bytes> pubkeys;  // user id -> public key
    for (const std::string user : {"alice", "bob", "carol"}) {
      Cred cred;
      REQUIRE(make_cred(dev.get(), cred, {.resident = true, .user = user}) == FIDO_OK);
      pubkeys[user] = cred.pubkey();
    }
    Cred elsewhere;
    REQUIRE(make_cred(dev.get(), elsewhere, {.resident = true, .rp = "other.example"}) == FIDO_OK);

    Assert assertion;
    REQUIRE(get_assert(dev.get(), assertion) == FIDO_OK);
    REQUIRE(fido_assert_count(assertion.p) == 3);
    const char* expected_order[] = {"carol", "bob", "alice"};
    std::uint32_t previous = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const Bytes user_id = assertion.user_id(i);
      const std::string user(user_id.begin(), user_id.end());
      CHECK(user == expected_order[i]);
      CHECK(verify_assert(assertion, i, COSE_ES256, pubkeys[user]) == FIDO_OK);
      // Every signature takes the next value of the one global counter.
      CHECK(fido_assert_sigcount(assertion.p, i) > previous);
      previous = fido_assert_sigcount(assertion.p, i);
      // Without user verification the key keeps names to itself.
      CHECK(fido_assert_user_name(assertion.p, i) == nullptr);
    }
  }

  TEST_CASE("a relying party without discoverable credentials gets NO_CREDENTIALS") {
    VirtualKey key;
    Device dev(key.file);
    Cred wrapped;
    REQUIRE(make_cred(dev.get(), wrapped) == FIDO_OK);
    Assert assertion;
    CHECK(get_assert(dev.get(), assertion) == FIDO_ERR_NO_CREDENTIALS);
  }

  TEST_CASE("up=false gives an assertion without the user-present flag") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    Assert assertion;
    REQUIRE(get_assert(dev.get(), assertion, {.allow = {cred.id()}, .up = FIDO_OPT_FALSE}) == FIDO_OK);
    CHECK((fido_assert_flags(assertion.p, 0) & 0x01) == 0);
    CHECK(verify_assert(assertion, 0, COSE_ES256, cred.pubkey()) == FIDO_OK);
    REQUIRE(fido_assert_set_up(assertion.p, FIDO_OPT_TRUE) == FIDO_OK);
    CHECK(verify_assert(assertion, 0, COSE_ES256, cred.pubkey()) == FIDO_ERR_INVALID_PARAM);
  }

  TEST_CASE("user verification without a PIN is refused: the key has no built-in UV") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    Assert assertion;
    REQUIRE(fido_assert_set_uv(assertion.p, FIDO_OPT_TRUE) == FIDO_OK);
    // With pinUvAuthToken advertised, libfido2 wants a UV token; without "uv" it asks for a PIN.
    CHECK(get_assert(dev.get(), assertion, {.allow = {cred.id()}}) == FIDO_ERR_PIN_REQUIRED);
    Cred verified;
    REQUIRE(fido_cred_set_uv(verified.p, FIDO_OPT_TRUE) == FIDO_OK);
    CHECK(make_cred(dev.get(), verified) == FIDO_ERR_PIN_REQUIRED);
  }

  TEST_CASE("libfido2's touch request is answered once the user touches") {
    VirtualKey key;
    Device dev(key.file);
    REQUIRE(fido_dev_get_touch_begin(dev.get()) == FIDO_OK);
    int touched = 0;
    REQUIRE(fido_dev_get_touch_status(dev.get(), &touched, 1000) == FIDO_OK);
    CHECK(touched == 1);
  }
}
