#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 26, 37): abstract unix sockets live in the network namespace, not in the
# file system, so no mount rule covers them: X11 (@/tmp/.X11-unix/X0), dbus and friends listen
# there. A command that reaches the host's network namespace could connect to them, also with
# allowAllUnixSockets (which lifts the AF_UNIX seccomp rule). And the other way round: srt's
# proxy listeners must not be reachable from the host (another local user using the proxy).
# Checks: with and without network rules, with allowAllUnixSockets, the host's abstract
# listener receives nothing; srt's proxy ports are not listening in the host's namespace.
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null || skip_all "python3 needed"

NAME=srt-esc-$$-$RANDOM
cat >"$T/abstract.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1])
s.listen(8)
open(sys.argv[2], "w").write("up")
s.settimeout(60)
with open(sys.argv[3], "ab", buffering=0) as log:
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            break
        log.write(b"connection\n")
        c.close()
PY
python3 "$T/abstract.py" "$NAME" "$T/ready" "$T/received" &
listener=$!
trap 'kill $listener 2>/dev/null; cleanup' EXIT
wait_for "$T/ready"
ok $? "host abstract listener @$NAME is up"
CONNECT='import socket, sys, errno
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + sys.argv[1]); print("OK")
except OSError as e: print(errno.errorcode.get(e.errno, e.errno))'
python3 -c "$CONNECT" "$NAME" >/dev/null
is "$(cat "$T/received" 2>/dev/null)" connection "control: outside the sandbox the abstract socket is reachable"
: >"$T/received"

net='"network":{"allowedDomains":["localhost"],"deniedDomains":[]'
fs='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
printf '{%s},%s}\n' "$net" "$fs" >"$T/net.json"
printf '{%s,"allowAllUnixSockets":true},%s}\n' "$net" "$fs" >"$T/net-all.json"
printf '{"network":{"allowedDomains":[],"deniedDomains":[],"allowAllUnixSockets":true},%s}\n' "$fs" >"$T/nonet-all.json"

srt_run -s "$S" python3 -c "$CONNECT" "$NAME"
failed "$OUT" "no network rules: connect(@$NAME)"
srt_run -s "$T/net.json" python3 -c "$CONNECT" "$NAME"
failed "$OUT" "with the proxy (srt's network namespace): connect(@$NAME)"
srt_run -s "$T/net-all.json" python3 -c "$CONNECT" "$NAME"
is "$OUT" ECONNREFUSED "with the proxy and allowAllUnixSockets: the socket is created, but @$NAME is not in the sandbox's namespace"
srt_run -s "$T/nonet-all.json" python3 -c "$CONNECT" "$NAME"
is "$OUT" ECONNREFUSED "no network, allowAllUnixSockets: not in the sandbox's namespace either"
is "$(cat "$T/received" 2>/dev/null)" "" "the host's abstract listener received nothing"

# Another local user using the proxy: while a sandbox runs, srt's listeners (3128, 1080) exist
# only in the sandbox's namespace. No socket inode srt holds appears in the host's tables.
"$SRT" -s "$T/net.json" sleep 3 &
sp=$!
for _ in $(seq 50); do
	inodes=$(ls -l "/proc/$sp/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p')
	[ "$(wc -w <<<"$inodes")" -ge 4 ] && break
	sleep 0.1
done
ok $([ "$(wc -w <<<"$inodes")" -ge 4 ] && echo 0 || echo 1) "srt holds its listening sockets ($(wc -w <<<"$inodes"))"
hostl=$(awk '$4 == "0A" {print $10}' /proc/net/tcp /proc/net/tcp6)
both=$(comm -12 <(tr ' ' '\n' <<<"$inodes" | sort -u) <(sort -u <<<"$hostl"))
is "$both" "" "none of srt's sockets listens in the host's network namespace"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v nsenter >/dev/null; then
	kid=$(pgrep -P "$sp" | head -1)
	nsenter_out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
		nsenter --net="/proc/$kid/ns/net" true 2>&1)
	ok $([ $? -ne 0 ] && echo 0 || echo 1) "another uid cannot enter the sandbox's network namespace ($nsenter_out)"
fi
wait $sp
kill $listener 2>/dev/null
done_testing
