#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The HTTP proxy beyond CONNECT, with real clients inside the sandbox and a real HTTP/1.1
# server on the host's loopback: absolute-form requests (keep-alive, bodies in both framings,
# header rewriting), the protocol edges, HTTPS through CONNECT to a local TLS server, wget,
# python urllib, git over HTTP, and SOCKS5 address policy.
. "$(dirname "$0")/libtest.sh"
require_sandbox
for c in curl python3; do
	command -v $c >/dev/null || skip_all "$c needed"
done
SERVERS=$(cd "$(dirname "$0")/servers" && pwd)
cd "$T/proj" || exit 1

mkdir -p "$T/www"
echo hello-from-host >"$T/www/file.txt"
pids=()
# start_server OUTFILE ARGS...: an http-server.py in the background; sets PORT
start_server() {
	local out=$1
	shift
	python3 "$SERVERS/http-server.py" "$@" >"$out" 2>"$out.err" &
	pids+=($!)
	for _ in $(seq 200); do [ -s "$out" ] && break; sleep 0.05; done
	PORT=$(head -1 "$out")
}
trap 'kill "${pids[@]}" 2>/dev/null; cleanup' EXIT
start_server "$T/port" "$T/www"
[ -n "$PORT" ] || skip_all "the test HTTP server did not start: $(cat "$T/port.err")"

S=$T/net.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$S"
U=http://localhost:$PORT
# the proxy environment lists localhost in NO_PROXY: these clients are told to use the proxy
CURL=(curl -sS --max-time 20 --noproxy '' -x http://localhost:3128)
raw() { srt_run -s "$S" python3 "$SERVERS/raw-client.py" 127.0.0.1 3128 "$@"; }

# --- absolute-form requests ------------------------------------------------------------------
srt_run -s "$S" "${CURL[@]}" "$U/file.txt"
is "$OUT" hello-from-host "GET http://localhost:PORT/file.txt through the HTTP proxy"
srt_run -s "$S" "${CURL[@]}" "$U/conn" "$U/conn"
a=$(sed -n 1p <<<"$OUT") b=$(sed -n 2p <<<"$OUT")
ok $([ -n "$a" ] && [ "$a" = "$b" ] && echo 0 || echo 1) \
	"two requests on one client connection reuse one upstream connection (ports $a, $b)"
srt_run -s "$S" "${CURL[@]}" -d 'a=1&b=2' "$U/echo"
is "$OUT" 'a=1&b=2' "POST with a Content-Length body"
head -c 100000 /dev/urandom | base64 -w0 >"$T/body"
srt_run -s "$S" "${CURL[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$T/body" "$U/echo"
is "$(printf %s "$OUT" | md5sum)" "$(md5sum <"$T/body")" "POST with a chunked body of 133 KiB"
srt_run -s "$S" "${CURL[@]}" -v -H 'Expect: 100-continue' -d 'with-expect' "$U/echo"
is "$OUT" with-expect "Expect: 100-continue: the interim 100 is forwarded, then the body"
like "$ERR" "HTTP/1.1 100 Continue" "... and the client saw the 100"
srt_run -s "$S" "${CURL[@]}" "$U/chunked"
is "$OUT" "$(printf 'chunk-%d\n' 1 2 3 4 5)" "a chunked response arrives whole"
srt_run -s "$S" sh -c "$(printf '%q ' "${CURL[@]}") '$U/big?n=3000000' | wc -c"
is "$(tr -d ' ' <<<"$OUT")" 3000000 "a 3 MB response body arrives whole"
srt_run -s "$S" "${CURL[@]}" -I "$U/file.txt"
like "$OUT" "Content-Length: 16" "HEAD: the headers, no body expected"
srt_run -s "$S" "${CURL[@]}" -U user:secret -H 'Proxy-Connection: keep-alive' \
	-H 'X-Keep: yes' "$U/headers"
like "$OUT" "GET /headers HTTP/1.1" "the request line upstream is origin-form"
like "$OUT" "Host: localhost:$PORT" "Host is the target's authority"
like "$OUT" "X-Keep: yes" "end-to-end fields are forwarded"
unlike "$OUT" "Proxy-Authorization" "Proxy-Authorization is not forwarded"
unlike "$OUT" "Proxy-Connection" "Proxy-Connection is not forwarded"
srt_run -s "$S" "${CURL[@]}" -H 'Connection: close, X-Secret' -H 'X-Secret: 1' "$U/headers"
unlike "$OUT" "X-Secret" "a field named in Connection is hop-by-hop and dropped"

# --- refusals ------------------------------------------------------------------------------
srt_run -s "$S" "${CURL[@]}" -i http://denied.invalid/
like "$OUT" "HTTP/1.1 403" "a host not on the allow list: 403"
like "$OUT" "X-Proxy-Error: blocked-by-allowlist" "... with the reference's X-Proxy-Error"
like "$OUT" "Connection blocked by network allowlist" "... and its body"
like "$ERR" "srt: the sandbox refused 1 operation; the first: network denied.invalid:80 (HTTP: host is not on the allow list)" \
	"after the command, srt says on stderr that a connection was refused"
raw "GET http://localhost:$PORT/file.txt HTTP/1.1\r\nHost: evil.example\r\n\r\n"
like "$OUT" "HTTP/1.1 421" "a Host field naming another host than the target: refused (CC#40213)"
raw "GET http://localhost:$PORT/file.txt HTTP/1.1\r\nHost: localhost:1\r\n\r\n"
like "$OUT" "HTTP/1.1 421" "a Host field naming another port: refused"
raw "GET http://localhost:$PORT/file.txt HTTP/1.1\r\nHost: localhost:$PORT\r\nHost: localhost:$PORT\r\n\r\n"
like "$OUT" "HTTP/1.1 400" "two Host fields: 400"
raw "GET http://localhost:$PORT/file.txt HTTP/1.1\r\nHost: LOCALHOST.:$PORT\r\n\r\n"
like "$OUT" "hello-from-host" "the same host in another spelling (case, trailing dot) is the same host"
raw "GET http://localhost:$PORT/file.txt HTTP/1.1\r\nHost: localhost:$PORT\r\n\r\n" \
	"GET http://denied.invalid/ HTTP/1.1\r\nHost: denied.invalid\r\n\r\n"
like "$OUT" "hello-from-host" "keep-alive: the first request is served"
like "$OUT" "HTTP/1.1 403" "... and the second, to a denied host on the same connection, is refused"
NO_SHUTDOWN=1 raw "GET http://localhost:$PORT/file.txt HTTP/1.1\r\nHost: localhost:$PORT\r\n\r\nGET http://localhost:$PORT/file.txt HTTP/1.1\r\nHost: localhost:$PORT\r\nConnection: close\r\n\r\n"
is "$(grep -c hello-from-host <<<"$OUT")" 2 "two pipelined requests: both answered, in order"
raw "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
like "$OUT" "HTTP/1.1 400" "an origin-form request to the proxy: 400"
raw "GET https://localhost:$PORT/ HTTP/1.1\r\nHost: localhost:$PORT\r\n\r\n"
like "$OUT" "HTTP/1.1 501" "an https:// absolute target: 501 (CONNECT is the way)"
raw "GET http://localhost:$PORT/ HTTP/1.1\r\nHost: localhost:$PORT\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
like "$OUT" "HTTP/1.1 400" "Content-Length with Transfer-Encoding (smuggling): 400"
raw "GET http://localhost:$PORT/ HTTP/1.1\r\nHost: localhost:$PORT\r\nTransfer-Encoding: gzip\r\n\r\n"
like "$OUT" "HTTP/1.1 501" "a transfer coding other than chunked: 501"
raw "GET http://loc\x00alhost:$PORT/ HTTP/1.1\r\n\r\n"
like "$OUT" "HTTP/1.1 400" "a NUL in the request line: 400"
raw "GET http://localhost:$PORT/ HTTP/1.1\r\nX: $(head -c 17000 /dev/zero | tr '\0' a)\r\n\r\n"
like "$OUT" "HTTP/1.1 431" "a request head over 16 KiB: 431"
raw "GET http://localhost:1/ HTTP/1.1\r\nHost: localhost:1\r\n\r\n"
like "$OUT" "HTTP/1.1 502" "an allowed target that refuses the connection: 502"
raw "GET http://[::1]:$PORT/ HTTP/1.1\r\nHost: [::1]:$PORT\r\n\r\n"
like "$OUT" "HTTP/1.1 403" "an IPv6 literal target not on the allow list: 403"

# --- other clients -------------------------------------------------------------------------
if command -v wget >/dev/null; then
	srt_run -s "$S" env -u no_proxy -u NO_PROXY wget -q -O - "$U/file.txt"
	is "$OUT" hello-from-host "wget through http_proxy"
else
	ok 0 "wget through http_proxy # SKIP wget not installed"
fi
srt_run -s "$S" env -u no_proxy -u NO_PROXY python3 -c '
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode().strip())' "$U/file.txt"
is "$OUT" hello-from-host "python urllib through http_proxy"
srt_run -s "$S" env -u no_proxy -u NO_PROXY python3 -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://denied.invalid/", timeout=10)
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("X-Proxy-Error"))' 
is "$OUT" "403 blocked-by-allowlist" "python urllib sees the 403 of a denied host"

if command -v git >/dev/null; then
	git init -q --bare "$T/www/repo.git"
	git init -q "$T/src" && (cd "$T/src" && echo one >f && git add f &&
		git -c user.name=t -c user.email=t@t commit -qm first &&
		git push -q "$T/www/repo.git" HEAD:refs/heads/main) >/dev/null 2>&1
	git -C "$T/www/repo.git" symbolic-ref HEAD refs/heads/main
	git -C "$T/www/repo.git" update-server-info
	settings_w=$T/net-w.json
	printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["%s"],"denyWrite":[]}}\n' "$T/proj" >"$settings_w"
	srt_run -s "$settings_w" env -u no_proxy -u NO_PROXY git clone -q "$U/repo.git" "$T/proj/clone"
	is "$(cat "$T/proj/clone/f" 2>/dev/null)" one "git clone over HTTP through the proxy"
else
	ok 0 "git clone over HTTP # SKIP git not installed"
fi

# --- HTTPS: a CONNECT tunnel to a local TLS server ----------------------------------------
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost -keyout "$T/key.pem" -out "$T/cert.pem" \
		>/dev/null 2>&1
	HPORT=$PORT
	start_server "$T/tlsport" --tls "$T/cert.pem" "$T/key.pem" "$T/www"
	TPORT=$PORT PORT=$HPORT
	srt_run -s "$S" "${CURL[@]}" --cacert "$T/cert.pem" "https://localhost:$TPORT/file.txt"
	is "$OUT" hello-from-host "HTTPS through a CONNECT tunnel, certificate verified end to end"
	srt_run -s "$S" env -u no_proxy -u NO_PROXY python3 -c '
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
print(urllib.request.urlopen(sys.argv[1], timeout=10, context=ctx).read().decode().strip())' \
		"https://localhost:$TPORT/file.txt" "$T/cert.pem"
	is "$OUT" hello-from-host "python urllib HTTPS through CONNECT"
else
	ok 0 "HTTPS through CONNECT # SKIP openssl not installed"
	ok 0 "python urllib HTTPS # SKIP openssl not installed"
fi

# --- SOCKS5 and address literals -----------------------------------------------------------
srt_run -s "$S" curl -sS --max-time 10 --noproxy '' --socks5-hostname localhost:1080 "$U/file.txt"
is "$OUT" hello-from-host "socks5h (the proxy resolves the allowed name)"
srt_run -s "$S" curl -sS --max-time 10 --noproxy '' --socks5 localhost:1080 "$U/file.txt"
is "$RC" 97 "socks5 with local resolution sends 127.0.0.1, which is not on the allow list"
S4=$T/net4.json
printf '{"network":{"allowedDomains":["127.0.0.1"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$S4"
srt_run -s "$S4" curl -sS --max-time 10 --noproxy '' --socks5 localhost:1080 "$U/file.txt"
is "$OUT" hello-from-host "socks5 to 127.0.0.1 when that literal is allowed"
srt_run -s "$S4" curl -sS --max-time 10 --noproxy '' -x http://localhost:3128 "http://2130706433:$PORT/file.txt"
is "$OUT" hello-from-host "the allowed literal in another spelling (2130706433) is the same address"
srt_run -s "$S4" curl -sS --max-time 10 --noproxy '' -x http://localhost:3128 "http://[::ffff:127.0.0.1]:$PORT/file.txt"
is "$OUT" hello-from-host "... and in its IPv4-mapped IPv6 spelling ([::ffff:127.0.0.1])"
srt_run -s "$S4" curl -sS --max-time 10 --noproxy '' -x http://localhost:3128 "http://localhost:$PORT/file.txt"
like "$OUT" "Connection blocked" "allowing 127.0.0.1 does not allow the name localhost"
srt_run -s "$S4" sh -c 'python3 "$1" 127.0.0.1 1080 "$2" | od -An -tx1' sh "$SERVERS/raw-client.py" \
	"\x05\x01\x00\x05\x01\x00\x03\x16127.0.0.1\x00.example.com$(printf '\\x%02x\\x%02x' $((PORT >> 8)) $((PORT & 255)))"
is "$(printf %s "$OUT" | tr -d ' \n' | cut -c1-8)" 05000502 \
	"SOCKS5: a name with a NUL byte is refused (05 02), never truncated"
# IPv6: a server on ::1, allowed as a bracketed literal
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	HPORT=$PORT
	start_server "$T/v6port" --bind ::1 "$T/www"
	V6PORT=$PORT PORT=$HPORT
	S6=$T/net6.json
	printf '{"network":{"allowedDomains":["[::1]"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$S6"
	srt_run -s "$S6" curl -sS --max-time 10 --noproxy '' -x http://localhost:3128 "http://[::1]:$V6PORT/file.txt"
	is "$OUT" hello-from-host "absolute-form to an allowed IPv6 literal"
	srt_run -s "$S6" curl -sS --max-time 10 --noproxy '' -p -x http://localhost:3128 "http://[::1]:$V6PORT/file.txt"
	is "$OUT" hello-from-host "CONNECT [::1]:port to an allowed IPv6 literal"
	srt_run -s "$S6" curl -sS --max-time 10 --noproxy '' -x http://localhost:3128 "http://[0:0:0:0:0:0:0:1]:$V6PORT/file.txt"
	is "$OUT" hello-from-host "the same IPv6 address spelled in full"
	srt_run -s "$S6" curl -sS --max-time 10 --noproxy '' -x http://localhost:3128 "http://127.0.0.1:$HPORT/file.txt"
	like "$OUT" "Connection blocked" "allowing [::1] does not allow 127.0.0.1"
else
	for i in 1 2 3 4; do ok 0 "IPv6 # SKIP no IPv6 loopback here"; done
fi
done_testing
