/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: rules → SBPL profile text (see seatbelt-profile.h for the semantics and docs/macos.md
 * for the profile). Every piece of user data goes through sbpl.c: string literals escaped,
 * globs translated by the shared matcher's own parse.
 */
#include "seatbelt-profile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mandatory-names.h"
#include "path-glob.h"
#include "path-resolve.h"
#include "sbpl.h"
#include "shared/cleanup.h"
#include "shared/macro.h"
#include "shared/strv.h"

const char *sb_kind_name(enum sb_kind k)
{
	switch (k) {
	case SB_DENY_READ:
		return "denyRead";
	case SB_ALLOW_READ:
		return "allowRead";
	case SB_ALLOW_WRITE:
		return "allowWrite";
	case SB_DENY_WRITE:
		return "denyWrite";
	default:
		return "?";
	}
}

int seatbelt_tag(uint64_t session, uint64_t child, char *buf, size_t size)
{
	int n = snprintf(buf, size, "srt_%016" PRIx64 "_%" PRIu64, session, child);

	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

static bool tag_ok(const char *t)
{
	size_t n = 0;

	if (!t)
		return false;
	for (; t[n]; n++)
		if (!((t[n] >= 'a' && t[n] <= 'z') || (t[n] >= 'A' && t[n] <= 'Z') ||
		      (t[n] >= '0' && t[n] <= '9') || t[n] == '_' || t[n] == ':' || t[n] == '-'))
			return false;
	return n >= 1 && n <= SEATBELT_TAG_MAX;
}

/* "WHAT 'PATTERN': WHY", the pattern with non-printable bytes as \xNN. */
static int fail(char **ret_reason, int err, const char *what, const char *pattern, const char *why)
{
	struct buf b = BUF_INIT;

	if (!ret_reason)
		return err;
	if (buf_printf(&b, "%s '", what) < 0)
		goto oom;
	for (const unsigned char *p = (const unsigned char *)(pattern ? pattern : ""); *p; p++) {
		int r = *p >= 0x20 && *p < 0x7f && *p != '\\' ? buf_append(&b, p, 1)
							      : buf_printf(&b, "\\x%02x", *p);
		if (r < 0)
			goto oom;
	}
	if (buf_printf(&b, "': %s", why) < 0)
		goto oom;
	*ret_reason = buf_steal(&b);
	return err;
oom:
	buf_free(&b);
	return -ENOMEM;
}

struct compiled {
	enum sb_kind kind;
	const char *what; /* for messages: "denyRead", "mandatory", ... */
	const char *pattern;
	struct path_glob *g;
	size_t rank;  /* components */
	size_t depth; /* components without trailing "**": the sort key */
	size_t index; /* input order, for a stable sort */
	bool never;   /* a component no name can match: the rule matches nothing */
};

static void compiled_clear(struct compiled *c) { c->g = path_glob_free(c->g); }

static int compile_rule(struct compiled *c, enum sb_kind kind, const char *what,
			const char *pattern, size_t index, char **ret_reason)
{
	const char *why = NULL;
	int r;

	*c = (struct compiled){.kind = kind, .what = what, .pattern = pattern, .index = index};
	if (!sbpl_string_ok(pattern ? pattern : "", &why))
		return fail(ret_reason, -EINVAL, what, pattern, why);
	r = path_glob_compile(pattern, &c->g, &why);
	if (r == -EINVAL)
		return fail(ret_reason, r, what, pattern, why);
	if (r < 0)
		return r;
	c->rank = path_glob_n_components(c->g);
	for (size_t i = 0; i < c->rank; i++) {
		size_t n;
		bool sat;

		path_glob_component(c->g, i, &n, &sat);
		c->never = c->never || !sat;
	}
	/* the depth: trailing "**" components do not count (they add nothing to what is covered) */
	c->depth = c->rank;
	while (c->depth > 0) {
		size_t n;
		bool sat;

		if (path_glob_component(c->g, c->depth - 1, &n, &sat) != PATH_GLOB_COMP_TREE)
			break;
		c->depth--;
	}
	return 0;
}

/* The filter for the paths the rule matches (cover: and everything below them), or for its
 * first n_comps components. */
static int put_filter(struct buf *b, const struct compiled *c, size_t n_comps, bool cover,
		      char **ret_reason)
{
	const char *why = NULL;
	int r;

	/* a pattern ending in "**" components covers exactly what the rest covers */
	while (cover && n_comps > 0) {
		size_t n;
		bool sat;

		if (path_glob_component(c->g, n_comps - 1, &n, &sat) != PATH_GLOB_COMP_TREE)
			break;
		n_comps--;
	}

	bool literal = true;
	for (size_t i = 0; i < n_comps && literal; i++) {
		size_t n;
		bool sat;

		literal = path_glob_component(c->g, i, &n, &sat) == PATH_GLOB_COMP_LITERAL;
	}
	if (literal) {
		/* the literal prefix of the first n_comps components */
		_cleanup_free_ char *full = path_glob_literal_prefix(c->g);
		char *end = full;

		if (!full)
			return -ENOMEM;
		for (size_t i = 0; i < n_comps; i++) {
			end = strchr(end + 1, '/');
			if (!end)
				break;
		}
		if (end && n_comps > 0)
			*end = '\0';
		if (n_comps == 0)
			full[1] = '\0';
		r = buf_puts(b, cover ? "(subpath " : "(literal ");
		if (r >= 0)
			r = sbpl_put_string(b, full, &why);
	} else {
		struct buf re = BUF_INIT;

		r = sbpl_glob_regex(c->g, n_comps, cover, &re, &why);
		if (r >= 0)
			r = buf_puts(b, "(regex ");
		if (r >= 0)
			r = sbpl_put_string(b, re.data, &why);
		buf_free(&re);
	}
	if (r == -EINVAL)
		return fail(ret_reason, r, c->what, c->pattern, why);
	if (r < 0)
		return r;
	return buf_puts(b, ")");
}

static int put_tagged_end(struct buf *b, const char *tag)
{
	int r = buf_puts(b, " (with message ");

	if (r >= 0)
		r = sbpl_put_string(b, tag, NULL);
	return r < 0 ? r : buf_puts(b, "))\n");
}

/* (allow|deny OPS FILTER) */
static int put_rule(struct buf *b, bool allow, const char *ops, const struct compiled *c,
		    const char *tag, char **ret_reason)
{
	int r = buf_printf(b, "(%s %s ", allow ? "allow" : "deny", ops);

	if (r >= 0)
		r = put_filter(b, c, c->rank, true, ret_reason);
	if (r < 0)
		return r;
	return allow ? buf_puts(b, ")\n") : put_tagged_end(b, tag);
}

/* Sort order inside a section: rank, then the tie order of the kind, then input order. */
struct sorted {
	const struct compiled *c;
	int tie;
};

static int sorted_cmp(const void *x, const void *y)
{
	const struct sorted *a = x, *b = y;

	if (a->c->depth != b->c->depth)
		return a->c->depth < b->c->depth ? -1 : 1;
	if (a->tie != b->tie)
		return a->tie < b->tie ? -1 : 1;
	return a->c->index < b->c->index ? -1 : a->c->index > b->c->index;
}

/* tie[kind]: < 0 = not in this section; a later (higher) one wins a tie. */
static int put_section(struct buf *b, const struct compiled *cs, size_t n, const int tie[],
		       const char *ops, const char *tag, char **ret_reason)
{
	_cleanup_free_ struct sorted *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	int r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (tie[cs[i].kind] >= 0 && !cs[i].never)
			v[k++] = (struct sorted){.c = &cs[i], .tie = tie[cs[i].kind]};
	qsort(v, k, sizeof(*v), sorted_cmp);
	for (size_t i = 0; i < k; i++) {
		bool allow = v[i].c->kind == SB_ALLOW_READ || v[i].c->kind == SB_ALLOW_WRITE;

		r = put_rule(b, allow, ops, v[i].c, tag, ret_reason);
		if (r < 0)
			return r;
		if (b->len > SEATBELT_PROFILE_MAX)
			return -E2BIG;
	}
	return 0;
}

/* Move blocking: filters whose unlink is refused, collected, sorted and de-duplicated: the
 * directories that a proper prefix of the pattern matches (a prefix ending in "**", which
 * matches every directory below it, only with all_prefixes) and, with self, the pattern's own
 * matches (not needed for rules emitted after every allow, which cover them already). */
static int collect_move_blocks(char ***set, const struct compiled *c, bool all_prefixes, bool self,
			       char **ret_reason)
{
	bool glob = false;
	int r;

	if (c->never)
		return 0;
	for (size_t k = 1; k <= c->rank; k++) {
		struct buf f = BUF_INIT;
		size_t n;
		bool sat;
		enum path_glob_comp_kind kind = path_glob_component(c->g, k - 1, &n, &sat);

		glob = glob || kind != PATH_GLOB_COMP_LITERAL;
		if (k == c->rank && (kind == PATH_GLOB_COMP_TREE || !self))
			continue;
		if (k < c->rank && kind == PATH_GLOB_COMP_TREE && !all_prefixes)
			continue;
		r = 0;
		if (k < c->rank && glob)
			r = buf_puts(&f, "(require-all ");
		if (r >= 0)
			r = put_filter(&f, c, k, false, ret_reason);
		if (r >= 0 && k < c->rank && glob)
			r = buf_puts(&f, " (vnode-type DIRECTORY))");
		if (r >= 0)
			r = strv_push(set, f.data);
		buf_free(&f);
		if (r < 0)
			return r;
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char prologue[] =
    "; Processes: run programs, and see and signal only this sandbox's own processes.\n"
    "(allow process-exec)\n"
    "(allow process-fork)\n"
    "(allow process-info* (target same-sandbox))\n"
    "(allow signal\n"
	"  (target same-sandbox))\n"
    "(allow mach-priv-task-port (target same-sandbox))\n"
    "\n"
    "; System services an ordinary command needs: name lookups (users, groups), logging,\n"
    "; notifications, certificate trust for TLS, temporary-directory lookup, fonts.\n"
    "(allow user-preference-read)\n"
    "(allow mach-lookup\n"
    "  (global-name \"com.apple.bsd.dirhelper\")\n"
    "  (global-name \"com.apple.system.opendirectoryd.libinfo\")\n"
    "  (global-name \"com.apple.system.opendirectoryd.membership\")\n"
    "  (global-name \"com.apple.system.logger\")\n"
    "  (global-name \"com.apple.logd\")\n"
    "  (global-name \"com.apple.system.notification_center\")\n"
    "  (global-name \"com.apple.distributed_notifications@Uv3\")\n"
    "  (global-name \"com.apple.trustd.agent\")\n"
    "  (global-name \"com.apple.SecurityServer\")\n"
    "  (global-name \"com.apple.securityd.xpc\")\n"
    "  (global-name \"com.apple.coreservices.launchservicesd\")\n"
    "  (global-name \"com.apple.lsd.mapdb\")\n"
    "  (global-name \"com.apple.fonts\")\n"
    "  (global-name \"com.apple.FontObjectsServer\")\n"
    "  (global-name \"com.apple.PowerManagement.control\"))\n"
    "(allow ipc-posix-shm)\n"
    "(allow ipc-posix-sem)\n"
    "(allow iokit-get-properties)\n"
    "(allow sysctl-read\n"
    "  (sysctl-name-prefix \"hw.\")\n"
    "  (sysctl-name-prefix \"machdep.cpu.\")\n"
    "  (sysctl-name-prefix \"kern.proc.pid.\")\n"
    "  (sysctl-name \"kern.argmax\")\n"
    "  (sysctl-name \"kern.hostname\")\n"
    "  (sysctl-name \"kern.maxfiles\")\n"
    "  (sysctl-name \"kern.maxfilesperproc\")\n"
    "  (sysctl-name \"kern.maxproc\")\n"
    "  (sysctl-name \"kern.ngroups\")\n"
    "  (sysctl-name \"kern.osproductversion\")\n"
    "  (sysctl-name \"kern.osrelease\")\n"
    "  (sysctl-name \"kern.ostype\")\n"
    "  (sysctl-name \"kern.osversion\")\n"
    "  (sysctl-name \"kern.osvariant_status\")\n"
    "  (sysctl-name \"kern.secure_kernel\")\n"
    "  (sysctl-name \"kern.usrstack64\")\n"
    "  (sysctl-name \"kern.version\")\n"
    "  (sysctl-name \"machdep.ptrauth_enabled\")\n"
    "  (sysctl-name \"security.mac.lockdown_mode_state\")\n"
    "  (sysctl-name \"sysctl.proc_cputype\")\n"
    "  (sysctl-name \"vm.loadavg\"))\n"
    "\n"
    "; Device files every command may use. No ioctl on terminals: TIOCSTI on the caller's\n"
    "; terminal would type into the caller's shell (allowPty opens them; see docs/macos.md).\n"
    "(allow file-ioctl\n"
    "  (literal \"/dev/null\")\n"
    "  (literal \"/dev/zero\")\n"
    "  (literal \"/dev/random\")\n"
    "  (literal \"/dev/urandom\")\n"
    "  (literal \"/dev/dtracehelper\"))\n";

static const char device_writes[] = "(allow file-write-data\n"
				    "  (literal \"/dev/null\")\n"
				    "  (literal \"/dev/zero\")\n"
				    "  (literal \"/dev/tty\")\n"
				    "  (literal \"/dev/dtracehelper\")\n"
				    "  (literal \"/dev/stdout\")\n"
				    "  (literal \"/dev/stderr\")\n"
				    "  (regex \"^/dev/fd/[0-9]+$\"))\n";

static const char pty_rules[] = "\n"
				"; Pseudo-terminals (allowPty)\n"
				"(allow pseudo-tty)\n"
				"(allow file-ioctl file-read* file-write*\n"
				"  (literal \"/dev/ptmx\")\n"
				"  (literal \"/dev/tty\")\n"
				"  (regex \"^/dev/ttys[0-9]+$\"))\n";

/* The mandatory patterns of one write root W: W, then "**", then each protected name. */
static int mandatory_patterns(const char *root, bool allow_git_config, char ***ret)
{
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_free_ char *base = strdup(root);
	int r = 0;

	if (!base)
		return -ENOMEM;
	/* W followed by "**" components has the same tree as W: drop them, they would only make
	 * the regex longer */
	for (size_t n = strlen(base); n >= 3 && strcmp(base + n - 3, "/**") == 0; n -= 3)
		base[n - 3] = '\0';
	if (strcmp(base, "/") == 0 || strcmp(base, "/**") == 0)
		base[0] = '\0';

#define ADD(fmt, ...)                                                                              \
	do {                                                                                       \
		char *_s;                                                                          \
		if (asprintf(&_s, "%s/**/" fmt, base, __VA_ARGS__) < 0)                            \
			return -ENOMEM;                                                            \
		r = strv_consume(&v, _s);                                                          \
		if (r < 0) {                                                                       \
			free(_s);                                                                  \
			return r;                                                                  \
		}                                                                                  \
	} while (0)

	for (size_t i = 0; i < mandatory_n_dangerous_files; i++)
		ADD("%s", mandatory_dangerous_files[i]);
	for (size_t i = 0; i < mandatory_n_dangerous_dirs; i++)
		ADD("%s", mandatory_dangerous_dirs[i]);
	for (size_t i = 0; i < mandatory_n_claude_children; i++)
		ADD(".claude/%s", mandatory_claude_children[i].name);
	ADD(".git/%s", MANDATORY_GIT_HOOKS);
	if (!allow_git_config)
		ADD(".git/%s", MANDATORY_GIT_CONFIG);
#undef ADD
	*ret = TAKE_PTR(v);
	return 0;
}

static void compiled_array_free(struct compiled *cs, size_t n)
{
	for (size_t i = 0; cs && i < n; i++)
		compiled_clear(&cs[i]);
	free(cs);
}

int seatbelt_profile(const struct seatbelt_params *p, char **ret, char **ret_reason)
{
	struct buf b = BUF_INIT;
	struct compiled *cs = NULL, *ms = NULL, *ps = NULL;
	size_t n_ms = 0, n_ps = 0;
	_cleanup_strv_free_ char **mpat = NULL;
	_cleanup_strv_free_ char **blocks = NULL;
	const char *why = NULL;
	int r;

	if (!p || !ret || (p->n_rules && !p->rules))
		return -EINVAL;
	if (!tag_ok(p->tag))
		return fail(ret_reason, -EINVAL, "tag", p->tag,
			    "must be 1-64 bytes of [A-Za-z0-9_:-]");
	if (p->n_rules > SEATBELT_MAX_RULES)
		return fail(ret_reason, -E2BIG, "rules", "", "too many rules");

	cs = calloc(p->n_rules + 1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		if ((unsigned)p->rules[i].kind >= _SB_KIND_MAX) {
			r = -EINVAL;
			goto out;
		}
		r = compile_rule(&cs[i], p->rules[i].kind, sb_kind_name(p->rules[i].kind),
				 p->rules[i].pattern, i, ret_reason);
		if (r < 0)
			goto out;
	}

	/* mandatory names below every write root */
	for (size_t i = 0; i < p->n_rules; i++) {
		_cleanup_strv_free_ char **v = NULL;

		if (cs[i].kind != SB_ALLOW_WRITE || cs[i].never)
			continue;
		r = mandatory_patterns(cs[i].pattern, p->allow_git_config, &v);
		if (r >= 0)
			r = strv_extend(&mpat, v);
		if (r < 0)
			goto out;
		if (strv_length(mpat) > SEATBELT_MAX_RULES * 8) {
			r = fail(ret_reason, -E2BIG, "allowWrite", cs[i].pattern,
				 "too many write roots for the mandatory patterns");
			goto out;
		}
	}
	n_ms = strv_length(mpat);
	ms = calloc(n_ms + 1, sizeof(*ms));
	if (!ms) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_ms; i++) {
		r = compile_rule(&ms[i], SB_DENY_WRITE, "mandatory pattern", mpat[i], i,
				 ret_reason);
		if (r < 0)
			goto out;
	}
	n_ps = strv_length(p->protected_paths);
	ps = calloc(n_ps + 1, sizeof(*ps));
	if (!ps) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_ps; i++) {
		r = compile_rule(&ps[i], SB_DENY_WRITE, "protected path", p->protected_paths[i], i,
				 ret_reason);
		if (r < 0)
			goto out;
		if (!path_glob_is_literal(ps[i].g)) {
			r = fail(ret_reason, -EINVAL, "protected path", p->protected_paths[i],
				 "must be a literal path (escape glob characters)");
			goto out;
		}
	}

	/* header */
	r = buf_puts(&b, "(version 1)\n(deny default (with message ");
	if (r >= 0)
		r = sbpl_put_string(&b, p->tag, &why);
	if (r >= 0)
		r = buf_puts(&b, "))\n; srt session tag: ");
	if (r >= 0)
		r = buf_puts(&b, p->tag);
	if (r >= 0)
		r = buf_puts(&b, "\n\n");
	if (r >= 0)
		r = buf_puts(&b, prologue);
	if (r < 0)
		goto out;

	/* reads */
	static const int read_tie[_SB_KIND_MAX] = {
	    [SB_ALLOW_WRITE] = 0, [SB_DENY_READ] = 1, [SB_ALLOW_READ] = 2, [SB_DENY_WRITE] = -1};
	static const int write_tie[_SB_KIND_MAX] = {
	    [SB_ALLOW_WRITE] = 0, [SB_DENY_READ] = 1, [SB_DENY_WRITE] = 1, [SB_ALLOW_READ] = -1};

	r = buf_puts(&b,
		     "\n; Reads: everything, minus denyRead; allowRead and write roots carve out"
		     "\n; again. Sorted by depth: the last matching rule wins.\n"
		     "(allow file-read*)\n");
	if (r >= 0)
		r = put_section(&b, cs, p->n_rules, read_tie, "file-read*", p->tag, ret_reason);
	if (r < 0)
		goto out;

	/* writes */
	r = buf_puts(&b, "\n; Writes: only the write roots, minus denyWrite and denyRead. Sorted by"
			 "\n; depth: the last matching rule wins.\n");
	if (r >= 0)
		r = buf_puts(&b, device_writes);
	if (r >= 0)
		r = put_section(&b, cs, p->n_rules, write_tie, "file-write*", p->tag, ret_reason);
	if (r >= 0 && n_ms > 0)
		r = buf_puts(&b, "\n; Mandatory: never writable below a write root, at any depth, "
				 "existing or not.\n");
	for (size_t i = 0; r >= 0 && i < n_ms; i++) {
		r = put_rule(&b, false, "file-write*", &ms[i], p->tag, ret_reason);
		if (r >= 0 && b.len > SEATBELT_PROFILE_MAX)
			r = -E2BIG;
	}
	if (r >= 0 && n_ps > 0)
		r = buf_puts(&b, "\n; The settings files and git include targets: never writable.\n");
	for (size_t i = 0; r >= 0 && i < n_ps; i++)
		r = put_rule(&b, false, "file-write*", &ps[i], p->tag, ret_reason);
	if (r < 0)
		goto out;

	/* move blocking */
	for (size_t i = 0; i < p->n_rules && r >= 0; i++)
		if (cs[i].kind == SB_DENY_READ || cs[i].kind == SB_DENY_WRITE)
			r = collect_move_blocks(&blocks, &cs[i], cs[i].kind == SB_DENY_READ, true,
						ret_reason);
	for (size_t i = 0; i < n_ms && r >= 0; i++)
		r = collect_move_blocks(&blocks, &ms[i], false, false, ret_reason);
	/* a protected file in a write root must not be carried away with its directory (and a
	 * directory with a file of the command's put in its place) */
	for (size_t i = 0; i < n_ps && r >= 0; i++)
		r = collect_move_blocks(&blocks, &ps[i], false, false, ret_reason);
	for (size_t i = 0; i < n_ps && r >= 0; i++)
		r = collect_move_blocks(&blocks, &ps[i], false, false, ret_reason);
	if (r < 0)
		goto out;
	if (blocks) {
		size_t n = strv_length(blocks);

		qsort(blocks, n, sizeof(char *), str_cmp);
		r = buf_puts(
		    &b, "\n; No renaming or removing a denied path or a directory above it.\n");
		for (size_t i = 0; i < n && r >= 0; i++) {
			if (i > 0 && strcmp(blocks[i], blocks[i - 1]) == 0)
				continue;
			r = buf_printf(&b, "(deny file-write-unlink %s", blocks[i]);
			if (r >= 0)
				r = put_tagged_end(&b, p->tag);
			if (r >= 0 && b.len > SEATBELT_PROFILE_MAX)
				r = -E2BIG;
		}
		if (r < 0)
			goto out;
	}

	/* network */
	r = buf_puts(&b, "\n; Network: only srt's proxy on localhost.\n");
	if (r >= 0 && p->http_port)
		r = buf_printf(&b, "(allow network-outbound (remote ip \"localhost:%u\"))\n",
			       (unsigned)p->http_port);
	if (r >= 0 && p->socks_port)
		r = buf_printf(&b, "(allow network-outbound (remote ip \"localhost:%u\"))\n",
			       (unsigned)p->socks_port);
	if (r >= 0 && !p->http_port && !p->socks_port)
		r = buf_puts(&b, "; (no proxy: no network at all)\n");
	if (r >= 0 && p->allow_local_binding)
		r = buf_puts(&b, "; allowLocalBinding: servers on localhost, reachable from inside "
				 "only by inbound\n"
				 "(allow network-bind (local ip \"localhost:*\"))\n"
				 "(allow network-inbound (local ip \"localhost:*\"))\n");
	if (r >= 0 && p->allow_all_unix_sockets)
		r = buf_puts(&b,
			     "; allowAllUnixSockets\n"
			     "(allow network-bind (local unix-socket (path-regex \"^/\")))\n"
			     "(allow network-outbound (remote unix-socket (path-regex \"^/\")))\n");
	for (size_t i = 0;
	     r >= 0 && !p->allow_all_unix_sockets && p->unix_sockets && p->unix_sockets[i]; i++) {
		const char *s = p->unix_sockets[i];

		if (s[0] != '/') {
			r = fail(ret_reason, -EINVAL, "allowUnixSockets", s, "not absolute");
			break;
		}
		if (!sbpl_string_ok(s, &why)) {
			r = fail(ret_reason, -EINVAL, "allowUnixSockets", s, why);
			break;
		}
		r = buf_puts(&b, "(allow network-bind (local unix-socket (subpath ");
		if (r >= 0)
			r = sbpl_put_string(&b, s, &why);
		if (r >= 0)
			r = buf_puts(&b,
				     ")))\n(allow network-outbound (remote unix-socket (subpath ");
		if (r >= 0)
			r = sbpl_put_string(&b, s, &why);
		if (r >= 0)
			r = buf_puts(&b, ")))\n");
	}
	if (r >= 0 && p->allow_pty)
		r = buf_puts(&b, pty_rules);
	if (r < 0)
		goto out;
	if (b.len > SEATBELT_PROFILE_MAX) {
		r = -E2BIG;
		goto out;
	}
	*ret = buf_steal(&b);
	r = *ret ? 0 : -ENOMEM;
out:
	if (r == -E2BIG && ret_reason && !*ret_reason)
		fail(ret_reason, r, "profile", "", "over 512 KiB (too many or too long rules)");
	buf_free(&b);
	compiled_array_free(cs, p->n_rules);
	compiled_array_free(ms, n_ms);
	compiled_array_free(ps, n_ps);
	return r;
}

/* ---- settings → rules ---- */

struct seatbelt_rules {
	struct sb_rule *rules;
	size_t n;
	char **owned;
	char **protected_paths;
	char **unix_sockets;
	bool allow_git_config, allow_all_unix_sockets, allow_local_binding, allow_pty;
};

struct seatbelt_rules *seatbelt_rules_free(struct seatbelt_rules *r)
{
	if (!r)
		return NULL;
	free(r->rules);
	strv_free(r->owned);
	strv_free(r->protected_paths);
	strv_free(r->unix_sockets);
	free(r);
	return NULL;
}

void seatbelt_rules_params(const struct seatbelt_rules *r, struct seatbelt_params *p)
{
	p->rules = r->rules;
	p->n_rules = r->n;
	p->allow_git_config = r->allow_git_config;
	p->protected_paths = r->protected_paths;
	p->unix_sockets = r->unix_sockets;
	p->allow_all_unix_sockets = r->allow_all_unix_sockets;
	p->allow_local_binding = r->allow_local_binding;
	p->allow_pty = r->allow_pty;
}

static void path_glob_freep_local(struct path_glob **g) { path_glob_free(*g); }

/* Appends s with the glob characters escaped. */
static int put_glob_escaped(struct buf *b, const char *s)
{
	int r = 0;

	for (; *s && r >= 0; s++) {
		if (strchr("\\*?[", *s))
			r = buf_append(b, "\\", 1);
		if (r >= 0)
			r = buf_append(b, s, 1);
	}
	return r;
}

/* abs with its literal prefix (its leading components without glob syntax) replaced by
 * canonical(prefix), escaped again. */
static int canonicalise(const char *abs, seatbelt_canonical_fn canonical, char **ret)
{
	_cleanup_(path_glob_freep_local) struct path_glob *g = NULL;
	_cleanup_free_ char *prefix = NULL, *real = NULL;
	struct buf b = BUF_INIT;
	const char *rest = abs;
	size_t n = 0;
	int r;

	r = path_glob_compile(abs, &g, NULL);
	if (r < 0)
		return r;
	while (n < path_glob_n_components(g)) {
		size_t na;
		bool sat;
		if (path_glob_component(g, n, &na, &sat) != PATH_GLOB_COMP_LITERAL)
			break;
		n++;
	}
	prefix = path_glob_literal_prefix(g);
	if (!prefix)
		return -ENOMEM;
	r = canonical(prefix, &real);
	if (r < 0)
		return r;
	if (!real || real[0] != '/')
		return -EINVAL;
	/* rest: from the '/' that starts component n + 1 of abs ("" if none) */
	for (size_t i = 0; i < n && *rest; i++) {
		const char *next = strchr(rest + 1, '/');
		rest = next ? next : rest + strlen(rest);
	}
	if (n == 0 && strcmp(abs, "/") == 0)
		rest = "";
	r = put_glob_escaped(&b, strcmp(real, "/") == 0 ? "" : real);
	if (r >= 0)
		r = buf_puts(&b, rest);
	if (r >= 0 && b.len == 0)
		r = buf_puts(&b, "/");
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*ret = buf_steal(&b);
	return *ret ? 0 : -ENOMEM;
}

static int expand(const char *raw, const char *what, const char *home, const char *cwd,
		  seatbelt_canonical_fn canonical, char **ret, char **ret_reason)
{
	_cleanup_free_ char *abs = NULL;
	int r;

	if (path_pattern_dots_after_glob(raw))
		return fail(ret_reason, -EINVAL, what, raw,
			    "'.' or '..' after a glob component cannot be resolved");
	r = path_absolute(raw, home, cwd, &abs);
	if (r == -EINVAL)
		return fail(ret_reason, r, what, raw, "cannot be made absolute (is HOME set?)");
	if (r < 0)
		return r;
	if (!canonical) {
		*ret = TAKE_PTR(abs);
		return 0;
	}
	r = canonicalise(abs, canonical, ret);
	if (r == -EINVAL)
		return fail(ret_reason, r, what, raw, "not a valid path pattern");
	return r;
}

int seatbelt_rules_from_settings(const struct srt_settings *s, const char *home, const char *cwd,
				 const char *tmpdir, seatbelt_canonical_fn canonical,
				 struct seatbelt_rules **ret, char **ret_reason)
{
	static const char *const default_writes[] = {"~/.npm/_logs", "~/.claude/debug"};
	struct seatbelt_rules *res = NULL;
	size_t cap;
	int r = 0;

	if (!s || !ret)
		return -EINVAL;
	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	cap = strv_length(s->deny_read) + strv_length(s->allow_read) + strv_length(s->allow_write) +
	      strv_length(s->deny_write) + 3;
	res->rules = calloc(cap, sizeof(*res->rules));
	if (!res->rules) {
		r = -ENOMEM;
		goto fail;
	}
	res->allow_git_config = s->allow_git_config;
	res->allow_all_unix_sockets = s->allow_all_unix_sockets;
	res->allow_local_binding = s->allow_local_binding;
	res->allow_pty = s->allow_pty;

	const struct {
		enum sb_kind kind;
		char *const *list;
	} lists[] = {
	    {SB_DENY_READ, s->deny_read},
	    {SB_ALLOW_READ, s->allow_read},
	    {SB_ALLOW_WRITE, s->allow_write},
	    {SB_DENY_WRITE, s->deny_write},
	};
	for (size_t l = 0; l < ELEMENTSOF(lists); l++)
		for (size_t i = 0; lists[l].list && lists[l].list[i]; i++) {
			char *e = NULL;

			r = expand(lists[l].list[i], sb_kind_name(lists[l].kind), home, cwd,
				   canonical, &e, ret_reason);
			if (r >= 0)
				r = strv_consume(&res->owned, e);
			if (r < 0) {
				free(e);
				goto fail;
			}
			res->rules[res->n++] = (struct sb_rule){lists[l].kind, e};
		}
	/* the default write paths, when HOME is known (as on Linux) */
	for (size_t i = 0; home && home[0] == '/' && i < ELEMENTSOF(default_writes); i++) {
		char *e = NULL;

		r = expand(default_writes[i], "allowWrite", home, cwd, canonical, &e, ret_reason);
		if (r >= 0)
			r = strv_consume(&res->owned, e);
		if (r < 0) {
			free(e);
			goto fail;
		}
		res->rules[res->n++] = (struct sb_rule){SB_ALLOW_WRITE, e};
	}
	if (tmpdir) {
		char *e = NULL;

		r = expand(tmpdir, "TMPDIR", home, cwd, canonical, &e, ret_reason);
		if (r >= 0)
			r = strv_consume(&res->owned, e);
		if (r < 0) {
			free(e);
			goto fail;
		}
		res->rules[res->n++] = (struct sb_rule){SB_ALLOW_WRITE, e};
	}
	/* literal paths: glob characters in them are escaped, so they stay literal */
	const struct {
		char *const *list;
		char ***out;
		const char *what;
	} literal_lists[] = {
	    {s->protected_paths, &res->protected_paths, "protected path"},
	    {s->allow_unix_sockets, &res->unix_sockets, "allowUnixSockets"},
	};
	for (size_t l = 0; l < ELEMENTSOF(literal_lists); l++)
		for (size_t i = 0; literal_lists[l].list && literal_lists[l].list[i]; i++) {
			const char *raw = literal_lists[l].list[i];
			_cleanup_free_ char *abs = NULL, *real = NULL;
			struct buf b = BUF_INIT;

			r = path_absolute(raw, home, cwd, &abs);
			if (r == -EINVAL)
				r = fail(ret_reason, r, literal_lists[l].what, raw,
					 "cannot be made absolute (is HOME set?)");
			if (r >= 0 && canonical)
				r = canonical(abs, &real);
			if (r < 0)
				goto fail;
			if (l == 0) {
				/* a pattern for the generator: escape it */
				char *e = NULL;

				r = put_glob_escaped(&b, real ? real : abs);
				if (r >= 0)
					r = (e = buf_steal(&b)) ? 0 : -ENOMEM;
				if (r >= 0)
					r = strv_consume(literal_lists[l].out, e);
				if (r < 0)
					free(e);
				buf_free(&b);
			} else {
				r = strv_push(literal_lists[l].out, real ? real : abs);
			}
			if (r < 0)
				goto fail;
		}
	*ret = res;
	return 0;
fail:
	seatbelt_rules_free(res);
	return r;
}

int seatbelt_rules_add_protected(struct seatbelt_rules *r, const char *path,
				 seatbelt_canonical_fn canonical, char **ret_reason)
{
	_cleanup_free_ char *real = NULL;
	struct buf b = BUF_INIT;
	char *e = NULL;
	int k;

	if (!r || !path)
		return -EINVAL;
	if (path[0] != '/')
		return fail(ret_reason, -EINVAL, "protected path", path, "must be absolute");
	if (canonical && (k = canonical(path, &real)) < 0)
		return k;
	/* a pattern for the generator: glob characters escaped, so it stays literal */
	k = put_glob_escaped(&b, real ? real : path);
	if (k >= 0)
		k = (e = buf_steal(&b)) ? 0 : -ENOMEM;
	buf_free(&b);
	if (k >= 0 && !strv_contains(r->protected_paths, e) &&
	    (k = strv_consume(&r->protected_paths, e)) >= 0)
		return 0; /* e is r's now */
	free(e);
	return k;
}

const char **seatbelt_exec_argv(const char *profile, char *const *argv)
{
	size_t n = strv_length(argv);
	const char **v = calloc(n + 5, sizeof(char *));

	if (!v)
		return NULL;
	v[0] = SEATBELT_EXEC;
	v[1] = "-p";
	v[2] = profile;
	v[3] = "--";
	for (size_t i = 0; i < n; i++)
		v[4 + i] = argv[i];
	return v;
}

char **seatbelt_log_argv(uint64_t session)
{
	char tag[SEATBELT_TAG_MAX + 1], *pred = NULL;
	char **v = NULL;
	size_t n;

	if (seatbelt_tag(session, 0, tag, sizeof(tag)) < 0)
		return NULL;
	n = strlen(tag);
	tag[n - 1] = '\0'; /* "srt_<hex>_": every child of the session */
	if (asprintf(&pred, "eventMessage CONTAINS \"%s\"", tag) < 0)
		return NULL;
	if (strv_push(&v, SEATBELT_LOG) < 0 || strv_push(&v, "stream") < 0 ||
	    strv_push(&v, "--style") < 0 || strv_push(&v, "compact") < 0 ||
	    strv_push(&v, "--predicate") < 0 || strv_consume(&v, pred) < 0) {
		free(pred);
		return strv_free(v);
	}
	return v;
}
