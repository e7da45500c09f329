#include "server/dev_pki.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>

#include "core/openssl_handle.hpp"
#include "core/file.hpp"
#include "core/x509_issue.hpp"

namespace acctsec::server {
namespace {

using KeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;

std::unexpected<Error> internal(const std::string& what) {
  ERR_clear_error();
  return fail(ErrorCategory::internal, "OpenSSL could not " + what);
}

Result<KeyPtr> key_generate() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return internal("generate a P-256 key");
  return key;
}

Result<std::string> key_pem(EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return internal("encode a private key");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// Reads the file at `path` if it exists; nullopt when it does not.
Result<std::optional<std::string>> read_if_present(const std::string& path) {
  auto text = file_read(path, 1024 * 1024);
  if (text) return std::optional<std::string>(std::move(*text));
  if (text.error().category == ErrorCategory::not_found) return std::optional<std::string>{};
  return fail(text.error());
}

Result<X509Owned> cert_from_pem(const std::string& pem, const std::string& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Owned cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    ERR_clear_error();
    return fail(ErrorCategory::usage, path + " is not a PEM certificate; move it away and run acctsec serve --dev again");
  }
  return cert;
}

Result<KeyPtr> key_from_pem(const std::string& pem, const std::string& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    ERR_clear_error();
    return fail(ErrorCategory::usage, path + " is not a PEM private key; move it away and run acctsec serve --dev again");
  }
  return key;
}

std::string fingerprint(X509& cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  X509_digest(&cert, EVP_sha256(), digest.data(), &length);
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{}{:02X}", i ? ":" : "", digest[i]);
  return out;
}

// Whether `cert` was issued by `ca`, carries `key`'s public key and stays valid past `horizon`.
bool server_cert_usable(X509& cert, EVP_PKEY& key, X509& ca, std::chrono::hours horizon) {
  EVP_PKEY* ca_key = X509_get0_pubkey(&ca);
  const bool ok = ca_key && X509_verify(&cert, ca_key) == 1 && X509_check_private_key(&cert, &key) == 1;
  time_t limit = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + horizon);
  const bool fresh = X509_cmp_time(X509_get0_notAfter(&cert), &limit) > 0;
  ERR_clear_error();
  return ok && fresh;
}

Result<void> write_file(const std::string& path, const std::string& content, mode_t mode) {
  auto written = file_write_atomic(path, content, mode);
  if (!written) return fail(ErrorCategory::usage, "cannot write " + path + ": " + written.error().message);
  return {};
}

}  // namespace

Result<DevPki> dev_pki_ensure(const std::string& data_dir) {
  namespace fs = std::filesystem;
  DevPki out;
  out.ca_cert = (fs::path(data_dir) / "ca.pem").string();
  const std::string ca_key_path = (fs::path(data_dir) / "ca.key").string();
  out.server_cert = (fs::path(data_dir) / "server.pem").string();
  out.server_key = (fs::path(data_dir) / "server.key").string();

  auto ca_pem = read_if_present(out.ca_cert);
  if (!ca_pem) return fail(ca_pem.error());
  auto ca_key_pem = read_if_present(ca_key_path);
  if (!ca_key_pem) return fail(ca_key_pem.error());
  X509Owned ca;
  KeyPtr ca_key;
  if (*ca_pem && *ca_key_pem) {
    auto cert = cert_from_pem(**ca_pem, out.ca_cert);
    if (!cert) return fail(cert.error());
    auto key = key_from_pem(**ca_key_pem, ca_key_path);
    if (!key) return fail(key.error());
    if (X509_check_private_key(cert->get(), key->get()) != 1) {
      ERR_clear_error();
      return fail(ErrorCategory::usage, ca_key_path + " is not the key of " + out.ca_cert +
                                            "; move both away and run acctsec serve --dev again");
    }
    ca = std::move(*cert);
    ca_key = std::move(*key);
  } else if (*ca_pem || *ca_key_pem) {
    return fail(ErrorCategory::usage, fmt::format("{} exists without {}; move it away and run acctsec serve --dev again",
                                                  *ca_pem ? out.ca_cert : ca_key_path, *ca_pem ? ca_key_path : out.ca_cert));
  } else {
    auto key = key_generate();
    if (!key) return fail(key.error());
    const CertificateProfile profile{
        .subject = {{"O", "acctsec development"}, {"CN", "acctsec serve --dev local CA"}},
        .validity = k_dev_ca_validity,
        .extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"}},
        .raw_extensions = {}};
    auto cert = certificate_issue(profile, **key, nullptr, **key);
    if (!cert) return fail(cert.error());
    auto key_text = key_pem(**key);
    if (!key_text) return fail(key_text.error());
    auto cert_text = certificate_pem(**cert);
    if (!cert_text) return fail(cert_text.error());
    // The key first: a CA certificate without its key would stop the next start.
    auto written = write_file(ca_key_path, *key_text, 0600);
    OPENSSL_cleanse(key_text->data(), key_text->size());
    if (!written) return fail(written.error());
    if (auto ok = write_file(out.ca_cert, *cert_text, 0644); !ok) return fail(ok.error());
    ca = std::move(*cert);
    ca_key = std::move(*key);
    out.ca_created = true;
  }
  out.ca_fingerprint = fingerprint(*ca);

  auto server_pem = read_if_present(out.server_cert);
  if (!server_pem) return fail(server_pem.error());
  auto server_key_pem = read_if_present(out.server_key);
  if (!server_key_pem) return fail(server_key_pem.error());
  if (!out.ca_created && *server_pem && *server_key_pem) {
    auto cert = cert_from_pem(**server_pem, out.server_cert);
    auto key = key_from_pem(**server_key_pem, out.server_key);
    if (cert && key && server_cert_usable(**cert, **key, *ca, k_dev_server_renew_before)) return out;
  }

  auto key = key_generate();
  if (!key) return fail(key.error());
  const CertificateProfile profile{
      .subject = {{"O", "acctsec development"}, {"CN", "localhost"}},
      .validity = k_dev_server_validity,
      .extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                     {NID_key_usage, "critical,digitalSignature"},
                     {NID_ext_key_usage, "serverAuth"},
                     {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
                     {NID_authority_key_identifier, "keyid:always"}},
      .raw_extensions = {}};
  auto cert = certificate_issue(profile, **key, ca.get(), *ca_key);
  if (!cert) return fail(cert.error());
  auto key_text = key_pem(**key);
  if (!key_text) return fail(key_text.error());
  auto cert_text = certificate_pem(**cert);
  if (!cert_text) return fail(cert_text.error());
  auto written = write_file(out.server_key, *key_text, 0600);
  OPENSSL_cleanse(key_text->data(), key_text->size());
  if (!written) return fail(written.error());
  if (auto ok = write_file(out.server_cert, *cert_text, 0644); !ok) return fail(ok.error());
  out.server_issued = true;
  return out;
}

}  // namespace acctsec::server
