#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 12): the kernel keyring is not namespaced; read the caller's keys
# (Kerberos tickets, fs encryption keys) or plant one that outlives the sandbox.
# Checks: keyctl, add_key and request_key fail inside; a key the caller holds (added on the
# host for the test) is neither found nor listed in /proc/keys; no key is added.
. "$(dirname "$0")/libescape.sh"

desc=srt-esc-key-$$-$RANDOM
serial=$("$ESC_PROBE" add-key "$desc" secret-payload)
trap '[ -n "${serial##*[!0-9]*}" ] && "$ESC_PROBE" key-invalidate "$serial" >/dev/null; cleanup' EXIT
echo "# host key: $serial"
inside "$S" 'echo search=$($P key-search '"$desc"'); echo request=$($P request-key '"$desc"')
echo add=$($P add-key '"$desc"'-inside x); echo keyctl=$($Q keyctl)
grep -c '"$desc"' /proc/keys >/dev/null 2>&1 && echo listed=yes || echo listed=no
grep -q . /proc/key-users 2>/dev/null && echo users=yes || echo users=no'
is "$(res search)" EPERM "keyctl(KEYCTL_SEARCH) for the caller's key: EPERM"
is "$(res request)" EPERM "request_key: EPERM"
is "$(res add)" EPERM "add_key: EPERM"
is "$(res keyctl)" EPERM "keyctl: EPERM"
# Found by this test: /proc/keys lists every key the reader may view, and the caller's own
# keys are viewable by its uid: names and serials of the caller's keys were readable inside.
# srt now covers /proc/keys and /proc/key-users (as Docker does).
is "$(res listed)" no "the caller's key is not listed in /proc/keys"
is "$(res users)" no "/proc/key-users is covered too"
is "$("$ESC_PROBE" key-search "$desc-inside")" ENOKEY "no key was planted in the caller's keyring"
done_testing
