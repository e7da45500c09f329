#include "core/audit_chain.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "core/bytes.hpp"
#include "core/json_writer.hpp"

namespace acctsec {
namespace {

// Floating-point numbers have no single canonical text here, so entries may not hold them.
bool canonical_domain(const nlohmann::json& value) {
  if (value.is_number_float()) return false;
  if (value.is_object() || value.is_array()) {
    for (const auto& element : value) {
      if (!canonical_domain(element)) return false;
    }
  }
  return true;
}

std::string sha256_hex(std::string_view data) {
  // Fetched once: EVP_sha256() is looked up in the provider on every digest (the writer hashes
  // each entry it commits).
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // Only allocation failure or a broken provider makes this fail; nothing can be recovered.
  if (sha256 == nullptr || EVP_Digest(data.data(), data.size(), digest, &length, sha256, nullptr) != 1) std::abort();
  return hex_encode(ByteView(digest, length));
}

}  // namespace

Result<std::string> audit_canonical(const AuditEntry& entry) {
  const auto& e = entry.event;
  if (!e.detail.is_object() || !canonical_domain(e.detail))
    return fail(ErrorCategory::usage, "an audit entry's detail must be a JSON object without floating-point numbers");
  // Members in name order; strings with only the escapes JSON requires (short forms for \b \t \n
  // \f \r, \u00xx for the other control characters), which is RFC 8785's form for strings and
  // integers. The detail is nlohmann's dump, which keeps members sorted and escapes the same way.
  std::string detail;
  try {
    detail = e.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception&) {
    return fail(ErrorCategory::usage, "an audit entry's detail must be well-formed UTF-8");
  }
  JsonWriter out;
  out.begin_object().member("action", e.action).member("actor", e.actor).key("detail").raw(detail).key("grant");
  if (e.grant) out.value(*e.grant);
  else out.null();
  out.member("prev", entry.prev).member("resource", e.resource).member("seq", entry.seq).member("time", e.time).end_object();
  if (out.replaced()) return fail(ErrorCategory::usage, "an audit entry's text must be well-formed UTF-8");
  return out.take();
}

Result<AuditEntry> audit_chain_next(std::uint64_t last_seq, std::string_view last_hash, AuditEvent event) {
  AuditEntry entry{.seq = last_seq + 1, .event = std::move(event), .prev = std::string(last_hash), .hash = {}};
  auto canonical = audit_canonical(entry);
  if (!canonical) return fail(canonical.error());
  entry.hash = sha256_hex(*canonical);
  return entry;
}

AuditChainVerifier::AuditChainVerifier(std::uint64_t last_seq, std::string last_hash)
    : m_last_seq(last_seq), m_last_hash(std::move(last_hash)) {}

Result<void> AuditChainVerifier::add(const AuditEntry& entry) {
  if (entry.seq != m_last_seq + 1) {
    return fail(ErrorCategory::rejected,
                entry.seq > m_last_seq + 1
                    ? fmt::format("audit entry {} follows entry {}: entries {} to {} are missing", entry.seq, m_last_seq,
                                  m_last_seq + 1, entry.seq - 1)
                    : fmt::format("audit entry {} follows entry {}: the log is out of order or repeats an entry",
                                  entry.seq, m_last_seq));
  }
  if (entry.prev != m_last_hash) {
    return fail(ErrorCategory::rejected,
                fmt::format("audit entry {} does not link to entry {}: its prev is {}, the hash before it is {}",
                            entry.seq, m_last_seq, entry.prev, m_last_hash));
  }
  auto canonical = audit_canonical(entry);
  if (!canonical) return fail(ErrorCategory::rejected, fmt::format("audit entry {}: {}", entry.seq, canonical.error().message));
  if (const auto hash = sha256_hex(*canonical); hash != entry.hash) {
    return fail(ErrorCategory::rejected,
                fmt::format("audit entry {} was altered: its content hashes to {}, not to its recorded hash {}",
                            entry.seq, hash, entry.hash));
  }
  m_last_seq = entry.seq;
  m_last_hash = entry.hash;
  return {};
}

}  // namespace acctsec
