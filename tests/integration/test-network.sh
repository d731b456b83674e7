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
    for _ in range(20):
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
print(repr(data))' 2>&1)
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
is "$OUT" ENETUNREACH "anything beyond loopback: unreachable at once"

# without allowedDomains: no proxy, no listeners
settings "$T/none.json" '{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
srt_run -s "$T/none.json" curl -s --max-time 5 --noproxy '' -p -x http://localhost:3128 "http://localhost:$PORT/file.txt"
is "$RC" 7 "with allowedDomains empty there is no proxy at all"
done_testing
