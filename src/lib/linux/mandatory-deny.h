/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finds the paths under a write root that must never be writable from inside the sandbox
 * (shell start-up files, git hooks and config, editor and agent settings): srt's own directory
 * walk, no ripgrep, no ignore files, never following symlinks.
 */
#pragma once

#include <stdbool.h>

#include "mount-plan.h"

/* Hard cap on directory entries examined per write root; a tree larger than this within the
 * search depth is refused (fail closed) rather than scanned partially. */
#define MANDATORY_SCAN_MAX_ENTRIES 2000000

struct mandatory_opts {
	int depth;             /* mandatoryDenySearchDepth, 1..10: entries of the root are depth 1 */
	bool allow_git_config; /* filesystem.allowGitConfig */
};

/* Called for each protected path. `type` is NODE_MISSING for the static names at the write
 * root that do not exist yet (the caller creates a placeholder of type `want` for them; `want`
 * is NODE_DIR or NODE_OTHER). Return <0 to stop. */
typedef int (*mandatory_add_fn)(void *userdata, const char *path, enum node_type type,
				enum node_type want, const char *why);

/* Scans `root` (absolute, canonical, a directory). Returns the number of entries examined,
 * -E2BIG when MANDATORY_SCAN_MAX_ENTRIES is exceeded, or another -errno. */
long mandatory_deny_scan(const char *root, const struct mandatory_opts *o, mandatory_add_fn add,
			 void *userdata);
