/* SPDX-License-Identifier: Apache-2.0 */
/* Pure: the environment filter (see env-filter.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env-filter.h"
#include "shared/cleanup.h"
#include "shared/strv.h"

/*
 * Names that commonly hold secrets, matched case-insensitively. Kept in step with
 * docs/man/srt-settings.5 ("environment").
 *
 * AUTH is matched as a whole '_'-separated word only: as a substring it would take
 * GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL and XAUTHORITY (a path; the cookie file itself is the
 * filesystem rules' business). The word rule does take SSH_AUTH_SOCK: the agent signs as the
 * user, so it is a credential too; "keep" it when the sandbox should use the agent (it also
 * needs allowAllUnixSockets). "*_PWD" (MYSQL_PWD) is a suffix so that PWD and OLDPWD pass.
 */
const char *const env_secret_patterns[] = {
	/* words */
	"*TOKEN*",
	"*SECRET*",
	"*PASSWORD*",
	"*PASSWD*",
	"*PASSPHRASE*",
	"*CREDENTIAL*",
	"*PRIVATE_KEY*",
	"*PRIVATEKEY*",
	"*API_KEY*",
	"*APIKEY*",
	"*ACCESS_KEY*",
	"*SESSION_KEY*",
	"*JWT*",
	"*COOKIE*",
	"*CONNECTION_STRING*",
	"AUTH",
	"AUTH_*",
	"*_AUTH",
	"*_AUTH_*",
	/* suffixes */
	"*_KEY",
	"*_PAT",
	"*_PWD",
	"*_DSN",
	/* whole services and connection URLs that carry passwords */
	"AWS_*",
	"AZURE_CLIENT_SECRET",
	"GOOGLE_APPLICATION_CREDENTIALS",
	"*DATABASE_URL",
	"REDIS_URL",
	"MONGO*_URI",
	"MONGO*_URL",
	NULL,
};

const char *env_pattern_check(const char *pattern)
{
	size_t n;

	if (!pattern || !*pattern)
		return "a variable name pattern cannot be empty";
	n = strlen(pattern);
	if (n > ENV_FILTER_MAX_PATTERN_LEN)
		return "the variable name pattern is too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)pattern[i];

		if (ch == '=')
			return "a variable name cannot contain '='";
		if (ch < 0x20 || ch == 0x7f)
			return "a variable name pattern cannot contain control characters";
	}
	return NULL;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool byte_eq(char a, char b, bool icase)
{
	return a == b || (icase && lower(a) == lower(b));
}

/* '*' only, so the greedy walk with one back-track point is exact: O(len(pattern) * n). */
bool env_pattern_match(const char *pattern, const char *name, size_t n, bool icase)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	if (!pattern || !name)
		return false;
	while (si < n) {
		if (pattern[pi] == '*') {
			star_p = ++pi;
			star_s = si;
		} else if (pattern[pi] && byte_eq(pattern[pi], name[si], icase)) {
			pi++;
			si++;
		} else if (star_p != SIZE_MAX) {
			pi = star_p;
			si = ++star_s;
		} else {
			return false;
		}
	}
	while (pattern[pi] == '*')
		pi++;
	return pattern[pi] == '\0';
}

static bool match_any(char *const *patterns, const char *name, size_t n)
{
	for (size_t i = 0; patterns && patterns[i]; i++)
		if (env_pattern_match(patterns[i], name, n, false))
			return true;
	return false;
}

bool env_name_is_secret(const char *name, size_t n)
{
	for (size_t i = 0; env_secret_patterns[i]; i++)
		if (env_pattern_match(env_secret_patterns[i], name, n, true))
			return true;
	return false;
}

bool env_filter_active(const struct env_filter *f)
{
	return f && (f->drop_secrets || (f->drop && f->drop[0]));
}

bool env_filter_passes(const struct env_filter *f, const char *name, size_t n)
{
	if (!env_filter_active(f))
		return true;
	if (!name || n == 0 || n > ENV_FILTER_MAX_NAME_LEN)
		return false;
	if (match_any(f->keep, name, n))
		return true;
	if (match_any(f->drop, name, n))
		return false;
	return !(f->drop_secrets && env_name_is_secret(name, n));
}

/* The name of a removed entry as it may be shown: never any part of a value. */
static char *dropped_name(const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t n;
	char *s = NULL;

	if (!eq || eq == entry)
		return strdup(ENV_FILTER_NO_NAME);
	n = (size_t)(eq - entry);
	if (n > ENV_FILTER_MAX_NAME_LEN)
		return asprintf(&s, "%.64s...", entry) < 0 ? NULL : s;
	return strndup(entry, n);
}

int env_filter_apply(const struct env_filter *f, char *const *envp, char ***ret_env,
		     char ***ret_dropped)
{
	_cleanup_strv_free_ char **env = NULL, **dropped = NULL;
	size_t total = 0, k = 0, d = 0;
	bool active = env_filter_active(f);

	for (; envp && envp[total]; total++)
		;
	/* one allocation each, sized for the worst case: no growth for huge environments */
	env = calloc(total + 1, sizeof(char *));
	if (!env)
		return -ENOMEM;
	if (ret_dropped) {
		dropped = calloc(total + 1, sizeof(char *));
		if (!dropped)
			return -ENOMEM;
	}
	for (size_t i = 0; i < total; i++) {
		const char *e = envp[i], *eq = active ? strchr(e, '=') : NULL;

		if (!active || (eq && env_filter_passes(f, e, (size_t)(eq - e)))) {
			env[k] = strdup(e);
			if (!env[k])
				return -ENOMEM;
			k++;
		} else if (dropped) {
			dropped[d] = dropped_name(e);
			if (!dropped[d])
				return -ENOMEM;
			d++;
		}
	}
	*ret_env = TAKE_PTR(env);
	if (ret_dropped)
		*ret_dropped = TAKE_PTR(dropped);
	return 0;
}
