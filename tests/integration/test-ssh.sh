#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ssh and git over ssh from inside the sandbox, through srt's SOCKS5 proxy, with srt-connect as
# ssh's ProxyCommand (no socat, no nc). A real OpenSSH sshd runs as the current user (root or
# not) on the host's loopback; the sandbox reaches it only through the proxy, by the name
# "localhost", which the settings allow.
#
# Environment: as libtest.sh, plus SRT_CONNECT (default: srt-connect next to the CLI's build
# directory, "$(dirname "$SRT")/../connect/srt-connect").
. "$(dirname "$0")/libtest.sh"
require_sandbox

SRT_CONNECT=${SRT_CONNECT:-$(dirname "$SRT")/../connect/srt-connect}
[ -x "$SRT_CONNECT" ] || skip_all "srt-connect not found at $SRT_CONNECT (set SRT_CONNECT)"
SRT_CONNECT=$(readlink -f "$SRT_CONNECT")
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || SSHD=$(command -v sshd) || skip_all "sshd (openssh-server) not installed"
for tool in ssh ssh-keygen git; do
	command -v "$tool" >/dev/null || skip_all "$tool not installed"
done
cd "$T/proj" || exit 1

ME=$(id -un)
K=$T/ssh
mkdir -p "$K" "$T/work" "$T/srv"
chmod 700 "$K"
ssh-keygen -q -t ed25519 -N '' -C srt-test-host -f "$K/host" >/dev/null || exit 1
ssh-keygen -q -t ed25519 -N '' -C srt-test-client -f "$K/client" >/dev/null || exit 1
cp "$K/client.pub" "$K/authorized_keys"

# sshd refuses to start as root without its privilege-separation directory. It is left in place
# (it is what the openssh-server service creates; another sshd may be using it by then).
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
	mkdir -p -m 755 /run/sshd
fi

cat >"$K/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $K/host
PidFile $K/sshd.pid
AuthorizedKeysFile $K/authorized_keys
AllowUsers $ME
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PrintMotd no
LogLevel VERBOSE
EOF

sshd_pid=
stop_sshd() {
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null
		wait "$sshd_pid" 2>/dev/null
	fi
	[ -n "${echo_pid:-}" ] && kill "$echo_pid" 2>/dev/null
	cleanup
}
trap stop_sshd EXIT

# A free port: try random ones until sshd says it listens (it exits when the bind fails).
PORT=
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 40000))
	"$SSHD" -D -e -f "$K/sshd_config" -p "$p" 2>"$K/sshd.log" &
	sshd_pid=$!
	for _ in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $p" "$K/sshd.log" && PORT=$p && break
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$PORT" ] && break
	kill "$sshd_pid" 2>/dev/null
	wait "$sshd_pid" 2>/dev/null
	sshd_pid=
done
if [ -z "$PORT" ]; then
	echo "1..1"
	echo "not ok 1 - sshd did not start"
	sed 's/^/#   /' "$K/sshd.log"
	exit 1
fi

# The repository: a bare one with a commit pushed to it, with a blob large enough to exercise
# back-pressure in both the proxy and srt-connect.
git init -q --bare -b main "$T/srv/repo.git"
git init -q -b main "$T/seed"
echo "hello over ssh" >"$T/seed/README"
head -c 3000000 /dev/urandom >"$T/seed/big.bin"
git -C "$T/seed" add README big.bin
git -C "$T/seed" -c user.name=srt -c user.email=srt@example.invalid commit -q -m "first commit"
git -C "$T/seed" push -q "$T/srv/repo.git" main
COMMIT=$(git -C "$T/seed" rev-parse HEAD)

S=$T/net.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["%s"],"denyWrite":[]}}\n' \
	"$T/work" >"$S"

# Options every ssh below uses: this test's key and known-hosts file, no user configuration
# (-F none), never a prompt.
SSH_OPTS=(-F none -i "$K/client" -o "UserKnownHostsFile=$T/work/known_hosts"
	-o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 -p "$PORT")
# What srt sets, plus the options above.
GSC="ssh -o ProxyCommand='$SRT_CONNECT %h %p' -F none -i $K/client"
GSC+=" -o UserKnownHostsFile=$T/work/known_hosts -o StrictHostKeyChecking=no -o BatchMode=yes"
GSC+=" -p $PORT"

show_log() { # on failure: what ssh and sshd said
	printf '#   srt/ssh stderr: %s\n' "$ERR" | head -20
	tail -n 15 "$K/sshd.log" | sed 's/^/#   sshd: /'
}

# git clone over ssh://, inside the sandbox. GIT_SSH_COMMAND is set inside (env), so the test's
# value is the one used whatever srt puts into the environment.
srt_run -s "$S" -- env GIT_SSH_COMMAND="$GSC" \
	git clone -q "ssh://$ME@localhost:$PORT$T/srv/repo.git" "$T/work/clone"
is "$RC" 0 "git clone ssh://$ME@localhost:PORT/... through srt-connect works"
[ "$RC" -eq 0 ] || show_log
is "$(git -C "$T/work/clone" rev-parse HEAD 2>/dev/null)" "$COMMIT" "the clone has the pushed commit"
cmp -s "$T/seed/big.bin" "$T/work/clone/big.bin"
ok $? "the 3 MB blob arrived intact"

# The GIT_SSH_COMMAND srt itself puts into the sandbox, when it does, with only this test's key
# and known-hosts options appended.
srt_run -s "$S" -- sh -c '[ -n "${GIT_SSH_COMMAND:-}" ] || exit 99
GIT_SSH_COMMAND="$GIT_SSH_COMMAND $0" exec git clone -q "$1" "$2"' \
	"-F none -i $K/client -o UserKnownHostsFile=$T/work/known_hosts -o StrictHostKeyChecking=no -o BatchMode=yes" \
	"ssh://$ME@localhost:$PORT$T/srv/repo.git" "$T/work/clone2"
if [ "$RC" -eq 99 ]; then
	ok 0 "git clone with srt's own GIT_SSH_COMMAND # SKIP srt does not set GIT_SSH_COMMAND"
else
	is "$RC" 0 "git clone with srt's own GIT_SSH_COMMAND works"
	[ "$RC" -eq 0 ] || show_log
fi

# plain ssh
srt_run -s "$S" -- ssh -o "ProxyCommand=$SRT_CONNECT %h %p" "${SSH_OPTS[@]}" "$ME@localhost" true
is "$RC" 0 "ssh -o ProxyCommand='srt-connect %h %p' $ME@localhost true: status 0"
[ "$RC" -eq 0 ] || show_log
srt_run -s "$S" -- ssh -o "ProxyCommand=$SRT_CONNECT %h %p" "${SSH_OPTS[@]}" "$ME@localhost" \
	'echo "remote says $((6 * 7))"'
is "$OUT" "remote says 42" "a remote command's output comes back"
head -c 1000000 /dev/urandom >"$T/upload.bin"
want=$(sha256sum <"$T/upload.bin" | cut -d' ' -f1)
srt_run -s "$S" -- ssh -o "ProxyCommand=$SRT_CONNECT %h %p" "${SSH_OPTS[@]}" "$ME@localhost" \
	'sha256sum | cut -d" " -f1' <"$T/upload.bin"
is "$OUT" "$want" "1 MB sent on ssh's stdin arrives intact"

# Denials and failures: fast, clear, status 1.
start=$(date +%s%N)
srt_run -s "$S" -- "$SRT_CONNECT" denied.invalid 22 </dev/null
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
is "$RC" 1 "a host not on the allow list: status 1"
# (first line: srt may add its own summary of refused connections after the command)
is "${ERR%%$'\n'*}" "srt-connect: proxy refused denied.invalid:22: connection not allowed by ruleset (sandbox network policy)" \
	"a host not on the allow list: the clear message"
[ "$elapsed_ms" -lt 5000 ]
ok $? "a host not on the allow list: fails fast (${elapsed_ms} ms)"
srt_run -s "$S" -- "$SRT_CONNECT" 127.0.0.1 "$PORT" </dev/null
is "${ERR%%$'\n'*}" "srt-connect: proxy refused 127.0.0.1:$PORT: connection not allowed by ruleset (sandbox network policy)" \
	"an IPv4 literal goes as an address and loopback is refused by the policy"
srt_run -s "$S" -- "$SRT_CONNECT" ::1 "$PORT" </dev/null
is "${ERR%%$'\n'*}" "srt-connect: proxy refused [::1]:$PORT: connection not allowed by ruleset (sandbox network policy)" \
	"an IPv6 literal likewise"
srt_run -s "$S" -- ssh -o "ProxyCommand=$SRT_CONNECT %h %p" "${SSH_OPTS[@]}" "$ME@denied.invalid" true
is "$RC" 255 "ssh to a denied host: ssh fails (255)"
like "$ERR" "srt-connect: proxy refused denied.invalid:$PORT: connection not allowed by ruleset" \
	"ssh to a denied host: srt-connect's message reaches the user"

# Without the ProxyCommand, ssh dials the sandbox's own loopback, where nothing listens.
srt_run -s "$S" -- ssh "${SSH_OPTS[@]}" "$ME@localhost" true
is "$RC" 255 "ssh without the ProxyCommand fails (the sandbox's loopback is its own)"
# Landlock refuses the connect (only the proxy ports) before the empty loopback would
if landlock_applies "$S" "TCP bind/connect"; then refused="Permission denied"; else refused="Connection refused"; fi
like "$ERR" "$refused" "ssh without the ProxyCommand: refused at once"

# Without allowedDomains there is no proxy at all.
settings "$T/none.json" '{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
srt_run -s "$T/none.json" -- "$SRT_CONNECT" localhost "$PORT" </dev/null
is "$RC" 1 "no network configured: status 1"
if landlock_applies "$T/none.json" "TCP bind/connect"; then refused="Permission denied"; else refused="Connection refused"; fi
like "$ERR" "srt-connect: cannot reach the SOCKS5 proxy at 127.0.0.1:1080: $refused" \
	"no network configured: says the proxy is not there"

# Argument checks (no proxy needed).
OUT=$("$SRT_CONNECT" example.com 0 2>&1 </dev/null)
is "$?:$OUT" "1:srt-connect: invalid port: expected a decimal number from 1 to 65535" "port 0 refused"
OUT=$("$SRT_CONNECT" example.com 65536 2>&1 </dev/null)
is "$?:$OUT" "1:srt-connect: invalid port: expected a decimal number from 1 to 65535" "port 65536 refused"
OUT=$("$SRT_CONNECT" example.com 22x 2>&1 </dev/null)
is "$?" 1 "port 22x refused"
OUT=$("$SRT_CONNECT" "$(printf 'a\nb')" 22 2>&1 </dev/null)
is "$?:$OUT" "1:srt-connect: invalid host: control character or white space (byte 0x0a at offset 1)" \
	"a host with a newline refused"
OUT=$("$SRT_CONNECT" "$(printf 'a%.0s' $(seq 256))" 22 2>&1 </dev/null)
is "$?:$OUT" "1:srt-connect: invalid host: it must be 1 to 255 bytes long (got 256)" \
	"a 256-byte host refused"
OUT=$("$SRT_CONNECT" --proxy localhost:1080 example.com 22 2>&1 </dev/null)
is "$?" 1 "--proxy with a name refused (addresses only)"

# Half-close on a raw TCP service: srt-connect sends stdin, shuts down its sending side at EOF
# and keeps reading the answer, which the server writes only after that EOF.
if command -v python3 >/dev/null; then
	python3 - >"$T/echo.port" 2>/dev/null <<'PY' &
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
print(s.getsockname()[1], flush=True)
s.settimeout(60)
for _ in range(2):
    c, _ = s.accept()
    c.settimeout(30)
    data = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
    if data.startswith(b"send "):
        c.sendall(b"x" * int(data[5:]))
    else:
        c.sendall(b"got %d bytes\n" % len(data))
    c.close()
PY
	echo_pid=$!
	for _ in $(seq 100); do [ -s "$T/echo.port" ] && break; sleep 0.05; done
	EP=$(cat "$T/echo.port")
	srt_run -s "$S" -- sh -c 'head -c 2000000 /dev/zero | "$0" localhost "$1"' "$SRT_CONNECT" "$EP"
	is "$OUT" "got 2000000 bytes" "half-close: 2 MB up, EOF passed on, the answer still read"
	srt_run -s "$S" -- sh -c 'printf "send 3000000" | "$0" localhost "$1" | wc -c' \
		"$SRT_CONNECT" "$EP"
	is "$OUT" 3000000 "3 MB down into a pipe after the upload's EOF"
	wait "$echo_pid" 2>/dev/null
	echo_pid=
else
	ok 0 "half-close # SKIP python3 not installed"
fi
done_testing
