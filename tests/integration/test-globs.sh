#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Glob entries in denyRead, allowRead, allowWrite and denyWrite enforced on Linux; literal path
# objects; files created after the start under a deny glob (exactly what srt-settings(5)
# promises); relative and ".." entries; filesystem.privateTmp; /dev/shm.
. "$(dirname "$0")/libtest.sh"
require_sandbox

P=$T/proj
mkdir -p "$P/a/b" "$P/c" "$P/d1/d2/d3/d4/d5" "$P/keys/secrets" "$P/out-1" "$P/out-2" \
	"$P/other" "$T/outside" "$T/sibling" "$HOME/conf"
echo s1 >"$P/a/key.pem"
echo s2 >"$P/a/b/x.pem"
echo s3 >"$P/d1/d2/d3/d4/d5/deep.pem"
echo plain >"$P/c/f.txt"
echo inner >"$P/keys/secrets/token"
echo E >"$P/a/.env"
echo real-secret >"$T/outside/realsecret"
ln -s "$T/outside/realsecret" "$P/c/link.pem"
ln -s "$T/outside" "$P/out-link"
echo pub >"$HOME/conf/id.pub"
echo priv >"$HOME/conf/id"
echo sib >"$T/sibling/file"
cd "$P" || exit 1

# ---- globs in the four lists, with real files ----
S=$T/s.json
settings "$S" '{"denyRead":["**/*.pem","**/secrets","~/conf"],"allowRead":["~/conf/*.pub"],
 "allowWrite":[".","out-*"],"denyWrite":["**/.env"]}'
probe "$S" open-read "$P/a/key.pem"
is "$OUT" EACCES "denyRead **/*.pem: a file in a subdirectory is hidden"
probe "$S" open-read "$P/a/b/x.pem"
is "$OUT" EACCES "denyRead **/*.pem: deeper down too"
probe "$S" open-read "$P/d1/d2/d3/d4/d5/deep.pem"
is "$OUT" EACCES "denyRead **/*.pem: deeper than mandatoryDenySearchDepth"
probe "$S" open-read "$P/c/f.txt"
is "$OUT" OK "a file the glob does not match stays readable"
probe "$S" readdir "$P/keys/secrets"
is "$OUT" EACCES "denyRead **/secrets: the matching directory cannot be listed"
probe "$S" open-read "$P/keys/secrets/token"
is "$OUT" EACCES "... nor anything in it read"
probe "$S" open-read "$HOME/conf/id.pub"
is "$OUT" OK "allowRead ~/conf/*.pub inside denyRead ~/conf: readable"
probe "$S" open-read "$HOME/conf/id"
is "$OUT" ENOENT "the rest of ~/conf stays hidden (traverse-only mask)"
probe "$S" open-read "$P/c/link.pem"
is "$OUT" EACCES "a deny glob matching a symbolic link hides what it points to"
probe "$S" open-read "$T/outside/realsecret"
is "$OUT" EACCES "... also under its own name"
probe "$S" open-write "$P/a/.env"
is "$OUT" EROFS "denyWrite **/.env: an existing .env is read-only"
is "$(cat "$P/a/.env")" E "and unchanged on the host"
probe "$S" open-write "$P/out-1/new"
is "$OUT" OK "allowWrite out-*: a matching directory is writable"
probe "$S" open-write "$P/out-1/.bashrc"
is "$OUT" EROFS "a write root added by a glob gets the mandatory denies too"
probe "$S" open-write "$P/out-link/new"
is "$OUT" EROFS "an allow glob does not follow a matching symbolic link"
[ ! -e "$T/outside/new" ]
ok $? "nothing was written through the link"

# ---- files created after the start (srt-settings(5) "Files created later"): the creation
# guard refuses them (tests/integration/test-create-guard.sh has the details) ----
srt_run -s "$S" sh -c 'echo new >"$1/b/new.pem"' sh "$P/a"
is "$RC" 2 "a .pem created during the run is refused (creation guard)"
[ ! -e "$P/a/b/new.pem" ]
ok $? "and does not exist on the host"
unlike "$ERR" "protects existing files only" "no warning any more: the guard covers it"
srt_run -s "$S" sh -c 'echo x >"$1/.env"' sh "$P"
is "$RC" 2 "a new .env directly in the write root cannot be created (placeholder)"
[ ! -s "$P/.env" ]
ok $? "and nothing was written to the host"
gone "$P/.env"
ok $? "the placeholder is gone after the run"
srt_run -s "$S" sh -c 'echo x >"$1/c/.env"' sh "$P"
is "$RC" 2 "a new .env in a subdirectory is refused too (creation guard)"
[ ! -e "$P/c/.env" ]
ok $? "and does not exist on the host"
srt_run -s "$S" sh -c 'echo ok >"$1/c/new.txt" && cat "$1/c/new.txt"' sh "$P"
is "$OUT" ok "other names in the same directory are created as usual"
rm -f "$P/c/.env" "$P/a/b/new.pem" "$P/c/new.txt"

# literal deny entries that do not exist: a placeholder where their directory exists in a
# write root, the creation guard where it does not
settings "$T/lit-missing.json" '{"denyRead":["./c/later-secret"],"allowWrite":["."],
 "denyWrite":["./later.txt","./nodir/deeper.txt"]}'
srt_run -s "$T/lit-missing.json" sh -c 'echo x >"$1/later.txt"; echo "w=$?"; mkdir "$1/c/later-secret"; echo "m=$?"; mkdir -p "$1/nodir" && echo y >"$1/nodir/deeper.txt"; echo "d=$?"' sh "$P"
like "$OUT" "w=2" "a missing denyWrite file whose directory exists cannot be created (placeholder)"
like "$OUT" "m=1" "a missing denyRead path cannot be created either, not even as a directory"
like "$OUT" "d=2" "a missing deny path whose directory is missing too is refused (creation guard)"
unlike "$ERR" "does not exist; if it is created" "no warning any more"
[ ! -e "$P/later.txt" ] && [ ! -e "$P/c/later-secret" ] && [ ! -e "$P/nodir/deeper.txt" ]
ok $? "the placeholders are gone after the run, and the deeper file was never created"
rm -rf "$P/nodir"

# strictDenyGlobs: with the creation guard there is nothing left to refuse for; it runs
S2=$T/strict.json
settings "$S2" '{"denyRead":["**/*.pem"],"allowWrite":["."],"denyWrite":[],"strictDenyGlobs":true}'
srt_run -s "$S2" sh -c 'touch "$1/ran-strict"; touch "$1/ran-strict.pem"' sh "$P"
is "$RC" 1 "strictDenyGlobs: runs; the guarded creation fails"
[ -e "$P/ran-strict" ] && [ ! -e "$P/ran-strict.pem" ]
ok $? "the plain file was created, the .pem was not"
rm -f "$P/ran-strict"
# ... and a deny glob no write root can hold is fine with it
settings "$S2" '{"denyRead":["~/conf/*"],"allowWrite":["."],"denyWrite":[],"strictDenyGlobs":true}'
probe "$S2" open-read "$HOME/conf/id"
is "$OUT" EACCES "strictDenyGlobs: a deny glob outside every write root runs and applies"

# ---- literal objects ----
echo bracket >"$P/c/lit[1].txt"
echo one >"$P/c/lit1.txt"
settings "$S2" '{"denyRead":[{"path":"c/lit[1].txt","literal":true}],"allowWrite":[],"denyWrite":[]}'
probe "$S2" open-read "$P/c/lit[1].txt"
is "$OUT" EACCES "a literal object hides the file with '[' in its name"
probe "$S2" open-read "$P/c/lit1.txt"
is "$OUT" OK "and not what the same text as a glob would match"
settings "$S2" '{"denyRead":["c/lit[1].txt"],"allowWrite":[],"denyWrite":[]}'
probe "$S2" open-read "$P/c/lit1.txt"
is "$OUT" EACCES "the same text as a glob: a class"
probe "$S2" open-read "$P/c/lit[1].txt"
is "$OUT" OK "which does not match the bracketed name"

# ---- invalid patterns: refused with line and column ----
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},\n"filesystem":{"denyRead":["a/[b"],"allowWrite":[],"denyWrite":[]}}\n' >"$T/bad.json"
srt_run -s "$T/bad.json" touch "$P/ran-bad"
is "$RC" 1 "an invalid glob: the settings are refused (status 1)"
like "$ERR" "bad.json:2:27: filesystem.denyRead[0]: invalid path pattern 'a/[b'" \
	"with file, line, column and entry"
[ ! -e "$P/ran-bad" ]
ok $? "nothing ran"

# ---- many matches: one mount each, arguments through a descriptor ----
mkdir -p "$P/many"
(cd "$P/many" && for i in $(seq 1 1400); do : >"f$i.tok"; done)
settings "$S2" '{"denyRead":["many/*.tok"],"allowWrite":[],"denyWrite":[]}'
probe "$S2" open-read "$P/many/f1399.tok"
is "$OUT" EACCES "1,400 matches: all enforced (arguments through a descriptor)"
(cd "$P/many" && for i in $(seq 1401 1501); do : >"f$i.tok"; done)
srt_run -s "$S2" touch "$P/ran-many"
is "$RC" 125 "more than 1,500 matches: refused (status 125)"
like "$ERR" "match more than 1500 existing paths" "and says why"
[ ! -e "$P/ran-many" ]
ok $? "nothing ran"
rm -rf "$P/many"

# ---- relative and ".." entries (reference #79) ----
settings "$S2" '{"denyRead":[".."],"allowRead":["."],"allowWrite":[],"denyWrite":[]}'
probe "$S2" open-read "$P/c/f.txt"
is "$OUT" OK "denyRead .. with allowRead .: the working directory stays readable"
probe "$S2" open-read "$T/sibling/file"
is "$OUT" ENOENT "and its siblings are hidden (traverse-only mask)"
settings "$S2" '{"denyRead":["../sibling"],"allowWrite":[],"denyWrite":[]}'
probe "$S2" open-read "$T/sibling/file"
is "$OUT" EACCES "denyRead ../sibling: relative to the working directory"
settings "$S2" '{"denyRead":["../*/file"],"allowWrite":[],"denyWrite":[]}'
probe "$S2" open-read "$T/sibling/file"
is "$OUT" EACCES "a '..' before the glob is resolved first"
settings "$S2" '{"denyRead":["a/*/../x"],"allowWrite":[],"denyWrite":[]}'
srt_run -s "$S2" true
is "$RC" 1 "a '..' after a glob component is refused"
like "$ERR" "'..' after a glob component" "with the reason"

# ---- private /tmp ----
HOSTTMP=$(mktemp /tmp/srt-gt-host.XXXXXX)
echo host >"$HOSTTMP"
S3=$T/private.json
settings "$S3" '{"denyRead":[],"allowWrite":["."],"denyWrite":[],"privateTmp":true}'
probe "$S3" open-read "$HOSTTMP"
is "$OUT" ENOENT "privateTmp: the host's /tmp files are not there"
srt_run -s "$S3" sh -c 'echo in >/tmp/srt-gt-inner && cat /tmp/srt-gt-inner && echo "$TMPDIR" && echo t >"$TMPDIR/t" && cat "$TMPDIR/t"'
is "$OUT" "in
/tmp/srt-$(id -u)
t" "privateTmp: /tmp and TMPDIR inside it are writable"
[ ! -e /tmp/srt-gt-inner ]
ok $? "what the command wrote to /tmp is not on the host"
probe "$S3" open-read /tmp/srt-gt-inner
is "$OUT" ENOENT "and not in the next run either (per run)"
probe "$S3" open-write "$P/from-private"
is "$OUT" OK "a write root below /tmp is bound in and writable"
[ -e "$P/from-private" ]
ok $? "and the write reached the host"
probe "$S3" open-read "$T/outside/realsecret"
is "$OUT" ENOENT "the rest of the host's /tmp tree is not there"
probe "$S3" open-write "$P/.bashrc"
is "$OUT" EROFS "the mandatory denies of a write root below /tmp still apply"
settings "$S3" '{"denyRead":[],"allowRead":["'"$T"'/outside"],"allowWrite":[],"denyWrite":[],"privateTmp":true}'
probe "$S3" open-read "$T/outside/realsecret"
is "$OUT" OK "privateTmp: an allowRead entry below /tmp is bound in"
probe "$S3" open-write "$T/outside/new"
is "$OUT" EROFS "read-only"
probe "$S3" open-read "$P/c/f.txt"
is "$OUT" OK "the working directory below /tmp stays visible"
probe "$S3" open-write "$P/c/nope"
is "$OUT" EROFS "read-only, as no allowWrite covers it"
settings "$S3" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'
probe "$S3" open-read "$HOSTTMP"
is "$OUT" OK "without privateTmp (the default) the host's /tmp is visible"
probe "$S3" open-write /tmp/srt-gt-nope
is "$OUT" EROFS "and read-only"
rm -f "$HOSTTMP"

# ---- /dev/shm ----
SHM=$(mktemp /dev/shm/srt-gt.XXXXXX)
probe "$S3" open-read "$SHM"
is "$OUT" ENOENT "the host's /dev/shm files are not visible inside"
rm -f "$SHM"

done_testing
