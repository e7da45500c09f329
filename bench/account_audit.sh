#!/usr/bin/env bash
# `acctsec account audit --all` over a store of seeded accounts (default 100,000) against the
# anchor bench/account_audit_curl.sh, a curl + jq script that pages through the same API
# (GET /v1/accounts, 500 a page) and makes the same shortfall decision per account, measured in
# the same run: R runs, each of acctsec and the anchor in both output forms, interleaved (so drift
# hits all four alike): `acctsec --json account audit --all` (NDJSON) against the anchor's json
# form, and `acctsec account audit --all` piped (a tab-separated table) against its table form.
# Median wall time of each (and the range: one run can differ from the next by 2x), the ratio
# anchor / acctsec, and acctsec's peak resident memory (GNU time's %M, the largest over the runs). Every run's output of acctsec must be byte for byte the
# anchor's, with the same number of accounts and of shortfalls, or the run stops; before the timed
# runs (and as their warm-up) one untimed pair with all four --require values checks that the
# shortfall decisions agree where there are some (without --require there are none).
# Then a read command's own start-up: S runs (51), interleaved, of `acctsec version` (no network),
# `acctsec --json whoami` (one small GET, /v1/auth/whoami) and curl making that same GET; curl's
# %{time_total} is the request itself (connect, TLS, server, reply) measured inside curl after its
# own start-up. acctsec's client is libcurl too, so whoami's wall time minus curl's time_total
# (median of each) is what acctsec spends around the request: exec, loading, configuration, the
# client's set-up, output. That difference is what this benchmark calls a read command's start-up.
# Targets (issue 5): acctsec >= 5x faster than the anchor, peak memory <= 64 MiB, a read command's
# own start-up <= 10 ms.
# The server is `acctsec serve --dev --seed-accounts N` on a free loopback port. Staff are readied
# by the setup program of bench/serve_reads.sh (ACCTSEC_BENCH_SETUP, default
# bench/serve_bench_setup beside the binary's cli/ directory): it enrolls virtual keys for an admin
# and a helpdesk member and prints their token files. This script then asks, as the helpdesk
# member, for a grant with scope posture:list on resource accounts (`acctsec access request`,
# signed with the helpdesk key the setup left in the data directory), which the admin approves
# (`acctsec access approve`, signed with the admin's key). Tokens never go on a command line:
# acctsec reads ACCTSEC_TOKEN, curl a header file (-H @FILE).
# curl and jq come from scripts/install-deps --bench, run from here when one is missing, as is GNU
# time. Exits 1 when acctsec and the anchor do not do the same job (different output, counts or
# exit status) or a step fails, 0 otherwise whatever the verdicts; 2 when a tool or a program is
# missing.
# Usage: bench/account_audit.sh [path/to/acctsec] [runs (default 3)] [accounts (default 100000)]
set -euo pipefail
cd "$(dirname "$0")/.."
acctsec=${1:-build/default/cli/acctsec}
runs=${2:-3}
accounts=${3:-100000}
setup=${ACCTSEC_BENCH_SETUP:-$(dirname "$acctsec")/../bench/serve_bench_setup}
anchor=bench/account_audit_curl.sh
startup_runs=51
target_ratio=5
target_rss_mib=64
target_startup_ms=10
requirements=(phishing-resistant 2fa reset-protection backup-key)

[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: runs must be a positive whole number, not '$runs'" >&2; exit 2; }
[[ $accounts =~ ^[1-9][0-9]*$ ]] || { echo "bench: accounts must be a positive whole number, not '$accounts'" >&2; exit 2; }
have_tools() {
  command -v curl >/dev/null && command -v jq >/dev/null && [ -x /usr/bin/time ]
}
if ! have_tools; then
  echo "bench: installing the benchmark tools (scripts/install-deps --no-test-tools --bench)" >&2
  scripts/install-deps --no-test-tools --bench || { echo "bench: scripts/install-deps --bench failed" >&2; exit 2; }
fi
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps --bench)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench: GNU time missing (scripts/install-deps --bench)" >&2; exit 2; }
[ -x "$acctsec" ] || { echo "bench: $acctsec not built (scripts/build)" >&2; exit 2; }
[ -x "$setup" ] || { echo "bench: the setup program $setup is not built (it readies the staff and their tokens)" >&2; exit 2; }
case $acctsec in /*) ;; *) acctsec=$PWD/$acctsec ;; esac

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null; then wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
umask 077

# Nothing of the caller's configuration reaches acctsec, curl (~/.curlrc) or jq (~/.jq).
while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(ACCTSEC_|XDG_)|^CURL_HOME$' || true)
export HOME="$tmp/home"
mkdir -p "$HOME"

# acctsec serve --dev on a free port, seeding the accounts first (minutes for 100,000); its ready
# line (one JSON document on stdout) names the URL and the CA.
seed_start=$(date +%s)
"$acctsec" --json serve --dev --data-dir "$tmp/data" --listen 127.0.0.1:0 --seed-accounts "$accounts" \
  >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
while [ ! -s "$tmp/server.out" ] && kill -0 "$server_pid" 2>/dev/null; do sleep 0.2; done
if [ ! -s "$tmp/server.out" ]; then
  echo "bench: acctsec serve stopped before it said it was ready; its stderr:" >&2
  sed 's/^/  /' "$tmp/server.err" >&2
  exit 1
fi
seed_secs=$(($(date +%s) - seed_start))
url=$(head -1 "$tmp/server.out" | jq -r .url)
ca=$(head -1 "$tmp/server.out" | jq -r .ca)
[ -s "$ca" ] || { echo "bench: acctsec serve --dev left no CA file ('$ca')" >&2; exit 1; }
export ACCTSEC_SERVER=$url ACCTSEC_CA_FILE=$ca

"$setup" --url "$url" --ca "$ca" --data-dir "$tmp/data" >"$tmp/setup.json" || { echo "bench: $setup failed" >&2; exit 1; }
helpdesk_token_file=$(head -1 "$tmp/setup.json" | jq -r '.tokenFile // empty')
admin_token_file=$(head -1 "$tmp/setup.json" | jq -r '.auditTokenFile // empty')
helpdesk_key=$tmp/data/bench-helpdesk-key.json
admin_key=$tmp/data/bench-admin-key.json
for f in "$helpdesk_token_file" "$admin_token_file"; do
  [ -s "$f" ] || { echo "bench: $setup named no token file, or an empty one ('$f')" >&2; exit 1; }
  [ "$(stat -c %a "$f")" = 600 ] || { echo "bench: $f must have mode 0600, not $(stat -c %a "$f")" >&2; exit 1; }
done
for f in "$helpdesk_key" "$admin_key"; do
  [ -s "$f" ] || { echo "bench: $setup left no virtual key $(basename "$f") in the data directory (the grant is signed with it)" >&2; exit 1; }
done
token_of() {
  local token
  token=$(<"$1")
  printf '%s' "${token%%[[:space:]]*}"
}
helpdesk_token=$(token_of "$helpdesk_token_file")
admin_token=$(token_of "$admin_token_file")
# curl's header file: printf is a shell builtin, so the token is on no argv.
printf 'Authorization: Bearer %s\n' "$helpdesk_token" >"$tmp/auth.header"

# The posture:list grant on accounts: asked for by the helpdesk member, approved by the admin.
ACCTSEC_TOKEN=$helpdesk_token "$acctsec" --json --device "virtual:$helpdesk_key" access request --resource accounts \
  --scope posture:list --code CUSTOMER_SUPPORT --ticket SUP-1005 --reason "benchmark of account audit --all" --duration 8h \
  >"$tmp/request.json" 2>"$tmp/request.err" ||
  { echo "bench: acctsec access request failed:" >&2; sed 's/^/  /' "$tmp/request.err" >&2; exit 1; }
request_id=$(jq -r '.id // empty' "$tmp/request.json")
[ -n "$request_id" ] || { echo "bench: acctsec access request named no request id:" >&2; cat "$tmp/request.json" >&2; exit 1; }
ACCTSEC_TOKEN=$admin_token "$acctsec" --json --device "virtual:$admin_key" access approve "$request_id" \
  --reason "benchmark of account audit --all" >"$tmp/approve.json" 2>"$tmp/approve.err" ||
  { echo "bench: acctsec access approve failed:" >&2; sed 's/^/  /' "$tmp/approve.err" >&2; exit 1; }
state=$(jq -r '.state // empty' "$tmp/approve.json")
[ "$state" = active ] || { echo "bench: the posture:list grant is '$state', not active:" >&2; cat "$tmp/approve.json" >&2; exit 1; }
export ACCTSEC_TOKEN=$helpdesk_token  # acctsec's commands below read as the helpdesk member
unset admin_token

# One command with its output in $tmp/NAME.out, stderr in $tmp/NAME.err; sets wall_us and rss_kib.
# Exit 0 (no account short) and 1 (some short) are the two answers; anything else stops the run.
measure() {
  local name=$1 rc=0 start end
  shift
  start=$(date +%s%N)
  /usr/bin/time -f %M -o "$tmp/$name.rss" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  end=$(date +%s%N)
  if [ "$rc" -gt 1 ]; then
    echo "bench: $name exited $rc:" >&2
    sed 's/^/  /' "$tmp/$name.err" | tail -20 >&2
    exit 1
  fi
  exit_status[$name]=$rc
  wall_us=$(((end - start) / 1000))
  rss_kib=$(tail -1 "$tmp/$name.rss")
}
# Accounts and shortfalls in $tmp/NAME.out, and in the table form what the command said on stderr
# ("N accounts checked, M falling short"; --json says nothing): "ACCOUNTS SHORT SAID SAID_SHORT".
counts() {
  local name=$1 form=$2 listed said
  if [ "$form" = json ]; then
    listed="$(wc -l <"$tmp/$name.out") $(grep -vc '"shortfalls":\[\]' "$tmp/$name.out" || true)"
    said=stderr-not-empty
    [ -s "$tmp/$name.err" ] || said=$listed
  else
    listed="$(wc -l <"$tmp/$name.out") $(awk -F'\t' '$6 != "ok"' "$tmp/$name.out" | wc -l)"
    said=$(sed -n 's/^\([0-9]*\) accounts checked, \([0-9]*\) falling short$/\1 \2/p' "$tmp/$name.err" | tail -1)
  fi
  echo "$listed ${said:-none}"
}
declare -A exit_status
# acctsec and the anchor in one form, with `--require R` for each argument after the form; stops
# unless both print the same bytes, the same counts and exit alike. Sets the globals below.
run_pair() {
  local form=$1 run=$2
  shift 2
  local req=() r
  for r in "$@"; do req+=(--require "$r"); done
  local json=()
  [ "$form" = table ] || json=(--json)
  measure "acctsec-$form" "$acctsec" "${json[@]}" account audit --all "${req[@]}"
  pair_acctsec_us=$wall_us
  pair_acctsec_rss=$rss_kib
  measure "anchor-$form" "$anchor" "$url" "$ca" "$tmp/auth.header" "$form" "$@"
  pair_anchor_us=$wall_us
  pair_anchor_rss=$rss_kib
  local ours theirs
  ours=$(counts "acctsec-$form" "$form")
  theirs=$(counts "anchor-$form" "$form")
  read -r pair_accounts pair_short _ <<<"$ours"
  local problem=""
  if [ "$ours" != "$theirs" ]; then
    problem="accounts and shortfalls (listed, listed short, said, said short): acctsec $ours, curl + jq $theirs"
  elif [ "${ours#* * }" != "$pair_accounts $pair_short" ]; then
    problem="the summary on stderr ('${ours#* * }') is not what was listed ($pair_accounts accounts, $pair_short short)"
  elif ! cmp -s "$tmp/acctsec-$form.out" "$tmp/anchor-$form.out"; then
    problem="the outputs differ; the first difference:"$'\n'$(diff "$tmp/acctsec-$form.out" "$tmp/anchor-$form.out" | head -6)
  elif [ "${exit_status[acctsec-$form]}" != "${exit_status[anchor-$form]}" ]; then
    problem="acctsec exited ${exit_status[acctsec-$form]}, curl + jq ${exit_status[anchor-$form]}"
  elif [ "${exit_status[acctsec-$form]}" != "$((pair_short > 0 ? 1 : 0))" ]; then
    problem="acctsec exited ${exit_status[acctsec-$form]} with $pair_short accounts short"
  fi
  if [ -n "$problem" ]; then
    echo "bench: $run, $form form${*:+ (--require $*)}: acctsec and curl + jq did not do the same job: $problem" >&2
    exit 1
  fi
  [ "$pair_accounts" -ge "$accounts" ] ||
    { echo "bench: $run: only $pair_accounts accounts listed, of $accounts seeded" >&2; exit 1; }
}

# The check (and warm-up: the server's page cache, TLS, the loader): all four requirements, both
# forms, untimed.
check_lines=()
for form in json table; do
  run_pair "$form" check "${requirements[@]}"
  [ "$pair_short" -gt 0 ] || { echo "bench: check: no account falls short of ${requirements[*]}; the check checks nothing" >&2; exit 1; }
  check_lines+=("$form form, --require ${requirements[*]}: $pair_accounts accounts, $pair_short short, the same bytes from both")
done

declare -A times rss_max
for k in acctsec-json anchor-json acctsec-table anchor-table; do times[$k]=""; rss_max[$k]=0; done
printf '%-4s %-36s %10s %15s %9s %6s\n' run command "wall (s)" "peak RSS (MiB)" accounts short
row() { awk -v r="$1" -v c="$2" -v us="$3" -v kib="$4" -v n="$5" -v m="$6" 'BEGIN {printf "%-4s %-36s %10.3f %15.1f %9s %6s\n", r, c, us / 1e6, kib / 1024, n, m}'; }
for ((i = 1; i <= runs; i++)); do
  for form in json table; do
    run_pair "$form" "run $i"
    times[acctsec-$form]+="$pair_acctsec_us "
    times[anchor-$form]+="$pair_anchor_us "
    [ "$pair_acctsec_rss" -le "${rss_max[acctsec-$form]}" ] || rss_max[acctsec-$form]=$pair_acctsec_rss
    [ "$pair_anchor_rss" -le "${rss_max[anchor-$form]}" ] || rss_max[anchor-$form]=$pair_anchor_rss
    if [ "$form" = json ]; then
      row "$i" "acctsec --json account audit --all" "$pair_acctsec_us" "$pair_acctsec_rss" "$pair_accounts" "$pair_short"
      row "$i" "curl + jq, json form" "$pair_anchor_us" "$pair_anchor_rss" "$pair_accounts" "$pair_short"
    else
      row "$i" "acctsec account audit --all, piped" "$pair_acctsec_us" "$pair_acctsec_rss" "$pair_accounts" "$pair_short"
      row "$i" "curl + jq, table form" "$pair_anchor_us" "$pair_anchor_rss" "$pair_accounts" "$pair_short"
    fi
  done
done

# A read command's start-up.
declare -A st
for k in version whoami curl_wall curl_request; do st[$k]=""; done
curl_whoami=(curl -sS --fail --cacert "$ca" -H @"$tmp/auth.header" -o /dev/null -w '%{time_total}' "$url/v1/auth/whoami")
"$acctsec" --json whoami >"$tmp/whoami.json" 2>"$tmp/whoami.err" ||
  { echo "bench: acctsec whoami failed:" >&2; sed 's/^/  /' "$tmp/whoami.err" >&2; exit 1; }
"${curl_whoami[@]}" >/dev/null || { echo "bench: curl GET /v1/auth/whoami failed" >&2; exit 1; }
for ((i = 0; i < startup_runs; i++)); do
  start=$(date +%s%N)
  "$acctsec" version >/dev/null 2>&1
  end=$(date +%s%N)
  st[version]+="$(((end - start) / 1000)) "
  start=$(date +%s%N)
  "$acctsec" --json whoami >/dev/null 2>&1 || { echo "bench: acctsec whoami failed during the start-up runs" >&2; exit 1; }
  end=$(date +%s%N)
  st[whoami]+="$(((end - start) / 1000)) "
  start=$(date +%s%N)
  t=$("${curl_whoami[@]}") || { echo "bench: curl GET /v1/auth/whoami failed during the start-up runs" >&2; exit 1; }
  end=$(date +%s%N)
  st[curl_wall]+="$(((end - start) / 1000)) "
  st[curl_request]+="$(awk -v t="$t" 'BEGIN {printf "%d", t * 1e6}') "
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "PASS" : "MISS"}'; }
declare -A med
for k in "${!times[@]}"; do med[$k]=$(echo "${times[$k]}" | median); done
for k in "${!st[@]}"; do med[st_$k]=$(echo "${st[$k]}" | median); done
ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
s() { awk -v us="$1" 'BEGIN {printf "%.3f", us / 1000000}'; }
mib() { awk -v kib="$1" 'BEGIN {printf "%.1f", kib / 1024}'; }
echo
spread() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.3f-%.3f", lo / 1e6, hi / 1e6}'; }
summary() { printf '%-36s %16s %16s %19s\n' "$1" "$2" "$3" "$4"; }
summary "" "median wall (s)" "min-max (s)" "peak RSS (MiB, max)"
summary "acctsec --json account audit --all" "$(s "${med[acctsec-json]}")" "$(echo "${times[acctsec-json]}" | spread)" "$(mib "${rss_max[acctsec-json]}")"
summary "curl + jq, json form" "$(s "${med[anchor-json]}")" "$(echo "${times[anchor-json]}" | spread)" "$(mib "${rss_max[anchor-json]}")"
summary "acctsec account audit --all, piped" "$(s "${med[acctsec-table]}")" "$(echo "${times[acctsec-table]}" | spread)" "$(mib "${rss_max[acctsec-table]}")"
summary "curl + jq, table form" "$(s "${med[anchor-table]}")" "$(echo "${times[anchor-table]}" | spread)" "$(mib "${rss_max[anchor-table]}")"
echo "(curl + jq's peak RSS is its largest single process, curl or jq or bash)"
echo
printf '%-48s %12s\n' "start-up ($startup_runs runs each, interleaved)" "median (ms)"
printf '%-48s %12s\n' "acctsec version" "$(ms "${med[st_version]}")"
printf '%-48s %12s\n' "acctsec --json whoami" "$(ms "${med[st_whoami]}")"
printf '%-48s %12s\n' "curl GET /v1/auth/whoami, wall" "$(ms "${med[st_curl_wall]}")"
printf '%-48s %12s\n' "  of which the request (curl's time_total)" "$(ms "${med[st_curl_request]}")"
startup_us=$(awk -v a="${med[st_whoami]}" -v b="${med[st_curl_request]}" 'BEGIN {print a - b}')
printf '%-48s %12s\n' "whoami's own start-up (whoami - time_total)" "$(ms "$startup_us")"
echo
for form in json table; do
  ratio=$(awk -v a="${med[anchor-$form]}" -v b="${med[acctsec-$form]}" 'BEGIN {printf "%.2f", a / b}')
  printf '%-36s %s\n' "$form form, curl + jq / acctsec:" "${ratio}x  (target >= ${target_ratio}x)  $(verdict "$ratio" ">=" "$target_ratio")"
done
for form in json table; do
  peak=$(mib "${rss_max[acctsec-$form]}")
  printf '%-36s %s\n' "$form form, acctsec peak RSS:" "$peak MiB  (target <= $target_rss_mib MiB)  $(verdict "$peak" "<=" "$target_rss_mib")"
done
printf '%-36s %s\n' "read command's start-up:" "$(ms "$startup_us") ms  (target <= $target_startup_ms ms)  $(verdict "$(ms "$startup_us")" "<=" "$target_startup_ms")"
echo
printf 'check: %s\n' "${check_lines[@]}"
echo "store: $accounts seeded accounts (acctsec serve --dev, SQLite; seeding and start-up took ${seed_secs}s); every page read is audited"
echo "runs: $runs of each, interleaved (acctsec json, curl + jq json, acctsec table, curl + jq table), after the check"
echo "machine: nproc $(nproc); $(curl --version | head -1 | cut -d' ' -f1-2); $(jq --version); $("$acctsec" version 2>/dev/null | head -1 || true)"
echo "load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews all of them)"
