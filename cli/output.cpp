#include "output.hpp"

#include <algorithm>
#include <ostream>

namespace acctsec::cli {
namespace {

bool color_wanted(const Deps& deps, ColorMode mode, bool is_tty) {
  if (mode == ColorMode::never) return false;
  if (mode == ColorMode::always) return true;
  if (deps.env && deps.env("NO_COLOR").value_or("") != "") return false;
  if (deps.env && deps.env("TERM").value_or("") == "dumb") return false;
  return is_tty;
}

// Display width of UTF-8 text, counting code points (good enough for tables of names and ids).
std::size_t width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

}  // namespace

Output::Output(Deps& deps, const GlobalOptions& g)
    : m_deps(deps),
      m_json(g.json),
      m_quiet(g.quiet),
      m_verbose(g.verbose || g.debug),
      m_color_out(color_wanted(deps, g.color, deps.out_is_tty)),
      m_color_err(color_wanted(deps, g.color, deps.err_is_tty)),
      m_aligned(deps.out_is_tty) {}

void Output::document(std::string_view schema, nlohmann::json body) {
  nlohmann::ordered_json doc;
  doc["schema"] = schema;
  for (auto& [key, value] : body.items()) doc[key] = value;
  *m_deps.out << doc.dump(m_deps.out_is_tty ? 2 : -1) << '\n';
}

void Output::table(const Table& t) {
  auto& os = *m_deps.out;
  if (!m_aligned) {
    // Piped: no header, tab-separated, so `cut -f` and `awk -F'\t'` work (as gh does).
    for (const auto& row : t.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) os << (i ? "\t" : "") << row[i];
      os << '\n';
    }
    return;
  }
  std::vector<std::size_t> widths(t.headers.size(), 0);
  for (std::size_t i = 0; i < t.headers.size(); ++i) widths[i] = width(t.headers[i]);
  for (const auto& row : t.rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  auto emit = [&](const std::vector<std::string>& row, bool header) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool last = i + 1 == row.size();
      const std::string cell = header ? styled(row[i], Style::bold) : row[i];
      os << cell;
      if (!last) os << std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    os << '\n';
  };
  emit(t.headers, true);
  for (const auto& row : t.rows) emit(row, false);
}

void Output::row(StreamedTable& t, const std::vector<std::string>& cells) {
  auto& os = *m_deps.out;
  if (!m_aligned) {
    for (std::size_t i = 0; i < cells.size(); ++i) os << (i ? "\t" : "") << cells[i];
    os << '\n' << std::flush;
    return;
  }
  const auto emit = [&](const std::vector<std::string>& line_cells, bool is_header) {
    for (std::size_t i = 0; i < line_cells.size(); ++i) {
      os << (is_header ? styled(line_cells[i], Style::bold) : line_cells[i]);
      const std::size_t header_width = i < t.headers.size() ? width(t.headers[i]) : 0;
      const std::size_t w = std::max(i < t.widths.size() ? t.widths[i] : 0, header_width);
      const std::size_t used = width(line_cells[i]);
      if (i + 1 != line_cells.size()) os << std::string(w > used ? w - used + 2 : 2, ' ');
    }
    os << '\n';
  };
  if (!t.started) emit(t.headers, true);
  t.started = true;
  emit(cells, false);
  os << std::flush;
}

void Output::record(std::string_view schema, const nlohmann::json& body) {
  nlohmann::ordered_json doc;
  doc["schema"] = schema;
  for (const auto& [key, value] : body.items()) doc[key] = value;
  *m_deps.out << doc.dump() << '\n' << std::flush;
}

void Output::fields(const std::vector<std::pair<std::string, std::string>>& fs) {
  std::size_t w = 0;
  for (const auto& [label, _] : fs) w = std::max(w, width(label));
  for (const auto& [label, value] : fs) {
    *m_deps.out << styled(label + ":", Style::bold);
    *m_deps.out << std::string(m_aligned ? w - width(label) + 1 : 1, ' ') << value << '\n';
  }
}

void Output::line(std::string_view text) { *m_deps.out << text << '\n'; }

void Output::info(std::string_view text) {
  if (!m_quiet) *m_deps.err << text << '\n';
}

void Output::warn(std::string_view text) {
  *m_deps.err << styled("acctsec: warning: ", Style::warn, true) << text << '\n';
}

void Output::error(std::string_view text) {
  *m_deps.err << styled("acctsec: error: ", Style::bad, true) << text << '\n';
}

std::string Output::styled(std::string_view text, Style style, bool for_stderr) const {
  if (!(for_stderr ? m_color_err : m_color_out) || style == Style::plain) return std::string(text);
  const char* code = "";
  switch (style) {
    case Style::bold: code = "\x1b[1m"; break;
    case Style::good: code = "\x1b[32m"; break;
    case Style::bad: code = "\x1b[31m"; break;
    case Style::warn: code = "\x1b[33m"; break;
    case Style::dim: code = "\x1b[2m"; break;
    case Style::plain: break;
  }
  return std::string(code) + std::string(text) + "\x1b[0m";
}

}  // namespace acctsec::cli
