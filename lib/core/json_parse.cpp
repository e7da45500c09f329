// The one translation unit that compiles Boost.JSON (header-only use: src.hpp here, json.hpp
// anywhere else).
#include "core/json_parse.hpp"

#include <boost/json/src.hpp>

#include <limits>
#include <string>

namespace acctsec {

namespace bj = boost::json;

std::optional<bj::value> json_parse_value(std::string_view text, bj::storage_ptr storage) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  bj::parse_options options;
  options.max_depth = 256;  // the copies below recurse
  // One parser and its scratch buffers per thread: the batch verifier parses on every core at once.
  thread_local bj::parser parser(bj::storage_ptr(), options);
  parser.reset(std::move(storage));
  bj::error_code error;
  parser.write(text.data(), text.size(), error);  // parses a complete document or fails
  if (error) return std::nullopt;
  return parser.release();
}

nlohmann::json json_to_nlohmann(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& member : value.get_object()) out[std::string(member.key())] = json_to_nlohmann(member.value());
      return out;
    }
    case bj::kind::array: {
      nlohmann::json out = nlohmann::json::array();
      const auto& array = value.get_array();
      out.get_ref<nlohmann::json::array_t&>().reserve(array.size());
      for (const auto& element : array) out.push_back(json_to_nlohmann(element));
      return out;
    }
    case bj::kind::string:
      return std::string(value.get_string());
    case bj::kind::int64: {
      const std::int64_t number = value.get_int64();
      if (number >= 0) return static_cast<std::uint64_t>(number);
      return number;
    }
    case bj::kind::uint64:
      return value.get_uint64();
    case bj::kind::double_:
      return value.get_double();
    case bj::kind::bool_:
      return value.get_bool();
    case bj::kind::null:
      break;
  }
  return nullptr;
}

bj::value json_to_boost(const nlohmann::json& value, bj::storage_ptr storage) {
  using type = nlohmann::json::value_t;
  switch (value.type()) {
    case type::object: {
      bj::object out(storage);
      out.reserve(value.size());
      for (const auto& [key, member] : value.items()) out.emplace(key, json_to_boost(member, storage));
      return out;
    }
    case type::array: {
      bj::array out(storage);
      out.reserve(value.size());
      for (const auto& element : value) out.push_back(json_to_boost(element, storage));
      return out;
    }
    case type::string:
      return bj::string(value.get_ref<const std::string&>(), storage);
    case type::number_integer:
      return bj::value(value.get<std::int64_t>(), storage);
    case type::number_unsigned: {
      // Boost.JSON's parser keeps every integer that fits in int64 as int64; so does this copy.
      const auto number = value.get<std::uint64_t>();
      if (number <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return bj::value(static_cast<std::int64_t>(number), storage);
      return bj::value(number, storage);
    }
    case type::number_float:
      return bj::value(value.get<double>(), storage);
    case type::boolean:
      return bj::value(value.get<bool>(), storage);
    case type::binary:  // not produced by parsing JSON text; has no JSON form
    case type::discarded:
    case type::null:
      break;
  }
  return bj::value(nullptr, storage);
}

}  // namespace acctsec
