#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 27, found by this battery): socketpair(AF_UNIX) is allowed because a pair
# is connected only to itself, but an AF_UNIX *datagram* socket may be connected again, and
# sendto() on it names a new peer: with socketpair(AF_UNIX, SOCK_DGRAM) (or SOCK_RAW, which
# AF_UNIX turns into SOCK_DGRAM) the command reached every host datagram socket file visible in
# the read-only tree (/dev/log, journald, systemd's notify socket). Before the fix, a host
# listener received "esc-probe". Stream and seqpacket pairs cannot be re-connected.
# Checks: every variant fails, and the host listener received nothing.
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null || skip_all "python3 needed"

SOCK=$T/host-dgram.sock
cat >"$T/dgram.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").write("up")
s.settimeout(60)
with open(sys.argv[3], "ab", buffering=0) as log:
    while True:
        try:
            d = s.recv(4096)
        except OSError:
            break
        log.write(d + b"\n")
PY
python3 "$T/dgram.py" "$SOCK" "$T/ready" "$T/received" &
listener=$!
trap 'kill $listener 2>/dev/null; cleanup' EXIT
wait_for "$T/ready"
ok $? "host datagram listener is up"
"$ESC_PROBE" pair-dgram send "$SOCK" >/dev/null
sleep 0.2
is "$(cat "$T/received" 2>/dev/null)" esc-probe "control: outside the sandbox a datagram pair reaches the host socket"
: >"$T/received"

esc "$S" pair-dgram send "$SOCK"
failed "$OUT" "socketpair(AF_UNIX, SOCK_DGRAM) + sendto(host socket)"
esc "$S" pair-dgram connect "$SOCK"
failed "$OUT" "socketpair(AF_UNIX, SOCK_DGRAM) + connect(host socket)"
esc "$S" pair-raw send "$SOCK"
failed "$OUT" "socketpair(AF_UNIX, SOCK_RAW) (a datagram socket) + sendto(host socket)"
esc "$S" pair-stream connect "$SOCK"
failed "$OUT" "a stream pair cannot be connected again"
esc "$S" pair-seqpacket connect "$SOCK"
failed "$OUT" "a seqpacket pair cannot be connected again"
# The same through the other system-call ABIs (x86_64 only; i386 may be off in the kernel).
if [ "$(uname -m)" = x86_64 ]; then
	esc "$S" abi i386 socketpair-dgram
	failed "$OUT" "i386 socketpair(AF_UNIX, SOCK_DGRAM)"
	esc "$S" abi x32 socketpair-dgram
	failed "$OUT" "x32 socketpair(AF_UNIX, SOCK_DGRAM)"
fi
srt_run -s "$S" -- "$SRT_PROBE" socketpair-unix
is "$OUT" OK "socketpair(AF_UNIX, SOCK_STREAM) still works (runtimes need it)"
srt_run -s "$S" python3 -c 'import subprocess; print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip())'
is "$OUT" child "python subprocess with pipes still works"

sleep 0.2
is "$(cat "$T/received" 2>/dev/null)" "" "the host listener received nothing"
kill $listener 2>/dev/null
done_testing
