#include "server/access_log_buffer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace acctsec::server {
namespace {

constexpr std::size_t k_block = 64 * 1024;

// Writes blocks to a descriptor it closes when the last copy of it goes (std::function copies).
class FileSink {
 public:
  explicit FileSink(int fd) : m_fd(new int(fd), [](const int* owned) {
    ::close(*owned);
    delete owned;
  }) {}

  void operator()(const std::string& block) const {
    // O_APPEND keeps each write whole against other writers of the file; a full disk loses
    // access lines, never a request.
    std::size_t done = 0;
    while (done < block.size()) {
      const ssize_t n = ::write(*m_fd, block.data() + done, block.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  std::shared_ptr<const int> m_fd;
};

}  // namespace

Result<std::unique_ptr<AccessLogBuffer>> AccessLogBuffer::open_file(const std::string& path, std::chrono::milliseconds flush_after) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return fail(ErrorCategory::usage, fmt::format("--access-log {}: cannot open it for appending: {}", path, std::strerror(errno)));
  ::fchmod(fd, 0640);  // whatever the umask: operators' tools read it, nobody else
  return std::unique_ptr<AccessLogBuffer>(new AccessLogBuffer(FileSink(fd), flush_after));
}

std::unique_ptr<AccessLogBuffer> AccessLogBuffer::to_sink(Sink sink, std::chrono::milliseconds flush_after) {
  return std::unique_ptr<AccessLogBuffer>(new AccessLogBuffer(std::move(sink), flush_after));
}

AccessLogBuffer::AccessLogBuffer(Sink sink, std::chrono::milliseconds flush_after)
    : m_sink(std::move(sink)), m_flush_after(flush_after), m_thread([this](std::stop_token stop) { run(stop); }) {}

AccessLogBuffer::~AccessLogBuffer() {
  m_thread.request_stop();
  m_wake.notify_all();
  m_thread.join();
  if (!m_pending.empty()) m_sink(m_pending);  // the flusher has stopped: nobody else touches it
}

void AccessLogBuffer::append(std::string_view line) {
  const std::lock_guard lock(m_mutex);
  const bool first = m_pending.empty();
  m_pending.append(line);
  m_pending.push_back('\n');
  // The flusher writes; a request's thread only wakes it (for the first line, or a full block).
  if (first || m_pending.size() >= k_block) m_wake.notify_one();
}

void AccessLogBuffer::run(std::stop_token stop) {
  std::string block;
  std::unique_lock lock(m_mutex);
  while (!stop.stop_requested()) {
    m_wake.wait(lock, stop, [&] { return !m_pending.empty(); });
    if (stop.stop_requested()) return;
    // Lines arriving meanwhile join the block, until it is full.
    m_wake.wait_for(lock, stop, m_flush_after, [&] { return m_pending.size() >= k_block; });
    block.swap(m_pending);
    lock.unlock();
    m_sink(block);
    block.clear();
    lock.lock();
  }
}

}  // namespace acctsec::server
