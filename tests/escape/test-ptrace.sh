#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 5; reference S3): find a process inside the sandbox that runs without the
# seccomp filter or with more privilege (in the reference: socat helpers and wrapper shells)
# and take it over with ptrace, /proc/PID/mem or process_vm_writev, or reach a host process
# the same way. srt puts no helper inside; bubblewrap's pid 1 is the only other process.
# Checks: host processes cannot be reached; every process inside carries the filter,
# no_new_privs and no capabilities, so taking one over gains nothing (pid 1 may be traced: it
# is the caller's own process with the same restrictions; documented); pid 1 holds no
# descriptor beyond stdio and its own eventfd (no argument memfd, status pipe or socket).
. "$(dirname "$0")/libescape.sh"

host=$$
inside "$S" 'echo host_ptrace=$($P ptrace '$host'); echo host_mem=$($P proc-mem '$host')
echo host_vm=$($P vm-write '$host'); echo pid1_mem_write=$($P proc-mem 1)
echo pids=$(ls /proc | grep -c "^[0-9]")
bad=; for s in /proc/[0-9]*/status; do
	grep -q "^Seccomp:[[:space:]]*2" $s && grep -q "^NoNewPrivs:[[:space:]]*1" $s &&
	grep -q "^CapEff:[[:space:]]*0000000000000000" $s && grep -q "^CapBnd:[[:space:]]*0000000000000000" $s ||
	bad="$bad $s"; done; echo unfiltered=${bad:-none}
echo pid1fd=$(readlink /proc/1/fd/0 >/dev/null 2>&1 && echo readable || echo refused)'
is "$(res host_ptrace)" ESRCH "ptrace of a host process: ESRCH"
is "$(res host_mem)" ENOENT "/proc/<host pid>/mem does not exist inside"
is "$(res host_vm)" ESRCH "process_vm_writev to a host process: ESRCH"
[ "$(res pids)" -lt 10 ] 2>/dev/null
ok $? "only the sandbox's few processes are visible ($(res pids))"
is "$(res unfiltered)" none "every process inside has the filter, no_new_privs, no capabilities, empty bounding set"
# With Landlock, pid 1 (bubblewrap's, outside the command's Landlock domain) cannot even be
# inspected: /proc/1/fd needs ptrace access, which Landlock refuses outside the domain.
if landlock_applies "$S" "filesystem writes"; then
	is "$(res pid1fd)" refused "Landlock: pid 1's descriptors cannot be inspected from inside"
	is "$(res pid1_mem_write)" EACCES "Landlock: /proc/1/mem cannot be opened from inside"
fi
# Its descriptors, seen from a sandbox without Landlock (the listing needs ptrace access).
SO=$T/off.json
echo '{"landlock":"off","network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}' >"$SO"
inside "$SO" 'fds=; n=; for f in /proc/1/fd/*; do fds="$fds $(readlink $f)"; n="$n ${f##*/}"; done
echo pid1fds=$fds; echo pid1nums=$(echo $n | tr " " "\n" | sort -n | tr "\n" " ")'
pid1=$(res pid1fds)
case "$pid1" in
"") ok 1 "pid 1 holds no memfd and no socket"; echo "#   nothing listed" ;;
*memfd* | *socket:*) ok 1 "pid 1 holds no memfd and no socket"; echo "#   $pid1" ;;
*) ok 0 "pid 1 holds no memfd and no socket" ;;
esac
# the eventfd's number depends on how many descriptors srt handed bubblewrap (srt-exec's)
nums=$(res pid1nums)
[[ "$nums" =~ ^"0 1 2 "[0-9]+$ && "$pid1" == *"anon_inode:[eventfd]" ]]
ok $? "pid 1 holds stdio and its eventfd only ($nums)"
echo "# /proc/1/mem opened for writing from inside: $(res pid1_mem_write) (same uid, same filter)"
done_testing
