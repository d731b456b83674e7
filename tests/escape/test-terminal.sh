#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 1, 2; CVE-2017-5226, CVE-2019-10063 class): push "x" into the input
# queue of the caller's terminal with ioctl(TIOCSTI) (also with bit 32 set in the request, and
# TIOCLINUX), so that the caller's shell would run it after the sandbox exits. Tried with
# srt's own pty (stdin and stdout terminals) and with the caller's terminal itself as stdin
# (stdout a pipe: no pty of srt's, the terminal descriptor reaches the command).
# Checks: every ioctl fails, and the terminal echoed nothing (a pty in canonical mode with
# ECHO shows an injected byte; the control outside the sandbox shows it).
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null || skip_all "python3 needed (pty)"

cat >"$T/ptyrun.py" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
os.waitpid(pid, 0)
print(repr(out.decode("utf-8", "replace")))
PY
ptyrun() { PTY_OUT=$(python3 "$T/ptyrun.py" "$@" 2>&1); }

if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 1 ]; then
	ptyrun "$SRT_PROBE" tiocsti
	is "$PTY_OUT" "'xOK\\r\\n'" "control: outside the sandbox TIOCSTI injects and the terminal echoes it"
else
	ptyrun "$SRT_PROBE" tiocsti
	is "$PTY_OUT" "'EIO\\r\\n'" "control: this kernel refuses TIOCSTI everywhere (legacy_tiocsti=0)"
fi
for req in tiocsti tiocsti-highbits tioclinux; do
	ptyrun "$SRT" -s "$S" "$SRT_PROBE" "$req"
	is "$PTY_OUT" "'EPERM\\r\\n'" "$req under srt's pty: EPERM, nothing echoed"
	# stdout a pipe: srt makes no pty, the command's stdin is the caller's terminal
	ptyrun /bin/sh -c "'$SRT' -s '$S' '$SRT_PROBE' $req | cat"
	is "$PTY_OUT" "'EPERM\\r\\n'" "$req on the caller's own terminal (stdin): EPERM, nothing echoed"
done
# The caller's terminal is not the command's controlling terminal (new session), so it
# cannot take the foreground or send job-control signals to the caller's shell either.
ptyrun /bin/sh -c "'$SRT' -s '$S' cut -d' ' -f7 /proc/self/stat | cat"
is "$PTY_OUT" "'0\\r\\n'" "the command has no controlling terminal (tty_nr 0) when it gets the caller's terminal as stdin"
done_testing
