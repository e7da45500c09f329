# bash completion for acctsec(1)                                 -*- shell-script -*-
#
# Install as /usr/share/bash-completion/completions/acctsec, or source it from ~/.bashrc.
# Written by hand. tests/docs/cli_tree_docs_test.cpp checks it against the CLI11 command tree:
# every command path has a case in _acctsec_spec naming its subcommands (cmds) and options
# (opts), and _acctsec_takes_value lists exactly the options that take a value.

# Accepted by every command, before or after it.
_acctsec_global_opts='--help --json --color --quiet --verbose --debug --config --profile
  --timeout --device --server-url --ca-file --server-key-pin'

# Sets cmds, opts and args (what positional arguments are: "file" or empty) for the command
# path $1, such as "key pin set". Returns 1 for an unknown path.
_acctsec_spec() {
  cmds='' opts='' args=''
  case $1 in
    '')
      cmds='version key webauthn mds login logout whoami account access audit token config doctor serve'
      opts='--version' ;;
    'version') ;;
    'key')
      cmds='list info enroll test pin reset credentials virtual remove verify-enrollment' ;;
    'key list')
      opts='--server --user' ;;
    'key info') ;;
    'key enroll')
      opts='--rp-id --rp-name --origin --user --user-id --display-name --discoverable --uv
        --attestation --alg --exclude --exclude-id --out --server --bootstrap-code-file --pin-fd --pin-file --pin-env' ;;
    'key test')
      opts='--enrollment --require-uv --out --server --user --pin-fd --pin-file --pin-env' ;;
    'key pin')
      cmds='set change' ;;
    'key pin set')
      opts='--new-pin-fd --new-pin-file --new-pin-env' ;;
    'key pin change')
      opts='--pin-fd --pin-file --pin-env --new-pin-fd --new-pin-file --new-pin-env' ;;
    'key reset')
      opts='--yes' ;;
    'key credentials')
      cmds='list delete' ;;
    'key credentials list')
      opts='--rp-id --pin-fd --pin-file --pin-env' ;;
    'key credentials delete')
      opts='--yes --pin-fd --pin-file --pin-env' ;;
    'key virtual')
      cmds='create' ;;
    'key virtual create')
      opts='--aaguid --attestation --pin-fd --pin-file --pin-env'
      args='file' ;;
    'key remove')
      opts='--user --force --yes' ;;
    'key verify-enrollment')
      opts='--user --all --policy --format --pin-fd --pin-file --pin-env' ;;
    'webauthn')
      cmds='verify-registration verify-assertion' ;;
    'webauthn verify-registration')
      opts='--response --batch --challenge --origin --rp-id --require-uv --jobs --at --trust-anchor
        --mds --policy' ;;
    'webauthn verify-assertion')
      opts='--response --batch --challenge --origin --rp-id --require-uv --jobs --public-key
        --credential --counter' ;;
    'mds')
      cmds='update show' ;;
    'mds update')
      opts='--blob --url --root --at' ;;
    'mds show') ;;
    'login')
      opts='--user --pin-fd --pin-file --pin-env' ;;
    'logout') ;;
    'whoami') ;;
    'account')
      cmds='status audit' ;;
    'account status')
      opts='--justify --code --ticket --reason --duration --wait --pin-fd --pin-file --pin-env' ;;
    'account audit')
      opts='--all --require --group' ;;
    'access')
      cmds='request list show approve deny revoke wait' ;;
    'access request')
      opts='--resource --scope --code --ticket --reason --duration --wait --pin-fd --pin-file --pin-env' ;;
    'access list')
      opts='--mine --pending --state' ;;
    'access show') ;;
    'access approve')
      opts='--reason --pin-fd --pin-file --pin-env' ;;
    'access deny')
      opts='--reason --pin-fd --pin-file --pin-env' ;;
    'access revoke')
      opts='--reason' ;;
    'access wait') ;;
    'audit')
      cmds='log verify alerts' ;;
    'audit log')
      opts='--since --actor --resource --limit --follow' ;;
    'audit verify')
      opts='--public-key' ;;
    'audit alerts')
      opts='--since --severity --fail-on' ;;
    'token')
      cmds='create list revoke' ;;
    'token create')
      opts='--name --scope --expires-in --out --force' ;;
    'token list')
      opts='--all' ;;
    'token revoke') ;;
    'config')
      cmds='show' ;;
    'config show') ;;
    'doctor') ;;
    'serve')
      opts='--dev --listen --data-dir --db --tls-cert --tls-key --access-log --threads --max-connections
        --request-timeout --drain-timeout --policy --rp-id --origin --session-ttl --seed-accounts' ;;
    *) return 1 ;;
  esac
}

# Succeeds when option $1 takes a value (in the next word, or after "=").
_acctsec_takes_value() {
  case $1 in
    --color | --config | --profile | --timeout | --device | --server-url | --ca-file | --server-key-pin | --bootstrap-code-file | \
    --resource | --scope | --code | --ticket | --reason | --duration | --state | --require | --group | \
    --rp-id | --rp-name | --origin | --user | --user-id | --display-name | --uv | \
    --attestation | --alg | --exclude | --exclude-id | --out | --enrollment | --aaguid | \
    --pin-fd | --pin-file | --new-pin-fd | --new-pin-file | \
    --blob | --url | --root | --at | \
    --response | --batch | --challenge | --jobs | --trust-anchor | --policy | --public-key | \
    --credential | --counter | --format | \
    --listen | --data-dir | --db | --tls-cert | --tls-key | --access-log | --threads | --max-connections | \
    --request-timeout | --drain-timeout | --session-ttl | --seed-accounts | \
    --since | --actor | --resource | --limit | --severity | --fail-on | --name | --expires-in)
      return 0 ;;
  esac
  return 1
}

# Adds to COMPREPLY each of the words in $1 that starts with $cur, less the part of $cur that
# readline keeps (it splits words at = and :, which _acctsec joins back).
_acctsec_add() {
  local w
  for w in $1; do
    [[ $w == "$cur"* ]] && COMPREPLY+=("${w#"$prefix"}")
  done
}

# Adds the files and directories whose names start with $2, each written after $1.
_acctsec_add_files() {
  local f
  compopt -o filenames 2>/dev/null
  while IFS= read -r f; do
    COMPREPLY+=("$1$f")
    COMPREPLY[-1]=${COMPREPLY[-1]#"$prefix"}
  done < <(compgen -f -- "$2")
}

# Completes the value of option $1 of the command path $2; the value typed so far is $3, and
# $4 is what precedes it in $cur ("--opt=" or nothing).
_acctsec_value() {
  local opt=$1 path=$2 value=$3 lead=$4 values='' v
  case $opt in
    --color) values='auto always never' ;;
    --state) values='pending active approved denied expired revoked' ;;
    --require) values='phishing-resistant 2fa reset-protection backup-key' ;;
    --scope)
      if [[ $path == 'token create' ]]; then
        values='enrollment:read audit:read alerts:read'
      else
        values='security:read posture:list'
      fi ;;
    --uv) values='required preferred discouraged' ;;
    --alg) values='es256 eddsa' ;;
    --severity | --fail-on) values='low medium high critical' ;;
    --format) values='text json junit' ;;
    --public-key)
      # audit verify's is a PEM file; webauthn verify-assertion's a base64url COSE key.
      if [[ $path == 'audit verify' ]]; then
        _acctsec_add_files "$lead" "$value"
      fi
      return ;;
    --attestation)
      if [[ $path == 'key virtual create' ]]; then
        values='packed self none'
      else
        values='none indirect direct enterprise'
      fi ;;
    --config | --ca-file | --bootstrap-code-file | --out | --enrollment | --exclude | --pin-file | --new-pin-file | --blob | --root | \
    --response | --batch | --trust-anchor | --policy | --credential | --tls-cert | --tls-key | --access-log)
      _acctsec_add_files "$lead" "$value"
      return ;;
    --data-dir)
      compopt -o dirnames 2>/dev/null
      COMPREPLY+=($(compgen -d -- "$value"))
      return ;;
    --device)
      if [[ $value == virtual:* ]]; then
        _acctsec_add_files "${lead}virtual:" "${value#virtual:}"
      else
        for v in /dev/hidraw*; do
          [[ -e $v ]] && values+=" $v"
        done
        [[ virtual: == "$value"* ]] && compopt -o nospace 2>/dev/null
        values+=' virtual:'
      fi ;;
  esac
  for v in $values; do
    [[ $v == "$value"* ]] && COMPREPLY+=("${lead#"$prefix"}$v")
  done
}

_acctsec() {
  COMPREPLY=()
  local words=() cword cur prefix raw i w glue=0

  # Join back "--opt=value" and "virtual:FILE", which COMP_WORDS has split at = and :.
  for ((i = 0; i <= COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((i > 0)) && [[ $w == [=:] ]]; then
      words[-1]+=$w
      glue=1
    elif ((glue)); then
      words[-1]+=$w
      glue=0
    else
      words+=("$w")
    fi
  done
  cword=$((${#words[@]} - 1))
  cur=${words[cword]}
  raw=${COMP_WORDS[COMP_CWORD]}
  [[ $raw == [=:] ]] && raw=''
  prefix=${cur%"$raw"}

  # The command path: the subcommands typed so far, skipping options and their values.
  local path='' cmds opts args skip=0
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    if ((skip)); then
      skip=0
      continue
    fi
    case $w in
      --*=*) ;;
      -*) _acctsec_takes_value "$w" && skip=1 ;;
      *)
        _acctsec_spec "$path" && [[ " $cmds " == *" $w "* ]] && path=${path:+$path }$w ;;
    esac
  done
  _acctsec_spec "$path" || return 0

  if [[ $cur == --*=* ]] && _acctsec_takes_value "${cur%%=*}"; then
    _acctsec_value "${cur%%=*}" "$path" "${cur#*=}" "${cur%%=*}="
  elif ((skip)); then
    _acctsec_value "${words[cword - 1]}" "$path" "$cur" ''
  elif [[ $cur == -* ]]; then
    _acctsec_add "$opts $_acctsec_global_opts"
  elif [[ -n $cmds ]]; then
    _acctsec_add "$cmds"
  elif [[ $args == file ]]; then
    _acctsec_add_files '' "$cur"
  fi
  return 0
}

complete -F _acctsec acctsec
