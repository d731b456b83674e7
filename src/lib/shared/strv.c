/* SPDX-License-Identifier: Apache-2.0 */
#include "strv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char **strv_free(char **v)
{
	if (!v)
		return NULL;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
	return NULL;
}

void strv_freep(char ***v)
{
	strv_free(*v);
}

size_t strv_length(char *const *v)
{
	size_t n = 0;
	if (v)
		while (v[n])
			n++;
	return n;
}

int strv_consume(char ***v, char *s)
{
	size_t n = strv_length(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int strv_push(char ***v, const char *s)
{
	char *c = strdup(s);
	int r;

	if (!c)
		return -ENOMEM;
	r = strv_consume(v, c);
	if (r < 0)
		free(c);
	return r;
}

int strv_extend(char ***v, char *const *other)
{
	for (size_t i = 0; other && other[i]; i++) {
		int r = strv_push(v, other[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

char **strv_copy(char *const *v)
{
	char **c = calloc(1, sizeof(char *));
	if (!c)
		return NULL;
	if (strv_extend(&c, v) < 0)
		return strv_free(c);
	return c;
}

bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	char *nd;

	if (extra > SIZE_MAX / 2 - b->len - 1)
		return -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	nd = realloc(b->data, ncap);
	if (!nd)
		return -ENOMEM;
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);
	if (r < 0)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_put_arg(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s) + 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	*b = BUF_INIT;
}

char *buf_steal(struct buf *b)
{
	char *d = b->data;
	if (!d)
		d = calloc(1, 1);
	*b = BUF_INIT;
	return d;
}

const char *env_vector_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

int env_vector_set(char ***env, const char *name, const char *value)
{
	size_t n = strlen(name);
	char *kv = NULL;

	bool set = false;

	if (asprintf(&kv, "%s=%s", name, value) < 0)
		return -ENOMEM;
	/* Every entry of that name goes: an environment may hold a name twice, and which copy a
	 * program reads differs (getenv() takes the first, some shells the last). */
	for (size_t i = 0, o = 0; *env; i++) {
		char *e = (*env)[i];

		if (e && strncmp(e, name, n) == 0 && e[n] == '=') {
			free(e);
			if (set)
				continue;
			e = kv;
			set = true;
		}
		(*env)[o++] = e;
		if (!e)
			break;
	}
	if (set)
		return 0;
	if (strv_consume(env, kv) < 0) {
		free(kv);
		return -ENOMEM;
	}
	return 0;
}
