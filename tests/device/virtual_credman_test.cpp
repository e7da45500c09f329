// Credential management through libfido2's fido_credman_* (which sends the preview command 0x41
// with a pinUvAuthToken carrying the cm permission).
#include <fido/credman.h>

#include <set>

#include "virtual_support.hpp"

using namespace acctsec;
using namespace acctsec::test;

namespace {

constexpr const char* k_pin = "4826";

struct Metadata {
  fido_credman_metadata_t* p = fido_credman_metadata_new();
  ~Metadata() { fido_credman_metadata_free(&p); }
};
struct Rps {
  fido_credman_rp_t* p = fido_credman_rp_new();
  ~Rps() { fido_credman_rp_free(&p); }
};
struct Rks {
  fido_credman_rk_t* p = fido_credman_rk_new();
  ~Rks() { fido_credman_rk_free(&p); }
};

// A PIN-protected key with three discoverable credentials at two relying parties and one
// non-discoverable credential.
struct Populated {
  Secret pin{k_pin};
  VirtualKey key{[this] {
    fido::VirtualCreateOptions options;
    options.pin = &pin;
    return options;
  }()};
  std::map<std::string, Bytes> ids;  // "rp/user" -> credential id

  Populated() {
    Device dev(key.file);
    for (const auto& [rp, user] : std::vector<std::pair<std::string, std::string>>{
             {"example.com", "alice"}, {"example.com", "bob"}, {"other.example", "carol"}}) {
      Cred cred;
      REQUIRE(make_cred(dev.get(), cred, {.resident = true, .rp = rp, .user = user, .pin = k_pin}) == FIDO_OK);
      ids[rp + "/" + user] = cred.id();
    }
    Cred wrapped;
    REQUIRE(make_cred(dev.get(), wrapped, {.pin = k_pin}) == FIDO_OK);
  }
};

}  // namespace

TEST_SUITE("fido::virtual::credential_management") {
  TEST_CASE("metadata counts the discoverable credentials and the room left") {
    Populated key;
    Device dev(key.key.file);
    Metadata metadata;
    REQUIRE(fido_credman_get_dev_metadata(dev.get(), metadata.p, k_pin) == FIDO_OK);
    CHECK(fido_credman_rk_existing(metadata.p) == 3);
    CHECK(fido_credman_rk_remaining(metadata.p) == 47);
  }

  TEST_CASE("enumerating relying parties lists each one once with its id hash") {
    Populated key;
    Device dev(key.key.file);
    Rps rps;
    REQUIRE(fido_credman_get_dev_rp(dev.get(), rps.p, k_pin) == FIDO_OK);
    REQUIRE(fido_credman_rp_count(rps.p) == 2);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < 2; ++i) {
      const std::string id = fido_credman_rp_id(rps.p, i);
      seen.insert(id);
      CHECK(std::string(fido_credman_rp_name(rps.p, i)) == "Example");
      REQUIRE(fido_credman_rp_id_hash_len(rps.p, i) == 32);
    }
    CHECK(seen == std::set<std::string>{"example.com", "other.example"});
  }

  TEST_CASE("enumerating credentials of a relying party gives users, ids and usable public keys") {
    Populated key;
    Device dev(key.key.file);
    Rks rks;
    REQUIRE(fido_credman_get_dev_rk(dev.get(), "example.com", rks.p, k_pin) == FIDO_OK);
    REQUIRE(fido_credman_rk_count(rks.p) == 2);
    for (std::size_t i = 0; i < 2; ++i) {
      const fido_cred_t* cred = fido_credman_rk(rks.p, i);
      const std::string user = fido_cred_user_name(cred);
      CAPTURE(user);
      const Bytes id(fido_cred_id_ptr(cred), fido_cred_id_ptr(cred) + fido_cred_id_len(cred));
      CHECK(id == key.ids["example.com/" + user]);
      CHECK(std::string(fido_cred_display_name(cred)) == "User " + user);
      const Bytes pubkey(fido_cred_pubkey_ptr(cred), fido_cred_pubkey_ptr(cred) + fido_cred_pubkey_len(cred));
      Assert assertion;
      REQUIRE(get_assert(dev.get(), assertion, {.allow = {id}}) == FIDO_OK);
      CHECK(verify_assert(assertion, 0, COSE_ES256, pubkey) == FIDO_OK);
    }
  }

  TEST_CASE("a relying party without credentials enumerates as empty") {
    Populated key;
    Device dev(key.key.file);
    Rks rks;
    CHECK(fido_credman_get_dev_rk(dev.get(), "nobody.example", rks.p, k_pin) == FIDO_ERR_NO_CREDENTIALS);
  }

  TEST_CASE("deleting a discoverable credential removes it from the key and from assertions") {
    Populated key;
    {
      Device dev(key.key.file);
      const Bytes& id = key.ids["example.com/alice"];
      REQUIRE(fido_credman_del_dev_rk(dev.get(), id.data(), id.size(), k_pin) == FIDO_OK);
      CHECK(fido_credman_del_dev_rk(dev.get(), id.data(), id.size(), k_pin) == FIDO_ERR_NO_CREDENTIALS);
      Assert assertion;
      CHECK(get_assert(dev.get(), assertion, {.allow = {id}}) == FIDO_ERR_NO_CREDENTIALS);
    }
    CHECK(key.key.describe().discoverable_credentials == 2);
  }

  TEST_CASE("updating a credential's user information changes the stored names") {
    Populated key;
    Device dev(key.key.file);
    Cred update;
    const Bytes& id = key.ids["other.example/carol"];
    const std::string user_id = "carol";
    REQUIRE(fido_cred_set_id(update.p, id.data(), id.size()) == FIDO_OK);
    REQUIRE(fido_cred_set_user(update.p, reinterpret_cast<const unsigned char*>(user_id.data()), user_id.size(),
                               "caroline", "Caroline C.", nullptr) == FIDO_OK);
    REQUIRE(fido_credman_set_dev_rk(dev.get(), update.p, k_pin) == FIDO_OK);
    Rks rks;
    REQUIRE(fido_credman_get_dev_rk(dev.get(), "other.example", rks.p, k_pin) == FIDO_OK);
    REQUIRE(fido_credman_rk_count(rks.p) == 1);
    CHECK(std::string(fido_cred_user_name(fido_credman_rk(rks.p, 0))) == "caroline");
    CHECK(std::string(fido_cred_display_name(fido_credman_rk(rks.p, 0))) == "Caroline C.");
  }

  TEST_CASE("credential management needs the right PIN") {
    Populated key;
    Device dev(key.key.file);
    Metadata metadata;
    CHECK(fido_credman_get_dev_metadata(dev.get(), metadata.p, "0000") == FIDO_ERR_PIN_INVALID);
  }

  TEST_CASE("credential management on a key without a PIN is answered PIN_NOT_SET") {
    VirtualKey key;
    Device dev(key.file);
    Metadata metadata;
    CHECK(fido_credman_get_dev_metadata(dev.get(), metadata.p, k_pin) == FIDO_ERR_PIN_NOT_SET);
  }
}
