// Man pages and shell completions are tested artefacts (STYLE.md habit 17). These tests walk the
// CLI11 tree that acctsec really parses with and fail when a command, a long option or an
// option's fixed values are missing from acctsec(1), acctsec-NOUN(1), or the bash, zsh and fish
// completions; they also run mandoc's linter and each shell's parser, and drive the bash and
// fish completions for every command.
//
// Where things are looked for (the comments at the top of each file say the same):
//   man pages  COMMANDS has an entry ".It Cm PATH ..." for every command (in acctsec(1) for all
//              of them, and in acctsec-NOUN(1) for the commands of a noun that has its own
//              page); each long option appears as "Fl \-NAME" (or "Fl -NAME") inside the entry
//              of its command, global options under GLOBAL OPTIONS of acctsec(1).
//   bash       _acctsec_spec has a case 'PATH') naming its subcommands and options;
//              _acctsec_global_opts the global ones; _acctsec_takes_value the value options.
//   zsh        a function _acctsec_PATH (words joined by "_") per command, with 'NAME:' entries
//              for subcommands and "--NAME=" for value options; acctsec_globals the global ones.
//   fish       lines conditioned on '__acctsec_at PATH' offer subcommands (-a NAME) and options
//              (-l NAME, with -r or -x when it takes a value); unconditioned lines the global
//              ones; __acctsec_takes_value the value options.
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path k_source_dir = ACCTSEC_SOURCE_DIR;
const std::string k_global_group = "Global options";

// ---------------------------------------------------------------------------------------------
// The command tree, as CLI11 holds it.

struct OptionInfo {
  std::string name;                 // long name without dashes
  bool takes_value = false;
  bool global = false;              // accepted by every command: the global group, and --help
  std::vector<std::string> values;  // the fixed set of values, when the option has one
};

struct CommandInfo {
  std::vector<std::string> path;  // {} for acctsec itself, {"key", "pin", "set"}
  std::vector<std::string> subcommands;
  std::vector<OptionInfo> options;
  std::vector<std::string> positionals;  // CLI11 names, such as FILE

  std::string joined(const std::string& separator = " ") const {
    std::string out;
    for (const auto& word : path) out += (out.empty() ? "" : separator) + word;
    return out;
  }
  std::string display() const { return path.empty() ? "acctsec" : "acctsec " + joined(); }
};

// The values an option accepts, from CLI11's type name: "TEXT:{a,b,c}" from IsMember, or
// "ENUM:value in {a->0,b->1} OR {0,1}" from CheckedTransformer (the first set is the names).
std::vector<std::string> fixed_values(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const auto open = type.find('{');
  const auto close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> values;
  std::stringstream items(type.substr(open + 1, close - open - 1));
  for (std::string item; std::getline(items, item, ',');) values.push_back(item.substr(0, item.find("->")));
  return values;
}

// Adds the options of `app` and of its option groups (nameless sub-apps) to `command`.
void collect_options(const CLI::App& app, const CLI::Option* help, CommandInfo& command) {
  for (const CLI::Option* option : app.get_options([](const CLI::Option*) { return true; })) {
    if (option->get_lnames().empty()) {
      if (option->get_positional()) command.positionals.push_back(option->get_name());
      continue;
    }
    for (const auto& name : option->get_lnames()) {
      command.options.push_back(OptionInfo{name, option->get_items_expected_max() > 0,
                                           option == help || option->get_group() == k_global_group,
                                           fixed_values(*option)});
    }
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name().empty()) collect_options(*sub, help, command);
}

void walk(const CLI::App& app, std::vector<std::string> path, std::vector<CommandInfo>& out) {
  CommandInfo command;
  command.path = path;
  collect_options(app, app.get_help_ptr(), command);
  std::vector<const CLI::App*> named;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name().empty()) continue;
    command.subcommands.push_back(sub->get_name());
    named.push_back(sub);
  }
  out.push_back(command);
  for (const CLI::App* sub : named) {
    auto sub_path = path;
    sub_path.push_back(sub->get_name());
    walk(*sub, sub_path, out);
  }
}

const std::vector<CommandInfo>& command_tree() {
  static const std::vector<CommandInfo> tree = [] {
    acctsec::cli::GlobalOptions globals;
    acctsec::cli::Dispatch dispatch;
    CLI::App app{"acctsec", "acctsec"};
    acctsec::cli::build_app(app, globals, dispatch);
    std::vector<CommandInfo> commands;
    walk(app, {}, commands);
    return commands;
  }();
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Text helpers.

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines, std::size_t begin, std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end && i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

bool matches(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex(pattern, std::regex::multiline));
}

// An option name as a whole word: "--pin" does not match inside "--pin-fd".
const std::string k_after_name = "(?![A-Za-z0-9_-])";

// The lines from the first one matching `first` to the next one (from `first` on) matching
// `last`, inclusive; empty when `first` matches nothing.
std::string block(const std::string& text, const std::string& first, const std::string& last) {
  const auto lines = split_lines(text);
  const std::regex first_re(first), last_re(last);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!std::regex_search(lines[i], first_re)) continue;
    for (std::size_t j = i; j < lines.size(); ++j)
      if (std::regex_search(lines[j], last_re)) return join_lines(lines, i, j + 1);
    return join_lines(lines, i, lines.size());
  }
  return {};
}

// The lines that contain `needle`.
std::string lines_containing(const std::string& text, const std::string& needle) {
  std::string out;
  for (const auto& line : split_lines(text))
    if (line.find(needle) != std::string::npos) out += line + "\n";
  return out;
}

struct Process {
  int status = -1;
  std::string output;  // stdout and stderr together
};

Process run_shell(const std::string& command) {
  Process p;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE_MESSAGE(pipe != nullptr, "cannot run ", command);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) p.output.append(buffer, n);
  const int raw = ::pclose(pipe);
  p.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return p;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Fails the test, naming the package, when a tool the docs tier depends on is missing.
void require_tool(const std::string& tool) {
  const auto found = run_shell("command -v " + tool);
  REQUIRE_MESSAGE(found.status == 0, tool,
                  " is not installed; it is a test dependency of the docs tier: run scripts/install-deps");
}

// ---------------------------------------------------------------------------------------------
// Man pages.

struct ManEntry {
  std::vector<std::string> words;  // the command words after ".It Cm"
  std::string text;                // the entry, up to the next entry of the same list
};

class ManPage {
 public:
  explicit ManPage(std::string name) : m_name(std::move(name)), m_text(read_text(k_source_dir / "man" / m_name)) {
    parse_commands();
  }

  const std::string& name() const { return m_name; }
  const std::string& text() const { return m_text; }

  // The text of a section (".Sh NAME" up to the next ".Sh").
  std::string section(const std::string& title) const {
    return block(m_text, "^\\.Sh " + regex_escape(title) + "$", "^\\.Sh (?!" + regex_escape(title) + "$)");
  }

  // The entries under COMMANDS for `path` and the commands below it; empty when there is none.
  std::string entries(const std::vector<std::string>& path) const {
    std::string out;
    for (const auto& entry : m_entries)
      if (entry.words.size() >= path.size() && std::equal(path.begin(), path.end(), entry.words.begin())) out += entry.text;
    return out;
  }

 private:
  // Splits the top-level list of COMMANDS into entries, following nested .Bl/.El.
  void parse_commands() {
    const auto lines = split_lines(section("COMMANDS"));
    int depth = 0;
    ManEntry* current = nullptr;
    for (const auto& line : lines) {
      if (line.starts_with(".Bl")) ++depth;
      if (line.starts_with(".El") && --depth == 0) current = nullptr;
      if (depth == 1 && line.starts_with(".It")) {
        current = nullptr;
        std::stringstream words(line);
        std::string word;
        words >> word;  // .It
        if (words >> word && word == "Cm") {
          m_entries.emplace_back();
          current = &m_entries.back();
          // Command words are lower-case; an argument macro (Ar, Op, ...) ends them.
          while (words >> word && std::regex_match(word, std::regex("[a-z][a-z0-9-]*"))) current->words.push_back(word);
        }
      }
      if (current != nullptr) current->text += line + "\n";
    }
  }

  std::string m_name;
  std::string m_text;
  std::vector<ManEntry> m_entries;
};

bool man_has_option(const std::string& text, const std::string& name) {
  return matches(text, "Fl \\\\?-" + regex_escape(name) + k_after_name);
}

// ---------------------------------------------------------------------------------------------
// Completion scripts.

struct Completions {
  std::string bash = read_text(k_source_dir / "completions" / "acctsec.bash");
  std::string zsh = read_text(k_source_dir / "completions" / "_acctsec");
  std::string fish = read_text(k_source_dir / "completions" / "acctsec.fish");

  std::string bash_command(const CommandInfo& c) const {
    return block(bash, "^\\s*'" + regex_escape(c.joined()) + "'\\)", ";;");
  }
  std::string bash_globals() const { return block(bash, "^_acctsec_global_opts=", "'\\s*$"); }
  std::string bash_value_options() const { return block(bash, "^_acctsec_takes_value\\(\\)", "^\\}"); }

  std::string zsh_command(const CommandInfo& c) const {
    std::string name = "_acctsec" + (c.path.empty() ? "" : "_" + c.joined("_"));
    std::replace(name.begin(), name.end(), '-', '_');
    return block(zsh, "^" + regex_escape(name) + "\\(\\) \\{", "^\\}");
  }
  std::string zsh_globals() const { return block(zsh, "^\\s*acctsec_globals=\\(", "^\\s*\\)\\s*$"); }

  std::string fish_command(const CommandInfo& c) const {
    return lines_containing(fish, "-n '__acctsec_at" + (c.path.empty() ? "" : " " + c.joined()) + "'");
  }
  std::string fish_globals() const {
    std::string out;
    for (const auto& line : split_lines(fish))
      if (line.starts_with("complete -c acctsec ") && line.find(" -n ") == std::string::npos) out += line + "\n";
    return out;
  }
  std::string fish_value_options() const { return block(fish, "^function __acctsec_takes_value", "^end"); }
};

// The line of a fish region that completes --NAME.
std::string fish_option_line(const std::string& region, const std::string& name) {
  std::smatch m;
  const std::string text = region;
  if (std::regex_search(text, m, std::regex("^.* -l " + regex_escape(name) + "(\\s.*)?$", std::regex::multiline)))
    return m.str(0);
  return {};
}

// The line of a zsh region whose _arguments spec defines --NAME: the name follows ' ) { , or *
// (in an exclusion list such as "(--pin-file --pin-env)" it follows ( or a space).
std::string zsh_option_line(const std::string& region, const std::string& name) {
  std::smatch m;
  const std::string text = region;
  if (std::regex_search(text, m, std::regex("^.*['){,*]--" + regex_escape(name) + k_after_name + ".*$", std::regex::multiline)))
    return m.str(0);
  return {};
}

bool has_word(const std::string& text, const std::string& word) {
  return matches(text, "(^|[^A-Za-z0-9_-])" + regex_escape(word) + k_after_name);
}

// The man page that documents the commands of `path`: acctsec-NOUN.1 when it exists.
std::string page_for(const CommandInfo& c) {
  if (!c.path.empty() && fs::exists(k_source_dir / "man" / ("acctsec-" + c.path.front() + ".1")))
    return "acctsec-" + c.path.front() + ".1";
  return "acctsec.1";
}

}  // namespace

TEST_SUITE("docs::cli_tree") {
  TEST_CASE("the command tree is walked: nouns, verbs and options are found") {
    const auto& tree = command_tree();
    REQUIRE(tree.size() > 5);
    CHECK(tree.front().path.empty());
    const auto enroll = std::find_if(tree.begin(), tree.end(), [](const CommandInfo& c) { return c.joined() == "key enroll"; });
    REQUIRE(enroll != tree.end());
    CHECK(std::any_of(enroll->options.begin(), enroll->options.end(), [](const OptionInfo& o) { return o.name == "rp-id" && o.takes_value; }));
    CHECK(std::any_of(enroll->options.begin(), enroll->options.end(), [](const OptionInfo& o) { return o.name == "discoverable" && !o.takes_value; }));
    const auto& root = tree.front().options;
    const auto color = std::find_if(root.begin(), root.end(), [](const OptionInfo& o) { return o.name == "color"; });
    REQUIRE(color != root.end());
    CHECK(color->global);
    CHECK(color->values == std::vector<std::string>{"auto", "always", "never"});
  }

  TEST_CASE("an option name means the same kind of option (flag or valued) everywhere") {
    std::map<std::string, std::set<bool>> kinds;
    for (const auto& c : command_tree())
      for (const auto& o : c.options) kinds[o.name].insert(o.takes_value);
    for (const auto& [name, kind] : kinds) CHECK_MESSAGE(kind.size() == 1, "--", name, " is a flag in one command and takes a value in another");
  }

  TEST_CASE("acctsec(1) lists every command under COMMANDS and every global option under GLOBAL OPTIONS") {
    const ManPage page("acctsec.1");
    const std::string globals = page.section("GLOBAL OPTIONS");
    REQUIRE_FALSE(globals.empty());
    for (const auto& c : command_tree()) {
      if (!c.path.empty()) CHECK_MESSAGE(!page.entries(c.path).empty(), page.name(), " has no COMMANDS entry \".It Cm ", c.joined(), "\"");
      for (const auto& o : c.options) {
        if (!o.global && !c.path.empty()) continue;
        CHECK_MESSAGE(man_has_option(globals, o.name), page.name(), " GLOBAL OPTIONS lacks --", o.name, " (Fl \\-", o.name, ")");
        for (const auto& v : o.values)
          CHECK_MESSAGE(matches(globals, "Cm " + regex_escape(v) + k_after_name), page.name(), " does not document --", o.name, " ", v);
      }
    }
  }

  TEST_CASE("each command's page documents its options and their values in the command's entry") {
    for (const auto& c : command_tree()) {
      if (c.path.empty()) continue;
      const ManPage page(page_for(c));
      const std::string entry = page.entries(c.path);
      CAPTURE(page.name());
      CAPTURE(c.display());
      REQUIRE_MESSAGE(!entry.empty(), page.name(), " has no COMMANDS entry \".It Cm ", c.joined(), "\"");
      for (const auto& o : c.options) {
        if (o.global) continue;  // in acctsec(1) GLOBAL OPTIONS
        CHECK_MESSAGE(man_has_option(entry, o.name), page.name(), ": the entry of ", c.display(), " lacks --", o.name);
        for (const auto& v : o.values)
          CHECK_MESSAGE(matches(entry, "Cm " + regex_escape(v) + k_after_name), page.name(), ": ", c.display(), " --", o.name,
                        " does not document the value ", v);
      }
      for (auto name : c.positionals) {
        std::transform(name.begin(), name.end(), name.begin(), [](char ch) { return ch == '_' ? '-' : static_cast<char>(std::tolower(ch)); });
        CHECK_MESSAGE(matches(entry, "Ar " + regex_escape(name) + k_after_name), page.name(), ": the entry of ", c.display(),
                      " does not name its argument (Ar ", name, ")");
      }
    }
  }

  TEST_CASE("the bash completion offers every command, option and value") {
    const Completions scripts;
    const std::string globals = scripts.bash_globals();
    const std::string value_options = scripts.bash_value_options();
    const std::string values = block(scripts.bash, "^_acctsec_value\\(\\)", "^\\}");
    REQUIRE_FALSE(globals.empty());
    REQUIRE_FALSE(value_options.empty());
    for (const auto& c : command_tree()) {
      CAPTURE(c.display());
      const std::string region = scripts.bash_command(c);
      REQUIRE_MESSAGE(!region.empty(), "acctsec.bash: _acctsec_spec has no case '", c.joined(), "')");
      for (const auto& sub : c.subcommands) CHECK_MESSAGE(has_word(region, sub), "acctsec.bash: '", c.joined(), "') does not offer ", sub);
      for (const auto& o : c.options) {
        CHECK_MESSAGE(matches(o.global ? globals : region, "--" + regex_escape(o.name) + k_after_name), "acctsec.bash lacks --", o.name,
                      o.global ? std::string(" in _acctsec_global_opts") : std::string(" in its case"));
        CHECK_MESSAGE(matches(value_options, "--" + regex_escape(o.name) + k_after_name) == o.takes_value, "acctsec.bash: --", o.name,
                      o.takes_value ? std::string(" takes a value but is not") : std::string(" is a flag but is"), " in _acctsec_takes_value");
        for (const auto& v : o.values) CHECK_MESSAGE(has_word(values, v), "acctsec.bash: _acctsec_value does not offer --", o.name, " ", v);
      }
    }
  }

  TEST_CASE("the zsh completion offers every command, option and value") {
    const Completions scripts;
    const std::string globals = scripts.zsh_globals();
    REQUIRE_FALSE(globals.empty());
    for (const auto& c : command_tree()) {
      CAPTURE(c.display());
      const std::string region = scripts.zsh_command(c);
      REQUIRE_MESSAGE(!region.empty(), "_acctsec has no function for ", c.display());
      for (const auto& sub : c.subcommands)
        CHECK_MESSAGE(region.find("'" + sub + ":") != std::string::npos, "_acctsec: ", c.display(), " does not offer '", sub, ":...'");
      for (const auto& o : c.options) {
        const std::string line = zsh_option_line(o.global ? globals : region, o.name);
        CHECK_MESSAGE(!line.empty(), "_acctsec lacks --", o.name, " for ", c.display());
        CHECK_MESSAGE((line.find("--" + o.name + "=") != std::string::npos) == o.takes_value, "_acctsec: --", o.name,
                      o.takes_value ? std::string(" takes a value: write it --NAME=[...]:...") : std::string(" is a flag: no '=' after it"));
        for (const auto& v : o.values) {
          // _arguments splits its specs at ':', so a value that holds one is written with '\:'.
          const bool offered = has_word(line, std::regex_replace(v, std::regex(":"), "\\:"));
          CHECK_MESSAGE(offered, "_acctsec: --", o.name, " does not offer ", v);
        }
      }
    }
  }

  TEST_CASE("the fish completion offers every command, option and value") {
    const Completions scripts;
    const std::string globals = scripts.fish_globals();
    const std::string value_options = scripts.fish_value_options();
    REQUIRE_FALSE(globals.empty());
    REQUIRE_FALSE(value_options.empty());
    for (const auto& c : command_tree()) {
      CAPTURE(c.display());
      const std::string region = scripts.fish_command(c);
      for (const auto& sub : c.subcommands)
        CHECK_MESSAGE(matches(region, " -a " + regex_escape(sub) + "(\\s|$)"), "acctsec.fish: no line -n '__acctsec_at ", c.joined(), "' -a ", sub);
      for (const auto& o : c.options) {
        const std::string line = fish_option_line(o.global ? globals : region, o.name);
        CHECK_MESSAGE(!line.empty(), "acctsec.fish lacks -l ", o.name, " for ", c.display());
        CHECK_MESSAGE(matches(line, " -[rx](\\s|$)") == o.takes_value, "acctsec.fish: -l ", o.name,
                      o.takes_value ? std::string(" takes a value: give it -r or -x") : std::string(" is a flag: no -r or -x"));
        CHECK_MESSAGE(matches(value_options, "--" + regex_escape(o.name) + k_after_name) == o.takes_value, "acctsec.fish: --", o.name,
                      o.takes_value ? std::string(" takes a value but is not") : std::string(" is a flag but is"), " in __acctsec_takes_value");
        for (const auto& v : o.values) CHECK_MESSAGE(has_word(line, v), "acctsec.fish: -l ", o.name, " does not offer ", v);
      }
    }
  }

  TEST_CASE("bash and fish complete exactly the subcommands and options of every command") {
    require_tool("bash");
    require_tool("fish");
    // One script per shell; each command path prints a "== PATH" header, then the candidates
    // offered after "acctsec PATH " and after "acctsec PATH --", one a line.
    std::string bash = "source " + shell_quote((k_source_dir / "completions" / "acctsec.bash").string()) +
                       "\ncompopt() { :; }\n"
                       "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _acctsec; printf '%s\\n' \"${COMPREPLY[@]}\"; }\n";
    std::string fish = "source " + shell_quote((k_source_dir / "completions" / "acctsec.fish").string()) + "\n";
    for (const auto& c : command_tree()) {
      std::string words = "acctsec";
      for (const auto& w : c.path) words += " " + w;
      bash += "echo '== " + c.joined() + "'\nt " + words + " ''\necho '-- " + c.joined() + "'\nt " + words + " --\n";
      fish += "echo '== " + c.joined() + "'\ncomplete -C" + shell_quote(words + " ") + " | string replace -r '\\t.*' ''\n";
      fish += "echo '-- " + c.joined() + "'\ncomplete -C" + shell_quote(words + " --") + " | string replace -r '\\t.*' ''\n";
    }
    const fs::path dir = fs::temp_directory_path();
    const fs::path bash_file = dir / fmt::format("acctsec-docs-{}.bash", ::getpid());
    const fs::path fish_file = dir / fmt::format("acctsec-docs-{}.fish", ::getpid());
    std::ofstream(bash_file) << bash;
    std::ofstream(fish_file) << fish;
    // Run where no file name could look like a candidate.
    const auto empty_dir = dir / fmt::format("acctsec-docs-{}", ::getpid());
    fs::create_directories(empty_dir);
    const std::string cd = "cd " + shell_quote(empty_dir.string()) + " && ";
    const std::map<std::string, Process> runs = {
        {"bash", run_shell(cd + "bash --norc --noprofile " + shell_quote(bash_file.string()))},
        {"fish", run_shell(cd + "fish --no-config " + shell_quote(fish_file.string()))}};
    fs::remove(bash_file);
    fs::remove(fish_file);
    fs::remove(empty_dir);

    for (const auto& [shell, run] : runs) {
      CAPTURE(shell);
      REQUIRE_MESSAGE(run.status == 0, run.output);
      // Candidates by section header.
      std::map<std::string, std::set<std::string>> offered;
      std::string header;
      for (const auto& line : split_lines(run.output)) {
        if (line.starts_with("== ") || line.starts_with("-- ")) header = line;
        else if (!line.empty()) offered[header].insert(line);
      }
      for (const auto& c : command_tree()) {
        CAPTURE(c.display());
        const std::set<std::string> commands(c.subcommands.begin(), c.subcommands.end());
        if (!commands.empty()) CHECK(offered["== " + c.joined()] == commands);
        std::set<std::string> options;
        for (const auto& root_option : command_tree().front().options)
          if (root_option.global) options.insert("--" + root_option.name);
        for (const auto& o : c.options) options.insert("--" + o.name);
        CHECK(offered["-- " + c.joined()] == options);
      }
    }
  }

  TEST_CASE("mandoc -T lint -W warning finds nothing in the man pages") {
    require_tool("mandoc");
    for (const auto& entry : fs::directory_iterator(k_source_dir / "man")) {
      if (entry.path().extension() != ".1") continue;
      CAPTURE(entry.path().filename().string());
      const auto lint = run_shell("mandoc -T lint -W warning " + shell_quote(entry.path().string()));
      CHECK_MESSAGE(lint.output.empty(), lint.output);
      CHECK(lint.status == 0);
    }
  }

  TEST_CASE("acctsec(1) SEE ALSO names the page of every noun that has one") {
    const ManPage root("acctsec.1");
    const std::string see_also = root.section("SEE ALSO");
    for (const auto& entry : fs::directory_iterator(k_source_dir / "man")) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".1" || name == "acctsec.1") continue;
      CHECK_MESSAGE(matches(see_also, "Xr " + regex_escape(entry.path().stem().string()) + " 1"), "acctsec.1 SEE ALSO lacks ", name);
    }
  }

  TEST_CASE("the completion scripts parse in their shells") {
    require_tool("bash");
    require_tool("zsh");
    require_tool("fish");
    const fs::path dir = k_source_dir / "completions";
    for (const auto& [shell, file] : std::vector<std::pair<std::string, std::string>>{
             {"bash", "acctsec.bash"}, {"zsh", "_acctsec"}, {"fish", "acctsec.fish"}}) {
      CAPTURE(file);
      const auto check = run_shell(shell + " -n " + shell_quote((dir / file).string()));
      CHECK_MESSAGE(check.status == 0, check.output);
      CHECK_MESSAGE(check.output.empty(), check.output);
    }
  }
}
