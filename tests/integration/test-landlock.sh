#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Landlock, srt's second layer under the mount and namespace rules (docs/architecture.md,
# "Landlock"): srt-exec applies it inside the sandbox, after bubblewrap's mounts. Each check
# probes something the first layer leaves open, so that only Landlock can refuse it, and runs
# the same probe with "landlock": "off" as the control. scripts/test.sh runs this as root and
# as an unprivileged user.
. "$(dirname "$0")/libtest.sh"
require_sandbox
cd "$T/proj" || exit 1

abi=$(python3 -c 'import ctypes; print(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1))')
[ "${abi:--1}" -ge 6 ] 2>/dev/null ||
	skip_all "this kernel has Landlock ABI $abi; these checks need 6 or later"

fs='{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'
S=$T/on.json
settings "$S" "$fs"
OFF=$T/off.json
settings "$OFF" "$fs" '"landlock":"off"'
REQ=$T/require.json
settings "$REQ" "$fs" '"landlock":"require"'
net() { # net FILE EXTRA-NETWORK EXTRA-TOP: network on (the proxy's ports exist inside)
	printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]%s},"filesystem":%s%s}\n' \
		"$2" "$fs" "${3:+,$3}" >"$1"
}

# --- the level, reported under --debug ----------------------------------------------------
srt_run --debug -s "$S" -- true
like "$ERR" "landlock: full (ABI $abi): filesystem writes, truncate, TCP bind/connect, device ioctls, abstract unix sockets and signals" \
	"--debug reports full, with the ABI and every part"
srt_run --debug -s "$OFF" -- true
like "$ERR" "landlock: none (off in the settings)" '"landlock": "off" is reported as none'
net "$T/bind.json" ',"allowLocalBinding":true'
srt_run --debug -s "$T/bind.json" -- true
like "$ERR" "TCP left to the network namespace (allowLocalBinding)" \
	"allowLocalBinding: TCP is left to the network namespace, and it says so"
settings "$T/nested.json" "$fs" '"allowNestedUserNamespaces":true'
srt_run --debug -s "$T/nested.json" -- true
like "$ERR" "filesystem writes left to the mount layer (allowNestedUserNamespaces)" \
	"allowNestedUserNamespaces: writes are left to the mount layer, and it says so"

# --- require --------------------------------------------------------------------------------
srt_run -s "$REQ" -- sh -c 'echo ran >ran.txt'
is "$RC:$(cat ran.txt 2>/dev/null)" "0:ran" '"landlock": "require" runs the command where the kernel can'
rm -f ran.txt
settings "$T/req-nested.json" "$fs" '"landlock":"require","allowNestedUserNamespaces":true'
srt_run -s "$T/req-nested.json" -- sh -c 'echo ran >ran.txt'
ok $((RC == 0)) "require with allowNestedUserNamespaces: refused (status $RC)"
like "$ERR" '"landlock": "require" cannot be combined with allowNestedUserNamespaces' \
	"... with a clear message"
like "$ERR" 'Hint: set "landlock": "auto"' "... and a hint"
[ ! -e ran.txt ]
ok $? "... and the command did not run"
printf '{"landlock":"sometimes","network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":%s}\n' "$fs" >"$T/bad.json"
srt_run -s "$T/bad.json" -- true
like "$ERR" 'expected "auto", "require" or "off"' "an unknown landlock value is a settings error"

# --- filesystem: /proc is writable through the mounts, not through Landlock ------------------
probe_comm='try:
    open("/proc/self/comm", "w").write("renamed")
    print("written")
except OSError as e:
    import errno; print(errno.errorcode[e.errno])'
srt_run -s "$OFF" -- python3 -c "$probe_comm"
is "$OUT" written "control: without Landlock /proc/self/comm is writable inside"
srt_run -s "$S" -- python3 -c "$probe_comm"
is "$OUT" EACCES "Landlock: writing /proc/self/comm is refused (not below a write root)"
srt_run -s "$S" -- sh -c 'echo a >inside.txt && mkdir d && mv inside.txt d/ && rm -r d && echo ok'
is "$OUT" ok "writes, renames and removals below the write root still work"
srt_run -s "$S" -- sh -c 'echo x >/dev/null && echo y >"$TMPDIR/t" && echo z >/dev/shm/t && echo ok'
is "$OUT" ok "/dev/null, the private TMPDIR and /dev/shm stay writable"
srt_run -s "$S" -- sh -c 'echo to-stderr >/dev/stderr'
is "$ERR" to-stderr "reopening stderr (a file of the caller's) through /dev/stderr works"

# stdout a memfd (no path: no rule can name it, and none is needed)
OUT=$(python3 -c '
import os, subprocess, sys
fd = os.memfd_create("out")
r = subprocess.run([sys.argv[1], "-s", sys.argv[2], "--", "echo", "into-memfd"], stdout=fd)
os.lseek(fd, 0, 0)
print(r.returncode, os.read(fd, 100).decode().strip())' "$SRT" "$S")
is "$OUT" "0 into-memfd" "stdout a memfd: the command runs and writes to it"

# stdin opened read-only by the caller, reopened for writing through /proc/self/fd/0: the
# mount layer cannot stop this (the file is on the caller's mount, not the sandbox's)
echo original >"$T/victim"
chmod 644 "$T/victim"
reopen='{ echo changed >/proc/self/fd/0; } 2>/dev/null && echo wrote || echo refused'
"$SRT" -s "$OFF" -- sh -c "$reopen" <"$T/victim" >"$T/out-off" 2>&1
off_result=$(cat "$T/out-off")
"$SRT" -s "$S" -- sh -c "$reopen" <"$T/victim" >"$T/out-on" 2>&1
is "$(cat "$T/out-on")" refused "Landlock: a read-only stdin cannot be reopened for writing"
echo original >"$T/victim" # the control may have changed it
"$SRT" -s "$S" -- sh -c "$reopen" <"$T/victim" >/dev/null 2>&1
is "$(cat "$T/victim")" original "... and the host file is unchanged"
echo "# control without Landlock: $off_result (the mount layer alone does not stop it)"

# --- network: connect only to the proxy's ports, bind to none ------------------------------
N=$T/net.json
net "$N" ""
NOFF=$T/net-off.json
net "$NOFF" "" '"landlock":"off"'
tcp='import errno, socket, sys
def t(f):
    try:
        f(); return "ok"
    except OSError as e: return errno.errorcode.get(e.errno, str(e.errno))
def conn(p):
    s = socket.socket(); s.settimeout(5); s.connect(("127.0.0.1", p)); s.close()
def serve():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
    c = socket.create_connection(s.getsockname(), timeout=5); c.close()
print(t(lambda: conn(3128)), t(lambda: conn(1080)), t(lambda: conn(9)), t(serve))'
srt_run -s "$NOFF" -- python3 -c "$tcp"
is "$OUT" "ok ok ECONNREFUSED ok" "control: without Landlock, a local server inside serves, port 9 refuses"
srt_run -s "$N" -- python3 -c "$tcp"
is "$OUT" "ok ok EACCES EACCES" "Landlock: the proxy ports connect; another port and bind: EACCES"
srt_run -s "$T/bind.json" -- python3 -c "$tcp"
is "$OUT" "ok ok ECONNREFUSED ok" "allowLocalBinding: a local server inside works"
srt_run -s "$S" -- python3 -c "$tcp"
is "$OUT" "EACCES EACCES EACCES EACCES" "no network configured: no TCP connect or bind at all"

# --- signals: bubblewrap's pid 1 is outside the command's Landlock domain ------------------
sig='sleep 30 & c=$!; kill -0 $c && echo child-ok; kill $c; kill -0 1 2>/dev/null && echo pid1-ok || echo pid1-refused'
srt_run -s "$OFF" -- sh -c "$sig"
is "$(echo $OUT)" "child-ok pid1-ok" "control: without Landlock pid 1 can be signalled"
srt_run -s "$S" -- sh -c "$sig"
is "$(echo $OUT)" "child-ok pid1-refused" "Landlock: the command's own child yes, pid 1 (outside the domain) no"

# --- abstract unix sockets: a listener in the sandbox's network namespace, outside the domain -
# The host joins the sandbox's user and network namespaces (those of srt's child, where the
# proxy listeners live) and listens on an abstract name there; the command tries to connect.
abstract() { # abstract SETTINGS: prints the command's result
	local name="srt-landlock-test-$$-$RANDOM" srtpid child i
	rm -f ready
	"$SRT" -s "$1" -- python3 -c '
import errno, os, socket, sys, time
for _ in range(400):
    if os.path.exists("ready"): break
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX)
try:
    s.connect("\0" + sys.argv[1]); print("connected")
except OSError as e: print(errno.errorcode.get(e.errno, e.errno))' "$name" >"$T/abs.out" 2>&1 &
	srtpid=$!
	for i in $(seq 200); do
		child=$(pgrep -P $srtpid | head -1)
		[ -n "$child" ] && [ -r /proc/$child/ns/net ] && break
		sleep 0.05
	done
	nsenter -t "$child" -U -n --preserve-credentials python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(1)
open("ready", "w").close()
s.settimeout(20)
try: s.accept()
except OSError: pass' "$name" 2>"$T/abs.err" &
	local srv=$!
	wait $srtpid
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	cat "$T/abs.out"
}
ABS=$T/abs.json
net "$ABS" ',"allowAllUnixSockets":true'
ABSOFF=$T/abs-off.json
net "$ABSOFF" ',"allowAllUnixSockets":true' '"landlock":"off"'
is "$(abstract "$ABSOFF")" connected "control: without Landlock the abstract socket is reachable"
is "$(abstract "$ABS")" EPERM "Landlock: an abstract socket made outside the domain: EPERM"

done_testing
