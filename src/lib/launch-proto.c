/* SPDX-License-Identifier: Apache-2.0 */
#include "launch-proto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool token_ok(const char *t)
{
	size_t n = 0;

	for (; t[n]; n++)
		if (!((t[n] >= '0' && t[n] <= '9') || (t[n] >= 'a' && t[n] <= 'f')))
			return false;
	return n == LAUNCH_TOKEN_LEN;
}

static int put_count(struct buf *b, size_t n)
{
	char num[24];

	snprintf(num, sizeof(num), "%zu", n);
	return buf_put_arg(b, num);
}

int launch_request_build(const char *token, const char *cwd, char *const argv[], char *const env[],
			 struct buf *out)
{
	size_t start = out->len, argc = argv ? strv_length(argv) : 0;
	size_t envc = env ? strv_length(env) : 0, total;
	uint32_t len;
	int r;

	if (!token || !token_ok(token) || argc == 0 || (cwd && cwd[0] && cwd[0] != '/'))
		return -EINVAL;
	if (argc > LAUNCH_MAX_STRINGS || envc > LAUNCH_MAX_STRINGS)
		return -E2BIG;
	if ((r = buf_append(out, "\0\0\0\0", 4)) < 0 || (r = buf_put_arg(out, LAUNCH_MAGIC)) < 0 ||
	    (r = buf_put_arg(out, token)) < 0 || (r = buf_put_arg(out, cwd ? cwd : "")) < 0 ||
	    (r = put_count(out, argc)) < 0)
		goto fail;
	for (size_t i = 0; i < argc; i++)
		if ((r = buf_put_arg(out, argv[i])) < 0)
			goto fail;
	if ((r = put_count(out, envc)) < 0)
		goto fail;
	for (size_t i = 0; i < envc; i++)
		if ((r = buf_put_arg(out, env[i])) < 0)
			goto fail;
	total = out->len - start - 4;
	if (total > LAUNCH_MAX_REQUEST) {
		r = -E2BIG;
		goto fail;
	}
	len = (uint32_t)total;
	for (int i = 0; i < 4; i++)
		out->data[start + (size_t)i] = (char)((len >> (8 * i)) & 0xff);
	return 0;
fail:
	out->len = start;
	return r;
}

long launch_request_length(const unsigned char prefix[4])
{
	uint32_t len = (uint32_t)prefix[0] | (uint32_t)prefix[1] << 8 | (uint32_t)prefix[2] << 16 |
		       (uint32_t)prefix[3] << 24;

	return len > LAUNCH_MAX_REQUEST ? -EMSGSIZE : (long)len;
}

/* The next NUL-terminated field of [*pos, len), or NULL when there is none. */
static const char *field(const char *data, size_t len, size_t *pos)
{
	const char *f, *nul;

	if (*pos >= len)
		return NULL;
	f = data + *pos;
	nul = memchr(f, '\0', len - *pos);
	if (!nul)
		return NULL;
	*pos += (size_t)(nul - f) + 1;
	return f;
}

static int count(const char *f, size_t *ret)
{
	size_t n = 0;

	if (!f || !f[0] || (f[0] == '0' && f[1]))
		return -EBADMSG;
	for (const char *c = f; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EBADMSG;
		n = n * 10 + (size_t)(*c - '0');
		if (n > LAUNCH_MAX_STRINGS)
			return -E2BIG;
	}
	*ret = n;
	return 0;
}

/* Points v[0..n-1] at the next n fields. */
static int vector(char *data, size_t len, size_t *pos, size_t n, char ***ret)
{
	char **v = calloc(n + 1, sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *f = field(data, len, pos);
		if (!f) {
			free(v);
			return -EBADMSG;
		}
		v[i] = (char *)(uintptr_t)f;
	}
	*ret = v;
	return 0;
}

int launch_request_parse(const char *data, size_t len, struct launch_request *ret)
{
	struct launch_request q = {0};
	size_t pos = 0, n;
	const char *f;
	int r;

	*ret = (struct launch_request){0};
	if (len > LAUNCH_MAX_REQUEST)
		return -E2BIG;
	q.blob = malloc(len ? len : 1);
	if (!q.blob)
		return -ENOMEM;
	memcpy(q.blob, data, len);

	f = field(q.blob, len, &pos);
	r = -EBADMSG;
	if (!f || strcmp(f, LAUNCH_MAGIC) != 0)
		goto fail;
	q.token = (char *)(uintptr_t)field(q.blob, len, &pos);
	if (!q.token || !token_ok(q.token))
		goto fail;
	q.cwd = (char *)(uintptr_t)field(q.blob, len, &pos);
	if (!q.cwd || (q.cwd[0] && q.cwd[0] != '/'))
		goto fail;
	if ((r = count(field(q.blob, len, &pos), &n)) < 0)
		goto fail;
	r = -EBADMSG;
	if (n == 0)
		goto fail;
	if ((r = vector(q.blob, len, &pos, n, &q.argv)) < 0)
		goto fail;
	if ((r = count(field(q.blob, len, &pos), &n)) < 0)
		goto fail;
	if ((r = vector(q.blob, len, &pos, n, &q.env)) < 0)
		goto fail;
	r = -EBADMSG;
	if (pos != len)
		goto fail;
	*ret = q;
	return 0;
fail:
	launch_request_done(&q);
	return r;
}

void launch_request_done(struct launch_request *r)
{
	free(r->argv);
	free(r->env);
	free(r->blob);
	*r = (struct launch_request){0};
}

static const char *const kind_word[] = {
    [LAUNCH_STARTED] = "started",
    [LAUNCH_ERROR] = "error",
    [LAUNCH_EXIT] = "exit",
    [LAUNCH_SIGNAL] = "signal",
};

int launch_line_parse(const char *line, size_t len, enum launch_line_kind *ret_kind, long *ret_num,
		      const char **ret_text, size_t *ret_text_len)
{
	size_t i, w;
	long num = 0;

	if (len >= LAUNCH_MAX_LINE)
		return -EBADMSG;
	for (unsigned k = 0; k < sizeof(kind_word) / sizeof(kind_word[0]); k++) {
		w = strlen(kind_word[k]);
		if (len <= w + 1 || memcmp(line, kind_word[k], w) != 0 || line[w] != ' ')
			continue;
		i = w + 1;
		if (line[i] == '0' && i + 1 < len && line[i + 1] >= '0' && line[i + 1] <= '9')
			return -EBADMSG;
		if (line[i] < '0' || line[i] > '9')
			return -EBADMSG;
		for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
			num = num * 10 + (line[i] - '0');
			if (num > INT32_MAX)
				return -EBADMSG;
		}
		*ret_text = NULL;
		*ret_text_len = 0;
		if (k == LAUNCH_ERROR) {
			if (i >= len || line[i] != ' ')
				return -EBADMSG;
			*ret_text = line + i + 1;
			*ret_text_len = len - i - 1;
			for (size_t j = i + 1; j < len; j++)
				if ((unsigned char)line[j] < 0x20 || (unsigned char)line[j] > 0x7e)
					return -EBADMSG;
		} else if (i != len) {
			return -EBADMSG;
		}
		*ret_kind = (enum launch_line_kind)k;
		*ret_num = num;
		return 0;
	}
	return -EBADMSG;
}

size_t launch_line_format(char out[LAUNCH_MAX_LINE], enum launch_line_kind kind, long num,
			  const char *text)
{
	int n = snprintf(out, LAUNCH_MAX_LINE, "%s %ld", kind_word[kind], num < 0 ? 0 : num);
	size_t len = (size_t)n;

	if (kind == LAUNCH_ERROR) {
		out[len++] = ' ';
		for (const char *c = text ? text : ""; *c && len < LAUNCH_MAX_LINE - 1; c++)
			out[len++] = (*c >= 0x20 && *c <= 0x7e) ? *c : '?';
	}
	out[len++] = '\n';
	return len;
}
