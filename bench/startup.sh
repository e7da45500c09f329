#!/usr/bin/env bash
# Start-up cost of acctsec's cheapest commands against the anchor `fido2-token -L`, measured in
# the same run: median wall time over N runs (interleaved, so drift hits all three alike) and
# peak resident memory (GNU time's %M), with ratios to the anchor.
# Target (issue 2): no slower than fido2-token -L, peak memory within 1.5x of it.
# Beside them, when it is built: the floor, bench/startup_floor (acctsec's stack with none of its
# code: CLI11 parsing acctsec's global options and `key list`, libfido2's device list, iostreams,
# linked as acctsec is), so the run also says how much of the start-up the stack alone takes.
# Usage: bench/startup.sh [path/to/acctsec] [runs]  (ACCTSEC_STARTUP_FLOOR names another floor
# binary; "none" leaves it out)
set -euo pipefail
cd "$(dirname "$0")/.."
acctsec=${1:-build/default/cli/acctsec}
runs=${2:-200}
command -v fido2-token >/dev/null || { echo "bench: fido2-token missing (scripts/install-deps)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: GNU time missing (apt-get install time)" >&2; exit 2; }
[ -x "$acctsec" ] || { echo "bench: $acctsec not built (scripts/build)" >&2; exit 2; }

names=("fido2-token -L" "acctsec version" "acctsec key list")
cmds=("fido2-token -L" "$acctsec version" "$acctsec key list")
floor=${ACCTSEC_STARTUP_FLOOR:-$(dirname "$acctsec")/../bench/startup_floor/startup_floor}
with_floor=0
if [ "$floor" != none ] && [ -x "$floor" ]; then
  with_floor=1
  names+=("floor key list")
  cmds+=("$floor key list")
elif [ "$floor" != none ]; then
  echo "bench: no floor program at $floor (built with the tests); leaving it out" >&2
fi
declare -A times mem

for ((i = 0; i < runs; i++)); do
  for j in "${!cmds[@]}"; do
    start=$(date +%s%N)
    ${cmds[$j]} >/dev/null 2>&1
    end=$(date +%s%N)
    times[$j]+="$(( (end - start) / 1000 )) "
  done
done
for j in "${!cmds[@]}"; do
  mem[$j]=$(for _ in 1 2 3 4 5; do /usr/bin/time -f %M ${cmds[$j]} 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p)
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
anchor_t=$(echo "${times[0]}" | median)
anchor_m=${mem[0]}
printf '%-20s %12s %10s %14s %10s\n' command "median (us)" "x anchor" "peak RSS (KiB)" "x anchor"
for j in "${!cmds[@]}"; do
  t=$(echo "${times[$j]}" | median)
  printf '%-20s %12s %10.2f %14s %10.2f\n' "${names[$j]}" "$t" "$(echo "$t / $anchor_t" | bc -l)" "${mem[$j]}" \
    "$(echo "${mem[$j]} / $anchor_m" | bc -l)"
done
echo "runs: $runs each, interleaved; anchor: fido2-token -L"
[ "$with_floor" -eq 0 ] || echo "floor: acctsec's stack alone (bench/startup_floor), not a target"
