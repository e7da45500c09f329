# fish completion for acctsec(1)
#
# Install as /usr/share/fish/vendor_completions.d/acctsec.fish.
# Written by hand. tests/docs/cli_tree_docs_test.cpp checks it against the CLI11 command tree:
# every command is offered by a line conditioned on "__acctsec_at PARENT", every option of a
# command appears as "-l NAME" on a line conditioned on "__acctsec_at PATH" (global options on
# unconditioned lines), options that take a value carry -r or -x, and __acctsec_takes_value
# lists exactly those options.

# Succeeds when option $argv[1] takes a value (in the next word, or after "=").
function __acctsec_takes_value
    switch $argv[1]
        case --color --config --profile --timeout --device --server-url --ca-file --server-key-pin --bootstrap-code-file --name --expires-in \
            --resource --scope --code --ticket --reason --duration --state --require --group \
            --rp-id --rp-name --origin --user --user-id --display-name --uv \
            --attestation --alg --exclude --exclude-id --out --enrollment --aaguid \
            --pin-fd --pin-file --new-pin-fd --new-pin-file \
            --blob --url --root --at \
            --response --batch --challenge --jobs --trust-anchor --policy --public-key \
            --credential --counter --format \
            --listen --data-dir --db --tls-cert --tls-key --access-log --threads --max-connections \
            --request-timeout --drain-timeout --session-ttl --seed-accounts \
            --since --actor --resource --limit --severity --fail-on
            return 0
    end
    return 1
end

# Prints the subcommands of the command path $argv, one a line.
function __acctsec_subcommands
    switch "$argv"
        case ''
            printf '%s\n' version key webauthn mds login logout whoami account access audit token config doctor serve
        case key
            printf '%s\n' list info enroll test pin reset credentials virtual remove verify-enrollment
        case 'key pin'
            printf '%s\n' set change
        case 'key credentials'
            printf '%s\n' list delete
        case 'key virtual'
            printf '%s\n' create
        case webauthn
            printf '%s\n' verify-registration verify-assertion
        case mds
            printf '%s\n' update show
        case account
            printf '%s\n' status audit
        case access
            printf '%s\n' request list show approve deny revoke wait
        case audit
            printf '%s\n' log verify alerts
        case token
            printf '%s\n' create list revoke
        case config
            printf '%s\n' show
    end
end

# Prints the command path typed so far (such as "key pin set"), one word a line, skipping
# options and their values.
function __acctsec_path
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path
    set -l skip 0
    for word in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case '--*=*'
            case '-*'
                __acctsec_takes_value $word; and set skip 1
            case '*'
                contains -- $word (__acctsec_subcommands $path); and set -a path $word
        end
    end
    printf '%s\n' $path
end

# Succeeds when the command path typed so far is exactly $argv.
function __acctsec_at
    set -l path (__acctsec_path)
    test "$path" = "$argv"
end

# Security keys for --device: hidraw devices, and virtual:FILE.
function __acctsec_devices
    set -l token (string replace -r -- '^--device=' '' (commandline -ct))
    if string match -q -- 'virtual:*' $token
        for file in (__fish_complete_path (string replace -- virtual: '' $token))
            printf 'virtual:%s\n' $file
        end
        return
    end
    for device in /dev/hidraw*
        printf '%s\tsecurity key\n' $device
    end
    printf 'virtual:\tvirtual key: virtual:FILE\n'
end

complete -c acctsec -f

# Global options, accepted by every command.
complete -c acctsec -s h -l help -d 'Print help and exit'
complete -c acctsec -l json -d 'Print one JSON document on stdout'
complete -c acctsec -l color -x -a 'auto always never' -d 'Colour output'
complete -c acctsec -s q -l quiet -d 'Print only data and errors'
complete -c acctsec -s v -l verbose -d 'Explain what is being done, on stderr'
complete -c acctsec -l debug -d 'Trace library and device traffic on stderr'
complete -c acctsec -l config -r -F -d 'Configuration file'
complete -c acctsec -l profile -x -d 'Configuration profile'
complete -c acctsec -l timeout -x -d 'Deadline for each device or network call (30s, 500ms, 2m)'
complete -c acctsec -l device -x -a '(__acctsec_devices)' -d 'Security key to use'
complete -c acctsec -l server-url -x -d 'The acctsec backend URL, https://HOST:PORT'
complete -c acctsec -l ca-file -r -F -d 'PEM file of the CAs to trust for the backend'
complete -c acctsec -l server-key-pin -x -d 'Accept the backend only with this public key (sha256//BASE64)'

# acctsec
complete -c acctsec -n '__acctsec_at' -l version -d 'Print the version and exit'
complete -c acctsec -n '__acctsec_at' -a version -d 'Print the version of acctsec and its libraries'
complete -c acctsec -n '__acctsec_at' -a key -d 'Enroll, test and manage FIDO2 security keys'
complete -c acctsec -n '__acctsec_at' -a webauthn -d 'Verify WebAuthn registrations and assertions offline'
complete -c acctsec -n '__acctsec_at' -a mds -d 'Fetch, verify and query the FIDO Metadata Service BLOB'
complete -c acctsec -n '__acctsec_at' -a login -d 'Log in to the acctsec backend with your security key'
complete -c acctsec -n '__acctsec_at' -a logout -d 'Revoke the session and forget it here'
complete -c acctsec -n '__acctsec_at' -a whoami -d 'Show who the backend sees'
complete -c acctsec -n '__acctsec_at' -a account -d 'Check customer accounts 2FA and reset protection'
complete -c acctsec -n '__acctsec_at' -a access -d 'Request, review and revoke justified access to account data'
complete -c acctsec -n '__acctsec_at' -a audit -d 'Read the audit log, verify its hash chain, list alerts'
complete -c acctsec -n '__acctsec_at' -a token -d 'Make, list and revoke scoped API tokens for CI jobs'
complete -c acctsec -n '__acctsec_at' -a config -d 'Show the settings in use and where each comes from'
complete -c acctsec -n '__acctsec_at' -a doctor -d 'Check devices, libfido2, config, the backend, TLS, the clock and the token'
complete -c acctsec -n '__acctsec_at' -a serve -d 'Run the acctsec backend (HTTPS REST API, store, audit)'

# acctsec login
complete -c acctsec -n '__acctsec_at login' -l user -x -d 'Your principal name'
complete -c acctsec -n '__acctsec_at login' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at login' -l pin-file -r -F -d 'Read the PIN from this file (mode 0600)'
complete -c acctsec -n '__acctsec_at login' -l pin-env -d 'Read the PIN from ACCTSEC_PIN'

# acctsec account
complete -c acctsec -n '__acctsec_at account' -a status -d 'Show an account 2FA, reset protection and events'
complete -c acctsec -n '__acctsec_at account' -a audit -d 'Check many accounts; exit 1 when any falls short'
complete -c acctsec -n '__acctsec_at account status' -l justify -d 'Without a grant, ask for one and read once active'
complete -c acctsec -n '__acctsec_at account status' -l code -x -a 'CUSTOMER_SUPPORT INCIDENT LEGAL_REQUEST' -d 'Justification code'
complete -c acctsec -n '__acctsec_at account status' -l ticket -x -d 'The ticket'
complete -c acctsec -n '__acctsec_at account status' -l reason -x -d 'Why'
complete -c acctsec -n '__acctsec_at account status' -l duration -x -d 'How long the grant lasts (1h)'
complete -c acctsec -n '__acctsec_at account status' -l wait -d 'Wait for the approval'
complete -c acctsec -n '__acctsec_at account status' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at account status' -l pin-file -r -F -d 'Read the PIN from this file (mode 0600)'
complete -c acctsec -n '__acctsec_at account status' -l pin-env -d 'Read the PIN from ACCTSEC_PIN'
complete -c acctsec -n '__acctsec_at account audit' -l all -d 'Every account'
complete -c acctsec -n '__acctsec_at account audit' -l require -x -a 'phishing-resistant 2fa reset-protection backup-key' -d 'Required posture'
complete -c acctsec -n '__acctsec_at account audit' -l group -x -d 'Only this group, held to its required posture'

# acctsec access
complete -c acctsec -n '__acctsec_at access' -a request -d 'Ask for a grant, with a signed justification'
complete -c acctsec -n '__acctsec_at access' -a list -d 'List access requests'
complete -c acctsec -n '__acctsec_at access' -a show -d 'Show a request, its reviews and its grant'
complete -c acctsec -n '__acctsec_at access' -a approve -d 'Approve a request, signed with your key'
complete -c acctsec -n '__acctsec_at access' -a deny -d 'Deny a request, signed with your key'
complete -c acctsec -n '__acctsec_at access' -a revoke -d 'End a pending request or an active grant now'
complete -c acctsec -n '__acctsec_at access' -a wait -d 'Wait for a decision'
complete -c acctsec -n '__acctsec_at access request' -l resource -x -d 'account:ID, group:NAME or accounts'
complete -c acctsec -n '__acctsec_at access request' -l scope -x -a 'security:read posture:list' -d 'What of it may be read'
complete -c acctsec -n '__acctsec_at access request' -l code -x -a 'CUSTOMER_SUPPORT INCIDENT LEGAL_REQUEST' -d 'Justification code'
complete -c acctsec -n '__acctsec_at access request' -l ticket -x -d 'The ticket that asks for it'
complete -c acctsec -n '__acctsec_at access request' -l reason -x -d 'Why, for the audit log'
complete -c acctsec -n '__acctsec_at access request' -l duration -x -d 'How long the grant lasts (1h)'
complete -c acctsec -n '__acctsec_at access request' -l wait -d 'Wait for the decision'
complete -c acctsec -n '__acctsec_at access request' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at access request' -l pin-file -r -F -d 'Read the PIN from this file (mode 0600)'
complete -c acctsec -n '__acctsec_at access request' -l pin-env -d 'Read the PIN from ACCTSEC_PIN'
complete -c acctsec -n '__acctsec_at access list' -l mine -d 'Only your own requests'
complete -c acctsec -n '__acctsec_at access list' -l pending -d 'Only pending requests you may review'
complete -c acctsec -n '__acctsec_at access list' -l state -x -a 'pending active approved denied expired revoked' -d 'Only this state'
complete -c acctsec -n '__acctsec_at access approve' -l reason -x -d 'Why, for the audit log'
complete -c acctsec -n '__acctsec_at access approve' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at access approve' -l pin-file -r -F -d 'Read the PIN from this file (mode 0600)'
complete -c acctsec -n '__acctsec_at access approve' -l pin-env -d 'Read the PIN from ACCTSEC_PIN'
complete -c acctsec -n '__acctsec_at access deny' -l reason -x -d 'Why, for the audit log'
complete -c acctsec -n '__acctsec_at access deny' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at access deny' -l pin-file -r -F -d 'Read the PIN from this file (mode 0600)'
complete -c acctsec -n '__acctsec_at access deny' -l pin-env -d 'Read the PIN from ACCTSEC_PIN'
complete -c acctsec -n '__acctsec_at access revoke' -l reason -x -d 'Why, for the audit log'
# acctsec audit
complete -c acctsec -n '__acctsec_at audit' -a log -d 'Print audit entries in chain order'
complete -c acctsec -n '__acctsec_at audit' -a verify -d 'Recompute the hash chain and check the signed head'
complete -c acctsec -n '__acctsec_at audit' -a alerts -d 'List the alerts detection raised'
complete -c acctsec -n '__acctsec_at audit log' -l since -x -d 'Only entries at or after this RFC 3339 time'
complete -c acctsec -n '__acctsec_at audit log' -l actor -x -d 'Only entries by this principal or token'
complete -c acctsec -n '__acctsec_at audit log' -l resource -x -d 'Only entries about this resource'
complete -c acctsec -n '__acctsec_at audit log' -l limit -x -d 'Stop after this many entries'
complete -c acctsec -n '__acctsec_at audit log' -l follow -d 'Keep printing new entries until Ctrl-C'
complete -c acctsec -n '__acctsec_at audit verify' -l public-key -r -F -d 'The server audit public key (PEM) to pin'
complete -c acctsec -n '__acctsec_at audit alerts' -l since -x -d 'Only alerts raised at or after this RFC 3339 time'
complete -c acctsec -n '__acctsec_at audit alerts' -l severity -x -a 'low medium high critical' -d 'Only alerts of this severity or higher'
complete -c acctsec -n '__acctsec_at audit alerts' -l fail-on -x -a 'low medium high critical' -d 'Exit 1 at or above this severity'
# acctsec token
complete -c acctsec -n '__acctsec_at token' -a create -d 'Make an API token; its secret is shown once'
complete -c acctsec -n '__acctsec_at token' -a list -d 'List the active API tokens'
complete -c acctsec -n '__acctsec_at token' -a revoke -d 'Revoke an API token at once'
complete -c acctsec -n '__acctsec_at token create' -l name -x -d 'What the token is for'
complete -c acctsec -n '__acctsec_at token create' -l scope -x -a 'enrollment:read audit:read alerts:read' -d 'What it may read (repeat for several)'
complete -c acctsec -n '__acctsec_at token create' -l expires-in -x -d 'How long it lives (30d, 12h)'
complete -c acctsec -n '__acctsec_at token create' -l out -r -F -d 'Write the secret to this file (mode 0600)'
complete -c acctsec -n '__acctsec_at token create' -l force -d 'Replace the --out file when it exists'
complete -c acctsec -n '__acctsec_at token list' -l all -d 'Revoked and expired tokens too'

# acctsec config
complete -c acctsec -n '__acctsec_at config' -a show -d 'Print each setting with its origin'

# acctsec key
complete -c acctsec -n '__acctsec_at key' -a list -d 'List attached security keys'
complete -c acctsec -n '__acctsec_at key' -a info -d 'Show what a key supports'
complete -c acctsec -n '__acctsec_at key' -a enroll -d 'Create a credential and write its enrollment record'
complete -c acctsec -n '__acctsec_at key' -a test -d 'Verify an assertion against an enrollment record'
complete -c acctsec -n '__acctsec_at key' -a pin -d 'Set or change a key PIN'
complete -c acctsec -n '__acctsec_at key' -a reset -d 'Erase every credential and the PIN'
complete -c acctsec -n '__acctsec_at key' -a credentials -d 'List or delete discoverable credentials'
complete -c acctsec -n '__acctsec_at key' -a virtual -d 'Software security keys for tests and CI'
complete -c acctsec -n '__acctsec_at key' -a remove -d 'Remove a key enrolled at the backend'
complete -c acctsec -n '__acctsec_at key' -a verify-enrollment -d 'Check users enrolled keys against a policy (CI)'

# acctsec key list
complete -c acctsec -n '__acctsec_at key list' -l server -d 'List the keys enrolled at the acctsec backend instead'
complete -c acctsec -n '__acctsec_at key list' -l user -x -d 'With --server: whose keys'

# acctsec key enroll
complete -c acctsec -n '__acctsec_at key enroll' -l rp-id -x -d 'Relying party id'
complete -c acctsec -n '__acctsec_at key enroll' -l rp-name -x -d 'Relying party display name'
complete -c acctsec -n '__acctsec_at key enroll' -l origin -x -d 'Origin in clientDataJSON'
complete -c acctsec -n '__acctsec_at key enroll' -l user -x -d 'User name'
complete -c acctsec -n '__acctsec_at key enroll' -l user-id -x -d 'User handle (base64url)'
complete -c acctsec -n '__acctsec_at key enroll' -l display-name -x -d 'User display name'
complete -c acctsec -n '__acctsec_at key enroll' -l discoverable -d 'Make a discoverable credential'
complete -c acctsec -n '__acctsec_at key enroll' -l uv -x -a 'required preferred discouraged' -d 'User verification'
complete -c acctsec -n '__acctsec_at key enroll' -l attestation -x -a 'none indirect direct enterprise' -d 'Attestation conveyance'
complete -c acctsec -n '__acctsec_at key enroll' -l alg -x -a 'es256 eddsa' -d 'Credential algorithm'
complete -c acctsec -n '__acctsec_at key enroll' -l exclude -r -F -d 'Enrollment record the key must not hold'
complete -c acctsec -n '__acctsec_at key enroll' -l exclude-id -x -d 'Credential id the key must not hold'
complete -c acctsec -n '__acctsec_at key enroll' -l server -d 'Enroll with the acctsec backend'
complete -c acctsec -n '__acctsec_at key enroll' -l bootstrap-code-file -r -F -d 'The first admin: the server bootstrap code file'
complete -c acctsec -n '__acctsec_at key enroll' -l out -r -F -d 'Write the enrollment record to FILE'
complete -c acctsec -n '__acctsec_at key enroll' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key enroll' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key enroll' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'

# acctsec key test
complete -c acctsec -n '__acctsec_at key test' -l enrollment -r -F -d 'Enrollment record'
complete -c acctsec -n '__acctsec_at key test' -l require-uv -d 'Require user verification'
complete -c acctsec -n '__acctsec_at key test' -l out -r -F -d 'Save the assertion as a verify-assertion --batch line'
complete -c acctsec -n '__acctsec_at key test' -l server -d 'Test against the keys enrolled at the acctsec backend'
complete -c acctsec -n '__acctsec_at key test' -l user -x -d 'With --server: whose enrolled keys'
complete -c acctsec -n '__acctsec_at key test' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key test' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key test' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'

# acctsec key pin
complete -c acctsec -n '__acctsec_at key pin' -a set -d 'Set the first PIN of a key'
complete -c acctsec -n '__acctsec_at key pin' -a change -d 'Change a key PIN'

# acctsec key pin set
complete -c acctsec -n '__acctsec_at key pin set' -l new-pin-fd -x -d 'Read the new PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key pin set' -l new-pin-file -r -F -d 'Read the new PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key pin set' -l new-pin-env -d 'Read the new PIN from $ACCTSEC_NEW_PIN'

# acctsec key pin change
complete -c acctsec -n '__acctsec_at key pin change' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key pin change' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key pin change' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'
complete -c acctsec -n '__acctsec_at key pin change' -l new-pin-fd -x -d 'Read the new PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key pin change' -l new-pin-file -r -F -d 'Read the new PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key pin change' -l new-pin-env -d 'Read the new PIN from $ACCTSEC_NEW_PIN'

# acctsec key reset
complete -c acctsec -n '__acctsec_at key reset' -s y -l yes -d 'Do not ask for confirmation'

# acctsec key credentials
complete -c acctsec -n '__acctsec_at key credentials' -a list -d 'List discoverable credentials'
complete -c acctsec -n '__acctsec_at key credentials' -a delete -d 'Delete one discoverable credential'

# acctsec key credentials list
complete -c acctsec -n '__acctsec_at key credentials list' -l rp-id -x -d 'Only credentials for this relying party'
complete -c acctsec -n '__acctsec_at key credentials list' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key credentials list' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key credentials list' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'

# acctsec key credentials delete CREDENTIAL_ID
complete -c acctsec -n '__acctsec_at key credentials delete' -s y -l yes -d 'Do not ask for confirmation'
complete -c acctsec -n '__acctsec_at key credentials delete' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key credentials delete' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key credentials delete' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'

# acctsec key virtual
complete -c acctsec -n '__acctsec_at key virtual' -a create -d 'Create a virtual key in FILE'

# acctsec key virtual create FILE
complete -c acctsec -n '__acctsec_at key virtual create' -F
complete -c acctsec -n '__acctsec_at key virtual create' -l aaguid -x -d 'AAGUID to report'
complete -c acctsec -n '__acctsec_at key virtual create' -l attestation -x -a 'packed self none' -d 'Attestation to produce'
complete -c acctsec -n '__acctsec_at key virtual create' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key virtual create' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key virtual create' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'

# acctsec key remove CREDENTIAL
complete -c acctsec -n '__acctsec_at key remove' -l user -x -d 'Whose key'
complete -c acctsec -n '__acctsec_at key remove' -l force -d 'Remove it even below the policy minimum of keys'
complete -c acctsec -n '__acctsec_at key remove' -s y -l yes -d 'Do not ask for confirmation'

# acctsec key verify-enrollment
complete -c acctsec -n '__acctsec_at key verify-enrollment' -l user -x -d 'The user to check'
complete -c acctsec -n '__acctsec_at key verify-enrollment' -l all -d 'Every user the backend knows'
complete -c acctsec -n '__acctsec_at key verify-enrollment' -l policy -r -F -d 'Enrollment policy (TOML)'
complete -c acctsec -n '__acctsec_at key verify-enrollment' -l format -x -a 'text json junit' -d 'Output format'
complete -c acctsec -n '__acctsec_at key verify-enrollment' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key verify-enrollment' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key verify-enrollment' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'

# acctsec mds
complete -c acctsec -n '__acctsec_at mds' -a update -d 'Verify an MDS BLOB and cache it'
complete -c acctsec -n '__acctsec_at mds' -a show -d 'Print what the cached BLOB says about a model'

# acctsec mds update
complete -c acctsec -n '__acctsec_at mds update' -l blob -r -F -d 'Read the BLOB from FILE'
complete -c acctsec -n '__acctsec_at mds update' -l url -x -a 'https://mds3.fidoalliance.org/' -d 'Fetch the BLOB from URL'
complete -c acctsec -n '__acctsec_at mds update' -l root -r -F -d 'PEM file of the root to verify against'
complete -c acctsec -n '__acctsec_at mds update' -l at -x -d 'Verify the chain at TIME (RFC 3339 or YYYY-MM-DD)'

# acctsec webauthn
complete -c acctsec -n '__acctsec_at webauthn' -a verify-registration -d 'Verify a registration: attestation, trust, MDS, policy'
complete -c acctsec -n '__acctsec_at webauthn' -a verify-assertion -d 'Verify an assertion: signature, flags, counter'

# acctsec webauthn verify-registration
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l response -r -F -d 'Response JSON to verify (- for stdin)'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l batch -r -F -d 'NDJSON requests, one per line (- for stdin)'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l challenge -x -d 'The challenge that was issued, base64url'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l origin -x -d 'The expected origin'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l rp-id -x -d 'The relying party id'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l require-uv -d 'Require user verification'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l jobs -x -d 'Worker threads for --batch'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l at -x -d 'Check certificates at TIME'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l trust-anchor -r -F -d 'PEM file of roots to trust'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l mds -d 'Use the cached FIDO metadata'
complete -c acctsec -n '__acctsec_at webauthn verify-registration' -l policy -r -F -d 'Enrollment policy (TOML)'

# acctsec webauthn verify-assertion
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l response -r -F -d 'Response JSON to verify (- for stdin)'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l batch -r -F -d 'NDJSON requests, one per line (- for stdin)'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l challenge -x -d 'The challenge that was issued, base64url'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l origin -x -d 'The expected origin'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l rp-id -x -d 'The relying party id'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l require-uv -d 'Require user verification'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l jobs -x -d 'Worker threads for --batch'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l public-key -x -d 'Credential public key, base64url COSE_Key'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l credential -r -F -d 'Stored credential JSON file'
complete -c acctsec -n '__acctsec_at webauthn verify-assertion' -l counter -x -d 'Last sign counter seen'

# acctsec serve
complete -c acctsec -n '__acctsec_at serve' -l dev -d 'Make a local CA and TLS certificate in the data directory'
complete -c acctsec -n '__acctsec_at serve' -l listen -x -d 'Address and port to listen on (127.0.0.1:8443)'
complete -c acctsec -n '__acctsec_at serve' -l data-dir -x -a '(__fish_complete_directories)' -d 'Where the database and keys live'
complete -c acctsec -n '__acctsec_at serve' -l db -x -d 'The store: sqlite:PATH'
complete -c acctsec -n '__acctsec_at serve' -l tls-cert -r -F -d 'PEM certificate chain for TLS'
complete -c acctsec -n '__acctsec_at serve' -l tls-key -r -F -d 'PEM private key for --tls-cert'
complete -c acctsec -n '__acctsec_at serve' -l access-log -r -F -d 'Where JSON-lines access records go (- or off)'
complete -c acctsec -n '__acctsec_at serve' -l threads -x -d 'Server threads'
complete -c acctsec -n '__acctsec_at serve' -l max-connections -x -d 'Connections served at once'
complete -c acctsec -n '__acctsec_at serve' -l request-timeout -x -d 'A request must arrive whole within this (30s)'
complete -c acctsec -n '__acctsec_at serve' -l drain-timeout -x -d 'On stop, how long requests in progress may take (10s)'
complete -c acctsec -n '__acctsec_at serve' -l policy -r -F -d 'Enrollment policy (TOML) that registrations must satisfy'
complete -c acctsec -n '__acctsec_at serve' -l rp-id -x -d 'WebAuthn relying party id (localhost)'
complete -c acctsec -n '__acctsec_at serve' -l origin -x -d 'Origin that clientDataJSON must carry (https://<rp-id>)'
complete -c acctsec -n '__acctsec_at serve' -l session-ttl -x -d 'How long a login session lasts (1h)'
complete -c acctsec -n '__acctsec_at serve' -l seed-accounts -x -d 'With --dev: customer accounts to make in an empty store (1000)'
