// Streamed pagination against a scripted server that serves a list in pages by cursor.
#include "client/paginate.hpp"

#include <doctest/doctest.h>

#include "unit/client/scripted_server.hpp"

using namespace acctsec;
using namespace acctsec::client;
using acctsec::test::json_reply;
using acctsec::test::ScriptedServer;

namespace {

// The value of one query parameter (the client encodes; these tests use plain values).
std::string query_value(const std::string& query, const std::string& name) {
  const std::string key = name + "=";
  std::size_t start = 0;
  while (start < query.size()) {
    const auto end = std::min(query.find('&', start), query.size());
    const std::string_view part(query.data() + start, end - start);
    if (part.starts_with(key)) return std::string(part.substr(key.size()));
    start = end + 1;
  }
  return {};
}

// Serves accounts 0..count-1, `limit` per page; the cursor is the index to start at, as text.
test::Route account_pages(int count) {
  return [count](const server::HttpRequest& request) {
    const std::string cursor = query_value(request.query, "cursor");
    const int limit = std::stoi(query_value(request.query, "limit"));
    const int start = cursor.empty() ? 0 : std::stoi(cursor.substr(1));
    nlohmann::json page = {{"schema", "acctsec.account-page/1"}, {"items", nlohmann::json::array()}};
    for (int i = start; i < std::min(start + limit, count); ++i)
      page["items"].push_back({{"id", "cust-" + std::to_string(i)}});
    if (start + limit < count) page["next"] = "c" + std::to_string(start + limit);
    return json_reply(200, page);
  };
}

Client open_client(const ScriptedServer& s) {
  auto opened = Client::open(s.client_options());
  REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
  return std::move(*opened);
}

}  // namespace

TEST_SUITE("client::paginate") {
  TEST_CASE("visits every item of every page in order, following next until a page has none") {
    ScriptedServer s;
    s.route(account_pages(10));
    Client client = open_client(s);
    std::vector<std::string> seen;
    auto walked = paginate(client, "/v1/accounts", {{"filter", "no-2fa"}, {"limit", "3"}}, [&](nlohmann::json&& item) {
      seen.push_back(item["id"].get<std::string>());
      return Step::next;
    });
    REQUIRE_MESSAGE(walked.has_value(), walked.error().message);
    CHECK(walked->items == 10);
    CHECK(walked->pages == 4);
    CHECK(walked->end == WalkEnd::last_page);
    REQUIRE(seen.size() == 10);
    for (int i = 0; i < 10; ++i) CHECK(seen[static_cast<std::size_t>(i)] == "cust-" + std::to_string(i));
    const auto requests = s.requests();
    REQUIRE(requests.size() == 4);
    CHECK(requests[0].query == "filter=no-2fa&limit=3");
    CHECK(requests[1].query == "filter=no-2fa&limit=3&cursor=c3");
    CHECK(requests[3].query == "filter=no-2fa&limit=3&cursor=c9");
  }

  TEST_CASE("stops when the visitor says so, without fetching further pages") {
    ScriptedServer s;
    s.route(account_pages(10));
    Client client = open_client(s);
    std::vector<std::string> seen;
    auto walked = paginate(client, "/v1/accounts", {{"limit", "3"}}, [&](nlohmann::json&& item) {
      seen.push_back(item["id"].get<std::string>());
      return seen.size() == 5 ? Step::stop : Step::next;
    });
    REQUIRE(walked.has_value());
    CHECK(walked->end == WalkEnd::stopped);
    CHECK(walked->items == 5);
    CHECK(walked->pages == 2);
    CHECK(seen.back() == "cust-4");
    CHECK(s.requests().size() == 2);
  }

  TEST_CASE("a cursor in the query is where the walk starts") {
    ScriptedServer s;
    s.route(account_pages(5));
    Client client = open_client(s);
    std::vector<std::string> seen;
    auto walked = paginate(client, "/v1/accounts", {{"cursor", "c3"}, {"limit", "3"}}, [&](nlohmann::json&& item) {
      seen.push_back(item["id"].get<std::string>());
      return Step::next;
    });
    REQUIRE(walked.has_value());
    CHECK(seen == std::vector<std::string>{"cust-3", "cust-4"});
  }

  TEST_CASE("a page without items, or a next that repeats the cursor, is a network error") {
    ScriptedServer s;
    s.then(json_reply(200, {{"schema", "x"}, {"next", "c1"}}));
    s.then(json_reply(200, {{"items", {1}}, {"next", "same"}}))
        .then(json_reply(200, {{"items", {2}}, {"next", "same"}}));
    Client client = open_client(s);
    const auto visit = [](nlohmann::json&&) { return Step::next; };
    auto no_items = paginate(client, "/v1/accounts", {}, visit);
    REQUIRE_FALSE(no_items.has_value());
    CHECK(no_items.error().category == ErrorCategory::network);
    CHECK(no_items.error().message.find("items") != std::string::npos);
    auto looping = paginate(client, "/v1/accounts", {}, visit);
    REQUIRE_FALSE(looping.has_value());
    CHECK(looping.error().category == ErrorCategory::network);
    CHECK(looping.error().message.find("same `next` cursor twice") != std::string::npos);
  }

  TEST_CASE("an empty page that hands back its cursor ends a list that can be polled, next says where to resume") {
    ScriptedServer s;
    s.then(json_reply(200, {{"items", {1, 2}}, {"next", "c2"}}));
    s.then(json_reply(200, {{"items", nlohmann::json::array()}, {"next", "c2"}}));
    Client client = open_client(s);
    auto walked = paginate(client, "/v1/audit", {}, [](nlohmann::json&&) { return Step::next; });
    REQUIRE_MESSAGE(walked.has_value(), walked.error().message);
    CHECK(walked->items == 2);
    CHECK(walked->pages == 2);
    CHECK(walked->end == WalkEnd::last_page);
    CHECK(walked->next == "c2");
  }

  TEST_CASE("an error on a later page ends the walk with that error") {
    ScriptedServer s;
    s.then(json_reply(200, {{"items", {1, 2}}, {"next", "c2"}}));
    s.then(test::problem_reply(403, "Forbidden", "Your token lost its scope."));
    Client client = open_client(s);
    std::size_t visited = 0;
    auto walked = paginate(client, "/v1/accounts", {}, [&](nlohmann::json&&) {
      ++visited;
      return Step::next;
    });
    REQUIRE_FALSE(walked.has_value());
    CHECK(walked.error().category == ErrorCategory::auth);
    CHECK(visited == 2);
  }
}
