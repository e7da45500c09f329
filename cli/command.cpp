#include "command.hpp"

namespace acctsec::cli {

CLI::App* add_command(CLI::App& parent, const Dispatch& dispatch, const std::string& name, const std::string& description) {
  if (dispatch.only_path) {
    std::size_t depth = 0;
    for (const CLI::App* up = parent.get_parent(); up != nullptr; up = up->get_parent()) ++depth;
    const auto& words = *dispatch.only_path;
    if (depth >= words.size() || words[depth] != name) return nullptr;
  }
  return parent.add_subcommand(name, description);
}

}  // namespace acctsec::cli
