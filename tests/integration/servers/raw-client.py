#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""raw-client.py HOST PORT DATA [DATA...]: sends each DATA (backslash escapes such as \\r\\n
and \\x00 interpreted) on one TCP connection, waiting WAIT seconds (env, default 0.3) between
pieces, then half-closes and prints everything received until the peer closes (10 s at
most), with CR removed. Exit 3 when the connection cannot be made."""
import codecs
import os
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
try:
    s = socket.create_connection((host, port), timeout=10)
except OSError as e:
    print("connect failed:", e)
    sys.exit(3)
pieces = sys.argv[3:]
for i, d in enumerate(pieces):
    s.sendall(codecs.decode(d, "unicode_escape").encode("latin-1"))
    if i + 1 < len(pieces):
        time.sleep(float(os.environ.get("WAIT", "0.3")))
if os.environ.get("NO_SHUTDOWN") != "1":
    s.shutdown(socket.SHUT_WR)
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
except (socket.timeout, ConnectionResetError):
    pass
sys.stdout.write(data.replace(b"\r", b"").decode("latin-1"))
