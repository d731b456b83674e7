/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the parsed ~/.srt-settings.json. No filesystem access happens here beyond reading the
 * file in settings_load_file(); paths are kept exactly as written (resolution of "~" and
 * relative paths happens in path-resolve.c when a sandbox is built).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Hard limits (bad input gets a clear error, never unbounded work). */
#define SETTINGS_MAX_FILE_SIZE (1024 * 1024) /* bytes */
#define SETTINGS_MAX_LIST_ENTRIES 4096       /* per list */
#define SETTINGS_MAX_STRING_LEN 4096         /* bytes, per path or domain entry (PATH_MAX) */

struct settings_ignore_rule {
	char *command; /* command substring, or "*" */
	char **paths;  /* NULL-terminated, path substrings */
};

enum {
	SETTINGS_LANDLOCK_AUTO = 0, /* apply what the kernel supports, report the level */
	SETTINGS_LANDLOCK_REQUIRE,  /* refuse to run unless every part is applied */
	SETTINGS_LANDLOCK_OFF,
};

struct srt_settings {
	/* network.* (all lists are NULL-terminated and never NULL after parsing) */
	char **allowed_domains;
	char **denied_domains;
	char **allow_unix_sockets;    /* macOS only; accepted and kept */
	bool allow_all_unix_sockets;  /* Linux: no AF_UNIX socket() filter */
	bool allow_local_binding;
	int http_proxy_port;          /* 0 when unset, else 1..65535 */
	int socks_proxy_port;         /* 0 when unset, else 1..65535 */

	/* filesystem.* */
	char **deny_read;
	char **allow_read;
	char **allow_write;
	char **deny_write;
	/* The four lists above hold path patterns (path-glob.h syntax, before "~" and relative
	 * paths are made absolute); a { "path": P, "literal": true } entry is stored as P with
	 * its glob characters escaped (settings_glob_escape()). */
	bool allow_git_config;
	bool private_tmp;       /* filesystem.privateTmp: a private, empty, writable /tmp */
	bool strict_deny_globs; /* filesystem.strictDenyGlobs: refuse deny globs whose future
				 * matches could be created in a write root */

	/* top level */
	struct settings_ignore_rule *ignore_violations;
	size_t n_ignore_violations;
	bool enable_weaker_nested_sandbox;
	bool allow_nested_user_namespaces;
	int mandatory_deny_search_depth; /* 1..10, default 3 */
	bool allow_pty;                  /* macOS only; accepted and kept */
	int landlock;                    /* SETTINGS_LANDLOCK_*, default AUTO (Linux only) */

	/* environment.* (env-filter.h): name patterns, validated by env_pattern_check() */
	bool env_drop_secrets;
	char **env_drop;
	char **env_keep;

	/* Paths the command must never write, whether or not they exist (the settings file in
	 * use, the default settings path). Absolute or "~"-relative. */
	char **protected_paths;

	char *source; /* file the settings came from, NULL for the default / a string */
};

/* The settings as JSON in the settings-file format (every key with its effective value; unset
 * ports, ignored and unsupported keys left out). Free with free(). NULL on ENOMEM. */
char *settings_to_json(const struct srt_settings *s, bool pretty);

/* Replaces one key ("network.allowedDomains", "allowPty") with a JSON value, validated as in
 * a settings file: on any error *s is unchanged. Returns 0 or -errno with an SRT_E_CONFIG
 * error. */
int settings_set(struct srt_settings **s, const char *key, const char *value_json,
		 srt_error **reterr);

/* The embedded default settings (all lists empty, depth 3). NULL on ENOMEM. */
struct srt_settings *settings_new_default(void);

/* Parses and validates JSON text. `origin` names the source in messages. On failure returns
 * -EINVAL (-EFBIG for text over the size limit, -ENOMEM) and an SRT_E_CONFIG error
 * "ORIGIN:LINE:COL: DOTTED.KEY: problem" and, for a misspelt key, "(did you mean
 * 'allowWrite'?)". */
int settings_parse(const char *json, size_t len, const char *origin, struct srt_settings **ret,
		   srt_error **reterr);

/* Reads (at most SETTINGS_MAX_FILE_SIZE bytes) and parses a file. Missing, unreadable, empty
 * and oversized files are errors: -ENOENT for a missing file (callers rely on it), -EFBIG,
 * -EISDIR, or the errno of the failed open/read; the caller decides about fallbacks. Sets
 * ->source. */
int settings_load_file(const char *path, struct srt_settings **ret, srt_error **reterr);

struct srt_settings *settings_copy(const struct srt_settings *s);
struct srt_settings *settings_free(struct srt_settings *s);

/* Checks one filesystem entry as written (absolute, "~"-relative or relative) as a path
 * pattern: NULL when it is valid, else a static sentence saying what is wrong. The same
 * checks run when the pattern is made absolute for a sandbox (settings_path_pattern()). */
const char *settings_path_pattern_check(const char *entry);

/* The absolute pattern of one filesystem entry: "~" expanded to home, a relative entry joined
 * to cwd, "." and ".." before the first glob component resolved lexically. 0, -EINVAL with
 * *ret_reason (static; when not NULL) for an invalid pattern or a missing home/cwd, -ENOMEM. */
int settings_path_pattern(const char *entry, const char *home, const char *cwd, char **ret,
			  const char **ret_reason);

/* path with '\\', '*', '?' and '[' escaped: the pattern that matches exactly path. NULL on
 * ENOMEM. */
char *settings_glob_escape(const char *path);

/* Domain pattern rules of the reference (exact names, "*.example.com", "localhost"), plus an
 * optional ":port", bracketed IPv6 literals and a character-set check. `deny_list` additionally
 * accepts "*" and "*:PORT". */
bool domain_pattern_valid(const char *pattern, bool deny_list);
