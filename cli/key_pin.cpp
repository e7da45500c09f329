// acctsec key pin set | change
#include <fmt/format.h>

#include "fido/pin.hpp"
#include "key_common.hpp"

namespace acctsec::cli {
namespace {

struct PinSetOptions {
  PinSource new_pin;
};

Result<int> run_key_pin_set(const PinSetOptions& o, Context& ctx) {
  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  auto pin = pin_read(o.new_pin, ctx, PinRole::new_pin);
  if (!pin) return fail(pin.error());
  if (auto ok = fido::pin_set(*device, *pin); !ok) return fail(ok.error());
  if (ctx.out.json()) ctx.out.document("acctsec.key.pin/1", {{"path", device->path()}, {"pinSet", true}});
  else ctx.out.info(fmt::format("The PIN of {} is set.", device->path()));
  return 0;
}

struct PinChangeOptions {
  PinSource current;
  PinSource new_pin;
};

Result<int> run_key_pin_change(const PinChangeOptions& o, Context& ctx) {
  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  auto current = pin_read(o.current, ctx, PinRole::current);
  if (!current) return fail(current.error());
  auto next = pin_read(o.new_pin, ctx, PinRole::new_pin);
  if (!next) return fail(next.error());
  if (auto ok = fido::pin_change(*device, *current, *next); !ok) return fail(ok.error());
  if (ctx.out.json()) ctx.out.document("acctsec.key.pin/1", {{"path", device->path()}, {"pinSet", true}});
  else ctx.out.info(fmt::format("The PIN of {} is changed.", device->path()));
  return 0;
}

}  // namespace

void register_key_pin(CLI::App& key, Dispatch& dispatch) {
  auto* pin = add_command(key, dispatch, "pin", "Set or change a key's PIN (PINs are never taken from the command line)");
  if (!pin) return;
  pin->require_subcommand(1);

  if (auto* set = add_command(*pin, dispatch, "set", "Set the first PIN of a key")) {
    auto set_options = std::make_shared<PinSetOptions>();
    add_pin_options(set, set_options->new_pin, PinRole::new_pin);
    bind_action(set, dispatch, set_options, run_key_pin_set);
  }

  if (auto* change = add_command(*pin, dispatch, "change", "Change a key's PIN")) {
    auto change_options = std::make_shared<PinChangeOptions>();
    add_pin_options(change, change_options->current, PinRole::current);
    add_pin_options(change, change_options->new_pin, PinRole::new_pin);
    bind_action(change, dispatch, change_options, run_key_pin_change);
  }
}

}  // namespace acctsec::cli
