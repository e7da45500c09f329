// JUnit XML, the report format CI systems read (one test case per checked subject).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace acctsec::cli {

struct JunitCase {
  std::string name;
  std::string classname;
  std::vector<std::string> failures;  // empty: passed; the first is the failure's message
  std::string output;                 // <system-out>, what was checked
};

// Writes one <testsuites> with one <testsuite> named `suite`, its counts and `timestamp`.
void junit_write(std::ostream& os, const std::string& suite, const std::string& timestamp, const std::vector<JunitCase>& cases);

// Text made safe for XML character data and attribute values (control characters XML 1.0 cannot
// carry become U+FFFD).
std::string xml_escape(std::string_view text);

}  // namespace acctsec::cli
