#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Filesystem rules: reads, writes, denyRead/allowRead, denyWrite, symlinks, hard links,
# exact errnos from inside, and the host unchanged afterwards.
. "$(dirname "$0")/libtest.sh"
require_sandbox

P=$T/proj
mkdir -p "$P/src" "$P/ro" "$P/secretdir/sub" "$T/outside" "$HOME/.ssh" "$HOME/pub"
echo code >"$P/src/a.c"
echo secret >"$P/secret.txt"
echo inner >"$P/secretdir/sub/x"
echo visible >"$P/secretdir/sub/allowed.txt"
echo key >"$HOME/.ssh/id_rsa"
echo out >"$T/outside/file"
echo pub >"$HOME/pub/readme"
cd "$P" || exit 1

S=$T/s.json
settings "$S" '{"denyRead":["~/.ssh","./secret.txt","./secretdir"],"allowRead":["./secretdir/sub/allowed.txt"],"allowWrite":["."],"denyWrite":["./ro"]}'
before=$(host_snapshot "$T/outside")

probe "$S" open-read "$P/src/a.c"
is "$OUT" OK "reading an ordinary file works"
probe "$S" open-write "$P/new.txt"
is "$OUT" OK "writing inside allowWrite works"
is "$(cat "$P/new.txt" 2>/dev/null)" probe "the write reached the host"
probe "$S" open-write "$T/outside/new"
is "$OUT" EROFS "writing outside allowWrite: EROFS"
probe "$S" open-write "$T/outside/file"
is "$OUT" EROFS "overwriting outside allowWrite: EROFS"
probe "$S" open-write "$P/ro/x"
is "$OUT" EROFS "denyWrite inside allowWrite: EROFS"
probe "$S" mkdir "$P/ro/d"
is "$OUT" EROFS "mkdir in denyWrite: EROFS"

probe "$S" open-read "$HOME/.ssh/id_rsa"
is "$OUT" EACCES "denyRead directory: file unreadable (EACCES)"
probe "$S" readdir "$HOME/.ssh"
is "$OUT" EACCES "denyRead directory: cannot list (EACCES)"
probe "$S" open-write "$HOME/.ssh/new"
like "$OUT" "E" "denyRead directory: cannot create files (no writable mask, reference #149)"
is "$(ls "$HOME/.ssh")" id_rsa "the host directory is unchanged"
probe "$S" open-read "$P/secret.txt"
is "$OUT" EACCES "denyRead file: EACCES"
probe "$S" open-write "$P/secret.txt"
like "$OUT" "E" "denyRead file inside a write root: not writable"
probe "$S" chmod "$P/secret.txt" 644
is "$OUT" EROFS "denyRead file: chmod refused (EROFS)"
is "$(cat "$P/secret.txt")" secret "the secret on the host is unchanged"
probe "$S" open-read "$P/secretdir/sub/x"
is "$OUT" ENOENT "file below a denied directory with an allowRead carve-out: ENOENT (the mask is traverse-only)"
probe "$S" open-read "$P/secretdir/sub/allowed.txt"
is "$OUT" OK "allowRead re-allows a path inside a denied directory"
probe "$S" open-write "$P/secretdir/sub/allowed.txt"
is "$OUT" EROFS "allowRead does not allow writing"

# /proc magic links do not get around mounts (field notes 3.1 #6)
probe "$S" open-read "/proc/self/root$HOME/.ssh/id_rsa"
is "$OUT" EACCES "/proc/self/root/<denied file>: EACCES"
probe "$S" open-write "/proc/self/root$T/outside/new"
is "$OUT" EROFS "/proc/self/root/<outside path>: EROFS"
probe "$S" open-read "/proc/1/root$HOME/.ssh/id_rsa"
like "$OUT" "E" "/proc/1/root/<denied file>: refused"

# symlinks and hard links
ln -s "$T/outside/file" "$P/link-out"
probe "$S" open-write "$P/link-out"
is "$OUT" EROFS "writing through a symlink that points outside: EROFS"
probe "$S" symlink "$HOME/.ssh/id_rsa" "$P/l2"
is "$OUT" OK "creating a symlink to a denied file is possible..."
probe "$S" open-read "$P/l2"
is "$OUT" EACCES "...but reading through it is still denied"
probe "$S" link "$T/outside/file" "$P/hard"
is "$OUT" EXDEV "hard link to a file outside the write root: EXDEV"
probe "$S" link "$P/secret.txt" "$P/hard2"
like "$OUT" "E" "hard link to a denied file: refused"
probe "$S" rename "$P/ro" "$P/ro-moved"
is "$OUT" EBUSY "renaming a denyWrite directory: EBUSY"
probe "$S" rename "$P/secretdir" "$P/sd2"
is "$OUT" EBUSY "renaming a denied directory: EBUSY"

# system paths stay read-only, /proc is private
probe "$S" open-write /etc/srt-should-not-exist
is "$OUT" EROFS "/etc is read-only"
probe "$S" open-write /sys/kernel/mm/transparent_hugepage/enabled
like "$OUT" "E" "/sys is not writable"
probe "$S" open-write /dev/shm/x
is "$OUT" OK "/dev/shm is private and writable"
[ ! -e /dev/shm/x ]
ok $? "the sandbox's /dev/shm is not the host's"

# TMPDIR: exists, writable, private, gone afterwards
srt_run -s "$S" sh -c 'echo t > "$TMPDIR/f" && cat "$TMPDIR/f" && echo "$TMPDIR"'
like "$OUT" t "TMPDIR exists inside and is writable"
tmpdir=$(echo "$OUT" | tail -n1)
[ ! -e "$tmpdir/f" ]
ok $? "TMPDIR content does not reach the host"

# allowWrite ["/"] keeps denyWrite and mandatory denies (reference S7)
S2=$T/s2.json
settings "$S2" '{"denyRead":[],"allowWrite":["/"],"denyWrite":["'"$P"'/ro"]}'
probe "$S2" open-write "$P/ro/y"
is "$OUT" EROFS "allowWrite [\"/\"] still honours denyWrite"
probe "$S2" open-write "$P/.bashrc"
is "$OUT" EROFS "allowWrite [\"/\"] still honours the mandatory denies"
gone "$P/.bashrc"
ok $? "no .bashrc left on the host"

# denyRead on an ancestor of the write root keeps the write root usable (reference B5)
S3=$T/s3.json
settings "$S3" '{"denyRead":["'"$T"'"],"allowWrite":["'"$P"'"],"denyWrite":[]}'
probe "$S3" open-write "$P/in-denied-ancestor"
is "$OUT" OK "write root inside a denied ancestor stays writable"
probe "$S3" open-read "$T/outside/file"
is "$OUT" ENOENT "the rest of the denied ancestor is invisible (traverse-only mask)"
probe "$S3" readdir "$T"
is "$OUT" EACCES "the denied ancestor cannot be listed"

# the working directory hidden by denyRead is refused with a clear message
S4=$T/s4.json
settings "$S4" '{"denyRead":[".."],"allowWrite":[],"denyWrite":[]}'
srt_run -s "$S4" true
is "$RC" 1 "cwd hidden by denyRead: refused with status 1"
like "$ERR" "working directory" "the message names the working directory"

# a settings path that cannot be resolved for another reason than "missing" (a symlink loop)
# refuses to run instead of dropping the rule
ln -s loop-b "$T/loop-a"
ln -s loop-a "$T/loop-b"
settings "$T/loop.json" '{"denyRead":["'"$T"'/loop-a"],"allowWrite":[],"denyWrite":[]}'
srt_run -s "$T/loop.json" touch "$T/proj/ran-loop"
is "$RC" 1 "denyRead entry in a symlink loop: refused (status 1)"
like "$ERR" "cannot be resolved: Too many levels of symbolic links" "and says why"
[ ! -e "$T/proj/ran-loop" ]
ok $? "nothing ran"

after=$(host_snapshot "$T/outside")
is "$after" "$before" "nothing outside the write root changed on the host"
done_testing
