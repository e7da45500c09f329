// Reading an attestation statement (attStmt) map by member name, for the formats whose statement
// is a flat map of text keys (tpm, android-key, android-safetynet). Internal to lib/webauthn.
// Every error is ErrorCategory::rejected and starts with the format name ("tpm: ...").
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "webauthn/cbor.hpp"

namespace acctsec::webauthn::detail {

class StatementReader {
 public:
  // Decodes `att_stmt_cbor` as exactly one map whose keys are all text and among `allowed`.
  // "ecdaaKeyId" is refused by name: ECDAA was removed from WebAuthn Level 3.
  static Result<StatementReader> open(ByteView att_stmt_cbor, std::string format,
                                      std::initializer_list<std::string_view> allowed);

  bool has(std::string_view key) const { return find(key) != nullptr; }
  // "alg": an integer in int range.
  Result<int> alg() const;
  // A required non-empty byte string.
  Result<Bytes> bytes(std::string_view key) const;
  // A required text string (may be empty; the caller decides).
  Result<std::string> text(std::string_view key) const;
  // "x5c": a required non-empty array of non-empty byte strings (DER certificates).
  Result<std::vector<Bytes>> x5c() const;

  std::unexpected<Error> rejected(std::string_view message) const;

  // Move-only: the entries view m_encoded, whose heap buffer a move keeps in place.
  StatementReader(StatementReader&&) = default;
  StatementReader& operator=(StatementReader&&) = default;
  StatementReader(const StatementReader&) = delete;
  StatementReader& operator=(const StatementReader&) = delete;

 private:
  StatementReader() = default;
  const cbor::MapEntry* find(std::string_view key) const;
  Result<ByteView> required(std::string_view key) const;

  Bytes m_encoded;  // owns the bytes the entries view
  std::vector<cbor::MapEntry> m_entries;
  std::string m_format;
};

}  // namespace acctsec::webauthn::detail
