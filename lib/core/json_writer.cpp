#include "core/json_writer.hpp"

#include <fmt/format.h>

namespace acctsec {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

}  // namespace

bool json_append_string(std::string& out, std::string_view text) {
  bool well_formed = true;
  out.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  std::size_t i = 0;
  const auto flush = [&] { out.append(text.data() + plain, i - plain); };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t length = utf8_sequence(text.substr(i)); length > 0) {
        i += length;
        continue;
      }
      flush();
      out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that starts no well-formed sequence
      well_formed = false;
      plain = ++i;
      continue;
    }
    flush();
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", c); break;
    }
    plain = ++i;
  }
  flush();
  out.push_back('"');
  return well_formed;
}

void JsonWriter::before_value() {
  if (m_after_key) {
    m_after_key = false;
    return;
  }
  if (!m_has_element.empty()) {
    if (m_has_element.back()) m_out.push_back(',');
    m_has_element.back() = true;
  }
}

JsonWriter& JsonWriter::open(char bracket) {
  before_value();
  m_out.push_back(bracket);
  m_has_element.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  m_out.push_back(bracket);
  m_has_element.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  if (!json_append_string(m_out, name)) m_replaced = true;
  m_out.push_back(':');
  m_after_key = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  if (!json_append_string(m_out, text)) m_replaced = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  before_value();
  m_out.append(flag ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) { return number_text(fmt::format_int(number).str()); }

JsonWriter& JsonWriter::value(std::uint64_t number) { return number_text(fmt::format_int(number).str()); }

JsonWriter& JsonWriter::number_text(std::string_view digits) {
  before_value();
  m_out.append(digits);
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  m_out.append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  m_out.append(json);
  return *this;
}

JsonWriter& JsonWriter::array_of(const std::vector<std::string>& items) {
  begin_array();
  for (const auto& item : items) value(item);
  return end_array();
}

}  // namespace acctsec
