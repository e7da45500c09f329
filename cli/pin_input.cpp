#include "pin_input.hpp"

namespace acctsec::cli {

void add_pin_options(CLI::App* command, PinSource& source, PinRole role) {
  const bool is_new = role == PinRole::new_pin;
  const std::string prefix = is_new ? "--new-pin" : "--pin";
  source.env_name = is_new ? "ACCTSEC_NEW_PIN" : "ACCTSEC_PIN";
  const std::string what = is_new ? "the new PIN" : "the key's PIN";
  auto* fd = command->add_option(prefix + "-fd", source.fd, "Read " + what + " from this open file descriptor");
  auto* file = command->add_option(prefix + "-file", source.file, "Read " + what + " from FILE (must be mode 0600)");
  auto* env = command->add_flag(prefix + "-env", source.env, "Read " + what + " from $" + source.env_name);
  fd->excludes(file)->excludes(env);
  file->excludes(env);
}

Result<Secret> pin_read(const PinSource& source, Context& ctx, PinRole role) {
  if (source.fd) return secret_from_fd(*source.fd);
  if (!source.file.empty()) return secret_from_file(source.file);
  if (source.env) {
    auto value = ctx.deps.env ? ctx.deps.env(source.env_name) : std::nullopt;
    if (!value || value->empty()) return fail(ErrorCategory::usage, "--" + std::string(role == PinRole::new_pin ? "new-pin" : "pin") + "-env was given but $" + source.env_name + " is empty");
    return Secret(std::move(*value));
  }
  if (ctx.deps.env && ctx.deps.env(source.env_name))
    ctx.out.warn("$" + source.env_name + " is set but ignored; pass --" + (role == PinRole::new_pin ? "new-pin" : "pin") + "-env to use it");
  if (!ctx.deps.in_is_tty || !ctx.deps.prompt_secret) {
    const std::string flag = role == PinRole::new_pin ? "--new-pin" : "--pin";
    return fail(ErrorCategory::device, std::string(role == PinRole::new_pin ? "a new PIN is" : "the key's PIN is") +
                                           " needed and there is no terminal to ask on: pass " + flag + "-file FILE (mode 0600) or " +
                                           flag + "-fd N");
  }
  if (role == PinRole::current) return ctx.deps.prompt_secret("Enter the key's PIN: ");
  auto first = ctx.deps.prompt_secret("Enter the new PIN: ");
  if (!first) return first;
  auto second = ctx.deps.prompt_secret("Enter the new PIN again: ");
  if (!second) return second;
  if (first->view() != second->view()) return fail(ErrorCategory::usage, "the two PINs differ; nothing was changed");
  return first;
}

}  // namespace acctsec::cli
