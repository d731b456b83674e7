#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attacks on what travels inside an allowed tunnel (field notes: Host/CONNECT/SNI mismatches,
# proxy chaining), and the proxy as its own target:
#  1. CONNECT to an allowed name, then a TLS ClientHello whose SNI names a denied host
#     (domain fronting). Documented (threat-model.md, Network): srt decides on the CONNECT
#     target only and relays the tunnel's bytes unread, so the bytes reach the allowed host,
#     and only it: srt never connects to or resolves the SNI name.
#  2. An allowed host that is itself a proxy: the command asks it to go on to a host the
#     policy denies. Documented: by design, srt decides on the first hop only; the chained
#     connection is the allowed host's doing.
#  3. CONNECT through srt's proxy to srt's proxy itself (127.0.0.1:3128), to loop or to reach
#     its listener as another client: refused (a loopback address not on the list).
# Every service is a listener of the test's on the host's loopback that records connections.
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null || skip_all "python3 needed"
RAW=${SRT_TESTS_DIR:?}/servers/raw-client.py

cat >"$T/services.py" <<'PY'
# A recording sink (port in $T/sink.port, bytes in $T/sink.log) and a tiny forward proxy that
# obeys "CONNECT host:port" by connecting to 127.0.0.1:port (port in $T/chain.port).
import socket, sys, threading, os
T = sys.argv[1]
def listener(name):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
    open(os.path.join(T, name + ".port.tmp"), "w").write(str(s.getsockname()[1]))
    os.rename(os.path.join(T, name + ".port.tmp"), os.path.join(T, name + ".port"))
    return s
def sink(s):
    while True:
        c, _ = s.accept()
        c.settimeout(5)
        data = b""
        try:
            while len(data) < 65536:
                d = c.recv(4096)
                if not d:
                    break
                data += d
                if b"END" in data:
                    break
        except OSError:
            pass
        with open(os.path.join(T, "sink.log"), "ab") as f:
            f.write(b"connection: " + data + b"\n")
        c.sendall(b"sink-reply\n"); c.close()
def chain(s):
    while True:
        c, _ = s.accept()
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            d = c.recv(1)
            if not d:
                break
            head += d
        port = int(head.split(b" ")[1].rsplit(b":", 1)[1])
        with open(os.path.join(T, "chain.log"), "ab") as f:
            f.write(head.split(b"\r\n")[0] + b"\n")
        up = socket.create_connection(("127.0.0.1", port))
        c.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        def pump(a, b):
            try:
                while True:
                    d = a.recv(4096)
                    if not d:
                        break
                    b.sendall(d)
                b.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        threading.Thread(target=pump, args=(c, up), daemon=True).start()
        pump(up, c); c.close()
a, b = listener("sink"), listener("chain")
threading.Thread(target=sink, args=(a,), daemon=True).start()
threading.Thread(target=chain, args=(b,), daemon=True).start()
threading.Event().wait(120)
PY
python3 "$T/services.py" "$T" &
svc=$!
trap 'kill $svc 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -s "$T/chain.port" ] && [ -s "$T/sink.port" ] && break; sleep 0.05; done
SP=$(cat "$T/sink.port")
CP=$(cat "$T/chain.port")
SN=$T/net.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$SN"

# 1. a ClientHello naming denied.example inside a tunnel to the allowed name
hello=$(python3 - <<'PY'
import struct
sni = b"denied.example"
ext = struct.pack(">HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
body = b"\x03\x03" + b"\x00" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + struct.pack(">H", len(ext)) + ext
hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
rec = b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs
print("".join("\\x%02x" % c for c in rec + b"END"))
PY
)
srt_run -s "$SN" python3 "$RAW" 127.0.0.1 3128 "CONNECT localhost:$SP HTTP/1.1\r\nHost: localhost:$SP\r\n\r\n" "$hello"
like "$OUT" "HTTP/1.1 200" "1. the tunnel to the allowed name is made"
like "$OUT" "sink-reply" "1. documented: the ClientHello naming a denied host is relayed unread"
grep -qa "denied.example" "$T/sink.log"
ok $? "1. ... to the allowed host, which received the SNI bytes (no other destination)"
is "$(grep -c '^connection' "$T/sink.log")" 1 "1. one connection, to the CONNECT target only"

# 2. chaining through an allowed host that is a proxy, on to the sink (which stands for a denied host)
: >"$T/sink.log"
srt_run -s "$SN" python3 "$RAW" 127.0.0.1 3128 "CONNECT localhost:$CP HTTP/1.1\r\nHost: localhost:$CP\r\n\r\n" \
	"CONNECT denied.example:$SP HTTP/1.1\r\n\r\n" "chained-bytes END"
like "$OUT" "sink-reply" "2. documented: a chained proxy behind an allowed name goes on (first hop only)"
like "$(cat "$T/chain.log")" "CONNECT denied.example:$SP" "2. the second hop was the allowed host's doing"
srt_run -s "$SN" python3 "$RAW" 127.0.0.1 3128 "CONNECT denied.example:$SP HTTP/1.1\r\n\r\n"
like "$OUT" "HTTP/1.1 403" "2. the same target directly through srt: 403"

# 3. srt's proxy as the target of its own CONNECT
: >"$T/sink.log"
for target in 127.0.0.1:3128 localhost:3128 "[::1]:3128" 127.0.0.1:1080; do
	srt_run -s "$SN" python3 "$RAW" 127.0.0.1 3128 "CONNECT $target HTTP/1.1\r\nHost: $target\r\n\r\n" \
		"CONNECT localhost:$SP HTTP/1.1\r\n\r\n"
	unlike "$OUT" "sink-reply" "3. CONNECT $target (srt's own ports) does not loop into a proxy"
done
is "$(cat "$T/sink.log")" "" "3. the sink was never reached through a loop"
done_testing
