#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 31-33, 36, 38 and own ideas): reach a host loopback service that the
# policy does not allow (only the name "localhost" is allowed, never its addresses) through
# another spelling or a parser corner: 0.0.0.0 and [::] (which Linux dials as loopback), numeric
# and mapped spellings, names ending in ".localhost" or "localhost.", CR/LF injected into the
# CONNECT authority, a 10 KB CONNECT line, SOCKS5 BIND and UDP ASSOCIATE, an empty SOCKS5 name,
# an IPv4-mapped IPv6 address in ATYP 4, an Upgrade to a denied host on plain HTTP.
# Checks: each is refused, and the host service (a listener on 127.0.0.1 that records every
# connection) was never connected to.
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null || skip_all "python3 needed"
RAW=${SRT_TESTS_DIR:?}/servers/raw-client.py

cat >"$T/sink.py" <<'PY'
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(90)
with open(sys.argv[2], "ab", buffering=0) as log:
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            break
        log.write(b"connection\n"); c.close()
PY
python3 "$T/sink.py" "$T/port" "$T/hits" &
sink=$!
trap 'kill $sink 2>/dev/null; cleanup' EXIT
wait_for "$T/port"
P=$(cat "$T/port")
ph=$(printf '\\x%02x\\x%02x' $((P >> 8)) $((P & 255)))
SN=$T/net.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$SN"
raw() { srt_run -s "$SN" python3 "$RAW" 127.0.0.1 "$1" "${@:2}"; }
socks() { srt_run -s "$SN" sh -c 'python3 "$1" 127.0.0.1 1080 "$2" | od -An -tx1 | tr -d " \n" | cut -c1-8' sh "$RAW" "$1"; }

for h in 0.0.0.0 127.1 2130706433 0x7f.1 0177.0.0.1 127.0.0.1. "[::]" "[::1]" "[::ffff:127.0.0.1]" \
	"[::ffff:7f00:1]" "[64:ff9b::7f00:1]" "[::1%25lo]" a.localhost localhost.evil.test \
	"localhost%00.x" "LOCALHOST%2e"; do
	raw 3128 "CONNECT $h:$P HTTP/1.1\r\nHost: $h:$P\r\n\r\n"
	unlike "$OUT" "HTTP/1.1 200" "CONNECT $h:$P is not a tunnel to the host's loopback"
done
raw 3128 "CONNECT localhost:$P\r\nX: 1 HTTP/1.1\r\n\r\n"
unlike "$OUT" "HTTP/1.1 200" "CR/LF inside the CONNECT line"
raw 3128 "CONNECT 127.0.0.1:$P HTTP/1.1\r\nHost: localhost:$P\r\n\r\n"
unlike "$OUT" "HTTP/1.1 200" "CONNECT to a denied address with an allowed Host field"
raw 3128 "CONNECT $(head -c 10000 /dev/zero | tr '\0' a).localhost:$P HTTP/1.1\r\n\r\n"
unlike "$OUT" "HTTP/1.1 200" "a 10 KB CONNECT authority"
raw 3128 "GET http://127.0.0.1:$P/ HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
like "$OUT" "HTTP/1.1 403" "Upgrade: websocket to a denied address on plain HTTP: 403"
raw 3128 "GET http://0.0.0.0:$P/ HTTP/1.1\r\nHost: 0.0.0.0:$P\r\n\r\n"
like "$OUT" "HTTP/1.1 403" "plain HTTP to 0.0.0.0: 403"

socks "\x05\x01\x00\x05\x02\x00\x01\x7f\x00\x00\x01$ph"
is "$OUT" 05000507 "SOCKS5 BIND: command not supported"
socks "\x05\x01\x00\x05\x03\x00\x01\x7f\x00\x00\x01$ph"
is "$OUT" 05000507 "SOCKS5 UDP ASSOCIATE: command not supported"
socks "\x05\x01\x00\x05\x01\x00\x03\x00$ph"
is "$OUT" 05000502 "SOCKS5 empty name: refused"
socks "\x05\x01\x00\x05\x01\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x7f\x00\x00\x01$ph"
is "$OUT" 05000502 "SOCKS5 ATYP 4 ::ffff:127.0.0.1 (IPv4-mapped): refused"
socks "\x05\x01\x00\x05\x01\x00\x01\x00\x00\x00\x00$ph"
is "$OUT" 05000502 "SOCKS5 ATYP 1 0.0.0.0: refused"
socks "\x05\x01\x00\x05\x01\x00\x03\x0ba.localhost$ph"
is "$OUT" 05000502 "SOCKS5 a.localhost (not on the list): refused"

sleep 0.2
is "$(cat "$T/hits" 2>/dev/null)" "" "the host service was never connected to"
srt_run -s "$SN" python3 "$RAW" 127.0.0.1 3128 "CONNECT localhost:$P HTTP/1.1\r\nHost: localhost:$P\r\n\r\n"
like "$OUT" "HTTP/1.1 200" "control: the allowed name reaches the service"
sleep 0.2
is "$(cat "$T/hits" 2>/dev/null)" connection "... and the service saw that one connection (the check is live)"
kill $sink 2>/dev/null
done_testing
