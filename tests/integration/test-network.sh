#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The network path (issue 3, first increment): with allowedDomains, the command runs in a network
# namespace of srt's own with only loopback, where srt's proxies listen (HTTP CONNECT on 3128,
# SOCKS5 on 1080). Real clients inside, a real HTTP server on the host's loopback.
. "$(dirname "$0")/libtest.sh"
require_sandbox
command -v curl >/dev/null || skip_all "curl needed"
command -v python3 >/dev/null || skip_all "python3 needed"
cd "$T/proj" || exit 1

mkdir -p "$T/www"
echo hello-from-host >"$T/www/file.txt"
python3 - "$T/www" >"$T/port" 2>/dev/null <<'PY' &
import http.server, socketserver, sys, os, functools
os.chdir(sys.argv[1])
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
h.log_message = lambda *a: None
with socketserver.TCPServer(("127.0.0.1", 0), h) as s:
    print(s.server_address[1], flush=True)
    s.timeout = 30
    for _ in range(60):
        s.handle_request()
PY
server=$!
trap 'kill $server 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port")

S=$T/net.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$S"

srt_run -s "$S" sh -c 'echo "$HTTP_PROXY $ALL_PROXY $NO_PROXY $NODE_USE_ENV_PROXY"'
is "$OUT" "http://localhost:3128 socks5h://localhost:1080 localhost,127.0.0.1,::1 1" \
	"the proxy environment is set"

# NO_PROXY lists localhost (the sandbox's own loopback), so these clients are told explicitly
# to use the proxy to reach the host's loopback service, which the policy allows by name.
srt_run -s "$S" curl -s --max-time 10 --noproxy '' -p -x http://localhost:3128 "http://localhost:$PORT/file.txt"
is "$OUT" hello-from-host "HTTP CONNECT through srt's proxy to an allowed host"
srt_run -s "$S" curl -s --max-time 10 --noproxy '' --socks5-hostname localhost:1080 "http://localhost:$PORT/file.txt"
is "$OUT" hello-from-host "SOCKS5 (proxy-side resolution) to an allowed host"

srt_run -s "$S" curl -s --max-time 10 --noproxy '' -p -x http://localhost:3128 http://denied.invalid/
is "$RC" 56 "a host not on the allow list: the CONNECT is refused (curl 56)"
OUT=$("$SRT" -s "$S" python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
s.sendall(b"CONNECT denied.invalid:443 HTTP/1.1\r\nHost: denied.invalid:443\r\n\r\n")
data = b""
while True:
    d = s.recv(4096)
    if not d: break
    data += d
print(repr(data))' 2>/dev/null)
is "$OUT" "b'HTTP/1.1 403 Forbidden\\r\\nContent-Type: text/plain\\r\\nX-Proxy-Error: blocked-by-allowlist\\r\\n\\r\\nConnection blocked by network allowlist'" \
	"the denial is the reference's exact 403"

srt_run -s "$S" curl -s --max-time 10 --noproxy '' -p -x http://localhost:3128 "http://127.0.0.2:$PORT/file.txt"
is "$RC" 56 "an address that is not allowed (127.0.0.2): refused"

# direct connections go nowhere, at once
srt_run -s "$S" curl -s --max-time 5 --noproxy '*' "http://127.0.0.1:$PORT/file.txt"
is "$RC" 7 "a direct connection to the host's loopback service fails (the sandbox's loopback is its own)"
srt_run -s "$S" "$SRT_PROBE" socket-unix
is "$OUT" EPERM "the seccomp filter still applies with the network on"
srt_run -s "$S" python3 -c '
import socket, errno
s = socket.socket(); s.settimeout(5)
try:
    s.connect(("192.0.2.1", 80)); print("connected")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))'
# Landlock (TCP connect only to the proxy ports) refuses before routing does
if landlock_applies "$S" "TCP bind/connect"; then tcp_refused=EACCES; else tcp_refused=ENETUNREACH; fi
is "$OUT" $tcp_refused "anything beyond loopback: unreachable at once"

# everything that is not the proxy fails at once, never hangs
srt_run -s "$S" python3 -c '
import errno, socket, time
def err(f):
    t = time.monotonic()
    try:
        f(); r = "ok"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__
    return "%s:%s" % (r, "fast" if time.monotonic() - t < 2 else "slow")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
print(err(lambda: u.sendto(b"x", ("192.0.2.1", 53))),
      err(lambda: u6.sendto(b"x", ("2001:db8::1", 53))),
      err(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)),
      err(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW)),
      err(lambda: socket.create_connection(("2001:db8::1", 443), timeout=5)))'
is "$OUT" "ENETUNREACH:fast ENETUNREACH:fast EPERM:fast EPERM:fast $tcp_refused:fast" \
	"UDP (v4, v6), raw and packet sockets, direct TCP over IPv6: refused at once"
srt_run -s "$S" python3 -c '
import socket, time
t = time.monotonic()
try:
    socket.getaddrinfo("example.com", 443); r = "resolved"
except socket.gaierror: r = "failed"
print(r, "fast" if time.monotonic() - t < 5 else "slow")'
is "$OUT" "failed fast" "a DNS lookup from inside fails (no resolver reachable), without hanging"

# --- allowLocalBinding: on Linux, binding is private to the sandbox's network namespace -------
# (srt-settings(5)): a server inside can listen and be reached from inside, the host cannot
# reach it, and it cannot listen on the host's addresses.
SB=$T/bind.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[],"allowLocalBinding":true},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$SB"
srt_run -s "$SB" python3 -c '
import socket, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
port = s.getsockname()[1]
threading.Thread(target=lambda: s.accept()[0].sendall(b"inside"), daemon=True).start()
c = socket.create_connection(("127.0.0.1", port), timeout=5)
print(c.recv(10).decode())
open("/dev/stderr", "w").write(str(port))'
is "$OUT" inside "a server inside the sandbox serves a client inside it"
inner_port=$ERR
python3 -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2); print("reached")
except OSError: print("unreachable")' "${inner_port:-1}" >"$T/reach" 2>/dev/null
host_ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')
if [ -n "$host_ip" ]; then
	srt_run -s "$SB" python3 -c '
import socket, sys, errno
s = socket.socket()
try:
    s.bind((sys.argv[1], 0)); print("bound")
except OSError as e: print(errno.errorcode[e.errno])' "$host_ip"
	is "$OUT" EADDRNOTAVAIL "the host's own address ($host_ip) cannot be bound inside"
else
	ok 0 "the host's own address cannot be bound inside # SKIP no global IPv4 address here"
fi
python3 - "$T/busy" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(20)
PY
busy=$!
for _ in $(seq 100); do [ -s "$T/busy" ] && break; sleep 0.05; done
srt_run -s "$SB" python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("bound")' "$(cat "$T/busy")"
is "$OUT" bound "a port the host already uses is free inside (separate loopback)"
kill $busy 2>/dev/null
is "$(cat "$T/reach")" unreachable "the host cannot connect to a port the sandbox listens on"

# --- bring-your-own proxy (httpProxyPort): the sandbox's 3128 relays to it, unfiltered by srt --
python3 - "$T/ext" <<'PY' &
import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(4096)
        if not d: return
        data += d
    line = data.split(b"\r\n")[0]
    body = b"external proxy saw: " + line
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    c.close()
for _ in range(5):
    c, _a = s.accept()
    threading.Thread(target=serve, args=(c,)).start()
PY
ext=$!
for _ in $(seq 100); do [ -s "$T/ext" ] && break; sleep 0.05; done
SX=$T/ext.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[],"httpProxyPort":%s},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' "$(cat "$T/ext")" >"$SX"
srt_run -s "$SX" curl -s --max-time 10 --noproxy '' -x http://localhost:3128 http://not-on-any-list.example/x
is "$OUT" "external proxy saw: GET http://not-on-any-list.example/x HTTP/1.1" \
	"httpProxyPort: the request goes to the external proxy as sent (it does the filtering)"
srt_run -s "$SX" curl -s --max-time 10 --noproxy '' --socks5-hostname localhost:1080 http://denied.invalid/
is "$RC" 97 "httpProxyPort alone: SOCKS5 is still srt's own, with the policy"
kill $ext 2>/dev/null

# --- names resolved by the host: /etc/hosts entries the test installs in a mount namespace ------
# of its own (unshare -rm); srt resolves on the host side, so it sees them.
if unshare -rm true 2>/dev/null; then
	printf '127.0.0.1 evil.rebind.test\n127.0.0.1 good.rebind.test\n' >"$T/hosts"
	SR=$T/rebind.json
	printf '{"network":{"allowedDomains":["*.rebind.test"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$SR"
	# the mount needs root in a user namespace; srt then runs as the caller's uid again (a
	# nested namespace), so its state directory is the caller's own
	with_hosts() {
		unshare -rm sh -c 'h=$1 u=$2 g=$3; shift 3; mount --bind "$h" /etc/hosts &&
			exec unshare --map-user="$u" --map-group="$g" "$@"' \
			sh "$T/hosts" "$(id -u)" "$(id -g)" "$@"
	}
	OUT=$(with_hosts "$SRT" -s "$SR" curl -s --max-time 10 --noproxy '' -x http://localhost:3128 \
		"http://evil.rebind.test:$PORT/file.txt" 2>/dev/null)
	is "$OUT" "Connection blocked by network allowlist" \
		"an allowed name that resolves to loopback is refused (no rebinding to the host)"
	OUT=$(with_hosts "$SRT" -s "$SR" curl -s --max-time 10 --noproxy '' --socks5-hostname localhost:1080 \
		"http://evil.rebind.test:$PORT/file.txt" 2>&1)
	like "$OUT" "resolved to a loopback" "... through SOCKS5 too, and srt says why"
	printf '{"network":{"allowedDomains":["good.rebind.test","127.0.0.1"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$SR"
	OUT=$(with_hosts "$SRT" -s "$SR" curl -s --max-time 10 --noproxy '' -x http://localhost:3128 \
		"http://good.rebind.test:$PORT/file.txt" 2>/dev/null)
	is "$OUT" hello-from-host "a name resolving to an address that is explicitly allowed is dialled"
else
	for i in 1 2 3; do ok 0 "resolution through /etc/hosts # SKIP unshare -rm not possible"; done
fi

# srt raises its own descriptor limit for the proxy; the command keeps the caller's
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -gt 512 ]; then
	OUT=$(ulimit -Sn 512 && "$SRT" -s "$S" sh -c 'ulimit -Sn' 2>/dev/null)
	is "$OUT" 512 "the command starts with the caller's soft descriptor limit"
	(ulimit -Sn 512 && exec "$SRT" -s "$S" sleep 2) &
	sp=$!
	sleep 1
	srt_pid=$(pgrep -n -P "$sp" -x srt 2>/dev/null || echo "$sp")
	is "$(awk '/open files/ {print $4}' "/proc/$srt_pid/limits" 2>/dev/null)" "$hard" \
		"srt itself runs with the soft limit raised to the hard one ($hard) for the proxy"
	wait "$sp"
else
	ok 0 "descriptor limits # SKIP hard limit $hard"
	ok 0 "descriptor limits # SKIP hard limit $hard"
fi

# without allowedDomains: no proxy, no listeners
settings "$T/none.json" '{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
srt_run -s "$T/none.json" curl -s --max-time 5 --noproxy '' -p -x http://localhost:3128 "http://localhost:$PORT/file.txt"
is "$RC" 7 "with allowedDomains empty there is no proxy at all"
done_testing
