#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Violations the CLI reports (issue 4, first part: network refusals): the stderr summary after
# the command, --violations FILE|fd:N as JSON lines, --debug live, ignoreViolations, escaping
# of hostile text, and the record file protected from the sandbox.
. "$(dirname "$0")/libtest.sh"
require_sandbox
for c in curl python3; do
	command -v $c >/dev/null || skip_all "$c needed"
done
SERVERS=$(cd "$(dirname "$0")/servers" && pwd)
# with --violations srt-report.so is preloaded: an ASan-built srt-probe must accept a library
# loaded ahead of its runtime
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
cd "$T/proj" || exit 1

# network lines only (the C library's nscd probes add unix-socket lines to most commands)
netlines() { grep -c '"kind":"network"' "$1" 2>/dev/null || true; }
S=$T/net.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["%s"],"denyWrite":[]}}\n' "$T/proj" >"$S"
CURL=(curl -s --max-time 10 --noproxy '' -x http://localhost:3128 -o /dev/null)

# one refusal: the summary on stderr, nothing on stdout
srt_run -s "$S" "${CURL[@]}" http://denied.invalid/
is "$OUT" "" "nothing of srt's on stdout"
is "$ERR" "srt: the sandbox refused 1 operation; the first: network denied.invalid:80 (HTTP: host is not on the allow list) (--debug or --violations FILE shows each)" \
	"stderr: one summary line after the command"
srt_run -s "$S" true
is "$ERR" "" "no refusal, no summary"

# --violations FILE: one JSON object per line, one line per refusal
V=$T/v.jsonl
srt_run -s "$S" --violations "$V" sh -c "$(printf '%q ' "${CURL[@]}") http://a.invalid/ http://b.invalid:8080/; $(printf '%q ' "${CURL[@]}") -p https://c.invalid/"
is "$(netlines "$V")" 3 "--violations FILE: three network refusals, three lines"
OUT=$(python3 - "$V" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = all(set(r) >= {"id", "time", "kind", "target", "operation", "reason", "command"} for r in rows)
rows = [r for r in rows if r["kind"] == "network"]
print(" ".join("%s/%s/%s" % (r["kind"], r["target"], r["operation"]) for r in rows))
print(ok)
print(rows[0]["reason"], "|", rows[0]["command"][:2])
PY
)
is "$(sed -n 1p <<<"$OUT")" "network/a.invalid:80/HTTP network/b.invalid:8080/HTTP network/c.invalid:443/CONNECT" \
	"JSON lines: kind, target and protocol of each, in order"
is "$(sed -n 2p <<<"$OUT")" True "JSON lines: every field present"
is "$(sed -n 3p <<<"$OUT")" "host is not on the allow list | sh" "JSON lines: the reason and the command"
like "$ERR" "the sandbox refused 3 operations; the first: network a.invalid:80" \
	"the summary still says how many"
srt_run -s "$S" --violations "$V" "${CURL[@]}" http://d.invalid/
is "$(netlines "$V")" 4 "--violations FILE is appended to"
is "$(stat -c %a "$V")" 600 "... and was created private (0600)"

# fd:N, and stdout refused
OUT=$("$SRT" -s "$S" --violations fd:7 "${CURL[@]}" http://e.invalid/ 7>&1 2>/dev/null)
like "$OUT" '"target":"e.invalid:80"' "--violations fd:7 writes to an inherited descriptor"
srt_run -s "$S" --violations fd:1 true
is "$RC" 1 "--violations fd:1 is refused (stdout is the command's)"
srt_run -s "$S" --violations fd:99 true
like "$ERR" "not an open descriptor" "--violations fd:99: not open, refused"

# --debug: live lines
srt_run -s "$S" -d "${CURL[@]}" http://f.invalid/
like "$ERR" "[SandboxDebug] violation: network f.invalid:80 (HTTP: host is not on the allow list)" \
	"--debug shows each refusal as it happens"

# ignoreViolations suppresses matching ones (reference semantics: command and target substrings)
SI=$T/ignore.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]},"ignoreViolations":{"curl":["telemetry.invalid"],"*":["noise.invalid"]}}\n' >"$SI"
rm -f "$V"
srt_run -s "$SI" --violations "$V" "${CURL[@]}" http://telemetry.invalid/ http://noise.invalid/
is "$ERR" "" "ignored refusals: no summary"
is "$(netlines "$V")" 0 "ignored refusals: no JSON line"
srt_run -s "$SI" "${CURL[@]}" http://telemetry.invalid/ http://other.invalid/
like "$ERR" "refused 1 operation; the first: network other.invalid:80" \
	"a refusal that matches no rule is still reported"

# hostile text cannot forge lines or carry terminal escapes
rm -f "$V"
srt_run -s "$S" --violations "$V" sh -c 'curl -s --max-time 5 --noproxy "" -x http://localhost:3128 -o /dev/null http://g.invalid/' \
	"$(printf 'x\n{"kind":"forged"}\033]0;title\007')"
is "$(netlines "$V")" 1 "a command line with a newline and escapes is still one record"
is "$(wc -l <"$V" | tr -d ' ')" "$(grep -c '^{' "$V")" "... and every line of the file is one JSON record"
unlike "$(cat "$V")" "$(printf '\033')" "no raw ESC byte in the record"
like "$(cat "$V")" 'x\\x0a{\"kind\":\"forged\"}\\x1b]0;title\\x07' "the text is kept, escaped"
srt_run -s "$S" sh -c 'python3 "$@" >/dev/null' sh "$SERVERS/raw-client.py" 127.0.0.1 1080 \
	'\x05\x01\x00\x05\x01\x00\x03\x0aevil\n\x1b[2Jx\x00\x50'
like "$ERR" "network (invalid):80 (SOCKS5:" "a SOCKS5 name with control bytes is reported as (invalid)"

# refused system calls (srt-exec installs the filter with srt's listener): reported, still EPERM
SN=$T/nonet.json
settings "$SN" '{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
rm -f "$V"
srt_run -s "$SN" --violations "$V" "$SRT_PROBE" socket-unix
is "$OUT" EPERM "an AF_UNIX socket is refused as before"
like "$(cat "$V")" '"kind":"unix-socket","target":"AF_UNIX","operation":"socket"' \
	"... and reported as a unix-socket violation"
srt_run -s "$SN" --violations "$V" "$SRT_PROBE" io-uring-setup
is "$OUT" EPERM "io_uring_setup is refused"
like "$(cat "$V")" '"kind":"syscall","target":"io_uring_setup"' "... and reported as a syscall violation"
is "$ERR" "" "refused system calls are not in the stderr summary (nscd probes would make it constant noise)"
srt_run -s "$SN" -d "$SRT_PROBE" socket-vsock
like "$ERR" "violation: syscall AF_VSOCK (socket:" "--debug shows refused system calls live"

# plain runs go without the observer (it costs start-up time): one filter, bwrap's
srt_run -s "$SN" sh -c 'grep "^Seccomp_filters:" /proc/self/status'
is "$OUT" "Seccomp_filters:	1" "a plain run: bwrap's filter only (no observer)"
srt_run -s "$SN" --violations "$V" sh -c 'grep "^Seccomp_filters:" /proc/self/status'
is "$OUT" "Seccomp_filters:	2" "with --violations: the same filter again, with srt's listener"

# refused file accesses (srt-report.so preloaded, advisory): reported once each, with fields
mkdir -p "$T/fs/proj/ro" "$T/fs/hid"
echo secret >"$T/fs/secret"
echo x >"$T/fs/hid/f"
SF=$T/fs.json
settings "$SF" "{\"denyRead\":[\"$T/fs/secret\",\"$T/fs/hid\"],\"allowWrite\":[\"$T/fs/proj\"],\"denyWrite\":[\"$T/fs/proj/ro\"]}"
filelines() { grep '"kind":"file-' "$1" 2>/dev/null || true; }
rm -f "$V"
(cd "$T/fs/proj" && srt_run -s "$SF" --violations "$V" sh -c '
cat "$1/secret"; cat "$1/secret"
echo hi >"$1/proj/ro/x"
python3 -c "open(\"/etc/srt-test-file\", \"w\")"
mkdir "$1/proj/ro/d"
ls "$1/hid"
touch mode000; chmod 000 mode000; echo x >mode000
true' sh "$T/fs"
echo "$ERR" >"$T/.fserr")
F=$(filelines "$V")
is "$(grep -c . <<<"$F")" 5 "five refused file accesses, each reported once"
like "$F" "\"kind\":\"file-read\",\"target\":\"$T/fs/secret\",\"operation\":\"open\",\"reason\":\"EACCES: hidden by denyRead $T/fs/secret" \
	"cat of a denyRead file: file-read, path, operation, rule"
like "$F" "\"kind\":\"file-write\",\"target\":\"$T/fs/proj/ro/x\",\"operation\":\"open\",\"reason\":\"EROFS: read-only by denyWrite $T/fs/proj/ro" \
	"shell redirect into a denyWrite directory: file-write"
like "$F" '"kind":"file-write","target":"/etc/srt-test-file","operation":"open","reason":"EROFS: read-only, not in filesystem.allowWrite' \
	"python3 open() for writing outside allowWrite: file-write"
like "$F" "\"kind\":\"file-write\",\"target\":\"$T/fs/proj/ro/d\",\"operation\":\"mkdir\"" \
	"mkdir in a read-only directory: file-write"
like "$F" "\"kind\":\"file-read\",\"target\":\"$T/fs/hid\",\"operation\":\"opendir\"" \
	"ls of a hidden directory: file-read"
unlike "$F" '"target":"[^"]*mode000' "a chmod-000 file in a write root: EACCES, but not the sandbox's doing: not reported"
like "$(cat "$T/.fserr")" "the sandbox refused 5 operations; the first: file-read $T/fs/secret (open: EACCES" \
	"the stderr summary counts them and names the first"
srt_run -s "$SF" --violations "$V" cat "$T/fs/secret"
is "$(filelines "$V" | grep -c "\"target\":\"$T/fs/secret\"")" 2 "a second run reports again (once per child)"

# a file name with a newline cannot forge a second record
rm -f "$V"
srt_run -s "$SF" --violations "$V" sh -c 'echo x >"$1"' sh "$(printf '/etc/a\n{"kind":"forged"}\033[2J')"
is "$(grep -c '"kind"' "$V")" 1 "a path with a newline: one record"
like "$(cat "$V")" '"target":"/etc/a\\x0a{\"kind\":\"forged\"}\\x1b[2J"' "... the path escaped in it"
unlike "$(cat "$V")" '"kind":"forged"' "... nothing forged"

# a forged report line for a path the rules allow is not recorded; one for a refused path is
# (advisory: documented)
rm -f "$V"
srt_run -s "$SF" --violations "$V" sh -c 'printf "F1 open 13 241 %s/proj/ok\nF1 open 13 0 /etc/hostname\nnot a line\n" "$1" >"$SRT_REPORT_FIFO"' sh "$T/fs"
is "$(filelines "$V")" "" "forged lines naming allowed accesses are dropped"

# ignoreViolations applies to file reports too
SFI=$T/fsi.json
settings "$SFI" "{\"denyRead\":[\"$T/fs/secret\"],\"allowWrite\":[],\"denyWrite\":[]}" '"ignoreViolations":{"cat":["/fs/secret"]}'
rm -f "$V"
srt_run -s "$SFI" --violations "$V" cat "$T/fs/secret"
is "$(filelines "$V")" "" "ignoreViolations suppresses a file report"
is "$ERR" "cat: $T/fs/secret: Permission denied" "... and the summary (the command's own message stays)"

# without --violations or --debug nothing is preloaded
srt_run -s "$SF" sh -c 'echo "${LD_PRELOAD:-none}"'
is "$OUT" none "a plain run: no LD_PRELOAD"
srt_run -s "$SF" --violations "$V" sh -c 'echo "$LD_PRELOAD"'
like "$OUT" "/.srt-report.so" "with --violations: the shim is preloaded"

# the record cannot be changed from inside the sandbox, even in a writable directory
V2=$T/proj/v.jsonl
: >"$V2"
srt_run -s "$S" --violations "$V2" sh -c '(echo "{\"forged\":1}" >> v.jsonl) 2>/dev/null && echo written || echo refused'
is "$OUT" refused "the violations file in a write root is read-only inside"
unlike "$(cat "$V2")" '{"forged":1}' "... and nothing was written to it by the command"
like "$(cat "$V2")" '"kind":"file-write","target":"'"$V2"'","operation":"open","reason":"EROFS: read-only by settings file' \
	"... srt recorded the attempt itself"
done_testing
