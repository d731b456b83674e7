#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 7): the caller leaks descriptors into srt (a directory of a denied tree,
# a connected TCP socket to a host service, a listening socket, a connected AF_UNIX socket);
# the command uses them (openat on the directory, send on the sockets, accept) to read denied
# files or reach services that the policy forbids.
# Checks: only 0, 1 and 2 reach the command (and bubblewrap's pid 1 holds no other leaked
# one); the host service receives nothing.
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null || skip_all "python3 needed"

mkdir -p "$HOME/.ssh" && echo key >"$HOME/.ssh/id_test"
SF=$T/fds.json
settings "$SF" "{\"denyRead\":[\"$HOME/.ssh\"],\"allowWrite\":[\".\"],\"denyWrite\":[]}"
OUT=$(python3 - "$SRT" "$SF" "$HOME/.ssh" "$T/unix.sock" "$T/got" <<'PY'
import os, socket, subprocess, sys, threading
srt, s, ssh, upath, got = sys.argv[1:]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(8)
tcp = socket.create_connection(ls.getsockname())
peer, _ = ls.accept()
us = socket.socket(socket.AF_UNIX); us.bind(upath); us.listen(8)
uc = socket.socket(socket.AF_UNIX); uc.connect(upath)
upeer, _ = us.accept()
d = os.open(ssh, os.O_RDONLY | os.O_DIRECTORY)
fds = [d, tcp.fileno(), ls.fileno(), uc.fileno(), us.fileno()]
script = ("ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; ls /proc/1/fd | sort -n | tr '\\n' ' '; echo; "
          + "; ".join(f"echo x >&{n} 2>/dev/null && echo wrote{n}" for n in fds)
          + f"; cat /proc/self/fd/{d}/id_test 2>/dev/null && echo readkey")
r = subprocess.run([srt, "-s", s, "--", "/bin/sh", "-c", script], pass_fds=fds,
                   capture_output=True, text=True)
peer.settimeout(0.3); upeer.settimeout(0.3)
data = b""
for p in (peer, upeer):
    try: data += p.recv(100)
    except OSError: pass
open(got, "wb").write(data)
print(r.stdout.replace("\n", "|"))
PY
)
IFS='|' read -r self pid1 rest <<<"$OUT"
is "$self" "0 1 2 3 " "the command has only 0, 1, 2 (3 is ls's own directory)"
# (the eventfd's number depends on how many descriptors srt handed bubblewrap)
[[ "$pid1" =~ ^"0 1 2 "[0-9]+" "$ ]]
ok $? "bubblewrap's pid 1 has stdio and its eventfd only ($pid1)"
unlike "$rest" wrote "no leaked descriptor number is writable inside"
unlike "$rest" readkey "the leaked directory descriptor does not open the denied tree"
is "$(cat "$T/got")" "" "the host TCP and unix peers received nothing"
done_testing
