#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

// Tests see no ACCTSEC_* settings of the developer's shell, so a stray ACCTSEC_DEVICE or
// ACCTSEC_CONFIG cannot change what they exercise.
int main(int argc, char** argv) {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (entry.starts_with("ACCTSEC_") && !entry.starts_with("ACCTSEC_TEST=")) names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
  return doctest::Context(argc, argv).run();
}
