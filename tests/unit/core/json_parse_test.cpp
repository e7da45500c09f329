#include "core/json_parse.hpp"

#include <doctest/doctest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <string>

using namespace acctsec;

namespace {

// What nlohmann's own parser makes of `text`, the reference the copies must agree with.
nlohmann::json reference(std::string_view text) { return nlohmann::json::parse(text, nullptr, false); }

void check_same(std::string_view text) {
  CAPTURE(std::string(text));
  const auto fast = json_parse_value(text);
  const auto slow = reference(text);
  REQUIRE(fast.has_value());
  REQUIRE_FALSE(slow.is_discarded());
  const auto copied = json_to_nlohmann(*fast);
  CHECK(copied == slow);
  CHECK(copied.dump() == slow.dump());
  CHECK(json_to_boost(slow) == *fast);
}

}  // namespace

TEST_SUITE("core::json_parse") {
  TEST_CASE("parses into the document nlohmann builds, number types included, and copies both ways") {
    for (const char* text : {
             R"({"id":"assert-0","response":{"type":"public-key","clientExtensionResults":{}},"n":[1,2,3]})",
             R"({"counter":0,"max":18446744073709551615,"min":-9223372036854775808,"neg":-1})",
             R"([true,false,null,"", "\u00e9\ud83d\ude00", "a\"b\\c\n"])",
             R"({"z":1,"a":2,"m":{"y":[],"b":{}}})",
             "  {\"padded\": true}\n",
             R"("just a string")",
             "42",
             "\xEF\xBB\xBF{\"bom\":1}",
         }) {
      check_same(text);
    }
    const auto counters = json_to_nlohmann(*json_parse_value(R"({"counter":7,"delta":-7})"));
    CHECK(counters["counter"].is_number_unsigned());
    CHECK(counters["delta"].is_number_integer());
    CHECK_FALSE(counters["delta"].is_number_unsigned());
  }

  TEST_CASE("integers are typed as Boost.JSON's parser types them, whichever side they come from") {
    const auto parsed = *json_parse_value(R"({"small":7,"big":18446744073709551615})");
    CHECK(parsed.at("small").is_int64());
    CHECK(parsed.at("big").is_uint64());
    const auto copied = json_to_boost(nlohmann::json{{"small", 7u}, {"big", 18446744073709551615ull}});
    CHECK(copied.at("small").is_int64());
    CHECK(copied.at("big").is_uint64());
  }

  TEST_CASE("a later duplicate key wins, as in nlohmann") {
    check_same(R"({"id":"first","id":"second"})");
    CHECK(json_parse_value(R"({"id":"first","id":"second"})")->at("id") == "second");
  }

  TEST_CASE("values are allocated from the storage given") {
    boost::json::monotonic_resource arena;
    const auto parsed = json_parse_value(R"({"a":["x","y"]})", boost::json::storage_ptr(&arena));
    REQUIRE(parsed.has_value());
    CHECK(parsed->storage().get() == &arena);
    CHECK(parsed->at("a").storage().get() == &arena);
    const auto copied = json_to_boost(nlohmann::json{{"a", {"x", "y"}}}, boost::json::storage_ptr(&arena));
    CHECK(copied.at("a").storage().get() == &arena);
    CHECK(boost::json::serialize(copied) == R"({"a":["x","y"]})");
  }

  TEST_CASE("text that is not one JSON document, or nests deeper than 256, is refused") {
    std::string deep(300, '[');
    deep += std::string(300, ']');
    for (const std::string& text : {std::string(""), std::string("{"), std::string(R"({"a":1} {"b":2})"),
                                    std::string(R"({"a":01})"), std::string("{'a':1}"), std::string("[1,]"),
                                    std::string("{\"bad utf-8\":\"\xC3\x28\"}"), std::string("nul"), deep}) {
      CAPTURE(text);
      CHECK_FALSE(json_parse_value(text).has_value());
    }
    std::string nested(200, '[');
    nested += std::string(200, ']');
    check_same(nested);
  }
}
