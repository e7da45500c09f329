#include "fido/virtual/cbor.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <new>
#include <stdexcept>

namespace acctsec::fido::soft::cbor {
namespace {

Item checked(cbor_item_t* item) {
  if (item == nullptr) throw std::bad_alloc();
  return Item(item);
}

// The CTAP2 canonical comparison of two encoded keys.
bool canonical_less(const Bytes& a, const Bytes& b) {
  const int major_a = a.front() >> 5;
  const int major_b = b.front() >> 5;
  if (major_a != major_b) return major_a < major_b;
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

bool Key::matches(const cbor_item_t& item) const {
  if (const auto* number = std::get_if<std::int64_t>(&m_value)) {
    const auto value = to_integer(item);
    return value && *value == *number;
  }
  const auto wanted = std::get<std::string_view>(m_value);
  if (!cbor_isa_string(&item) || !cbor_string_is_definite(&item)) return false;
  return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(&item)), cbor_string_length(&item)) ==
         wanted;
}

Item Key::build() const {
  if (const auto* number = std::get_if<std::int64_t>(&m_value)) return make_int(*number);
  return make_text(std::get<std::string_view>(m_value));
}

Item make_uint(std::uint64_t value) {
  if (value <= std::numeric_limits<std::uint8_t>::max())
    return checked(cbor_build_uint8(static_cast<std::uint8_t>(value)));
  if (value <= std::numeric_limits<std::uint16_t>::max())
    return checked(cbor_build_uint16(static_cast<std::uint16_t>(value)));
  if (value <= std::numeric_limits<std::uint32_t>::max())
    return checked(cbor_build_uint32(static_cast<std::uint32_t>(value)));
  return checked(cbor_build_uint64(value));
}

Item make_int(std::int64_t value) {
  if (value >= 0) return make_uint(static_cast<std::uint64_t>(value));
  // CBOR stores a negative integer n as the unsigned magnitude -1 - n.
  const auto magnitude = static_cast<std::uint64_t>(-(value + 1));
  if (magnitude <= std::numeric_limits<std::uint8_t>::max())
    return checked(cbor_build_negint8(static_cast<std::uint8_t>(magnitude)));
  if (magnitude <= std::numeric_limits<std::uint16_t>::max())
    return checked(cbor_build_negint16(static_cast<std::uint16_t>(magnitude)));
  if (magnitude <= std::numeric_limits<std::uint32_t>::max())
    return checked(cbor_build_negint32(static_cast<std::uint32_t>(magnitude)));
  return checked(cbor_build_negint64(magnitude));
}

Item make_bytes(ByteView value) {
  return checked(cbor_build_bytestring(value.data(), value.size()));
}

Item make_text(std::string_view value) {
  return checked(cbor_build_stringn(value.data(), value.size()));
}

Item make_bool(bool value) {
  return checked(cbor_build_bool(value));
}

Item make_array(std::vector<Item> items) {
  Item array = checked(cbor_new_definite_array(items.size()));
  for (const auto& item : items)
    if (!cbor_array_push(array.get(), item.get())) throw std::bad_alloc();
  return array;
}

MapBuilder& MapBuilder::add(Key key, Item value) {
  Item key_item = key.build();
  Bytes encoded = encode(*key_item);
  m_entries.push_back(Entry{std::move(encoded), std::move(key_item), std::move(value)});
  return *this;
}

Item MapBuilder::build() {
  // libcbor writes map entries in insertion order, so sort before inserting.
  std::sort(m_entries.begin(), m_entries.end(),
            [](const Entry& a, const Entry& b) { return canonical_less(a.encoded_key, b.encoded_key); });
  Item map = checked(cbor_new_definite_map(m_entries.size()));
  for (const auto& entry : m_entries)
    if (!cbor_map_add(map.get(), cbor_pair{entry.key.get(), entry.value.get()})) throw std::bad_alloc();
  m_entries.clear();
  return map;
}

Bytes encode(const cbor_item_t& item) {
  unsigned char* buffer = nullptr;
  std::size_t capacity = 0;
  const std::size_t length = cbor_serialize_alloc(&item, &buffer, &capacity);
  if (length == 0) {
    std::free(buffer);
    throw std::bad_alloc();
  }
  Bytes out(buffer, buffer + length);
  std::free(buffer);
  return out;
}

Item decode(ByteView data) {
  if (data.empty()) return nullptr;
  cbor_load_result result{};
  cbor_item_t* item = cbor_load(data.data(), data.size(), &result);
  if (item == nullptr) return nullptr;
  Item owned(item);
  if (result.error.code != CBOR_ERR_NONE || result.read != data.size()) return nullptr;
  return owned;
}

const cbor_item_t* find(const cbor_item_t& map, const Key& key) {
  if (!cbor_isa_map(&map)) return nullptr;
  const cbor_pair* pairs = cbor_map_handle(&map);
  const std::size_t count = cbor_map_size(&map);
  for (std::size_t i = 0; i < count; ++i)
    if (pairs[i].key != nullptr && key.matches(*pairs[i].key)) return pairs[i].value;
  return nullptr;
}

std::optional<std::uint64_t> to_uint(const cbor_item_t& item) {
  if (!cbor_isa_uint(&item)) return std::nullopt;
  return cbor_get_int(&item);
}

std::optional<std::int64_t> to_integer(const cbor_item_t& item) {
  if (cbor_isa_uint(&item)) {
    const std::uint64_t value = cbor_get_int(&item);
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(value);
  }
  if (cbor_isa_negint(&item)) {
    const std::uint64_t magnitude = cbor_get_int(&item);
    if (magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return -1 - static_cast<std::int64_t>(magnitude);
  }
  return std::nullopt;
}

std::optional<Bytes> to_bytes(const cbor_item_t& item) {
  if (!cbor_isa_bytestring(&item) || !cbor_bytestring_is_definite(&item)) return std::nullopt;
  const unsigned char* data = cbor_bytestring_handle(&item);
  return Bytes(data, data + cbor_bytestring_length(&item));
}

std::optional<std::string> to_text(const cbor_item_t& item) {
  if (!cbor_isa_string(&item) || !cbor_string_is_definite(&item)) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(&item)), cbor_string_length(&item));
}

std::optional<bool> to_bool(const cbor_item_t& item) {
  if (!cbor_is_bool(&item)) return std::nullopt;
  return cbor_get_bool(&item);
}

}  // namespace acctsec::fido::soft::cbor
