#include "webauthn/attestation_object.hpp"

#include <fmt/format.h>

#include <limits>

#include "webauthn/cbor.hpp"

namespace acctsec::webauthn {
namespace {

std::unexpected<Error> rejected(std::string_view what, std::string message) {
  return fail(ErrorCategory::rejected, fmt::format("{}: {}", what, message));
}

const std::string* text_key(const cbor::MapEntry& entry) {
  return std::get_if<std::string>(&entry.key);
}

}  // namespace

Bytes attestation_object_encode(std::string_view fmt, ByteView att_stmt_cbor, ByteView auth_data) {
  cbor::Writer w;
  w.map(3);
  w.text("fmt");
  w.text(fmt);
  w.text("attStmt");
  w.raw(att_stmt_cbor);
  w.text("authData");
  w.bytes(auth_data);
  return w.take();
}

Result<AttestationObject> attestation_object_decode(ByteView encoded) {
  constexpr std::string_view what = "attestation object";
  cbor::Reader reader(encoded);
  auto type = reader.peek_type();
  if (!type) return rejected(what, type.error().message);
  if (*type != cbor::MajorType::map) {
    return rejected(what, fmt::format("it is a CBOR {}, not a map", cbor::major_type_name(*type)));
  }
  auto entries = reader.read_map();
  if (!entries) return rejected(what, entries.error().message);
  if (!reader.at_end()) return rejected(what, fmt::format("{} bytes follow the map", reader.remaining()));

  AttestationObject out;
  bool have_fmt = false;
  bool have_stmt = false;
  bool have_auth_data = false;
  for (const auto& entry : *entries) {
    const auto* key = text_key(entry);
    if (!key) return rejected(what, fmt::format("unexpected key {}", cbor::map_key_text(entry.key)));
    cbor::Reader value(entry.value);
    if (*key == "fmt") {
      auto text = value.read_text();
      if (!text) return rejected(what, "fmt is not a text string: " + text.error().message);
      if (text->empty()) return rejected(what, "fmt is empty");
      out.fmt = std::move(*text);
      have_fmt = true;
    } else if (*key == "attStmt") {
      auto stmt_type = value.peek_type();
      if (!stmt_type || *stmt_type != cbor::MajorType::map) return rejected(what, "attStmt is not a map");
      out.att_stmt_cbor.assign(entry.value.begin(), entry.value.end());
      have_stmt = true;
    } else if (*key == "authData") {
      auto bytes = value.read_bytes();
      if (!bytes) return rejected(what, "authData is not a byte string: " + bytes.error().message);
      out.auth_data = std::move(*bytes);
      have_auth_data = true;
    } else {
      return rejected(what, fmt::format("unexpected key \"{}\"", *key));
    }
  }
  if (!have_fmt) return rejected(what, "fmt is missing");
  if (!have_stmt) return rejected(what, "attStmt is missing");
  if (!have_auth_data) return rejected(what, "authData is missing");
  return out;
}

Result<PackedStatement> packed_statement_decode(ByteView att_stmt_cbor) {
  constexpr std::string_view what = "packed attestation statement";
  cbor::Reader reader(att_stmt_cbor);
  auto type = reader.peek_type();
  if (!type) return rejected(what, type.error().message);
  if (*type != cbor::MajorType::map) {
    return rejected(what, fmt::format("it is a CBOR {}, not a map", cbor::major_type_name(*type)));
  }
  auto entries = reader.read_map();
  if (!entries) return rejected(what, entries.error().message);
  if (!reader.at_end()) return rejected(what, fmt::format("{} bytes follow the map", reader.remaining()));

  PackedStatement out;
  bool have_alg = false;
  bool have_sig = false;
  for (const auto& entry : *entries) {
    const auto* key = text_key(entry);
    if (!key) return rejected(what, fmt::format("unexpected key {}", cbor::map_key_text(entry.key)));
    cbor::Reader value(entry.value);
    if (*key == "alg") {
      auto alg = value.read_int();
      if (!alg) return rejected(what, "alg is not an integer: " + alg.error().message);
      if (*alg < std::numeric_limits<int>::min() || *alg > std::numeric_limits<int>::max()) {
        return rejected(what, fmt::format("alg {} is out of range", *alg));
      }
      out.alg = static_cast<int>(*alg);
      have_alg = true;
    } else if (*key == "sig") {
      auto sig = value.read_bytes();
      if (!sig) return rejected(what, "sig is not a byte string: " + sig.error().message);
      if (sig->empty()) return rejected(what, "sig is empty");
      out.sig = std::move(*sig);
      have_sig = true;
    } else if (*key == "x5c") {
      auto count = value.read_array_header();
      if (!count) return rejected(what, "x5c is not an array: " + count.error().message);
      if (*count == 0) return rejected(what, "x5c is an empty array; it needs the attestation certificate");
      for (std::uint64_t i = 0; i < *count; ++i) {
        auto cert = value.read_bytes();
        if (!cert) return rejected(what, fmt::format("x5c[{}] is not a byte string: {}", i, cert.error().message));
        if (cert->empty()) return rejected(what, fmt::format("x5c[{}] is empty", i));
        out.x5c.push_back(std::move(*cert));
      }
    } else if (*key == "ecdaaKeyId") {
      return rejected(what, "ECDAA (ecdaaKeyId) was removed from WebAuthn and is not supported");
    } else {
      return rejected(what, fmt::format("unexpected key \"{}\"", *key));
    }
  }
  if (!have_alg) return rejected(what, "alg is missing");
  if (!have_sig) return rejected(what, "sig is missing");
  return out;
}

Bytes packed_statement_encode(const PackedStatement& statement) {
  cbor::Writer w;
  w.map(statement.x5c.empty() ? 2 : 3);
  w.text("alg");
  w.integer(statement.alg);
  w.text("sig");
  w.bytes(statement.sig);
  if (!statement.x5c.empty()) {
    w.text("x5c");
    w.array(statement.x5c.size());
    for (const auto& cert : statement.x5c) w.bytes(cert);
  }
  return w.take();
}

Bytes none_statement_encode() {
  return Bytes{0xa0};
}

}  // namespace acctsec::webauthn
