/* SPDX-License-Identifier: Apache-2.0 */
#include "path-resolve.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int path_canonical_follow(const char *abs, int (*on_link)(void *ud, const char *dir,
							   const char *link),
			  void *ud, char **ret, enum node_type *ret_type)
{
	_cleanup_free_ char *todo = NULL, *done = NULL;
	unsigned links = 0;
	const char *p;

	if (!abs || abs[0] != '/')
		return -EINVAL;
	todo = strdup(abs);
	done = strdup(""); /* resolved, link-free prefix; "" is "/" */
	if (!todo || !done)
		return -ENOMEM;
	p = todo;
	for (;;) {
		_cleanup_free_ char *comp = NULL, *cand = NULL;
		struct stat st;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p) {
			char *c = strdup(done[0] ? done : "/");
			if (!c)
				return -ENOMEM;
			if (stat(c, &st) < 0) {
				int e = -errno;
				free(c);
				return e;
			}
			*ret_type = S_ISDIR(st.st_mode) ? NODE_DIR : NODE_OTHER;
			*ret = c;
			return 0;
		}
		n = strcspn(p, "/");
		comp = strndup(p, n);
		if (!comp)
			return -ENOMEM;
		p += n;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *s = strrchr(done, '/'); /* done has no links: ".." is lexical here */
			if (s)
				*s = '\0';
			continue;
		}
		if (asprintf(&cand, "%s/%s", done, comp) < 0)
			return -ENOMEM;
		if (lstat(cand, &st) < 0) {
			char *c;
			if (errno != ENOENT && errno != ENOTDIR)
				return -errno;
			/* the first missing component: the rest as it is */
			if (asprintf(&c, "%s%s", cand, p) < 0)
				return -ENOMEM;
			*ret = c;
			*ret_type = NODE_MISSING;
			return 0;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t k;
			char *nt;

			if (++links > PATH_RESOLVE_MAX_LINKS)
				return -ELOOP;
			if (on_link) {
				int r = on_link(ud, done[0] ? done : "/", cand);
				if (r < 0)
					return r;
			}
			k = readlink(cand, target, sizeof(target) - 1);
			if (k < 0)
				return -errno;
			target[k] = '\0';
			if (asprintf(&nt, "%s%s", target, p) < 0)
				return -ENOMEM;
			free(todo);
			todo = nt;
			p = todo;
			if (target[0] == '/')
				done[0] = '\0';
			continue;
		}
		if (*p && !S_ISDIR(st.st_mode)) {
			/* a file with more components after it: missing for good (ENOTDIR) */
			char *c;
			if (asprintf(&c, "%s%s", cand, p) < 0)
				return -ENOMEM;
			*ret = c;
			*ret_type = NODE_MISSING;
			return 0;
		}
		free(done);
		done = TAKE_PTR(cand);
	}
}

bool path_has_dot_component(const char *p)
{
	for (const char *c = p; (c = strchr(c, '/')); c++)
		if ((c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return true;
	return false;
}
