#include "webauthn/certificate.hpp"

#include <doctest/doctest.h>

#include "unit/webauthn/attestation_fixtures.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
using namespace acctsec::webauthn::testing;

namespace {

// root -> intermediate -> leaf, the shape of most vendor attestation chains.
struct Chain {
  TestCa root = make_ca("acctsec test root");
  TestCa intermediate = make_ca("acctsec test intermediate", &root);
  EvpPkeyPtr leaf_key = generate_key(k_cose_alg_es256);
  X509Ptr leaf;

  explicit Chain(const CertificateSpec& spec = {}) {
    leaf = issue_certificate(spec, leaf_key.get(), intermediate.cert.get(), intermediate.key.get());
  }
  std::vector<X509Ptr> x5c() const {
    std::vector<X509Ptr> out;
    out.push_back(certificate_copy(leaf.get()));
    out.push_back(certificate_copy(intermediate.cert.get()));
    return out;
  }
};

std::chrono::system_clock::time_point year(int y) {
  return utc_time(std::to_string(y) + "-06-01T00:00:00Z");
}

Bytes yubikey_attestation_certificate() {
  const auto vector = load_registration_vector("pywebauthn_yubikey_packed");
  const auto object = attestation_object_decode(vector.response.attestation_object);
  return packed_statement_decode(object->att_stmt_cbor)->x5c.at(0);
}

}  // namespace

TEST_SUITE("webauthn::certificate") {
  TEST_CASE("parses one DER certificate and refuses trailing bytes, garbage and emptiness") {
    const Bytes der = yubikey_attestation_certificate();
    CHECK(certificate_parse_der(der).has_value());
    Bytes trailing = der;
    trailing.push_back(0x00);
    const auto with_trailing = certificate_parse_der(trailing, "x5c[0]");
    REQUIRE_FALSE(with_trailing.has_value());
    CHECK(with_trailing.error().category == ErrorCategory::rejected);
    CHECK(with_trailing.error().message == "x5c[0] has 1 bytes after the DER certificate");
    CHECK(certificate_parse_der(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}).error().message ==
          "certificate is not a DER X.509 certificate");
    CHECK(certificate_parse_der(Bytes{}).error().message == "certificate is empty");
  }

  TEST_CASE("names the failing element of an x5c array") {
    const std::vector<Bytes> x5c{yubikey_attestation_certificate(), Bytes{0x01, 0x02}};
    const auto parsed = certificate_chain_parse_der(x5c);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message == "x5c[1] is not a DER X.509 certificate");
    CHECK(certificate_chain_parse_der({}).error().message == "x5c holds no certificate");
  }

  TEST_CASE("parses every certificate of a PEM bundle and refuses a corrupt one") {
    const auto apple = read_text_file(std::string(ACCTSEC_TEST_DATA_DIR) +
                                      "/webauthn/registration/apple_webauthn_root_ca.pem");
    const auto yubico = read_text_file(std::string(ACCTSEC_TEST_DATA_DIR) +
                                       "/webauthn/registration/yubico_u2f_root_ca_457200631.pem");
    const auto both = certificates_parse_pem(apple + yubico);
    REQUIRE(both.has_value());
    CHECK(both->size() == 2);
    CHECK(certificate_subject(both->at(0).get()) == "ST=California,O=Apple Inc.,CN=Apple WebAuthn Root CA");
    CHECK(certificate_subject(both->at(1).get()) == "CN=Yubico U2F Root CA Serial 457200631");
    CHECK_FALSE(certificates_parse_pem("no certificate here").has_value());
    std::string corrupt = apple;
    corrupt.replace(corrupt.find("MIIC") + 70, 4, "!!!!");
    CHECK_FALSE(certificates_parse_pem(corrupt).has_value());
  }

  TEST_CASE("round-trips DER and reads the fields attestation checks (subjects in RFC 2253 order)") {
    const Bytes der = yubikey_attestation_certificate();
    auto cert = certificate_parse_der(der);
    REQUIRE(cert.has_value());
    X509* x = cert->get();
    CHECK(certificate_der(x) == der);
    CHECK(certificate_subject(x) ==
          "CN=Yubico U2F EE Serial 719807075,OU=Authenticator Attestation,O=Yubico AB,C=SE");
    CHECK(certificate_subject_attribute(x, "2.5.4.6") == "SE");
    CHECK(certificate_subject_attribute(x, "2.5.4.11") == "Authenticator Attestation");
    CHECK_FALSE(certificate_subject_attribute(x, "2.5.4.8").has_value());
    CHECK(certificate_version(x) == 3);
    CHECK_FALSE(certificate_is_ca(x));
    const auto aaguid = certificate_extension(x, "1.3.6.1.4.1.45724.1.1.4");
    REQUIRE(aaguid.has_value());
    CHECK_FALSE(aaguid->critical);
    CHECK(hex_encode(aaguid->value) == "04106d44ba9bf6ec2e49b9300c8fe920cb73");
    const auto basic = certificate_extension(x, "2.5.29.19");
    REQUIRE(basic.has_value());
    CHECK(basic->critical);
    CHECK_FALSE(certificate_extension(x, "1.2.840.113635.100.8.2").has_value());
    const EvpPkeyPtr key = certificate_public_key(x);
    REQUIRE(key != nullptr);
    CHECK(EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC);
  }

  TEST_CASE("tells a CA from an end entity by basicConstraints alone") {
    const Chain chain;
    CHECK(certificate_is_ca(chain.root.cert.get()));
    CHECK_FALSE(certificate_is_ca(chain.leaf.get()));
    CertificateSpec v1;
    v1.version = 1;
    const EvpPkeyPtr key = generate_key(k_cose_alg_es256);
    const X509Ptr self_signed_v1 = issue_certificate(v1, key.get(), nullptr, key.get());
    CHECK(certificate_version(self_signed_v1.get()) == 1);
    CHECK_FALSE(certificate_is_ca(self_signed_v1.get()));  // OpenSSL's EXFLAG_CA would say yes
  }

  TEST_CASE("names every trust status") {
    CHECK(trust_status_name(TrustStatus::trusted) == "trusted");
    CHECK(trust_status_name(TrustStatus::unverified) == "unverified");
    CHECK(trust_status_name(TrustStatus::untrusted) == "untrusted");
    CHECK(trust_status_name(TrustStatus::none) == "none");
  }
}

TEST_SUITE("webauthn::certificate_chain_verify") {
  TEST_CASE("trusts a chain that reaches the root, listing the path from leaf to anchor") {
    const Chain chain;
    const auto result = certificate_chain_verify(chain.x5c(), anchors_of(chain.root.cert.get()), year(2030));
    CHECK(result.status == TrustStatus::trusted);
    CHECK(result.reason.empty());
    REQUIRE(result.path.size() == 3);
    CHECK(result.path[0] == "CN=acctsec test attestation,OU=Authenticator Attestation,O=acctsec tests,C=AA");
    CHECK(result.path[2] == "CN=acctsec test root,OU=Authenticator Attestation CA,O=acctsec tests,C=AA");
  }

  TEST_CASE("accepts an intermediate as the anchor (partial chain), as MDS roots often are") {
    const Chain chain;
    const auto result =
        certificate_chain_verify(chain.x5c(), anchors_of(chain.intermediate.cert.get()), year(2030));
    CHECK(result.status == TrustStatus::trusted);
    CHECK(result.path.size() == 2);
  }

  TEST_CASE("builds the path when x5c leaves out the intermediate but the anchors hold it") {
    const Chain chain;
    std::vector<X509Ptr> leaf_only;
    leaf_only.push_back(certificate_copy(chain.leaf.get()));
    CHECK(certificate_chain_verify(leaf_only, anchors_of(chain.root.cert.get()), year(2030)).status ==
          TrustStatus::untrusted);
    std::vector<X509Ptr> anchors = anchors_of(chain.root.cert.get());
    anchors.push_back(certificate_copy(chain.intermediate.cert.get()));
    CHECK(certificate_chain_verify(leaf_only, anchors, year(2030)).status == TrustStatus::trusted);
  }

  TEST_CASE("refuses a chain to a different root with OpenSSL's reason") {
    const Chain chain;
    const TestCa stranger = make_ca("someone else's root");
    const auto result = certificate_chain_verify(chain.x5c(), anchors_of(stranger.cert.get()), year(2030));
    CHECK(result.status == TrustStatus::untrusted);
    CHECK(result.reason.starts_with("unable to get local issuer certificate"));
    CHECK(result.path.size() == 2);
  }

  TEST_CASE("an expired certificate is untrusted now and trusted at a time within its validity") {
    CertificateSpec spec;
    spec.not_before = "20200101000000Z";
    spec.not_after = "20210101000000Z";
    const Chain chain(spec);
    const auto anchors = anchors_of(chain.root.cert.get());
    const auto now = certificate_chain_verify(chain.x5c(), anchors, std::nullopt);
    CHECK(now.status == TrustStatus::untrusted);
    CHECK(now.reason.starts_with("certificate has expired (depth 0: CN=acctsec test attestation"));
    CHECK(certificate_chain_verify(chain.x5c(), anchors, year(2020)).status == TrustStatus::trusted);
    const auto before = certificate_chain_verify(chain.x5c(), anchors, year(2019));
    CHECK(before.status == TrustStatus::untrusted);
    CHECK(before.reason.starts_with("certificate is not yet valid"));
  }

  TEST_CASE("an expired intermediate fails the path too") {
    TestCa root = make_ca("acctsec test root");
    TestCa intermediate = make_ca("short-lived intermediate", &root, "20250101000000Z");
    const EvpPkeyPtr key = generate_key(k_cose_alg_es256);
    std::vector<X509Ptr> x5c;
    x5c.push_back(issue_certificate({}, key.get(), intermediate.cert.get(), intermediate.key.get()));
    x5c.push_back(certificate_copy(intermediate.cert.get()));
    const auto result = certificate_chain_verify(x5c, anchors_of(root.cert.get()), year(2026));
    CHECK(result.status == TrustStatus::untrusted);
    CHECK(result.reason.starts_with("certificate has expired (depth 1"));
  }

  TEST_CASE("without anchors checks each link's signature and reports unverified") {
    const Chain chain;
    const auto ok = certificate_chain_verify(chain.x5c(), {}, std::nullopt);
    CHECK(ok.status == TrustStatus::unverified);
    CHECK(ok.path.size() == 2);
    CHECK(ok.reason.empty());

    // The leaf claims the intermediate as issuer, but another x5c[1] follows it.
    const TestCa other = make_ca("acctsec test intermediate");
    std::vector<X509Ptr> broken;
    broken.push_back(certificate_copy(chain.leaf.get()));
    broken.push_back(certificate_copy(other.cert.get()));
    const auto bad = certificate_chain_verify(broken, {}, std::nullopt);
    CHECK(bad.status == TrustStatus::untrusted);
    CHECK(bad.reason.starts_with("certificate signature failure: x5c[0]"));
  }

  TEST_CASE("a tampered certificate signature is untrusted with anchors and without") {
    const Chain chain;
    Bytes der = certificate_der(chain.leaf.get());
    der[der.size() - 5] ^= 0x01;  // inside the ECDSA signature's s
    std::vector<X509Ptr> x5c;
    x5c.push_back(value_or_throw(certificate_parse_der(der), "tampered leaf"));
    x5c.push_back(certificate_copy(chain.intermediate.cert.get()));
    const auto anchored = certificate_chain_verify(x5c, anchors_of(chain.root.cert.get()), year(2030));
    CHECK(anchored.status == TrustStatus::untrusted);
    CHECK(anchored.reason.starts_with("certificate signature failure"));
    CHECK(certificate_chain_verify(x5c, {}, std::nullopt).status == TrustStatus::untrusted);
  }

  TEST_CASE("an empty chain is untrusted") {
    const auto result = certificate_chain_verify({}, {}, std::nullopt);
    CHECK(result.status == TrustStatus::untrusted);
    CHECK_FALSE(result.reason.empty());
  }

  TEST_CASE("the published chains verify against their published roots") {
    for (const auto& name : {"w3c_packed_es256", "pywebauthn_yubikey_packed", "pywebauthn_apple_passkey"}) {
      CAPTURE(name);
      const auto vector = load_registration_vector(name);
      const auto object = attestation_object_decode(vector.response.attestation_object);
      REQUIRE(object.has_value());
      cbor::Reader reader(object->att_stmt_cbor);
      std::vector<Bytes> ders;
      const auto entries = reader.read_map();
      REQUIRE(entries.has_value());
      for (const auto& entry : *entries) {
        if (std::get<std::string>(entry.key) != "x5c") continue;
        cbor::Reader array(entry.value);
        const auto count = *array.read_array_header();
        for (std::uint64_t i = 0; i < count; ++i) ders.push_back(*array.read_bytes());
      }
      const auto chain = certificate_chain_parse_der(ders);
      REQUIRE(chain.has_value());
      std::vector<X509Ptr> anchors;
      for (const auto& file : vector.anchor_files) {
        for (auto& cert : load_anchor(file)) anchors.push_back(std::move(cert));
      }
      CHECK(certificate_chain_verify(*chain, anchors, vector.verify_at).status == TrustStatus::trusted);
    }
  }
}
