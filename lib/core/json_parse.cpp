// The one translation unit that compiles Boost.JSON (header-only use: src.hpp here, json.hpp
// anywhere else).
#include "core/json_parse.hpp"

#include <boost/json/src.hpp>

#include <optional>
#include <string>

namespace acctsec {
namespace {

namespace bj = boost::json;

// Copies a Boost.JSON value into nlohmann::json; nullopt for what nlohmann might read differently.
std::optional<nlohmann::json> convert(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& member : value.get_object()) {
        auto converted = convert(member.value());
        if (!converted) return std::nullopt;
        out[std::string(member.key())] = std::move(*converted);
      }
      return out;
    }
    case bj::kind::array: {
      nlohmann::json out = nlohmann::json::array();
      const auto& array = value.get_array();
      out.get_ref<nlohmann::json::array_t&>().reserve(array.size());
      for (const auto& element : array) {
        auto converted = convert(element);
        if (!converted) return std::nullopt;
        out.push_back(std::move(*converted));
      }
      return out;
    }
    case bj::kind::string:
      return nlohmann::json(std::string(value.get_string()));
    case bj::kind::int64: {
      const std::int64_t number = value.get_int64();
      if (number >= 0) return nlohmann::json(static_cast<std::uint64_t>(number));
      return nlohmann::json(number);
    }
    case bj::kind::uint64:
      return nlohmann::json(value.get_uint64());
    case bj::kind::double_:
      // Boost 1.81 rounds some decimals differently from nlohmann (strtod); let nlohmann read them.
      return std::nullopt;
    case bj::kind::bool_:
      return nlohmann::json(value.get_bool());
    case bj::kind::null:
      return nlohmann::json(nullptr);
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json json_parse(std::string_view text) {
  bj::parse_options options;
  options.max_depth = 64;  // convert() recurses; deeper documents go to nlohmann's iterative parser
  // One parser and its buffers per thread: the batch verifier parses on every core at once.
  thread_local bj::parser parser(bj::storage_ptr(), options);
  parser.reset();
  bj::error_code error;
  parser.write(text.data(), text.size(), error);
  if (!error) {  // write() parses a complete document or fails
    if (auto converted = convert(parser.release())) return std::move(*converted);
  }
  return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace acctsec
