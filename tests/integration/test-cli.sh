#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The command line: argv passed exactly, -c, option parsing, exit statuses, stdout untouched,
# a stdio JSON-RPC exchange through srt, --version/--help, debug output.
. "$(dirname "$0")/libtest.sh"
require_sandbox
cd "$T/proj" || exit 1

srt_run echo hello
is "$OUT" hello "srt echo hello"
is "$RC" 0 "exit status 0"
is "$ERR" "" "nothing on stderr by default"

srt_run echo 'a  b' 'c;d' '$HOME' '"q"'
is "$OUT" 'a  b c;d $HOME "q"' "argv is passed exactly: no re-splitting, no shell"
srt_run echo -n 'no newline'
is "$OUT" "no newline" "options after the command word belong to the command"
srt_run ls -d /tmp
is "$OUT" /tmp "srt ls -d /tmp passes -d to ls (reference bug B8)"
srt_run -- ls -d /
is "$OUT" / "-- ends srt's options"

srt_run -c 'echo "hello world" | wc -w'
is "$OUT" 2 "-c runs a shell string (pipes)"
srt_run -c "echo '{\"key\": \"value\"}'"
is "$OUT" '{"key": "value"}' "-c keeps quotes and JSON intact"
srt_run -c 'exit 7'
is "$RC" 7 "exit status of the command is srt's"
srt_run -c 'kill -TERM $$'
is "$RC" 143 "killed by SIGTERM: 128+15"
srt_run -c 'kill -KILL $$'
is "$RC" 137 "killed by SIGKILL: 128+9"
srt_run sh -c 'kill -SEGV $$'
is "$RC" 139 "killed by SIGSEGV: 128+11"

srt_run
is "$RC" 1 "no command: status 1"
like "$ERR" "No command specified" "no command: reference message"
srt_run -d
is "$RC" 1 "only -d: status 1"
srt_run --bogus true
is "$RC" 1 "unknown option: status 1"
like "$ERR" "unknown option" "unknown option named"
srt_run definitely-not-a-command-xyz
is "$RC" 127 "missing command: 127"
like "$ERR" "command not found" "missing command: message"
touch "$T/noexec"
srt_run "$T/noexec"
is "$RC" 126 "not executable: 126"

srt_run --version
like "$OUT" "." "--version prints a version"
unlike "$OUT" "1.0.0" "the real version, not 1.0.0 (reference bug B2)"
srt_run -h
like "$OUT" "Usage: srt" "--help on stdout"

srt_run -d echo x
is "$OUT" x "debug: stdout still only the command's"
like "$ERR" "[SandboxDebug]" "debug lines on stderr"
like "$ERR" "Original command" "debug names the command"
SRT_DEBUG=1 srt_run -c 'echo y'
like "$ERR" "Command string mode" "SRT_DEBUG=1 works like -d"

# stdin/stdout pass through byte for byte (binary too)
head -c 100000 /dev/urandom >"$T/blob"
"$SRT" cat <"$T/blob" >"$T/blob.out"
cmp -s "$T/blob" "$T/blob.out"
ok $? "100 kB of binary data through stdin/stdout unchanged"

# a stdio JSON-RPC exchange with a server in the sandbox (the MCP use case)
if command -v python3 >/dev/null; then
	cat >"$T/rpc.py" <<'PY'
import json, sys
for line in sys.stdin:
    req = json.loads(line)
    resp = {"jsonrpc": "2.0", "id": req["id"], "result": {"echo": req["params"], "method": req["method"]}}
    sys.stdout.write(json.dumps(resp) + "\n")
    sys.stdout.flush()
PY
	reqs='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"v":1}}
{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'
	resp=$(printf '%s\n' "$reqs" | "$SRT" python3 "$T/rpc.py")
	is "$resp" '{"jsonrpc": "2.0", "id": 1, "result": {"echo": {"v": 1}, "method": "initialize"}}
{"jsonrpc": "2.0", "id": 2, "result": {"echo": {}, "method": "tools/list"}}' \
		"JSON-RPC over stdio through srt: exact responses, nothing else on stdout"
else
	ok 1 "python3 is needed for the JSON-RPC test"
fi
done_testing
