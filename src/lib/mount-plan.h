/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: turns filesystem rules into an ordered list of mounts for bubblewrap.
 *
 * Semantics (documented in docs/architecture.md and srt-settings(5)):
 *  - reads are allowed everywhere except under denyRead; allowRead (and allowWrite) re-allow
 *    reads below a denied path. The most specific rule wins; on a tie allowRead beats denyRead
 *    and denyRead beats allowWrite.
 *  - writes are denied everywhere except under allowWrite; denyWrite (and anything read-denied)
 *    wins below it. The most specific rule wins; on a tie the deny wins.
 *  - every directory between a write root and a denied path inside it is "pinned" (bind-mounted
 *    onto itself) so that it cannot be renamed away (rename-the-parent attack, EBUSY).
 * The planner never touches the filesystem: callers pass each path's type.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum rule_kind {
	RULE_ALLOW_WRITE,
	RULE_ALLOW_READ,
	RULE_DENY_WRITE,
	RULE_DENY_READ,
};

enum node_type {
	NODE_MISSING,
	NODE_DIR,
	NODE_OTHER, /* regular file, socket, device, ... */
	NODE_SYMLINK, /* reported by scans only (a protected name that is a symbolic link); never
		       * planned: a link cannot be a mount point */
};

struct plan_rule {
	char *path; /* absolute, normalised, symlinks resolved */
	enum rule_kind kind;
	enum node_type type;
	const char *why; /* static label for diagnostics: "denyRead", "mandatory", ... */
};

struct mount_plan {
	struct plan_rule *rules;
	size_t n, cap;
};

enum access_state {
	ACCESS_HIDDEN, /* neither readable nor writable */
	ACCESS_RO,
	ACCESS_RW,
};

enum op_kind {
	OP_BIND_RW,   /* --bind p p */
	OP_BIND_RO,   /* --ro-bind p p */
	OP_MASK_DIR,  /* empty tmpfs, mode 0000 (0111 if `traverse`), made read-only at the end */
	OP_MASK_FILE, /* empty file, mode 0000, read-only */
};

struct mount_op {
	enum op_kind kind;
	char *path;
	bool traverse; /* OP_MASK_DIR with visible descendants: mode 0111 instead of 0000 */
	bool pin;      /* only here to stop renames of this directory */
	const char *why;
};

/* Adds a rule (path is copied; duplicates of the same path+kind are merged). 0 or -ENOMEM,
 * -EINVAL for a non-absolute path. */
int plan_add(struct mount_plan *p, const char *path, enum rule_kind kind, enum node_type type,
	     const char *why);

/* The access the sandbox gets at `path` under the current rules. */
enum access_state plan_access(const struct mount_plan *p, const char *path);

/* The access the sandbox really has at `path` once the plan is mounted (rules for missing paths
 * mount nothing, so they are left out, unlike plan_access()), and the rule that decides it:
 * for ACCESS_HIDDEN the read rule (denyRead), otherwise the write rule (allowWrite,
 * denyWrite, denyRead), or NULL when no rule covers the path (read-only by default). */
enum access_state plan_explain(const struct mount_plan *p, const char *path,
			       const struct plan_rule **ret_rule);

/* Computes the mount list (rules of type NODE_MISSING are ignored). Ops are ordered so that
 * every op comes after the ops of its ancestors. Caller frees with mount_ops_free. */
int plan_compile(const struct mount_plan *p, struct mount_op **ret_ops, size_t *ret_n);

void mount_ops_free(struct mount_op *ops, size_t n);
void plan_free(struct mount_plan *p);
