#include "junit.hpp"

#include <fmt/format.h>

namespace acctsec::cli {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += "\xEF\xBF\xBD";
        else out += c;
    }
  }
  return out;
}

void junit_write(std::ostream& os, const std::string& suite, const std::string& timestamp, const std::vector<JunitCase>& cases) {
  std::size_t failures = 0;
  for (const auto& c : cases) failures += c.failures.empty() ? 0 : 1;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n", xml_escape(suite), cases.size(), failures);
  os << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" timestamp=\"{}\">\n", xml_escape(suite),
                    cases.size(), failures, xml_escape(timestamp));
  for (const auto& c : cases) {
    os << fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n", xml_escape(c.classname), xml_escape(c.name));
    if (!c.failures.empty()) {
      std::string all;
      for (const auto& f : c.failures) all += f + "\n";
      os << fmt::format("      <failure type=\"noncompliant\" message=\"{}\">{}</failure>\n", xml_escape(c.failures.front()), xml_escape(all));
    }
    if (!c.output.empty()) os << fmt::format("      <system-out>{}</system-out>\n", xml_escape(c.output));
    os << "    </testcase>\n";
  }
  os << "  </testsuite>\n</testsuites>\n";
}

}  // namespace acctsec::cli
