#include "core/secret.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace acctsec {

void wipe(std::string& buffer) {
  if (!buffer.empty()) OPENSSL_cleanse(buffer.data(), buffer.size());
  buffer.clear();
}

Secret::Secret(Secret&& other) noexcept : m_value(std::move(other.m_value)) { other.wipe(); }

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    m_value = std::move(other.m_value);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() { acctsec::wipe(m_value); }

namespace {

// Reads up to the first newline or EOF, at most 4 KiB, without stdio buffering
// (so no copy of the secret stays behind in a FILE buffer).
Result<Secret> read_line(int fd, std::string_view what) {
  std::string value;
  value.reserve(4096);  // never reallocated, so no copy is left behind in freed memory
  char c = 0;
  while (value.size() < 4096) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      wipe(value);
      return fail(ErrorCategory::usage, std::string("cannot read the ") + std::string(what) + ": " + std::strerror(errno));
    }
    if (n == 0 || c == '\n') break;
    value += c;
  }
  if (!value.empty() && value.back() == '\r') value.pop_back();
  if (value.empty()) return fail(ErrorCategory::usage, std::string("the ") + std::string(what) + " is empty");
  return Secret(std::move(value));
}

}  // namespace

Result<Secret> secret_from_fd(int fd) {
  if (fd < 0 || ::fcntl(fd, F_GETFD) == -1)
    return fail(ErrorCategory::usage, "file descriptor " + std::to_string(fd) + " is not open; pass one your shell opened, e.g. --pin-fd 3 3<pinfile");
  return read_line(fd, "secret on file descriptor " + std::to_string(fd));
}

Result<Secret> secret_from_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return fail(ErrorCategory::usage, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCategory::usage, path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(ErrorCategory::usage, path + " has mode " + mode +
                                          "; a secret file must be readable by its owner only: chmod 600 " + path);
  }
  auto secret = read_line(fd, "secret in " + path);
  ::close(fd);
  return secret;
}

}  // namespace acctsec
