/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the environment filter (env-filter.c).
 *
 * Input: lines. "s" turns dropSecrets on; "dPATTERN" adds a drop pattern and "kPATTERN" a
 * keep pattern (only when env_pattern_check() accepts it, as the settings parser does); any
 * other line "eENTRY" is an environment entry, which may be anything (no '=', empty name,
 * bytes over 0x7f). These must hold:
 *   - env_pattern_match() agrees with a plain dynamic-programming matcher, and its
 *     case-insensitive form with matching lower-cased copies (for the first entries and
 *     short names: the reference is quadratic);
 *   - env_filter_apply() keeps exactly the entries env_filter_passes() lets through, in order
 *     and byte for byte, and lists one name for each other entry, in order;
 *   - a listed name is ENV_FILTER_NO_NAME, the entry's name, or its first 64 bytes and "...":
 *     never a byte of a value;
 *   - an entry whose valid name matches a keep pattern is kept; with an inactive filter every
 *     entry is kept.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "env-filter.h"
#include "shared/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_LINES 512
#define FUZZ_DP_MAX 96     /* pattern and name lengths compared with the DP matcher */
#define FUZZ_DP_ENTRIES 16 /* entries compared with it (it is quadratic) */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* reference: dp[i][j] = pattern[i..] matches name[j..] */
static bool dp_match(const char *p, const char *s, size_t n)
{
	size_t m = strlen(p);
	static bool dp[FUZZ_DP_MAX + 2][FUZZ_DP_MAX + 2];

	for (size_t i = m + 1; i-- > 0;)
		for (size_t j = n + 1; j-- > 0;) {
			if (i == m)
				dp[i][j] = j == n;
			else if (p[i] == '*')
				dp[i][j] = dp[i + 1][j] || (j < n && dp[i][j + 1]);
			else
				dp[i][j] = j < n && p[i] == s[j] && dp[i + 1][j + 1];
		}
	return dp[0][0];
}

static char *lower_dup(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++)
		c[i] = lower(s[i]);
	c[n] = '\0';
	return c;
}

static void check_match(const char *p, const char *name, size_t n)
{
	char *lp, *ln;

	if (strlen(p) > FUZZ_DP_MAX || n > FUZZ_DP_MAX)
		return;
	if (env_pattern_match(p, name, n, false) != dp_match(p, name, n))
		__builtin_trap();
	lp = lower_dup(p, strlen(p));
	ln = lower_dup(name, n);
	if (lp && ln && env_pattern_match(p, name, n, true) != dp_match(lp, ln, n))
		__builtin_trap();
	free(lp);
	free(ln);
}

static size_t name_len(const char *e)
{
	const char *eq = strchr(e, '=');

	return eq ? (size_t)(eq - e) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char **drop = NULL, **keep = NULL, **envp = NULL, **kept = NULL, **dropped = NULL;
	struct env_filter f = {0};
	size_t lines = 0, k = 0, d = 0;

	for (size_t off = 0; off < size && lines < FUZZ_MAX_LINES; lines++) {
		const char *end = memchr(s + off, '\n', size - off);
		size_t n = end ? (size_t)(end - (s + off)) : size - off;
		char *line = strndup(s + off, n); /* stops at a NUL, as a C string would */
		int r = 0;

		off += n + 1;
		if (!line)
			goto out;
		if (line[0] == 's' && !line[1])
			f.drop_secrets = true;
		else if ((line[0] == 'd' || line[0] == 'k') && !env_pattern_check(line + 1))
			r = strv_push(line[0] == 'd' ? &drop : &keep, line + 1);
		else if (line[0] == 'e')
			r = strv_push(&envp, line + 1);
		free(line);
		if (r < 0)
			goto out;
	}
	f.drop = drop;
	f.keep = keep;

	for (size_t i = 0; envp && envp[i] && i < FUZZ_DP_ENTRIES; i++) {
		size_t n = name_len(envp[i]);

		for (size_t j = 0; drop && drop[j]; j++)
			check_match(drop[j], envp[i], n);
		for (size_t j = 0; keep && keep[j]; j++)
			check_match(keep[j], envp[i], n);
		for (size_t j = 0; env_secret_patterns[j]; j++)
			check_match(env_secret_patterns[j], envp[i], n);
	}

	if (env_filter_apply(&f, envp, &kept, &dropped) < 0)
		goto out;
	for (size_t i = 0; envp && envp[i]; i++) {
		const char *e = envp[i], *eq = strchr(e, '=');
		size_t n = name_len(e);
		bool pass = !env_filter_active(&f) || (eq && env_filter_passes(&f, e, n));

		if (pass) {
			if (!kept[k] || strcmp(kept[k], e) != 0)
				__builtin_trap();
			k++;
			continue;
		}
		if (!dropped[d])
			__builtin_trap();
		if (!eq || n == 0) {
			if (strcmp(dropped[d], ENV_FILTER_NO_NAME) != 0)
				__builtin_trap();
		} else if (n > ENV_FILTER_MAX_NAME_LEN) {
			if (strlen(dropped[d]) != 67 || strncmp(dropped[d], e, 64) != 0 ||
			    strcmp(dropped[d] + 64, "...") != 0)
				__builtin_trap();
		} else if (strlen(dropped[d]) != n || strncmp(dropped[d], e, n) != 0) {
			__builtin_trap();
		}
		/* kept by keep: a valid name matching a keep pattern never lands here */
		for (size_t j = 0; eq && n > 0 && n <= ENV_FILTER_MAX_NAME_LEN && keep && keep[j];
		     j++)
			if (env_pattern_match(keep[j], e, n, false))
				__builtin_trap();
		d++;
	}
	if (kept[k] || dropped[d])
		__builtin_trap();
out:
	strv_free(drop);
	strv_free(keep);
	strv_free(envp);
	strv_free(kept);
	strv_free(dropped);
	return 0;
}
