// A small, bounds-checked DER (X.690) reader for the certificate extensions OpenSSL has no type
// for, such as Android's KeyDescription. Definite lengths only; every length is checked against
// what remains. Internal to lib/webauthn; errors are ErrorCategory::rejected.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn::der {

enum class TagClass : std::uint8_t { universal = 0, application = 1, context = 2, private_use = 3 };

// Universal tag numbers used here.
inline constexpr std::uint32_t k_boolean = 1;
inline constexpr std::uint32_t k_integer = 2;
inline constexpr std::uint32_t k_octet_string = 4;
inline constexpr std::uint32_t k_null = 5;
inline constexpr std::uint32_t k_enumerated = 10;
inline constexpr std::uint32_t k_sequence = 16;
inline constexpr std::uint32_t k_set = 17;

// Tag numbers above this are refused (no X.509 or Android structure comes near it).
inline constexpr std::uint32_t k_max_tag_number = 0x0fffffff;

struct Element {
  TagClass tag_class = TagClass::universal;
  bool constructed = false;
  std::uint32_t tag_number = 0;
  ByteView content;  // view into the reader's input
};

class Reader {
 public:
  explicit Reader(ByteView data) : m_data(data) {}

  bool at_end() const { return m_pos == m_data.size(); }
  std::size_t remaining() const { return m_data.size() - m_pos; }

  // Reads the next element (tag, length, content), whatever it is.
  Result<Element> read();
  // Reads the next element and requires it to be the universal `tag_number` (SEQUENCE and SET
  // constructed, everything else primitive); `what` names it in messages.
  Result<Element> read_universal(std::uint32_t tag_number, std::string_view what);

 private:
  ByteView m_data;
  std::size_t m_pos = 0;
};

// The value of an INTEGER or ENUMERATED element's content: minimal two's complement, at most 8
// bytes. Errors: rejected (empty, not minimal, too large).
Result<std::int64_t> integer_value(const Element& element, std::string_view what);

}  // namespace acctsec::webauthn::der
