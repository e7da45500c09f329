// The MDS cache: only verified BLOBs get in, never an older one, and what is loaded is verified again.
#include "webauthn/mds_cache.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "core/timestamp.hpp"
#include "support/mds_blob.hpp"
#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::webauthn;
namespace mds = acctsec::test::mds;
using acctsec::test::ScratchDir;
using acctsec::test::slurp;

namespace {

std::chrono::system_clock::time_point at(const char* text) {
  return std::chrono::system_clock::time_point{*parse_timestamp(text)};
}

// Every file in the directory with its content, to show that a refused update changed nothing.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files[entry.path().filename().string()] = slurp(entry.path().string());
  return files;
}

}  // namespace

TEST_SUITE("webauthn::mds_cache") {
  TEST_CASE("the default directory follows XDG, then HOME") {
    CHECK(mds_cache_default_dir("/x", "/h") == "/x/acctsec/mds");
    CHECK(mds_cache_default_dir("", "/h") == "/h/.cache/acctsec/mds");
    CHECK(mds_cache_default_dir(std::nullopt, "/h") == "/h/.cache/acctsec/mds");
    CHECK(mds_cache_default_dir(std::nullopt, std::nullopt).empty());
  }

  TEST_CASE("a verified BLOB is stored with its record and loads again") {
    ScratchDir scratch;
    const std::string dir = scratch.file("cache/mds");
    const mds::Pki pki;
    const auto text = pki.sign(mds::sample_payload(5, "2099-01-01", pki.root.get()));
    auto stored = mds_cache_update(dir, text, pki.roots(), std::nullopt, "blob.jwt", at("2025-03-04T05:06:07Z"));
    REQUIRE_MESSAGE(stored.has_value(), stored.error().message);
    CHECK(stored->record.number == 5);
    CHECK(stored->record.next_update == "2099-01-01");
    CHECK(stored->record.fetched_at == "2025-03-04T05:06:07Z");
    CHECK(stored->record.verified_at == "2025-03-04T05:06:07Z");
    CHECK(stored->record.source == "blob.jwt");
    CHECK(slurp(stored->path) == text);

    auto loaded = mds_cache_load(dir);
    REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
    CHECK(loaded->blob.number == 5);
    CHECK(loaded->blob.entries.size() == 4);
    CHECK(loaded->path == stored->path);
  }

  TEST_CASE("nothing cached is not_found") {
    ScratchDir scratch;
    auto loaded = mds_cache_load(scratch.file("none"));
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().category == ErrorCategory::not_found);
  }

  TEST_CASE("a refused BLOB, or an older one from the same root, leaves the cache byte for byte as it was") {
    ScratchDir scratch;
    const std::string dir = scratch.file("mds");
    const mds::Pki pki;
    REQUIRE(mds_cache_update(dir, pki.sign(mds::sample_payload(10, "2099-01-01", pki.root.get())), pki.roots(),
                             std::nullopt, "a", at("2025-01-01"))
                .has_value());
    const auto before = snapshot(dir);

    auto tampered =
        mds_cache_update(dir, mds::tamper_payload(pki.sign(mds::sample_payload(11, "2099-01-01", pki.root.get()))),
                         pki.roots(), std::nullopt, "b", at("2025-01-02"));
    REQUIRE_FALSE(tampered.has_value());
    CHECK(tampered.error().category == ErrorCategory::rejected);
    CHECK(snapshot(dir) == before);

    auto older = mds_cache_update(dir, pki.sign(mds::sample_payload(9, "2099-01-01", pki.root.get())), pki.roots(),
                                  std::nullopt, "c", at("2025-01-03"));
    REQUIRE_FALSE(older.has_value());
    CHECK(older.error().category == ErrorCategory::rejected);
    CHECK(older.error().message.find("older") != std::string::npos);
    CHECK(snapshot(dir) == before);

    // The same number is a refresh; a newer one replaces the BLOB and removes the old file.
    REQUIRE(mds_cache_update(dir, pki.sign(mds::sample_payload(10, "2099-01-01", pki.root.get())), pki.roots(),
                             std::nullopt, "d", at("2025-01-04"))
                .has_value());
    auto newer = mds_cache_update(dir, pki.sign(mds::sample_payload(12, "2099-01-01", pki.root.get())), pki.roots(),
                                  std::nullopt, "e", at("2025-01-05"));
    REQUIRE(newer.has_value());
    std::size_t blobs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      blobs += entry.path().extension() == ".jwt" ? 1 : 0;
    CHECK(blobs == 1);
    CHECK(mds_cache_load(dir)->blob.number == 12);
  }

  TEST_CASE("a BLOB verified against another root may carry a lower number") {
    ScratchDir scratch;
    const std::string dir = scratch.file("mds");
    const mds::Pki test_root, other_root(mds::Alg::es256, {}, "Other");
    REQUIRE(mds_cache_update(dir, test_root.sign(mds::sample_payload(50, "2099-01-01", test_root.root.get())),
                             test_root.roots(), std::nullopt, "a", at("2025-01-01"))
                .has_value());
    auto other = mds_cache_update(dir, other_root.sign(mds::sample_payload(3, "2099-01-01", other_root.root.get())),
                                  other_root.roots(), std::nullopt, "b", at("2025-01-02"));
    REQUIRE_MESSAGE(other.has_value(), other.error().message);
    CHECK(mds_cache_load(dir)->blob.number == 3);
  }

  TEST_CASE("loading verifies again, at the time the BLOB was verified when stored") {
    ScratchDir scratch;
    const std::string dir = scratch.file("mds");
    const mds::Pki pki(mds::Alg::es256, {"20200101000000Z", "20210101000000Z"});
    auto stored = mds_cache_update(dir, pki.sign(mds::sample_payload(2, "2020-07-01", pki.root.get())), pki.roots(),
                                   at("2020-06-01T00:00:00Z"), "a", at("2025-01-01"));
    REQUIRE_MESSAGE(stored.has_value(), stored.error().message);
    CHECK(stored->record.verified_at == "2020-06-01T00:00:00Z");
    auto loaded = mds_cache_load(dir);
    REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);  // the signer has expired since; still loads
    CHECK(loaded->blob.number == 2);

    // A changed BLOB file is noticed.
    std::string text = slurp(stored->path);
    text[text.size() - 3] = text[text.size() - 3] == 'A' ? 'B' : 'A';
    std::filesystem::remove(stored->path);
    { std::ofstream(stored->path, std::ios::binary) << text; }
    auto damaged = mds_cache_load(dir);
    REQUIRE_FALSE(damaged.has_value());
    CHECK(damaged.error().category == ErrorCategory::rejected);
    CHECK(damaged.error().message.find("damaged") != std::string::npos);
  }
}
