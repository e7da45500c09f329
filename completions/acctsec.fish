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
        case --color --config --profile --timeout --device \
            --rp-id --rp-name --origin --user --user-id --display-name --uv \
            --attestation --alg --exclude --exclude-id --out --enrollment --aaguid \
            --pin-fd --pin-file --new-pin-fd --new-pin-file
            return 0
    end
    return 1
end

# Prints the subcommands of the command path $argv, one a line.
function __acctsec_subcommands
    switch "$argv"
        case ''
            printf '%s\n' version key
        case key
            printf '%s\n' list info enroll test pin reset credentials virtual
        case 'key pin'
            printf '%s\n' set change
        case 'key credentials'
            printf '%s\n' list delete
        case 'key virtual'
            printf '%s\n' create
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

# acctsec
complete -c acctsec -n '__acctsec_at' -l version -d 'Print the version and exit'
complete -c acctsec -n '__acctsec_at' -a version -d 'Print the version of acctsec and its libraries'
complete -c acctsec -n '__acctsec_at' -a key -d 'Enroll, test and manage FIDO2 security keys'

# acctsec key
complete -c acctsec -n '__acctsec_at key' -a list -d 'List attached security keys'
complete -c acctsec -n '__acctsec_at key' -a info -d 'Show what a key supports'
complete -c acctsec -n '__acctsec_at key' -a enroll -d 'Create a credential and write its enrollment record'
complete -c acctsec -n '__acctsec_at key' -a test -d 'Verify an assertion against an enrollment record'
complete -c acctsec -n '__acctsec_at key' -a pin -d 'Set or change a key PIN'
complete -c acctsec -n '__acctsec_at key' -a reset -d 'Erase every credential and the PIN'
complete -c acctsec -n '__acctsec_at key' -a credentials -d 'List or delete discoverable credentials'
complete -c acctsec -n '__acctsec_at key' -a virtual -d 'Software security keys for tests and CI'

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
complete -c acctsec -n '__acctsec_at key enroll' -l out -r -F -d 'Write the enrollment record to FILE'
complete -c acctsec -n '__acctsec_at key enroll' -l pin-fd -x -d 'Read the PIN from this file descriptor'
complete -c acctsec -n '__acctsec_at key enroll' -l pin-file -r -F -d 'Read the PIN from FILE (mode 0600)'
complete -c acctsec -n '__acctsec_at key enroll' -l pin-env -d 'Read the PIN from $ACCTSEC_PIN'

# acctsec key test
complete -c acctsec -n '__acctsec_at key test' -l enrollment -r -F -d 'Enrollment record'
complete -c acctsec -n '__acctsec_at key test' -l require-uv -d 'Require user verification'
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
