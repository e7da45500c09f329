#include "webauthn/der.hpp"

#include <fmt/format.h>

namespace acctsec::webauthn::der {
namespace {

std::unexpected<Error> rejected(std::string message) { return fail(ErrorCategory::rejected, std::move(message)); }

}  // namespace

Result<Element> Reader::read() {
  const std::size_t start = m_pos;
  if (at_end()) return rejected("DER: the input ends where an element was expected");
  const std::uint8_t first = m_data[m_pos++];
  Element element;
  element.tag_class = static_cast<TagClass>(first >> 6);
  element.constructed = (first & 0x20) != 0;
  std::uint32_t number = first & 0x1f;
  if (number == 0x1f) {
    // High tag number form: base-128 digits, most significant first, no leading 0x80 digit.
    number = 0;
    bool first_digit = true;
    while (true) {
      if (at_end()) return rejected(fmt::format("DER: the tag at offset {} is truncated", start));
      const std::uint8_t digit = m_data[m_pos++];
      if (first_digit && digit == 0x80) return rejected(fmt::format("DER: the tag at offset {} is not minimal", start));
      first_digit = false;
      if (number > (k_max_tag_number >> 7)) return rejected(fmt::format("DER: the tag at offset {} is too large", start));
      number = (number << 7) | (digit & 0x7fu);
      if ((digit & 0x80) == 0) break;
    }
    if (number < 0x1f) return rejected(fmt::format("DER: the tag at offset {} is not minimal", start));
  }
  element.tag_number = number;

  if (at_end()) return rejected(fmt::format("DER: the element at offset {} has no length", start));
  const std::uint8_t length_byte = m_data[m_pos++];
  std::size_t length = 0;
  if (length_byte < 0x80) {
    length = length_byte;
  } else if (length_byte == 0x80) {
    return rejected(fmt::format("DER: the element at offset {} has an indefinite length", start));
  } else {
    const std::size_t count = length_byte & 0x7fu;
    if (count > 4) return rejected(fmt::format("DER: the length at offset {} takes {} bytes", start, count));
    if (count > remaining()) return rejected(fmt::format("DER: the length at offset {} is truncated", start));
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | m_data[m_pos++];
    if (length < 0x80 || (count > 1 && (length >> ((count - 1) * 8)) == 0)) {
      return rejected(fmt::format("DER: the length at offset {} is not minimal", start));
    }
  }
  if (length > remaining()) {
    return rejected(
        fmt::format("DER: the element at offset {} claims {} bytes but {} remain", start, length, remaining()));
  }
  element.content = m_data.subspan(m_pos, length);
  m_pos += length;
  return element;
}

Result<Element> Reader::read_universal(std::uint32_t tag_number, std::string_view what) {
  auto element = read();
  if (!element) return rejected(fmt::format("{}: {}", what, element.error().message));
  const bool constructed = tag_number == k_sequence || tag_number == k_set;
  if (element->tag_class != TagClass::universal || element->tag_number != tag_number ||
      element->constructed != constructed) {
    return rejected(fmt::format("{} has tag class {} number {}; expected universal {}", what,
                                static_cast<int>(element->tag_class), element->tag_number, tag_number));
  }
  return element;
}

Result<std::int64_t> integer_value(const Element& element, std::string_view what) {
  const ByteView content = element.content;
  if (content.empty()) return rejected(fmt::format("{} is an empty INTEGER", what));
  if (content.size() > 8) return rejected(fmt::format("{} is an INTEGER of {} bytes; at most 8 fit", what, content.size()));
  if (content.size() > 1 && ((content[0] == 0x00 && (content[1] & 0x80) == 0) ||
                             (content[0] == 0xff && (content[1] & 0x80) != 0))) {
    return rejected(fmt::format("{} is an INTEGER that is not minimally encoded", what));
  }
  // Sign-extend from the first byte, then shift the rest in.
  std::uint64_t value = (content[0] & 0x80) != 0 ? ~std::uint64_t{0} : 0;
  for (const std::uint8_t byte : content) value = (value << 8) | byte;
  return static_cast<std::int64_t>(value);
}

}  // namespace acctsec::webauthn::der
