// The server's audit signing key (Ed25519): it signs the chain head, so that a copy of the log whose
// rows were edited or cut off after a head was handed out no longer matches any signed head.
// The key lives in <data-dir>/audit-signing-key.pem (mode 0600), made on first start.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "server/store.hpp"

namespace acctsec::server {

class AuditSigner {
 public:
  // Loads the key from `path`, or makes one there (0600) when the file does not exist. Errors:
  // usage (unreadable, not an Ed25519 private key, or wider than 0600), internal.
  static Result<std::unique_ptr<AuditSigner>> load_or_create(const std::string& path);
  ~AuditSigner();
  AuditSigner(const AuditSigner&) = delete;
  AuditSigner& operator=(const AuditSigner&) = delete;

  Bytes sign(std::string_view message) const;
  // SubjectPublicKeyInfo PEM.
  const std::string& public_key_pem() const { return m_public_pem; }

 private:
  struct Key;
  AuditSigner(std::unique_ptr<Key> key, std::string public_pem);
  std::unique_ptr<Key> m_key;
  std::string m_public_pem;
};

// What the head signature covers: the canonical JSON {"hash","schema","seq","signedAt"}.
std::string audit_head_signed_text(const AuditHead& head, std::string_view signed_at);

// api/openapi.yaml AuditHead for `head`, signed now.
nlohmann::json audit_head_json(const AuditSigner& signer, const AuditHead& head, std::string_view signed_at);

}  // namespace acctsec::server
