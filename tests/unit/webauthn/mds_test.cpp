// FIDO MDS3 BLOBs: signature, chain to the root at a chosen time, payload, lookup by AAGUID.
#include "webauthn/mds.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/timestamp.hpp"
#include "support/mds_blob.hpp"
#include "webauthn/hash.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
namespace mds = acctsec::test::mds;

namespace {

std::chrono::system_clock::time_point at(const char* text) {
  const auto parsed = parse_timestamp(text);
  REQUIRE(parsed.has_value());
  return std::chrono::system_clock::time_point{*parsed};
}

Bytes aaguid(const char* text) {
  return *uuid_parse(text);
}

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(ACCTSEC_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_SUITE("webauthn::mds") {
  TEST_CASE("a valid BLOB is accepted, with ES256 and with RS256, and its entries are looked up") {
    for (const auto alg : {mds::Alg::es256, mds::Alg::rs256}) {
      const mds::Pki pki(alg);
      const auto blob_text = pki.sign(mds::sample_payload(42, "2099-01-01", pki.root.get()));
      auto blob = mds_blob_verify(blob_text, pki.roots(), std::nullopt);
      REQUIRE_MESSAGE(blob.has_value(), blob.error().message);
      CHECK(blob->algorithm == pki.alg);
      CHECK(blob->number == 42);
      CHECK(blob->next_update == "2099-01-01");
      CHECK(blob->legal_header.starts_with("acctsec test BLOB"));
      REQUIRE(blob->entries.size() == 4);
      REQUIRE(blob->signer_path.size() == 3);
      CHECK(blob->signer_path.front().find("BLOB signer") != std::string::npos);
      CHECK(blob->signer_path.back().find("MDS Root") != std::string::npos);

      auto metadata = mds_lookup(*blob, aaguid(mds::k_certified), at("2030-01-01"));
      REQUIRE(metadata.has_value());
      CHECK(metadata->description == "Test Key Series 5");
      CHECK(metadata->statuses == std::vector<std::string>{"FIDO_CERTIFIED_L1", "FIDO_CERTIFIED_L2"});
      CHECK(metadata->latest_status == "FIDO_CERTIFIED_L2");
      CHECK(metadata->certification_level == 2);
      REQUIRE(metadata->attestation_roots.size() == 1);
      CHECK(certificate_der(metadata->attestation_roots[0].get()) == certificate_der(pki.root.get()));
      CHECK_FALSE(metadata->stale);
      CHECK(metadata->blob_number == 42);

      const MdsEntry* u2f = &blob->entries[3];
      CHECK_FALSE(u2f->aaguid.has_value());
      CHECK(u2f->attestation_certificate_key_identifiers ==
            std::vector<std::string>{"1434d2f277fe479c35ddf6aa4d08a07cbce99dd7"});
    }
  }

  TEST_CASE("an AAGUID the BLOB does not list is not_found") {
    const mds::Pki pki;
    auto blob =
        mds_blob_verify(pki.sign(mds::sample_payload(1, "2099-01-01", pki.root.get())), pki.roots(), std::nullopt);
    REQUIRE(blob.has_value());
    CHECK(mds_entry_find(*blob, aaguid(mds::k_unknown)) == nullptr);
    auto metadata = mds_lookup(*blob, aaguid(mds::k_unknown), at("2030-01-01"));
    REQUIRE_FALSE(metadata.has_value());
    CHECK(metadata.error().category == ErrorCategory::not_found);
  }

  TEST_CASE("refuses a BLOB whose payload was changed after signing") {
    const mds::Pki pki;
    const auto blob_text = pki.sign(mds::sample_payload(1, "2099-01-01", pki.root.get()));
    auto blob = mds_blob_verify(mds::tamper_payload(blob_text), pki.roots(), std::nullopt);
    REQUIRE_FALSE(blob.has_value());
    CHECK(blob.error().category == ErrorCategory::rejected);
  }

  TEST_CASE("refuses a BLOB signed by a key other than its x5c[0]'s") {
    const mds::Pki pki;
    const auto impostor = mds::ec_key();
    nlohmann::json x5c = {base64_encode(certificate_der(pki.signer.get())),
                          base64_encode(certificate_der(pki.intermediate.get()))};
    auto blob_text = jws_sign({{"alg", "ES256"}, {"x5c", x5c}},
                              as_bytes(mds::sample_payload(1, "2099-01-01", pki.root.get()).dump()), impostor.get());
    REQUIRE(blob_text.has_value());
    auto blob = mds_blob_verify(*blob_text, pki.roots(), std::nullopt);
    REQUIRE_FALSE(blob.has_value());
    CHECK(blob.error().category == ErrorCategory::rejected);
  }

  TEST_CASE("refuses a BLOB whose chain leads to another root, and one without x5c") {
    const mds::Pki pki;
    const mds::Pki other(mds::Alg::es256, {}, "Other");
    const auto blob_text = pki.sign(mds::sample_payload(1, "2099-01-01", pki.root.get()));
    auto blob = mds_blob_verify(blob_text, other.roots(), std::nullopt);
    REQUIRE_FALSE(blob.has_value());
    CHECK(blob.error().category == ErrorCategory::rejected);
    CHECK(blob.error().message.find("chain") != std::string::npos);

    auto bare = jws_sign({{"alg", "ES256"}}, as_bytes(mds::sample_payload(1, "2099-01-01", pki.root.get()).dump()),
                         pki.signer_key.get());
    REQUIRE(bare.has_value());
    auto no_x5c = mds_blob_verify(*bare, pki.roots(), std::nullopt);
    REQUIRE_FALSE(no_x5c.has_value());
    CHECK(no_x5c.error().category == ErrorCategory::rejected);
  }

  TEST_CASE("an expired signing certificate is refused now and accepted at a time inside its validity") {
    const mds::Pki pki(mds::Alg::es256, {"20200101000000Z", "20210101000000Z"});
    const auto blob_text = pki.sign(mds::sample_payload(7, "2020-07-01", pki.root.get()));
    auto now = mds_blob_verify(blob_text, pki.roots(), std::nullopt);
    REQUIRE_FALSE(now.has_value());
    CHECK(now.error().category == ErrorCategory::rejected);
    CHECK(now.error().message.find("expired") != std::string::npos);
    auto then = mds_blob_verify(blob_text, pki.roots(), at("2020-06-01T12:00:00Z"));
    REQUIRE_MESSAGE(then.has_value(), then.error().message);
    CHECK(then->number == 7);
    CHECK_FALSE(mds_blob_verify(blob_text, pki.roots(), at("2019-12-31")).has_value());  // not yet valid
  }

  TEST_CASE("a BLOB past its nextUpdate is stale, which is a warning, not a failure") {
    const mds::Pki pki;
    auto blob =
        mds_blob_verify(pki.sign(mds::sample_payload(3, "2024-05-01", pki.root.get())), pki.roots(), std::nullopt);
    REQUIRE(blob.has_value());
    CHECK_FALSE(mds_blob_stale(*blob, at("2024-04-30T23:59:59Z")));
    CHECK_FALSE(mds_blob_stale(*blob, at("2024-05-01T00:00:00Z")));
    CHECK(mds_blob_stale(*blob, at("2024-05-01T00:00:01Z")));
    auto metadata = mds_lookup(*blob, aaguid(mds::k_certified), at("2025-01-01"));
    REQUIRE(metadata.has_value());
    CHECK(metadata->stale);
  }

  TEST_CASE("refused statuses surface through AuthenticatorMetadata") {
    const mds::Pki pki;
    auto blob =
        mds_blob_verify(pki.sign(mds::sample_payload(1, "2099-01-01", pki.root.get())), pki.roots(), std::nullopt);
    REQUIRE(blob.has_value());
    const auto refused = [&](const char* id) {
      auto metadata = mds_lookup(*blob, aaguid(id), at("2030-01-01"));
      REQUIRE(metadata.has_value());
      return metadata_refused_status(*metadata);
    };
    CHECK(refused(mds::k_revoked) == "REVOKED");
    CHECK(refused(mds::k_uv_bypass) == "USER_VERIFICATION_BYPASS");
    CHECK_FALSE(refused(mds::k_certified).has_value());
    auto revoked = mds_lookup(*blob, aaguid(mds::k_revoked), at("2030-01-01"));
    REQUIRE(revoked.has_value());
    CHECK(revoked->latest_status == "REVOKED");
    CHECK(revoked->certification_level == 1);  // reached, then revoked: the policy decides on the status
  }

  TEST_CASE("the report in force is the newest by effectiveDate, the later one on a tie") {
    std::vector<MdsStatusReport> reports(3);
    reports[0].status = "FIDO_CERTIFIED_L1";
    reports[0].effective_date = "2022-01-01";
    reports[1].status = "UPDATE_AVAILABLE";
    reports[1].effective_date = "2021-01-01";
    reports[2].status = "FIDO_CERTIFIED_L1plus";
    reports[2].effective_date = "2022-01-01";
    REQUIRE(mds_latest_report(reports) != nullptr);
    CHECK(mds_latest_report(reports)->status == "FIDO_CERTIFIED_L1plus");
    CHECK(mds_certification_level(reports) == 1);
    CHECK(mds_latest_report({}) == nullptr);
    CHECK(mds_certification_level({}) == 0);
  }

  TEST_CASE("a malformed payload is rejected, naming what is wrong") {
    const auto rejected = [](const std::string& payload, const std::string& needle) {
      auto blob = mds_payload_parse(payload);
      REQUIRE_FALSE(blob.has_value());
      CHECK(blob.error().category == ErrorCategory::rejected);
      CHECK_MESSAGE(blob.error().message.find(needle) != std::string::npos, blob.error().message);
    };
    rejected("[]", "not a JSON object");
    rejected(R"({"nextUpdate":"2024-01-01","entries":[]})", "\"no\"");
    rejected(R"({"no":1,"nextUpdate":"soon","entries":[]})", "nextUpdate");
    rejected(R"({"no":1,"nextUpdate":"2024-01-01","entries":{}})", "entries");
    rejected(R"({"no":1,"nextUpdate":"2024-01-01","entries":[{"aaguid":"xyz","statusReports":[]}]})",
             "entries[0].aaguid");
    rejected(R"({"no":1,"nextUpdate":"2024-01-01","entries":[{"aaguid":"a7e5d2c1-0001-4a5b-8c6d-000000000001"}]})",
             "statusReports");
    rejected(R"({"no":1,"nextUpdate":"2024-01-01","entries":[{"statusReports":[{"effectiveDate":"2024-01-01"}]}]})",
             "status");
    rejected(
        R"({"no":1,"nextUpdate":"2024-01-01","entries":[{"statusReports":[],"metadataStatement":{"attestationRootCertificates":["%%%"]}}]})",
        "attestationRootCertificates[0]");
    CHECK(mds_payload_parse(R"({"no":1,"nextUpdate":"2024-01-01","entries":[]})").has_value());
  }

  TEST_CASE("reads entries transcribed from the public MDS3 BLOB (tests/data/mds)") {
    auto blob = mds_payload_parse(read_data("mds/mds3_entries_excerpt.json"));
    REQUIRE_MESSAGE(blob.has_value(), blob.error().message);
    REQUIRE(blob->entries.size() == 3);
    auto bio = mds_lookup(*blob, aaguid("d8522d9f-575b-4866-88a9-ba99fa02f35b"), at("2025-01-01"));
    REQUIRE(bio.has_value());
    CHECK(bio->description == "YubiKey Bio Series");
    CHECK(bio->latest_status == "FIDO_CERTIFIED_L1");
    CHECK(bio->certification_level == 1);
    REQUIRE(bio->attestation_roots.size() == 1);
    CHECK(certificate_subject(bio->attestation_roots[0].get()) == "CN=Yubico U2F Root CA Serial 457200631");
    CHECK(blob->entries[0].status_reports[1].certificate_number == "FIDO20020210806001");
    CHECK(blob->entries[1].aaid == "4e4e#4005");
    // The published statement's root begins with "\n\n"; it is read all the same.
    const MdsEntry& u2f = blob->entries[2];
    CHECK(u2f.description == "NEOWAVE Winkeo FIDO2");
    REQUIRE(u2f.attestation_roots.size() == 1);
    CHECK(certificate_parse_der(u2f.attestation_roots[0]).has_value());
    CHECK(u2f.status_reports[0].status == "NOT_FIDO_CERTIFIED");
  }

  TEST_CASE("the built-in root is GlobalSign Root CA - R3, with the fingerprint its comment gives") {
    auto roots = mds_default_roots();
    REQUIRE(roots.has_value());
    REQUIRE(roots->size() == 1);
    CHECK(certificate_subject((*roots)[0].get()) == "CN=GlobalSign,O=GlobalSign,OU=GlobalSign Root CA - R3");
    CHECK(hex_encode(sha256(certificate_der((*roots)[0].get()))) ==
          "cbb522d7b7f127ad6a0113865bdf1cd4102e7d0759af635a7cf4720dc963c53b");
  }
}
