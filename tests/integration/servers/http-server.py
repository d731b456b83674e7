#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small HTTP/1.1 origin server for the proxy tests (keep-alive, chunked, TLS).

Usage: http-server.py [--tls CERT KEY] [--bind ADDR] DOCROOT
Prints the port it listens on (first line of stdout), then serves until killed.

Paths:
  /conn        the client's port (the same number twice = one reused connection)
  /headers     the request line and header fields as received, one per line
  /chunked     a response body in chunked framing ("chunk-1\\n" ... "chunk-5\\n")
  /echo        (POST/PUT) the request body, read with Content-Length or chunked framing
  /big?n=N     N bytes of 'x'
  anything else: a file under DOCROOT (GET and HEAD)
"""
import http.server
import os
import socket
import socketserver
import ssl
import sys
import urllib.parse


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _send(self, code, body, ctype="text/plain", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/conn":
            return self._send(200, b"%d\n" % self.client_address[1])
        if u.path == "/headers":
            lines = [self.requestline] + ["%s: %s" % (k, v) for k, v in self.headers.items()]
            return self._send(200, ("\n".join(lines) + "\n").encode())
        if u.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(1, 6):
                part = b"chunk-%d\n" % i
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if u.path == "/big":
            n = int(urllib.parse.parse_qs(u.query).get("n", ["0"])[0])
            return self._send(200, b"x" * n)
        return super().do_GET()

    def do_POST(self):
        body = self._read_body()
        return self._send(200, body)

    do_PUT = do_POST


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    args = sys.argv[1:]
    tls = None
    bind = "127.0.0.1"
    while args and args[0].startswith("--"):
        if args[0] == "--tls":
            tls = (args[1], args[2])
            args = args[3:]
        elif args[0] == "--bind":
            bind = args[1]
            args = args[2:]
        else:
            sys.exit("unknown option " + args[0])
    os.chdir(args[0])
    if ":" in bind:
        Server.address_family = socket.AF_INET6
    srv = Server((bind, 0), Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


main()
