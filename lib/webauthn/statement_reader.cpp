#include "webauthn/statement_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace acctsec::webauthn::detail {

Result<StatementReader> StatementReader::open(ByteView att_stmt_cbor, std::string format,
                                              std::initializer_list<std::string_view> allowed) {
  StatementReader out;
  out.m_format = std::move(format);
  out.m_encoded.assign(att_stmt_cbor.begin(), att_stmt_cbor.end());
  cbor::Reader reader(out.m_encoded);
  auto type = reader.peek_type();
  if (!type) return out.rejected("attStmt: " + type.error().message);
  if (*type != cbor::MajorType::map) {
    return out.rejected(fmt::format("attStmt is a CBOR {}, not a map", cbor::major_type_name(*type)));
  }
  auto entries = reader.read_map();
  if (!entries) return out.rejected("attStmt: " + entries.error().message);
  if (!reader.at_end()) return out.rejected(fmt::format("{} bytes follow the attStmt map", reader.remaining()));
  for (const auto& entry : *entries) {
    const auto* key = std::get_if<std::string>(&entry.key);
    if (!key) return out.rejected(fmt::format("attStmt has the non-text key {}", cbor::map_key_text(entry.key)));
    if (*key == "ecdaaKeyId") {
      return out.rejected("attStmt has ecdaaKeyId; ECDAA was removed from WebAuthn and is not supported");
    }
    if (std::find(allowed.begin(), allowed.end(), *key) == allowed.end()) {
      return out.rejected(fmt::format("attStmt has the unexpected key \"{}\"", *key));
    }
  }
  out.m_entries = std::move(*entries);
  return out;
}

std::unexpected<Error> StatementReader::rejected(std::string_view message) const {
  return fail(ErrorCategory::rejected, fmt::format("{}: {}", m_format, message));
}

const cbor::MapEntry* StatementReader::find(std::string_view key) const {
  for (const auto& entry : m_entries) {
    if (const auto* text = std::get_if<std::string>(&entry.key); text && *text == key) return &entry;
  }
  return nullptr;
}

Result<ByteView> StatementReader::required(std::string_view key) const {
  const auto* entry = find(key);
  if (!entry) return rejected(fmt::format("attStmt has no \"{}\"", key));
  return entry->value;
}

Result<int> StatementReader::alg() const {
  auto value = required("alg");
  if (!value) return fail(value.error());
  cbor::Reader reader(*value);
  auto alg = reader.read_int();
  if (!alg) return rejected("attStmt \"alg\" is not an integer: " + alg.error().message);
  if (*alg < std::numeric_limits<int>::min() || *alg > std::numeric_limits<int>::max()) {
    return rejected(fmt::format("attStmt \"alg\" {} is out of range", *alg));
  }
  return static_cast<int>(*alg);
}

Result<Bytes> StatementReader::bytes(std::string_view key) const {
  auto value = required(key);
  if (!value) return fail(value.error());
  cbor::Reader reader(*value);
  auto bytes = reader.read_bytes();
  if (!bytes) return rejected(fmt::format("attStmt \"{}\" is not a byte string: {}", key, bytes.error().message));
  if (bytes->empty()) return rejected(fmt::format("attStmt \"{}\" is empty", key));
  return bytes;
}

Result<std::string> StatementReader::text(std::string_view key) const {
  auto value = required(key);
  if (!value) return fail(value.error());
  cbor::Reader reader(*value);
  auto text = reader.read_text();
  if (!text) return rejected(fmt::format("attStmt \"{}\" is not a text string: {}", key, text.error().message));
  return text;
}

Result<std::vector<Bytes>> StatementReader::x5c() const {
  auto value = required("x5c");
  if (!value) return fail(value.error());
  cbor::Reader reader(*value);
  auto count = reader.read_array_header();
  if (!count) return rejected("attStmt \"x5c\" is not an array: " + count.error().message);
  if (*count == 0) return rejected("attStmt \"x5c\" is empty; it needs the attestation certificate");
  std::vector<Bytes> out;
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto cert = reader.read_bytes();
    if (!cert) return rejected(fmt::format("x5c[{}] is not a byte string: {}", i, cert.error().message));
    if (cert->empty()) return rejected(fmt::format("x5c[{}] is empty", i));
    out.push_back(std::move(*cert));
  }
  return out;
}

}  // namespace acctsec::webauthn::detail
