#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 3; reference S2): io_uring performs socket(), connect(), openat() inside
# the kernel (IORING_OP_SOCKET, Linux >= 5.19) where the seccomp filter never sees them; a
# ring created inside, or one leaked in from the caller (it keeps its creator's credentials),
# would bypass every argument check. Tried through every ABI the CPU has.
# Checks: io_uring_setup, io_uring_enter and io_uring_register are refused, also on a
# descriptor number the caller had open; the leaked descriptor does not exist inside.
. "$(dirname "$0")/libescape.sh"

# The caller leaves descriptor 7 open (here its home directory; bash cannot make a ring).
exec 7<"$HOME"
inside "$S" 'echo setup=$($P abi x32 io_uring_setup); echo i386=$($P abi i386 io_uring_setup)
echo enter=$($P io-uring-enter 7); echo register=$($P io-uring-register 7)
echo fd7=$($P fd-open 7); echo native=$($Q io-uring-setup)'
exec 7<&-
is "$(res native)" EPERM "io_uring_setup: EPERM"
failed "$(res setup)" "x32 io_uring_setup"
failed "$(res i386)" "i386 io_uring_setup"
is "$(res enter)" EPERM "io_uring_enter on an inherited descriptor number: EPERM"
is "$(res register)" EPERM "io_uring_register: EPERM"
is "$(res fd7)" EBADF "the caller's descriptor 7 did not reach the command"
done_testing
