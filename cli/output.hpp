// Output: stdout carries data (a table, key/value lines, or one JSON document); stderr carries
// everything else. Tables are aligned for a terminal and tab-separated when piped.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "deps.hpp"
#include "globals.hpp"

namespace acctsec::cli {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

// A table written row by row, for lists too long to hold (a stream of pages): on a terminal the
// header goes before the first row and columns are padded to `widths` (a wider cell shifts the
// rest of its row, since earlier rows are out already); piped, rows are tab-separated as in Table.
struct StreamedTable {
  std::vector<std::string> headers;
  std::vector<std::size_t> widths;
  bool started = false;
};

enum class Style { plain, bold, good, bad, warn, dim };

class Output {
 public:
  Output(Deps& deps, const GlobalOptions& globals);

  bool json() const { return m_json; }
  bool quiet() const { return m_quiet; }
  bool verbose() const { return m_verbose; }

  // One JSON document on stdout; `schema` is set as its first member.
  void document(std::string_view schema, nlohmann::json body);
  void table(const Table& table);
  // One row of `table`, flushed, so that a follower sees it at once.
  void row(StreamedTable& table, const std::vector<std::string>& cells);
  // One NDJSON line on stdout (never indented, even on a terminal), `schema` first, flushed.
  void record(std::string_view schema, const nlohmann::json& body);
  // "label: value" lines, labels aligned on a terminal.
  void fields(const std::vector<std::pair<std::string, std::string>>& fields);
  void line(std::string_view text);

  // Messages on stderr: info is dropped by --quiet; warnings never are.
  void info(std::string_view text);
  void warn(std::string_view text);
  void error(std::string_view text);

  std::string styled(std::string_view text, Style style, bool for_stderr = false) const;

 private:
  Deps& m_deps;
  bool m_json;
  bool m_quiet;
  bool m_verbose;
  bool m_color_out;
  bool m_color_err;
  bool m_aligned;
};

// What every command receives: the outside world, the global options and the formatter.
struct Context {
  Deps& deps;
  GlobalOptions& globals;
  Output& out;
};

}  // namespace acctsec::cli
