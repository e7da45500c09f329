// A small, strict CBOR (RFC 8949) reader and a CTAP2-canonical writer for the WebAuthn structures.
//
// WebAuthn data is small and shaped by the CTAP2 canonical profile, so this reader accepts only
// what that profile allows: definite lengths, nesting at most k_max_depth deep, UTF-8 text, and no
// duplicate map keys. Integers need not use their shortest encoding (some authenticators pad), and
// map keys need not be sorted (relying parties in the wild accept both).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec::webauthn::cbor {

enum class MajorType : std::uint8_t {
  unsigned_integer = 0,
  negative_integer = 1,
  byte_string = 2,
  text_string = 3,
  array = 4,
  map = 5,
  tag = 6,
  simple = 7,
};

// How deep arrays, maps and tags may nest before the input is refused.
inline constexpr std::size_t k_max_depth = 16;

// Returns a name for messages ("byte string", "map", ...).
std::string_view major_type_name(MajorType type);

// The initial byte and argument of one data item.
struct Head {
  MajorType type = MajorType::unsigned_integer;
  std::uint8_t additional = 0;  // the low five bits of the initial byte
  std::uint64_t argument = 0;   // the length, count, value or tag number
};

// Returns the encoded length in bytes of the one data item that starts `data` (which may go on
// after it). Errors: rejected (truncated, indefinite length, reserved encodings, nesting deeper
// than k_max_depth, invalid UTF-8 in a text string).
Result<std::size_t> item_size(ByteView data);

// A map key: CBOR integers and text strings are the only key types WebAuthn uses.
using MapKey = std::variant<std::int64_t, std::string>;

// Renders a key for messages: 3 or "fmt".
std::string map_key_text(const MapKey& key);

struct MapEntry {
  MapKey key;
  ByteView value;  // the encoded value item; view into the reader's input
};

// Reads one item at a time from a buffer it does not own. Every read either consumes a whole
// item and succeeds, or fails with ErrorCategory::rejected and a message naming what was wrong.
class Reader {
 public:
  explicit Reader(ByteView data) : m_data(data) {}

  bool at_end() const { return m_pos == m_data.size(); }
  std::size_t offset() const { return m_pos; }
  std::size_t remaining() const { return m_data.size() - m_pos; }
  // The major type of the next item, without consuming it; rejected at the end of input.
  Result<MajorType> peek_type() const;

  // The next item, whole and unparsed.
  Result<ByteView> read_item();
  // An integer (major type 0 or 1) that fits in int64.
  Result<std::int64_t> read_int();
  Result<Bytes> read_bytes();
  Result<std::string> read_text();
  Result<bool> read_bool();
  // The element count of an array; the elements follow.
  Result<std::uint64_t> read_array_header();
  // A whole map with integer or text keys; duplicate keys and other key types are rejected.
  Result<std::vector<MapEntry>> read_map();

 private:
  Result<Head> read_head();
  Result<Head> expect(MajorType type);

  ByteView m_data;
  std::size_t m_pos = 0;
};

// Appends items in CTAP2 canonical form (shortest heads, definite lengths). The caller writes map
// entries in canonical key order.
class Writer {
 public:
  void head(MajorType type, std::uint64_t argument);
  void integer(std::int64_t value);
  void bytes(ByteView value);
  void text(std::string_view value);
  void boolean(bool value);
  void array(std::uint64_t count) { head(MajorType::array, count); }
  void map(std::uint64_t count) { head(MajorType::map, count); }
  // Appends bytes that already are one encoded item.
  void raw(ByteView encoded);

  const Bytes& data() const { return m_out; }
  Bytes take() { return std::move(m_out); }

 private:
  Bytes m_out;
};

// Encodes a byte string as a CBOR item (how libfido2 and fido2-tools carry authenticator data).
Bytes encode_byte_string(ByteView value);

// Decodes `data` as exactly one byte string item and returns its content.
// Errors: rejected (not one byte string, or bytes after it).
Result<Bytes> decode_byte_string(ByteView data);

}  // namespace acctsec::webauthn::cbor
