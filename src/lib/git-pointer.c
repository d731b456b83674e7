/* SPDX-License-Identifier: Apache-2.0 */
#include "git-pointer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/fs-util.h"

/* len without trailing '\n' and '\r', and the rest as a C string (up to a NUL). */
static int take_path(const char *data, size_t len, size_t skip, char **ret)
{
	const char *nul;
	size_t n;
	char *p;

	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len <= skip)
		return -EINVAL;
	n = len - skip;
	nul = memchr(data + skip, '\0', n);
	if (nul)
		n = (size_t)(nul - (data + skip));
	p = malloc(n + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, data + skip, n);
	p[n] = '\0';
	*ret = p;
	return 0;
}

int git_parse_gitfile(const char *data, size_t len, char **ret)
{
	static const char prefix[] = "gitdir: ";

	*ret = NULL;
	if (len > GIT_POINTER_MAX_SIZE)
		return -EFBIG;
	if (!data || len < sizeof(prefix) - 1 || memcmp(data, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	return take_path(data, len, sizeof(prefix) - 1, ret);
}

int git_parse_commondir(const char *data, size_t len, char **ret)
{
	*ret = NULL;
	if (len > GIT_POINTER_MAX_SIZE)
		return -EFBIG;
	if (!data || len == 0)
		return -EINVAL;
	/* git uses an empty path after stripping (the git directory itself) */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len == 0 || data[0] == '\0') {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	return take_path(data, len, 0, ret);
}

char *git_pointer_join(const char *base, const char *path)
{
	if (!base || base[0] != '/' || !path)
		return NULL;
	return path[0] == '/' ? strdup(path) : path_join(base, path);
}
