#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 13): signal, renice or open a pidfd of host processes of the same user
# (kill -9 -1 kills everything a user may signal), and leave a process behind that outlives
# the sandbox (setsid, double fork, nohup).
# Checks: host processes are invisible (ESRCH) and survive kill(-1, SIGKILL) from inside; no
# process started inside is left after srt has returned.
. "$(dirname "$0")/libescape.sh"

mark=301.$$$RANDOM # a sleep of 301.<digits> seconds: unique in the host's process list
sleep 300 &
victim=$!
trap 'kill $victim 2>/dev/null; cleanup' EXIT
inside "$S" 'echo kill0=$($P kill '$victim' 0); echo pidfd=$($P pidfd-open '$victim')
echo nice=$($P setpriority '$victim'); echo srt=$($P kill '$$' 9)
setsid sleep '"$mark"' </dev/null >/dev/null 2>&1 &
( nohup sleep '"$mark"' </dev/null >/dev/null 2>&1 & )
sleep 0.2; echo started=$(grep -lx sleep /proc/[0-9]*/comm 2>/dev/null | wc -l)
echo all=$($P kill -1 9)'
is "$(res kill0)" ESRCH "kill(<host pid>, 0): ESRCH"
is "$(res pidfd)" ESRCH "pidfd_open(<host pid>): ESRCH"
is "$(res nice)" ESRCH "setpriority(<host pid>): ESRCH"
is "$(res srt)" ESRCH "the test script (srt's parent) cannot be signalled"
is "$(res started)" 2 "two detached processes were started inside"
kill -0 $victim 2>/dev/null
ok $? "a host process of the same user survives kill(-1, SIGKILL) from inside"
sleep 0.2
is "$(host_procs "sleep $mark")" "" "no process started inside is left after srt returned"
done_testing
