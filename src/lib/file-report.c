/* SPDX-License-Identifier: Apache-2.0 */
#include "file-report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "shared/fs-util.h"
#include "shared/macro.h"

static const struct {
	const char *name;
	enum file_op op;
	bool write;
} ops[] = {
	{"open", FOP_OPEN, false},     {"opendir", FOP_OPENDIR, false},
	{"chdir", FOP_CHDIR, false},   {"exec", FOP_EXEC, false},
	{"stat", FOP_STAT, false},     {"mkdir", FOP_MKDIR, true},
	{"rmdir", FOP_RMDIR, true},    {"unlink", FOP_UNLINK, true},
	{"rename", FOP_RENAME, true},  {"link", FOP_LINK, true},
	{"symlink", FOP_SYMLINK, true}, {"truncate", FOP_TRUNCATE, true},
	{"chmod", FOP_CHMOD, true},    {"chown", FOP_CHOWN, true},
	{"utimes", FOP_UTIMES, true},  {"mknod", FOP_MKNOD, true},
};

/* One field: [*p, end) up to the next space (or the end). Advances *p past it and the space. */
static bool next_field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char *s = *p, *e = s;

	if (s >= end)
		return false;
	while (e < end && *e != ' ')
		e++;
	if (e == s)
		return false; /* empty field: two spaces, or a leading/trailing one */
	*f = s;
	*flen = (size_t)(e - s);
	if (e < end) {
		e++;
		if (e == end)
			return false; /* trailing space */
	}
	*p = e;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int unescape_path(const char *f, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f[i];
		int hi, lo;

		if (c == '\\') {
			if (i + 3 >= n)
				return -EINVAL;
			if (f[i + 1] != 'x' || (hi = hexval(f[i + 2])) < 0 ||
			    (lo = hexval(f[i + 3])) < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			if (c == 0)
				return -EINVAL;
			i += 3;
		} else if (c < 0x21 || c > 0x7e) {
			return -EINVAL;
		}
		if (o >= FILE_REPORT_PATH_MAX)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = 0;
	if (out[0] != '/')
		return -EINVAL;
	return file_path_normalise(out);
}

int file_path_normalise(char *path)
{
	char *w = path;
	const char *r = path;

	if (path[0] != '/')
		return -EINVAL;
	/* w: end of the output so far, always after a component (or at the root) */
	while (*r) {
		const char *c;
		size_t n;

		while (*r == '/')
			r++;
		if (!*r)
			break;
		c = r;
		while (*r && *r != '/')
			r++;
		n = (size_t)(r - c);
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			while (w > path && *--w != '/')
				;
			continue;
		}
		*w++ = '/';
		memmove(w, c, n);
		w += n;
	}
	if (w == path)
		*w++ = '/';
	*w = 0;
	return 0;
}

int file_report_parse(const char *line, size_t len, struct file_report *out)
{
	const char *p = line, *end = line + len, *f;
	size_t n;
	unsigned long v;

	if (len > FILE_REPORT_LINE_MAX || memchr(line, 0, len) || memchr(line, '\n', len))
		return -EINVAL;
	memset(out, 0, offsetof(struct file_report, path));
	out->path[0] = out->path2[0] = 0;

	if (!next_field(&p, end, &f, &n) || n != 2 || memcmp(f, "F1", 2) != 0)
		return -EINVAL;

	if (!next_field(&p, end, &f, &n))
		return -EINVAL;
	out->op_name = NULL;
	for (size_t i = 0; i < ELEMENTSOF(ops); i++)
		if (strlen(ops[i].name) == n && memcmp(ops[i].name, f, n) == 0) {
			out->op = ops[i].op;
			out->op_name = ops[i].name;
			out->write = ops[i].write;
		}
	if (!out->op_name)
		return -EINVAL;

	if (!next_field(&p, end, &f, &n) || n > 3)
		return -EINVAL;
	v = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9' || (i == 0 && f[i] == '0'))
			return -EINVAL;
		v = v * 10 + (unsigned long)(f[i] - '0');
	}
	if (v != EACCES && v != EPERM && v != EROFS)
		return -EINVAL;
	out->err = (int)v;

	if (!next_field(&p, end, &f, &n) || n > 8)
		return -EINVAL;
	v = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(f[i]);
		if (h < 0 || (i == 0 && h == 0 && n > 1))
			return -EINVAL;
		v = v << 4 | (unsigned long)h;
	}
	out->flags = v;
	if (out->op == FOP_OPEN)
		out->write = (v & O_ACCMODE) != O_RDONLY || (v & (O_CREAT | O_TRUNC));

	if (!next_field(&p, end, &f, &n) || unescape_path(f, n, out->path) < 0)
		return -EINVAL;
	if (p < end) {
		if (!next_field(&p, end, &f, &n) || unescape_path(f, n, out->path2) < 0)
			return -EINVAL;
		out->has_path2 = true;
	}
	if (p < end)
		return -EINVAL;
	/* only rename and link carry a second path */
	if (out->has_path2 != (out->op == FOP_RENAME || out->op == FOP_LINK))
		return -EINVAL;
	return 0;
}

bool file_path_skipped(const char *path, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (path_is_under(path, *skip))
			return true;
	return false;
}

/* The verdict for one path: 0 or a violation kind, with the reason. */
static int classify_path(const struct file_report *r, const char *path,
			 const struct mount_plan *plan, const char *const *skip, char *reason,
			 size_t size)
{
	const struct plan_rule *rule = NULL;
	enum access_state a;
	const char *err = r->err == EACCES ? "EACCES" : r->err == EPERM ? "EPERM" : "EROFS";

	if (file_path_skipped(path, skip))
		return 0;
	a = plan_explain(plan, path, &rule);
	if (a == ACCESS_HIDDEN) {
		snprintf(reason, size, "%s: hidden by %s %s (reported from inside the sandbox)", err,
			 rule && rule->why ? rule->why : "a rule", rule ? rule->path : "");
		return r->write ? SRT_VIOLATION_FILE_WRITE : SRT_VIOLATION_FILE_READ;
	}
	if (!r->write || a == ACCESS_RW)
		return 0;
	if (rule)
		snprintf(reason, size, "%s: read-only by %s %s (reported from inside the sandbox)",
			 err, rule->why ? rule->why : "a rule", rule->path);
	else
		snprintf(reason, size,
			 "%s: read-only, not in filesystem.allowWrite (reported from inside the "
			 "sandbox)",
			 err);
	return SRT_VIOLATION_FILE_WRITE;
}

int file_report_classify(const struct file_report *r, const struct mount_plan *plan,
			 const char *const *skip, const char **ret_path, char *reason,
			 size_t reason_size)
{
	int k;

	if (reason_size)
		reason[0] = 0;
	k = classify_path(r, r->path, plan, skip, reason, reason_size);
	if (k) {
		*ret_path = r->path;
		return k;
	}
	if (r->op == FOP_RENAME && r->has_path2) {
		k = classify_path(r, r->path2, plan, skip, reason, reason_size);
		if (k) {
			*ret_path = r->path2;
			return k;
		}
	}
	return 0;
}
