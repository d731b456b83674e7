/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OS (reads only: realpath): one filesystem entry of the settings (denyRead, allowRead,
 * allowWrite, denyWrite) made into what the Linux backend enforces:
 *   - a literal entry (no glob syntax, or a {"path", "literal": true} object): its path, made
 *     absolute; the caller resolves it as before (path_canonical(), mounted if it exists);
 *   - a glob: the absolute pattern with its literal prefix (path_glob_literal_prefix())
 *     replaced by that prefix's real path, escaped, and compiled. The filesystem scan matches
 *     it against the tree below the prefix (fs-scan.h) without following symbolic links, so the
 *     prefix must be free of them.
 * The pattern semantics are written once, in srt-settings(5) ("Paths and patterns").
 */
#pragma once

#include <stdbool.h>

#include "mount-plan.h"
#include "path-glob.h"

struct path_rule {
	enum rule_kind kind;
	const char *what; /* "denyRead", ... (static) */
	const char *raw;  /* the entry as written (borrowed from the settings) */
	char *literal;	  /* literal entries: the absolute path (unescaped); else NULL */
	char *pattern;	  /* globs: the absolute pattern, canonical prefix; else NULL */
	struct path_glob *glob; /* globs: compiled pattern; else NULL */
	bool prefix_missing;	/* globs: the literal prefix does not exist (nothing matches now) */
};

/* Resolves one entry. 0; -EINVAL with *ret_reason (static) for an invalid pattern or a missing
 * home/cwd; -ENOMEM; another -errno from realpath() of the prefix (other than ENOENT and
 * ENOTDIR, which mean "nothing matches now"). */
int path_rule_resolve(const char *raw, enum rule_kind kind, const char *what, const char *home,
		      const char *cwd, struct path_rule *ret, const char **ret_reason);

void path_rule_clear(struct path_rule *r);

/* Could a path created at or below `root` (a writable directory, canonical) match the glob
 * rule? Literal rules: could their path be created there (it lies at or below root)? */
bool path_rule_may_match_at_or_below(const struct path_rule *r, const char *root);
