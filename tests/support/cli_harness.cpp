#include "support/cli_harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cli/run.hpp"
#include "core/cancel.hpp"
#include "fido/virtual/virtual_key.hpp"

namespace acctsec::test {

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "acctsec-test-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

CliRun run_cli(const std::vector<std::string>& args, const FakeWorld& world) {
  std::ostringstream out, err;
  cli::Deps deps;
  deps.out = &out;
  deps.err = &err;
  std::istringstream in(world.stdin_text);
  deps.in = &in;
  deps.out_is_tty = deps.err_is_tty = deps.in_is_tty = world.terminal;
  auto env = world.env;
  deps.env = [env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto answers = std::make_shared<std::vector<std::string>>(world.answers);
  auto next = [answers, seen = world.prompts_seen](std::string_view prompt) -> Result<std::string> {
    if (seen) seen->emplace_back(prompt);
    if (answers->empty()) return fail(ErrorCategory::usage, "test: no answer left for prompt");
    std::string a = answers->front();
    answers->erase(answers->begin());
    return a;
  };
  deps.prompt_line = next;
  deps.prompt_secret = [next](std::string_view prompt) -> Result<Secret> {
    auto a = next(prompt);
    if (!a) return fail(a.error());
    return Secret(std::move(*a));
  };
  cancel_reset();
  CliRun r;
  r.status = cli::run(args, deps);
  fido::virtual_set_fault(fido::VirtualFault::none);
  r.out = out.str();
  r.err = err.str();
  return r;
}

namespace {

// Forks and execs the real binary with stdin, stdout and stderr on the given files.
pid_t spawn_child(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  const std::string& in_path, const std::string& out_path, const std::string& err_path) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in = ::open(in_path.c_str(), O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::setsid();  // no controlling terminal: prompts cannot reach the developer's tty
    std::vector<std::string> env_strings = {"PATH=/usr/bin:/bin"};
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings = {ACCTSEC_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execve(ACCTSEC_BINARY, argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

int exit_status_of(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CliRun spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, const std::string& input,
             const std::optional<std::string>& interrupt_when) {
  TempDir io;
  const std::string out_path = io.file("out"), err_path = io.file("err"), in_path = io.file("in");
  write_file(in_path, input);
  const pid_t pid = spawn_child(args, env, in_path, out_path, err_path);
  if (interrupt_when) {
    // Poll the child's stderr for the line; give up (and interrupt anyway) only if it exits or
    // a minute passes, so a child that never gets there fails the test instead of hanging it.
    for (int i = 0; i < 6000; ++i) {
      if (read_file(err_path).find(*interrupt_when) != std::string::npos) break;
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGINT);
  }
  CliRun r;
  r.status = exit_status_of(pid);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

}  // namespace

struct BinaryProcess::Files {
  TempDir dir;
};

std::unique_ptr<BinaryProcess> BinaryProcess::start(const std::vector<std::string>& args,
                                                    const std::map<std::string, std::string>& env) {
  std::unique_ptr<BinaryProcess> process(new BinaryProcess);
  process->m_files = std::make_unique<Files>();
  const TempDir& dir = process->m_files->dir;
  write_file(dir.file("in"), "");
  process->m_pid = spawn_child(args, env, dir.file("in"), dir.file("out"), dir.file("err"));
  return process;
}

BinaryProcess::~BinaryProcess() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    exit_status_of(m_pid);
  }
}

std::string BinaryProcess::out() const { return read_file(m_files->dir.file("out")); }
std::string BinaryProcess::err() const { return read_file(m_files->dir.file("err")); }

bool BinaryProcess::wait_for(const std::function<std::string()>& stream, const std::string& text, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (stream().find(text) != std::string::npos) return true;
    if (!running()) return stream().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool BinaryProcess::wait_for_out(const std::string& text, std::chrono::milliseconds deadline) {
  return wait_for([this] { return out(); }, text, deadline);
}

bool BinaryProcess::wait_for_err(const std::string& text, std::chrono::milliseconds deadline) {
  return wait_for([this] { return err(); }, text, deadline);
}

bool BinaryProcess::running() const {
  siginfo_t info{};
  return !(::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == m_pid);
}

void BinaryProcess::signal(int sig) { ::kill(m_pid, sig); }

CliRun BinaryProcess::wait() {
  CliRun r;
  r.status = exit_status_of(m_pid);
  m_pid = -1;
  r.out = out();
  r.err = err();
  return r;
}

CliRun run_binary(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, const std::string& input) {
  return spawn(args, env, input, std::nullopt);
}

CliRun run_binary_interrupted(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                              const std::string& ready) {
  return spawn(args, env, "", ready);
}

void write_file(const std::string& path, const std::string& content, unsigned mode) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << content;
  }
  ::chmod(path.c_str(), mode);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace acctsec::test
