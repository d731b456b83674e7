/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the Seatbelt (SBPL) profile for one sandboxed command on macOS, built from a small
 * backend-neutral rule list. Nothing here touches the file system; the platform glue
 * (seatbelt-exec.c, macOS only) canonicalises paths and runs sandbox-exec. docs/macos.md shows
 * the profile and what maps to what.
 *
 * Rules. Each rule is an absolute path-glob pattern (path-glob.h) of one kind. A rule covers a
 * path when its pattern matches the path or one of the path's ancestors (a rule on a directory
 * is a rule on everything in it). Its depth is the number of components of its pattern, not
 * counting trailing "**" components (appending "**" to a pattern changes nothing it covers);
 * a "**" elsewhere counts as one. For a path:
 *   - read: among the covering denyRead, allowRead and allowWrite rules the deepest decides
 *     (ties: allowRead over denyRead over allowWrite); denyRead hides the path, anything else
 *     (or no rule) lets it be read;
 *   - write: among the covering allowWrite, denyWrite and denyRead rules the deepest decides
 *     (ties: the denies win); only allowWrite lets it be written, and the standard device
 *     files (/dev/null, /dev/zero, /dev/tty, /dev/dtracehelper, /dev/stdout, /dev/stderr,
 *     /dev/fd/N) when no rule covers them;
 *   - then, whatever the rules say, no write to the mandatory names (mandatory-names.h) at any
 *     depth below a write root (an allowWrite pattern), existing or not, nor to the protected
 *     paths (the settings files, and the files git configurations include: the manager
 *     resolves them, git-includes.h, and adds them with seatbelt_rules_add_protected()).
 * For literal paths this is the Linux mount planner's longest-prefix rule (mount-plan.c).
 * Seatbelt lets the last matching rule win, so the generator emits the rules sorted by depth.
 *
 * Renames: a denied path could escape its rule by being renamed, or by renaming a directory
 * above it. Unlinking (which renaming needs) is refused for every path a deny rule matches, and
 * for every directory that a proper prefix of its pattern matches (or of a protected path's):
 * the literal ancestors (up to, not including, "/"), and for the components P, "**", ".git", "hooks" the directories
 * that P, "**", ".git" match too. A prefix that ends in "**" matches every directory below it;
 * it is used for denyRead rules only (a file hidden by P, "**", "*.pem" must not be carried to
 * a readable place with its directory, so no directory below P can be renamed), not for
 * denyWrite and mandatory patterns: moving a directory within the tree keeps what it holds
 * covered, and the mandatory patterns cover every write root alike.
 *
 * Network: outbound only to srt's proxy ports on localhost (none: no network at all); Unix
 * sockets only at allowUnixSockets paths, or all with allowAllUnixSockets; allowLocalBinding
 * allows bind and inbound on localhost only (never outbound); allowPty the pseudo-terminals.
 *
 * Limits: at most SEATBELT_MAX_RULES rules and SEATBELT_PROFILE_MAX bytes of profile (macOS
 * passes the profile to sandbox-exec in argv, whose total is about 1 MiB); beyond: -E2BIG.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

#define SEATBELT_PROFILE_MAX (512 * 1024)
#define SEATBELT_MAX_RULES (4 * SETTINGS_MAX_LIST_ENTRIES + 16)
#define SEATBELT_TAG_MAX 64

enum sb_kind {
	SB_DENY_READ,
	SB_ALLOW_READ,
	SB_ALLOW_WRITE,
	SB_DENY_WRITE,
	_SB_KIND_MAX,
};

struct sb_rule {
	enum sb_kind kind;
	const char *pattern; /* absolute path-glob pattern */
};

struct seatbelt_params {
	const struct sb_rule *rules;
	size_t n_rules;
	bool allow_git_config;		/* filesystem.allowGitConfig: .git/config not protected */
	char *const *protected_paths;	/* literal absolute paths never writable; may be NULL */
	uint16_t http_port, socks_port; /* srt's proxy on the host's loopback; 0 = none */
	char *const *unix_sockets;	/* literal absolute paths (allowUnixSockets); may be NULL */
	bool allow_all_unix_sockets;
	bool allow_local_binding;
	bool allow_pty;
	const char *tag; /* session tag (seatbelt_tag()): 1-64 bytes of [A-Za-z0-9_:-] */
};

/* The profile text, NUL-terminated. Returns 0; -EINVAL with *ret_reason (allocated, names the
 * rule: "denyRead '/x\n': a newline cannot be expressed in a Seatbelt profile") for anything
 * that cannot be expressed faithfully; -E2BIG (also with a reason) over the limits; -ENOMEM. */
int seatbelt_profile(const struct seatbelt_params *p, char **ret, char **ret_reason);

/* The tag that every deny carries ("with message"), so that the log monitor recognises this
 * session's denials and the child they belong to: "srt_<16 hex digits>_<child>". */
int seatbelt_tag(uint64_t session, uint64_t child, char *buf, size_t size);

const char *sb_kind_name(enum sb_kind k);

/* The rules of a parsed settings file, as seatbelt_params (all strings owned by the result):
 * paths expanded ("~", relative to cwd; see path_absolute()), the default write paths added,
 * the protected paths and unix sockets expanded. canonical (may be NULL: lexical only) turns
 * the literal prefix of each pattern into its real path (macOS: /tmp is /private/tmp, and
 * Seatbelt sees real paths); it returns 0 or -errno and a malloc'd path. -EINVAL with a reason
 * (allocated) for a pattern that is invalid or has "." or ".." after a glob component. */
typedef int (*seatbelt_canonical_fn)(const char *abs, char **ret);
struct seatbelt_rules;
int seatbelt_rules_from_settings(const struct srt_settings *s, const char *home, const char *cwd,
				 const char *tmpdir, seatbelt_canonical_fn canonical,
				 struct seatbelt_rules **ret, char **ret_reason);
/* Adds one literal absolute path that is never writable (a git include target, another
 * settings file) to r's protected paths, its real path through canonical (may be NULL);
 * glob characters in it are escaped, so it stays literal; a path already there is not added
 * twice. -EINVAL with a reason for a relative path. */
int seatbelt_rules_add_protected(struct seatbelt_rules *r, const char *path,
				 seatbelt_canonical_fn canonical, char **ret_reason);
/* Fills p from r (pointers into r; the ports, tag and network fields are the caller's). */
void seatbelt_rules_params(const struct seatbelt_rules *r, struct seatbelt_params *p);
struct seatbelt_rules *seatbelt_rules_free(struct seatbelt_rules *r);

/* The sandbox-exec command line: SEATBELT_EXEC "-p" PROFILE "--" ARGV... ("--" so that a
 * command starting with '-' is not read as an option). The strings are borrowed; free the
 * array only. NULL on ENOMEM. */
#define SEATBELT_EXEC "/usr/bin/sandbox-exec"
const char **seatbelt_exec_argv(const char *profile, char *const *argv);

/* The log monitor's command line: SEATBELT_LOG "stream" "--style" "compact" "--predicate"
 * 'eventMessage CONTAINS "srt_<16 hex>_"' (this session's tags). Free with strv_free(). */
#define SEATBELT_LOG "/usr/bin/log"
char **seatbelt_log_argv(uint64_t session);
