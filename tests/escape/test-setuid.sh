#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 11): gain privilege by executing a setuid program or one with file
# capabilities, or (as root) by simply executing anything, which gives uid 0 every
# capability in its bounding set.
# Checks: no_new_privs is set and the bounding set is empty in every process inside; a
# setuid program runs with the caller's ids (as root: a setuid-nobody copy of esc-probe keeps
# euid 0; as a user: the setuid-root passwd keeps the caller's uid, where outside it gets euid 0).
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
	# passwd is setuid root; while it waits for input its ids are in /proc/PID/status
	# ("passwd -S" is no test: it reports on the caller's own account without privilege)
	uids_of_passwd='sleep 3 | passwd >/dev/null 2>&1 &
sleep 0.5
for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = passwd ] && sed -n "s/^Uid:\t//p" $p/status; done'
	me=$(id -u)
	if command -v passwd >/dev/null && [ -u "$(command -v passwd)" ]; then
		outside=$(sh -c "$uids_of_passwd" | head -n 1)
		is "$outside" "$me	0	0	0" "control: outside, the setuid-root passwd runs with euid 0"
		srt_run -s "$S" -- /bin/sh -c "$uids_of_passwd"
		is "$(head -n 1 <<<"$OUT")" "$me	$me	$me	$me" "inside: the setuid bit is ignored (no_new_privs): passwd keeps uid $me"
	else
		ok 1 "control: a setuid-root passwd is installed"
	fi
fi
done_testing
