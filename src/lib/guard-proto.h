/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the creation guard's messages and decisions (see linux/guard.h for the design).
 *
 * srt (outside the sandbox) receives a trapped creation from the seccomp listener, reads its
 * path strings once from the caller's memory, fetches its directory descriptors and sends one
 * request to the guard helper (`srt-exec --guard`, which lives in the sandbox's user and mount
 * namespaces without capabilities). The helper resolves the parent directory of each new name
 * as the kernel would, takes its real path, decides with guard_check_name() and
 * guard_check_move() against the deny patterns it was started with, performs the call and
 * answers with one reply (and, for opens, the new descriptor).
 *
 * Messages are fixed-size structures on a SOCK_SEQPACKET socket pair; both ends check them
 * with guard_req_valid() / guard_resp_valid() (sizes, magic, enums, NUL-terminated strings
 * inside their buffers) before using anything in them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "path-glob.h"

#define GUARD_MAGIC 0x73727467U /* "srtg" */
#define GUARD_PATH_MAX 4096	/* PATH_MAX, the terminating NUL included */
#define GUARD_MAX_RULES 1024

enum guard_op {
	GUARD_OP_OPEN = 1, /* open/openat/creat with O_CREAT: path1, flags, mode */
	GUARD_OP_MKDIR,	   /* path1, mode */
	GUARD_OP_MKNOD,	   /* path1, mode, dev */
	GUARD_OP_SYMLINK,  /* path1 = the link, path2 = its target (any bytes) */
	GUARD_OP_LINK,	   /* path1 = the new name, dir2/path2 = the existing file, flags */
	GUARD_OP_RENAME,   /* path1 = the new name, dir2/path2 = the old one, flags */
	GUARD_OP_MAX_,
};

/* A request. The descriptors travel with SCM_RIGHTS, in this order: dir1 when has_dir1, then
 * dir2 when has_dir2; a path without its descriptor is resolved from the helper's working
 * directory, which is the sandbox's root (absolute paths need none). */
struct guard_req {
	uint32_t magic;
	uint32_t op;
	uint32_t flags; /* open flags (O_CLOEXEC dropped), renameat2 or linkat flags */
	uint32_t mode;
	uint32_t dev;
	uint32_t umask;
	uint32_t has_dir1, has_dir2;
	char path1[GUARD_PATH_MAX];
	char path2[GUARD_PATH_MAX];
};

/* A reply. result: >= 0 success (for opens a descriptor is attached), else -errno. denied:
 * the call was refused by a deny pattern (or conservatively, see `why`); path: the real path
 * of the refused name, for the violation report. */
struct guard_resp {
	uint32_t magic;
	int32_t result;
	uint32_t denied;
	int32_t rule; /* the index of the deny pattern that refused it, or -1 */
	uint32_t has_fd;
	char why[128];
	char path[GUARD_PATH_MAX];
};

/* The helper's first message, once it is ready: its root's identity (what srt compares each
 * caller's root with), or error != 0 (positive errno) and why. */
struct guard_ready {
	uint32_t magic;
	int32_t error;
	uint64_t root_dev, root_ino, root_mnt_id;
	char why[256];
};

bool guard_req_valid(const void *buf, size_t len);
bool guard_resp_valid(const void *buf, size_t len);
bool guard_ready_valid(const void *buf, size_t len);

/* Splits a path given to a creating call into the part that names the parent directory and
 * the final name, as the kernel walks it: "a/b" -> "a", "b"; "b" -> ".", "b"; "/b" -> "/",
 * "b"; "a/b/" -> "a", "b" with *ret_slash (trailing slashes); "/" or "a/." -> the final name
 * "" / "." (no new name can be made: the caller gets EEXIST or the like). parent and name are
 * buffers of GUARD_PATH_MAX bytes. Returns 0, or -ENOENT for an empty path, -ENAMETOOLONG. */
int guard_split(const char *path, char *parent, char *name, bool *ret_slash);

/* parent (absolute, normalised) + "/" + name into out (GUARD_PATH_MAX bytes). Returns 0 or
 * -ENAMETOOLONG. */
int guard_join(const char *parent, const char *name, char *out);

/* The index of the first rule that matches the absolute path, or -1. */
int guard_check_name(struct path_glob *const *rules, size_t n, const char *path);

/* A rename of `from` to `to` (both absolute, normalised): the index of a rule that would match
 * a path that did not match before, or -1. `to` itself is checked, and so is everything that
 * could lie below it if it is (or becomes, by a swap) a directory: a rule whose automaton
 * stands at a position after `to` that it does not reach after `from`, and that could still
 * match below `to`, refuses the rename (a directory's contents keep their names: when the
 * positions after `to` are a subset of those after `from`, whatever matches below `to` matched
 * below `from` already). Conservative: no look at the file type, which could change
 * under us. */
int guard_check_move(struct path_glob *const *rules, size_t n, const char *from, const char *to);
