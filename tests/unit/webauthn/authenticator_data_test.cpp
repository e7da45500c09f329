#include "webauthn/authenticator_data.hpp"

#include <doctest/doctest.h>

#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/hash.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

// Authenticator data with a fixed prefix for the table-driven malformation cases below.
Bytes prefix(std::uint8_t flags) {
  Bytes out = sha256(as_bytes("example.com"));
  out.push_back(flags);
  for (const int b : {0, 0, 0, 7}) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

Bytes attested_prefix(std::uint8_t flags, std::uint16_t id_length) {
  Bytes out = prefix(static_cast<std::uint8_t>(flags | k_flag_attested_data));
  out.insert(out.end(), 16, 0x00);
  out.push_back(static_cast<std::uint8_t>(id_length >> 8));
  out.push_back(static_cast<std::uint8_t>(id_length & 0xff));
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Bytes k_small_cose = *hex_decode("a201020326");  // {1: 2, 3: -7}: a map, enough for parsing

}  // namespace

TEST_SUITE("webauthn::authenticator_data") {
  TEST_CASE("parses a real YubiKey registration with attested credential data") {
    const auto example = load_real_example("yubikey5nfc_es256_packed.json");
    const auto object = attestation_object_decode(example.attestation_object);
    REQUIRE(object.has_value());
    const auto data = authenticator_data_parse(object->auth_data);
    REQUIRE(data.has_value());
    CHECK(data->rp_id_hash == sha256(as_bytes("demo.yubico.com")));
    CHECK(data->flags == 0x41);
    CHECK(data->user_present);
    CHECK_FALSE(data->user_verified);
    CHECK(data->attested_data);
    CHECK_FALSE(data->extension_data);
    CHECK(data->sign_count == 57);
    REQUIRE(data->attested.has_value());
    CHECK(uuid_format(data->attested->aaguid) == "fa2b99dc-9e39-4257-8f92-4a30d23c4118");
    CHECK(data->attested->credential_id == example.assertion.credential_id);
    CHECK(data->attested->public_key_cose.size() == 77);
    CHECK_FALSE(data->extensions_cbor.has_value());
  }

  TEST_CASE("parses a real assertion's authenticator data with UP and UV and no attested data") {
    const auto example = load_real_example("yubikey5nano_es256_packed_uv.json");
    const auto data = authenticator_data_parse(example.assertion.authenticator_data);
    REQUIRE(data.has_value());
    CHECK(data->user_present);
    CHECK(data->user_verified);
    CHECK(data->sign_count == 201);
    CHECK_FALSE(data->attested.has_value());
  }

  TEST_CASE("parses libfido2's regress vectors once unwrapped from their CBOR byte string") {
    const auto cred = load_vector("libfido2_cred_es256_packed.json");
    const auto raw = cbor::decode_byte_string(hex(cred["authenticatorDataCbor"]));
    REQUIRE(raw.has_value());
    const auto data = authenticator_data_parse(*raw);
    REQUIRE(data.has_value());
    CHECK(data->rp_id_hash == sha256(as_bytes("localhost")));
    REQUIRE(data->attested.has_value());
    CHECK(data->attested->credential_id == hex(cred["credentialId"]));

    const auto assertion = load_vector("libfido2_assert_es256.json");
    const auto assert_data =
        authenticator_data_parse(*cbor::decode_byte_string(hex(assertion["authenticatorDataCbor"])));
    REQUIRE(assert_data.has_value());
    CHECK(assert_data->flags == 0);
    CHECK(assert_data->sign_count == 3);
  }

  TEST_CASE("rejects the libfido2 vector whose COSE key repeats a label") {
    const auto cred = load_vector("libfido2_cred_es256_packed.json");
    const auto data =
        authenticator_data_parse(*cbor::decode_byte_string(hex(cred["authenticatorDataCborDuplicateKeys"])));
    REQUIRE_FALSE(data.has_value());
    CHECK(data.error().category == ErrorCategory::rejected);
    CHECK(data.error().message.find("the key 1 twice") != std::string::npos);
  }

  TEST_CASE("accepts the libfido2 vector whose COSE key labels are out of canonical order") {
    // libfido2 refuses it; WebAuthn relying parties must accept any valid CBOR map order.
    const auto cred = load_vector("libfido2_cred_es256_packed.json");
    const auto data =
        authenticator_data_parse(*cbor::decode_byte_string(hex(cred["authenticatorDataCborUnsortedKeys"])));
    CHECK(data.has_value());
  }

  TEST_CASE("encode and parse round-trip with attested data and extensions") {
    const auto credential = make_credential(k_cose_alg_es256);
    AuthenticatorData data;
    data.rp_id_hash = sha256(as_bytes("example.com"));
    data.sign_count = 0xdeadbeef;
    data.attested = AttestedCredentialData{credential.aaguid, credential.credential_id, credential.public_key_cose};
    data.extensions_cbor = *hex_decode("a16b6372656450726f7465637402");  // {"credProtect": 2}
    authenticator_data_set_flags(data, k_flag_user_present | k_flag_user_verified | k_flag_backup_eligible |
                                           k_flag_attested_data | k_flag_extension_data);
    const auto encoded = authenticator_data_encode(data);
    REQUIRE(encoded.has_value());
    const auto parsed = authenticator_data_parse(*encoded);
    REQUIRE(parsed.has_value());
    CHECK(parsed->flags == data.flags);
    CHECK(parsed->backup_eligible);
    CHECK_FALSE(parsed->backup_state);
    CHECK(parsed->sign_count == 0xdeadbeef);
    CHECK(parsed->attested->public_key_cose == credential.public_key_cose);
    CHECK(parsed->extensions_cbor == data.extensions_cbor);
    CHECK(authenticator_data_encode(*parsed) == *encoded);
  }

  TEST_CASE("malformed authenticator data is rejected with a message naming the problem") {
    struct Case {
      const char* name;
      Bytes raw;
      const char* message;
    };
    const Case cases[] = {
        {"empty", Bytes{}, "it is 0 bytes; it needs at least 37"},
        {"one byte short", Bytes(36, 0), "it is 36 bytes"},
        {"AT set but nothing follows", prefix(k_flag_attested_data), "only 0 bytes follow signCount"},
        {"AT set, AAGUID cut short", concat(prefix(k_flag_attested_data), Bytes(10, 0)), "only 10 bytes follow"},
        {"credential ID length 0", concat(attested_prefix(0, 0), k_small_cose), "credential ID length is 0"},
        {"credential ID length over 1023", concat(attested_prefix(0, 1024), Bytes(1024, 1)), "at most 1023"},
        {"credential ID longer than the data", concat(attested_prefix(0, 16), Bytes(8, 1)), "only 8 bytes follow"},
        {"public key missing", concat(attested_prefix(0, 4), Bytes(4, 1)), "public key is missing"},
        {"public key truncated", concat(concat(attested_prefix(0, 4), Bytes(4, 1)), *hex_decode("a50102")),
         "not well-formed CBOR"},
        {"public key not a map", concat(concat(attested_prefix(0, 4), Bytes(4, 1)), *hex_decode("8102")),
         "not a COSE_Key map"},
        {"trailing bytes without ED",
         concat(concat(concat(attested_prefix(0, 4), Bytes(4, 1)), k_small_cose), Bytes{0}),
         "1 unexpected bytes follow the credential public key"},
        {"trailing bytes without AT or ED", concat(prefix(k_flag_user_present), Bytes{0xa0}),
         "1 unexpected bytes follow signCount"},
        {"ED set but no extensions", prefix(k_flag_extension_data), "no extensions follow"},
        {"ED with bytes after the map", concat(prefix(k_flag_extension_data), Bytes{0xa0, 0x00}),
         "1 bytes follow the extensions map"},
        {"ED with a non-map", concat(prefix(k_flag_extension_data), Bytes{0x80}), "not a CBOR map"},
        {"ED with indefinite-length map", concat(prefix(k_flag_extension_data), Bytes{0xbf, 0xff}),
         "indefinite length"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      const auto parsed = authenticator_data_parse(c.raw);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().category == ErrorCategory::rejected);
      CHECK_MESSAGE(parsed.error().message.find(c.message) != std::string::npos, parsed.error().message);
      CHECK(parsed.error().message.rfind("authenticator data: ", 0) == 0);
    }
  }

  TEST_CASE("a credential ID of exactly 1023 bytes is accepted") {
    const auto raw = concat(concat(attested_prefix(0, 1023), Bytes(1023, 7)), k_small_cose);
    const auto parsed = authenticator_data_parse(raw);
    REQUIRE(parsed.has_value());
    CHECK(parsed->attested->credential_id.size() == 1023);
  }

  TEST_CASE("encoding refuses flags that disagree with the optional parts") {
    AuthenticatorData data;
    data.rp_id_hash = Bytes(32, 0);
    authenticator_data_set_flags(data, k_flag_attested_data);
    CHECK(authenticator_data_encode(data).error().category == ErrorCategory::usage);
    authenticator_data_set_flags(data, 0);
    data.extensions_cbor = Bytes{0xa0};
    CHECK_FALSE(authenticator_data_encode(data).has_value());
    data.extensions_cbor.reset();
    data.rp_id_hash = Bytes(31, 0);
    CHECK(authenticator_data_encode(data).error().message.find("rpIdHash is 31 bytes") != std::string::npos);
  }
}
