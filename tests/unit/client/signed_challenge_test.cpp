// The client's check before its key signs an access challenge, against an honest server's
// challenge (made by the server's own code) and against a server that lies in each way it could.
#include "client/signed_challenge.hpp"

#include <doctest/doctest.h>

#include "core/bytes.hpp"
#include "server/access_request.hpp"

using namespace acctsec;

namespace {

const server::Justification k_asked{.resource = "account:cust-1", .scope = "security:read", .code = "CUSTOMER_SUPPORT",
                                    .ticket = "SUP-1234", .reason = "customer asked why their login fails", .duration = "1h"};

nlohmann::json challenge_for(const std::string& digest_input) {
  return {{"nonce", "n-1"},
          {"digestInput", digest_input},
          {"origin", "https://acctsec.test"},
          {"publicKey", {{"rpId", "acctsec.test"}, {"challenge", base64url_encode(server::access_challenge(digest_input))}}}};
}

nlohmann::json expected_request() {
  return {{"purpose", "request"}, {"resource", k_asked.resource}, {"scope", k_asked.scope}, {"code", k_asked.code},
          {"ticket", k_asked.ticket}, {"reason", k_asked.reason}, {"duration", k_asked.duration}, {"nonce", "n-1"}};
}

std::string refusal(const nlohmann::json& challenge) {
  auto checked = client::signed_challenge_check(challenge, expected_request(), {"requester", "reviewer"});
  REQUIRE_FALSE(checked);
  CHECK(checked.error().category == ErrorCategory::network);
  CHECK(checked.error().message.find("nothing was signed") != std::string::npos);
  return checked.error().message;
}

}  // namespace

TEST_SUITE("client::signed_challenge") {
  TEST_CASE("an honest server's request and review challenges pass") {
    CHECK(client::signed_challenge_check(challenge_for(server::justification_digest_input("alice", k_asked, "n-1")), expected_request(),
                                         {"requester", "reviewer"}));
    const nlohmann::json review = {{"purpose", "review"}, {"requestId", "ar-1"}, {"decision", "approve"}, {"reason", "ok"}, {"nonce", "n-1"}};
    CHECK(client::signed_challenge_check(challenge_for(server::review_digest_input("bob", "ar-1", "approve", "ok", "n-1")), review,
                                         {"requester", "reviewer"}));
  }

  TEST_CASE("a challenge that is not the digest of the input shown is refused") {
    // The server shows the justification asked for but has the key sign a different one.
    server::Justification other = k_asked;
    other.resource = "accounts";
    nlohmann::json lying = challenge_for(server::justification_digest_input("alice", other, "n-1"));
    lying["digestInput"] = server::justification_digest_input("alice", k_asked, "n-1");
    CHECK(refusal(lying).find("not the digest") != std::string::npos);
  }

  TEST_CASE("an input that changes a field the user asked for is refused, naming the field") {
    server::Justification longer = k_asked;
    longer.duration = "720h";
    const std::string message = refusal(challenge_for(server::justification_digest_input("alice", longer, "n-1")));
    CHECK(message.find("duration") != std::string::npos);
    CHECK(message.find("720h") != std::string::npos);
    CHECK(refusal(challenge_for(server::justification_digest_input("alice", k_asked, "another-nonce"))).find("nonce") != std::string::npos);
  }

  TEST_CASE("an input with a field nobody asked for is refused") {
    nlohmann::json document = nlohmann::json::parse(server::justification_digest_input("alice", k_asked, "n-1"));
    document["alsoResource"] = "accounts";
    CHECK(refusal(challenge_for(document.dump())).find("alsoResource") != std::string::npos);
  }

  TEST_CASE("missing or malformed challenges are refused") {
    const std::string input = server::justification_digest_input("alice", k_asked, "n-1");
    nlohmann::json no_challenge = challenge_for(input);
    no_challenge["publicKey"].erase("challenge");
    refusal(no_challenge);
    nlohmann::json not_json = challenge_for("not json");
    refusal(not_json);
    refusal(nlohmann::json::array());
    refusal(challenge_for(""));
  }
}
