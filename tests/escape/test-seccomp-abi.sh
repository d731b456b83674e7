#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 4; reference S2): enter the kernel through an ABI the filter might not
# cover, or with argument bits it might not compare: x32 numbers (bit 30), i386 `int $0x80`
# (its own numbers, and socketcall which hides the socket family in memory), and AF_UNIX with
# bit 32 set (the kernel reads an int). Each refused call is tried through each ABI.
# Checks: nothing works; a control shows which ABIs this kernel offers at all (where i386 is
# off, `int $0x80` kills the process outside the sandbox too).
. "$(dirname "$0")/libescape.sh"
[ "$(uname -m)" = x86_64 ] || skip_all "i386 and x32 exist only on x86_64"

ctl_i386=$("$ESC_PROBE" abi i386 getpid)
ctl_x32=$("$ESC_PROBE" abi x32 getpid)
echo "# outside the sandbox: i386 getpid -> $ctl_i386, x32 getpid -> $ctl_x32"
calls="socket-unix socketpair-dgram socketcall-socket io_uring_setup unshare-user keyctl mount bpf userfaultfd setns"
script='echo hi=$($Q socket-unix-highbits)'
for c in $calls; do
	script="$script; echo i386_$c=\$(\$P abi i386 $c)"
	[ "$c" = socketcall-socket ] || script="$script; echo x32_$c=\$(\$P abi x32 $c)"
done
inside "$S" "$script"
is "$(res hi)" EPERM "socket(0x100000001 = AF_UNIX | 1 << 32): EPERM"
for c in $calls; do
	failed "$(res "i386_$c")" "i386 $c"
	[ "$c" = socketcall-socket ] || failed "$(res "x32_$c")" "x32 $c"
done
# A filtered ABI answers EPERM; one the kernel lacks answers ENOSYS or kills (no other outcome
# may be OK). Where the kernel has i386, the filter must be what refuses.
if [ "$ctl_i386" = OK ]; then
	is "$(res i386_socket-unix)" EPERM "i386 available: socket(AF_UNIX) refused by the filter"
else
	is "$(res i386_socket-unix)" "$ctl_i386" "i386 unavailable in this kernel: same outcome inside as outside"
fi

# The creation guard's traps on the other ABIs: mkdir and open(O_CREAT) of a name a deny glob
# matches, through i386 and x32 numbers; the file must never appear.
SG=$T/guard.json
settings "$SG" '{"denyRead":["**/*.pem"],"allowWrite":["."],"denyWrite":[]}'
script=""
for c in mkdir-pem open-creat-pem; do
	script="$script; echo i386_$c=\$(\$P abi i386 $c); rmdir esc-abi.pem 2>/dev/null; rm -f esc-abi.pem"
	script="$script; echo x32_$c=\$(\$P abi x32 $c); rmdir esc-abi.pem 2>/dev/null; rm -f esc-abi.pem"
done
inside "$SG" "true$script; ls -d esc-abi.pem 2>/dev/null; echo end"
for c in mkdir-pem open-creat-pem; do
	failed "$(res "i386_$c")" "i386 $c under a deny glob"
	failed "$(res "x32_$c")" "x32 $c under a deny glob"
	if [ "$ctl_i386" = OK ]; then
		is "$(res "i386_$c")" EACCES "i386 available: $c refused by the creation guard"
	fi
done
unlike "$OUT" "esc-abi.pem" "the file never existed (checked inside after each attempt)"
[ ! -e esc-abi.pem ]
ok $? "and is not on the host"
done_testing
