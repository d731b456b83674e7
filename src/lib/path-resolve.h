/* SPDX-License-Identifier: Apache-2.0 */
/* Turning a settings path into the absolute, symlink-free path that gets mounted. */
#pragma once

#include "mount-plan.h"

/* Pure: "~" and "~/x" expand to home, anything not absolute is taken relative to cwd ("~user"
 * is not expanded, as in the reference), then ".", ".." and "//" are normalised lexically.
 * Returns 0, -EINVAL (empty path, or home needed but unset) or -ENOMEM. */
int path_absolute(const char *raw, const char *home, const char *cwd, char **ret);

/* Resolves symlinks in the longest existing prefix of an absolute path (realpath) and appends
 * the rest; reports the type of the final path (NODE_MISSING if it does not exist). */
int path_canonical(const char *abs, char **ret, enum node_type *ret_type);
