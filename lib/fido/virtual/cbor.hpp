// CBOR helpers over libcbor 0.8 for the virtual authenticator: owning item handles, builders
// that choose the integer widths libfido2 insists on (P7: keys and small values as 8-bit
// items), a map builder that emits the CTAP2 canonical key order libfido2 checks on every map
// it reads (P1), and typed accessors for decoding requests.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"

namespace acctsec::fido::soft::cbor {

struct ItemDeleter {
  void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
// One reference to a libcbor item; containers take their own reference when an item is added.
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

// A map key as CTAP uses them: integers (COSE uses negative ones) or text.
class Key {
 public:
  Key(int value) : m_value(static_cast<std::int64_t>(value)) {}            // NOLINT: implicit by design
  Key(std::int64_t value) : m_value(value) {}                              // NOLINT
  Key(std::uint64_t value) : m_value(static_cast<std::int64_t>(value)) {}  // NOLINT
  Key(std::string_view text) : m_value(text) {}                            // NOLINT
  Key(const char* text) : m_value(std::string_view(text)) {}               // NOLINT

  bool matches(const cbor_item_t& item) const;
  Item build() const;

 private:
  std::variant<std::int64_t, std::string_view> m_value;
};

// Builders. Integers use the narrowest width that holds the value, so anything below 256 is an
// 8-bit item, which is what libfido2 requires of map keys and protocol numbers.
Item make_uint(std::uint64_t value);
Item make_int(std::int64_t value);
Item make_bytes(ByteView value);
Item make_text(std::string_view value);
Item make_bool(bool value);
Item make_array(std::vector<Item> items);

// Builds a definite map whose keys come out in CTAP2 canonical order (CTAP 2.1 §8): by major
// type first (unsigned < negative < text), then shorter encodings first, then bytewise. For the
// keys CTAP uses this gives 1, 3, -1, -2, -3 and "id" < "name" < "displayName".
class MapBuilder {
 public:
  MapBuilder& add(Key key, Item value);
  // Adds the entry only when the value is present.
  MapBuilder& add_if(Key key, Item value) { return value ? add(std::move(key), std::move(value)) : *this; }
  Item build();

 private:
  struct Entry {
    Bytes encoded_key;
    Item key;
    Item value;
  };
  std::vector<Entry> m_entries;
};

// Serialises one item. Throws std::bad_alloc when libcbor cannot allocate.
Bytes encode(const cbor_item_t& item);
// Decodes exactly one well-formed item that spans all of `data`; null otherwise.
Item decode(ByteView data);

// Lookup and typed reads. Each returns null/nullopt when the key is absent or the type differs.
const cbor_item_t* find(const cbor_item_t& map, const Key& key);
std::optional<std::uint64_t> to_uint(const cbor_item_t& item);
std::optional<std::int64_t> to_integer(const cbor_item_t& item);
std::optional<Bytes> to_bytes(const cbor_item_t& item);
std::optional<std::string> to_text(const cbor_item_t& item);
std::optional<bool> to_bool(const cbor_item_t& item);

}  // namespace acctsec::fido::soft::cbor
