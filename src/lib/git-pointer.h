/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the two small files with which git redirects itself to another git directory, parsed
 * exactly as git 2.39 reads them (setup.c read_gitfile_gently(), get_common_dir_noenv()), so
 * that srt protects the directory git will really use:
 *
 *  - a ".git" FILE (linked worktree, submodule): "gitdir: PATH", trailing '\n' and '\r'
 *    stripped, PATH relative to the directory that holds the file; git refuses files larger
 *    than 4 * PATH_MAX bytes, files that do not start with "gitdir: " and an empty PATH;
 *  - "commondir" in a git directory: PATH (trailing '\n' and '\r' stripped), relative to that
 *    git directory; git dies on an empty one. git reads it whole, without a size limit; srt
 *    refuses (-EFBIG) what it will not read, and the caller fails closed.
 *
 * PATH is a C string for git: it ends at the first NUL byte.
 */
#pragma once

#include <stddef.h>

#define GIT_POINTER_MAX_SIZE (4 * 4096)

/* Parses the content of a ".git" file. Returns 0 with *ret the raw PATH (caller frees), or
 * -EINVAL (git refuses the file too), -EFBIG (too large: git refuses it), -ENOMEM. */
int git_parse_gitfile(const char *data, size_t len, char **ret);

/* Parses the content of a "commondir" file. 0 with *ret the raw PATH; -EINVAL when git would
 * die on it (empty), -EFBIG above GIT_POINTER_MAX_SIZE, -ENOMEM. */
int git_parse_commondir(const char *data, size_t len, char **ret);

/* PATH joined to base (an absolute directory) when relative; not normalised: git resolves the
 * result with realpath(), where ".." after a symbolic link leaves the link's target, so the
 * caller does too. NULL on ENOMEM or when base is not absolute. */
char *git_pointer_join(const char *base, const char *path);
