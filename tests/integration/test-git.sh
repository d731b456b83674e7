#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Real git inside the sandbox with allowWrite ["."]: everyday operations work (commit, init of a
# new repository, worktree add, commits in linked worktrees and submodules, push to a bare
# repository), while the hooks, configuration and redirection files of every repository,
# worktree, submodule and bare repository stay read-only, including a linked worktree's git
# directory outside the write root.
. "$(dirname "$0")/libtest.sh"
require_sandbox
command -v git >/dev/null 2>&1 || skip_all "git not installed"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR

S=$T/s.json
settings "$S" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'

# in DIR, run a shell command in the sandbox; $OUT, $ERR, $RC
sbx() {
	local dir=$1
	shift
	OUT=$(cd "$dir" && "$SRT" -s "$S" sh -c "$1" 2>"$T/.stderr")
	RC=$?
	ERR=$(cat "$T/.stderr")
}

# ---- a repository with a linked worktree and a submodule, made on the host ----
P=$T/proj
git init -q -b main "$P"
echo one >"$P/f"
git -C "$P" add f && git -C "$P" commit -qm one
LIB=$T/lib-src
git init -q -b main "$LIB"
echo lib >"$LIB/l"
git -C "$LIB" add l && git -C "$LIB" commit -qm lib
git -C "$P" -c protocol.file.allow=always submodule --quiet add "$LIB" sub 2>/dev/null
git -C "$P" commit -qm "add sub"
git -C "$P" worktree add -q "$P/wt" -b wtbranch 2>/dev/null
# a linked worktree outside the write root's repository: its git dir is elsewhere
O=$T/outer
git init -q -b main "$O"
echo o >"$O/o" && git -C "$O" add o && git -C "$O" commit -qm o
git -C "$O" worktree add -q "$P/owt" -b owtbranch 2>/dev/null
git init -q --bare "$P/bare.git"
[ -f "$P/sub/.git" ] && [ -f "$P/wt/.git" ] && [ -d "$P/.git/modules/sub" ] && [ -f "$P/owt/.git" ]
ok $? "host set-up: submodule, linked worktrees and bare repository exist"

# ---- everyday git inside the sandbox ----
sbx "$P" 'echo two >> f && git commit -qam two && git log --oneline | wc -l'
is "$RC/$OUT" "0/3" "git commit in the repository"
sbx "$P" 'git init -q newrepo && cd newrepo && echo x > x && git add x && git commit -qm x && git log --oneline | wc -l'
is "$RC/$OUT" "0/1" "git init and commit of a new repository inside the write root"
sbx "$P" 'git worktree add -q added -b addedbranch && cd added && echo y > y && git add y && git commit -qm y && git log --oneline | wc -l'
is "$RC/$OUT" "0/4" "git worktree add, and a commit in the new worktree"
# (srt runs in the write root P: a linked worktree's and a submodule's git directories are in
# P/.git, so they are writable only when P is; run from inside P/wt alone, allowWrite ["."]
# would leave the worktree's git directory read-only)
sbx "$P" 'cd wt && echo w > w && git add w && git commit -qm w && git rev-parse --abbrev-ref HEAD'
is "$RC/$OUT" "0/wtbranch" "a commit in an existing linked worktree"
sbx "$P" 'cd sub && echo s >> l && git commit -qam s && git log --oneline | wc -l'
is "$RC/$OUT" "0/2" "a commit inside the submodule"
sbx "$P" 'git submodule status | cut -c2- | cut -d" " -f2'
is "$RC/$OUT" "0/sub" "git submodule status"
sbx "$P" 'git push -q bare.git main 2>&1 && git --git-dir=bare.git log --oneline main | wc -l'
is "$RC/$OUT" "0/3" "push into the bare repository in the write root"
sbx "$P" 'git status --porcelain --ignore-submodules=all | grep -v "^??" | wc -l'
is "$RC/$OUT" "0/0" "git status is clean afterwards"

# ---- what must stay read-only ----
# (probes run srt from the current directory: the write root "." is P)
cd "$P" || exit 1
for f in .git/config .git/hooks/pre-commit .git/config.worktree \
	.git/worktrees/wt/commondir .git/worktrees/wt/config.worktree \
	.git/modules/sub/config .git/modules/sub/hooks/pre-commit .git/modules/sub/config.worktree \
	wt/.git sub/.git owt/.git bare.git/config bare.git/hooks/post-update; do
	probe "$S" open-write "$P/$f"
	case $OUT in
	EROFS|EACCES|EBUSY) ok 0 "$f cannot be written ($OUT)" ;;
	*) ok 1 "$f cannot be written (got $OUT)" ;;
	esac
done
# the linked worktree outside: its git directory and common directory, outside the write root
owt_gitdir=$(sed -n 's/^gitdir: //p' "$P/owt/.git")
for f in "$owt_gitdir/commondir" "$O/.git/hooks/pre-commit" "$O/.git/config"; do
	probe "$S" open-write "$f"
	is "$OUT" EROFS "outside the write root: $(basename "$(dirname "$f")")/$(basename "$f") is read-only"
done

sbx "$P" 'git config core.hooksPath /tmp/evil'
[ "$RC" -ne 0 ]
ok $? "git config core.hooksPath in the repository fails"
sbx "$P" 'git config extensions.worktreeConfig true'
[ "$RC" -ne 0 ]
ok $? "git config extensions.worktreeConfig fails"
# with extensions.worktreeConfig on (git sparse-checkout turns it on), config.worktree files
# are read as configuration: each one, existing or not, is protected
git -C "$P" config extensions.worktreeConfig true
sbx "$P" 'cd wt && git config --worktree core.fsmonitor "touch /tmp/pwned"'
[ "$RC" -ne 0 ]
ok $? "git config --worktree core.fsmonitor in a linked worktree fails"
like "$ERR" "worktrees/wt/config.worktree" "...because its config.worktree is protected"
sbx "$P" 'git config --worktree core.hooksPath /tmp/evil'
[ "$RC" -ne 0 ]
ok $? "git config --worktree core.hooksPath in the main worktree fails (missing config.worktree)"
[ ! -s "$P/.git/config.worktree" ]
ok $? "no config.worktree content on the host"
sbx "$P" 'cd sub && git config core.fsmonitor "touch /tmp/pwned"'
[ "$RC" -ne 0 ]
ok $? "git config core.fsmonitor in the submodule fails"
sbx "$P" 'printf "gitdir: /tmp/evil\n" > sub/.git'
[ "$RC" -ne 0 ] && grep -q "^gitdir: ../.git/modules/sub" "$P/sub/.git"
ok $? "the submodule's gitdir: pointer cannot be redirected"
sbx "$P" 'printf "../../../../tmp/evil\n" > .git/worktrees/wt/commondir'
[ "$RC" -ne 0 ] && [ "$(cat "$P/.git/worktrees/wt/commondir")" = "../.." ]
ok $? "a linked worktree's commondir cannot be redirected"
is "$(git -C "$P" config --get core.hooksPath)" "" "core.hooksPath unset on the host"
is "$(git -C "$P/sub" config --get core.fsmonitor)" "" "core.fsmonitor unset in the submodule on the host"

# a .git file in the write root that points to a git directory that does not exist yet: the
# sandbox must not be able to create that directory (and fill it with hooks)
mkdir -p "$P/dangling"
echo "gitdir: ../ghost-gitdir" >"$P/dangling/.git"
probe "$S" mkdir "$P/ghost-gitdir/hooks"
unlike "$OUT" OK "the missing target of a gitdir: pointer cannot be filled"
rm -rf "$P/dangling"

done_testing
