#include "core/public_key_pin.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/bytes.hpp"
#include "core/file.hpp"
#include "core/openssl_handle.hpp"

namespace acctsec {
namespace {

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using X509Ptr = OpenSslPtr<X509, X509_free>;

constexpr std::string_view k_pin_prefix = "sha256//";
constexpr std::size_t k_pin_base64_size = 44;  // 32 bytes in padded base64

}  // namespace

Result<std::string> public_key_pin_of_certificate(const std::string& pem_file) {
  auto pem = file_read(pem_file, 1024 * 1024);
  if (!pem) return fail(pem.error());
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!certificate) return fail(ErrorCategory::usage, fmt::format("{} holds no PEM certificate", pem_file));
  // The SubjectPublicKeyInfo as DER: what the pin hashes.
  unsigned char* der = nullptr;
  const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.get()), &der);
  if (size <= 0) return fail(ErrorCategory::usage, fmt::format("the certificate in {} has no readable key", pem_file));
  Bytes digest(32);
  unsigned int digest_size = 0;
  const bool hashed =
      EVP_Digest(der, static_cast<std::size_t>(size), digest.data(), &digest_size, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed) return fail(ErrorCategory::internal, "SHA-256 failed");
  return std::string(k_pin_prefix) + base64_encode(digest);
}

Result<void> public_key_pin_check(std::string_view pins) {
  const auto malformed = [&] {
    return fail(ErrorCategory::usage,
                fmt::format("'{}' is not a public-key pin; the form is sha256// followed by the base64 SHA-256 of the "
                            "server's public key, several joined by ';'",
                            pins));
  };
  if (pins.empty()) return malformed();
  while (true) {
    const auto end = pins.find(';');
    const std::string_view pin = pins.substr(0, end);
    if (!pin.starts_with(k_pin_prefix)) return malformed();
    const std::string_view encoded = pin.substr(k_pin_prefix.size());
    const auto decoded = base64_decode(encoded);
    if (encoded.size() != k_pin_base64_size || !decoded || decoded->size() != 32) return malformed();
    if (end == std::string_view::npos) return {};
    pins.remove_prefix(end + 1);
  }
}

}  // namespace acctsec
