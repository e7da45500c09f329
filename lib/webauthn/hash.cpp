#include "webauthn/hash.hpp"

#include <openssl/evp.h>

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

Bytes sha256(ByteView data) {
  // One context per thread, reinitialised per digest: EVP_Digest allocates and frees one each time,
  // which costs more than hashing a clientDataJSON.
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  Bytes out(32);
  unsigned int length = 0;
  // These only fail on allocation failure or a broken provider; there is nothing to recover.
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), digest_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != 32) {
    std::abort();
  }
  return out;
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
