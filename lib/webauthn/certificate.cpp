#include "webauthn/certificate.hpp"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <limits>

namespace acctsec::webauthn {
namespace {

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct AsnObjectFree {
  void operator()(ASN1_OBJECT* object) const noexcept { ASN1_OBJECT_free(object); }
};
struct StoreFree {
  void operator()(X509_STORE* store) const noexcept { X509_STORE_free(store); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* ctx) const noexcept { X509_STORE_CTX_free(ctx); }
};
struct StackFree {
  // The stack does not own its certificates: they stay owned by the caller's X509Ptr vector.
  void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_free(stack); }
};
struct BasicConstraintsFree {
  void operator()(BASIC_CONSTRAINTS* bc) const noexcept { BASIC_CONSTRAINTS_free(bc); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using AsnObjectPtr = std::unique_ptr<ASN1_OBJECT, AsnObjectFree>;
using StorePtr = std::unique_ptr<X509_STORE, StoreFree>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, StoreCtxFree>;
using StackPtr = std::unique_ptr<STACK_OF(X509), StackFree>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsFree>;

// OIDs are given in dotted form only: no_name=1 keeps OpenSSL from resolving short names like "CN".
AsnObjectPtr object_from_oid(std::string_view oid) {
  const std::string text(oid);
  return AsnObjectPtr(OBJ_txt2obj(text.c_str(), 1));
}

}  // namespace

Result<X509Ptr> certificate_parse_der(ByteView der, std::string_view what) {
  if (der.empty()) return fail(ErrorCategory::rejected, fmt::format("{} is empty", what));
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) {
    return fail(ErrorCategory::rejected, fmt::format("{} is too large", what));
  }
  const unsigned char* cursor = der.data();
  X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert) return fail(ErrorCategory::rejected, fmt::format("{} is not a DER X.509 certificate", what));
  const auto consumed = static_cast<std::size_t>(cursor - der.data());
  if (consumed != der.size()) {
    return fail(ErrorCategory::rejected,
                fmt::format("{} has {} bytes after the DER certificate", what, der.size() - consumed));
  }
  return cert;
}

Result<std::vector<X509Ptr>> certificate_chain_parse_der(const std::vector<Bytes>& ders, std::string_view what) {
  if (ders.empty()) return fail(ErrorCategory::rejected, fmt::format("{} holds no certificate", what));
  std::vector<X509Ptr> out;
  out.reserve(ders.size());
  for (std::size_t i = 0; i < ders.size(); ++i) {
    auto cert = certificate_parse_der(ders[i], fmt::format("{}[{}]", what, i));
    if (!cert) return fail(cert.error());
    out.push_back(std::move(*cert));
  }
  return out;
}

Result<std::vector<X509Ptr>> certificates_parse_pem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return fail(ErrorCategory::rejected, "PEM text is too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(ErrorCategory::internal, "OpenSSL could not allocate a memory BIO");
  std::vector<X509Ptr> out;
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(raw);
  // The loop ends at end of input (no more BEGIN lines) or at a block that does not parse; tell
  // them apart so that a corrupt certificate is not silently dropped.
  const unsigned long last = ERR_peek_last_error();
  ERR_clear_error();
  const bool clean_end = ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (last != 0 && !clean_end) {
    return fail(ErrorCategory::rejected,
                fmt::format("PEM certificate {} does not parse as an X.509 certificate", out.size() + 1));
  }
  if (out.empty()) return fail(ErrorCategory::rejected, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
  return out;
}

X509Ptr certificate_share(X509* cert) {
  X509_up_ref(cert);
  return X509Ptr(cert);
}

Bytes certificate_der(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert, &der);
  if (length <= 0 || !der) {
    ERR_clear_error();
    return {};
  }
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

std::string certificate_subject(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // RFC 2253 order (most specific first), UTF-8 kept as UTF-8 rather than escaped.
  constexpr unsigned long flags = XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
  if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, flags) < 0) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 && data ? std::string(data, static_cast<std::size_t>(length)) : std::string{};
}

std::optional<std::string> certificate_subject_attribute(X509* cert, std::string_view oid) {
  const auto object = object_from_oid(oid);
  if (!object) {
    ERR_clear_error();
    return std::nullopt;
  }
  const X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_OBJ(name, object.get(), -1);
  if (index < 0) return std::nullopt;
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0 || !utf8) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

int certificate_version(X509* cert) {
  // X509_get_version returns the encoded value, which is the version minus one.
  return static_cast<int>(X509_get_version(cert)) + 1;
}

bool certificate_is_ca(X509* cert) {
  // Read basicConstraints itself: OpenSSL's EXFLAG_CA also marks v1 self-signed certificates.
  int critical = 0;
  BasicConstraintsPtr bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(cert, NID_basic_constraints, &critical, nullptr)));
  ERR_clear_error();
  return bc && bc->ca != 0;
}

std::optional<CertificateExtension> certificate_extension(X509* cert, std::string_view oid) {
  const auto object = object_from_oid(oid);
  if (!object) {
    ERR_clear_error();
    return std::nullopt;
  }
  const int index = X509_get_ext_by_OBJ(cert, object.get(), -1);
  if (index < 0) return std::nullopt;
  X509_EXTENSION* extension = X509_get_ext(cert, index);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(extension);
  CertificateExtension out;
  out.critical = X509_EXTENSION_get_critical(extension) != 0;
  if (data) {
    const unsigned char* bytes = ASN1_STRING_get0_data(data);
    out.value.assign(bytes, bytes + ASN1_STRING_length(data));
  }
  return out;
}

EvpPkeyPtr certificate_public_key(X509* cert) {
  EvpPkeyPtr key(X509_get_pubkey(cert));
  ERR_clear_error();
  return key;
}

std::string_view trust_status_name(TrustStatus status) {
  switch (status) {
    case TrustStatus::trusted:
      return "trusted";
    case TrustStatus::unverified:
      return "unverified";
    case TrustStatus::untrusted:
      return "untrusted";
    case TrustStatus::none:
      return "none";
  }
  return "none";
}

TrustResult certificate_chain_verify(const std::vector<X509Ptr>& chain, const std::vector<X509Ptr>& anchors,
                                     std::optional<std::chrono::system_clock::time_point> at) {
  TrustResult result;
  if (chain.empty() || !chain.front()) {
    result.status = TrustStatus::untrusted;
    result.reason = "there is no attestation certificate to build a path from";
    return result;
  }

  if (anchors.empty()) {
    // Nothing to anchor to: check only that each certificate is signed by the next, so a chain
    // that is internally inconsistent is still caught. Validity periods are not checked here;
    // without an anchor the dates prove nothing.
    for (const auto& cert : chain) result.path.push_back(certificate_subject(cert.get()));
    for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
      const EvpPkeyPtr issuer_key = certificate_public_key(chain[i + 1].get());
      const bool ok = issuer_key && X509_verify(chain[i].get(), issuer_key.get()) == 1;
      ERR_clear_error();
      if (!ok) {
        result.status = TrustStatus::untrusted;
        result.reason = fmt::format("certificate signature failure: x5c[{}] ({}) is not signed by x5c[{}] ({})", i,
                                    result.path[i], i + 1, result.path[i + 1]);
        return result;
      }
    }
    result.status = TrustStatus::unverified;
    return result;
  }

  StorePtr store(X509_STORE_new());
  StackPtr untrusted(sk_X509_new_null());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) {
    result.status = TrustStatus::untrusted;
    result.reason = "OpenSSL could not allocate a certificate store";
    return result;
  }
  for (const auto& anchor : anchors) {
    // X509_STORE_add_cert takes its own reference; adding the same anchor twice is harmless.
    if (anchor) X509_STORE_add_cert(store.get(), anchor.get());
  }
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  ERR_clear_error();

  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()) != 1) {
    ERR_clear_error();
    result.status = TrustStatus::untrusted;
    result.reason = "OpenSSL could not set up path validation";
    return result;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Metadata often lists an intermediate as the attestation root; accept a path that ends there.
  // CRLs are not fetched: attestation CAs rarely publish them and MDS status reports cover revocation.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (at) X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(*at));

  const int rc = X509_verify_cert(ctx.get());
  if (rc == 1) {
    result.status = TrustStatus::trusted;
    STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get());
    for (int i = 0; built && i < sk_X509_num(built); ++i) {
      result.path.push_back(certificate_subject(sk_X509_value(built, i)));
    }
    ERR_clear_error();
    return result;
  }
  const int error = X509_STORE_CTX_get_error(ctx.get());
  const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  X509* current = X509_STORE_CTX_get_current_cert(ctx.get());
  for (const auto& cert : chain) result.path.push_back(certificate_subject(cert.get()));
  result.status = TrustStatus::untrusted;
  result.reason = current ? fmt::format("{} (depth {}: {})", X509_verify_cert_error_string(error), depth,
                                        certificate_subject(current))
                          : std::string(X509_verify_cert_error_string(error));
  ERR_clear_error();
  return result;
}

}  // namespace acctsec::webauthn
