#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace {

// Counts the test cases that passed the filters of a run. ctest runs one case per process,
// named by --test-case; a name it mangled (CMake splits lists at ';') would select none and
// "pass" without running, so a run under ctest that selects nothing fails.
unsigned g_selected = 0;

struct SelectedCount : doctest::IReporter {
  explicit SelectedCount(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override { g_selected = stats.numTestCasesPassingFilters; }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("selected-count", 1, SelectedCount);

// Tests see no ACCTSEC_* settings of the developer's shell, so a stray ACCTSEC_DEVICE or
// ACCTSEC_CONFIG cannot change what they exercise.
int main(int argc, char** argv) {
  std::vector<std::string> names;
  bool one_case = false;
  for (int i = 1; i < argc; ++i) one_case = one_case || std::string(argv[i]).starts_with("--test-case=");
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (entry.starts_with("ACCTSEC_") && !entry.starts_with("ACCTSEC_TEST=")) names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
  doctest::Context context(argc, argv);
  const int status = context.run();
  if (status == 0 && one_case && g_selected == 0 && std::getenv("ACCTSEC_TEST") != nullptr && !context.shouldExit()) {
    std::fprintf(stderr, "no test case matched the --test-case filter: was its name split (a ';' in it)?\n");
    return 1;
  }
  return status;
}
