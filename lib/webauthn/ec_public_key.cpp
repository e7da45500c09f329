// EC_KEY, EC_GROUP and ECDSA_verify are deprecated in OpenSSL 3 in favour of the provider interface,
// but they remain supported and are what that interface itself calls; see ec_public_key.hpp for why
// the verification hot path uses them directly. The build hides deprecated declarations
// everywhere (cmake/Settings.cmake); this file alone asks for them back, without the warnings.
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED

#include "webauthn/ec_public_key.hpp"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <array>
#include <memory>

namespace acctsec::webauthn {
namespace {

struct EcKeyFree {
  void operator()(EC_KEY* key) const noexcept { EC_KEY_free(key); }
};
struct EcPointFree {
  void operator()(EC_POINT* point) const noexcept { EC_POINT_free(point); }
};
using EcKeyPtr = std::unique_ptr<EC_KEY, EcKeyFree>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointFree>;

// The process-wide template group of a curve; never modified after it is made, so threads may copy
// it concurrently (EC_KEY_set_group duplicates it).
const EC_GROUP* curve_group(int nid) {
  static const std::array<EC_GROUP*, 3> groups{EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1),
                                               EC_GROUP_new_by_curve_name(NID_secp384r1),
                                               EC_GROUP_new_by_curve_name(NID_secp521r1)};
  switch (nid) {
    case NID_X9_62_prime256v1:
      return groups[0];
    case NID_secp384r1:
      return groups[1];
    case NID_secp521r1:
      return groups[2];
    default:
      return nullptr;
  }
}

}  // namespace

Result<EvpPkeyPtr> ec_public_key_from_point(int curve_nid, ByteView point) {
  const EC_GROUP* group = curve_group(curve_nid);
  if (!group) return fail(ErrorCategory::usage, "unsupported curve");
  EcKeyPtr ec(EC_KEY_new());
  EcPointPtr ec_point(ec ? EC_POINT_new(group) : nullptr);
  if (!ec || !ec_point || EC_KEY_set_group(ec.get(), group) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "OpenSSL could not allocate an EC key");
  }
  // oct2point refuses coordinates outside the field and, through EC_POINT_set_affine_coordinates,
  // points off the curve; the point at infinity has a one-byte encoding, never an uncompressed one.
  const bool ok = !point.empty() && point[0] == 0x04 &&
                  EC_POINT_oct2point(group, ec_point.get(), point.data(), point.size(), nullptr) == 1 &&
                  EC_POINT_is_at_infinity(group, ec_point.get()) == 0 &&
                  EC_KEY_set_public_key(ec.get(), ec_point.get()) == 1;
  if (!ok) {
    ERR_clear_error();
    return fail(ErrorCategory::rejected, "the point is not on the curve");
  }
  EvpPkeyPtr key(EVP_PKEY_new());
  if (!key || EVP_PKEY_assign_EC_KEY(key.get(), ec.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "OpenSSL could not allocate an EC key");
  }
  ec.release();  // owned by key now
  return key;
}

bool ec_public_key_verify(EVP_PKEY* key, const EVP_MD* digest, ByteView message, ByteView signature) {
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key);
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  unsigned int hash_length = 0;
  const bool ok = ec && digest && signature.size() <= 0x7fffffff &&
                  EVP_Digest(message.data(), message.size(), hash.data(), &hash_length, digest, nullptr) == 1 &&
                  ECDSA_verify(0, hash.data(), static_cast<int>(hash_length), signature.data(),
                               static_cast<int>(signature.size()), const_cast<EC_KEY*>(ec)) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace acctsec::webauthn
