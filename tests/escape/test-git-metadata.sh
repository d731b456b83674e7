#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 24; reference S4, #98): make the host's git run code of the command's
# choosing the next time the user runs git in the project, through git metadata in a write
# root:
#  - create the missing `.git/commondir` (git reads it in the main git directory too) naming a
#    directory with attacker hooks and config, by redirection, rename, hard link, symlink and
#    RENAME_EXCHANGE, or remove the placeholder srt put there;
#  - `core.fsmonitor` / `core.hooksPath` in `.git/config`, a new `.git/hooks/pre-commit`;
#  - rename the parent of `.git` (reference S4) or `.git` itself and put a new one in place;
#  - `.git/info/attributes` naming a filter driver (documented: allowed; drivers come only
#    from the protected configuration, so nothing runs);
#  - `~/.config/git/config` and `~/.gitconfig` with the home directory writable;
#  - `[include]` / `[includeIf]` paths in the protected configuration (and in ~/.gitconfig)
#    naming files in the write root: existing, nested, missing, relative and `~/`; include
#    chains too deep and included files too large make srt refuse to run.
# Checks: each attempt fails, the host's git still uses `.git/hooks` and runs no attacker
# code, and the placeholder is gone after the run (also after srt was SIGKILLed).
. "$(dirname "$0")/libescape.sh"
command -v git >/dev/null || skip_all "git not installed"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR XDG_CONFIG_HOME

P=$T/proj
git init -q "$P"
echo one >"$P/f"
git -C "$P" add f && git -C "$P" commit -qm one
# The attacker's git directory: hooks that leave a mark on the host.
EVIL=$P/evil
mkdir -p "$EVIL/hooks"
printf '#!/bin/sh\ntouch %s/PWNED\n' "$T" >"$EVIL/hooks/pre-commit"
chmod +x "$EVIL/hooks/pre-commit"
cp "$P/.git/config" "$EVIL/config"
for d in objects refs; do ln -s "$P/.git/$d" "$EVIL/$d"; done
hooks_before=$(git -C "$P" rev-parse --path-format=absolute --git-path hooks)

inside "$S" 'cd '"$P"'
echo placeholder=$(cat .git/commondir 2>&1)
echo redirect=$($Q open-write .git/commondir)
printf "../evil\n" >tmp-cd; echo rename=$($Q rename tmp-cd .git/commondir)
echo link=$($Q link tmp-cd .git/commondir)
echo symlink=$($Q symlink ../evil .git/commondir)
echo exchange=$($P rename-exchange tmp-cd .git/commondir)
echo unlink=$($Q unlink .git/commondir)
echo fsmonitor=$(git config core.fsmonitor "touch '"$T"'/PWNED" 2>/dev/null && echo OK || echo FAIL)
echo hookspath=$(git config core.hooksPath '"$EVIL"'/hooks 2>/dev/null && echo OK || echo FAIL)
echo hook=$($Q open-write .git/hooks/pre-commit)
echo mvgit=$($Q rename .git .git-old)
echo mvproj=$($Q rename '"$P $T"'/proj-old)
echo attributes=$(mkdir -p .git/info && echo "f filter=evil" >.git/info/attributes && echo OK)
echo commit=$(echo two >>f && git commit -qam two && echo OK)'
like "$(res placeholder)" "." "a missing .git/commondir is held by a placeholder naming the git directory itself"
for k in redirect rename link symlink exchange unlink; do
	failed "$(res $k)" "creating or removing .git/commondir: $k"
done
is "$(res fsmonitor)" FAIL "git config core.fsmonitor fails (config read-only)"
is "$(res hookspath)" FAIL "git config core.hooksPath fails"
failed "$(res hook)" "a new .git/hooks/pre-commit cannot be created"
failed "$(res mvgit)" "renaming .git away (reference S4): refused"
failed "$(res mvproj)" "renaming the write root itself (the parent of .git): refused"
is "$(res attributes)" OK ".git/info/attributes is writable (documented: attributes only name drivers, defined in the protected config)"
is "$(res commit)" OK "git commit still works inside (the placeholder is a valid commondir)"

[ ! -e "$P/.git/commondir" ]
ok $? "after the run the placeholder .git/commondir is gone from the host"
is "$(git -C "$P" rev-parse --path-format=absolute --git-path hooks)" "$hooks_before" "the host's git still takes hooks from .git/hooks"
echo three >>"$P/f"
git -C "$P" add f && git -C "$P" commit -qm three
ok $? "a commit on the host works (the filter named in info/attributes is not defined anywhere)"
[ ! -e "$T/PWNED" ]
ok $? "no attacker hook or fsmonitor ran on the host"
is "$(git -C "$P" config --get core.hooksPath)" "" "no core.hooksPath on the host"

# While the sandbox runs, host git (the user's shell next to it) keeps working, and a SIGKILL
# of srt leaves a placeholder that the next run removes.
cd "$P" || exit 1
"$SRT" -s "$S" -- sh -c "echo >started; exec sleep 30.$$" &
srt_pid=$!
wait_for "$P/started"
is "$(cat "$P/.git/commondir" 2>&1)" "." "while the sandbox runs the host sees the placeholder '.'"
is "$(git -C "$P" rev-parse --path-format=absolute --git-path hooks)" "$hooks_before" "...and the host's git works with it, hooks unchanged"
kill -KILL "$srt_pid"
{ wait "$srt_pid"; } 2>/dev/null
rm -f "$P/started"
for _ in $(seq 100); do pgrep -f "sleep 30.$$" >/dev/null || break; sleep 0.05; done
srt_run -s "$S" -- true
[ ! -e "$P/.git/commondir" ]
ok $? "the next run removes the placeholder of the SIGKILLed run"

# The home directory writable: the user's global git configuration, both places.
SH=$T/home-w.json
settings "$SH" '{"denyRead":[],"allowWrite":["~"],"denyWrite":[]}'
cd "$HOME" || exit 1
home_before=$(host_snapshot "$HOME")
inside "$SH" 'echo xdg=$(mkdir -p ~/.config/git 2>/dev/null; printf "[core]\n\thooksPath = /tmp\n" >~/.config/git/config && echo OK || echo FAIL)
echo xdgmv=$($Q rename '"$HOME"'/.config '"$HOME"'/cfg-old)
echo gitconfig=$($Q append '"$HOME"'/.gitconfig)'
failed "$(res xdg)" "writing ~/.config/git/config with the home directory writable"
failed "$(res xdgmv)" "renaming ~/.config away (the parent of the protected file)"
failed "$(res gitconfig)" "writing ~/.gitconfig with the home directory writable"
is "$(host_snapshot "$HOME")" "$home_before" "the home directory is unchanged on the host (placeholders removed)"

# Includes: a protected configuration's `[include] path` / `[includeIf "..."] path` names a
# file that git reads as configuration; each target is protected too (recursively), existing
# or not (placeholder), wherever it is named from (docs/threat-model.md, "Configuration").
cd "$P" || exit 1
HOOKS_CFG=$(printf '[core]\n\thooksPath = %s/hooks\n' "$EVIL")
: >"$P/inc.cfg"
git -C "$P" config include.path ../inc.cfg                      # relative to .git/
printf '[include]\n\tpath = nested.cfg\n' >"$P/incif.cfg"        # nested, relative to itself
: >"$P/nested.cfg"
git -C "$P" config "includeIf.gitdir:$P/.git.path" "$P/incif.cfg" # includeIf, absolute
git -C "$P" config --add "includeIf.onbranch:main.path" "$P/later.cfg"    # missing file
git -C "$P" config --add "includeIf.onbranch:x.path" "$P/newdir/later.cfg" # missing dir too
printf '[include]\n\tpath = ~/../proj/home-inc.cfg\n' >"$HOME/.gitconfig" # ~/ expansion
: >"$P/home-inc.cfg"
proj_before=$(ls -a "$P")
inside "$S" 'cd '"$P"'
for f in inc incif nested home-inc; do
	echo $f=$(printf "%s\n" "'"$HOOKS_CFG"'" >>$f.cfg 2>/dev/null && echo OK || echo FAIL)
done
echo later=$(printf "%s\n" "'"$HOOKS_CFG"'" >later.cfg 2>/dev/null && echo OK || echo FAIL)
echo laterrm=$($Q unlink later.cfg)
echo newdir=$(mkdir -p newdir 2>/dev/null; printf "%s\n" "'"$HOOKS_CFG"'" >newdir/later.cfg 2>/dev/null && echo OK || echo FAIL)
echo mvinc=$($Q rename inc.cfg inc-old.cfg)
echo commit=$(echo four >>f && git commit -qam four && echo OK)'
is "$(res inc)" FAIL "appending core.hooksPath to the file named by [include] path (relative to .git/) fails"
is "$(res incif)" FAIL "... to the file named by [includeIf \"gitdir:...\"] path fails"
is "$(res nested)" FAIL "... to a file included by an included file (nested) fails"
is "$(res home-inc)" FAIL "... to the file that ~/.gitconfig includes as ~/... fails"
is "$(res later)" FAIL "an include target that does not exist yet cannot be created"
failed "$(res laterrm)" "its placeholder cannot be removed"
is "$(res newdir)" FAIL "an include target whose directory does not exist yet cannot be created"
failed "$(res mvinc)" "an include target cannot be renamed away"
is "$(res commit)" OK "git commit still works inside with the includes"
is "$(ls -a "$P")" "$proj_before" "the placeholders of the missing include targets are gone after the run"
git -C "$P" commit -qam five --allow-empty
ok $? "a commit on the host works"
[ ! -e "$T/PWNED" ]
ok $? "nothing ran on the host"
is "$(git -C "$P" config --get core.hooksPath)" "" "no core.hooksPath on the host"

# Symbolic links: a dangling link outside the write roots naming a missing file inside leads
# git there, so that file is held too; a link inside a write root could be re-pointed, so srt
# refuses to run.
mkdir -p "$T/ro"
ln -sfn "$P/via-link.cfg" "$T/ro/link.cfg"
git -C "$P" config --add include.path "$T/ro/link.cfg"
inside "$S" 'cd '"$P"'
echo vialink=$(printf "%s\n" "'"$HOOKS_CFG"'" >via-link.cfg 2>/dev/null && echo OK || echo FAIL)'
is "$(res vialink)" FAIL "a missing file named by a dangling link that is included cannot be created"
[ ! -e "$P/via-link.cfg" ]
ok $? "... and its placeholder is gone after the run"
git -C "$P" config --unset include.path "$T/ro/link.cfg"
# An included file reached through a link: git resolves its relative includes against the
# directory of the name it opened (the link's), not of the link's target.
mkdir -p "$T/ro2/sub"
printf '[include]\n\tpath = ../proj/relnext.cfg\n' >"$T/ro2/sub/real2.cfg"
ln -sfn "$T/ro2/sub/real2.cfg" "$T/ro/link2.cfg"
: >"$P/relnext.cfg"
git -C "$P" config --add include.path "$T/ro/link2.cfg"
inside "$S" 'cd '"$P"'
echo relnext=$(printf "%s\n" "'"$HOOKS_CFG"'" >>relnext.cfg 2>/dev/null && echo OK || echo FAIL)'
is "$(res relnext)" FAIL "a relative include in a file included through a link is resolved as git does, and protected"
git -C "$P" config --unset include.path "$T/ro/link2.cfg"
: >"$T/ro/real.cfg"
ln -sfn "$T/ro/real.cfg" "$P/lnk.cfg"
git -C "$P" config --add include.path ../lnk.cfg
srt_run -s "$S" -- sh -c 'echo ran'
ok "$([ "$RC" -ne 0 ] && [ -z "$OUT" ] && echo 0 || echo 1)" "an include target that is a symbolic link in the write root: refused, the command does not run"
like "$ERR" "symbolic link in a writable directory" "... with a message saying why"
git -C "$P" config --unset include.path ../lnk.cfg
rm -f "$P/lnk.cfg"

# An include chain deeper than git's limit (10), and an included file larger than 1 MiB: srt
# cannot be sure what to protect, so it refuses to run (and the command does not run).
for i in $(seq 1 11); do printf '[include]\n\tpath = deep%d.cfg\n' $((i + 1)) >"$P/deep$i.cfg"; done
git config -f "$P/.git/config" --add include.path ../deep1.cfg
srt_run -s "$S" -- sh -c 'echo ran'
ok "$([ "$RC" -ne 0 ] && [ -z "$OUT" ] && echo 0 || echo 1)" "an include chain deeper than 10: refused, the command does not run"
like "$ERR" "levels deep" "... with a message saying why"
rm -f "$P"/deep*.cfg
git config -f "$P/.git/config" --unset include.path ../deep1.cfg
{ printf '[core]\n'; head -c 1100000 /dev/zero | tr '\0' '#'; echo; } >"$P/big.cfg"
git config -f "$P/.git/config" --add include.path ../big.cfg
srt_run -s "$S" -- sh -c 'echo ran'
ok "$([ "$RC" -ne 0 ] && [ -z "$OUT" ] && echo 0 || echo 1)" "an included file larger than 1 MiB: refused, the command does not run"
like "$ERR" "larger than" "... with a message saying why"
git config -f "$P/.git/config" --unset include.path ../big.cfg
srt_run -s "$S" -- sh -c 'echo ran'
is "$OUT" ran "with those includes gone, the command runs again"

# A line git rejects: git refuses the whole file until the user fixes it; srt warns and still
# protects what the other lines include, so the fix brings back no writable include.
printf '[core]\n\tbad line here\n[include]\n\tpath = after-bad.cfg\n' >"$P/broken.cfg"
: >"$P/after-bad.cfg"
git config -f "$P/.git/config" --add include.path ../broken.cfg
inside "$S" 'cd '"$P"'
echo afterbad=$(printf "%s\n" "'"$HOOKS_CFG"'" >>after-bad.cfg 2>/dev/null && echo OK || echo FAIL)'
is "$(res afterbad)" FAIL "an include after a line git rejects is protected too"
like "$ERR" "syntax error on line 2" "... and srt warns about that line"
rm -f "$P/broken.cfg"
git config -f "$P/.git/config" --unset include.path ../broken.cfg
[ ! -e "$T/PWNED" ]
ok $? "nothing ran on the host"
rm -f "$HOME/.gitconfig"
done_testing
