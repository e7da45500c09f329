#include "server/access_log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace acctsec::server {
namespace {

constexpr std::size_t k_block = 64 * 1024;

}  // namespace

Result<std::unique_ptr<AccessLogFile>> AccessLogFile::open(const std::string& path, std::chrono::milliseconds flush_after) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return fail(ErrorCategory::usage, fmt::format("--access-log {}: cannot open it for appending: {}", path, std::strerror(errno)));
  ::fchmod(fd, 0640);  // whatever the umask: operators' tools read it, nobody else
  return std::unique_ptr<AccessLogFile>(new AccessLogFile(fd, flush_after));
}

AccessLogFile::AccessLogFile(int fd, std::chrono::milliseconds flush_after)
    : m_fd(fd), m_flush_after(flush_after), m_thread([this](std::stop_token stop) { run(stop); }) {}

AccessLogFile::~AccessLogFile() {
  m_thread.request_stop();
  m_wake.notify_all();
  m_thread.join();
  write_out(m_pending);
  ::close(m_fd);
}

void AccessLogFile::append(std::string_view line) {
  std::string full;
  {
    const std::lock_guard lock(m_mutex);
    const bool first = m_pending.empty();
    m_pending.append(line);
    m_pending.push_back('\n');
    if (m_pending.size() >= k_block) {
      full.swap(m_pending);
    } else if (first) {
      m_wake.notify_one();
      return;
    }
  }
  if (!full.empty()) write_out(full);
}

void AccessLogFile::run(std::stop_token stop) {
  std::unique_lock lock(m_mutex);
  while (!stop.stop_requested()) {
    m_wake.wait(lock, stop, [&] { return !m_pending.empty(); });
    if (stop.stop_requested()) return;
    // Lines arriving meanwhile join the block.
    m_wake.wait_for(lock, stop, m_flush_after, [] { return false; });
    std::string block;
    block.swap(m_pending);
    lock.unlock();
    write_out(block);
    lock.lock();
  }
}

void AccessLogFile::write_out(std::string& block) {
  // O_APPEND keeps each write whole against other writers of the file; a full disk loses access
  // lines, never a request.
  std::size_t done = 0;
  while (done < block.size()) {
    const ssize_t n = ::write(m_fd, block.data() + done, block.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  block.clear();
}

}  // namespace acctsec::server
