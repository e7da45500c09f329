#include "fido/credential_ops.hpp"

#include <cbor.h>
#include <fido.h>

#include <memory>

#include "core/log.hpp"

namespace acctsec::fido {
namespace {

struct CredDeleter {
  void operator()(fido_cred_t* p) const { fido_cred_free(&p); }
};
struct AssertDeleter {
  void operator()(fido_assert_t* p) const { fido_assert_free(&p); }
};

Bytes copy(const unsigned char* ptr, std::size_t len) { return ptr ? Bytes(ptr, ptr + len) : Bytes{}; }

// libfido2 hands out an assertion's authenticatorData wrapped in a CBOR byte string; the
// signature covers the bare bytes.
Result<Bytes> unwrap_cbor_bytes(ByteView wrapped) {
  cbor_load_result load{};
  cbor_item_t* item = cbor_load(wrapped.data(), wrapped.size(), &load);
  if (item == nullptr || load.error.code != CBOR_ERR_NONE || !cbor_isa_bytestring(item) ||
      !cbor_bytestring_is_definite(item) || load.read != wrapped.size()) {
    if (item) cbor_decref(&item);
    return fail(ErrorCategory::device, "the key returned malformed authenticator data");
  }
  Bytes out(cbor_bytestring_handle(item), cbor_bytestring_handle(item) + cbor_bytestring_length(item));
  cbor_decref(&item);
  return out;
}

fido_opt_t uv_option(UserVerification uv, const Device& device, const Secret* pin) {
  // With a PIN, libfido2 proves UV through pinUvAuthParam; asking for options.uv as well is
  // invalid on keys without built-in UV.
  if (pin != nullptr) return FIDO_OPT_OMIT;
  if (uv == UserVerification::required) return FIDO_OPT_TRUE;
  if (uv == UserVerification::preferred && fido_dev_has_uv(device.get())) return FIDO_OPT_TRUE;
  return FIDO_OPT_OMIT;
}

}  // namespace

int algorithm_cose(Algorithm alg) { return alg == Algorithm::eddsa ? COSE_EDDSA : COSE_ES256; }

Result<MakeCredentialResult> make_credential(Device& device, const MakeCredentialRequest& request) {
  std::unique_ptr<fido_cred_t, CredDeleter> cred(fido_cred_new());
  if (!cred) return fail(ErrorCategory::internal, "out of memory");
  fido_cred_t* c = cred.get();
  const int type = algorithm_cose(request.algorithm);
  int rc = fido_cred_set_type(c, type);
  if (rc == FIDO_OK) rc = fido_cred_set_clientdata_hash(c, request.client_data_hash.data(), request.client_data_hash.size());
  if (rc == FIDO_OK) rc = fido_cred_set_rp(c, request.rp_id.c_str(), request.rp_name.empty() ? nullptr : request.rp_name.c_str());
  if (rc == FIDO_OK)
    rc = fido_cred_set_user(c, request.user_id.data(), request.user_id.size(), request.user_name.c_str(),
                            request.user_display_name.empty() ? nullptr : request.user_display_name.c_str(), nullptr);
  if (rc == FIDO_OK) rc = fido_cred_set_rk(c, request.resident_key == ResidentKey::yes ? FIDO_OPT_TRUE : FIDO_OPT_OMIT);
  if (rc == FIDO_OK) rc = fido_cred_set_uv(c, uv_option(request.user_verification, device, request.pin));
  for (const auto& id : request.exclude)
    if (rc == FIDO_OK) rc = fido_cred_exclude(c, id.data(), id.size());
  if (rc != FIDO_OK) return fail(ErrorCategory::usage, std::string("invalid credential request: ") + fido_strerr(rc));

  if (request.user_verification == UserVerification::required && request.pin == nullptr && !fido_dev_has_uv(device.get()) &&
      fido_dev_has_pin(device.get()))
    return fail(ErrorCategory::device, "user verification is required and this key verifies users with its PIN: enter it at the prompt, or pass --pin-file FILE or --pin-fd N");

  log_debug("fido", "make credential rp={} alg={} rk={}", request.rp_id, type, request.resident_key == ResidentKey::yes);
  const char* pin = request.pin ? request.pin->c_str() : nullptr;
  if (auto ok = device_run(device, "creating a credential", [&] { return fido_dev_make_cred(device.get(), c, pin); }); !ok)
    return fail(ok.error());

  MakeCredentialResult out;
  out.credential_id = copy(fido_cred_id_ptr(c), fido_cred_id_len(c));
  out.auth_data = copy(fido_cred_authdata_raw_ptr(c), fido_cred_authdata_raw_len(c));
  out.fmt = fido_cred_fmt(c) ? fido_cred_fmt(c) : "";
  out.att_stmt_cbor = copy(fido_cred_attstmt_ptr(c), fido_cred_attstmt_len(c));
  out.cose_algorithm = fido_cred_type(c);
  if (out.credential_id.empty() || out.auth_data.empty() || out.fmt.empty())
    return fail(ErrorCategory::device, "the key returned an incomplete credential");
  return out;
}

Result<std::vector<AssertionResult>> get_assertion(Device& device, const GetAssertionRequest& request) {
  std::unique_ptr<fido_assert_t, AssertDeleter> assertion(fido_assert_new());
  if (!assertion) return fail(ErrorCategory::internal, "out of memory");
  fido_assert_t* a = assertion.get();
  int rc = fido_assert_set_rp(a, request.rp_id.c_str());
  if (rc == FIDO_OK) rc = fido_assert_set_clientdata_hash(a, request.client_data_hash.data(), request.client_data_hash.size());
  for (const auto& id : request.allow)
    if (rc == FIDO_OK) rc = fido_assert_allow_cred(a, id.data(), id.size());
  if (rc == FIDO_OK) rc = fido_assert_set_up(a, request.user_presence == UserPresence::required ? FIDO_OPT_OMIT : FIDO_OPT_FALSE);
  if (rc == FIDO_OK) rc = fido_assert_set_uv(a, uv_option(request.user_verification, device, request.pin));
  if (rc != FIDO_OK) return fail(ErrorCategory::usage, std::string("invalid assertion request: ") + fido_strerr(rc));

  if (request.user_verification == UserVerification::required && request.pin == nullptr && !fido_dev_has_uv(device.get()) &&
      fido_dev_has_pin(device.get()))
    return fail(ErrorCategory::device, "user verification is required and this key verifies users with its PIN: enter it at the prompt, or pass --pin-file FILE or --pin-fd N");

  log_debug("fido", "get assertion rp={} allow={}", request.rp_id, request.allow.size());
  const char* pin = request.pin ? request.pin->c_str() : nullptr;
  if (auto ok = device_run(device, "getting an assertion", [&] { return fido_dev_get_assert(device.get(), a, pin); }); !ok)
    return fail(ok.error());

  std::vector<AssertionResult> out;
  for (std::size_t i = 0; i < fido_assert_count(a); ++i) {
    AssertionResult r;
    r.credential_id = copy(fido_assert_id_ptr(a, i), fido_assert_id_len(a, i));
    auto auth_data = unwrap_cbor_bytes(ByteView(fido_assert_authdata_ptr(a, i), fido_assert_authdata_len(a, i)));
    if (!auth_data) return fail(auth_data.error());
    r.auth_data = std::move(*auth_data);
    r.signature = copy(fido_assert_sig_ptr(a, i), fido_assert_sig_len(a, i));
    r.user_id = copy(fido_assert_user_id_ptr(a, i), fido_assert_user_id_len(a, i));
    if (const char* name = fido_assert_user_name(a, i)) r.user_name = name;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace acctsec::fido
