#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 14; reference issue #58, I2): read secrets from the environment srt was
# started with (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, ...), through the command's own
# environment, /proc/self/environ or the environment of the sandbox's pid 1.
# docs/threat-model.md, "Environment": by default the command inherits srt's environment
# (documented, asserted below as documented); "environment": {"dropSecrets": true} closes it,
# with "keep" for what the command needs and "drop" for more. srt's own variables (TMPDIR,
# the proxy variables) are set after the filter: "keep" cannot bring the caller's back.
. "$(dirname "$0")/libescape.sh"

secret=ghp_srt_escape_$$
fs='{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'
secrets=(GITHUB_TOKEN="$secret" AWS_SECRET_ACCESS_KEY="$secret" ANTHROPIC_API_KEY="$secret"
	my_password="$secret" CI_KEPT_TOKEN=kept_$$ LANG=C.UTF-8 EDITOR=vi)

# The documented default: everything is inherited.
env "${secrets[@]}" "$SRT" -s "$S" -- /usr/bin/env >"$T/default.out" 2>/dev/null
OUT=$(cat "$T/default.out")
like "$OUT" "GITHUB_TOKEN=$secret" "default (documented): the command inherits srt's environment, GITHUB_TOKEN included"
OUT=$(GITHUB_TOKEN=$secret env -u GITHUB_TOKEN "$SRT" -s "$S" -- /usr/bin/env 2>/dev/null)
unlike "$OUT" "$secret" "without the option, env -u NAME keeps a variable out"

# The option.
D=$T/drop.json
settings "$D" "$fs" '"environment":{"dropSecrets":true,"keep":["CI_KEPT_TOKEN","TMPDIR"]}'
# (a known environment, so that the count below is exact)
OUT=$(env -i PATH="$PATH" HOME="$HOME" "${secrets[@]}" TMPDIR=/caller-tmp-$$ \
	"$SRT" --debug -s "$D" -- /usr/bin/env 2>"$T/drop.err")
RC=$?
ERR=$(cat "$T/drop.err")
is "$RC" 0 "dropSecrets: the command runs"
unlike "$OUT" "$secret" "dropSecrets: no secret value reaches the command"
for n in GITHUB_TOKEN AWS_SECRET_ACCESS_KEY ANTHROPIC_API_KEY my_password; do
	unlike "$OUT" "$n=" "dropSecrets: $n is not in the command's environment"
done
like "$OUT" "PATH=" "dropSecrets: PATH passes"
like "$OUT" "HOME=" "dropSecrets: HOME passes"
like "$OUT" "LANG=C.UTF-8" "dropSecrets: LANG passes"
like "$OUT" "EDITOR=vi" "dropSecrets: other variables pass"
like "$OUT" "CI_KEPT_TOKEN=kept_$$" "a token listed in keep passes"
unlike "$OUT" "TMPDIR=/caller-tmp-$$" "keep does not bring back the caller's TMPDIR (srt sets its own after the filter)"
like "$OUT" "TMPDIR=/" "... the command has srt's TMPDIR"
like "$ERR" "environment: 4 variables removed: " "--debug reports the removal"
for n in GITHUB_TOKEN AWS_SECRET_ACCESS_KEY ANTHROPIC_API_KEY my_password; do
	like "$ERR" "$n" "--debug names $n"
done
unlike "$ERR" "$secret" "--debug never shows a value"

# A name carrying a terminal sequence is logged escaped.
ERR=$(env $'EVIL\e]0;pwned\a_TOKEN=x' "$SRT" --debug -s "$D" -- true 2>&1 >/dev/null)
like "$ERR" 'EVIL\x1b]0;pwned\x07_TOKEN' "--debug escapes control bytes in removed names"
unlike "$ERR" $'\e' "... no raw escape byte reaches the log"

# The same environment read through /proc: the command's own, and that of the sandbox's pid 1
# (bwrap's init, started with the filtered environment too).
# (cat opens the file itself: an environ file opened before an execve reads as empty)
OUT=$(env "${secrets[@]}" "$SRT" -s "$D" -- /bin/sh -c \
	'cat /proc/self/environ | tr "\000" "\n"; cat /proc/1/environ | tr "\000" "\n"' 2>&1)
like "$OUT" "EDITOR=vi" "/proc/self/environ was read"
unlike "$OUT" "$secret" "no secret in /proc/self/environ or /proc/1/environ (read or refused)"

# keep cannot re-admit the proxy variables srt sets (network on).
N=$T/net.json
printf '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":%s,%s}\n' \
	"$fs" '"environment":{"dropSecrets":true,"keep":["HTTP_PROXY","https_proxy","*PROXY*"]}' >"$N"
OUT=$(HTTP_PROXY=http://attacker.invalid:1 https_proxy=http://attacker.invalid:2 \
	"$SRT" -s "$N" -- /usr/bin/env 2>/dev/null)
like "$OUT" "HTTP_PROXY=http://" "network on: HTTP_PROXY is set"
unlike "$OUT" "attacker.invalid" "keep does not bring back the caller's proxy variables"

# A pass list: drop everything but what is kept.
P=$T/pass.json
settings "$P" "$fs" '"environment":{"drop":["*"],"keep":["PATH","HOME","LANG"]}'
OUT=$(env "${secrets[@]}" "$SRT" -s "$P" -- /usr/bin/env 2>/dev/null)
like "$OUT" "PATH=" "pass list: PATH passes"
like "$OUT" "LANG=C.UTF-8" "pass list: LANG passes"
unlike "$OUT" "EDITOR=" "pass list: everything else is dropped"
unlike "$OUT" "CI_KEPT_TOKEN" "pass list: a token not listed is dropped"
like "$OUT" "SANDBOX_RUNTIME=1" "pass list: srt's own variables are still set"

# A user drop pattern without dropSecrets.
U=$T/user.json
settings "$U" "$fs" '"environment":{"drop":["GITHUB_*","*_password"]}'
OUT=$(env "${secrets[@]}" "$SRT" -s "$U" -- /usr/bin/env 2>/dev/null)
unlike "$OUT" "GITHUB_TOKEN=" "drop: GITHUB_* removes GITHUB_TOKEN"
unlike "$OUT" "my_password=" "drop: *_password removes my_password"
like "$OUT" "AWS_SECRET_ACCESS_KEY=$secret" "drop alone: the built-in list is not applied"

# Invalid settings: refused, nothing runs.
B=$T/bad.json
settings "$B" "$fs" '"environment":{"dropSecret":true}'
OUT=$("$SRT" -s "$B" -- /bin/echo ran 2>&1)
RC=$?

ok $([ "$RC" -ne 0 ]; echo $?) "a misspelt key is an error (status $RC)"
like "$OUT" "environment.dropSecret: unknown key (did you mean 'dropSecrets'?)" "... with a suggestion"
unlike "$OUT" "ran" "... and the command does not run"
done_testing
