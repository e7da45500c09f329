#include "webauthn/jws.hpp"

#include <doctest/doctest.h>

#include "unit/webauthn/attestation_format_fixtures.hpp"
#include "webauthn/cbor.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;
using namespace acctsec::webauthn::testing::formats;

namespace {

// RFC 7515 Appendix A.3: an ES256 JWS and the P-256 public key (JWK x, y) that verifies it.
constexpr std::string_view k_rfc7515_a3 =
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

CoseKey rfc7515_a3_key() {
  cbor::Writer w;
  w.map(5);
  w.integer(1), w.integer(k_cose_kty_ec2);
  w.integer(3), w.integer(k_cose_alg_es256);
  w.integer(-1), w.integer(k_cose_crv_p256);
  w.integer(-2), w.bytes(*base64url_decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"));
  w.integer(-3), w.bytes(*base64url_decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"));
  return value_or_throw(cose_key_decode(w.data()), "RFC 7515 A.3 key");
}

std::string jws_error(std::string_view compact) {
  auto parsed = jws_parse(compact);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().category == ErrorCategory::rejected);
  CHECK(parsed.error().message.starts_with("JWS: "));
  return parsed.error().message;
}

// A compact JWS with this header JSON text, a small payload and a placeholder signature.
std::string with_header(std::string_view header_json) {
  return base64url_encode(as_bytes(header_json)) + ".e30." + base64url_encode(Bytes(64, 0x01));
}

std::string flip_last_signature_char(std::string compact) {
  compact.back() = compact.back() == 'A' ? 'B' : 'A';
  return compact;
}

}  // namespace

TEST_SUITE("webauthn::jws") {
  TEST_CASE("verifies the RFC 7515 A.3 ES256 example, raw r || s converted for OpenSSL") {
    const auto jws = jws_parse(k_rfc7515_a3);
    REQUIRE_MESSAGE(jws.has_value(), jws.error().message);
    CHECK(jws->algorithm == "ES256");
    CHECK(jws->header == nlohmann::json{{"alg", "ES256"}});
    CHECK(std::string(as_chars(jws->payload)) ==
          "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
    CHECK(jws->signature.size() == 64);
    CHECK(jws->x5c.empty());
    CHECK(jws->signing_input == k_rfc7515_a3.substr(0, k_rfc7515_a3.rfind('.')));
    const CoseKey key = rfc7515_a3_key();
    const auto ok = jws_verify(*jws, key.key.get());
    CHECK_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
  }

  TEST_CASE("a flipped signature bit or a changed payload fails verification") {
    const CoseKey key = rfc7515_a3_key();
    const auto flipped = jws_parse(flip_last_signature_char(std::string(k_rfc7515_a3)));
    REQUIRE(flipped.has_value());
    const auto bad = jws_verify(*flipped, key.key.get());
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message == "JWS: the ES256 signature does not verify over the header and payload");

    std::string other_payload(k_rfc7515_a3);
    const auto first = other_payload.find('.') + 1;
    other_payload[first + 3] = other_payload[first + 3] == 'A' ? 'B' : 'A';
    const auto changed = jws_parse(other_payload);
    REQUIRE(changed.has_value());
    CHECK_FALSE(jws_verify(*changed, key.key.get()).has_value());
  }

  TEST_CASE("signs and verifies with every supported algorithm, and only with the signer's key") {
    const std::vector<std::pair<std::string, int>> algorithms{
        {"ES256", k_cose_alg_es256}, {"ES384", k_cose_alg_es384}, {"ES512", k_cose_alg_es512},
        {"RS256", k_cose_alg_rs256}, {"PS256", k_cose_alg_ps256}};
    for (const auto& [name, alg] : algorithms) {
      CAPTURE(name);
      const EvpPkeyPtr key = alg == k_cose_alg_rs256 || alg == k_cose_alg_ps256 ? generate_rsa_key(0) : generate_key(alg);
      const std::string_view text = "{\"nonce\":\"abc\"}";
      const Bytes payload(text.begin(), text.end());
      const auto compact = jws_sign({{"alg", name}, {"typ", "JWT"}}, payload, key.get());
      REQUIRE_MESSAGE(compact.has_value(), compact.error().message);
      const auto jws = jws_parse(*compact);
      REQUIRE(jws.has_value());
      CHECK(jws->payload == payload);
      CHECK(jws->header.at("typ") == "JWT");
      CHECK(jws_verify(*jws, key.get()).has_value());
      const EvpPkeyPtr other = alg == k_cose_alg_rs256 || alg == k_cose_alg_ps256 ? generate_rsa_key(1) : generate_key(alg);
      CHECK_FALSE(jws_verify(*jws, other.get()).has_value());
    }
  }

  TEST_CASE("RS256 and PS256 are not interchangeable") {
    const EvpPkeyPtr key = generate_rsa_key();
    const auto rs = jws_sign({{"alg", "RS256"}}, Bytes{'x'}, key.get());
    REQUIRE(rs.has_value());
    auto jws = *jws_parse(*rs);
    jws.algorithm = "PS256";
    CHECK_FALSE(jws_verify(jws, key.get()).has_value());
  }

  TEST_CASE("the key must fit the alg: curve, type and RSA size") {
    const EvpPkeyPtr p256 = generate_key(k_cose_alg_es256);
    const EvpPkeyPtr p384 = generate_key(k_cose_alg_es384);
    const auto es256 = jws_parse(*jws_sign({{"alg", "ES256"}}, Bytes{'x'}, p256.get()));
    REQUIRE(es256.has_value());
    CHECK(jws_verify(*es256, p384.get()).error().message == "JWS: ES256 needs a key on prime256v1");
    const EvpPkeyPtr rsa = generate_rsa_key();
    CHECK(jws_verify(*es256, rsa.get()).error().message == "JWS: ES256 needs an EC key");
    const auto rs256 = jws_parse(*jws_sign({{"alg", "RS256"}}, Bytes{'x'}, rsa.get()));
    REQUIRE(rs256.has_value());
    CHECK(jws_verify(*rs256, p256.get()).error().message == "JWS: RS256 needs an RSA key");
    EvpPkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
    REQUIRE(small != nullptr);
    CHECK(jws_verify(*rs256, small.get()).error().message == "JWS: the RSA key has 1024 bits; RS256 needs at least 2048");
    CHECK(jws_sign({{"alg", "RS256"}}, Bytes{'x'}, small.get()).error().category == ErrorCategory::usage);
    CHECK(jws_sign({{"alg", "HS256"}}, Bytes{'x'}, rsa.get()).error().category == ErrorCategory::usage);
    CHECK(jws_verify(*es256, nullptr).error().category == ErrorCategory::rejected);
  }

  TEST_CASE("an ECDSA signature of the wrong size is refused before OpenSSL sees it") {
    const EvpPkeyPtr key = generate_key(k_cose_alg_es256);
    auto jws = *jws_parse(*jws_sign({{"alg", "ES256"}}, Bytes{'x'}, key.get()));
    jws.signature.pop_back();
    CHECK(jws_verify(jws, key.get()).error().message ==
          "JWS: the ECDSA signature is 63 bytes; r || s on this curve is 64 bytes");
    // DER, as OpenSSL would produce, is not JOSE's form.
    jws.signature = Bytes(72, 0x30);
    CHECK_FALSE(jws_verify(jws, key.get()).has_value());
  }

  TEST_CASE("malformed compact serializations are rejected, naming the part") {
    CHECK(jws_error("") == "JWS: it is not three base64url segments joined by '.' (compact serialization)");
    CHECK(jws_error("abc.def") == "JWS: it is not three base64url segments joined by '.' (compact serialization)");
    CHECK(jws_error("a.b.c.d") == "JWS: it is not three base64url segments joined by '.' (compact serialization)");
    CHECK(jws_error(".e30.AAAA") == "JWS: the header segment is empty");
    CHECK(jws_error("eyJhbGciOiJFUzI1NiJ9.e30.") == "JWS: the signature segment is empty");
    CHECK(jws_error("eyJhbGciOiJFUzI1NiJ9=.e30.AAAA") == "JWS: the header segment is not base64url without padding");
    CHECK(jws_error("eyJhbGciOiJFUzI1NiJ9.e3+0.AAAA") == "JWS: the payload segment is not base64url without padding");
    CHECK(jws_error("eyJhbGciOiJFUzI1NiJ9.e30.AA/A") == "JWS: the signature segment is not base64url without padding");
    CHECK(jws_error(with_header("not json")) == "JWS: the header is not valid UTF-8 JSON");
    CHECK(jws_error(with_header("[\"ES256\"]")) == "JWS: the header is not a JSON object");
    CHECK(jws_error(with_header("{\"alg\":\"ES256\",\"alg\":\"none\"}")) == "JWS: the header names a member twice");
    CHECK(jws_error(with_header("{\"typ\":\"JWT\"}")) == "JWS: the header has no \"alg\" string");
    CHECK(jws_error(with_header("{\"alg\":256}")) == "JWS: the header has no \"alg\" string");
    CHECK(jws_error(with_header("{\"alg\":\"none\"}")) == "JWS: alg \"none\" (an unsigned JWS) is refused");
    CHECK(jws_error(with_header("{\"alg\":\"HS256\"}")) ==
          "JWS: alg \"HS256\" is a shared-secret MAC; only signatures from a certificate are accepted");
    CHECK(jws_error(with_header("{\"alg\":\"RS512\"}")) ==
          "JWS: alg \"RS512\" is not supported; acctsec verifies ES256, ES384, ES512, RS256 and PS256");
    CHECK(jws_error(with_header("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}")) ==
          "JWS: the header has \"crit\" extensions, which acctsec does not understand (RFC 7515 §4.1.11)");
    CHECK(jws_error(with_header("{\"alg\":\"RS256\",\"x5c\":\"MIIB\"}")) ==
          "JWS: the header's \"x5c\" is not a non-empty array");
    CHECK(jws_error(with_header("{\"alg\":\"RS256\",\"x5c\":[]}")) == "JWS: the header's \"x5c\" is not a non-empty array");
    CHECK(jws_error(with_header("{\"alg\":\"RS256\",\"x5c\":[1]}")) == "JWS: x5c[0] is not a string");
    CHECK(jws_error(with_header("{\"alg\":\"RS256\",\"x5c\":[\"MII_\"]}")) ==
          "JWS: x5c[0] is not standard base64 of a DER certificate");
  }

  TEST_CASE("surrounding whitespace is ignored and an empty payload is allowed") {
    const EvpPkeyPtr key = generate_key(k_cose_alg_es256);
    const auto compact = jws_sign({{"alg", "ES256"}}, Bytes{}, key.get());
    REQUIRE(compact.has_value());
    CHECK(compact->find("..") != std::string::npos);
    const auto jws = jws_parse("\n " + *compact + "\r\n");
    REQUIRE(jws.has_value());
    CHECK(jws->payload.empty());
    CHECK(jws_verify(*jws, key.get()).has_value());
  }

  TEST_CASE("every truncation of a signed JWS fails cleanly") {
    const EvpPkeyPtr key = generate_key(k_cose_alg_es256);
    const std::string compact = *jws_sign({{"alg", "ES256"}, {"x5c", {"AAAA"}}}, Bytes(40, 'p'), key.get());
    for (std::size_t length = 0; length < compact.size(); ++length) {
      CAPTURE(length);
      const auto jws = jws_parse(std::string_view(compact).substr(0, length));
      if (jws) CHECK_FALSE(jws_verify(*jws, key.get()).has_value());
    }
  }

  TEST_CASE("jws_verify_x5c verifies with the header's own certificate and returns the chain") {
    const Issuer ca;
    const EvpPkeyPtr key = generate_rsa_key();
    CertSpec spec;
    spec.subject = {{"CN", "signer.example"}};
    const Bytes leaf = ca.issue(spec, key.get());
    const nlohmann::json header{{"alg", "RS256"}, {"x5c", {base64_encode(leaf), base64_encode(ca.der)}}};
    const auto compact = jws_sign(header, Bytes{'{', '}'}, key.get());
    REQUIRE(compact.has_value());
    const auto verified = jws_verify_x5c(*compact);
    REQUIRE_MESSAGE(verified.has_value(), verified.error().message);
    REQUIRE(verified->chain.size() == 2);
    CHECK(certificate_subject(verified->chain[0].get()) == "CN=signer.example");
    CHECK(verified->jws.x5c[1] == ca.der);

    // Signed by another key than x5c[0]'s.
    const EvpPkeyPtr other = generate_rsa_key(1);
    const auto forged = jws_verify_x5c(*jws_sign(header, Bytes{'{', '}'}, other.get()));
    REQUIRE_FALSE(forged.has_value());
    CHECK(forged.error().message ==
          "JWS: the RS256 signature does not verify over the header and payload (x5c[0]: CN=signer.example)");

    const auto no_x5c = jws_verify_x5c(*jws_sign({{"alg", "RS256"}}, Bytes{'{', '}'}, key.get()));
    REQUIRE_FALSE(no_x5c.has_value());
    CHECK(no_x5c.error().message == "JWS: the header has no \"x5c\" certificate chain to verify the signature with");

    const nlohmann::json garbage{{"alg", "RS256"}, {"x5c", {base64_encode(Bytes{0x30, 0x00})}}};
    const auto bad_cert = jws_verify_x5c(*jws_sign(garbage, Bytes{'{', '}'}, key.get()));
    REQUIRE_FALSE(bad_cert.has_value());
    CHECK(bad_cert.error().message == "JWS: JWS x5c[0] is not a DER X.509 certificate");
  }

  TEST_CASE("verifies a real SafetyNet response signed by attest.android.com (RS256)") {
    const auto vector = load_format_vector("android_safetynet_gms_212621037");
    const auto input = vector.prepared();
    const Bytes response = att_stmt_bytes(input.object.att_stmt_cbor, "response");
    const auto verified = jws_verify_x5c(as_chars(response));
    REQUIRE_MESSAGE(verified.has_value(), verified.error().message);
    CHECK(verified->jws.algorithm == "RS256");
    REQUIRE(verified->chain.size() == 3);
    CHECK(certificate_subject(verified->chain[0].get()) == "CN=attest.android.com");
    const auto payload = nlohmann::json::parse(as_chars(verified->jws.payload));
    CHECK(payload.at("timestampMs") == 1630703240057);
    CHECK(payload.at("ctsProfileMatch") == true);
  }
}
