#include "fido/key_info.hpp"

#include <fido.h>
#include <fmt/format.h>

namespace acctsec::fido {

Result<KeyInfo> key_info(Device& device) {
  fido_cbor_info_t* ci = fido_cbor_info_new();
  if (ci == nullptr) return fail(ErrorCategory::internal, "out of memory");
  struct Free {
    fido_cbor_info_t*& p;
    ~Free() { fido_cbor_info_free(&p); }
  } free_ci{ci};
  if (auto ok = device_run(device, "reading key information", [&] { return fido_dev_get_cbor_info(device.get(), ci); }); !ok)
    return fail(ok.error());

  KeyInfo info;
  info.path = device.path();
  info.is_virtual = device.is_virtual();
  auto strings = [](char** ptr, std::size_t len) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < len; ++i) out.emplace_back(ptr[i]);
    return out;
  };
  info.versions = strings(fido_cbor_info_versions_ptr(ci), fido_cbor_info_versions_len(ci));
  info.extensions = strings(fido_cbor_info_extensions_ptr(ci), fido_cbor_info_extensions_len(ci));
  info.transports = strings(fido_cbor_info_transports_ptr(ci), fido_cbor_info_transports_len(ci));
  const auto* aaguid = fido_cbor_info_aaguid_ptr(ci);
  info.aaguid.assign(aaguid, aaguid + fido_cbor_info_aaguid_len(ci));
  char** names = fido_cbor_info_options_name_ptr(ci);
  const bool* values = fido_cbor_info_options_value_ptr(ci);
  for (std::size_t i = 0; i < fido_cbor_info_options_len(ci); ++i) info.options[names[i]] = values[i];
  for (std::size_t i = 0; i < fido_cbor_info_algorithm_count(ci); ++i) {
    const char* type = fido_cbor_info_algorithm_type(ci, i);
    info.algorithms.push_back({type ? type : "", fido_cbor_info_algorithm_cose(ci, i)});
  }
  const std::uint8_t* protocols = fido_cbor_info_protocols_ptr(ci);
  for (std::size_t i = 0; i < fido_cbor_info_protocols_len(ci); ++i) info.pin_protocols.push_back(protocols[i]);
  info.max_message_size = fido_cbor_info_maxmsgsiz(ci);
  info.firmware_version = fido_cbor_info_fwversion(ci);
  info.min_pin_length = fido_cbor_info_minpinlen(ci);
  const std::int64_t remaining = fido_cbor_info_rk_remaining(ci);
  if (remaining >= 0) info.remaining_discoverable = remaining;

  fido_dev_t* dev = device.get();
  info.pin_supported = fido_dev_supports_pin(dev);
  info.pin_set = fido_dev_has_pin(dev);
  info.credential_management = fido_dev_supports_credman(dev);
  info.ctaphid_version = fmt::format("{}.{}.{}", fido_dev_major(dev), fido_dev_minor(dev), fido_dev_build(dev));
  if (info.pin_supported) {
    int retries = -1;
    if (auto ok = device_run(device, "reading PIN retries", [&] { return fido_dev_get_retry_count(dev, &retries); }); !ok)
      return fail(ok.error());
    info.pin_retries = retries;
  }
  if (fido_dev_supports_uv(dev)) {
    int retries = -1;
    if (fido_dev_get_uv_retry_count(dev, &retries) == FIDO_OK) info.uv_retries = retries;
  }
  return info;
}

}  // namespace acctsec::fido
