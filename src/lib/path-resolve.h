/* SPDX-License-Identifier: Apache-2.0 */
/* Turning a settings path into the absolute, symlink-free path that gets mounted. */
#pragma once

#include <stdbool.h>

#include "mount-plan.h"

/* Pure: "~" and "~/x" expand to home, anything not absolute is taken relative to cwd ("~user"
 * is not expanded, as in the reference), then ".", ".." and "//" are normalised lexically.
 * Returns 0, -EINVAL (empty path, or home needed but unset) or -ENOMEM. */
int path_absolute(const char *raw, const char *home, const char *cwd, char **ret);

/* Does the (absolute) path have a "." or ".." component? */
bool path_has_dot_component(const char *p);

/* Resolves symlinks in the longest existing prefix of an absolute path (realpath) and appends
 * the rest; reports the type of the final path (NODE_MISSING if it does not exist). */
int path_canonical(const char *abs, char **ret, enum node_type *ret_type);

/* Like path_canonical(), but every symbolic link is followed, dangling ones too: the path the
 * kernel would create when something writes `abs` (a link to a missing file leads to that
 * file, not to the link). The part from the first missing component on is appended as it is
 * (it may hold "." or ".."). At most PATH_RESOLVE_MAX_LINKS links: -ELOOP above. `on_link`
 * (may be NULL) is told every link on the way, with its directory (canonical, "/" at the
 * top); a negative return stops the walk with that value. */
#define PATH_RESOLVE_MAX_LINKS 40
int path_canonical_follow(const char *abs, int (*on_link)(void *ud, const char *dir,
							   const char *link),
			  void *ud, char **ret, enum node_type *ret_type);
