#!/usr/bin/env bash
# Audited account-security reads from `acctsec serve` (GET /v1/accounts/ID/security with a bearer
# token, each read durably audited before it is answered) against the anchor nginx serving the same
# JSON body as a static file over TLS, measured in the same run: wrk -t2 -c32 with keep-alive,
# requests/s and p99 latency, R runs of S seconds alternating acctsec and nginx (so drift hits both
# alike), medians and the ratio acctsec / nginx. Both use the same certificate and one worker or
# thread per core; nginx has access_log off, acctsec writes its access log (the default, to a file
# here). After each acctsec run, the audit head (GET /v1/audit/head) says how many entries the run
# added, against the requests wrk completed.
# Target (issue): acctsec >= 0.45x nginx's requests/s, p99 <= 5 ms (wrk -t2 -c32, keep-alive, on a
# 2-core machine).
# The token and the path come from a setup program (ACCTSEC_BENCH_SETUP, default
# bench/serve_bench_setup beside the binary's cli/ directory), run as `SETUP --url URL --ca CAFILE --data-dir DIR`, which
# prints one JSON line: {"tokenFile": FILE (mode 0600, the bearer token), "path": "/v1/accounts/
# c-000001/security", "auditTokenFile": FILE (optional: an auditor's or admin's token for the audit
# head; without it the audit check is skipped)}. Tokens never go on a command line: curl reads a
# header file, wrk a Lua script that reads the token file named in an environment variable.
# ACCTSEC_BENCH_SETUP=none is a self-test of this harness only: it reads GET /v1/health without a
# token, which is not audited, so its numbers say nothing about the target.
# wrk and nginx-light come from scripts/install-deps --bench, run from here when they are missing.
# Exits 1 when the numbers do not measure what they should (answers other than 2xx, audit entries
# missing), 0 otherwise whatever the verdicts; 2 when a tool or a program is missing.
# Usage: bench/serve_reads.sh [path/to/acctsec] [runs (default 3)] [seconds per run (default 10)]
set -euo pipefail
cd "$(dirname "$0")/.."
acctsec=${1:-build/default/cli/acctsec}
runs=${2:-3}
secs=${3:-10}
setup=${ACCTSEC_BENCH_SETUP:-$(dirname "$acctsec")/../bench/serve_bench_setup}
threads=2
connections=32
target_ratio=0.45
target_p99_ms=5

[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: runs must be a positive whole number, not '$runs'" >&2; exit 2; }
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "bench: seconds per run must be a positive whole number, not '$secs'" >&2; exit 2; }
tools=(wrk nginx curl jq)
have_tools() { for tool in "${tools[@]}"; do command -v "$tool" >/dev/null || return 1; done; }
if ! have_tools; then
  echo "bench: installing the benchmark tools (scripts/install-deps --no-test-tools --bench)" >&2
  scripts/install-deps --no-test-tools --bench || { echo "bench: scripts/install-deps --bench failed" >&2; exit 2; }
fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps --bench)" >&2; exit 2; }
done
[ -x "$acctsec" ] || { echo "bench: $acctsec not built (scripts/build)" >&2; exit 2; }
selftest=0
if [ "$setup" = none ]; then
  selftest=1
elif [ ! -x "$setup" ]; then
  echo "bench: the setup program $setup is not built (it makes the token and the account to read);" \
    "ACCTSEC_BENCH_SETUP=none runs a self-test of this harness on GET /v1/health" >&2
  exit 2
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d)
acctsec_pid=""
nginx_pid=""
wrk_pid=""
stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$wrk_pid"
  stop "$nginx_pid"
  stop "$acctsec_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
umask 077

# acctsec serve --dev on a free port; its ready line (one JSON document on stdout) names the URL
# and the CA. The dev certificate and key are in the data directory.
HOME="$tmp" "$acctsec" --json serve --dev --data-dir "$tmp/data" --listen 127.0.0.1:0 \
  >"$tmp/acctsec.out" 2>"$tmp/acctsec.err" &
acctsec_pid=$!
for ((i = 0; i < 600; i++)); do
  [ -s "$tmp/acctsec.out" ] && break
  kill -0 "$acctsec_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$tmp/acctsec.out" ]; then
  echo "bench: acctsec serve did not say it was ready; its stderr:" >&2
  sed 's/^/  /' "$tmp/acctsec.err" >&2
  exit 1
fi
url=$(head -1 "$tmp/acctsec.out" | jq -r .url)
ca=$(head -1 "$tmp/acctsec.out" | jq -r .ca)
cert="$tmp/data/server.pem"
key="$tmp/data/server.key"
for f in "$ca" "$cert" "$key"; do
  [ -s "$f" ] || { echo "bench: acctsec serve --dev left no $f" >&2; exit 1; }
done

# The token and the path to read.
token_file=""
audit_token_file=""
if [ "$selftest" -eq 1 ]; then
  path=/v1/health
else
  "$setup" --url "$url" --ca "$ca" --data-dir "$tmp/data" >"$tmp/setup.json" ||
    { echo "bench: $setup failed" >&2; exit 1; }
  token_file=$(head -1 "$tmp/setup.json" | jq -r '.tokenFile // empty')
  path=$(head -1 "$tmp/setup.json" | jq -r '.path // empty')
  audit_token_file=$(head -1 "$tmp/setup.json" | jq -r '.auditTokenFile // empty')
  [ -n "$path" ] || { echo "bench: $setup named no path to read" >&2; exit 1; }
  given=("$token_file")
  [ -z "$audit_token_file" ] || given+=("$audit_token_file")
  for f in "${given[@]}"; do
    [ -s "$f" ] || { echo "bench: $setup named no token file, or an empty one ('$f')" >&2; exit 1; }
    [ "$(stat -c %a "$f")" = 600 ] || { echo "bench: $f must have mode 0600, not $(stat -c %a "$f")" >&2; exit 1; }
  done
fi
if [[ ! $path =~ ^/[A-Za-z0-9._~/-]+$ || $path == *..* ]]; then
  echo "bench: the path to read must be a plain absolute URL path, not '$path'" >&2
  exit 1
fi
# Header files for curl (-H @FILE): printf is a shell builtin, so the token is on no argv.
header_file() {
  local token
  token=$(<"$1")
  token=${token%%[[:space:]]*}
  printf 'Authorization: Bearer %s\n' "$token" >"$2"
}
: >"$tmp/auth.header"
[ -z "$token_file" ] || header_file "$token_file" "$tmp/auth.header"
[ -z "$audit_token_file" ] || header_file "$audit_token_file" "$tmp/audit.header"

# wrk sends the same Authorization header on every request; the Lua script reads the token file
# named in ACCTSEC_BENCH_TOKEN_FILE (no header in the self-test).
cat >"$tmp/auth.lua" <<'EOF'
local path = os.getenv("ACCTSEC_BENCH_TOKEN_FILE")
if path and path ~= "" then
  local file = assert(io.open(path, "r"))
  local token = file:read("*l"):match("^%s*(%S+)")
  file:close()
  wrk.headers["Authorization"] = "Bearer " .. token
end
EOF

# The body nginx serves: what acctsec answers, fetched once.
mkdir -p "$tmp/nginx/html${path%/*}" "$tmp/nginx/temp"
body="$tmp/nginx/html$path"
code=$(curl -sS --cacert "$ca" -H @"$tmp/auth.header" -o "$body" -w '%{http_code}' "$url$path") ||
  { echo "bench: curl could not read $url$path" >&2; exit 1; }
[ "$code" = 200 ] || { echo "bench: GET $path answered $code, not 200:" >&2; cat "$body" >&2; echo >&2; exit 1; }
chmod 644 "$body"

# nginx in the foreground with its own configuration, pid, logs and temp paths under $tmp, TLS on
# a free loopback port with acctsec's certificate, keep-alive for the whole run (nginx closes a
# connection after 1000 requests by default; acctsec never does).
cores=$(nproc)
nginx_user=""
# As root, the workers would run as nobody, who cannot enter the 0700 temp dir.
[ "$(id -u)" -ne 0 ] || nginx_user="user $(id -un) $(id -gn);"
start_nginx() {
  local port=$1
  cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
$nginx_user
worker_processes $cores;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  types {}
  default_type application/json;
  keepalive_timeout 75s;
  keepalive_requests 100000000;
  client_body_temp_path $tmp/nginx/temp/body;
  proxy_temp_path $tmp/nginx/temp/proxy;
  fastcgi_temp_path $tmp/nginx/temp/fastcgi;
  uwsgi_temp_path $tmp/nginx/temp/uwsgi;
  scgi_temp_path $tmp/nginx/temp/scgi;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $cert;
    ssl_certificate_key $key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $tmp/nginx/html;
  }
}
EOF
  nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/stdout" 2>&1 &
  nginx_pid=$!
  for ((i = 0; i < 100; i++)); do
    kill -0 "$nginx_pid" 2>/dev/null || { wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""; return 1; }
    curl -fsS --cacert "$ca" -o /dev/null "https://127.0.0.1:$port$path" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
nginx_url=""
for ((attempt = 0; attempt < 10; attempt++)); do
  port=$((20000 + RANDOM % 40000))
  if start_nginx "$port"; then
    nginx_url="https://127.0.0.1:$port"
    break
  fi
  stop "$nginx_pid"
  nginx_pid=""
  grep -q 'Address already in use' "$tmp/nginx/error.log" 2>/dev/null || break
done
if [ -z "$nginx_url" ]; then
  echo "bench: nginx did not start; its log:" >&2
  sed 's/^/  /' "$tmp/nginx/error.log" "$tmp/nginx/stdout" >&2 2>/dev/null || true
  exit 1
fi
curl -fsS --cacert "$ca" "$nginx_url$path" | cmp -s - "$body" ||
  { echo "bench: nginx does not serve the body acctsec answered" >&2; exit 1; }

# The audit head's seq, or nothing when it cannot be read (what it answered is in $tmp/audit.head).
audit_seq() {
  local code
  code=$(curl -sS --cacert "$ca" -H @"$tmp/audit.header" -o "$tmp/audit.head" -w '%{http_code}' "$url/v1/audit/head" 2>&1) || true
  if [ "$code" = 200 ]; then jq -er .seq "$tmp/audit.head" 2>/dev/null || true; else echo "HTTP $code" >"$tmp/audit.head"; fi
}

# One wrk run; its output goes to $tmp/wrk.out.
# In the background, so that an interrupt stops the script at once (bash runs no trap while a
# foreground child that handles SIGINT itself, as wrk does, is running).
run_wrk() {
  local rc=0
  ACCTSEC_BENCH_TOKEN_FILE="$token_file" wrk -t"$threads" -c"$connections" -d"$2"s --latency -s "$tmp/auth.lua" "$1$path" \
    >"$tmp/wrk.out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || rc=$?
  wrk_pid=""
  [ "$rc" -eq 0 ] || { echo "bench: wrk failed:" >&2; cat "$tmp/wrk.out" >&2; exit 1; }
}
wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out"; }
wrk_requests() { awk '/ requests in / {print $1}' "$tmp/wrk.out"; }
wrk_non2xx() { awk '/Non-2xx or 3xx responses:/ {n = $NF} END {print n + 0}' "$tmp/wrk.out"; }
wrk_errors() { awk '/Socket errors:/ {for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i} END {print n + 0}' "$tmp/wrk.out"; }
# The 99% line of --latency, in ms (wrk prints us, ms, s or m).
wrk_p99() {
  awk '$1 == "99%" {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
    f = (unit == "us") ? 0.001 : (unit == "ms") ? 1 : (unit == "s") ? 1000 : (unit == "m") ? 60000 : -1
    if (f < 0) exit 1
    printf "%.3f\n", v * f
  }' "$tmp/wrk.out"
}

names=(acctsec nginx)
urls=("$url" "$nginx_url")
declare -A rps p99
invalid=0
audit_lines=()
audit_ok=1

# A short warm-up of each (not counted): TLS sessions, caches, the SQLite page cache.
for j in 0 1; do run_wrk "${urls[$j]}" $((secs < 2 ? secs : 2)); done

printf '%-4s %-8s %12s %10s %10s %8s %8s\n' run server "requests/s" "p99 (ms)" requests non-2xx errors
for ((i = 1; i <= runs; i++)); do
  for j in 0 1; do
    before=""
    if [ "$j" -eq 0 ] && [ -n "$audit_token_file" ]; then before=$(audit_seq); fi
    run_wrk "${urls[$j]}" "$secs"
    r=$(wrk_rps)
    l=$(wrk_p99) || { echo "bench: cannot read wrk's 99% latency:" >&2; cat "$tmp/wrk.out" >&2; exit 1; }
    if [ -z "$r" ] || [ -z "$l" ]; then
      echo "bench: cannot read wrk's output:" >&2
      cat "$tmp/wrk.out" >&2
      exit 1
    fi
    n=$(wrk_requests)
    bad=$(wrk_non2xx)
    errors=$(wrk_errors)
    [ "$bad" -eq 0 ] || invalid=1
    rps[$j]+="$r "
    p99[$j]+="$l "
    printf '%-4s %-8s %12.0f %10.2f %10s %8s %8s\n' "$i" "${names[$j]}" "$r" "$l" "$n" "$bad" "$errors"
    if [ "$j" -eq 0 ] && [ -n "$audit_token_file" ]; then
      sleep 0.5  # requests still in flight when wrk stopped finish, and are audited
      after=$(audit_seq)
      if [ -z "$before" ] || [ -z "$after" ]; then
        audit_lines+=("run $i: GET /v1/audit/head with the audit token gave no seq ($(head -c 200 "$tmp/audit.head"))  FAIL")
        audit_ok=0
      else
        entries=$((after - before))
        verdict=PASS
        [ "$entries" -ge "$n" ] || { verdict=FAIL; audit_ok=0; }
        audit_lines+=("run $i: $entries audit entries for $n reads wrk completed ($((entries - n)) more; up to $connections in flight when wrk stops)  $verdict")
      fi
    fi
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "PASS" : "FAIL"}'; }
m_rps0=$(echo "${rps[0]}" | median)
m_rps1=$(echo "${rps[1]}" | median)
m_p990=$(echo "${p99[0]}" | median)
m_p991=$(echo "${p99[1]}" | median)
ratio=$(awk -v a="$m_rps0" -v b="$m_rps1" 'BEGIN {printf "%.6f", a / b}')
echo
printf '%-8s %18s %16s\n' server "median requests/s" "median p99 (ms)"
printf '%-8s %18.0f %16.2f\n' acctsec "$m_rps0" "$m_p990"
printf '%-8s %18.0f %16.2f\n' nginx "$m_rps1" "$m_p991"
echo
label=""
[ "$selftest" -eq 0 ] || label="  (self-test: not the target's measurement)"
echo "requests/s, acctsec / nginx:  $(printf '%.2f' "$ratio")  (target >= $target_ratio)  $(verdict "$ratio" ">=" "$target_ratio")$label"
echo "p99, acctsec:                 $(printf '%.2f' "$m_p990") ms  (target <= $target_p99_ms ms)  $(verdict "$m_p990" "<=" "$target_p99_ms")$label"
echo "p99, nginx:                   $(printf '%.2f' "$m_p991") ms"
if [ "$selftest" -eq 1 ]; then
  echo "audit: skipped (self-test: GET /v1/health is not audited)"
elif [ -z "$audit_token_file" ]; then
  echo "audit: skipped ($setup gave no auditTokenFile for GET /v1/audit/head)"
else
  printf 'audit: %s\n' "${audit_lines[@]}"
fi
echo
if [ "$selftest" -eq 1 ]; then
  echo "SELF-TEST of the harness (ACCTSEC_BENCH_SETUP=none): GET /v1/health, no token, not audited"
fi
echo "read: GET $path; body: $(stat -c %s "$body") bytes; wrk -t$threads -c$connections -d${secs}s --latency, keep-alive"
echo "runs: $runs each, alternating acctsec and nginx, after a warm-up of each"
echo "machine: nproc $cores; $(nginx -v 2>&1); $(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//' || true); $("$acctsec" version 2>/dev/null | head -1 || true)"
echo "load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
if [ "$invalid" -eq 1 ]; then
  echo "bench: some responses were not 2xx; the numbers above do not measure successful reads" >&2
  exit 1
fi
[ "$audit_ok" -eq 1 ] || exit 1
