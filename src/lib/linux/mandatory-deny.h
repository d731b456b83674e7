/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finds the paths under a write root that must never be writable from inside the sandbox
 * (shell start-up files, git hooks and config, editor and agent settings): srt's own directory
 * walk, no ripgrep, no ignore files, never following symlinks.
 *
 * The walk itself is fs-scan.c's (one pass for these names and for the glob rules); this file
 * holds the protected names and the checks made in each directory the walk visits, git
 * included:
 *  - a ".git" directory, a bare repository (a directory with HEAD, objects/ and refs/), and
 *    every git directory found below "modules/" of those (submodules, nested): hooks/,
 *    config, config.worktree, and commondir (existing or not);
 *  - "worktrees/NAME/" of each: commondir and config.worktree;
 *  - a ".git" FILE (linked worktree, submodule): the file itself, and the git directory its
 *    "gitdir:" names, wherever it is (its missing target too), with that directory's
 *    commondir followed once, as git does (git-pointer.h parses both files).
 */
#pragma once

#include <stdbool.h>

#include "mount-plan.h"

/* Hard cap on directory entries examined per scan; a tree larger than this within the
 * search depth is refused (fail closed) rather than scanned partially. */
#define MANDATORY_SCAN_MAX_ENTRIES 2000000

struct mandatory_opts {
	int depth;             /* mandatoryDenySearchDepth, 1..10: entries of the root are depth 1 */
	bool allow_git_config; /* filesystem.allowGitConfig */
};

/* Called for each protected path. `type` is NODE_MISSING for the static names at the write
 * root that do not exist yet (the caller creates a placeholder of type `want` for them; `want`
 * is NODE_DIR or NODE_OTHER). `why` is one of mandatory_whys[]. Return <0 to stop. */
typedef int (*mandatory_add_fn)(void *userdata, const char *path, enum node_type type,
				enum node_type want, const char *why);

/* The `why` of a git directory's missing "commondir": its placeholder must contain
 * PLACEHOLDER_COMMONDIR_SELF (placeholders.h), not be empty (git dies on an empty one). */
#define MANDATORY_WHY_MISSING_COMMONDIR "mandatory (missing git commondir)"

/* Every `why` label the checks use (static strings; the scan cache stores their index). */
extern const char *const mandatory_whys[];
extern const unsigned mandatory_whys_count;

/* Where the per-directory checks report to. `watch` is told every path whose directory
 * listing or file content a result depended on (NULL: a result depended on something that
 * cannot be watched, such as a symbolic link resolved on the way to a git directory);
 * `lookup` every path whose type (missing, directory, other, link) was looked at (dir/rel, or
 * dir alone when rel is NULL). Either may be NULL. */
struct mandatory_sink {
	mandatory_add_fn add;
	int (*watch)(void *ud, const char *path);
	void (*lookup)(void *ud, const char *dir, const char *rel, enum node_type t);
	void *ud;
};


/* The checks for a write root `root` (open as dfd): every protected name directly in it,
 * existing or not, its repository, ".claude" children, bare repository. */
int mandatory_check_root(int dfd, const char *root, const struct mandatory_opts *o,
			 const struct mandatory_sink *s);

/* Which names the walk saw in a directory (mandatory_check_dir() looks only for those). */
enum {
	MANDATORY_SAW_GIT = 1 << 0,    /* ".git", any type */
	MANDATORY_SAW_CLAUDE = 1 << 1, /* ".claude", any type */
	MANDATORY_SAW_HEAD = 1 << 2,   /* "HEAD", any type: maybe a bare repository */
};

/* The checks for a directory deeper down (entries at depth > 1): its ".git", ".claude", and
 * whether it is itself a bare repository, for the names in `saw`. The entries themselves are
 * checked by the walk with the predicates above. */
int mandatory_check_dir(int dfd, const char *dir, const struct mandatory_opts *o,
			const struct mandatory_sink *s, unsigned saw);

/* Scans `root` (absolute, canonical, a directory) alone, without cache: fs_scan() with this one
 * mandatory root and no glob rules. Returns the number of entries examined,
 * -E2BIG when MANDATORY_SCAN_MAX_ENTRIES is exceeded, or another -errno. */
long mandatory_deny_scan(const char *root, const struct mandatory_opts *o, mandatory_add_fn add,
			 void *userdata);
