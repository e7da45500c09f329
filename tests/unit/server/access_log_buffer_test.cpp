#include "server/access_log_buffer.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "unit/fido/virtual/scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::server;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_SUITE("server::access_log_buffer") {
  TEST_CASE("lines are appended in order after what the file held, and all are out once the log closes") {
    test::ScratchDir dir;
    const auto path = dir.file("access.log");
    { std::ofstream(path) << "{\"earlier\":true}\n"; }
    {
      auto log = AccessLogBuffer::open_file(path, std::chrono::hours(1));
      REQUIRE(log.has_value());
      for (int i = 0; i < 3; ++i) (*log)->append("{\"n\":" + std::to_string(i) + "}");
    }
    CHECK(lines_of(path) == std::vector<std::string>{"{\"earlier\":true}", "{\"n\":0}", "{\"n\":1}", "{\"n\":2}"});
  }

  TEST_CASE("a line waits at most the flush delay, without the log closing") {
    test::ScratchDir dir;
    const auto path = dir.file("access.log");
    auto log = AccessLogBuffer::open_file(path, std::chrono::milliseconds(20));
    REQUIRE(log.has_value());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    (*log)->append("{\"n\":1}");
    // Generous: the check is that it arrives without a close, not how fast.
    for (int i = 0; i < 500 && lines_of(path).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(lines_of(path) == std::vector<std::string>{"{\"n\":1}"});
  }

  TEST_CASE("lines from many threads arrive whole, each once, past several blocks") {
    test::ScratchDir dir;
    const auto path = dir.file("access.log");
    constexpr int k_threads = 4;
    constexpr int k_each = 5000;  // about 160 KiB per thread: several 64 KiB blocks
    {
      auto log = AccessLogBuffer::open_file(path, std::chrono::milliseconds(5));
      REQUIRE(log.has_value());
      std::vector<std::jthread> threads;
      for (int t = 0; t < k_threads; ++t)
        threads.emplace_back([&, t] {
          for (int i = 0; i < k_each; ++i) (*log)->append(fmt::format("{{\"thread\":{},\"n\":{},\"pad\":\"{:08}\"}}", t, i, i));
        });
    }
    const auto lines = lines_of(path);
    REQUIRE(lines.size() == static_cast<std::size_t>(k_threads * k_each));
    std::set<std::string> unique(lines.begin(), lines.end());
    CHECK(unique.size() == lines.size());
    for (const auto& line : lines) {
      CHECK(line.front() == '{');
      CHECK(line.back() == '}');
    }
  }

  TEST_CASE("a sink gets blocks of whole lines, and each thread's lines in the order it appended them") {
    constexpr int k_threads = 4;
    constexpr int k_each = 5000;
    std::vector<std::string> blocks;  // the sink is called by one thread at a time
    {
      auto log = AccessLogBuffer::to_sink([&](const std::string& block) { blocks.push_back(block); }, std::chrono::milliseconds(1));
      std::vector<std::jthread> threads;
      for (int t = 0; t < k_threads; ++t)
        threads.emplace_back([&, t] {
          for (int i = 0; i < k_each; ++i) log->append(fmt::format("{{\"thread\":{},\"n\":{},\"pad\":\"{:08}\"}}", t, i, i));
        });
    }
    CHECK(blocks.size() > 1);
    std::vector<int> next(k_threads, 0);
    int seen = 0;
    for (const auto& block : blocks) {
      REQUIRE_FALSE(block.empty());
      CHECK(block.back() == '\n');
      std::istringstream lines(block);
      for (std::string line; std::getline(lines, line); ++seen) {
        int thread = -1;
        int n = -1;
        REQUIRE(std::sscanf(line.c_str(), "{\"thread\":%d,\"n\":%d,", &thread, &n) == 2);
        REQUIRE(thread >= 0);
        REQUIRE(thread < k_threads);
        CHECK(n == next[static_cast<std::size_t>(thread)]);
        next[static_cast<std::size_t>(thread)] = n + 1;
      }
    }
    CHECK(seen == k_threads * k_each);
  }

  TEST_CASE("a file that cannot be opened is a usage error naming it") {
    test::ScratchDir dir;
    auto log = AccessLogBuffer::open_file(dir.file("missing/access.log"));
    REQUIRE_FALSE(log.has_value());
    CHECK(log.error().category == ErrorCategory::usage);
    CHECK(log.error().message.find("missing/access.log") != std::string::npos);
  }
}
