#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (issue 6, the proxy under hostile load): the sandboxed command is the proxy's only
# client, and a hostile one. It opens 10,000 connections to srt's proxies and leaves each one
# hanging (nothing sent, slowloris heads, half SOCKS5 greetings, heads over 16 KiB, malformed
# heads, random bytes, a 255-byte SOCKS5 name cut short), to exhaust srt's descriptors, memory
# or connection slots, so that requests of other programs in the sandbox fail, or srt dies.
# Before the fix, with 10,000 connections open every new connection was closed at once (the
# well-behaved client got nothing until the hostile ones timed out); with a lower descriptor
# limit srt paused accepting until they did.
# Checks: while they are open a well-behaved client (absolute-form HTTP, CONNECT, SOCKS5) is
# served; srt's descriptors and RSS stay bounded during the load and come back afterwards (no
# leak); srt is alive and exits with the command's status. Generous limits, no timing.
LOAD=$(cd "$(dirname "$0")" && pwd)/proxy-load.py
. "$(dirname "$0")/libescape.sh"
command -v python3 >/dev/null || skip_all "python3 needed"
SERVERS=${SRT_TESTS_DIR:?}/servers

mkdir -p "$T/www"
echo hello-from-host >"$T/www/file.txt"
python3 "$SERVERS/http-server.py" "$T/www" >"$T/port" 2>"$T/port.err" &
server=$!
trap 'kill $server 2>/dev/null; cleanup' EXIT
wait_for "$T/port"
PORT=$(head -1 "$T/port")
[ -n "$PORT" ] || skip_all "the test HTTP server did not start"

SL=$T/load.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["%s"],"denyWrite":[]}}\n' "$T/proj" >"$SL"

# sanitizer builds: a small quarantine, so that freed memory counts as it would without one
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"

fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# run_load LABEL N PROCS [ULIMIT]: one sandbox under load; sets FD0 FD1 FD2 RSS0 RSS1 RSS2,
# LOUT (the client's output) and LRC (srt's status).
run_load() {
	local label=$1 n=$2 procs=$3 lim=${4:-} k i pid
	rm -f "$T"/proj/phase* "$T"/proj/ack*
	if [ -n "$lim" ]; then
		(ulimit -Hn "$lim" -Sn "$lim" && exec "$SRT" -d -s "$SL" -- python3 "$LOAD" "$PORT" "$T/proj" "$n" "$procs") \
			>"$T/$label.out" 2>"$T/$label.err" &
	else
		"$SRT" -s "$SL" -- python3 "$LOAD" "$PORT" "$T/proj" "$n" "$procs" \
			>"$T/$label.out" 2>"$T/$label.err" &
	fi
	pid=$!
	for k in 0 1 2; do
		for i in $(seq 1200); do
			[ -e "$T/proj/phase$k" ] && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		if [ $k -eq 2 ]; then
			# the closes are events the proxy handles in its own time: wait (bounded) for
			# the descriptor count to come back down before measuring
			for i in $(seq 100); do
				[ "$(fds $pid)" -le $((FD0 + 8)) ] && break
				sleep 0.1
			done
		fi
		printf -v "FD$k" %s "$(fds $pid)"
		printf -v "RSS$k" %s "$(rss $pid)"
		echo "# $label phase $k: srt $pid fds $(fds $pid) rss $(rss $pid) KiB"
		touch "$T/proj/ack$k"
	done
	wait $pid
	LRC=$?
	LOUT=$(cat "$T/$label.out")
}

run_load plain 10000 1
echo "# $(grep opened= <<<"$LOUT")"
is "$(sed -n 's/^good1=//p' <<<"$LOUT")" ok,ok,ok \
	"10,000 hanging connections open: HTTP, CONNECT and SOCKS5 of a well-behaved client are served"
is "$(sed -n 's/^good2=//p' <<<"$LOUT")" ok,ok,ok "after they closed: still served"
is "$LRC" 0 "srt survived and returned the command's status"
ok $([ "${FD1:-99999}" -le $((FD0 + 10100)) ] && echo 0 || echo 1) \
	"descriptors under load bounded by the connections ($FD0 -> $FD1)"
ok $([ "${FD2:-99999}" -le $((FD0 + 8)) ] && echo 0 || echo 1) \
	"no descriptor leak: $FD0 before, $FD2 after"
ok $([ "${RSS1:-9999999}" -le $((RSS0 + 400 * 1024)) ] && echo 0 || echo 1) \
	"RSS under load bounded: $RSS0 KiB -> $RSS1 KiB (limit +400 MiB, sanitizer builds included)"
ok $([ "${RSS2:-9999999}" -le $((RSS1 + 16 * 1024)) ] && echo 0 || echo 1) \
	"RSS does not keep growing after the load: $RSS2 KiB"

# A descriptor limit far below the load: srt runs out of descriptors for clients long before
# the hostile connections are all open (five processes, 800 each, against srt's 1,024).
run_load low 4000 5 1024
echo "# $(grep opened= <<<"$LOUT")"
is "$(sed -n 's/^good1=//p' <<<"$LOUT")" ok,ok,ok \
	"descriptor limit 1024, 4,000 hanging connections: the well-behaved client is served"
is "$(sed -n 's/^good2=//p' <<<"$LOUT")" ok,ok,ok "... and after they closed"
is "$LRC" 0 "srt survived the descriptor shortage"
ok $([ "${FD1:-99999}" -le 1024 ] && echo 0 || echo 1) "srt stayed within its limit ($FD1 descriptors)"
ok $([ "${FD2:-99999}" -le $((FD0 + 8)) ] && echo 0 || echo 1) \
	"no descriptor leak: $FD0 before, $FD2 after"
kill $server 2>/dev/null
done_testing
