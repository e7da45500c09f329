#include "server/audit_signer.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdlib>

#include "core/file.hpp"
#include "core/openssl_handle.hpp"

namespace acctsec::server {
namespace {

using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

struct AuditSigner::Key {
  PkeyPtr pkey;
};

AuditSigner::AuditSigner(std::unique_ptr<Key> key, std::string public_pem) : m_key(std::move(key)), m_public_pem(std::move(public_pem)) {}
AuditSigner::~AuditSigner() = default;

Result<std::unique_ptr<AuditSigner>> AuditSigner::load_or_create(const std::string& path) {
  auto key = std::make_unique<Key>();
  auto text = file_read(path, 64 * 1024);
  if (text) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      return fail(ErrorCategory::usage, fmt::format("{} holds a private key but others may read it; chmod 600 it", path));
    BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
    key->pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key->pkey || EVP_PKEY_get_id(key->pkey.get()) != EVP_PKEY_ED25519)
      return fail(ErrorCategory::usage, fmt::format("{} is not an Ed25519 private key in PEM", path));
  } else if (text.error().category == ErrorCategory::not_found) {
    key->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key->pkey) return fail(ErrorCategory::internal, "cannot make the audit signing key");
    BioPtr out(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PrivateKey(out.get(), key->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return fail(ErrorCategory::internal, "cannot encode the audit signing key");
    if (auto written = file_write_atomic(path, bio_text(out.get()), 0600); !written)
      return fail(ErrorCategory::usage, fmt::format("cannot write the audit signing key: {}", written.error().message));
  } else {
    return fail(ErrorCategory::usage, fmt::format("cannot read the audit signing key: {}", text.error().message));
  }
  BioPtr pub(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(pub.get(), key->pkey.get()) != 1) return fail(ErrorCategory::internal, "cannot encode the audit public key");
  std::string pem = bio_text(pub.get());
  return std::unique_ptr<AuditSigner>(new AuditSigner(std::move(key), std::move(pem)));
}

Bytes AuditSigner::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t length = 64;
  Bytes signature(length);
  // Ed25519 signs the message itself (no digest); only allocation failure makes this fail.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, m_key->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &length, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    std::abort();
  signature.resize(length);
  return signature;
}

std::string audit_head_signed_text(const AuditHead& head, std::string_view signed_at) {
  const nlohmann::json document = {{"schema", "acctsec.audit-head/1"}, {"seq", head.seq}, {"hash", head.hash}, {"signedAt", signed_at}};
  return document.dump();
}

nlohmann::json audit_head_json(const AuditSigner& signer, const AuditHead& head, std::string_view signed_at) {
  return {{"schema", "acctsec.audit-head/1"},
          {"seq", head.seq},
          {"hash", head.hash},
          {"signedAt", signed_at},
          {"signature", base64url_encode(signer.sign(audit_head_signed_text(head, signed_at)))},
          {"publicKey", signer.public_key_pem()}};
}

}  // namespace acctsec::server
