/* SPDX-License-Identifier: Apache-2.0 */
/* env-filter.c: the pattern matcher, the built-in secret list (what it takes and what it must
 * leave alone), precedence of keep over drop over dropSecrets, hostile entries, huge
 * environments, and that no value ever shows up among the dropped names. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "env-filter.h"
#include "shared/strv.h"

static bool m(const char *pattern, const char *name, bool icase)
{
	return env_pattern_match(pattern, name, strlen(name), icase);
}

static bool secret(const char *name)
{
	return env_name_is_secret(name, strlen(name));
}

static bool passes(const struct env_filter *f, const char *name)
{
	return env_filter_passes(f, name, strlen(name));
}

/* The filtered environment of envp as one "A=1 B=2" line, the dropped names as another. */
static void run(const struct env_filter *f, char *const *envp, char *kept, char *dropped,
		size_t size)
{
	char **k = NULL, **d = NULL;

	kept[0] = dropped[0] = '\0';
	if (env_filter_apply(f, envp, &k, &d) < 0) {
		snprintf(kept, size, "ERROR");
		return;
	}
	for (size_t i = 0; k[i]; i++)
		snprintf(kept + strlen(kept), size - strlen(kept), "%s%s", i ? " " : "", k[i]);
	for (size_t i = 0; d[i]; i++)
		snprintf(dropped + strlen(dropped), size - strlen(dropped), "%s%s", i ? " " : "",
			 d[i]);
	strv_free(k);
	strv_free(d);
}

static void test_match(void)
{
	ok(m("PATH", "PATH", false), "exact name");
	ok(!m("PATH", "PATHX", false) && !m("PATH", "XPATH", false) && !m("PATH", "PAT", false),
	   "exact name: no prefix or suffix matches");
	ok(!m("PATH", "path", false), "user patterns are case-sensitive");
	ok(m("PATH", "path", true), "... the built-in ones are not");
	ok(m("*", "", false) && m("*", "ANY", false), "'*' matches everything");
	ok(m("AWS_*", "AWS_", false) && m("AWS_*", "AWS_SECRET", false), "prefix pattern");
	ok(!m("AWS_*", "XAWS_", false) && !m("AWS_*", "AWS", false), "prefix pattern: misses");
	ok(m("*_KEY", "A_KEY", false) && !m("*_KEY", "A_KEYS", false), "suffix pattern");
	ok(m("*TOKEN*", "TOKEN", false) && m("*TOKEN*", "MY_TOKEN_FILE", false),
	   "infix pattern");
	ok(m("A*B*C", "AxxBxxC", false) && m("A*B*C", "ABC", false) && !m("A*B*C", "AxxCxxB", false),
	   "several stars");
	ok(m("A*A*A", "AAAAA", false) && !m("A*AB", "AAAAAAC", false), "back-tracking");
	ok(m("**X**", "X", false) && m("a**b", "ab", false), "repeated stars");
	ok(!m("", "A", false) && m("", "", false), "an empty pattern matches only the empty name");
	ok(env_pattern_match("AB", "ABC", 2, false), "the name is bounded by its length, not NUL");
	ok(!env_pattern_match(NULL, "A", 1, false) && !env_pattern_match("A", NULL, 0, false),
	   "NULL arguments never match");
}

static void test_check(void)
{
	char longp[ENV_FILTER_MAX_PATTERN_LEN + 2];

	ok(env_pattern_check("GITHUB_TOKEN") == NULL, "a name is valid");
	ok(env_pattern_check("AWS_*") == NULL && env_pattern_check("*") == NULL,
	   "patterns with '*' are valid");
	ok(env_pattern_check("lower.case-and:odd") == NULL, "POSIX allows any byte but '='");
	ok(env_pattern_check("") != NULL, "empty: refused");
	ok(env_pattern_check(NULL) != NULL, "NULL: refused");
	ok(env_pattern_check("A=B") != NULL, "'=': refused");
	ok(env_pattern_check("A\nB") != NULL && env_pattern_check("A\x7f") != NULL,
	   "control characters: refused");
	memset(longp, 'A', sizeof(longp) - 1);
	longp[ENV_FILTER_MAX_PATTERN_LEN] = '\0';
	ok(env_pattern_check(longp) == NULL, "%d bytes: valid", ENV_FILTER_MAX_PATTERN_LEN);
	longp[ENV_FILTER_MAX_PATTERN_LEN] = 'A';
	longp[ENV_FILTER_MAX_PATTERN_LEN + 1] = '\0';
	ok(env_pattern_check(longp) != NULL, "one more: refused");
}

static void test_secrets(void)
{
	static const char *const taken[] = {
	    "GITHUB_TOKEN", "GH_TOKEN", "NPM_TOKEN", "NODE_AUTH_TOKEN", "HF_TOKEN",
	    "VAULT_TOKEN", "CI_JOB_TOKEN", "CI_JOB_JWT_V2", "KUBE_TOKEN", "AWS_SECRET_ACCESS_KEY",
	    "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AZURE_CLIENT_SECRET",
	    "GOOGLE_APPLICATION_CREDENTIALS", "ANTHROPIC_API_KEY", "OPENAI_API_KEY",
	    "STRIPE_APIKEY", "my_password", "PGPASSWORD", "MYSQL_PWD", "SMB_PASSWD",
	    "GPG_PASSPHRASE", "SSH_PRIVATE_KEY", "TLS_PRIVATEKEY", "DOCKER_AUTH_CONFIG",
	    "NPM_CONFIG__AUTH", "AUTH", "auth_header", "SSH_AUTH_SOCK", "SIGNING_KEY",
	    "GITLAB_PAT", "SENTRY_DSN", "DATABASE_URL", "POSTGRES_DATABASE_URL", "REDIS_URL",
	    "MONGODB_URI", "MONGO_URL", "SESSION_COOKIE", "AZURE_STORAGE_CONNECTION_STRING",
	    "Client_Secret", "x_api_key", "R2_ACCESS_KEY", "FLASK_SESSION_KEY",
	};
	static const char *const left[] = {
	    "PATH", "HOME", "LANG", "LC_ALL", "TERM", "USER", "SHELL", "PWD", "OLDPWD",
	    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "XAUTHORITY", "DISPLAY", "EDITOR",
	    "KEYBOARD", "KEY", "MANPATH", "GOPATH", "TMPDIR", "SSH_ASKPASS", "AUTHOR",
	    "HTTP_PROXY", "SANDBOX_RUNTIME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS",
	    "LD_LIBRARY_PATH", "AWS", "MONGO_HOST", "GOOGLE_CLOUD_PROJECT",
	};

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		ok(secret(taken[i]), "secret: %s", taken[i]);
	for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++)
		ok(!secret(left[i]), "not a secret: %s", left[i]);
	for (size_t i = 0; env_secret_patterns[i]; i++)
		ok(env_pattern_check(env_secret_patterns[i]) == NULL &&
		       env_name_is_secret(env_secret_patterns[i], strlen(env_secret_patterns[i])),
		   "built-in pattern %s is valid and matches itself", env_secret_patterns[i]);
}

static void test_precedence(void)
{
	char *drop[] = {"DROP_ME", "TEMP_*", NULL}, *keep[] = {"GITHUB_TOKEN", "TEMP_KEEP", NULL};
	char *all[] = {"*", NULL}, *pass[] = {"PATH", "HOME", "LC_*", NULL};
	struct env_filter off = {0}, secrets = {.drop_secrets = true};
	struct env_filter full = {.drop_secrets = true, .drop = drop, .keep = keep};
	struct env_filter only_keep = {.keep = keep};
	struct env_filter passlist = {.drop = all, .keep = pass};
	char *empty[] = {NULL};
	struct env_filter empty_drop = {.drop = empty};

	ok(!env_filter_active(&off) && !env_filter_active(NULL), "default: inactive");
	ok(!env_filter_active(&only_keep), "keep alone removes nothing: inactive");
	ok(!env_filter_active(&empty_drop), "an empty drop list: inactive");
	ok(env_filter_active(&secrets) && env_filter_active(&passlist), "dropSecrets, drop: active");
	ok(passes(&off, "GITHUB_TOKEN") && passes(NULL, "GITHUB_TOKEN"), "inactive: secrets pass");
	ok(!passes(&secrets, "GITHUB_TOKEN") && passes(&secrets, "PATH"), "dropSecrets");
	ok(passes(&full, "GITHUB_TOKEN"), "keep wins over dropSecrets");
	ok(!passes(&full, "DROP_ME") && !passes(&full, "TEMP_X"), "drop removes");
	ok(passes(&full, "TEMP_KEEP"), "keep wins over drop");
	ok(!passes(&full, "github_token"), "keep is case-sensitive: the built-in list still takes "
					  "github_token");
	ok(passes(&full, "drop_me") && passes(&full, "DROP_ME_NOT"),
	   "drop is case-sensitive and exact: drop_me and DROP_ME_NOT pass");
	ok(passes(&passlist, "PATH") && passes(&passlist, "LC_ALL") &&
	       !passes(&passlist, "EDITOR") && !passes(&passlist, "path"),
	   "drop [\"*\"] with keep is a pass list");
	ok(!passes(&secrets, "") && !env_filter_passes(&secrets, "PATH", 0),
	   "an empty name never passes an active filter");
	ok(env_filter_passes(&off, "", 0), "... an inactive one passes everything");
}

static void test_apply(void)
{
	char kept[4096], dropped[4096];
	char *envp[] = {"PATH=/usr/bin", "GITHUB_TOKEN=ghp_value1", "HOME=/root",
			"AWS_SECRET_ACCESS_KEY=value2", "LANG=C", "my_password=value3",
			"KEEP_TOKEN=value4", NULL};
	char *keep[] = {"KEEP_TOKEN", "NOEQ", NULL};
	struct env_filter f = {.drop_secrets = true, .keep = keep}, off = {0};
	char *hostile[] = {"NOEQ", "=value5", "", "==", "A=1", "B==2", "C=", NULL};

	run(&f, envp, kept, dropped, sizeof(kept));
	is_str(kept, "PATH=/usr/bin HOME=/root LANG=C KEEP_TOKEN=value4", "kept, in order");
	is_str(dropped, "GITHUB_TOKEN AWS_SECRET_ACCESS_KEY my_password", "dropped names, in order");
	ok(!strstr(dropped, "value"), "no value among the dropped names");

	run(&off, envp, kept, dropped, sizeof(kept));
	is_str(kept,
	       "PATH=/usr/bin GITHUB_TOKEN=ghp_value1 HOME=/root AWS_SECRET_ACCESS_KEY=value2 "
	       "LANG=C my_password=value3 KEEP_TOKEN=value4",
	       "inactive: everything, unchanged");
	is_str(dropped, "", "inactive: nothing dropped");

	run(&off, hostile, kept, dropped, sizeof(kept));
	is_str(kept, "NOEQ =value5  == A=1 B==2 C=", "inactive: even malformed entries pass as before");
	run(&f, hostile, kept, dropped, sizeof(kept));
	is_str(kept, "A=1 B==2 C=", "active: entries without a name are removed, keep or not");
	is_str(dropped,
	       ENV_FILTER_NO_NAME " " ENV_FILTER_NO_NAME " " ENV_FILTER_NO_NAME " " ENV_FILTER_NO_NAME,
	       "... listed by their empty name or as an entry without '=' (never their text)");
	ok(!strstr(dropped, "value5") && !strstr(dropped, "NOEQ"), "no text of them shown");

	{
		char **k = NULL, **d = (char **)1;

		is_int(env_filter_apply(&f, NULL, &k, &d), 0, "NULL envp");
		ok(k && !k[0] && d && !d[0], "... gives empty vectors");
		strv_free(k);
		strv_free(d);
		k = NULL;
		is_int(env_filter_apply(&f, envp, &k, NULL), 0, "the dropped list is optional");
		is_int((int)strv_length(k), 4, "... and the filter still applies");
		strv_free(k);
	}
}

static void test_long_names(void)
{
	size_t n = ENV_FILTER_MAX_NAME_LEN + 1;
	char *big = malloc(n + 8), *ok_name = malloc(ENV_FILTER_MAX_NAME_LEN + 8);
	struct env_filter f = {.drop_secrets = true};
	char **k = NULL, **d = NULL;

	if (!big || !ok_name) {
		ok(0, "allocation");
		free(big);
		free(ok_name);
		return;
	}
	memset(big, 'N', n);
	memcpy(big + n, "=v", 3);
	memset(ok_name, 'N', ENV_FILTER_MAX_NAME_LEN);
	memcpy(ok_name + ENV_FILTER_MAX_NAME_LEN, "=v", 3);
	{
		char *envp[] = {big, ok_name, NULL};

		is_int(env_filter_apply(&f, envp, &k, &d), 0, "names at and over the limit");
		ok(k && k[0] && strcmp(k[0], ok_name) == 0 && !k[1], "a name at the limit passes");
		ok(d && d[0] && strlen(d[0]) == 67 && strcmp(d[0] + 64, "...") == 0 && !d[1],
		   "a longer one is removed, its name shown cut to 64 bytes");
	}
	strv_free(k);
	strv_free(d);
	free(big);
	free(ok_name);
}

static void test_huge(void)
{
	enum { N = 200000 };
	char **envp = calloc(N + 1, sizeof(char *)), **k = NULL, **d = NULL;
	char *drop[] = {"X*9", NULL};
	struct env_filter f = {.drop_secrets = true, .drop = drop};
	size_t want_k = 0, want_d = 0;
	bool ordered = true;

	if (!envp) {
		ok(0, "allocation");
		return;
	}
	for (size_t i = 0; i < N; i++) {
		int r;

		if (i % 3 == 0)
			r = asprintf(&envp[i], "APP_%zu_TOKEN=secret%zu", i, i);
		else
			r = asprintf(&envp[i], "X%zu=value%zu", i, i);
		if (r < 0)
			envp[i] = NULL;
		else if (i % 3 == 0 || i % 10 == 9)
			want_d++;
		else
			want_k++;
	}
	is_int(env_filter_apply(&f, envp, &k, &d), 0, "%d variables", N);
	is_int((long long)strv_length(k), (long long)want_k, "... the expected number pass");
	is_int((long long)strv_length(d), (long long)want_d, "... the expected number are removed");
	for (size_t i = 0; k && k[i] && k[i + 1]; i++)
		if (strtoul(k[i] + 1, NULL, 10) >= strtoul(k[i + 1] + 1, NULL, 10))
			ordered = false;
	ok(ordered, "... in their order");
	ok(d && d[0] && !strchr(d[0], '=') && !strstr(d[0], "secret"), "... names only");
	strv_free(k);
	strv_free(d);
	strv_free(envp);
}

int main(void)
{
	plan_no_plan();
	test_match();
	test_check();
	test_secrets();
	test_precedence();
	test_apply();
	test_long_names();
	test_huge();
	return tap_exit();
}
