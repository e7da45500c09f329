// libfido2's report-level I/O hooks for "virtual:FILE" devices. io.open locks FILE and loads the
// key's state, write/read carry 64-byte CTAPHID reports to and from the in-process authenticator,
// and io.close saves the state if it changed and releases the lock.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/cancel.hpp"
#include "core/file.hpp"
#include "core/log.hpp"
#include "fido/virtual/ctaphid.hpp"
#include "fido/virtual/soft_authenticator.hpp"
#include "fido/virtual/state.hpp"
#include "fido/virtual/virtual_key.hpp"

namespace acctsec::fido {
namespace {

using soft::CtapHidFramer;
using soft::SoftAuthenticator;
using soft::VirtualState;
using Clock = std::chrono::steady_clock;

constexpr std::size_t k_report_with_id = soft::k_hid_report_size + 1;
// How finely a read that waits for a touch notices cancellation, and how often it sends keepalives.
constexpr auto k_poll_step = std::chrono::milliseconds(20);
constexpr auto k_keepalive_interval = std::chrono::milliseconds(100);
// A read with ms = -1 ("block") still gives up on a touch that never comes, as real keys time out.
constexpr auto k_touch_wait_cap = std::chrono::seconds(30);

thread_local std::optional<Error> t_last_open_error;

// The files this process has open and the thread holding each: a second open of the same file on
// the same thread would wait for its own lock forever, so it fails instead.
std::mutex g_open_mutex;
std::map<std::string, std::thread::id> g_open_files;

std::string lock_key(const std::string& file) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(file, ec);
  return ec ? file : canonical.string();
}

// One open virtual key: the unit of a "power cycle".
class VirtualDevice {
 public:
  static Result<std::unique_ptr<VirtualDevice>> open(const std::string& path);
  ~VirtualDevice();

  int write(const unsigned char* data, std::size_t length);
  int read(unsigned char* data, std::size_t length, int ms);

 private:
  VirtualDevice(std::string file, std::string registry_key, FileLock lock, VirtualState state)
      : m_file(std::move(file)),
        m_registry_key(std::move(registry_key)),
        m_lock(std::move(lock)),
        m_state(std::move(state)),
        m_loaded(soft::state_serialize(m_state)),
        m_authenticator(m_state),
        m_framer([this](ByteView message) { return m_authenticator.handle(message); }) {}

  void save_if_changed();

  std::string m_file;
  std::string m_registry_key;
  FileLock m_lock;
  VirtualState m_state;
  std::string m_loaded;  // the file's content as loaded, to tell whether anything changed
  SoftAuthenticator m_authenticator;
  CtapHidFramer m_framer;
  std::optional<Clock::time_point> m_wait_deadline;
  Clock::time_point m_next_keepalive;
};

Result<std::unique_ptr<VirtualDevice>> VirtualDevice::open(const std::string& path) {
  if (!is_virtual_path(path)) return fail(ErrorCategory::usage, path + " is not a virtual:FILE device path");
  const std::string file = virtual_file(path);
  if (file.empty()) return fail(ErrorCategory::usage, "the device path virtual: names no file; use virtual:FILE");
  // Look before locking, so that a missing file does not leave a lock file behind.
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return fail(ErrorCategory::not_found, soft::state_missing_message(file));
    return fail(ErrorCategory::usage, "cannot open " + file + ": " + std::strerror(errno));
  }

  const std::string key = lock_key(file);
  {
    std::lock_guard guard(g_open_mutex);
    const auto it = g_open_files.find(key);
    if (it != g_open_files.end() && it->second == std::this_thread::get_id())
      return fail(ErrorCategory::usage, file + " is already open in this thread; close it before opening it again");
  }
  auto lock = FileLock::acquire(file);  // blocks while another handle, thread or process uses the key
  if (!lock) return fail(lock.error());
  auto state = soft::state_load(file);
  if (!state) return fail(state.error());
  std::unique_ptr<VirtualDevice> device(new VirtualDevice(file, key, std::move(*lock), std::move(*state)));
  std::lock_guard guard(g_open_mutex);
  g_open_files[key] = std::this_thread::get_id();
  return device;
}

VirtualDevice::~VirtualDevice() {
  try {
    save_if_changed();
  } catch (const std::exception& e) {
    log_debug("virtual-key", "could not save {}: {}", m_file, e.what());
  }
  // Forget the registration before the lock (a member) is released.
  std::lock_guard guard(g_open_mutex);
  g_open_files.erase(m_registry_key);
}

void VirtualDevice::save_if_changed() {
  m_state.cancels_received += m_framer.cancels_received();
  const std::string now = soft::state_serialize(m_state);
  if (now == m_loaded) return;
  if (auto saved = soft::state_save(m_file, m_state); !saved)
    log_debug("virtual-key", "could not save {}: {}", m_file, saved.error().message);
}

int VirtualDevice::write(const unsigned char* data, std::size_t length) {
  // libfido2 writes the HID report id (0) followed by the 64-byte report, and wants 65 back (P4).
  if (data == nullptr || length != k_report_with_id) return -1;
  m_wait_deadline.reset();
  if (!m_framer.receive(ByteView(data + 1, soft::k_hid_report_size))) return -1;
  return static_cast<int>(length);
}

int VirtualDevice::read(unsigned char* data, std::size_t length, int ms) {
  if (data == nullptr || length < soft::k_hid_report_size) return -1;
  const auto deliver = [&](const soft::HidReport& report) {
    std::copy(report.begin(), report.end(), data);
    return static_cast<int>(soft::k_hid_report_size);
  };
  if (auto report = m_framer.take()) return deliver(*report);
  // Nothing queued and nothing pending: answer "timeout" at once, as an idle key would (P17).
  if (!m_framer.awaiting_touch()) return -1;

  // Waiting for a touch that never comes: send KEEPALIVE(UPNEEDED) now and then until the
  // caller's deadline. libfido2 passes the same ms to every read of one reply, so the deadline
  // is fixed by the first read of the wait, not restarted by each keepalive.
  const auto now = Clock::now();
  const auto budget = ms < 0 ? Clock::duration(k_touch_wait_cap) : Clock::duration(std::chrono::milliseconds(ms));
  if (!m_wait_deadline) {
    m_wait_deadline = now + budget;
    m_next_keepalive = now;
  } else {
    m_wait_deadline = std::min(*m_wait_deadline, now + budget);
  }
  for (;;) {
    if (cancel_requested()) return -1;
    const auto t = Clock::now();
    if (t >= *m_wait_deadline) return -1;
    if (t >= m_next_keepalive) {
      m_next_keepalive = t + k_keepalive_interval;
      return deliver(m_framer.keepalive(soft::KeepaliveStatus::up_needed));
    }
    std::this_thread::sleep_for(std::min({Clock::duration(k_poll_step), *m_wait_deadline - t, m_next_keepalive - t}));
  }
}

// The C trampolines. Exceptions must not cross into libfido2.
void* io_open(const char* path) {
  try {
    t_last_open_error.reset();
    auto device = VirtualDevice::open(path != nullptr ? path : "");
    if (!device) {
      t_last_open_error = device.error();
      log_debug("virtual-key", "open failed: {}", device.error().message);
      return nullptr;
    }
    return device->release();
  } catch (const std::exception& e) {
    t_last_open_error = Error(ErrorCategory::internal, std::string("opening the virtual key failed: ") + e.what());
    return nullptr;
  }
}

void io_close(void* handle) {
  try {
    delete static_cast<VirtualDevice*>(handle);
  } catch (...) {
    log_debug("virtual-key", "closing the virtual key failed");
  }
}

int io_read(void* handle, unsigned char* data, std::size_t length, int ms) {
  try {
    return handle != nullptr ? static_cast<VirtualDevice*>(handle)->read(data, length, ms) : -1;
  } catch (...) {
    return -1;
  }
}

int io_write(void* handle, const unsigned char* data, std::size_t length) {
  try {
    return handle != nullptr ? static_cast<VirtualDevice*>(handle)->write(data, length) : -1;
  } catch (...) {
    return -1;
  }
}

}  // namespace

const fido_dev_io_t& virtual_io() {
  static const fido_dev_io_t io{io_open, io_close, io_read, io_write};
  return io;
}

std::optional<Error> virtual_last_open_error() {
  return t_last_open_error;
}

}  // namespace acctsec::fido
