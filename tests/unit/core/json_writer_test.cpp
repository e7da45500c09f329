#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "core/json_writer.hpp"

using namespace acctsec;

namespace {

// What nlohmann writes for the same value: the writer promises its text.
std::string nlohmann_text(const nlohmann::json& value) { return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict); }

}  // namespace

TEST_SUITE("core::json_writer") {
  TEST_CASE("strings are escaped exactly as nlohmann escapes them, for every ASCII byte and for UTF-8") {
    std::string every_ascii;
    for (int c = 1; c < 0x80; ++c) every_ascii.push_back(static_cast<char>(c));
    for (const std::string& text : {std::string(), every_ascii, std::string("quote \" back\\slash / slash"), std::string("\x1f\x7f"),
                                   std::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \xED\x9F\xBF \xEF\xBF\xBF"),
                                   std::string("nul\0byte", 8)}) {
      std::string out;
      CHECK(json_append_string(out, text));
      CHECK(out == nlohmann_text(text));
    }
  }

  TEST_CASE("bytes that are not well-formed UTF-8 become U+FFFD and are reported") {
    const std::string replacement = "\xEF\xBF\xBD";
    for (const std::string& bad : {std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"),
                                  std::string("\x80"), std::string("\xE2\x82"), std::string("\xFF")}) {
      std::string out;
      CHECK_FALSE(json_append_string(out, "a" + bad + "b"));
      CHECK(out.starts_with("\"a" + replacement));
      CHECK(out.ends_with(replacement + "b\""));
      CHECK(nlohmann::json::parse(out).get<std::string>().find('\x80') == std::string::npos);
    }
    JsonWriter writer;
    writer.begin_object().member("ok", "fine");
    CHECK_FALSE(writer.replaced());
    writer.member("bad", "\xFF").end_object();
    CHECK(writer.replaced());
  }

  TEST_CASE("a document written in name order is the text nlohmann dumps for it") {
    JsonWriter out;
    out.begin_object().member("a", std::int64_t{-42}).member("b", std::uint64_t{18446744073709551615u});
    out.key("c").begin_array().value(true).value(false).null().begin_object().end_object().begin_array().end_array().end_array();
    out.key("d").raw(R"({"x":[1,2]})").member("e", "text").key("f").array_of({"one", "two"});
    out.key("g").begin_object().member("h", 0).end_object().end_object();
    const std::string text = out.take();
    CHECK(text == R"({"a":-42,"b":18446744073709551615,"c":[true,false,null,{},[]],"d":{"x":[1,2]},"e":"text","f":["one","two"],"g":{"h":0}})");
    CHECK(text == nlohmann_text(nlohmann::json::parse(text)));
  }
}
