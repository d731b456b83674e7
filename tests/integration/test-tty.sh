#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Interactive use: srt under a terminal gives the command a pty of its own (job control, ^C,
# window size), and the caller's terminal never reaches the sandbox (no injection into it).
. "$(dirname "$0")/libtest.sh"
require_sandbox
command -v python3 >/dev/null || skip_all "python3 needed to drive a terminal"
cd "$T/proj" || exit 1

# drive CMD... : runs srt under a new pty with 30 rows x 100 columns; SCRIPT (env DRIVE) is a
# list of "send:TEXT" / "wait:TEXT" / "winch:ROWSxCOLS" / "ctrl-c" steps. Prints the whole
# output, then "EXIT <status>".
drive() {
	python3 - "$@" <<'PY'
import os, pty, sys, time, select, struct, fcntl, termios, signal
steps = os.environ.get("DRIVE", "").split("\n")
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
out = b""
def read_until(text, timeout=10):
    global out
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            out += data
            if text.encode() in out:
                return True
    return False
for st in steps:
    if not st:
        continue
    kind, _, arg = st.partition(":")
    if kind == "send":
        os.write(fd, arg.encode().decode("unicode_escape").encode())
    elif kind == "wait":
        if not read_until(arg):
            sys.stdout.write("TIMEOUT waiting for %r\n" % arg)
    elif kind == "kill":
        os.kill(pid, getattr(signal, "SIG" + arg))
    elif kind == "ctrl-c":
        os.write(fd, b"\x03")
    elif kind == "winch":
        r, c = arg.split("x")
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
        os.kill(pid, signal.SIGWINCH)
read_until("\x00never\x00", timeout=3)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.stdout.write("\nEXIT %d\n" % (os.waitstatus_to_exitcode(status)))
PY
}

S=$T/s.json
settings "$S" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'

out=$(DRIVE='wait:$ 
send:stty size; echo ps=$(ps -o sid= -p $$ | tr -d " ")-$$\r
wait:ps=
send:exit 4\r' drive "$SRT" -s "$S" bash --norc --noprofile -i)
like "$out" "30 100" "the command's pty has the caller's window size"
unlike "$out" "no job control" "an interactive shell gets job control"
like "$out" "EXIT 4" "the shell's exit status comes back"
sid=$(echo "$out" | sed -n 's/^ps=\([0-9]*\)-\([0-9]*\)$/\1 \2/p' | tail -n1)
set -- $sid
[ -n "${1:-}" ] && [ "$1" = "${2:-}" ]
ok $? "the command is the session leader of its own terminal (sid=pid: ${1:-?} ${2:-?})"

out=$(DRIVE='wait:ready
ctrl-c' drive "$SRT" -s "$S" sh -c 'echo ready; sleep 20; echo not-interrupted')
like "$out" "EXIT 130" "^C interrupts the command (128+SIGINT)"
unlike "$out" "not-interrupted" "the command did not run on after ^C"

out=$(DRIVE='wait:ready
kill:TERM' drive "$SRT" -s "$S" sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done')
like "$out" "got-term" "SIGTERM to srt reaches a command that leads its own session (pty mode)"
like "$out" "EXIT 9" "and srt exits with the command's status"

out=$(DRIVE='wait:$ 
winch:40x120
send:stty size\r
wait:120
send:exit\r' drive "$SRT" -s "$S" bash --norc --noprofile -i)
like "$out" "40 120" "a window size change reaches the command"

# TIOCSTI from inside: refused; the byte must not show up as input anywhere
out=$(DRIVE='wait:EXIT' drive "$SRT" -s "$S" sh -c "$SRT_PROBE tiocsti; $SRT_PROBE tiocsti-highbits; $SRT_PROBE tioclinux; read -t 1 -n 1 x && echo GOT-INPUT:\$x; echo done")
like "$out" "EPERM
EPERM
EPERM" "TIOCSTI, TIOCSTI with high bits and TIOCLINUX are refused (EPERM)"
unlike "$out" "GOT-INPUT" "nothing was injected into the terminal input"

# not a terminal: plain pipes, no pty in between
out=$(echo piped | "$SRT" -s "$S" sh -c 'cat; [ -t 0 ] && echo tty || echo notty')
is "$out" "piped
notty" "without a terminal the command reads the caller's pipe directly"
done_testing
