// Problem documents read into messages, requiredGrant, and the category of each status.
#include "client/problem.hpp"

#include <doctest/doctest.h>

#include "client/client_error.hpp"

using namespace acctsec;
using namespace acctsec::client;

TEST_SUITE("client::problem") {
  TEST_CASE("a problem document is read, and its message lists errors and reasons") {
    const auto problem =
        problem_parse({{"type", "about:blank"},
                       {"title", "Bad Request"},
                       {"status", 400},
                       {"detail", "Bad Request"},
                       {"errors", {{{"pointer", "/a"}, {"detail", "is missing"}}, {{"detail", "no pointer"}}}},
                       {"reasons", {"one", 2, "three"}}},
                      400);
    REQUIRE(problem.has_value());
    CHECK(problem_message(*problem) == "Bad Request; /a: is missing; no pointer; one; three");
    CHECK_FALSE(problem_parse(nlohmann::json::array(), 400).has_value());
    CHECK_FALSE(problem_parse({{"message", "not a problem"}}, 500).has_value());
    const auto bare = problem_parse({{"detail", "only a detail"}}, 502);
    REQUIRE(bare.has_value());
    CHECK(bare->type == "about:blank");
    CHECK(bare->status == 502);
    CHECK(problem_message(*bare) == "only a detail");
  }

  TEST_CASE("requiredGrant is read only from a grant-required problem") {
    const nlohmann::json grant = {{"resource", "account:c1"}, {"scope", "posture:read"}};
    auto required = problem_parse({{"type", k_problem_grant_required}, {"title", "t"}, {"requiredGrant", grant}}, 403);
    REQUIRE(required.has_value());
    REQUIRE(problem_required_grant(*required).has_value());
    CHECK(problem_required_grant(*required)->resource == "account:c1");
    CHECK(problem_required_grant(*required)->scope == "posture:read");
    auto other = problem_parse({{"type", "about:blank"}, {"title", "t"}, {"requiredGrant", grant}}, 403);
    CHECK_FALSE(problem_required_grant(*other).has_value());
    auto malformed = problem_parse({{"type", k_problem_grant_required}, {"title", "t"}, {"requiredGrant", "x"}}, 403);
    CHECK_FALSE(problem_required_grant(*malformed).has_value());
  }

  TEST_CASE("statuses map to the exit table's categories") {
    CHECK(status_category(401) == ErrorCategory::auth);
    CHECK(status_category(403) == ErrorCategory::auth);
    CHECK(status_category(404) == ErrorCategory::not_found);
    CHECK(status_category(400) == ErrorCategory::usage);
    CHECK(status_category(413) == ErrorCategory::usage);
    CHECK(status_category(405) == ErrorCategory::usage);
    CHECK(status_category(409) == ErrorCategory::rejected);
    CHECK(status_category(422) == ErrorCategory::rejected);
    CHECK(status_category(408) == ErrorCategory::timeout);
    CHECK(status_category(429) == ErrorCategory::network);
    CHECK(status_category(500) == ErrorCategory::network);
    CHECK(status_category(503) == ErrorCategory::network);
    CHECK(status_category(302) == ErrorCategory::network);
  }
}
