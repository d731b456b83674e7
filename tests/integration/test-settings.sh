#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The settings file: bad files are refused with exact messages (file:line:column, dotted key)
# and nothing runs (reference bug S12: 0.0.21 silently fell back to the defaults); settings srt
# cannot enforce are refused; the default file ~/.srt-settings.json (missing, broken, valid,
# empty); how paths in the settings resolve ("~", relative, symlinks); keys that only matter
# elsewhere are accepted.
. "$(dirname "$0")/libtest.sh"
require_sandbox

DATA=${SRT_TEST_DATA:?SRT_TEST_DATA must point at tests/data}/settings
[ -d "$DATA" ] || DATA=$SRT_TEST_DATA # tolerate SRT_TEST_DATA pointing at the settings dir
P=$T/proj
cd "$P" || exit 1
MARK=$T/ran

# refused DESC ARGS...: `srt ARGS... touch $MARK` must fail with status 1 and run nothing.
refused() {
	local desc=$1
	shift
	rm -f "$MARK"
	srt_run "$@" touch "$MARK"
	is "$RC" 1 "$desc: status 1"
	[ ! -e "$MARK" ]
	ok $? "$desc: the command did not run"
}

# ---- --settings files that are refused ----
f=$T/missing.json
refused "missing --settings file" -s "$f"
is "$ERR" "srt: error: $f: does not exist
srt: refusing to run without the rules of '$f'." "missing --settings file: exact message"

f=$T/empty.json
: >"$f"
refused "empty settings file" -s "$f"
is "$ERR" "srt: error: $f: the file is empty
srt: refusing to run without the rules of '$f'." "empty settings file: exact message"
printf ' \n\t\n' >"$f"
refused "whitespace-only settings file" -s "$f"
like "$ERR" "$f: the file is empty" "whitespace-only settings file counts as empty"

f=$T/bad.json
printf '{\n  "network": {,\n}\n' >"$f"
refused "invalid JSON" -s "$f"
like "$ERR" "srt: error: $f:2:15: invalid JSON: " "invalid JSON: FILE:LINE:COL of the syntax error"
like "$ERR" "srt: refusing to run without the rules of '$f'." "invalid JSON: refusal line"

f=$T/toplevel.json
echo '[]' >"$f"
refused "top level not an object" -s "$f"
like "$ERR" "$f:1:1: expected a JSON object at the top level, got an array" "top level not an object: message"

refused "a directory as settings file" -s "$T"
like "$ERR" "srt: error: $T: is a directory, not a settings file" "a directory: message"

# Fixtures: each invalid-NAME.json comes with invalid-NAME.err, the exact message with the
# file's path replaced by FILE (the unit tests check the same messages through the library).
n_fixtures=0
for json in "$DATA"/invalid-*.json; do
	[ -e "$json" ] || continue
	name=$(basename "$json" .json)
	errfile=$DATA/$name.err
	[ -e "$errfile" ] || continue
	n_fixtures=$((n_fixtures + 1))
	want=$(sed "s|^FILE|$json|" "$errfile")
	refused "fixture $name" -s "$json"
	is "$ERR" "srt: error: $want
srt: refusing to run without the rules of '$json'." "fixture $name: exact message (file:line:col, dotted key)"
done
[ "$n_fixtures" -ge 11 ]
ok $? "all invalid-*.json fixtures with an .err were checked (got $n_fixtures)"

# The environment filter's settings: a wrong type and a typo are refused like any other key.
f=$T/env-type.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},\n"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]},\n"environment":{"dropSecrets":"yes"}}\n' >"$f"
refused "environment.dropSecrets as a string" -s "$f"
like "$ERR" "$f:3:30: environment.dropSecrets: expected a boolean, got a string" "environment.dropSecrets as a string: message"
f=$T/env-typo.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},\n"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]},\n"environment":{"keeps":["PATH"]}}\n' >"$f"
refused "environment.keeps" -s "$f"
like "$ERR" "$f:3:16: environment.keeps: unknown key (did you mean 'keep'?)" "environment.keeps: message"

# A few of them spelled out, so that a lost fixture cannot hide a regression.
f=$DATA/invalid-typo-plural.json
srt_run -s "$f" true
like "$ERR" "$f:5:5: filesystem.allowWrites: unknown key (did you mean 'allowWrite'?)" "unknown key 'allowWrites': suggestion 'allowWrite'"
f=$DATA/invalid-type.json
srt_run -s "$f" true
like "$ERR" "$f:4:17: filesystem.denyRead: expected an array of paths (strings or {\"path\", \"literal\"} objects), got a string" "\"denyRead\": \"x\": wrong type"
f=$DATA/invalid-empty-path.json
srt_run -s "$f" true
like "$ERR" "$f:4:28: filesystem.denyRead[1]: path cannot be empty" "empty path: position and index"
f=$DATA/invalid-duplicate.json
srt_run -s "$f" true
like "$ERR" "$f:7:5: duplicate key 'denyRead'" "duplicate key: position of the second one"
for d in 0 11; do
	f=$DATA/invalid-depth-$d.json
	srt_run -s "$f" true
	like "$ERR" "$f:4:31: mandatoryDenySearchDepth: expected an integer between 1 and 10, got $d" "mandatoryDenySearchDepth $d: refused"
done
f=$DATA/invalid-unsupported.json
srt_run -s "$f" true
like "$ERR" "$f:5:5: network.strictAllowlist: 'strictAllowlist' is not supported by this version of srt (it comes from a newer sandbox-runtime); remove it" "newer key strictAllowlist: refused by name"
f=$DATA/invalid-domain.json
srt_run -s "$f" true
like "$ERR" "$f:3:39: network.allowedDomains[1]: invalid domain pattern '*.com'" "invalid domain pattern '*.com': refused"

# ---- Network settings ----
f=$T/net.json
printf '{"network":{"allowedDomains":["example.com"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' >"$f"
srt_run -s "$f" sh -c 'echo "$HTTPS_PROXY"'
is "$RC" 0 "non-empty allowedDomains: runs, through srt's proxy"
is "$OUT" "http://localhost:3128" "non-empty allowedDomains: the proxy environment is set"
# an external proxy (httpProxyPort / socksProxyPort) is not implemented: refused, not ignored
# (its "/tmp" write root becomes this test's own directory: all of /tmp as a write root would
# scan, and put placeholders in, the directories of tests running at the same time)
rm -f "$MARK"
sed "s|\"/tmp\"|\"$T\"|" "$DATA/valid-full.json" >"$T/valid-full.json"
grep -q "\"$T\"" "$T/valid-full.json"
ok $? "valid-full.json: its /tmp write root replaced by the test's directory"
srt_run -s "$T/valid-full.json" touch "$MARK"
is "$RC" 0 "valid-full.json (every key, external proxy ports included) runs"
[ -e "$MARK" ]
ok $? "valid-full.json: the command ran"

# ---- The default file ~/.srt-settings.json ----
DEF=$HOME/.srt-settings.json
rm -f "$DEF"
probe_default() { srt_run -- "$SRT_PROBE" "$@"; }
probe_default open-write "$P/x"
is "$OUT" EROFS "no default file: embedded default, writes outside the default paths fail"
is "$RC" 0 "no default file: runs"
srt_run sh -c 'echo t >"$TMPDIR/f" && cat "$TMPDIR/f"'
is "$OUT" t "no default file: TMPDIR is writable"
srt_run -d true
like "$ERR" "no settings file at $DEF; using the embedded default" "debug output names the missing default file"

printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],\n' >"$DEF"
refused "broken default file"
is "$(sed -n 2p <<<"$ERR")" "srt: refusing to run without the rules of '$DEF'. Fix the file, or pass --settings." \
	"broken default file: the refusal names it and says how to fix it"
like "$ERR" "srt: error: $DEF:2:1: invalid JSON: " "broken default file: position of the error"

printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[],"allowWites":[]}}\n' >"$DEF"
refused "default file with an unknown key"
like "$ERR" "$DEF:1:112: filesystem.allowWites: unknown key (did you mean 'allowWrite'?)" "default file with a typo: exact position and suggestion"

S_OK=$T/ok.json
settings "$S_OK" '{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
srt_run -s "$S_OK" true
is "$RC" 0 "a broken default file does not matter when --settings is given"

settings "$DEF" '{"denyRead":[],"allowWrite":["'"$P"'"],"denyWrite":[]}'
probe_default open-write "$P/x"
is "$OUT" OK "a valid default file is used (its allowWrite works)"
probe_default open-write "$T/y"
is "$OUT" EROFS "a valid default file: writes elsewhere still fail"
probe_default open-write "$DEF"
is "$OUT" EROFS "the default file itself is never writable from inside"

: >"$DEF"
probe_default open-write "$P/x"
is "$OUT" EROFS "an empty default file (srt's own placeholder) counts as no default file"
is "$RC" 0 "an empty default file: runs"
rm -f "$DEF"

# ---- How paths in the settings resolve ----
mkdir -p "$HOME/hw" "$P/rel" "$P/plain" "$P/dw" "$P/real" "$T/other"
ln -s real "$P/link"
S_P=$T/paths.json
settings "$S_P" '{"denyRead":[],"allowWrite":["~/hw","./rel","plain","./link","dw"],"denyWrite":["dw"]}'
probe "$S_P" open-write "$HOME/hw/a"
is "$OUT" OK "\"~/hw\" resolves against HOME"
probe "$S_P" open-write "$HOME/b"
is "$OUT" EROFS "\"~/hw\" does not open the rest of HOME"
probe "$S_P" open-write "$P/rel/a"
is "$OUT" OK "\"./rel\" resolves against the cwd"
probe "$S_P" open-write "$P/plain/a"
is "$OUT" OK "\"plain\" (no ./) resolves against the cwd"
probe "$S_P" open-write "$P/dw/a"
is "$OUT" EROFS "a relative denyWrite resolves against the cwd too and wins"
probe "$S_P" open-write "$P/link/a"
is "$OUT" OK "allowWrite [\"./link\"] (a symlink to real/): writing through link/ works"
probe "$S_P" open-write "$P/real/b"
is "$OUT" OK "allowWrite [\"./link\"]: writing to real/ works (the symlink was resolved)"
[ -f "$P/real/a" ] && [ -f "$P/real/b" ] && [ -L "$P/link" ]
ok $? "both writes landed in real/ on the host, link is still a symlink"
probe "$S_P" open-write "$P/x"
is "$OUT" EROFS "the cwd itself is not writable (not listed)"
cd "$T/other" || exit 1
mkdir -p "$T/other/rel"
probe "$S_P" open-write "$T/other/rel/a"
is "$OUT" OK "relative paths resolve against the cwd of each run"
probe "$S_P" open-write "$P/rel/c"
is "$OUT" EROFS "...and not against where the settings were written"
cd "$P" || exit 1
S_H=$T/home-only.json
settings "$S_H" '{"denyRead":[],"allowWrite":["~"],"denyWrite":[]}'
probe "$S_H" open-write "$HOME/c"
is "$OUT" OK "\"~\" alone is HOME"
S_M=$T/missing-path.json
settings "$S_M" '{"denyRead":["./nope"],"allowWrite":["./does-not-exist"],"denyWrite":[]}'
srt_run -s "$S_M" true
is "$RC" 0 "paths that do not exist are skipped, not an error"

# ---- Keys that only matter elsewhere are accepted ----
srt_run -s "$DATA/valid-macos-keys.json" echo ran
is "$RC/$OUT" 0/ran "allowPty, allowUnixSockets, allowLocalBinding and ripgrep are accepted"
is "$ERR" "" "...without a message"
srt_run -s "$DATA/valid-macos-keys.json" -- "$SRT_PROBE" socket-unix
is "$OUT" EPERM "allowUnixSockets (macOS only) does not open AF_UNIX sockets on Linux"
echo orig >"$P/.bashrc"
srt_run -s "$DATA/valid-macos-keys.json" -- "$SRT_PROBE" open-write "$P/.bashrc"
is "$OUT" EROFS "ripgrep.command pointing nowhere is ignored: the mandatory denies still apply"
srt_run -s "$DATA/valid-minimal.json" echo ran
is "$RC/$OUT" 0/ran "valid-minimal.json runs"

# the example shipped in examples/ is valid and runs
if [ -f "$SRT_TESTS_DIR/../../examples/settings.json" ]; then
	OUT=$(cd "$T/proj" && "$SRT" -s "$SRT_TESTS_DIR/../../examples/settings.json" "$SRT_PROBE" open-write "$T/proj/example-ok" 2>&1)
	is "$OUT" OK "examples/settings.json is valid and allows writing the working directory"
fi

done_testing
