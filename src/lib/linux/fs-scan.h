/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OS (reads only): one walk of each tree that srt's filesystem policy depends on, reporting
 *  (a) every existing path that matches one of a set of compiled glob rules, tagged with the
 *      rule, and
 *  (b) the protected paths of mandatory-deny.h under each write root, with exactly the
 *      results and depth semantics of the walk that used to do only that,
 * in the same pass, with openat()/getdents64(), never following a symbolic link (every
 * directory is opened with O_NOFOLLOW relative to its parent; symlinks are reported as links,
 * never entered), pruning with path_glob_state_may_match_below(), and bounded: more than
 * max_entries directory entries fail the whole scan with -E2BIG (fail closed).
 *
 * Walk starts: every mandatory root, and the literal prefix of every rule (path-glob.h), which
 * must contain no symbolic link (-ELOOP otherwise: the caller resolves prefixes first). A start
 * below another start is reached by the outer walk, which descends towards it even where
 * nothing else would make it descend; so each directory is read once per scan. A prefix that
 * does not exist has nothing to match.
 *
 * Rules: a path P is reported for rule R when R matches P, unless P is below a directory D
 * that R alone matched and no other rule matched any path from below D to P, P included, and
 * no mandatory path was reported on the way (then D's rule already covers P: under "most
 * specific rule wins" nothing changes by reporting it). So a rule for every node_modules
 * directory and everything in it yields each node_modules directory, not its 100,000 files,
 * and the walk does not enter a directory in which only covered rules could match. "/" is never walked into /proc, /sys or /dev (the
 * sandbox gets fresh instances).
 *
 * The cache (fs-scan-cache.h) makes a repeated scan of an unchanged tree a few thousand
 * lstat() calls; see there for what makes it stale.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs-cache-format.h"
#include "linux/mandatory-deny.h"
#include "mount-plan.h"
#include "path-glob.h"

#define FS_SCAN_MAX_RULES 256
#define FS_SCAN_MAX_ENTRIES MANDATORY_SCAN_MAX_ENTRIES
/* Deeper directories fail the scan (-ELOOP): a path this long cannot be mounted anyway. */
#define FS_SCAN_MAX_DEPTH 512

struct fs_scan_rule {
	const struct path_glob *glob;
	const char *pattern; /* its text: part of the cache key */
};

enum fs_hit_kind {
	FS_HIT_RULE,
	FS_HIT_MANDATORY,
};

/* struct fs_scan_hit (fs-cache-format.h): path, rule (FS_HIT_RULE: index into opts.rules),
 * kind, type (NODE_MISSING for mandatory paths only; NODE_SYMLINK for links, never entered),
 * want (the placeholder type of a missing path), why (FS_HIT_MANDATORY: mandatory_whys[]). */

struct fs_scan_opts {
	const struct fs_scan_rule *rules; /* n_rules <= FS_SCAN_MAX_RULES */
	size_t n_rules;
	const char *const *mandatory_roots; /* NULL-terminated canonical directories, or NULL */
	struct mandatory_opts mandatory;
	const char *cache_dir; /* srt's state directory; NULL: no cache */
	long max_entries;      /* 0: FS_SCAN_MAX_ENTRIES */
};

struct fs_scan_result {
	struct fs_scan_hit *hits;
	size_t n_hits;
	long entries;	 /* directory entries examined (by the scan that filled the cache) */
	size_t n_watched; /* directories and files the result depends on */
	bool from_cache;
	bool cacheable;	 /* false: the result was not stored (see fs-scan-cache.h) */
	char *failed_at; /* on failure, the start or path being scanned, when known */
};

/* Scans. 0, or -E2BIG (too many entries), -ELOOP (a symbolic link in a rule's prefix, or too
 * deep), -EFBIG (a git pointer file too large to be read safely), -ENOMEM, another -errno;
 * ret->failed_at says where when it can. ret is filled on success; free it in any case. */
int fs_scan(const struct fs_scan_opts *o, struct fs_scan_result *ret);

void fs_scan_result_free(struct fs_scan_result *r);

/* The label of a hit: mandatory_whys[why] or "glob rule". */
const char *fs_scan_hit_why(const struct fs_scan_hit *h);
