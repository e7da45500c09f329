#include "fido/device.hpp"

#include <fmt/format.h>

#include <memory>

#include "core/cancel.hpp"
#include "core/log.hpp"
#include "fido/fido_error.hpp"
#include "fido/library.hpp"
#include "fido/virtual/virtual_key.hpp"

namespace acctsec::fido {
namespace {

constexpr std::size_t k_max_devices = 64;

// A virtual key whose file is missing is, to the user, a key that is not there: a device problem.
Error virtual_unusable(Error e) {
  if (e.category == ErrorCategory::not_found) e.category = ErrorCategory::device;
  return e;
}

std::string no_key_message() {
  return "no security key found. Insert a key (and check that you may read /dev/hidraw*), or use a "
         "virtual key: acctsec key virtual create FILE, then acctsec --device virtual:FILE key info";
}

}  // namespace

Result<std::vector<DeviceEntry>> device_list(const std::optional<std::string>& named_path) {
  library_init();
  std::vector<DeviceEntry> entries;
  fido_dev_info_t* infos = fido_dev_info_new(k_max_devices);
  if (infos == nullptr) return fail(ErrorCategory::internal, "out of memory listing keys");
  std::size_t found = 0;
  const int rc = fido_dev_info_manifest(infos, k_max_devices, &found);
  if (rc != FIDO_OK) {
    fido_dev_info_free(&infos, k_max_devices);
    return fail(fido_error(rc, "listing keys"));
  }
  for (std::size_t i = 0; i < found; ++i) {
    const fido_dev_info_t* di = fido_dev_info_ptr(infos, i);
    DeviceEntry e;
    e.path = fido_dev_info_path(di);
    if (const char* m = fido_dev_info_manufacturer_string(di)) e.manufacturer = m;
    if (const char* p = fido_dev_info_product_string(di)) e.product = p;
    e.vendor_id = static_cast<std::uint16_t>(fido_dev_info_vendor(di));
    e.product_id = static_cast<std::uint16_t>(fido_dev_info_product(di));
    entries.push_back(std::move(e));
  }
  fido_dev_info_free(&infos, k_max_devices);

  if (named_path && is_virtual_path(*named_path)) {
    auto description = virtual_describe(virtual_file(*named_path));
    if (!description) return fail(virtual_unusable(description.error()));
    DeviceEntry e;
    e.path = *named_path;
    e.manufacturer = "acctsec";
    e.product = "virtual authenticator (software, not a hardware key)";
    e.is_virtual = true;
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<std::string> device_select(const std::optional<std::string>& named_path) {
  if (named_path && !named_path->empty()) return *named_path;
  auto entries = device_list(std::nullopt);
  if (!entries) return fail(entries.error());
  if (entries->empty()) return fail(ErrorCategory::device, no_key_message());
  if (entries->size() > 1) {
    std::string paths;
    for (const auto& e : *entries) paths += "\n  " + e.path;
    return fail(ErrorCategory::usage, "several keys are attached; choose one with --device PATH:" + paths);
  }
  return entries->front().path;
}

Result<Device> Device::open(const std::string& path, std::chrono::milliseconds timeout) {
  library_init();
  const bool is_virtual = is_virtual_path(path);
  if (is_virtual) {
    // Check the state file first: libfido2 reports a failed open only as a generic error.
    auto description = virtual_describe(virtual_file(path));
    if (!description) return fail(virtual_unusable(description.error()));
  }
  fido_dev_t* dev = fido_dev_new();
  if (dev == nullptr) return fail(ErrorCategory::internal, "out of memory opening " + path);
  if (is_virtual && fido_dev_set_io_functions(dev, &virtual_io()) != FIDO_OK) {
    fido_dev_free(&dev);
    return fail(ErrorCategory::internal, "cannot install the virtual key's I/O functions");
  }
  log_debug("fido", "opening {}", path);
  const int rc = fido_dev_open(dev, path.c_str());
  if (rc != FIDO_OK) {
    fido_dev_free(&dev);
    if (is_virtual) {
      if (auto why = virtual_last_open_error()) return fail(virtual_unusable(*why));
    }
    if (cancel_requested()) return fail(ErrorCategory::cancelled, "interrupted while opening " + path);
    Error e = fido_error(rc, "opening " + path);
    e.message += is_virtual ? "" : "; check the path with acctsec key list";
    return fail(std::move(e));
  }
  if (!fido_dev_is_fido2(dev)) {
    fido_dev_close(dev);
    fido_dev_free(&dev);
    return fail(ErrorCategory::device, path + " is a U2F-only key; acctsec needs a FIDO2 (CTAP2) key");
  }
  const auto ms = timeout.count() > 0 ? static_cast<int>(timeout.count()) : -1;
  fido_dev_set_timeout(dev, ms);
  return Device(dev, path, is_virtual, timeout);
}

Device::Device(Device&& other) noexcept
    : m_dev(other.m_dev), m_path(std::move(other.m_path)), m_virtual(other.m_virtual), m_timeout(other.m_timeout) {
  other.m_dev = nullptr;
}

Device::~Device() {
  if (m_dev == nullptr) return;
  fido_dev_close(m_dev);
  fido_dev_free(&m_dev);
}

Result<void> Device::check(int code, std::string_view operation, std::chrono::steady_clock::time_point started) {
  if (code == FIDO_OK) return {};
  if (cancel_requested()) {
    // Tell the key to stop waiting for a touch, as a browser does when its dialog is closed.
    fido_dev_cancel(m_dev);
    Error e{ErrorCategory::cancelled, fmt::format("{} interrupted; the key was told to cancel", operation)};
    e.fido_code = code;
    return fail(std::move(e));
  }
  // libfido2 spends the deadline across several reads (keepalives), rounding each down, so a
  // receive failure within a few milliseconds of the deadline is the deadline.
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const auto slack = std::chrono::milliseconds(50);
  if (m_timeout.count() > 0 && elapsed + slack >= m_timeout && (code == FIDO_ERR_RX || code == FIDO_ERR_TX)) {
    fido_dev_cancel(m_dev);
    Error e{ErrorCategory::timeout,
            fmt::format("{} timed out after {} s waiting for the key; touch the key when it blinks, or raise --timeout",
                        operation, std::chrono::duration_cast<std::chrono::seconds>(m_timeout).count())};
    e.fido_code = code;
    return fail(std::move(e));
  }
  Error e = fido_error(code, operation);
  if (code == FIDO_ERR_PIN_INVALID) {
    int retries = -1;
    if (fido_dev_get_retry_count(m_dev, &retries) == FIDO_OK && retries >= 0) {
      e.message += retries == 0
                       ? "; no attempts are left: the PIN is blocked and only acctsec key reset (which erases every credential) recovers the key"
                       : fmt::format("; {} attempt{} left before the PIN is blocked", retries, retries == 1 ? "" : "s");
    }
  }
  return fail(std::move(e));
}

}  // namespace acctsec::fido
