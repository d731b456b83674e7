#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 10; own additions): change host state through /sys, /proc/sys,
# /proc/sysrq-trigger or a device node: write a sysctl or cgroup file, make a device node,
# reach a host device, share memory with host processes through /dev/shm.
# Checks: / (with /sys) is read-only, /proc is a fresh instance whose sysctls are read-only,
# /dev is bubblewrap's minimal set, mknod fails, /dev/shm is the sandbox's own (a host file
# there is invisible, a file made inside never reaches the host); host values unchanged.
. "$(dirname "$0")/libescape.sh"

mark=srt-esc-$$-$RANDOM
host_shm=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	echo host >"/dev/shm/$mark-host" && host_shm=1
fi
hostname_before=$(cat /proc/sys/kernel/hostname)
core_before=$(cat /proc/sys/kernel/core_pattern)
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_before=$(cat "$thp" 2>/dev/null)
inside "$S" 'w() { ( echo "$2" >"$1" ) 2>/dev/null && echo OK || echo FAIL; }
echo sys=$(w '"$thp"' never); echo cg=$(w /sys/fs/cgroup/cgroup.procs 1)
echo sysctl=$(w /proc/sys/kernel/hostname pwned); echo sysrq=$(w /proc/sysrq-trigger h)
echo core=$(w /proc/sys/kernel/core_pattern "$(cat /proc/sys/kernel/core_pattern)")
echo mknod=$($P mknod '"$T"'/proj/mem); echo dev=$(ls /dev | tr "\n" " ")
echo shmhost=$(ls /dev/shm/'"$mark"'-host 2>/dev/null || echo absent)
echo shmmade=$(w /dev/shm/'"$mark"'-inside x)
echo sysw=$(find /proc/sys -type f -writable 2>/dev/null | wc -l)'
for k in sys cg sysctl sysrq core; do
	is "$(res $k)" FAIL "write to a host setting ($k) fails"
done
# Found by this test: as root, the sandbox (kuid 0, no capabilities) could write every global
# sysctl (kernel.core_pattern, kernel.modprobe: code execution as root on the host), since
# sysctls check only the file mode and bubblewrap skipped its cover of /proc/sys.
is "$(res sysw)" 0 "no file below /proc/sys is writable inside (also as root)"
is "$(cat /proc/sys/kernel/core_pattern)" "$core_before" "the host's core_pattern is unchanged"
failed "$(res mknod)" "mknod of a character device"
is "$(res dev)" "core fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
	"/dev holds bubblewrap's minimal set only"
is "$(res shmhost)" absent "a host file in /dev/shm is not visible inside"
is "$(res shmmade)" OK "/dev/shm is writable inside (the sandbox's own tmpfs)"
[ ! -e "/dev/shm/$mark-inside" ]
ok $? "a file made in /dev/shm inside never reaches the host"
is "$(cat /proc/sys/kernel/hostname)" "$hostname_before" "the host's hostname is unchanged"
is "$(cat "$thp" 2>/dev/null)" "$thp_before" "the host's /sys value is unchanged"
[ -n "$host_shm" ] && rm -f "/dev/shm/$mark-host"
done_testing
