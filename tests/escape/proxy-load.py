#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""proxy-load.py PORT DIR [N [PROCS]]: the hostile client of test-proxy-load.sh, run inside the
sandbox. It opens N connections (default 10,000, spread over PROCS processes) to srt's proxies
and leaves them hanging in every way a request head can hang: nothing sent, a slowloris head
(one more byte now and then), a half SOCKS5 greeting, a head over 16 KiB, malformed heads,
random bytes, a SOCKS5 request with a 255-byte name cut short. While they are open, a
well-behaved client makes requests (absolute-form HTTP, CONNECT, SOCKS5) to the allowed
server on localhost:PORT. Then everything is closed and the well-behaved client goes again.

Phases are files in DIR: it writes phaseK and waits for ackK, so the host side can measure the
srt process (descriptors, RSS) at each point: 0 before, 1 under load, 2 after.
Output: one line per well-behaved round, "good<K>=<results>", results "ok" for each request.
"""
import os
import random
import socket
import sys
import time
import resource

port = int(sys.argv[1])
d = sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
PROCS = int(sys.argv[4]) if len(sys.argv) > 4 else 1
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
rnd = random.Random(6)


def phase(n):
    open(os.path.join(d, "phase%d" % n), "w").write("x")
    for _ in range(12000):
        if os.path.exists(os.path.join(d, "ack%d" % n)):
            return
        time.sleep(0.01)
    sys.exit("no ack for phase %d" % n)


def recv_all(s, limit=1 << 20):
    data = b""
    while len(data) < limit:
        try:
            b = s.recv(65536)
        except OSError:
            break
        if not b:
            break
        data += b
    return data


def recv_until(s, marker):
    data = b""
    while marker not in data:
        b = s.recv(4096)
        if not b:
            break
        data += b
    return data


def one(kind):
    try:
        if kind == "http":
            s = socket.create_connection(("127.0.0.1", 3128), timeout=60)
            s.sendall(b"GET http://localhost:%d/file.txt HTTP/1.1\r\nHost: localhost:%d\r\n"
                      b"Connection: close\r\n\r\n" % (port, port))
            data = recv_all(s)
        elif kind == "connect":
            s = socket.create_connection(("127.0.0.1", 3128), timeout=60)
            s.sendall(b"CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % (port, port))
            head = recv_until(s, b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                return "connect:" + repr(head[:40])
            s.sendall(b"GET /file.txt HTTP/1.0\r\n\r\n")
            data = recv_all(s)
        else:
            s = socket.create_connection(("127.0.0.1", 1080), timeout=60)
            s.sendall(b"\x05\x01\x00")
            if s.recv(2) != b"\x05\x00":
                return "socks:greeting"
            s.sendall(b"\x05\x01\x00\x03\x09localhost" + port.to_bytes(2, "big"))
            rep = b""
            while len(rep) < 10:
                b = s.recv(10 - len(rep))
                if not b:
                    break
                rep += b
            if rep[:2] != b"\x05\x00":
                return "socks:" + rep.hex()
            s.sendall(b"GET /file.txt HTTP/1.0\r\n\r\n")
            data = recv_all(s)
        s.close()
        return "ok" if b"hello-from-host" in data else kind + ":" + repr(data[:40])
    except OSError as e:
        return "%s:%s" % (kind, e)


def good(k):
    print("good%d=%s" % (k, ",".join(one(x) for x in ("http", "connect", "socks"))), flush=True)


def hostile(n, seed):
    """Opens n hanging connections; returns them with what each still may send."""
    r = random.Random(seed)
    socks = []
    for i in range(n):
        k = i % 8
        try:
            s = socket.socket()
            s.settimeout(30)
            s.connect(("127.0.0.1", 1080 if k in (2, 7) else 3128))
            s.setblocking(False)
            if k == 1:  # slowloris: a head that never ends
                s.send(b"GET http://localhost:%d/ HTTP/1.1\r\nHost: localhost\r\nX-a: " % port)
            elif k == 2:  # half a SOCKS5 greeting
                s.send(b"\x05\x02\x00")
            elif k == 3:  # a head over the 16 KiB limit (431, then dropped)
                s.send(b"GET http://localhost:%d/ HTTP/1.1\r\nX: " % port + b"a" * 17000)
            elif k == 4:  # malformed heads
                s.send(r.choice([b"GET\x00 / HTTP/1.1\r\n\r\n", b"\r\n\r\n",
                                 b"CONNECT :::: HTTP/1.1\r\n\r\n",
                                 b"GET http://a b/ HTTP/1.1\r\n\r\n",
                                 b"CONNECT localhost:99999 HTTP/1.1\r\n\r\n"]))
            elif k == 5:  # random bytes
                s.send(bytes(r.getrandbits(8) for _ in range(512)))
            elif k == 6:  # many short header lines, no end
                s.send(b"GET http://localhost:%d/ HTTP/1.1\r\n" % port + b"A: b\r\n" * 200)
            elif k == 7:  # SOCKS5 request naming 255 bytes, cut short
                s.send(b"\x05\x01\x00\x05\x01\x00\x03\xff" + b"a" * 100)
            socks.append((k, s))
        except OSError:
            pass  # the proxy may refuse some: that is its right
    return socks


phase(0)
per = N // PROCS
children = []
for j in range(PROCS - 1):
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        held = hostile(per, 100 + j)
        os.write(wr, b"%d\n" % len(held))
        os.close(wr)
        # hold them until the host has measured the load
        while not os.path.exists(os.path.join(d, "ack1")):
            time.sleep(0.05)
        os._exit(0)
    os.close(wr)
    children.append((pid, rd))
held = hostile(N - per * (PROCS - 1), 99)
opened = len(held)
for pid, rd in children:
    opened += int(os.read(rd, 64).split()[0] or 0)
print("opened=%d" % opened, flush=True)
# slowloris: one more byte on each trickling head
for k, s in held:
    if k in (1, 6):
        try:
            s.send(b"a")
        except OSError:
            pass
good(1)
phase(1)
for k, s in held:
    s.close()
for pid, rd in children:
    os.waitpid(pid, 0)
good(2)
phase(2)
