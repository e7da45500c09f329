// The access log's JSON lines, handed on in blocks instead of a write per request.
//
// Lines gather in memory and go to the sink (a file, or the binary's stderr) from the buffer's
// own thread: when 64 KiB have gathered, a short delay after the first of them, and the rest when
// the log closes. A write per line cost the server threads a system call and a shared lock on
// every request (a seventh of the audited-read rate in bench/serve_reads.sh). The access log is
// for operators; the durable record of who read what is the audit log, so a crash may lose the
// last fraction of a second of access lines but never an audit entry.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/error.hpp"

namespace acctsec::server {

class AccessLogBuffer {
 public:
  // Takes a block of whole lines, each ending in a newline. Called from the buffer's own thread
  // (and, for the rest, from its destructor), so one block at a time, in the order appended.
  using Sink = std::function<void(const std::string& block)>;

  // Appends to the file at `path`, mode 0640. Errors: usage (it cannot be opened).
  static Result<std::unique_ptr<AccessLogBuffer>> open_file(const std::string& path,
                                                            std::chrono::milliseconds flush_after = std::chrono::milliseconds(250));
  // Hands blocks to `sink`.
  static std::unique_ptr<AccessLogBuffer> to_sink(Sink sink, std::chrono::milliseconds flush_after);

  // Hands on what is gathered, then stops.
  ~AccessLogBuffer();
  AccessLogBuffer(const AccessLogBuffer&) = delete;
  AccessLogBuffer& operator=(const AccessLogBuffer&) = delete;

  // Adds one line (without its newline). From any thread.
  void append(std::string_view line);

 private:
  AccessLogBuffer(Sink sink, std::chrono::milliseconds flush_after);
  void run(std::stop_token stop);

  const Sink m_sink;
  const std::chrono::milliseconds m_flush_after;
  std::mutex m_mutex;  // m_pending
  std::condition_variable_any m_wake;
  std::string m_pending;
  std::jthread m_thread;  // last: it starts once the rest is set
};

}  // namespace acctsec::server
