// Files: whole-file reads, atomic replacement with a chosen mode, and exclusive locks.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace acctsec {

// Reads a whole file. Errors: not_found (missing), usage (unreadable, not a regular file,
// larger than max_size).
Result<std::string> file_read(const std::string& path, std::size_t max_size = 16 * 1024 * 1024);

// Writes content to a temporary file beside path with the given mode, fsyncs it, and renames it
// over path, so readers see either the old or the new file, never a torn one.
// Errors: usage (directory missing or not writable).
Result<void> file_write_atomic(const std::string& path, std::string_view content, mode_t mode);

// The mode a new file gets under the process umask, for files that hold nothing secret.
mode_t file_mode_for_umask(mode_t requested = 0666);

// An exclusive advisory lock (flock) on a companion lock file "<path>.lock", held until
// destruction. The companion file, not the data file, is locked because the data file is
// replaced by rename on every save.
class FileLock {
 public:
  // Blocks until the lock is free. Errors: usage (cannot create the lock file).
  static Result<FileLock> acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace acctsec
