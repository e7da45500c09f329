// Test support: run the command tree in-process with fake Deps, run the real binary as a child
// process, and make temporary folders.
#pragma once

#include <chrono>
#include <functional>
#include <filesystem>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace acctsec::test {

// A fresh temporary folder, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::string file(const std::string& name) const { return (m_path / name).string(); }

 private:
  std::filesystem::path m_path;
};

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

// How the fake outside world looks to an in-process run.
struct FakeWorld {
  std::map<std::string, std::string> env;   // nothing else is visible
  bool terminal = false;                    // stdin/stdout/stderr are TTYs and prompts work
  std::vector<std::string> answers;         // answers to prompts (secret or typed), in order
  std::vector<std::string>* prompts_seen = nullptr;
  std::string stdin_text;                   // what the command reads from "-"
};

// Runs `acctsec ARGS...` in-process.
CliRun run_cli(const std::vector<std::string>& args, const FakeWorld& world = {});

// Runs the real binary with a clean environment (PATH plus `env`), stdin from `input`.
CliRun run_binary(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                  const std::string& input = "");

// Starts the real binary, sends SIGINT once its stderr contains `ready` (so the test never
// depends on how fast the child starts), and returns when it exits.
CliRun run_binary_interrupted(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                              const std::string& ready);

// The real binary running in the background (a server), killed if the test ends first.
class BinaryProcess {
 public:
  static std::unique_ptr<BinaryProcess> start(const std::vector<std::string>& args,
                                              const std::map<std::string, std::string>& env = {});
  ~BinaryProcess();
  BinaryProcess(const BinaryProcess&) = delete;
  BinaryProcess& operator=(const BinaryProcess&) = delete;
  // Waits until stdout holds `text`; false when the process exits first or `deadline` passes.
  bool wait_for_out(const std::string& text, std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // The same for stderr, where commands say what they are waiting for.
  bool wait_for_err(const std::string& text, std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // Whether it has not exited yet.
  bool running() const;
  std::string out() const;
  std::string err() const;
  void signal(int sig);
  CliRun wait();  // until it exits

 private:
  BinaryProcess() = default;
  bool wait_for(const std::function<std::string()>& stream, const std::string& text, std::chrono::milliseconds deadline);
  struct Files;
  std::unique_ptr<Files> m_files;
  int m_pid = -1;
};

// Writes a file with the given mode.
void write_file(const std::string& path, const std::string& content, unsigned mode = 0600);
std::string read_file(const std::string& path);

}  // namespace acctsec::test
