#include "webauthn/hash.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace acctsec::webauthn {

Bytes sha256(ByteView data) {
  Bytes out(32);
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure or a broken provider; there is nothing to recover.
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 || length != 32) {
    std::abort();
  }
  return out;
}

}  // namespace acctsec::webauthn
