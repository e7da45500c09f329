// The access log as a file of JSON lines, written in blocks instead of a write per request.
//
// Lines gather in memory and go out when 64 KiB have gathered, a quarter of a second after the
// first of them, and when the log closes. The access log is for operators; the durable record of
// who read what is the audit log, so a crash may lose the last quarter second of access lines but
// never an audit entry.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace acctsec::server {

class AccessLogFile {
 public:
  // Opens `path` for appending, mode 0640. Errors: usage (it cannot be opened).
  static Result<std::unique_ptr<AccessLogFile>> open(const std::string& path,
                                                     std::chrono::milliseconds flush_after = std::chrono::milliseconds(250));

  // Writes what is gathered and closes the file.
  ~AccessLogFile();
  AccessLogFile(const AccessLogFile&) = delete;
  AccessLogFile& operator=(const AccessLogFile&) = delete;

  // Adds one line (without its newline). From any thread.
  void append(std::string_view line);

 private:
  AccessLogFile(int fd, std::chrono::milliseconds flush_after);
  void run(std::stop_token stop);
  void write_out(std::string& block);

  const int m_fd;
  const std::chrono::milliseconds m_flush_after;
  std::mutex m_mutex;
  std::condition_variable_any m_wake;
  std::string m_pending;
  std::jthread m_thread;  // last: it starts once the rest is set
};

}  // namespace acctsec::server
