#!/usr/bin/env bash
# The code every command runs at start-up leads acctsec's text (cmake/LeanStartup.cmake,
# cli/startup-order.ld): the functions below, spread over 2 MiB of text when the list is not
# applied, all lie within its first 512 KiB. Usage: startup_order_test.sh ACCTSEC
set -euo pipefail
acctsec=$1
command -v nm >/dev/null || { echo "nm missing (binutils)"; exit 1; }
text=$(readelf -SW "$acctsec" | awk '$2 == ".text" {print $4}')
[ -n "$text" ] || { echo "no .text section in $acctsec"; exit 1; }
symbols=$(nm -C --defined-only "$acctsec")
status=0
for function in "main" "acctsec::cli::run(int, char**)" "acctsec::cli::add_global_options(" \
  "CLI::App::App(" "CLI::Option::Option(" "std::ios_base::Init::Init()" "std::locale::_Impl::_Impl(unsigned long)"; do
  # A name ending in "(" is matched as a prefix (any overload), any other one exactly.
  address=$(awk -v f="$function" '{
    name = $0
    sub(/^[^ ]+ [^ ]+ /, "", name)
    if (name == f || (f ~ /[(]$/ && index(name, f) == 1)) { print $1; exit }
  }' <<<"$symbols")
  if [ -z "$address" ]; then
    echo "FAIL: $function is not in $acctsec"
    status=1
    continue
  fi
  offset=$(( 16#$address - 16#$text ))
  if (( offset < 0 || offset >= 512 * 1024 )); then
    echo "FAIL: $function is $offset bytes into .text, beyond the first 512 KiB"
    status=1
  fi
done
[ "$status" -ne 0 ] || echo "ok: the start-up functions lead .text"
exit "$status"
