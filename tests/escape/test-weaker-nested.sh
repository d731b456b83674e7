#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack: with enableWeakerNestedSandbox (for containers that cannot mount a fresh /proc) the
# sandbox sees the host's /proc. Through it, read a denied file or write outside the write
# roots via /proc/<host pid>/root, read a host process's environment, signal host processes.
# Documented weaker (docs/threat-model.md, "enableWeakerNestedSandbox"): host processes are
# listed and their command lines and status readable; /proc/keys is not covered. Everything else must still fail, with
# Landlock and (control) without it: the sandbox's user namespace has no capability over the
# host's processes, and its pid namespace gives their pids no meaning for kill().
. "$(dirname "$0")/libescape.sh"

echo hidden >"$T/secret"
mkdir -p "$T/outside"
W=$T/weak.json
settings "$W" '{"denyRead":["'"$T"'/secret"],"allowWrite":["."],"denyWrite":[]}'
python3 - "$W" <<'PY'
import json, sys
p = sys.argv[1]; s = json.load(open(p)); s["enableWeakerNestedSandbox"] = True
json.dump(s, open(p, "w"))
PY
sed 's/"enableWeakerNestedSandbox": true/"enableWeakerNestedSandbox": true, "landlock": "off"/' \
	"$W" >"$T/weak-off.json"
grep -q '"landlock": "off"' "$T/weak-off.json"
ok $? "control settings without Landlock"

SRT_WEAK_MARK=weak-secret-$$ sleep 302 &
victim=$!
trap 'kill $victim 2>/dev/null; cleanup' EXIT
before=$(host_snapshot "$T/outside")

for s in "$W" "$T/weak-off.json"; do
	what=$([ "$s" = "$W" ] && echo "" || echo " (Landlock off)")
	# (ASan's leak check cannot list its threads with the host's /proc: off for srt-probe)
	inside "$s" 'export ASAN_OPTIONS=detect_leaks=0; echo proc=$(test -d /proc/'$victim' && echo visible || echo hidden)
echo cmdline=$(tr "\0" " " </proc/'$victim'/cmdline 2>/dev/null)
echo environ=$($Q open-read /proc/'$victim'/environ)
echo rootread=$($Q open-read /proc/'$victim'/root'"$T"'/secret)
echo rootwrite=$($Q open-write /proc/'$victim'/root'"$T"'/outside/x)
echo cwd=$($Q open-read /proc/'$victim'/cwd/secret)
echo direct=$($Q open-read '"$T"'/secret)
echo kill=$($P kill '$victim' 0)
echo fd0=$($Q open-read /proc/'$victim'/fd/0)
echo sys=$($Q open-write /proc/sys/kernel/core_pattern)'
	like "$ERR" "enableWeakerNestedSandbox" "srt warns that the mode is weaker$what"
	is "$(res proc)" visible "documented weaker: host processes are listed in /proc$what"
	like "$(res cmdline)" "sleep 302" "documented weaker: their command lines are readable$what"
	failed "$(res environ)" "a host process's environment cannot be read$what"
	failed "$(res rootread)" "a denied file cannot be read through /proc/<host pid>/root$what"
	failed "$(res rootwrite)" "no write outside the write roots through /proc/<host pid>/root$what"
	failed "$(res cwd)" "nothing through /proc/<host pid>/cwd$what"
	is "$(res direct)" EACCES "denyRead still holds$what"
	is "$(res kill)" ESRCH "host pids mean nothing to kill() inside (own pid namespace)$what"
	failed "$(res fd0)" "a host process's descriptors cannot be opened$what"
	is "$(res sys)" EROFS "the host's /proc is read-only inside (kernel.core_pattern)$what"
done
kill -0 $victim 2>/dev/null
ok $? "the host process is still alive"
is "$(host_snapshot "$T/outside")" "$before" "nothing was written outside on the host"
done_testing
