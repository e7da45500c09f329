#include "webauthn/hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>
#include <memory>

namespace acctsec::webauthn {

namespace {

const EVP_MD* fetched(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (!md) std::abort();  // the default provider always has the SHA-2 family
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::size_t digest_into(const EVP_MD* md, ByteView data, unsigned char* out) {
  struct Template {
    const EVP_MD* md = nullptr;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> initialised;
  };
  thread_local std::array<Template, 4> templates;
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> work(EVP_MD_CTX_new());
  Template* slot = nullptr;
  for (auto& candidate : templates) {
    if (candidate.md == md || !candidate.md) {
      slot = &candidate;
      break;
    }
  }
  if (!slot) slot = &templates.back();  // more digests than slots: reuse the last one
  if (slot->md != md) {
    slot->initialised.reset(EVP_MD_CTX_new());
    if (!slot->initialised || EVP_DigestInit_ex2(slot->initialised.get(), md, nullptr) != 1) std::abort();
    slot->md = md;
  }
  unsigned int length = 0;
  // These only fail on allocation failure or a broken provider; there is nothing to recover.
  if (!work || EVP_MD_CTX_copy_ex(work.get(), slot->initialised.get()) != 1 ||
      EVP_DigestUpdate(work.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(work.get(), out, &length) != 1) {
    std::abort();
  }
  return length;
}

Bytes sha256(ByteView data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  const std::size_t length = digest_into(digest_sha256(), data, digest.data());
  if (length != 32) std::abort();
  return Bytes(digest.begin(), digest.begin() + 32);
}

const EVP_MD* digest_sha256() {
  static const EVP_MD* md = fetched("SHA2-256");
  return md;
}
const EVP_MD* digest_sha384() {
  static const EVP_MD* md = fetched("SHA2-384");
  return md;
}
const EVP_MD* digest_sha512() {
  static const EVP_MD* md = fetched("SHA2-512");
  return md;
}

}  // namespace acctsec::webauthn
