// access request | list | show | approve | deny | revoke | wait: the real binary against
// `acctsec serve --dev`, each staff member logged in with a virtual key of their own.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/dev_org.hpp"

using namespace acctsec::test;
using nlohmann::json;

namespace {

// The helpdesk and an approver, each logged in with a key of their own.
struct Org : DevOrg {
  Org() : DevOrg({"helpdesk", "approver"}) {}

  // The newest request the approver may review, once one shows up (another thread is making it).
  std::string first_pending() const {
    for (int i = 0; i < 200; ++i) {
      auto listed = run("approver", {"--json", "access", "list", "--pending"});
      if (listed.status == 0 && !listed.out.empty()) return json::parse(listed.out.substr(0, listed.out.find('\n')))["id"];
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }
};


}  // namespace

TEST_SUITE("e2e::access_cli") {
  TEST_CASE("a signed request, listed for the approver, refused as self-approval, approved with a key, then revoked") {
    Org org;
    auto requested = org.run("helpdesk", access_request_args("c-000003"));
    REQUIRE_MESSAGE(requested.status == 0, requested.err);
    const json request = json::parse(requested.out);
    const std::string id = request["id"];
    CHECK(request["schema"] == "acctsec.access-request/1");
    CHECK(request["state"] == "pending");
    CHECK(request["requester"] == "helpdesk@example.com");
    CHECK(request["justification"] == json{{"resource", "account:c-000003"}, {"scope", "security:read"}, {"code", "CUSTOMER_SUPPORT"},
                                           {"ticket", "SUP-4242"}, {"reason", "customer cannot log in after a phone change"},
                                           {"duration", "1h"}});

    auto pending = org.run("approver", {"--json", "access", "list", "--pending"});
    REQUIRE_MESSAGE(pending.status == 0, pending.err);
    CHECK(json::parse(pending.out.substr(0, pending.out.find('\n')))["id"] == id);
    auto mine = org.run("helpdesk", {"access", "list", "--mine"});
    CHECK(mine.out.find(id + "\tpending\thelpdesk@example.com\taccount:c-000003\tsecurity:read\tCUSTOMER_SUPPORT\tSUP-4242\t") == 0);

    auto self = org.run("helpdesk", {"access", "approve", id, "--reason", "looks fine to me"});
    CHECK(self.status == 3);
    CHECK(self.err.find("acctsec: error: ") == 0);

    auto approved = org.run("approver", {"access", "approve", id, "--reason", "checked SUP-4242"});
    REQUIRE_MESSAGE(approved.status == 0, approved.err);
    CHECK(approved.out.find("State: active") != std::string::npos);
    CHECK(approved.out.find("Review: approve by approver@example.com at ") != std::string::npos);
    auto waited = org.run("helpdesk", {"access", "wait", id});
    CHECK(waited.status == 0);

    auto shown = org.run("helpdesk", {"--json", "access", "show", id});
    REQUIRE(shown.status == 0);
    const json active = json::parse(shown.out);
    CHECK(active["state"] == "active");
    CHECK(active["grant"]["id"].get<std::string>().starts_with("gr-"));

    auto revoked = org.run("helpdesk", {"access", "revoke", id, "--reason", "the customer is back in"});
    REQUIRE_MESSAGE(revoked.status == 0, revoked.err);
    CHECK(revoked.out.find("Revoked: helpdesk@example.com: the customer is back in") != std::string::npos);
    CHECK(org.run("helpdesk", {"access", "wait", id}).status == 1);
  }

  TEST_CASE("request --wait: exit 1 when denied, 7 when --timeout passes first, policy refusals and unknown ids") {
    Org org;
    auto waiting = std::async(std::launch::async, [&] { return org.run("helpdesk", access_request_args("c-000004", {"--wait"})); });
    const std::string id = org.first_pending();
    REQUIRE_FALSE(id.empty());
    auto denied = org.run("approver", {"access", "deny", id, "--reason", "no ticket for this account"});
    REQUIRE_MESSAGE(denied.status == 0, denied.err);
    const auto waited = waiting.get();
    CHECK(waited.status == 1);
    CHECK(json::parse(waited.out)["state"] == "denied");

    auto timed_out = org.run("helpdesk", access_request_args("c-000005", {"--wait", "--timeout", "2s"}));
    CHECK(timed_out.status == 7);
    CHECK(timed_out.err.find("is still pending; wait again with acctsec access wait ") != std::string::npos);

    // The policy's rules come back from the server, each named; nothing is signed or created.
    auto bad = org.run("helpdesk", {"access", "request", "--resource", "account:c-000006", "--scope", "security:read", "--code", "CUSTOMER_SUPPORT",
                                    "--ticket", "nope", "--reason", "short", "--duration", "1h"});
    CHECK(bad.status == 1);
    CHECK(bad.err.find("ticket") != std::string::npos);
    auto bad_duration = org.run("helpdesk", {"access", "request", "--resource", "account:c-000006", "--scope", "security:read", "--code",
                                             "CUSTOMER_SUPPORT", "--ticket", "SUP-1", "--reason", "a reason long enough", "--duration", "soon"});
    CHECK(bad_duration.status == 2);
    CHECK(org.run("helpdesk", {"access", "show", "ar-nothing"}).status == 4);
  }
  TEST_CASE("account status: without a grant it says which command asks for one, --justify --wait asks, waits and reads") {
    Org org;
    auto refused = org.run("helpdesk", {"account", "status", "c-000007"});
    CHECK(refused.status == 3);
    CHECK(refused.err.find("acctsec access request --resource account:c-000007 --scope security:read") != std::string::npos);
    CHECK(refused.err.find("acctsec account status c-000007 --justify") != std::string::npos);

    auto justified = std::async(std::launch::async, [&] {
      return org.run("helpdesk", {"--json", "account", "status", "c-000007", "--justify", "--code", "CUSTOMER_SUPPORT", "--ticket", "SUP-7777",
                                  "--reason", "customer locked out of their account", "--wait"});
    });
    const std::string id = org.first_pending();
    REQUIRE_FALSE(id.empty());
    REQUIRE(org.run("approver", {"access", "approve", id, "--reason", "ticket SUP-7777 checked"}).status == 0);
    const auto read = justified.get();
    REQUIRE_MESSAGE(read.status == 0, read.err);
    const json status = json::parse(read.out);
    CHECK(status["schema"] == "acctsec.account-security/1");
    CHECK(status["account"] == "c-000007");
    CHECK(status["grant"].get<std::string>().starts_with("gr-"));
    CHECK(status["twoFactor"].contains("methods"));
    // Under the grant, the plain read works, and says what it read under.
    auto again = org.run("helpdesk", {"account", "status", "c-000007"});
    REQUIRE(again.status == 0);
    CHECK(again.out.find("Account: c-000007 (customer)") == 0);
    CHECK(again.out.find("Read under: " + status["grant"].get<std::string>()) != std::string::npos);
  }

  TEST_CASE("account audit --group streams each member with its shortfalls and exits 1 when any falls short") {
    Org org;
    auto none = org.run("helpdesk", {"account", "audit", "--group", "high-profile"});
    CHECK(none.status == 3);
    auto requested = org.run("helpdesk", {"--json", "access", "request", "--resource", "group:high-profile", "--scope", "posture:list", "--code",
                                          "INCIDENT", "--ticket", "INC-4242", "--reason", "review of high-profile accounts", "--duration", "1h"});
    REQUIRE_MESSAGE(requested.status == 0, requested.err);
    const std::string id = json::parse(requested.out)["id"];
    REQUIRE(org.run("approver", {"access", "approve", id, "--reason", "incident INC-4242"}).status == 0);
    auto audit = org.run("helpdesk", {"--json", "account", "audit", "--group", "high-profile", "--require", "2fa"});
    std::size_t lines = 0, short_of = 0;
    for (std::size_t at = 0; at < audit.out.size();) {
      const auto end = audit.out.find('\n', at);
      const json a = json::parse(audit.out.substr(at, end - at));
      CHECK(a["schema"] == "acctsec.account-audit/1");
      CHECK(a["groups"].dump().find("high-profile") != std::string::npos);
      ++lines;
      if (!a["shortfalls"].empty()) ++short_of;
      if (!a["twoFactorEnabled"].get<bool>()) CHECK(a["shortfalls"].dump().find("no 2FA") != std::string::npos);
      at = end + 1;
    }
    CHECK(lines > 0);
    CHECK(audit.status == (short_of > 0 ? 1 : 0));
    // Piped, one tab-separated line per account, and the count on stderr.
    auto plain = org.run("helpdesk", {"account", "audit", "--group", "high-profile", "--require", "2fa"});
    CHECK(plain.status == audit.status);
    CHECK(static_cast<std::size_t>(std::count(plain.out.begin(), plain.out.end(), '\n')) == lines);
    CHECK(plain.err.find(std::to_string(lines) + " accounts checked, " + std::to_string(short_of) + " falling short") != std::string::npos);
    CHECK(org.run("helpdesk", {"account", "audit"}).status == 2);
  }
}
