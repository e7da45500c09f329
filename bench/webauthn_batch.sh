#!/usr/bin/env bash
# `acctsec webauthn verify-assertion | verify-registration --batch` throughput on N ES256 assertions
# and N packed registrations with x5c (default 10,000 each), against two anchors measured in the
# same run: `openssl speed ecdsap256` (ECDSA P-256 verifies per second, one core) and
# @simplewebauthn/server (tests/interop/simplewebauthn/verify.mjs, one Node.js process) on the same
# lines. Median wall time over R runs (interleaved, so drift hits every command alike), lines/s and
# ratios.
# Targets (issue): assertions >= 0.8x openssl's single-core ECDSA P-256 verify rate per core used;
# registrations >= 5x @simplewebauthn/server.
# Inputs: genuine, distinct responses from bench/webauthn_batch_gen.mjs (a software authenticator;
# see there), generated once and cached under ${TMPDIR:-/tmp}. Every line must verify with acctsec
# or the run stops; @simplewebauthn/server's count is printed (9.0.3 cannot verify ES256 signatures
# whose r or s is shorter than 32 bytes, about 1 in 128).
# Usage: bench/webauthn_batch.sh [path/to/acctsec] [runs] [lines]
set -euo pipefail
cd "$(dirname "$0")/.."
acctsec=${1:-build/default/cli/acctsec}
runs=${2:-3}
lines=${3:-10000}
for tool in node npm openssl bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps)" >&2; exit 2; }
done
[ -x "$acctsec" ] || { echo "bench: $acctsec not built (scripts/build)" >&2; exit 2; }
tests/interop/simplewebauthn/install || { echo "bench: @simplewebauthn/server could not be installed" >&2; exit 2; }
swa=tests/interop/simplewebauthn/verify.mjs
cores=$(nproc)

inputs="${TMPDIR:-/tmp}/acctsec-bench-webauthn-$lines"
if [ ! -s "$inputs/assertions.ndjson" ] || [ ! -s "$inputs/registrations.ndjson" ] ||
  [ bench/webauthn_batch_gen.mjs -nt "$inputs/registrations.ndjson" ]; then
  echo "bench: generating $lines assertions and $lines registrations in $inputs" >&2
  rm -rf "$inputs"
  node bench/webauthn_batch_gen.mjs "$inputs" "$lines" 100
fi

count_verified() { grep -c '"verified":true' || true; }
for kind in assertion registration; do
  file="$inputs/${kind}s.ndjson"
  ours=$("$acctsec" -q webauthn "verify-$kind" --batch "$file" | count_verified)
  theirs=$(node "$swa" "$kind" <"$file" | count_verified)
  echo "verified ${kind}s: acctsec $ours/$lines, @simplewebauthn/server $(node "$swa" version) $theirs/$lines"
  [ "$ours" -eq "$lines" ] || { echo "bench: acctsec rejected some generated ${kind}s; inputs are broken" >&2; exit 1; }
done

names=("openssl speed ecdsap256 (verify/s)" "openssl speed -multi $cores ecdsap256"
  "acctsec assertions --jobs $cores" "acctsec assertions --jobs 1" "simplewebauthn assertions"
  "acctsec registrations --jobs $cores" "acctsec registrations --jobs 1" "simplewebauthn registrations")
cmds=("" ""
  "$acctsec -q webauthn verify-assertion --batch $inputs/assertions.ndjson --jobs $cores"
  "$acctsec -q webauthn verify-assertion --batch $inputs/assertions.ndjson --jobs 1"
  "node $swa assertion <$inputs/assertions.ndjson"
  "$acctsec -q webauthn verify-registration --batch $inputs/registrations.ndjson --jobs $cores"
  "$acctsec -q webauthn verify-registration --batch $inputs/registrations.ndjson --jobs 1"
  "node $swa registration <$inputs/registrations.ndjson")
declare -A rates

for ((i = 0; i < runs; i++)); do
  # openssl speed runs one process on one core; -seconds keeps it short.
  verify=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $NF}')
  rates[0]+="$verify "
  # The same on every core at once: what the cores deliver together while this runs (on a shared
  # machine, less than cores x the single-core rate).
  verify=$(openssl speed -multi "$cores" -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $NF}')
  rates[1]+="$verify "
  for ((j = 2; j < ${#cmds[@]}; j++)); do
    start=$(date +%s%N)
    eval "${cmds[$j]}" >/dev/null || [ $? -eq 1 ]
    end=$(date +%s%N)
    rates[$j]+="$(echo "$lines * 1000000000 / ($end - $start)" | bc -l) "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A m
printf '%-40s %14s\n' measurement "median (/s)"
for j in "${!names[@]}"; do
  m[$j]=$(echo "${rates[$j]}" | median)
  printf '%-40s %14.0f\n' "${names[$j]}" "${m[$j]}"
done
ratio() { printf '%.2f' "$(echo "$1" | bc -l)"; }
echo
echo "assertions, acctsec per core (--jobs $cores) / openssl verify/s:        $(ratio "${m[2]} / $cores / ${m[0]}")  (target >= 0.80)"
echo "assertions, acctsec --jobs 1 / openssl verify/s:                  $(ratio "${m[3]} / ${m[0]}")  (target >= 0.80)"
echo "assertions, acctsec --jobs $cores / openssl -multi $cores verify/s:        $(ratio "${m[2]} / ${m[1]}")  (cores as available in this run)"
echo "registrations, acctsec --jobs $cores / @simplewebauthn/server:           $(ratio "${m[5]} / ${m[7]}")  (target >= 5)"
echo "registrations, acctsec --jobs 1 / @simplewebauthn/server:           $(ratio "${m[6]} / ${m[7]}")  (target >= 5)"
echo "runs: $runs each, interleaved; lines: $lines per batch; cores: $cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
