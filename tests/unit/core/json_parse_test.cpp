#include "core/json_parse.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace acctsec;

namespace {

// What nlohmann's own parser makes of `text`, the reference json_parse must reproduce.
nlohmann::json reference(std::string_view text) { return nlohmann::json::parse(text, nullptr, false); }

void check_same(std::string_view text) {
  CAPTURE(std::string(text));
  const auto fast = json_parse(text);
  const auto slow = reference(text);
  CHECK(fast.is_discarded() == slow.is_discarded());
  if (!slow.is_discarded()) {
    CHECK(fast == slow);
    CHECK(fast.dump() == slow.dump());
  }
}

}  // namespace

TEST_SUITE("core::json_parse") {
  TEST_CASE("builds the document nlohmann builds, number types and key order included") {
    for (const char* text : {
             R"({"id":"assert-0","response":{"type":"public-key","clientExtensionResults":{}},"n":[1,2,3]})",
             R"({"counter":0,"max":18446744073709551615,"min":-9223372036854775808,"neg":-1})",
             R"([true,false,null,"", "\u00e9\ud83d\ude00", "a\"b\\c\n"])",
             R"({"z":1,"a":2,"m":{"y":[],"b":{}}})",
             "  {\"padded\": true}\n",
             R"("just a string")",
             "42",
         }) {
      check_same(text);
    }
    const auto counters = json_parse(R"({"counter":7,"delta":-7})");
    CHECK(counters["counter"].is_number_unsigned());
    CHECK(counters["delta"].is_number_integer());
    CHECK_FALSE(counters["delta"].is_number_unsigned());
  }

  TEST_CASE("a later duplicate key wins, as in nlohmann") {
    check_same(R"({"id":"first","id":"second"})");
    CHECK(json_parse(R"({"id":"first","id":"second"})")["id"] == "second");
  }

  TEST_CASE("what the fast path cannot reproduce exactly still comes out as nlohmann reads it") {
    std::string deep(100, '[');
    deep += std::string(100, ']');
    for (const std::string& text : {std::string(R"({"at":1.5,"tiny":1e-320,"big":1e400})"),
                                    std::string("123456789012345678901234567890"), deep,
                                    std::string("\xEF\xBB\xBF{\"bom\":1}")}) {
      check_same(text);
    }
  }

  TEST_CASE("text that is not one JSON document is a discarded value") {
    for (const std::string& text : {std::string(""), std::string("{"), std::string(R"({"a":1} {"b":2})"),
                                    std::string(R"({"a":01})"), std::string("{'a':1}"), std::string("[1,]"),
                                    std::string("{\"bad utf-8\":\"\xC3\x28\"}"), std::string("nul")}) {
      CAPTURE(text);
      CHECK(json_parse(text).is_discarded());
      CHECK(reference(text).is_discarded());
    }
  }
}
