/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the lines srt-report.so writes from inside the sandbox (src/report/srt-report.c), and
 * what they mean under a mount plan (issue 4, filesystem violations).
 *
 *   F1 OP ERRNO FLAGS PATH [PATH2]
 *
 * OP is one of the names below, ERRNO decimal (EACCES, EPERM or EROFS only), FLAGS lower-case
 * hex (open flags; at most 8 digits), each PATH absolute with every byte outside 0x21-0x7e and
 * the backslash written as \xNN (lower-case hex). Fields are separated by one space; nothing
 * else is accepted. The line comes from the sandboxed process, so it is untrusted: the parser is
 * strict, bounded (FILE_REPORT_LINE_MAX) and fuzzed (fuzz/fuzz-report.c), and a parsed report
 * is advice, never a decision.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "mount-plan.h"
#include "srt/srt.h"

#define FILE_REPORT_LINE_MAX 4095 /* bytes before the '\n' (a line is one PIPE_BUF write) */
#define FILE_REPORT_PATH_MAX 4095 /* bytes of an unescaped, normalised path */

enum file_op {
	FOP_OPEN,
	FOP_OPENDIR,
	FOP_CHDIR,
	FOP_EXEC,
	FOP_STAT,
	FOP_MKDIR,
	FOP_RMDIR,
	FOP_UNLINK,
	FOP_RENAME,
	FOP_LINK,
	FOP_SYMLINK,
	FOP_TRUNCATE,
	FOP_CHMOD,
	FOP_CHOWN,
	FOP_UTIMES,
	FOP_MKNOD,
};

struct file_report {
	enum file_op op;
	const char *op_name; /* static: "open", "mkdir", ... */
	int err;             /* EACCES, EPERM or EROFS */
	unsigned long flags;
	bool write;          /* the call would change something (an open for writing, mkdir, ...) */
	bool has_path2;
	char path[FILE_REPORT_PATH_MAX + 1];  /* unescaped, normalised lexically */
	char path2[FILE_REPORT_PATH_MAX + 1]; /* rename's new name, link's existing file */
};

/* Parses one line (without its '\n'; len bytes, no NUL needed). Returns 0 or -EINVAL. */
int file_report_parse(const char *line, size_t len, struct file_report *out);

/* Lexical normalisation of an absolute path in place: "//" and "/./" collapse, ".." removes
 * the previous component ("/.." is "/"), no trailing slash. Returns 0, or -EINVAL when the
 * path is not absolute. */
int file_path_normalise(char *path);

/* Whether path is at or below one of the NULL-terminated `skip` directories. */
bool file_path_skipped(const char *path, const char *const *skip);

/* What a report means under the plan that was mounted. `skip` lists directories the plan does
 * not describe (the private TMPDIR, /dev, /proc): paths at or below them are never
 * violations. For each path the call changes (both names of a rename; the new name of a link
 * or symlink; the path otherwise): a write is a violation (SRT_VIOLATION_FILE_WRITE) when the
 * plan does not give read-write access there; a read only when the path is hidden
 * (SRT_VIOLATION_FILE_READ). Anything else (an EACCES of the file's own mode in a writable
 * area, EROFS where the plan allows writing) is not the sandbox's doing: returns 0.
 * Returns the kind and sets *ret_path (one of the report's paths) and reason (a sentence,
 * truncated to reason_size). */
int file_report_classify(const struct file_report *r, const struct mount_plan *plan,
			 const char *const *skip, const char **ret_path, char *reason,
			 size_t reason_size);
