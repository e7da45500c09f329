#include "deps.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "core/cancel.hpp"

namespace acctsec::cli {
namespace {

enum class Echo { on, off };

// Prompts on the controlling terminal (not stdin, which may carry data) and reads one line.
Result<std::string> tty_read(std::string_view prompt, Echo echo) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCategory::usage, "no terminal to prompt on");
  (void)!::write(fd, prompt.data(), prompt.size());
  termios saved{};
  const bool restore = echo == Echo::off && ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c = 0;
  bool interrupted = false;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) {
      if (cancel_requested()) {
        interrupted = true;
        break;
      }
      continue;
    }
    if (n <= 0 || c == '\n') break;
    line += c;
    if (line.size() > 4096) break;
  }
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &saved);
  if (interrupted) (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (interrupted) {
    wipe(line);
    return fail(ErrorCategory::cancelled, "interrupted at the prompt");
  }
  return line;
}

}  // namespace

Deps Deps::from_process() {
  Deps d;
  d.out = &std::cout;
  d.err = &std::cerr;
  d.in = &std::cin;
  d.out_is_tty = ::isatty(STDOUT_FILENO) == 1;
  d.err_is_tty = ::isatty(STDERR_FILENO) == 1;
  d.in_is_tty = ::isatty(STDIN_FILENO) == 1;
  d.env = [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  d.prompt_secret = [](std::string_view prompt) -> Result<Secret> {
    auto line = tty_read(prompt, Echo::off);
    if (!line) return fail(line.error());
    return Secret(std::move(*line));
  };
  d.prompt_line = [](std::string_view prompt) { return tty_read(prompt, Echo::on); };
  return d;
}

}  // namespace acctsec::cli
