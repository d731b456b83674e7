#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Process isolation and lifetime: namespaces, capabilities, inherited fds, signals forwarded,
# the sandbox dies with srt (even on SIGKILL), nothing is left behind.
. "$(dirname "$0")/libtest.sh"
require_sandbox
cd "$T/proj" || exit 1
S=$T/s.json
settings "$S" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'

# pid namespace: only the sandbox's processes are visible
srt_run -s "$S" sh -c 'ls /proc | grep -c "^[0-9]"'
[ "$OUT" -lt 10 ] 2>/dev/null
ok $? "only a handful of pids are visible inside (got $OUT)"
srt_run -s "$S" "$SRT_PROBE" kill "$$" 0
is "$OUT" ESRCH "a host process cannot be signalled from inside (ESRCH)"
srt_run -s "$S" "$SRT_PROBE" ptrace-attach "$$"
is "$OUT" ESRCH "a host process cannot be traced from inside"

# other namespaces
host_uts=$(readlink /proc/self/ns/uts)
srt_run -s "$S" readlink /proc/self/ns/uts
[ -n "$OUT" ] && [ "$OUT" != "$host_uts" ]
ok $? "own UTS namespace"
srt_run -s "$S" readlink /proc/self/ns/ipc
[ "$OUT" != "$(readlink /proc/self/ns/ipc)" ]
ok $? "own IPC namespace"
srt_run -s "$S" readlink /proc/self/ns/net
[ "$OUT" != "$(readlink /proc/self/ns/net)" ]
ok $? "own network namespace"
srt_run -s "$S" cat /proc/net/dev
lines=$(echo "$OUT" | grep -c ':')
is "$lines" 1 "the network namespace has only loopback"
srt_run -s "$S" readlink /proc/self/ns/cgroup
[ -n "$OUT" ] && [ "$OUT" != "$(readlink /proc/self/ns/cgroup)" ]
ok $? "own cgroup namespace"
srt_run -s "$S" readlink /proc/self/ns/user
[ "$OUT" != "$(readlink /proc/self/ns/user)" ]
ok $? "own user namespace (also as root)"

# capabilities: none, also when srt runs as root
srt_run -s "$S" "$SRT_PROBE" capeff
is "$OUT" 0000000000000000 "no effective capabilities"
srt_run -s "$S" "$SRT_PROBE" remount-rw /
is "$OUT" EPERM "remounting / read-write fails (reference bug S1)"
srt_run -s "$S" "$SRT_PROBE" open-write /usr/srt-should-not-exist
is "$OUT" EROFS "and / stays read-only"

# no unfiltered helper inside: the sandbox's pid 1 (bubblewrap's init) carries the filter too
srt_run -s "$S" sh -c 'grep "^Seccomp:" /proc/1/status'
is "$OUT" "Seccomp:	2" "pid 1 inside the sandbox is seccomp-filtered as well"
srt_run -s "$S" sh -c 'grep "^NoNewPrivs:" /proc/1/status'
is "$OUT" "NoNewPrivs:	1" "pid 1 inside has no_new_privs"

# enableWeakerNestedSandbox: documented as weaker: no private /proc (host pids visible)
SW=$T/sw.json
settings "$SW" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}' '"enableWeakerNestedSandbox":true'
srt_run -s "$SW" sh -c "test -d /proc/$$ && echo host-pid-visible"
is "$OUT" host-pid-visible "enableWeakerNestedSandbox: the host's /proc is visible (documented)"
srt_run -s "$SW" "$SRT_PROBE" open-write "$T/outside-weak"
is "$OUT" EROFS "enableWeakerNestedSandbox: filesystem rules still apply"
srt_run -s "$SW" "$SRT_PROBE" socket-unix
is "$OUT" EPERM "enableWeakerNestedSandbox: the seccomp filter still applies"

# inherited descriptors: only 0, 1, 2
exec 7<"$S" 8>"$T/fd8"
srt_run -s "$S" "$SRT_PROBE" list-fds
is "$OUT" "0 1 2" "no descriptor beyond 0-2 reaches the command"
exec 7<&- 8>&-

# signals: SIGTERM/SIGINT/SIGHUP to srt are forwarded to the command. (bash starts background
# jobs with SIGINT ignored, and an ignored signal stays ignored; env restores the default.)
for sig in TERM INT HUP; do
	env --default-signal=INT "$SRT" -s "$S" sh -c "trap 'echo got-$sig > $T/proj/sig-$sig; exit 3' $sig; echo ready > $T/proj/ready-$sig; while :; do sleep 0.05; done" &
	pid=$!
	for _ in $(seq 100); do [ -e "$T/proj/ready-$sig" ] && break; sleep 0.05; done
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	is "$(cat "$T/proj/sig-$sig" 2>/dev/null)" "got-$sig" "SIG$sig reaching srt is forwarded to the command"
	is "$rc" 3 "srt exits with the command's status after SIG$sig"
done

# the command dies by a signal: 128+N
"$SRT" -s "$S" sh -c "echo ready > $T/proj/ready-k; exec sleep 30" &
pid=$!
for _ in $(seq 100); do [ -e "$T/proj/ready-k" ] && break; sleep 0.05; done
sleep 0.1
kill -TERM "$pid"
wait "$pid"
is "$?" 143 "command killed by the forwarded SIGTERM: 143"

# srt killed with SIGKILL: the sandbox goes with it
marker="$T/proj/alive"
"$SRT" -s "$S" sh -c "while :; do date +%s%N > $marker; sleep 0.05; done" &
pid=$!
for _ in $(seq 100); do [ -s "$marker" ] && break; sleep 0.05; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
sleep 0.3
a=$(cat "$marker")
sleep 0.5
b=$(cat "$marker")
is "$a" "$b" "after SIGKILL of srt the sandboxed loop stopped"
pgrep -f "date +%s%N > $marker" >/dev/null
ok $((!$?)) "no sandboxed process survives srt's SIGKILL"

# background processes do not outlive the command
OUT=$("$SRT" -s "$S" sh -c "(sleep 5.4321; echo late > $T/proj/late) >/dev/null 2>&1 & echo started")
is "$OUT" started "command with a background child ran"
sleep 0.3
pgrep -f "sleep 5.4321" >/dev/null
ok $((!$?)) "a background child of the command is killed when the command exits"

# nothing left on the host after the runs (placeholders for the protected names of the write
# root, including those of the srt that was SIGKILLed above, are gone)
left=$(cd "$T/proj" && ls -A | grep -E '^\.(bashrc|profile|zshrc|gitconfig|mcp\.json|vscode|idea|git|claude)$' | tr '\n' ' ')
is "$left" "" "no placeholder left in the write root"
done_testing
