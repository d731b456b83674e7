/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: which of the caller's environment variables the sandboxed command receives
 * (settings "environment": dropSecrets, drop, keep). Decisions look at names only; values are
 * copied through untouched and never examined, logged or returned.
 *
 * Name patterns are exact names or contain '*' wildcards ('*' matches any run of bytes,
 * including none); every other byte is literal. User patterns match case-sensitively (POSIX
 * names are); the built-in secret patterns match ASCII case-insensitively.
 *
 * Precedence for each variable: a "keep" match passes it; otherwise a "drop" match or (with
 * dropSecrets) a built-in secret match removes it; otherwise it passes. So "drop": ["*"] with
 * a keep list is a pass list. Entries that are not NAME=VALUE (no '=', or an empty name) and
 * names longer than ENV_FILTER_MAX_NAME_LEN are removed whenever the filter is active, keep
 * or not. srt's own variables (TMPDIR, the proxy variables, ...) are set after filtering, so
 * neither list affects them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define ENV_FILTER_MAX_PATTERNS 1024   /* per list (drop, keep) */
#define ENV_FILTER_MAX_PATTERN_LEN 256 /* bytes */
#define ENV_FILTER_MAX_NAME_LEN 4096   /* longer names are dropped when the filter is active */
#define ENV_FILTER_NO_NAME "(an entry without a name)"

struct env_filter {
	bool drop_secrets;
	char *const *drop; /* NULL-terminated; NULL = none */
	char *const *keep;
};

/* The built-in secret patterns, NULL-terminated (for documentation and tests). */
extern const char *const env_secret_patterns[];

/* NULL when pattern is a valid name pattern (non-empty, at most ENV_FILTER_MAX_PATTERN_LEN
 * bytes, no '=', no control characters), else a static sentence saying what is wrong. */
const char *env_pattern_check(const char *pattern);

/* Does name[0..n) match pattern? icase: ASCII case-insensitively. */
bool env_pattern_match(const char *pattern, const char *name, size_t n, bool icase);

/* Does name[0..n) match a built-in secret pattern? */
bool env_name_is_secret(const char *name, size_t n);

/* Does the filter remove anything at all (dropSecrets or a drop pattern)? */
bool env_filter_active(const struct env_filter *f);

/* Would the variable named name[0..n) reach the command? (n = 0 or a name over the limit:
 * false when the filter is active.) */
bool env_filter_passes(const struct env_filter *f, const char *name, size_t n);

/* The entries of envp (NULL-terminated; NULL = empty) that pass, copied, in order, into
 * *ret_env; the names of those removed into *ret_dropped, in order (both NULL-terminated, free
 * with strv_free()). Never a value: an entry without '=' or with an empty name is listed as
 * ENV_FILTER_NO_NAME (its text could be anything), a name over the limit as its first 64
 * bytes and "...". ret_dropped may be NULL. With an inactive filter every entry passes.
 * 0 or -ENOMEM (nothing returned). */
int env_filter_apply(const struct env_filter *f, char *const *envp, char ***ret_env,
		     char ***ret_dropped);
