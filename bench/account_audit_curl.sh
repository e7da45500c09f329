#!/usr/bin/env bash
# The anchor of bench/account_audit.sh: `acctsec account audit --all [--require R ...]` done as a
# curl + jq script would do it. It pages through GET /v1/accounts (limit 500, acctsec's page size;
# each page's `next` is the next `cursor`), and for every account makes the same shortfall
# decision as acctsec (cli/account.cpp, account_shortfall: each REQUIREMENT the summary does not
# meet is one shortfall, in the order given; none without requirements) and prints one line per
# account, as acctsec does when piped:
#   json   the summary with "schema": "acctsec.account-audit/1" and "shortfalls" added, keys
#          sorted, compact (what `acctsec --json account audit --all` prints)
#   table  ACCOUNT, 2FA on|off, PHISHING-RESISTANT yes|no, RESET-PROTECTION on|off, GROUPS (comma-
#          separated, - when none), SHORTFALLS ("; "-separated, ok when none), tab-separated
# Then, in the table form, "N accounts checked, M falling short" on stderr; and exit 1 when M > 0
# (0 otherwise, 6 when a page cannot be read), as acctsec does. One curl and one jq per page.
# The bearer token is read from HEADER_FILE, a file holding the line "Authorization: Bearer TOKEN"
# (curl -H @FILE), so it is on no command line.
# Usage: bench/account_audit_curl.sh URL CA_FILE HEADER_FILE json|table [REQUIREMENT...]
#   (REQUIREMENT: phishing-resistant, 2fa, reset-protection or backup-key)
set -euo pipefail
shopt -s lastpipe
if [ $# -lt 4 ] || [[ $4 != json && $4 != table ]]; then
  echo "usage: bench/account_audit_curl.sh URL CA_FILE HEADER_FILE json|table [REQUIREMENT...]" >&2
  exit 2
fi
url=$1
ca=$2
header=$3
form=$4
shift 4
for r in "$@"; do
  case $r in
    phishing-resistant | 2fa | reset-protection | backup-key) ;;
    *) echo "account_audit_curl: unknown requirement '$r'" >&2; exit 2 ;;
  esac
done
require=$(jq -cn '$ARGS.positional' --args "$@")
limit=500
page=$(mktemp)
trap 'rm -f "$page"' EXIT

# Per page, one line "COUNT<TAB>SHORT<TAB>NEXT" (NEXT last: empty on the last page), then one line
# per account.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
program='
def flag(name): .[name] == true;
def shortfall(r):
  if r == "2fa" and (flag("twoFactorEnabled") | not) then "no 2FA"
  elif r == "phishing-resistant" and (flag("phishingResistant") | not) then "no phishing-resistant factor"
  elif r == "reset-protection" and (flag("resetProtection") | not) then "reset protection off"
  elif r == "backup-key" and (((.methods // {})["security-key"] // 0) < 2) then "no backup security key"
  else empty end;
def audited: [$require[] as $r | shortfall($r)] as $s | . + {schema: "acctsec.account-audit/1", shortfalls: $s};
def row:
  [.account // "",
   (if flag("twoFactorEnabled") then "on" else "off" end),
   (if flag("phishingResistant") then "yes" else "no" end),
   (if flag("resetProtection") then "on" else "off" end),
   ((.groups // []) | if length == 0 then "-" else join(",") end),
   (.shortfalls | if length == 0 then "ok" else join("; ") end)]
  | join("\t");
if (.items | type) != "array" then error("a page without an items array") else . end
| [.items[] | audited] as $a
| "\($a | length)\t\([$a[] | select(.shortfalls | length > 0)] | length)\t\(.next // "")",
  ($a[] | if $form == "table" then row else . end)
'

accounts=0
short=0
cursor=""
while :; do
  query=(--data-urlencode "limit=$limit")
  [ -z "$cursor" ] || query+=(--data-urlencode "cursor=$cursor")
  if ! curl -sS --fail-with-body --cacert "$ca" -H @"$header" --get "${query[@]}" -o "$page" "$url/v1/accounts"; then
    echo "account_audit_curl: GET /v1/accounts failed:" >&2
    cat "$page" >&2
    echo >&2
    exit 6
  fi
  last=$cursor
  jq -r -c -S --argjson require "$require" --arg form "$form" "$program" "$page" |
    { IFS=$'\t' read -r count count_short cursor; cat; }
  accounts=$((accounts + count))
  short=$((short + count_short))
  [ -n "$cursor" ] || break
  [ "$cursor" != "$last" ] || { echo "account_audit_curl: the server repeated the cursor $cursor" >&2; exit 6; }
done
[ "$form" = json ] || echo "$accounts accounts checked, $short falling short" >&2
[ "$short" -eq 0 ]
