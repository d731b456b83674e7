#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 11): gain privilege by executing a setuid program or one with file
# capabilities, or (as root) by simply executing anything, which gives uid 0 every
# capability in its bounding set.
# Checks: no_new_privs is set and the bounding set is empty in every process inside; a
# setuid program runs with the caller's ids (as root: a setuid-nobody copy of esc-probe keeps
# euid 0; as a user: the setuid-root passwd cannot read the shadow file, which it can outside).
. "$(dirname "$0")/libescape.sh"

inside "$S" 'echo nnp=$($Q nonewprivs); echo capeff=$($Q capeff)
echo bnd=$(sed -n "s/^CapBnd:\t//p" /proc/self/status); echo amb=$(sed -n "s/^CapAmb:\t//p" /proc/self/status)'
is "$(res nnp)" 1 "no_new_privs is set"
is "$(res capeff)" 0000000000000000 "no effective capabilities"
is "$(res bnd)" 0000000000000000 "empty bounding set: no exec can gain a capability"
is "$(res amb)" 0000000000000000 "no ambient capabilities"
if [ "$(id -u)" -eq 0 ]; then
	install -o nobody -m 4755 "$ESC_PROBE" "$T/suid-probe"
	is "$(setpriv --reuid=12345 --regid=12345 --clear-groups "$T/suid-probe" ids)" "12345/65534" \
		"control: outside, the setuid bit takes effect (uid 12345 runs it as euid 65534)"
	srt_run -s "$S" -- "$T/suid-probe" ids
	is "$OUT" "0/0" "inside: the setuid bit is ignored (no_new_privs)"
else
	me=$(id -un)
	if passwd -S "$me" >/dev/null 2>&1; then
		ok 0 "control: outside, the setuid-root passwd reads the shadow file"
		srt_run -s "$S" -- passwd -S "$me"
		[ "$RC" -ne 0 ]
		ok $? "inside: passwd runs without privilege and cannot (status $RC)"
	else
		ok 1 "control: passwd -S works outside for $me"
	fi
fi
done_testing
