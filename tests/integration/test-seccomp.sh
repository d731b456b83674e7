#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The seccomp filter and the other process restrictions, seen from inside the sandbox through
# srt-probe: AF_UNIX/AF_VSOCK sockets (every ABI, high argument bits), io_uring, nested user
# namespaces, clone3, mount/setns/keyctl, terminal injection (TIOCSTI under a real pty),
# capabilities, no_new_privs, and the two settings that relax the filter
# (network.allowAllUnixSockets, allowNestedUserNamespaces).
. "$(dirname "$0")/libtest.sh"
require_sandbox
cd "$T/proj" || exit 1

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed (unix socket listener, pty)"

S=$T/s.json
settings "$S" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'
S_UNIX=$T/s-unix.json
printf '%s\n' '{"network":{"allowedDomains":[],"deniedDomains":[],"allowAllUnixSockets":true},
 "filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}' >"$S_UNIX"
S_USERNS=$T/s-userns.json
settings "$S_USERNS" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}' '"allowNestedUserNamespaces":true'

# A host listener on a pathname socket in $T and on an abstract socket (abstract names live in
# the network namespace, not in the filesystem). It exits by itself after 120 s at the latest.
SOCK=$T/host.sock
ABSTRACT=srt-itest-$$-$RANDOM
cat >"$T/listen.py" <<'PY'
import os, socket, sys, time
path, abstract, ready = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
a.bind("\0" + abstract)
a.listen(16)
open(ready, "w").close()
time.sleep(120)
PY
python3 "$T/listen.py" "$SOCK" "$ABSTRACT" "$T/listen.ready" &
listener=$!
for _ in $(seq 100); do [ -e "$T/listen.ready" ] && break; sleep 0.05; done
[ -e "$T/listen.ready" ] && [ -S "$SOCK" ]
ok $? "host listener on $SOCK and @$ABSTRACT is up"

# The listener is reachable from the host: the EPERMs below come from the sandbox.
python3 -c 'import socket,sys
for addr in (sys.argv[1], "\0" + sys.argv[2]):
    c = socket.socket(socket.AF_UNIX); c.connect(addr); c.close()' "$SOCK" "$ABSTRACT"
ok $? "the host can connect to both sockets (control)"

# ---- Default filter ----
probe "$S" socket-unix
is "$OUT" EPERM "socket(AF_UNIX): EPERM"
probe "$S" socket-unix-highbits
is "$OUT" EPERM "socket(0x100000001 = AF_UNIX with high bits set): EPERM"
probe "$S" socket-vsock
is "$OUT" EPERM "socket(AF_VSOCK): EPERM"
probe "$S" socket-inet
is "$OUT" OK "socket(AF_INET) is allowed (the network namespace has only loopback)"
probe "$S" socketpair-unix
is "$OUT" OK "socketpair(AF_UNIX) is allowed (reaches nothing outside)"
probe "$S" connect-unix "$SOCK"
is "$OUT" EPERM "connecting to a host pathname socket: EPERM"
probe "$S" connect-unix "@$ABSTRACT"
is "$OUT" EPERM "connecting to a host abstract socket: EPERM"

if [ "$(uname -m)" = x86_64 ]; then
	# Some kernels (and VMs) have no i386 entry point: int 0x80 then kills the caller,
	# sandboxed or not. The control outside says which; either way nothing gets a socket.
	for c in socket-i386 socketcall-unix-i386; do
		ctl=$("$SRT_PROBE" "$c" 2>/dev/null)
		ctl=${ctl:-killed}
		echo "# outside the sandbox: $c -> $ctl"
		probe "$S" "$c"
		if [ "$ctl" = OK ]; then
			is "$OUT" EPERM "i386 $c through int 0x80: EPERM"
		else
			is "${OUT:-killed}" "$ctl" "i386 unavailable here: $c fails inside as outside ($ctl)"
		fi
	done
	probe "$S" socket-x32
	is "$OUT" EPERM "x32 socket(AF_UNIX): EPERM"
else
	ok 0 "i386/x32 ABIs only exist on x86_64 # SKIP $(uname -m)"
fi

probe "$S" io-uring-setup
is "$OUT" EPERM "io_uring_setup: EPERM"
probe "$S" unshare-user
is "$OUT" EPERM "unshare(CLONE_NEWUSER): EPERM"
probe "$S" clone-newuser
is "$OUT" EPERM "clone(CLONE_NEWUSER): EPERM"
probe "$S" clone3
is "$OUT" ENOSYS "clone3: ENOSYS (libc falls back to clone, whose flags the filter can see)"
probe "$S" mount-tmpfs "$T/proj"
is "$OUT" EPERM "mount tmpfs: EPERM"
probe "$S" remount-rw /
is "$OUT" EPERM "remount / read-write: EPERM"
probe "$S" setns-net
is "$OUT" EPERM "setns(CLONE_NEWNET): EPERM"
probe "$S" keyctl
is "$OUT" EPERM "keyctl: EPERM"

probe "$S" capeff
is "$OUT" 0000000000000000 "no effective capabilities"
probe "$S" nonewprivs
is "$OUT" 1 "no_new_privs is set"
probe "$S" whoami
is "$OUT" "$(id -u)" "the command runs as the caller's uid"

# ---- allowAllUnixSockets: AF_UNIX allowed, the rest of the filter stays ----
probe "$S_UNIX" socket-unix
is "$OUT" OK "allowAllUnixSockets: socket(AF_UNIX) works"
# The host socket is visible because / is bound read-only into the sandbox and a pathname
# socket is reached through the filesystem, not through the network namespace.
probe "$S_UNIX" connect-unix "$SOCK"
is "$OUT" OK "allowAllUnixSockets: connecting to the host pathname socket works (visible through the read-only /)"
probe "$S_UNIX" connect-unix "@$ABSTRACT"
is "$OUT" ECONNREFUSED "allowAllUnixSockets: a host abstract socket is still unreachable (other network namespace)"
probe "$S_UNIX" socket-vsock
is "$OUT" EPERM "allowAllUnixSockets: AF_VSOCK still EPERM"
probe "$S_UNIX" io-uring-setup
is "$OUT" EPERM "allowAllUnixSockets: io_uring still EPERM"
probe "$S_UNIX" unshare-user
is "$OUT" EPERM "allowAllUnixSockets: nested user namespaces still EPERM"

# ---- allowNestedUserNamespaces ----
probe "$S_USERNS" unshare-user
is "$OUT" OK "allowNestedUserNamespaces: unshare(CLONE_NEWUSER) works"
probe "$S_USERNS" clone-newuser
is "$OUT" OK "allowNestedUserNamespaces: clone(CLONE_NEWUSER) works"
probe "$S_USERNS" socket-unix
is "$OUT" EPERM "allowNestedUserNamespaces: AF_UNIX still EPERM"
probe "$S_USERNS" capeff
is "$OUT" 0000000000000000 "allowNestedUserNamespaces: still no capabilities in the sandbox itself"

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

# ---- Terminal injection, under a real pty ----
# ptyrun.py runs a command with a new pty as its controlling terminal (stdin/stdout/stderr),
# collects everything written to the master and prints it with repr(). The pty is in canonical
# mode with ECHO, so a character injected with TIOCSTI is echoed: a successful injection of
# "x" shows up as 'xOK\r\n'.
cat >"$T/ptyrun.py" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
out = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
print(repr(out.decode("utf-8", "replace")))
sys.exit(os.waitstatus_to_exitcode(st))
PY
ptyrun() { PTY_OUT=$(python3 "$T/ptyrun.py" "$@" 2>&1); }

# Control: the harness does see an injection (only where the kernel still allows TIOCSTI).
legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)
if [ "$legacy" = 1 ]; then
	ptyrun "$SRT_PROBE" tiocsti
	is "$PTY_OUT" "'xOK\\r\\n'" "control: outside the sandbox TIOCSTI injects 'x' and the pty echoes it"
else
	ok 0 "control injection # SKIP dev.tty.legacy_tiocsti=0"
fi
ptyrun "$SRT" -s "$S" "$SRT_PROBE" tiocsti
is "$PTY_OUT" "'EPERM\\r\\n'" "TIOCSTI from inside under a pty: EPERM, and nothing was injected (no echoed 'x')"
ptyrun "$SRT" -s "$S" "$SRT_PROBE" tiocsti-highbits
is "$PTY_OUT" "'EPERM\\r\\n'" "TIOCSTI with bit 32 set in the request: EPERM, nothing injected"
ptyrun "$SRT" -s "$S" "$SRT_PROBE" tioclinux
is "$PTY_OUT" "'EPERM\\r\\n'" "TIOCLINUX: EPERM (ENOTTY without the filter)"
ptyrun "$SRT" -s "$S" "$SRT_PROBE" whoami
is "$PTY_OUT" "'$(id -u)\\r\\n'" "a command under a pty still runs and prints normally"

done_testing
