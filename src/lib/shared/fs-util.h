/* SPDX-License-Identifier: Apache-2.0 */
/* Path string helpers (pure) and a few file helpers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Lexically normalises an absolute path: collapses "//", removes "." and applies ".." (".." at
 * the root stays at the root). No trailing slash except for "/". Returns NULL on ENOMEM or if
 * `path` is not absolute. */
char *path_normalize(const char *path);

/* Joins a and b with exactly one '/' (b may start with '/'). NULL on ENOMEM. */
char *path_join(const char *a, const char *b);

/* True if p == root or p lies below root (component-wise: "/a/bc" is not below "/a/b"). */
bool path_is_under(const char *p, const char *root);

/* Component-wise ordering: every path sorts before its descendants ('/' sorts lowest). */
int path_compare(const char *a, const char *b);

/* Reads a whole small regular file (at most max bytes) into a NUL-terminated buffer. 0, or
 * -errno: -EFBIG above max, -EINVAL when path is not a regular file (a FIFO is never waited
 * for). */
int read_file_max(const char *path, size_t max, char **ret, size_t *ret_len);

/* Writes all of buf to fd, retrying on EINTR/short writes. 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Looks `name` up in `path_env` (a PATH value; empty or NULL: a default) like execvp; a name
 * with '/' is used as is. Returns 0 with *ret set, -ENOENT if not found, -EACCES if found but
 * not executable. */
int find_executable(const char *name, const char *path_env, char **ret);
