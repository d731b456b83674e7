/* SPDX-License-Identifier: Apache-2.0 */
#include "path-resolve.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/cleanup.h"
#include "shared/fs-util.h"

int path_absolute(const char *raw, const char *home, const char *cwd, char **ret)
{
	_cleanup_free_ char *joined = NULL;
	char *n;

	if (!raw || !*raw)
		return -EINVAL;
	if (raw[0] == '~' && (raw[1] == '\0' || raw[1] == '/')) {
		if (!home || home[0] != '/')
			return -EINVAL;
		joined = path_join(home, raw + 1);
	} else if (raw[0] == '/') {
		joined = strdup(raw);
	} else {
		if (!cwd || cwd[0] != '/')
			return -EINVAL;
		joined = path_join(cwd, raw);
	}
	if (!joined)
		return -ENOMEM;
	n = path_normalize(joined);
	if (!n)
		return -ENOMEM;
	*ret = n;
	return 0;
}

int path_canonical(const char *abs, char **ret, enum node_type *ret_type)
{
	_cleanup_free_ char *prefix = strdup(abs);
	char resolved[PATH_MAX];
	struct stat st;
	size_t cut;

	if (!prefix)
		return -ENOMEM;
	if (abs[0] != '/')
		return -EINVAL;

	if (realpath(abs, resolved)) {
		char *c = strdup(resolved);
		if (!c)
			return -ENOMEM;
		if (stat(c, &st) < 0) {
			free(c);
			return -errno;
		}
		*ret_type = S_ISDIR(st.st_mode) ? NODE_DIR : NODE_OTHER;
		*ret = c;
		return 0;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		return -errno;

	/* Walk up to the longest prefix that exists, resolve it, re-append the rest. */
	for (;;) {
		char *slash = strrchr(prefix, '/');
		if (!slash)
			return -EINVAL;
		if (slash == prefix) {
			prefix[1] = '\0';
		} else {
			*slash = '\0';
		}
		if (realpath(prefix, resolved))
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
		if (strcmp(prefix, "/") == 0)
			return -ENOENT;
	}
	cut = strlen(prefix);
	{
		char *c = path_join(resolved, abs + cut);
		if (!c)
			return -ENOMEM;
		*ret = c;
	}
	*ret_type = NODE_MISSING;
	return 0;
}
