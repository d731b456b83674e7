/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the path glob matcher (path-glob.c).
 *
 * The first line of the input is a pattern, every further line a path. A pattern either
 * compiles or is refused with -EINVAL and a reason. For each path, with its normalised form
 * (empty components dropped) and each of its proper ancestors, these must hold:
 *   - the raw path and its normalised form match alike, and a path that is not absolute never
 *     matches;
 *   - a match implies may_match_below() for every proper ancestor (pruning never loses one);
 *   - a match lies at or below the literal prefix;
 *   - a literal pattern matches its literal path, and a path it matches is exactly that path;
 *     its literal prefix is its literal path;
 *   - the incremental state (path_glob_state_*) stepped over the normalised path's components
 *     answers match and may_match_below exactly like the whole-path functions.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path-glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PATH_MAX 8192

/* The line s[0..n) as a C string (stops at a NUL inside it). */
static char *line_dup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* "/" followed by the non-empty components of path, joined with '/'. */
static void normalise(const char *path, char *out)
{
	size_t k = 0;

	for (const char *s = path; *s;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		out[k++] = '/';
		while (*s && *s != '/')
			out[k++] = *s++;
	}
	if (k == 0)
		out[k++] = '/';
	out[k] = '\0';
}

static bool at_or_below(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static void check_path(const struct path_glob *g, const char *path, const char *prefix,
		       const char *literal)
{
	char *norm = malloc(strlen(path) + 2), *dir;
	bool m = path_glob_match(g, path);

	if (!norm)
		return;
	if (path[0] != '/') {
		if (m || path_glob_may_match_below(g, path))
			__builtin_trap();
		free(norm);
		return;
	}
	normalise(path, norm);
	if (path_glob_match(g, norm) != m)
		__builtin_trap();
	{
		struct path_glob_state st;
		bool alive = true;

		path_glob_state_init(g, &st);
		for (const char *c = norm + 1; *c && alive;) {
			const char *e = strchrnul(c, '/');

			alive = path_glob_state_step(g, &st, c, (size_t)(e - c), &st);
			c = *e ? e + 1 : e;
		}
		if (path_glob_state_matches(g, &st) != m ||
		    path_glob_state_may_match_below(g, &st) != path_glob_may_match_below(g, norm))
			__builtin_trap();
	}
	if (path_glob_may_match_below(g, norm) != path_glob_may_match_below(g, path))
		__builtin_trap();
	if (m && prefix && !at_or_below(norm, prefix))
		__builtin_trap();
	if (m && literal && strcmp(norm, literal) != 0)
		__builtin_trap();

	/* every proper ancestor: "/", then norm cut before each later '/' */
	dir = strdup(norm);
	if (!dir) {
		free(norm);
		return;
	}
	if (strcmp(norm, "/") != 0) {
		bool below = path_glob_may_match_below(g, "/");

		if (m && !below)
			__builtin_trap();
		for (size_t i = 1; norm[i]; i++) {
			if (norm[i] != '/')
				continue;
			memcpy(dir, norm, i);
			dir[i] = '\0';
			below = path_glob_may_match_below(g, dir);
			if (m && !below)
				__builtin_trap();
			/* exercised too; dir is normalised, so nothing more to compare */
			(void)path_glob_match(g, dir);
		}
	}
	free(dir);
	free(norm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t first = nl ? (size_t)(nl - s) : size;
	struct path_glob *g = NULL;
	const char *reason = NULL;
	char *pattern, *prefix = NULL, *literal = NULL;
	int r;

	if (first > PATH_GLOB_MAX_LEN + 16)
		return 0;
	pattern = line_dup(s, first);
	if (!pattern)
		return 0;
	r = path_glob_compile(pattern, &g, &reason);
	if (r < 0) {
		if (r != -EINVAL || !reason || !*reason || g)
			__builtin_trap();
		free(pattern);
		return 0;
	}

	prefix = path_glob_literal_prefix(g);
	if (!prefix || prefix[0] != '/')
		__builtin_trap();
	if (path_glob_is_literal(g)) {
		literal = path_glob_literal_path(g);
		if (!literal || strcmp(literal, prefix) != 0 || !path_glob_match(g, literal))
			__builtin_trap();
	} else if (path_glob_literal_path(g) != NULL) {
		__builtin_trap();
	}
	/* the pattern read as a path must not upset the matcher */
	(void)path_glob_match(g, pattern);
	(void)path_glob_may_match_below(g, pattern);

	for (size_t off = nl ? first + 1 : size; off < size;) {
		const char *end = memchr(s + off, '\n', size - off);
		size_t n = end ? (size_t)(end - (s + off)) : size - off;
		char *path;

		if (n <= FUZZ_PATH_MAX) {
			path = line_dup(s + off, n);
			if (path)
				check_path(g, path, prefix, literal);
			free(path);
		}
		off += n + 1;
	}

	free(literal);
	free(prefix);
	path_glob_free(g);
	free(pattern);
	return 0;
}
