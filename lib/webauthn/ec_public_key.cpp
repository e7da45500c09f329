// EC_KEY, EC_GROUP and ECDSA_verify are deprecated in OpenSSL 3 in favour of the provider interface,
// but they remain supported and are what that interface itself calls; see ec_public_key.hpp for why
// the verification hot path uses them directly. The build hides deprecated declarations
// everywhere (cmake/Settings.cmake); this file alone asks for them back, without the warnings.
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED

#include "webauthn/ec_public_key.hpp"

#include "webauthn/hash.hpp"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <array>
#include <memory>
#include <optional>

namespace acctsec::webauthn {
namespace {

struct EcKeyFree {
  void operator()(EC_KEY* key) const noexcept { EC_KEY_free(key); }
};
using EcKeyPtr = std::unique_ptr<EC_KEY, EcKeyFree>;

// The process-wide template group of a curve; never modified after it is made, so threads may copy
// it concurrently (EC_KEY_set_group duplicates it).
// The supported curves' places in the per-process and per-thread tables below; nullopt otherwise.
std::optional<std::size_t> curve_slot(int nid) {
  switch (nid) {
    case NID_X9_62_prime256v1:
      return 0;
    case NID_secp384r1:
      return 1;
    case NID_secp521r1:
      return 2;
    default:
      return std::nullopt;
  }
}

const EC_GROUP* curve_group(int nid) {
  static const std::array<EC_GROUP*, 3> groups{EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1),
                                               EC_GROUP_new_by_curve_name(NID_secp384r1),
                                               EC_GROUP_new_by_curve_name(NID_secp521r1)};
  const auto slot = curve_slot(nid);
  return slot ? groups[*slot] : nullptr;
}

}  // namespace

void EcPointFree::operator()(EC_POINT* point) const noexcept { EC_POINT_free(point); }

Result<EcPublicKey> ec_public_key_from_point(int curve_nid, ByteView point) {
  const EC_GROUP* group = curve_group(curve_nid);
  if (!group) return fail(ErrorCategory::usage, "unsupported curve");
  EcPublicKey key{curve_nid, std::unique_ptr<EC_POINT, EcPointFree>(EC_POINT_new(group))};
  if (!key.point) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "OpenSSL could not allocate an EC point");
  }
  // oct2point refuses coordinates outside the field and, through EC_POINT_set_affine_coordinates,
  // points off the curve; the point at infinity has a one-byte encoding, never an uncompressed one.
  const bool ok = !point.empty() && point[0] == 0x04 &&
                  EC_POINT_oct2point(group, key.point.get(), point.data(), point.size(), nullptr) == 1 &&
                  EC_POINT_is_at_infinity(group, key.point.get()) == 0;
  if (!ok) {
    ERR_clear_error();
    return fail(ErrorCategory::rejected, "the point is not on the curve");
  }
  return key;
}

bool ec_public_key_verify(const EcPublicKey& key, const EVP_MD* digest, ByteView message, ByteView signature) {
  // One EC_KEY per curve and thread, given each key's point in turn.
  thread_local std::array<EcKeyPtr, 3> verifiers;
  const auto slot = curve_slot(key.curve_nid);
  if (!slot) return false;
  EcKeyPtr& ec = verifiers[*slot];
  if (!ec) {
    const EC_GROUP* group = curve_group(key.curve_nid);
    ec.reset(EC_KEY_new());
    if (ec && EC_KEY_set_group(ec.get(), group) != 1) ec.reset();
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  const bool ok = ec && key.point && digest && signature.size() <= 0x7fffffff &&
                  EC_KEY_set_public_key(ec.get(), key.point.get()) == 1 && [&] {
                    const std::size_t length = digest_into(digest, message, hash.data());
                    return ECDSA_verify(0, hash.data(), static_cast<int>(length), signature.data(),
                                        static_cast<int>(signature.size()), ec.get()) == 1;
                  }();
  ERR_clear_error();
  return ok;
}

}  // namespace acctsec::webauthn
