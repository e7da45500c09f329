#include "webauthn/attestation_object.hpp"

#include <cbor.h>
#include <doctest/doctest.h>
#include <openssl/x509.h>

#include "unit/webauthn/soft_authenticator.hpp"
#include "unit/webauthn/vectors.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/hash.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

EvpPkeyPtr certificate_key(ByteView der) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!cert) return nullptr;
  EvpPkeyPtr key(X509_get_pubkey(cert));
  X509_free(cert);
  return key;
}

bool mentions(const Error& error, std::string_view text) {
  return error.message.find(text) != std::string::npos;
}

}  // namespace

TEST_SUITE("webauthn::attestation_object") {
  TEST_CASE("encodes the three members in CTAP2 canonical order: fmt, attStmt, authData") {
    const Bytes auth_data(37, 0x01);
    const Bytes encoded = attestation_object_encode("none", none_statement_encode(), auth_data);
    // a3 | 63 "fmt" 64 "none" | 67 "attStmt" a0 | 68 "authData" 58 25 ...
    CHECK(hex_encode(ByteView(encoded).first(31)) ==
          "a363666d7464"
          "6e6f6e65"
          "6761747453746d74a0"
          "68617574684461746158"
          "25"
          "01");
    const auto decoded = attestation_object_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(decoded->fmt == "none");
    CHECK(decoded->att_stmt_cbor == Bytes{0xa0});
    CHECK(decoded->auth_data == auth_data);
  }

  TEST_CASE("an independent decoder (libcbor) sees exactly fmt, attStmt and authData") {
    const auto credential = make_credential(k_cose_alg_es256);
    const auto registration = make_registration(credential, {});
    cbor_load_result result{};
    cbor_item_t* item =
        cbor_load(registration.attestation_object.data(), registration.attestation_object.size(), &result);
    REQUIRE(item != nullptr);
    CHECK(result.read == registration.attestation_object.size());
    REQUIRE(cbor_isa_map(item));
    REQUIRE(cbor_map_size(item) == 3);
    const cbor_pair* pairs = cbor_map_handle(item);
    const char* keys[] = {"fmt", "attStmt", "authData"};
    for (std::size_t i = 0; i < 3; ++i) {
      REQUIRE(cbor_isa_string(pairs[i].key));
      CHECK(std::string(reinterpret_cast<const char*>(cbor_string_handle(pairs[i].key)),
                        cbor_string_length(pairs[i].key)) == keys[i]);
    }
    CHECK(cbor_isa_map(pairs[1].value));
    CHECK(cbor_bytestring_length(pairs[2].value) == registration.authenticator_data.size());
    cbor_decref(&item);
  }

  TEST_CASE("decodes a real YubiKey packed attestation and its statement verifies with the x5c certificate") {
    for (const auto& file : real_example_files()) {
      CAPTURE(file);
      const auto example = load_real_example(file);
      const auto object = attestation_object_decode(example.attestation_object);
      REQUIRE(object.has_value());
      CHECK(object->fmt == "packed");
      const auto statement = packed_statement_decode(object->att_stmt_cbor);
      REQUIRE(statement.has_value());
      CHECK(statement->alg == k_cose_alg_es256);
      REQUIRE(statement->x5c.size() == 1);
      const auto key = certificate_key(statement->x5c[0]);
      REQUIRE(key != nullptr);
      Bytes message = object->auth_data;
      const Bytes client_hash = sha256(as_bytes(example.registration_client_data));
      message.insert(message.end(), client_hash.begin(), client_hash.end());
      CHECK(signature_verify(key.get(), statement->alg, message, statement->sig).has_value());
      message[0] ^= 0x80;
      CHECK(signature_verify(key.get(), statement->alg, message, statement->sig).error().category ==
            ErrorCategory::rejected);
    }
  }

  TEST_CASE("libfido2's packed registration verifies with its certificate over authData and the client data hash") {
    const auto v = load_vector("libfido2_cred_es256_packed.json");
    const auto key = certificate_key(hex(v["x5c"]));
    REQUIRE(key != nullptr);
    Bytes message = *cbor::decode_byte_string(hex(v["authenticatorDataCbor"]));
    const Bytes cdh = hex(v["clientDataHash"]);
    message.insert(message.end(), cdh.begin(), cdh.end());
    CHECK(signature_verify(key.get(), k_cose_alg_es256, message, hex(v["signature"])).has_value());
    // Re-wrapped with our encoder it is a well-formed attestation object.
    PackedStatement statement{k_cose_alg_es256, hex(v["signature"]), {hex(v["x5c"])}};
    const Bytes object = attestation_object_encode("packed", packed_statement_encode(statement),
                                                   *cbor::decode_byte_string(hex(v["authenticatorDataCbor"])));
    const auto decoded = attestation_object_decode(object);
    REQUIRE(decoded.has_value());
    const auto round_trip = packed_statement_decode(decoded->att_stmt_cbor);
    REQUIRE(round_trip.has_value());
    CHECK(round_trip->sig == statement.sig);
    CHECK(round_trip->x5c == statement.x5c);
  }

  TEST_CASE("packed self attestation round-trips without x5c") {
    const PackedStatement statement{k_cose_alg_eddsa, Bytes(64, 3), {}};
    const Bytes encoded = packed_statement_encode(statement);
    CHECK(hex_encode(ByteView(encoded).first(6)) == "a263616c6727");  // {"alg": -8, ...
    const auto decoded = packed_statement_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(decoded->alg == k_cose_alg_eddsa);
    CHECK(decoded->x5c.empty());
  }

  TEST_CASE("malformed attestation objects are rejected with the problem named") {
    const Bytes good = attestation_object_encode("none", Bytes{0xa0}, Bytes(37, 0));
    Bytes trailing = good;
    trailing.push_back(0);
    const auto build = [](auto&& fill, std::uint64_t count) {
      cbor::Writer w;
      w.map(count);
      fill(w);
      return w.take();
    };
    struct Case {
      const char* name;
      Bytes encoded;
      const char* message;
    };
    const Case cases[] = {
        {"empty", Bytes{}, "ends where an item should start"},
        {"an array", *hex_decode("80"), "not a map"},
        {"trailing bytes", trailing, "1 bytes follow the map"},
        {"fmt missing",
         build([](cbor::Writer& w) { w.text("attStmt"), w.map(0), w.text("authData"), w.bytes(Bytes(37, 0)); }, 2),
         "fmt is missing"},
        {"attStmt missing",
         build([](cbor::Writer& w) { w.text("fmt"), w.text("none"), w.text("authData"), w.bytes(Bytes(37, 0)); }, 2),
         "attStmt is missing"},
        {"authData missing",
         build([](cbor::Writer& w) { w.text("fmt"), w.text("none"), w.text("attStmt"), w.map(0); }, 2),
         "authData is missing"},
        {"fmt not text",
         build(
             [](cbor::Writer& w) {
               w.text("fmt"), w.bytes(Bytes{1}), w.text("attStmt"), w.map(0), w.text("authData"), w.bytes(Bytes(37, 0));
             },
             3),
         "fmt is not a text string"},
        {"fmt empty",
         build(
             [](cbor::Writer& w) {
               w.text("fmt"), w.text(""), w.text("attStmt"), w.map(0), w.text("authData"), w.bytes(Bytes(37, 0));
             },
             3),
         "fmt is empty"},
        {"attStmt not a map",
         build(
             [](cbor::Writer& w) {
               w.text("fmt"), w.text("none"), w.text("attStmt"), w.array(0), w.text("authData"), w.bytes(Bytes(37, 0));
             },
             3),
         "attStmt is not a map"},
        {"authData not bytes",
         build(
             [](cbor::Writer& w) {
               w.text("fmt"), w.text("none"), w.text("attStmt"), w.map(0), w.text("authData"), w.text("x");
             },
             3),
         "authData is not a byte string"},
        {"an extra key",
         build(
             [](cbor::Writer& w) {
               w.text("fmt"), w.text("none"), w.text("attStmt"), w.map(0), w.text("authData"), w.bytes(Bytes(37, 0));
               w.text("epAtt"), w.boolean(true);
             },
             4),
         "unexpected key \"epAtt\""},
        {"an integer key", build([](cbor::Writer& w) { w.integer(1), w.text("packed"); }, 1), "unexpected key 1"},
        {"a duplicate key",
         build([](cbor::Writer& w) { w.text("fmt"), w.text("none"), w.text("fmt"), w.text("packed"); }, 2),
         "\"fmt\" twice"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      const auto decoded = attestation_object_decode(c.encoded);
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error().category == ErrorCategory::rejected);
      CHECK_MESSAGE(mentions(decoded.error(), c.message), decoded.error().message);
      CHECK(decoded.error().message.rfind("attestation object: ", 0) == 0);
    }
  }

  TEST_CASE("malformed packed statements are rejected with the field named") {
    const auto build = [](auto&& fill, std::uint64_t count) {
      cbor::Writer w;
      w.map(count);
      fill(w);
      return w.take();
    };
    struct Case {
      const char* name;
      Bytes encoded;
      const char* message;
    };
    const Case cases[] = {
        {"alg missing", build([](cbor::Writer& w) { w.text("sig"), w.bytes(Bytes{1}); }, 1), "alg is missing"},
        {"sig missing", build([](cbor::Writer& w) { w.text("alg"), w.integer(-7); }, 1), "sig is missing"},
        {"alg as text",
         build([](cbor::Writer& w) { w.text("alg"), w.text("ES256"), w.text("sig"), w.bytes(Bytes{1}); }, 2),
         "alg is not an integer"},
        {"empty sig", build([](cbor::Writer& w) { w.text("alg"), w.integer(-7), w.text("sig"), w.bytes(Bytes{}); }, 2),
         "sig is empty"},
        {"x5c empty",
         build(
             [](cbor::Writer& w) {
               w.text("alg"), w.integer(-7), w.text("sig"), w.bytes(Bytes{1}), w.text("x5c"), w.array(0);
             },
             3),
         "x5c is an empty array"},
        {"x5c entry not bytes",
         build(
             [](cbor::Writer& w) {
               w.text("alg"), w.integer(-7), w.text("sig"), w.bytes(Bytes{1}), w.text("x5c"), w.array(1),
                   w.text("cert");
             },
             3),
         "x5c[0] is not a byte string"},
        {"x5c not an array",
         build(
             [](cbor::Writer& w) {
               w.text("alg"), w.integer(-7), w.text("sig"), w.bytes(Bytes{1}), w.text("x5c"), w.bytes(Bytes{1});
             },
             3),
         "x5c is not an array"},
        {"ECDAA",
         build(
             [](cbor::Writer& w) {
               w.text("alg"), w.integer(-7), w.text("sig"), w.bytes(Bytes{1}), w.text("ecdaaKeyId"), w.bytes(Bytes{1});
             },
             3),
         "ECDAA"},
        {"unknown key",
         build(
             [](cbor::Writer& w) {
               w.text("alg"), w.integer(-7), w.text("sig"), w.bytes(Bytes{1}), w.text("ver"), w.text("2.0");
             },
             3),
         "unexpected key \"ver\""},
        {"not a map", *hex_decode("a0a0"), "1 bytes follow the map"},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.name));
      const auto decoded = packed_statement_decode(c.encoded);
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error().category == ErrorCategory::rejected);
      CHECK_MESSAGE(mentions(decoded.error(), c.message), decoded.error().message);
    }
  }
}
