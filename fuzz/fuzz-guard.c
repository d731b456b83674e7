/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the creation guard's pure code (guard-proto.c).
 *
 * The input is used three ways:
 *   - as a request, a reply and a ready message (padded or cut to size): the checks must not
 *     read past the buffer, and an accepted message must hold terminated strings;
 *   - its first line as a path for guard_split(): parent and name are terminated, fit, and
 *     joined back they name the same final component;
 *   - its second line as a pattern and its further lines as paths for guard_check_name() and
 *     guard_check_move(): a move to a path that matches is always refused.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nl ? 1 : 0);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct guard_req *q = calloc(1, sizeof(*q));
	struct guard_resp *r = calloc(1, sizeof(*r));
	struct guard_ready g;
	char *path, *pattern, parent[GUARD_PATH_MAX], name[GUARD_PATH_MAX];
	struct path_glob *glob = NULL;
	bool slash;

	if (!q || !r)
		abort();
	memcpy(q, data, size < sizeof(*q) ? size : sizeof(*q));
	if (guard_req_valid(q, sizeof(*q)) &&
	    (!memchr(q->path1, 0, sizeof(q->path1)) || !memchr(q->path2, 0, sizeof(q->path2))))
		abort();
	(void)guard_req_valid(data, size);
	memcpy(r, data, size < sizeof(*r) ? size : sizeof(*r));
	if (guard_resp_valid(r, sizeof(*r)) && (r->has_fd && r->result < 0))
		abort();
	memset(&g, 0, sizeof(g));
	memcpy(&g, data, size < sizeof(g) ? size : sizeof(g));
	(void)guard_ready_valid(&g, sizeof(g));
	free(q);
	free(r);

	path = line(&p, end);
	if (guard_split(path, parent, name, &slash) == 0) {
		char joined[GUARD_PATH_MAX];

		if (strlen(parent) >= GUARD_PATH_MAX || strlen(name) >= GUARD_PATH_MAX ||
		    strchr(name, '/'))
			abort();
		if (parent[0] == '/' && name[0] && guard_join(parent, name, joined) == 0) {
			const char *last = strrchr(joined, '/');

			if (!last || strcmp(last + 1, name) != 0)
				abort();
		}
	}
	free(path);

	pattern = line(&p, end);
	if (path_glob_compile(pattern, &glob, NULL) == 0) {
		struct path_glob *rules[1] = {glob};
		char *prev = NULL;

		while (p < end) {
			char *x = line(&p, end);

			if (guard_check_name(rules, 1, x) == 0 &&
			    guard_check_move(rules, 1, prev ? prev : "/", x) != 0)
				abort();
			free(prev);
			prev = x;
		}
		free(prev);
		path_glob_free(glob);
	}
	free(pattern);
	return 0;
}
