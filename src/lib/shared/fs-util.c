/* SPDX-License-Identifier: Apache-2.0 */
#include "fs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "strv.h"

char *path_normalize(const char *path)
{
	size_t n = strlen(path), len = 0;
	char *out;

	if (n == 0 || path[0] != '/')
		return NULL;
	out = malloc(n + 2);
	if (!out)
		return NULL;
	out[len++] = '/';
	for (const char *p = path; *p;) {
		const char *s;
		size_t cl;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		cl = (size_t)(p - s);
		if (cl == 1 && s[0] == '.')
			continue;
		if (cl == 2 && s[0] == '.' && s[1] == '.') {
			/* drop the last component */
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--;
			continue;
		}
		if (len > 1)
			out[len++] = '/';
		memcpy(out + len, s, cl);
		len += cl;
	}
	out[len] = '\0';
	return out;
}

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	char *r;

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	r = malloc(la + strlen(b) + 2);
	if (!r)
		return NULL;
	memcpy(r, a, la);
	if (!(la == 1 && a[0] == '/'))
		r[la++] = '/';
	memcpy(r + la, b, strlen(b) + 1);
	return r;
}

bool path_is_under(const char *p, const char *root)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return p[0] == '/';
	if (strncmp(p, root, n) != 0)
		return false;
	return p[n] == '\0' || p[n] == '/';
}

int path_compare(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca == cb) {
			if (!ca)
				return 0;
			continue;
		}
		/* '/' sorts before every other byte, NUL before '/' */
		if (!ca)
			return -1;
		if (!cb)
			return 1;
		if (ca == '/')
			return -1;
		if (cb == '/')
			return 1;
		return ca < cb ? -1 : 1;
	}
}

int read_file_max(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	struct buf b = BUF_INIT;
	char chunk[4096];

	struct stat st;

	/* O_NONBLOCK: a FIFO put where a file was expected must not hang the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof(chunk));
		if (k < 0) {
			if (errno == EINTR)
				continue;
			buf_free(&b);
			return -errno;
		}
		if (k == 0)
			break;
		if (b.len + (size_t)k > max) {
			buf_free(&b);
			return -EFBIG;
		}
		if (buf_append(&b, chunk, (size_t)k) < 0) {
			buf_free(&b);
			return -ENOMEM;
		}
	}
	if (ret_len)
		*ret_len = b.len;
	*ret = buf_steal(&b);
	return *ret ? 0 : -ENOMEM;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int find_executable(const char *name, const char *path_env, char **ret)
{
	bool seen_noexec = false;

	if (!name || !*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		struct stat st;
		if (stat(name, &st) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode) || access(name, X_OK) < 0)
			return -EACCES;
		*ret = strdup(name);
		return *ret ? 0 : -ENOMEM;
	}
	if (!path_env || !*path_env)
		path_env = DEFAULT_PATH;
	for (const char *p = path_env;;) {
		const char *e = strchr(p, ':');

		if (!e)
			e = p + strlen(p);
		_cleanup_free_ char *dir = strndup(p, (size_t)(e - p)), *full = NULL;
		struct stat st;

		if (!dir)
			return -ENOMEM;
		full = path_join(*dir ? dir : ".", name);
		if (!full)
			return -ENOMEM;
		if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(full, X_OK) == 0) {
				*ret = TAKE_PTR(full);
				return 0;
			}
			seen_noexec = true;
		}
		if (!*e)
			break;
		p = e + 1;
	}
	return seen_noexec ? -EACCES : -ENOENT;
}
