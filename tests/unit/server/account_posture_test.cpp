// Account posture: the summary, the list filters, group shortfalls, and the store's paged,
// filtered listing over seeded accounts.
#include "server/account_posture.hpp"

#include <doctest/doctest.h>

#include <future>
#include <set>

#include "server/account_routes.hpp"
#include "server/audit_writer.hpp"
#include "server/dev_seed.hpp"
#include "server/sqlite_store.hpp"
#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::server;

namespace {

AccountRecord with_methods(std::vector<std::string> types) {
  AccountRecord a;
  a.id = "c-1";
  for (auto& type : types) a.methods.push_back(AccountMethod{type, type, 0, std::nullopt});
  return a;
}

bool matches(const AccountRecord& a, std::string_view filter) { return *posture_matches(posture_summarize(a), filter); }

}  // namespace

TEST_SUITE("server::account_posture") {
  TEST_CASE("the summary counts factors, and backup codes alone are not a second factor") {
    CHECK(matches(with_methods({}), "no-2fa"));
    CHECK(matches(with_methods({"backup-codes"}), "no-2fa"));
    CHECK_FALSE(matches(with_methods({"totp"}), "no-2fa"));
    CHECK(matches(with_methods({"sms"}), "sms-only"));
    CHECK(matches(with_methods({"sms", "backup-codes"}), "sms-only"));
    CHECK_FALSE(matches(with_methods({"sms", "totp"}), "sms-only"));
    CHECK_FALSE(matches(with_methods({}), "sms-only"));
    CHECK(matches(with_methods({"totp", "sms"}), "no-phishing-resistant"));
    CHECK_FALSE(matches(with_methods({"security-key"}), "no-phishing-resistant"));
    CHECK(matches(with_methods({"security-key", "totp"}), "single-security-key"));
    CHECK_FALSE(matches(with_methods({"security-key", "security-key"}), "single-security-key"));
    CHECK(posture_summarize(with_methods({"security-key", "security-key", "totp"})).methods.at("security-key") == 2);
    CHECK_FALSE(posture_matches(posture_summarize(with_methods({})), "no-such-filter").has_value());
  }

  TEST_CASE("reset protection counts only when on with a verified channel") {
    AccountRecord a = with_methods({"totp"});
    CHECK(matches(a, "reset-protection-off"));
    a.reset_protection = true;
    CHECK(matches(a, "reset-protection-off"));  // on, but nothing can confirm a reset
    a.reset_channels.push_back({"email", false});
    CHECK(matches(a, "reset-protection-off"));
    a.reset_channels.push_back({"phone", true});
    CHECK_FALSE(matches(a, "reset-protection-off"));
  }

  TEST_CASE("a group's required posture names each shortfall") {
    const std::vector<std::string> high_profile = {"phishing-resistant", "reset-protection", "backup-key"};
    AccountRecord a = with_methods({"security-key"});
    auto shortfalls = posture_shortfalls(posture_summarize(a), high_profile);
    CHECK(shortfalls == std::vector<std::string>{"password-reset protection is off or has no verified channel",
                                                 "no backup security key (needs two)"});
    a.methods.push_back(AccountMethod{"security-key", "backup", 0, std::nullopt});
    a.reset_protection = true;
    a.reset_channels.push_back({"email", true});
    CHECK(posture_shortfalls(posture_summarize(a), high_profile).empty());
    CHECK(posture_shortfalls(posture_summarize(with_methods({})), std::vector<std::string>{"2fa"}) ==
          std::vector<std::string>{"no second factor"});
  }

  TEST_CASE("the security reply is the text nlohmann writes for it, with every part an account can have") {
    AccountRecord a = with_methods({"sms", "security-key"});
    a.methods[0].label = "phone \"work\"";
    a.methods[0].last_used = 1'700'000'000'000;
    a.methods[1].label.clear();
    a.methods[1].added = 1'600'000'000'000;
    a.kind = "customer";
    a.two_factor_enforced = true;
    a.reset_protection = true;
    a.reset_channels = {{"email", true}, {"phone", false}};
    a.recovery_channels = {{"phone", false}};
    a.groups = {"high-profile", "unknown-group"};
    a.created = 1'500'000'000'000;
    ServerPolicy policy;
    policy.groups.push_back(GroupPolicy{"high-profile", "", {"phishing-resistant", "backup-key"}});
    const std::string text = account_security_json(a, policy, "g-1");
    const auto parsed = nlohmann::json::parse(text);
    CHECK(text == parsed.dump());  // members in name order, nlohmann's escapes and layout
    CHECK(parsed["grant"] == "g-1");
    CHECK(parsed["groups"][0] == nlohmann::json{{"compliant", false}, {"name", "high-profile"}, {"shortfalls", {"no backup security key (needs two)"}}});
    CHECK(parsed["groups"][1]["compliant"] == true);
    CHECK(parsed["twoFactor"]["methods"][0]["label"] == "phone \"work\"");
    CHECK(parsed["twoFactor"]["methods"][1]["lastUsedAt"].is_null());
    CHECK_FALSE(parsed["twoFactor"]["methods"][1].contains("label"));
    CHECK(parsed["resetProtection"] == nlohmann::json{{"channels", {{{"type", "email"}, {"verified", true}}, {{"type", "phone"}, {"verified", false}}}},
                                                      {"enabled", true}});
    // Newest first: the SMS factor's use, the key added, the account opened, the SMS factor added.
    REQUIRE(parsed["recentEvents"].size() == 4);
    CHECK(parsed["recentEvents"][0]["type"] == "method.used");
    CHECK(parsed["recentEvents"][0]["detail"] == "sms (phone \"work\")");
    CHECK(parsed["recentEvents"][2] == nlohmann::json{{"time", "2017-07-14T02:40:00Z"}, {"type", "account.created"}});
  }

  TEST_CASE("an account record survives its JSON form, and malformed JSON is refused") {
    AccountRecord a = with_methods({"sms", "security-key"});
    a.methods[0].last_used = 1234;
    a.reset_protection = true;
    a.reset_channels.push_back({"email", true});
    a.recovery_channels.push_back({"phone", false});
    a.groups = {"high-profile"};
    a.created = 99;
    auto back = account_record_from_json(account_record_json(a));
    REQUIRE(back.has_value());
    CHECK(account_record_json(*back) == account_record_json(a));
    CHECK_FALSE(account_record_from_json(nlohmann::json{{"id", 3}}).has_value());
  }

  TEST_CASE("seeded accounts list page by page, filtered in the store, and seeding happens once") {
    test::ScratchDir dir;
    auto store = sqlite_store_open(dir.file("acctsec.db"));
    REQUIRE(store.has_value());
    auto writer = AuditWriter::start(**store);
    REQUIRE(writer.has_value());
    constexpr std::size_t k_count = 5000;
    auto seeded = dev_seed_accounts(**store, **writer, k_count);
    REQUIRE(seeded.has_value());
    CHECK(*seeded == k_count);
    CHECK(*dev_seed_accounts(**store, **writer, k_count) == 0);  // not twice
    CHECK(*(*store)->account_count("customer") == k_count);
    CHECK((*store)->audit_head()->seq == 1);                     // one entry for the lot

    // The same records, made again, say what each filter should return.
    const auto expected = dev_seed_account_records(k_count, 0);
    for (const std::vector<std::string>& filters :
         {std::vector<std::string>{}, {"no-2fa"}, {"sms-only"}, {"no-phishing-resistant", "reset-protection-off"}, {"single-security-key"}}) {
      for (const std::string group : {"", "high-profile"}) {
        std::size_t want = 0;
        for (const auto& a : expected) {
          const auto summary = posture_summarize(a);
          bool all = group.empty() || std::find(a.groups.begin(), a.groups.end(), group) != a.groups.end();
          for (const auto& f : filters) all = all && *posture_matches(summary, f);
          want += all ? 1 : 0;
        }
        std::size_t got = 0;
        std::string after;
        std::set<std::string> seen;
        for (;;) {
          auto page = (*store)->account_page(after, filters, group, 333);
          REQUIRE(page.has_value());
          CHECK(page->size() <= 333);
          for (const auto& a : *page) {
            CHECK(seen.insert(a.id).second);
            const auto summary = posture_summarize(a);
            for (const auto& f : filters) CHECK(*posture_matches(summary, f));
          }
          got += page->size();
          if (page->size() < 333) break;
          after = page->back().id;
        }
        INFO("filters ", filters.size(), " group ", group);
        CHECK(got == want);
        if (filters.empty() && group.empty()) CHECK(got == k_count);
      }
    }
    // Every kind of posture occurs.
    for (const auto* filter : {"no-2fa", "sms-only", "single-security-key", "reset-protection-off"})
      CHECK_FALSE((*store)->account_page("", std::vector<std::string>{filter}, "", 1)->empty());
    CHECK((*store)->account_page("", std::vector<std::string>{"unknown"}, "", 1).error().category == ErrorCategory::usage);
    auto one = (*store)->account_get("c-000042");
    REQUIRE(one.has_value());
    CHECK(account_record_json(*one)["id"] == "c-000042");
    CHECK((*store)->account_get("c-999999").error().category == ErrorCategory::not_found);
  }
}
