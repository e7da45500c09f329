#include "webauthn/cbor.hpp"

#include <fmt/format.h>

#include <limits>
#include <set>

namespace acctsec::webauthn::cbor {
namespace {

constexpr auto k_int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(ByteView s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::uint8_t c = s[i];
    std::size_t extra = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, min = 0x80, cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, min = 0x800, cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, min = 0x10000, cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;  // the sequence runs past the end
    for (std::size_t k = 1; k <= extra; ++k) {
      const std::uint8_t cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

Result<Head> parse_head(ByteView data, std::size_t& pos) {
  if (pos >= data.size()) return fail(ErrorCategory::rejected, "CBOR input ends where an item should start");
  const std::uint8_t initial = data[pos];
  Head head;
  head.type = static_cast<MajorType>(initial >> 5);
  head.additional = initial & 0x1f;
  ++pos;
  std::size_t width = 0;
  if (head.additional < 24) {
    head.argument = head.additional;
    return head;
  }
  switch (head.additional) {
    case 24:
      width = 1;
      break;
    case 25:
      width = 2;
      break;
    case 26:
      width = 4;
      break;
    case 27:
      width = 8;
      break;
    case 31:
      return fail(ErrorCategory::rejected,
                  head.type == MajorType::simple
                      ? "CBOR input has a stray \"break\" byte (0xff)"
                      : "CBOR input uses an indefinite length, which CTAP2 canonical CBOR forbids");
    default:
      return fail(ErrorCategory::rejected,
                  fmt::format("CBOR input uses reserved additional information {}", head.additional));
  }
  if (data.size() - pos < width) return fail(ErrorCategory::rejected, "CBOR input ends in the middle of an item head");
  for (std::size_t i = 0; i < width; ++i) head.argument = (head.argument << 8) | data[pos + i];
  pos += width;
  return head;
}

Result<void> skip_item(ByteView data, std::size_t& pos, std::size_t depth) {
  if (depth > k_max_depth) {
    return fail(ErrorCategory::rejected, fmt::format("CBOR input nests deeper than {} levels", k_max_depth));
  }
  auto head = parse_head(data, pos);
  if (!head) return fail(head.error());
  const std::size_t remaining = data.size() - pos;
  switch (head->type) {
    case MajorType::unsigned_integer:
    case MajorType::negative_integer:
      return {};
    case MajorType::byte_string:
    case MajorType::text_string: {
      if (head->argument > remaining) {
        return fail(ErrorCategory::rejected, fmt::format("CBOR {} claims {} bytes but only {} follow",
                                                         major_type_name(head->type), head->argument, remaining));
      }
      const auto length = static_cast<std::size_t>(head->argument);
      if (head->type == MajorType::text_string && !valid_utf8(data.subspan(pos, length))) {
        return fail(ErrorCategory::rejected, "CBOR text string is not valid UTF-8");
      }
      pos += length;
      return {};
    }
    case MajorType::array:
    case MajorType::map: {
      const std::uint64_t per = head->type == MajorType::map ? 2 : 1;
      // Every item takes at least one byte, so a count beyond what is left is truncation.
      if (head->argument > remaining / per) {
        return fail(ErrorCategory::rejected, fmt::format("CBOR {} claims {} entries but only {} bytes follow",
                                                         major_type_name(head->type), head->argument, remaining));
      }
      for (std::uint64_t i = 0; i < head->argument * per; ++i) {
        if (auto r = skip_item(data, pos, depth + 1); !r) return r;
      }
      return {};
    }
    case MajorType::tag:
      return skip_item(data, pos, depth + 1);
    case MajorType::simple:
      if (head->additional == 24 && head->argument < 32) {
        return fail(ErrorCategory::rejected, "CBOR simple value uses a two-byte form for a value below 32");
      }
      return {};
  }
  return fail(ErrorCategory::internal, "unreachable CBOR major type");
}

}  // namespace

std::string_view major_type_name(MajorType type) {
  switch (type) {
    case MajorType::unsigned_integer:
      return "unsigned integer";
    case MajorType::negative_integer:
      return "negative integer";
    case MajorType::byte_string:
      return "byte string";
    case MajorType::text_string:
      return "text string";
    case MajorType::array:
      return "array";
    case MajorType::map:
      return "map";
    case MajorType::tag:
      return "tag";
    case MajorType::simple:
      return "simple value or float";
  }
  return "unknown";
}

Result<std::size_t> item_size(ByteView data) {
  std::size_t pos = 0;
  if (auto r = skip_item(data, pos, 0); !r) return fail(r.error());
  return pos;
}

std::string map_key_text(const MapKey& key) {
  if (const auto* i = std::get_if<std::int64_t>(&key)) return std::to_string(*i);
  return "\"" + std::get<std::string>(key) + "\"";
}

Result<MajorType> Reader::peek_type() const {
  if (at_end()) return fail(ErrorCategory::rejected, "CBOR input ends where an item should start");
  return static_cast<MajorType>(m_data[m_pos] >> 5);
}

Result<Head> Reader::read_head() {
  return parse_head(m_data, m_pos);
}

Result<Head> Reader::expect(MajorType type) {
  auto actual = peek_type();
  if (!actual) return fail(actual.error());
  if (*actual != type) {
    return fail(ErrorCategory::rejected,
                fmt::format("expected a CBOR {}, found a {}", major_type_name(type), major_type_name(*actual)));
  }
  return read_head();
}

Result<ByteView> Reader::read_item() {
  auto size = item_size(m_data.subspan(m_pos));
  if (!size) return fail(size.error());
  const ByteView item = m_data.subspan(m_pos, *size);
  m_pos += *size;
  return item;
}

Result<std::int64_t> Reader::read_int() {
  auto type = peek_type();
  if (!type) return fail(type.error());
  if (*type != MajorType::unsigned_integer && *type != MajorType::negative_integer) {
    return fail(ErrorCategory::rejected, fmt::format("expected a CBOR integer, found a {}", major_type_name(*type)));
  }
  auto head = read_head();
  if (!head) return fail(head.error());
  if (head->argument > k_int64_max) return fail(ErrorCategory::rejected, "CBOR integer does not fit in 64 bits");
  const auto value = static_cast<std::int64_t>(head->argument);
  return *type == MajorType::unsigned_integer ? value : -1 - value;
}

Result<Bytes> Reader::read_bytes() {
  auto head = expect(MajorType::byte_string);
  if (!head) return fail(head.error());
  if (head->argument > remaining()) {
    return fail(ErrorCategory::rejected,
                fmt::format("CBOR byte string claims {} bytes but only {} follow", head->argument, remaining()));
  }
  const auto length = static_cast<std::size_t>(head->argument);
  Bytes out(m_data.begin() + static_cast<std::ptrdiff_t>(m_pos),
            m_data.begin() + static_cast<std::ptrdiff_t>(m_pos + length));
  m_pos += length;
  return out;
}

Result<std::string> Reader::read_text() {
  auto head = expect(MajorType::text_string);
  if (!head) return fail(head.error());
  if (head->argument > remaining()) {
    return fail(ErrorCategory::rejected,
                fmt::format("CBOR text string claims {} bytes but only {} follow", head->argument, remaining()));
  }
  const auto length = static_cast<std::size_t>(head->argument);
  const ByteView content = m_data.subspan(m_pos, length);
  if (!valid_utf8(content)) return fail(ErrorCategory::rejected, "CBOR text string is not valid UTF-8");
  m_pos += length;
  return std::string(as_chars(content));
}

Result<bool> Reader::read_bool() {
  auto head = expect(MajorType::simple);
  if (!head) return fail(head.error());
  if (head->additional == 20) return false;
  if (head->additional == 21) return true;
  return fail(ErrorCategory::rejected, "expected a CBOR boolean, found another simple value");
}

Result<std::uint64_t> Reader::read_array_header() {
  auto head = expect(MajorType::array);
  if (!head) return fail(head.error());
  if (head->argument > remaining()) {
    return fail(ErrorCategory::rejected,
                fmt::format("CBOR array claims {} entries but only {} bytes follow", head->argument, remaining()));
  }
  return head->argument;
}

Result<std::vector<MapEntry>> Reader::read_map() {
  // Check the whole map first so that depth, truncation and UTF-8 errors surface uniformly.
  if (auto size = item_size(m_data.subspan(m_pos)); !size) return fail(size.error());
  auto head = expect(MajorType::map);
  if (!head) return fail(head.error());
  std::vector<MapEntry> entries;
  std::set<MapKey> seen;
  for (std::uint64_t i = 0; i < head->argument; ++i) {
    auto key_type = peek_type();
    if (!key_type) return fail(key_type.error());
    MapKey key;
    if (*key_type == MajorType::unsigned_integer || *key_type == MajorType::negative_integer) {
      auto k = read_int();
      if (!k) return fail(k.error());
      key = *k;
    } else if (*key_type == MajorType::text_string) {
      auto k = read_text();
      if (!k) return fail(k.error());
      key = std::move(*k);
    } else {
      return fail(ErrorCategory::rejected, fmt::format("CBOR map key is a {}; only integer and text keys are allowed",
                                                       major_type_name(*key_type)));
    }
    if (!seen.insert(key).second) {
      return fail(ErrorCategory::rejected, fmt::format("CBOR map has the key {} twice", map_key_text(key)));
    }
    auto value = read_item();
    if (!value) return fail(value.error());
    entries.push_back(MapEntry{std::move(key), *value});
  }
  return entries;
}

void Writer::head(MajorType type, std::uint64_t argument) {
  const auto major = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) << 5);
  auto put = [this](std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) m_out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  };
  if (argument < 24) {
    m_out.push_back(static_cast<std::uint8_t>(major | argument));
  } else if (argument <= 0xff) {
    m_out.push_back(major | 24);
    put(argument, 1);
  } else if (argument <= 0xffff) {
    m_out.push_back(major | 25);
    put(argument, 2);
  } else if (argument <= 0xffffffff) {
    m_out.push_back(major | 26);
    put(argument, 4);
  } else {
    m_out.push_back(major | 27);
    put(argument, 8);
  }
}

void Writer::integer(std::int64_t value) {
  if (value >= 0) {
    head(MajorType::unsigned_integer, static_cast<std::uint64_t>(value));
  } else {
    head(MajorType::negative_integer, static_cast<std::uint64_t>(-(value + 1)));
  }
}

void Writer::bytes(ByteView value) {
  head(MajorType::byte_string, value.size());
  m_out.insert(m_out.end(), value.begin(), value.end());
}

void Writer::text(std::string_view value) {
  head(MajorType::text_string, value.size());
  const ByteView raw_text = as_bytes(value);
  m_out.insert(m_out.end(), raw_text.begin(), raw_text.end());
}

void Writer::boolean(bool value) {
  m_out.push_back(value ? 0xf5 : 0xf4);
}

void Writer::raw(ByteView encoded) {
  m_out.insert(m_out.end(), encoded.begin(), encoded.end());
}

Bytes encode_byte_string(ByteView value) {
  Writer w;
  w.bytes(value);
  return w.take();
}

Result<Bytes> decode_byte_string(ByteView data) {
  Reader r(data);
  auto value = r.read_bytes();
  if (!value) return fail(value.error());
  if (!r.at_end()) {
    return fail(ErrorCategory::rejected, fmt::format("{} bytes follow the CBOR byte string", r.remaining()));
  }
  return value;
}

}  // namespace acctsec::webauthn::cbor
