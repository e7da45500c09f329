#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace acctsec {

// Writes JSON text straight into a string, for documents on hot paths (an audited read's reply,
// an audit entry's canonical form) where building an nlohmann::json tree first cost more than
// the rest of the work. The text is what nlohmann::json::dump() gives for the same document
// (compact, strings with only the escapes JSON requires), provided members are written in name
// order, as nlohmann keeps them. Bytes that are not well-formed UTF-8 become U+FFFD, and
// replaced() says so (a canonical encoding refuses such text rather than change it).
class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // The name of the next member of the open object.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& null();
  // A value that is JSON text already (an nlohmann dump, say), written as it is.
  JsonWriter& raw(std::string_view json);

  // A member: key(name) then value(v).
  template <typename T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }
  JsonWriter& array_of(const std::vector<std::string>& items);

  bool replaced() const { return m_replaced; }
  std::string take() { return std::move(m_out); }

 private:
  void before_value();
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  JsonWriter& number_text(std::string_view digits);

  std::string m_out;
  // Per open object or array: whether it has an element yet.
  std::vector<bool> m_has_element;
  bool m_after_key = false;
  bool m_replaced = false;
};

// `text` as a JSON string, quotes included, appended to `out`; false when bytes that are not
// well-formed UTF-8 were replaced by U+FFFD.
bool json_append_string(std::string& out, std::string_view text);

}  // namespace acctsec
