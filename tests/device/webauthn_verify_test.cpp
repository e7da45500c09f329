// `webauthn verify-registration | verify-assertion`, single and --batch, on what virtual keys
// produce: verdicts, trust, policy, mutations, malformed input and exit statuses.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/bytes.hpp"
#include "webauthn/batch_verify.hpp"
#include "support/cli_harness.hpp"
#include "support/mds_blob.hpp"

using acctsec::test::FakeWorld;
using acctsec::test::read_file;
using acctsec::test::run_cli;
using acctsec::test::TempDir;
using acctsec::test::write_file;
using nlohmann::json;

namespace {

// A virtual key with one enrollment, and its pieces as the verify commands take them.
struct Enrolled {
  TempDir dir;
  std::string key = dir.file("key.json");
  std::string device = "virtual:" + key;
  std::string record_path = dir.file("alice.json");
  std::string response_path = dir.file("response.json");
  std::string anchor_path = dir.file("anchor.pem");
  json record;

  explicit Enrolled(const std::string& attestation = "packed", const std::string& aaguid = "") {
    std::vector<std::string> create = {"key", "virtual", "create", key, "--attestation", attestation};
    if (!aaguid.empty()) create.insert(create.end(), {"--aaguid", aaguid});
    auto created = run_cli(create);
    REQUIRE_MESSAGE(created.status == 0, created.err);
    auto enrolled = run_cli({"--device", device, "key", "enroll", "--rp-id", "example.com", "--user", "alice", "--out", record_path});
    REQUIRE_MESSAGE(enrolled.status == 0, enrolled.err);
    record = json::parse(read_file(record_path));
    write_file(response_path, record["response"].dump());
    write_file(anchor_path, json::parse(read_file(key))["attestation_ca"].get<std::string>());
  }

  std::vector<std::string> registration(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"webauthn", "verify-registration", "--response", response_path, "--challenge",
                                     record["challenge"].get<std::string>(), "--origin", "https://example.com", "--rp-id",
                                     "example.com"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Runs key test --out and returns the saved batch line.
  json assertion_line() const {
    const std::string out = dir.file("assertion.ndjson");
    auto r = run_cli({"--device", device, "key", "test", "--enrollment", record_path, "--out", out});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const std::string text = read_file(out);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    return json::parse(text);
  }
};

json parse_out(const acctsec::test::CliRun& r) {
  INFO(r.err);
  return json::parse(r.out);
}

std::vector<json> parse_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

}  // namespace

TEST_SUITE("device::webauthn_verify_registration") {
  TEST_CASE("a virtual key's registration verifies against its own attestation CA") {
    Enrolled e;
    auto r = run_cli(e.registration({"--trust-anchor", e.anchor_path, "--json"}));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto v = parse_out(r);
    CHECK(v["schema"] == "acctsec.webauthn.registration-verdict/1");
    CHECK(v["verified"] == true);
    CHECK(v["fmt"] == "packed");
    CHECK(v["attestationType"] == "basic");
    CHECK(v["trust"]["status"] == "trusted");
    CHECK(v["trust"]["path"].size() == 2);
    CHECK(v["virtualKey"] == true);
    CHECK(v["aaguid"] == "7c5b1078-15d8-4adf-83fc-a4d136b811e5");
    CHECK(v["credentialId"] == e.record["response"]["id"]);
    CHECK(v["flags"]["userPresent"] == true);
    CHECK(v["reasons"].empty());
    auto table = run_cli(e.registration({"--trust-anchor", e.anchor_path}));
    CHECK(table.status == 0);
    CHECK(table.out.find("verified") != std::string::npos);
    CHECK(table.out.find("trusted") != std::string::npos);
  }

  TEST_CASE("without an anchor the signature still counts, and the trust is unverified with a warning") {
    Enrolled e;
    auto r = run_cli(e.registration({"--json"}));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto v = parse_out(r);
    CHECK(v["trust"]["status"] == "unverified");
    CHECK_FALSE(v["warnings"].empty());
  }

  TEST_CASE("another key's CA as the anchor: untrusted, rejected (1)") {
    Enrolled e, other;
    auto r = run_cli(e.registration({"--trust-anchor", other.anchor_path, "--json"}));
    CHECK(r.status == 1);
    auto v = parse_out(r);
    CHECK(v["verified"] == false);
    CHECK(v["trust"]["status"] == "untrusted");
    CHECK_FALSE(v["reasons"].empty());
  }

  TEST_CASE("self and none attestation verify with nothing to trust") {
    for (const char* mode : {"self", "none"}) {
      Enrolled e(mode);
      auto r = run_cli(e.registration({"--json"}));
      REQUIRE_MESSAGE(r.status == 0, r.err);
      auto v = parse_out(r);
      CHECK(v["fmt"] == (std::string(mode) == "self" ? "packed" : "none"));
      CHECK(v["trust"]["status"] == "none");
    }
  }

  TEST_CASE("the wrong challenge, origin or RP ID is rejected with a reason naming it") {
    Enrolled e;
    struct Case {
      std::string flag, value, says;
    };
    for (const auto& c : {Case{"--challenge", "AAAAAAAAAAAAAAAAAAAAAA", "challenge"}, Case{"--origin", "https://evil.example", "origin"},
                          Case{"--rp-id", "evil.example", "rpIdHash"}}) {
      auto args = e.registration({"--json"});
      *(std::find(args.begin(), args.end(), c.flag) + 1) = c.value;
      auto r = run_cli(args);
      CHECK(r.status == 1);
      auto v = parse_out(r);
      const std::string reasons = v["reasons"].dump();
      CHECK_MESSAGE(reasons.find(c.says) != std::string::npos, reasons);
    }
  }

  TEST_CASE("the default policy refuses virtual keys by rule, a policy may allow them") {
    Enrolled e;
    const std::string strict = e.dir.file("strict.toml"), lenient = e.dir.file("lenient.toml");
    write_file(strict, "[enrollment]\n");
    write_file(lenient, "[enrollment]\nallow_virtual_keys = true\nrequire_trusted_attestation = true\n");
    auto refused = run_cli(e.registration({"--trust-anchor", e.anchor_path, "--policy", strict, "--json"}));
    CHECK(refused.status == 1);
    CHECK(parse_out(refused)["reasons"][0].get<std::string>().starts_with("policy allow_virtual_keys:"));
    CHECK(run_cli(e.registration({"--trust-anchor", e.anchor_path, "--policy", lenient})).status == 0);
    auto untrusted = run_cli(e.registration({"--policy", lenient, "--json"}));
    CHECK(untrusted.status == 1);
    CHECK(parse_out(untrusted)["reasons"][0].get<std::string>().starts_with("policy require_trusted_attestation:"));
  }

  TEST_CASE("usage mistakes exit 2, missing files 4, and a response that is not JSON 2") {
    Enrolled e;
    CHECK(run_cli({"webauthn", "verify-registration", "--response", e.response_path, "--origin", "https://example.com", "--rp-id",
                   "example.com"})
              .status == 2);  // no challenge
    CHECK(run_cli(e.registration({"--batch", "-"})).status == 2);
    CHECK(run_cli(e.registration({"--at", "last tuesday"})).status == 2);
    CHECK(run_cli(e.registration({"--policy", e.dir.file("none.toml")})).status == 4);
    CHECK(run_cli(e.registration({"--trust-anchor", e.response_path})).status == 2);
    auto args = e.registration();
    args[3] = e.dir.file("missing.json");
    CHECK(run_cli(args).status == 4);
    write_file(e.response_path, "not json");
    auto r = run_cli(e.registration());
    CHECK(r.status == 2);
    CHECK(r.err.find("is not a JSON object") != std::string::npos);
  }

  TEST_CASE("a response whose attestation object is damaged is a rejection, not a crash") {
    Enrolled e;
    json response = e.record["response"];
    std::string ao = response["response"]["attestationObject"];
    ao = ao.substr(0, ao.size() / 2);
    response["response"]["attestationObject"] = ao;
    write_file(e.response_path, response.dump());
    auto r = run_cli(e.registration({"--json"}));
    CHECK(r.status == 1);
    CHECK(parse_out(r)["verified"] == false);
  }
}

TEST_SUITE("device::webauthn_verify_assertion") {
  TEST_CASE("key test --out saves one batch line that verify-assertion --batch accepts") {
    Enrolled e;
    const json line = e.assertion_line();
    CHECK(line["id"] == e.record["response"]["id"]);
    CHECK(line["expected"]["rpId"] == "example.com");
    CHECK(line["expected"]["credential"]["publicKey"].is_string());
    const std::string batch = e.dir.file("batch.ndjson");
    write_file(batch, line.dump() + "\n");
    auto r = run_cli({"webauthn", "verify-assertion", "--batch", batch});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto verdicts = parse_lines(r.out);
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0]["id"] == line["id"]);
    CHECK(verdicts[0]["verified"] == true);
    CHECK(verdicts[0]["schema"] == "acctsec.webauthn.assertion-verdict/1");
  }

  TEST_CASE("a replayed assertion is a possible clone, --counter and --credential set what was stored") {
    Enrolled e;
    const json line = e.assertion_line();
    const std::string response = e.dir.file("assertion.json"), credential = e.dir.file("credential.json");
    write_file(response, line["response"].dump());
    json stored = line["expected"]["credential"];
    write_file(credential, stored.dump());
    std::vector<std::string> base = {"webauthn", "verify-assertion", "--response", response, "--challenge",
                                     line["expected"]["challenge"], "--origin", "https://example.com", "--rp-id", "example.com"};
    auto with = [&](std::vector<std::string> extra) {
      auto args = base;
      args.insert(args.end(), extra.begin(), extra.end());
      return run_cli(args);
    };
    CHECK(with({"--credential", credential}).status == 0);
    auto ok = with({"--credential", credential, "--json"});
    const auto counter = parse_out(ok)["counter"].get<std::uint32_t>();
    auto replay = with({"--credential", credential, "--counter", std::to_string(counter), "--json"});
    CHECK(replay.status == 1);
    auto v = parse_out(replay);
    CHECK(v["possibleClone"] == true);
    CHECK(with({"--public-key", stored["publicKey"]}).status == 0);
    CHECK(with({"--public-key", "AAAA"}).status == 2);
    CHECK(with({}).status == 2);
    CHECK(with({"--public-key", stored["publicKey"], "--credential", credential}).status == 2);
  }

  TEST_CASE("a batch keeps input order across windows and workers, and malformed lines get error verdicts") {
    Enrolled e;
    const json good = e.assertion_line();
    json bad_sig = good;
    std::string sig = bad_sig["response"]["response"]["signature"];
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    bad_sig["response"]["response"]["signature"] = sig;
    // More lines than three windows of two workers hold, so that both windows come round again
    // while the other is being verified; malformed lines sit on both sides of window edges.
    const int lines = 3 * 2 * static_cast<int>(acctsec::webauthn::k_batch_lines_per_worker) + 37;
    const std::set<int> not_json = {7, 511, 512, 1024};
    std::string text;
    for (int i = 0; i < lines; ++i) {
      json line = i % 3 == 1 ? bad_sig : good;
      line["id"] = i;
      if (not_json.contains(i)) text += "{not json\n";
      else if (i == 8) text += "{\"id\": 8}\n";
      else text += line.dump() + "\n";
      if (i == 9 || i == 600) text += "\n";  // blank lines are skipped
    }
    FakeWorld w;
    w.stdin_text = text;
    auto r = run_cli({"webauthn", "verify-assertion", "--batch", "-", "--jobs", "2"}, w);
    CHECK(r.status == 1);
    auto verdicts = parse_lines(r.out);
    REQUIRE(verdicts.size() == static_cast<std::size_t>(lines));
    for (int i = 0; i < lines; ++i) {
      const json& v = verdicts[static_cast<std::size_t>(i)];
      INFO("line ", i);
      if (not_json.contains(i)) {
        CHECK(v["id"].is_null());
        // Input line numbers count the blank lines too.
        const int input_line = i + 1 + (i > 9 ? 1 : 0) + (i > 600 ? 1 : 0);
        CHECK(v["error"].get<std::string>().find(fmt::format("line {}:", input_line)) != std::string::npos);
      } else if (i == 8) {
        CHECK(v["id"] == 8);
        CHECK(v["error"].get<std::string>().find("response") != std::string::npos);
      } else {
        CHECK(v["id"] == i);
        // The counter is not advanced between lines, so every copy of the good line verifies.
        CHECK(v["verified"] == (i % 3 != 1));
      }
    }
    auto one_worker = run_cli({"webauthn", "verify-assertion", "--batch", "-", "--jobs", "1"}, w);
    CHECK(one_worker.out == r.out);
    auto three_workers = run_cli({"webauthn", "verify-assertion", "--batch", "-", "--jobs", "3"}, w);
    CHECK(three_workers.out == r.out);
  }

  TEST_CASE("a batch asked to stop finishes the windows it has read, in order, and reads no further") {
    Enrolled e;
    const json good = e.assertion_line();
    const std::size_t window = 2 * acctsec::webauthn::k_batch_lines_per_worker;
    std::string text;
    for (std::size_t i = 0; i < 3 * window; ++i) {
      json line = good;
      line["id"] = i;
      text += line.dump() + "\n";
    }
    for (unsigned workers : {1u, 2u}) {
      std::istringstream in(text);
      std::vector<std::string> out;
      int polls = 0;
      auto totals = acctsec::webauthn::batch_verify(
          in, acctsec::webauthn::VerifyKind::assertion, {}, workers, [&](const std::string& line) { out.push_back(line); },
          [&] { return ++polls > 1; });
      // One worker reads a window at a time; more read one ahead while the other is verified.
      const std::size_t expected = workers == 1 ? acctsec::webauthn::k_batch_lines_per_worker : 2 * window;
      CHECK(totals.lines == expected);
      CHECK(totals.verified == expected);
      REQUIRE(out.size() == expected);
      for (std::size_t i = 0; i < out.size(); ++i) CHECK(json::parse(out[i])["id"] == i);
      // The rest of the input is left unread.
      std::size_t unread = 0;
      for (std::string line; std::getline(in, line);) ++unread;
      CHECK(unread == 3 * window - expected);
    }
  }

  TEST_CASE("a batch echoes each line's id as given, first in its verdict, whatever JSON it is") {
    Enrolled e;
    json good = e.assertion_line();
    good.erase("id");
    const std::string rest = good.dump().substr(1);  // the members after "{"
    // Decimals Boost.JSON 1.81 reads one unit in the last place off come back as strtod reads them.
    const std::vector<std::string> ids = {R"("assert-1")", "0", "18446744073709551615", "-3", "0.1",
                                          "2.2250738585072011e-308", "1e23", R"({"user":"alice","n":[1,true,null]})",
                                          "null"};
    std::string text;
    for (const auto& id : ids) text += "{\"id\":" + id + "," + rest + "\n";
    text += good.dump() + "\n";  // no "id" member
    FakeWorld w;
    w.stdin_text = text;
    auto r = run_cli({"webauthn", "verify-assertion", "--batch", "-"}, w);
    CHECK(r.status == 0);
    auto verdicts = parse_lines(r.out);
    REQUIRE(verdicts.size() == ids.size() + 1);
    std::istringstream lines(r.out);
    std::string line;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      CAPTURE(ids[i]);
      CHECK(verdicts[i]["id"] == json::parse(ids[i]));
      REQUIRE(std::getline(lines, line));
      CHECK(line.rfind("{\"id\":", 0) == 0);
    }
    CHECK(verdicts.back()["id"].is_null());
    CHECK(verdicts.back()["verified"] == true);
  }

  TEST_CASE("a batch line without an expectation that no flag supplies is an error verdict, flags fill the gaps") {
    Enrolled e;
    json line = e.assertion_line();
    const std::string challenge = line["expected"]["challenge"];
    line["expected"].erase("challenge");
    FakeWorld w;
    w.stdin_text = line.dump() + "\n";
    auto r = run_cli({"webauthn", "verify-assertion", "--batch", "-"}, w);
    CHECK(r.status == 1);
    CHECK(parse_lines(r.out)[0]["error"].get<std::string>().find("--challenge") != std::string::npos);
    auto filled = run_cli({"webauthn", "verify-assertion", "--batch", "-", "--challenge", challenge}, w);
    CHECK(filled.status == 0);
  }

  TEST_CASE("a missing batch file is not found (4)") {
    CHECK(run_cli({"webauthn", "verify-assertion", "--batch", "/nonexistent/batch.ndjson"}).status == 4);
  }
}

TEST_SUITE("device::webauthn_verify_registration_batch") {
  TEST_CASE("registration batches take per-line trust anchors and report trust per line") {
    Enrolled e, other;
    const std::string anchor = read_file(e.anchor_path);
    json line = {{"id", "a"},
                 {"response", e.record["response"]},
                 {"expected", {{"challenge", e.record["challenge"]}, {"origin", "https://example.com"}, {"rpId", "example.com"},
                               {"trustAnchors", {anchor}}}}};
    json wrong = line;
    wrong["id"] = "b";
    wrong["expected"]["trustAnchors"] = {read_file(other.anchor_path)};
    FakeWorld w;
    w.stdin_text = line.dump() + "\n" + wrong.dump() + "\n";
    auto r = run_cli({"webauthn", "verify-registration", "--batch", "-"}, w);
    CHECK(r.status == 1);
    auto verdicts = parse_lines(r.out);
    REQUIRE(verdicts.size() == 2);
    CHECK(verdicts[0]["trust"]["status"] == "trusted");
    CHECK(verdicts[1]["trust"]["status"] == "untrusted");
  }
}

TEST_SUITE("device::webauthn_verify_registration_mds") {
  TEST_CASE("--mds trusts the roots FIDO metadata lists for the AAGUID, and refuses a revoked model") {
    namespace mds = acctsec::test::mds;
    Enrolled certified("packed", mds::k_certified), revoked("packed", mds::k_revoked), unknown;
    // The BLOB lists the certified key's own attestation CA as its model's root.
    auto ca = acctsec::webauthn::certificates_parse_pem(read_file(certified.anchor_path));
    REQUIRE(ca);
    mds::Pki pki;
    FakeWorld w;
    w.env["XDG_CACHE_HOME"] = certified.dir.file("cache");
    const std::string blob = certified.dir.file("blob.jwt"), root = certified.dir.file("mds-root.pem");
    write_file(blob, pki.sign(mds::sample_payload(7, "2099-01-01", (*ca)[0].get())));
    write_file(root, mds::pem(pki.root.get()));
    auto verify = [&](const Enrolled& e) { return run_cli(e.registration({"--mds", "--json"}), w); };

    auto none_cached = verify(certified);
    CHECK(none_cached.status == 4);
    CHECK(none_cached.err.find("acctsec mds update") != std::string::npos);
    auto updated = run_cli({"mds", "update", "--blob", blob, "--root", root}, w);
    REQUIRE_MESSAGE(updated.status == 0, updated.err);

    auto ok = verify(certified);
    REQUIRE_MESSAGE(ok.status == 0, ok.err);
    auto v = parse_out(ok);
    CHECK(v["trust"]["status"] == "trusted");
    CHECK(v["mds"]["status"] == "FIDO_CERTIFIED_L2");
    CHECK(v["mds"]["certificationLevel"] == 2);
    CHECK(v["mds"]["blobNumber"] == 7);

    auto refused = verify(revoked);
    CHECK(refused.status == 1);
    CHECK(parse_out(refused)["reasons"].dump().find("REVOKED") != std::string::npos);

    auto not_listed = verify(unknown);
    CHECK(not_listed.status == 0);
    auto u = parse_out(not_listed);
    CHECK(u["mds"].is_null());
    CHECK(u["trust"]["status"] == "unverified");

    // The policy's certification rule reads the level MDS reported.
    const std::string policy = certified.dir.file("policy.toml");
    write_file(policy, "[enrollment]\nallow_virtual_keys = true\nmin_certification_level = 3\n");
    auto low = run_cli(certified.registration({"--mds", "--policy", policy, "--json"}), w);
    CHECK(low.status == 1);
    CHECK(parse_out(low)["reasons"][0].get<std::string>().starts_with("policy min_certification_level:"));
  }
}
