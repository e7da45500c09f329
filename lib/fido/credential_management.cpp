#include "fido/credential_management.hpp"

#include <fido.h>
#include <fido/credman.h>

#include <memory>

namespace acctsec::fido {
namespace {

struct MetadataDeleter {
  void operator()(fido_credman_metadata_t* p) const { fido_credman_metadata_free(&p); }
};
struct RpDeleter {
  void operator()(fido_credman_rp_t* p) const { fido_credman_rp_free(&p); }
};
struct RkDeleter {
  void operator()(fido_credman_rk_t* p) const { fido_credman_rk_free(&p); }
};

Result<void> require_credman(const Device& device) {
  if (!fido_dev_supports_credman(device.get()))
    return fail(ErrorCategory::device, device.path() + " does not support credential management (CTAP 2.1)");
  if (!fido_dev_has_pin(device.get()))
    return fail(ErrorCategory::device, "credential management needs the key's PIN and this key has none; set one with: acctsec key pin set");
  return {};
}

}  // namespace

Result<void> credentials_supported(const Device& device) { return require_credman(device); }

namespace {

Bytes copy(const unsigned char* ptr, std::size_t len) { return ptr ? Bytes(ptr, ptr + len) : Bytes{}; }

}  // namespace

Result<CredentialInventory> credentials_list(Device& device, const Secret& pin, const std::optional<std::string>& rp_id) {
  if (auto ok = require_credman(device); !ok) return fail(ok.error());
  CredentialInventory inventory;
  std::unique_ptr<fido_credman_metadata_t, MetadataDeleter> meta(fido_credman_metadata_new());
  if (auto ok = device_run(device, "reading credential metadata",
                           [&] { return fido_credman_get_dev_metadata(device.get(), meta.get(), pin.c_str()); });
      !ok)
    return fail(ok.error());
  inventory.existing = fido_credman_rk_existing(meta.get());
  inventory.remaining = fido_credman_rk_remaining(meta.get());
  if (inventory.existing == 0) return inventory;

  std::unique_ptr<fido_credman_rp_t, RpDeleter> rps(fido_credman_rp_new());
  if (auto ok = device_run(device, "listing relying parties",
                           [&] { return fido_credman_get_dev_rp(device.get(), rps.get(), pin.c_str()); });
      !ok)
    return fail(ok.error());
  for (std::size_t i = 0; i < fido_credman_rp_count(rps.get()); ++i) {
    const std::string id = fido_credman_rp_id(rps.get(), i);
    if (rp_id && *rp_id != id) continue;
    const char* rp_name = fido_credman_rp_name(rps.get(), i);
    std::unique_ptr<fido_credman_rk_t, RkDeleter> rks(fido_credman_rk_new());
    if (auto ok = device_run(device, "listing credentials",
                             [&] { return fido_credman_get_dev_rk(device.get(), id.c_str(), rks.get(), pin.c_str()); });
        !ok)
      return fail(ok.error());
    for (std::size_t j = 0; j < fido_credman_rk_count(rks.get()); ++j) {
      const fido_cred_t* c = fido_credman_rk(rks.get(), j);
      StoredCredential s;
      s.rp_id = id;
      s.rp_name = rp_name ? rp_name : "";
      s.credential_id = copy(fido_cred_id_ptr(c), fido_cred_id_len(c));
      s.user_id = copy(fido_cred_user_id_ptr(c), fido_cred_user_id_len(c));
      if (const char* n = fido_cred_user_name(c)) s.user_name = n;
      if (const char* d = fido_cred_display_name(c)) s.user_display_name = d;
      s.cose_algorithm = fido_cred_type(c);
      s.protection = fido_cred_prot(c);
      inventory.credentials.push_back(std::move(s));
    }
  }
  return inventory;
}

Result<void> credentials_delete(Device& device, const Secret& pin, ByteView credential_id) {
  if (auto ok = require_credman(device); !ok) return ok;
  auto deleted = device_run(device, "deleting the credential", [&] {
    return fido_credman_del_dev_rk(device.get(), credential_id.data(), credential_id.size(), pin.c_str());
  });
  if (!deleted && deleted.error().category == ErrorCategory::not_found)
    deleted.error().message = "the key holds no discoverable credential with that id; list them with: acctsec key credentials list";
  return deleted;
}

Result<void> key_reset(Device& device) {
  return device_run(device, "resetting the key", [&] { return fido_dev_reset(device.get()); });
}

}  // namespace acctsec::fido
