#include "core/file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace acctsec {

Result<std::string> file_read(const std::string& path, std::size_t max_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(ErrorCategory::not_found, path + " does not exist");
    return fail(ErrorCategory::usage, "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCategory::usage, path + " is not a regular file");
  }
  if (static_cast<std::size_t>(st.st_size) > max_size) {
    ::close(fd);
    return fail(ErrorCategory::usage, path + " is too large");
  }
  std::string content;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      return fail(ErrorCategory::usage, "cannot read " + path + ": " + std::strerror(saved));
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
    if (content.size() > max_size) {
      ::close(fd);
      return fail(ErrorCategory::usage, path + " is too large");
    }
  }
  ::close(fd);
  return content;
}

Result<void> file_write_atomic(const std::string& path, std::string_view content, mode_t mode) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return fail(ErrorCategory::usage, "cannot write beside " + path + ": " + std::strerror(errno));
  auto cleanup = [&](const std::string& why) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(ErrorCategory::usage, "cannot write " + path + ": " + why);
  };
  if (::fchmod(fd, mode) != 0) return cleanup(std::strerror(errno));
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return cleanup(std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return cleanup(std::strerror(errno));
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return fail(ErrorCategory::usage, "cannot write " + path + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    return fail(ErrorCategory::usage, "cannot replace " + path + ": " + std::strerror(saved));
  }
  return {};
}

mode_t file_mode_for_umask(mode_t requested) {
  const mode_t mask = ::umask(0);  // reading the umask means setting it; put it straight back
  ::umask(mask);
  return requested & ~mask;
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCategory::usage, "cannot create lock file " + lock_path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int saved = errno;
    ::close(fd);
    return fail(ErrorCategory::usage, "cannot lock " + lock_path + ": " + std::strerror(saved));
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the flock
}

}  // namespace acctsec
