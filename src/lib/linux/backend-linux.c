/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux backend (backend.h): bubblewrap, namespaces, seccomp, Landlock. From what the
 * manager prepared (struct backend_spawn) to a running sandbox:
 *
 * spawn = resolve paths → mandatory-deny scan of every write root → placeholders for protected
 * paths that do not exist → git include targets protected → mount plan → Landlock
 * description → seccomp filter → bwrap argument file → clone/exec (keeper thread), then the
 * proxy on the listeners made in the sandbox's network namespace and srt-exec's status.
 * Everything that decides is in the pure modules (mount-plan.c, bwrap-argv.c, settings.c);
 * this file gathers facts from the system and wires them together. The code was manager.c's
 * until the manager was split into a platform-independent part and backends.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "srt-build-config.h"
#include "backend.h"
#include "bwrap-argv.h"
#include "file-report.h"
#include "git-includes.h"
#include "landlock-abi.h"
#include "landlock-spec.h"
#include "linux/bwrap-probe.h"
#include "linux/fs-scan.h"
#include "linux/mandatory-deny.h"
#include "linux/guard.h"
#include "linux/observer.h"
#include "linux/placeholders.h"
#include "linux/seccomp-filter.h"
#include "linux/spawn.h"
#include "manager-internal.h"
#include "mandatory-names.h"
#include "mount-plan.h"
#include "net/proxy-env.h"
#include "net/proxy.h"
#include "path-glob.h"
#include "path-resolve.h"
#include "path-rules.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/strv.h"
#include "violations.h"

static void keeper_stop(struct keeper *k);

/* Finds bubblewrap and checks that user namespaces can be created. */
static int manager_probe(srt_manager *m, const char *path_env, srt_error **reterr)
{
	int r;

	if (!m->probed) {
		r = bwrap_probe(m->bwrap_path, path_env, &m->bwrap, reterr);
		if (r < 0)
			return r;
		m->probed = true;
	}
	return userns_check(&m->bwrap, reterr);
}

/* Rule label of the user's allowWrite entries (compared by address). */
static const char WHY_ALLOW_WRITE[] = "allowWrite";

/* The state of one spawn while it is being prepared. */
struct build {
	srt_manager *m;
	const struct srt_settings *fs; /* this command's filesystem rules, or NULL: the manager's */
	struct mount_plan plan;
	const char *home;
	const char *cwd;
	const char *state; /* the per-user state directory (state_dir_ensure()) */
	struct placeholders *ph;
	struct path_rule *globs; /* the settings' glob entries (path-rules.h), scanned for */
	size_t n_globs;
	char **missing_denies;	 /* literal deny entries that do not exist: canonical path, and */
	char **missing_labels;	 /* "denyRead '~/x'" */
	enum rule_kind *missing_kinds;
	char **git_configs; /* protected git configuration files whose includes are followed */
	const struct backend_spawn *bs; /* git's own files (git_config_files()) */
	/* deny patterns that a creation in a write root could match: the creation guard's, and
	 * the entries they come from (for reports) */
	char **guard_patterns, **guard_labels;
	srt_error **reterr;
};

static bool under_virtual_fs(const char *p)
{
	/* /dev and /proc are replaced by fresh instances inside the sandbox. */
	return path_is_under(p, "/dev") || path_is_under(p, "/proc");
}

/* Resolves one settings entry and adds it to the plan. Missing paths are skipped (logged),
 * as in the reference, except where the caller asks for a placeholder. */
static int add_setting_path(struct build *b, const char *raw, enum rule_kind kind,
			    const char *what)
{
	_cleanup_free_ char *canon = NULL;
	struct path_rule pr = {0};
	const char *why = NULL;
	enum node_type t;
	int r;

	r = path_rule_resolve(raw, kind, what, b->home, b->cwd, &pr, &why);
	if (r == -ENOMEM)
		return r;
	if (r == -EINVAL)
		return srt_error_set(b->reterr, SRT_E_CONFIG, EINVAL, "%s entry '%s': %s", what,
				     raw, why ? why : "not a valid path pattern");
	if (r < 0)
		return srt_error_set(b->reterr, SRT_E_CONFIG, r,
				     "%s entry '%s' cannot be resolved: %s; refusing to run "
				     "without it",
				     what, raw, strerror(-r));
	if (pr.glob) {
		/* matched by the filesystem scan (build_plan()), every match a rule */
		struct path_rule *n;

		if (b->n_globs >= FS_SCAN_MAX_RULES) {
			path_rule_clear(&pr);
			return srt_error_set(b->reterr, SRT_E_UNSUPPORTED, E2BIG,
					     "%s entry '%s': more than %d glob entries in the "
					     "filesystem settings; refusing to run",
					     what, raw, FS_SCAN_MAX_RULES);
		}
		n = realloc(b->globs, (b->n_globs + 1) * sizeof(*n));
		if (!n) {
			path_rule_clear(&pr);
			return -ENOMEM;
		}
		b->globs = n;
		b->globs[b->n_globs++] = pr;
		mlog(b->m, SRT_LOG_DEBUG, "%s glob %s%s", what, pr.pattern,
		     pr.prefix_missing ? " (its prefix does not exist)" : "");
		return 0;
	}
	r = path_canonical(pr.literal, &canon, &t);
	path_rule_clear(&pr);
	if (r == -ENOMEM)
		return r;
	if (r == -ENOENT || r == -ENOTDIR || r == -EACCES) {
		/* does not exist, or this uid cannot reach it: neither can the sandbox */
		mlog(b->m, SRT_LOG_DEBUG, "%s '%s': cannot resolve (%s), skipped", what, raw,
		     strerror(-r));
		return 0;
	}
	if (r < 0)
		return srt_error_set(b->reterr, SRT_E_CONFIG, r,
				     "%s entry '%s' cannot be resolved: %s; refusing to run "
				     "without it",
				     what, raw, strerror(-r));
	if (under_virtual_fs(canon)) {
		mlog(b->m, SRT_LOG_DEBUG, "%s '%s': under /dev or /proc, skipped", what, canon);
		return 0;
	}
	if (t == NODE_MISSING) {
		mlog(b->m, SRT_LOG_DEBUG, "%s '%s': does not exist, skipped", what, canon);
		/* a deny of a path that could be created inside: warned about (build_plan()) */
		if (kind == RULE_DENY_READ || kind == RULE_DENY_WRITE) {
			_cleanup_free_ char *label = NULL;
			if (asprintf(&label, "%s '%s'", what, raw) < 0)
				return -ENOMEM;
			size_t n = strv_length(b->missing_denies);
			enum rule_kind *nk = realloc(b->missing_kinds, (n + 1) * sizeof(*nk));
			if (!nk)
				return -ENOMEM;
			b->missing_kinds = nk;
			nk[n] = kind;
			r = strv_push(&b->missing_denies, canon);
			return r < 0 ? r : strv_push(&b->missing_labels, label);
		}
		return 0;
	}
	mlog(b->m, SRT_LOG_DEBUG, "%s %s", what, canon);
	return plan_add(&b->plan, canon, kind, t, what);
}

struct missing {
	char *path;
	enum node_type want;
	enum rule_kind kind; /* of the rule the placeholder carries */
	const char *why;
	const char *content; /* NULL, or PLACEHOLDER_COMMONDIR_SELF */
};

struct scan_ctx {
	struct build *b;
	bool want_missing; /* placeholders for names that do not exist (user write roots only) */
	struct missing *miss;
	size_t n_miss, cap_miss;
};

/* Appends a placeholder to make at `path` (copied; m.path is ignored). */
static int miss_push(struct scan_ctx *sc, const char *path, struct missing m)
{
	if (sc->n_miss == sc->cap_miss) {
		size_t nc = sc->cap_miss ? sc->cap_miss * 2 : 32;
		struct missing *nm = realloc(sc->miss, nc * sizeof(*nm));
		if (!nm)
			return -ENOMEM;
		sc->miss = nm;
		sc->cap_miss = nc;
	}
	m.path = strdup(path);
	if (!m.path)
		return -ENOMEM;
	sc->miss[sc->n_miss++] = m;
	return 0;
}

static int scan_add(void *ud, const char *path, enum node_type type, enum node_type want,
		    const char *why)
{
	struct scan_ctx *sc = ud;

	if (type == NODE_SYMLINK) {
		_cleanup_free_ char *parent = strdup(path);
		char *slash = parent ? strrchr(parent, '/') : NULL;
		if (!parent)
			return -ENOMEM;
		if (slash && slash != parent)
			*slash = '\0';
		if (plan_access(&sc->b->plan, parent) != ACCESS_RW)
			return 0; /* its directory is read-only: the link cannot be replaced */
		return srt_error_set(sc->b->reterr, SRT_E_UNSUPPORTED, ELOOP,
				     "'%s' is a symbolic link in a writable directory: a mount "
				     "cannot protect a link, so the command could replace it. "
				     "Refusing to run. Hint: replace the link by the file it points "
				     "to, or keep its directory out of allowWrite",
				     path);
	}
	if (type != NODE_MISSING) {
		struct stat st;
		int r;

		/* It may be another run's placeholder: keep it from being removed while this
		 * sandbox mounts it, then look again (it may have been removed just before). */
		r = placeholders_use(sc->b->ph, path);
		if (r < 0)
			return srt_error_set(sc->b->reterr, SRT_E_SYSTEM, r,
					     "cannot lock the state of '%s': %s", path,
					     strerror(-r));
		if (lstat(path, &st) == 0)
			return plan_add(&sc->b->plan, path, RULE_DENY_WRITE, type, why);
		type = NODE_MISSING;
	}
	if (!sc->want_missing)
		return 0;
	return miss_push(sc, path,
			 (struct missing){.want = want,
					  .kind = RULE_DENY_WRITE,
					  .why = "mandatory (missing)",
					  .content = streq_ptr(why, MANDATORY_WHY_MISSING_COMMONDIR)
							     ? PLACEHOLDER_COMMONDIR_SELF
							     : NULL});
}

/* One file that must never be writable (a settings file, git's XDG configuration): a
 * deny-write rule, or a placeholder when it does not exist yet and could be created. */
static int protect_named_file(struct build *b, struct scan_ctx *sc, const char *path,
			      const char *why)
{
	_cleanup_free_ char *abs = NULL, *canon = NULL;
	enum node_type t;
	struct stat lst;
	int r;

	if (path_absolute(path, b->home, b->cwd, &abs) < 0 ||
	    path_canonical(abs, &canon, &t) < 0)
		return 0;
	if (lstat(abs, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		r = scan_add(sc, abs, NODE_SYMLINK, NODE_OTHER, why);
		if (r < 0)
			return r;
	}
	if (t != NODE_MISSING)
		return plan_add(&b->plan, canon, RULE_DENY_WRITE, t, why);
	sc->want_missing = true;
	return scan_add(sc, canon, NODE_MISSING, NODE_OTHER, why);
}

/* The write roots: allowWrite directories (user_roots: the user's own, which get
 * placeholders), and the working and home directories when a broad write root covers them. */
static int collect_roots(struct build *b, char ***ret_roots, char ***ret_user_roots)
{
	char **roots = NULL, **user_roots = NULL;
	int r = 0;

	for (size_t i = 0; i < b->plan.n && r >= 0; i++) {
		const struct plan_rule *rule = &b->plan.rules[i];
		if (rule->kind != RULE_ALLOW_WRITE || rule->type != NODE_DIR ||
		    strv_contains(roots, rule->path))
			continue;
		r = strv_push(&roots, rule->path);
		if (r >= 0 && rule->why == WHY_ALLOW_WRITE)
			r = strv_push(&user_roots, rule->path);
	}
	/* The working directory and the home directory are where shells, git and agents look
	 * for start-up files: when a broad write root covers them (allowWrite ["/"] or ["~"]),
	 * scan them as roots of their own so their protected names get placeholders too. */
	{
		const char *extra[] = {b->cwd, b->home};
		for (size_t k = 0; k < ELEMENTSOF(extra) && r >= 0; k++) {
			_cleanup_free_ char *c = NULL;
			enum node_type t;
			if (!extra[k] || path_canonical(extra[k], &c, &t) < 0 || t != NODE_DIR)
				continue;
			if (plan_access(&b->plan, c) == ACCESS_RW && !strv_contains(roots, c))
				if ((r = strv_push(&roots, c)) >= 0)
					r = strv_push(&user_roots, c);
		}
	}
	if (r < 0) {
		strv_free(roots);
		strv_free(user_roots);
		return r;
	}
	*ret_roots = roots;
	*ret_user_roots = user_roots;
	return 0;
}

/* Most paths the glob entries may add to the plan: each becomes a mount of 3 to 5 bubblewrap
 * arguments, and bubblewrap takes at most BWRAP_MAX_ARGS (9,000) in all (checked too). */
#define GLOB_MAX_MATCHES 1500

/* One existing path that a glob entry matches: a rule like a literal entry's. */
static int glob_hit_add(struct build *b, const struct path_rule *pr, const struct fs_scan_hit *h)
{
	_cleanup_free_ char *target = NULL;
	enum node_type t = h->type;
	const char *path = h->path;
	int r;

	if (under_virtual_fs(path))
		return 0;
	if (t == NODE_SYMLINK) {
		/* A deny covers what the link names (as for a literal entry, whose symbolic links
		 * are resolved). An allow does not follow it: a link planted in a matching place
		 * would otherwise widen the policy to wherever it points. */
		if (pr->kind == RULE_ALLOW_WRITE || pr->kind == RULE_ALLOW_READ) {
			mlog(b->m, SRT_LOG_DEBUG, "%s '%s': %s is a symbolic link, not followed",
			     pr->what, pr->raw, path);
			return 0;
		}
		r = path_canonical(path, &target, &t);
		if (r == -ENOMEM)
			return r;
		if (r < 0 || t == NODE_MISSING || under_virtual_fs(target))
			return 0; /* a dangling link: nothing to read or write through it */
		path = target;
	}
	/* it may be another run's placeholder: keep it while this sandbox mounts it */
	r = placeholders_use(b->ph, path);
	if (r < 0)
		return srt_error_set(b->reterr, SRT_E_SYSTEM, r, "cannot lock the state of '%s': %s",
				     path, strerror(-r));
	mlog(b->m, SRT_LOG_DEBUG, "%s '%s' matches %s", pr->what, pr->raw, path);
	/* pr->what is WHY_ALLOW_WRITE for allowWrite: its matches are user write roots */
	return plan_add(&b->plan, path, pr->kind, t, pr->what);
}

/* A git directory's "config" or "config.worktree", as the mandatory scan reports them. */
static bool is_git_config_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strcmp(base, MANDATORY_GIT_CONFIG) == 0 || strcmp(base, "config.worktree") == 0;
}


/* Every symbolic link on the way to an include target (followed to the end, dangling ones
 * too) must sit in a directory the command cannot write: it could otherwise point the link,
 * and so the include, somewhere else. */
struct include_link_ctx {
	struct build *b;
	const char *path, *config;
	bool refused;
};

static int git_include_on_link(void *ud, const char *dir, const char *link)
{
	struct include_link_ctx *c = ud;

	if (plan_access(&c->b->plan, dir) != ACCESS_RW)
		return 0;
	c->refused = true;
	return srt_error_set(c->b->reterr, SRT_E_UNSUPPORTED, ELOOP,
			     "'%s' (on the way to '%s', which the git configuration '%s' "
			     "includes) is a symbolic link in a writable directory: the command "
			     "could point it, and so the include, elsewhere. Refusing to run. "
			     "Hint: replace the link by what it points to, or keep its directory "
			     "out of allowWrite",
			     link, c->path, c->config);
}

#define WHY_GIT_INCLUDE "mandatory (included by a git configuration)"

/* One include target `path` (absolute, as git will open it) of the configuration `config`:
 * never writable. Existing: a deny-write rule (and, a regular file, its own includes are
 * followed: pushed to *next). Missing: a placeholder where it could be created. */
static int git_include_protect(struct build *b, struct scan_ctx *sc, const char *path,
			       const char *config, char ***next)
{
	struct include_link_ctx lc = {b, path, config, false};
	_cleanup_free_ char *canon = NULL;
	enum node_type t;
	int r;

	if (under_virtual_fs(path))
		return 0; /* /dev and /proc inside are fresh instances, not the host's */
	r = path_canonical_follow(path, git_include_on_link, &lc, &canon, &t);
	if (r == -ENOMEM || (r < 0 && lc.refused))
		return r;
	if (r < 0) {
		mlog(b->m, SRT_LOG_DEBUG, "git include '%s' of '%s': cannot resolve (%s), skipped",
		     path, config, strerror(-r));
		return 0; /* not reachable by this user, so not by git as this user */
	}
	if (under_virtual_fs(canon))
		return 0;
	if (t != NODE_MISSING) {
		mlog(b->m, SRT_LOG_DEBUG, "git include %s (from %s)", canon, config);
		r = scan_add(sc, canon, t, NODE_OTHER, WHY_GIT_INCLUDE);
		/* read by the name git opens it by: its relative includes are relative to that */
		if (r >= 0 && t == NODE_OTHER && !strv_contains(*next, path))
			r = strv_push(next, path);
		return r;
	}
	if (path_has_dot_component(canon)) {
		/* ".." after a directory the command could create (as a link to anywhere): the
		 * target cannot be pinned down. Only a problem where it can be created. */
		if (plan_access(&b->plan, canon) != ACCESS_RW)
			return 0;
		return srt_error_set(b->reterr, SRT_E_UNSUPPORTED, EINVAL,
				     "the git configuration '%s' includes '%s', which goes through "
				     "a directory that does not exist and '.' or '..' in a write "
				     "root: the command could decide where it points. Refusing to "
				     "run. Hint: give the include an absolute path without '..'",
				     config, path);
	}
	mlog(b->m, SRT_LOG_DEBUG, "git include %s (from %s) does not exist", canon, config);
	sc->want_missing = true;
	return scan_add(sc, canon, NODE_MISSING, NODE_OTHER, WHY_GIT_INCLUDE);
}



/* One fs_scan() of `scan_roots` (mandatory denies) and, with `globs`, of the glob entries;
 * the glob matches become rules first, then the mandatory paths (whose handling depends on
 * what is writable). A mandatory path takes the word of the innermost of `all_roots` that
 * holds it for its placeholder. */
static int scan_and_add(struct build *b, struct scan_ctx *sc, char **scan_roots, char **all_roots,
			char **user_roots, bool globs)
{
	const struct srt_settings *s = b->fs ? b->fs : b->m->s;
	struct mandatory_opts mo = {.depth = s->mandatory_deny_search_depth,
				    .allow_git_config = s->allow_git_config};
	_cleanup_free_ struct fs_scan_rule *rules = NULL;
	size_t n_rules = globs ? b->n_globs : 0, n_matches = 0;
	struct fs_scan_result res = {0};
	int r;

	if (n_rules) {
		rules = calloc(n_rules, sizeof(*rules));
		if (!rules)
			return -ENOMEM;
		for (size_t i = 0; i < n_rules; i++)
			rules[i] = (struct fs_scan_rule){b->globs[i].glob, b->globs[i].pattern};
	}
	if (!scan_roots && !n_rules)
		return 0;
	{
		/* One walk of all write roots and glob prefixes (fs-scan.h), through the scan
		 * cache in the state directory. srt's own default write paths (npm's log
		 * directory, ...) get their existing dangerous files protected, but no
		 * placeholders for names they lack. */
		struct fs_scan_opts so = {.rules = rules,
					  .n_rules = n_rules,
					  .mandatory_roots = (const char *const *)scan_roots,
					  .mandatory = mo,
					  .cache_dir = b->state};

		r = fs_scan(&so, &res);
	}
	if (r == -E2BIG)
		r = srt_error_set(b->reterr, SRT_E_UNSUPPORTED, E2BIG,
				  "'%s' has more than %d entries to scan (write roots within "
				  "mandatoryDenySearchDepth %d, and the trees below glob entries); "
				  "refusing to run with an incomplete scan. Hint: lower "
				  "mandatoryDenySearchDepth, narrow allowWrite or start globs deeper",
				  res.failed_at ? res.failed_at : "?", MANDATORY_SCAN_MAX_ENTRIES,
				  mo.depth);
	else if (r == -ELOOP && n_rules)
		r = srt_error_set(b->reterr, SRT_E_UNSUPPORTED, ELOOP,
				  "scanning '%s' failed: a symbolic link changed under a glob's "
				  "prefix, or the tree is too deep; refusing to run",
				  res.failed_at ? res.failed_at : "?");
	else if (r < 0)
		r = srt_error_set(b->reterr, SRT_E_SYSTEM, r,
				  "scanning '%s' for protected files failed: %s",
				  res.failed_at ? res.failed_at : "?", strerror(-r));
	for (size_t i = 0; r >= 0 && i < res.n_hits; i++) {
		const struct fs_scan_hit *h = &res.hits[i];

		if (h->kind != FS_HIT_RULE || h->rule >= n_rules)
			continue;
		if (++n_matches > GLOB_MAX_MATCHES) {
			const struct path_rule *pr = &b->globs[h->rule];
			r = srt_error_set(b->reterr, SRT_E_UNSUPPORTED, E2BIG,
					  "the glob entries match more than %d existing paths (%s "
					  "'%s' is one of them); each would be a mount. Refusing to "
					  "run. Hint: match the directories (\"**/node_modules\") "
					  "rather than every file in them",
					  GLOB_MAX_MATCHES, pr->what, pr->raw);
			break;
		}
		r = glob_hit_add(b, &b->globs[h->rule], h);
	}
	for (size_t i = 0; r >= 0 && i < res.n_hits; i++) {
		const struct fs_scan_hit *h = &res.hits[i];
		const char *owner = NULL;

		if (h->kind != FS_HIT_MANDATORY)
			continue;
		for (size_t k = 0; all_roots && all_roots[k]; k++)
			if (path_is_under(h->path, all_roots[k]) &&
			    (!owner || strlen(all_roots[k]) > strlen(owner)))
				owner = all_roots[k];
		sc->want_missing = owner && strv_contains(user_roots, owner);
		r = scan_add(sc, h->path, h->type, h->want, fs_scan_hit_why(h));
		if (r >= 0 && h->type == NODE_OTHER && is_git_config_name(h->path) &&
		    !strv_contains(b->git_configs, h->path))
			r = strv_push(&b->git_configs, h->path);
	}
	if (r >= 0)
		mlog(b->m, SRT_LOG_DEBUG,
		     "mandatory-deny scan of %zu write root(s) and %zu glob(s): %ld entries (depth "
		     "%d)%s, %zu glob matches, %zu paths watched",
		     strv_length(scan_roots), n_rules, res.entries, mo.depth,
		     res.from_cache ? ", from the scan cache" : res.cacheable ? ", cached" : "",
		     n_matches, res.n_watched);
	fs_scan_result_free(&res);
	return r;
}

/* The name a deny glob's last component stands for, when it is literal (".env" for a
 * pattern ending in "/.env");
 * NULL otherwise (or on ENOMEM: the caller then only warns). */
static char *glob_last_name(const struct path_rule *pr)
{
	size_t n = path_glob_n_components(pr->glob), na;
	bool sat;
	char *name;

	if (n == 0 || path_glob_component(pr->glob, n - 1, &na, &sat) != PATH_GLOB_COMP_LITERAL)
		return NULL;
	name = malloc(na + 1);
	if (!name)
		return NULL;
	for (size_t j = 0; j < na; j++) {
		struct path_glob_atom a;
		path_glob_atom_at(pr->glob, n - 1, j, &a);
		name[j] = (char)a.byte;
	}
	name[na] = '\0';
	return name;
}

/* Deny globs whose last component is a literal name (".env"): where that name is missing
 * directly in a user write root and the glob would match it there, a placeholder is made (as
 * for the mandatory names), carrying the rule, so the command cannot create it there. The
 * same for missing literal deny entries whose directory exists. */
static int glob_name_placeholders(struct build *b, struct scan_ctx *sc, char **user_roots)
{
	int r;

	for (size_t i = 0; i < b->n_globs; i++) {
		const struct path_rule *pr = &b->globs[i];
		_cleanup_free_ char *name = NULL;

		if (pr->kind != RULE_DENY_READ && pr->kind != RULE_DENY_WRITE)
			continue;
		name = glob_last_name(pr);
		if (!name)
			continue;
		for (size_t k = 0; user_roots && user_roots[k]; k++) {
			_cleanup_free_ char *p = path_join(user_roots[k], name);
			struct stat st;

			if (!p)
				return -ENOMEM;
			if (!path_glob_match(pr->glob, p) || lstat(p, &st) == 0 || errno != ENOENT)
				continue;
			r = miss_push(sc, p,
				      (struct missing){.want = NODE_OTHER, .kind = pr->kind, .why = pr->what});
			if (r < 0)
				return r;
		}
	}

	/* Literal deny entries that do not exist, in an existing directory of a user write root:
	 * an empty file there stops the command from creating the path (as a file or as a
	 * directory) and carries the rule. Deeper ones (a missing parent) are warned about. */
	for (size_t i = 0; b->missing_denies && b->missing_denies[i]; i++) {
		char *p = b->missing_denies[i];
		_cleanup_free_ char *parent = strdup(p);
		char *slash = parent ? strrchr(parent, '/') : NULL;
		bool in_root = false;
		struct stat st;

		if (!parent)
			return -ENOMEM;
		for (size_t k = 0; user_roots && user_roots[k]; k++)
			in_root = in_root || (path_is_under(p, user_roots[k]) &&
					      strcmp(p, user_roots[k]) != 0);
		if (!in_root || !slash || slash == parent)
			continue;
		*slash = '\0';
		if (lstat(parent, &st) < 0 || !S_ISDIR(st.st_mode) || lstat(p, &st) == 0)
			continue; /* no directory to put it in, or something is there (a link) */
		r = miss_push(sc, p,
			      (struct missing){.want = NODE_OTHER,
					       .kind = b->missing_kinds[i],
					       .why = "deny entry (missing)"});
		if (r < 0)
			return r;
		p[0] = '\0'; /* handled: no warning */
	}
	return 0;
}

/* Deny entries do not cover, by mount, what is created after the start (a glob protects the
 * matches that exist, a literal entry its path if it exists). Where the command could create
 * such a path (in a write root), the entry goes to the creation guard (linux/guard.h) as a
 * pattern: every creation in the sandbox is then decided against it. srt refuses to run when
 * the guard cannot be set up (srt_manager_spawn()). */
static int collect_guard_patterns(struct build *b, char **roots)
{
	for (size_t i = 0; i < b->n_globs; i++) {
		const struct path_rule *pr = &b->globs[i];
		const char *root = NULL;
		int r;

		if ((pr->kind != RULE_DENY_READ && pr->kind != RULE_DENY_WRITE) || !pr->pattern)
			continue;
		for (size_t k = 0; roots && roots[k] && !root; k++)
			if (path_rule_may_match_at_or_below(pr, roots[k]))
				root = roots[k];
		if (!root)
			continue;
		r = strv_push(&b->guard_patterns, pr->pattern);
		if (r >= 0)
			r = strv_push(&b->guard_labels, pr->raw);
		if (r < 0)
			return r;
		mlog(b->m, SRT_LOG_DEBUG,
		     "%s '%s': files that match it could be created in '%s'; the creation guard "
		     "refuses that",
		     pr->what, pr->raw, root);
	}
	for (size_t i = 0; b->missing_denies && b->missing_denies[i]; i++) {
		const char *p = b->missing_denies[i], *root = NULL;
		_cleanup_free_ char *esc = NULL;
		int r;

		if (!p[0])
			continue; /* got a placeholder */
		for (size_t k = 0; roots && roots[k] && !root; k++)
			if (path_is_under(p, roots[k]))
				root = roots[k];
		if (!root)
			continue;
		esc = settings_glob_escape(p);
		if (!esc)
			return -ENOMEM;
		r = strv_push(&b->guard_patterns, esc);
		if (r >= 0)
			r = strv_push(&b->guard_labels, b->missing_labels[i]);
		if (r < 0)
			return r;
		mlog(b->m, SRT_LOG_DEBUG,
		     "%s: '%s' does not exist and could be created in '%s'; the creation guard "
		     "refuses that",
		     b->missing_labels[i], p, root);
	}
	return 0;
}


/* git's own configuration files outside repositories (the manager's git_config_files()), for
 * protect_git_includes(); the XDG ones and those named by GIT_CONFIG_GLOBAL and
 * GIT_CONFIG_SYSTEM are protected like ~/.gitconfig. */
static int add_git_configs(struct build *b, struct scan_ctx *sc)
{
	int r = 0;

	for (size_t i = 0; b->bs->git_named && b->bs->git_named[i] && r >= 0; i++)
		r = protect_named_file(b, sc, b->bs->git_named[i],
				       "mandatory (git configuration: XDG or $GIT_CONFIG_*)");
	for (size_t i = 0; b->bs->git_configs && b->bs->git_configs[i] && r >= 0; i++)
		r = strv_push(&b->git_configs, b->bs->git_configs[i]);
	return r;
}

struct include_ctx {
	struct build *b;
	struct scan_ctx *sc;
};

static int git_include_on_target(void *ud, const char *path, const char *config, char ***next)
{
	struct include_ctx *c = ud;

	return git_include_protect(c->b, c->sc, path, config, next);
}

static void git_include_warn(void *ud, const char *config, unsigned line)
{
	struct include_ctx *c = ud;

	mlog(c->b->m, SRT_LOG_WARNING,
	     "the git configuration '%s' has a syntax error on line %u (git refuses the whole "
	     "file); srt protects the files that its other lines include",
	     config, line);
}

/* Follows the includes of every protected git configuration (b->git_configs: the
 * repositories' ones the scan found, and git's per-user and system files), as git does
 * (git-includes.h): every target is protected (git_include_protect()). */
static int protect_git_includes(struct build *b, struct scan_ctx *sc)
{
	struct include_ctx c = {b, sc};

	return git_includes_follow(b->git_configs, b->home, git_include_on_target,
				   git_include_warn, &c, b->reterr);
}

static int build_plan(struct build *b)
{
	const struct srt_settings *s = b->fs ? b->fs : b->m->s;
	struct scan_ctx sc = {.b = b};
	/* The reference's default write paths that exist on Linux (its /dev/std* and /tmp/claude
	 * entries are replaced by inherited fds and the private TMPDIR). */
	static const char *const default_writes[] = {"~/.npm/_logs", "~/.claude/debug"};
	char **roots = NULL, **user_roots = NULL;
	int r = 0;

	/* The state directory: placeholder journals and locks (placeholders.h). Opening it also
	 * finishes what runs that are gone left behind. */
	r = placeholders_open(b->state, &b->ph, b->reterr);
	if (r < 0)
		return r;

	/* User write roots first: a default write path that the user lists too keeps the
	 * user's label (and so gets placeholders, below). */
	for (size_t i = 0; s->allow_write[i] && r >= 0; i++)
		r = add_setting_path(b, s->allow_write[i], RULE_ALLOW_WRITE, WHY_ALLOW_WRITE);
	for (size_t i = 0; i < ELEMENTSOF(default_writes) && r >= 0; i++)
		if (b->home)
			r = add_setting_path(b, default_writes[i], RULE_ALLOW_WRITE,
					     "default allowWrite");
	for (size_t i = 0; s->deny_write[i] && r >= 0; i++)
		r = add_setting_path(b, s->deny_write[i], RULE_DENY_WRITE, "denyWrite");
	for (size_t i = 0; s->deny_read[i] && r >= 0; i++)
		r = add_setting_path(b, s->deny_read[i], RULE_DENY_READ, "denyRead");
	for (size_t i = 0; s->allow_read[i] && r >= 0; i++)
		r = add_setting_path(b, s->allow_read[i], RULE_ALLOW_READ, "allowRead");
	if (r < 0)
		return r;

	/* Mandatory denies under every write root (not only the cwd: reference bug S6), and the
	 * glob entries, in one walk; then the write roots that allowWrite globs added. */
	r = collect_roots(b, &roots, &user_roots);
	if (r >= 0)
		r = scan_and_add(b, &sc, roots, roots, user_roots, true);
	if (r >= 0 && b->n_globs) {
		char **roots2 = NULL, **user2 = NULL, **fresh = NULL;

		r = collect_roots(b, &roots2, &user2);
		for (size_t i = 0; r >= 0 && roots2 && roots2[i]; i++)
			if (!strv_contains(roots, roots2[i]))
				r = strv_push(&fresh, roots2[i]);
		if (r >= 0 && fresh)
			r = scan_and_add(b, &sc, fresh, roots2, user2, false);
		strv_free(roots);
		strv_free(user_roots);
		strv_free(fresh);
		roots = roots2;
		user_roots = user2;
	}
	if (r >= 0)
		r = glob_name_placeholders(b, &sc, user_roots);
	if (r >= 0)
		r = collect_guard_patterns(b, roots);
	if (r < 0)
		goto out;

	/* The settings files: never writable, whether or not they exist (config-based escape);
	 * the manager's always, and those of a per-command config too. */
	{
		char **lists[2] = {b->m->s->protected_paths,
				   b->fs && b->fs != b->m->s ? b->fs->protected_paths : NULL};

		for (size_t k = 0; k < 2; k++)
			for (size_t i = 0; lists[k] && lists[k][i]; i++) {
				r = protect_named_file(b, &sc, lists[k][i], "settings file");
				if (r < 0)
					goto out;
			}
	}

	/* What those configurations include (and the repositories' ones the scan found): an
	 * included file is configuration too (docs/threat-model.md, "Configuration"). git's
	 * per-user files are read whether or not the home directory is writable: an include of
	 * ~/.gitconfig may name a file in a write root. The files named by GIT_CONFIG_GLOBAL and
	 * GIT_CONFIG_SYSTEM as srt sees them (the host's git then runs with the same
	 * environment) are protected like ~/.gitconfig. */
	r = add_git_configs(b, &sc);
	if (r >= 0)
		r = protect_git_includes(b, &sc);
	if (r < 0)
		goto out;

	/* Protected paths that do not exist but could be created: give them a mount point. */
	for (size_t i = 0; i < sc.n_miss; i++) {
		const char *p = sc.miss[i].path;

		if (plan_access(&b->plan, p) != ACCESS_RW)
			continue; /* not creatable from inside anyway */
		r = placeholders_create(b->ph, p, sc.miss[i].want, sc.miss[i].content, b->reterr);
		if (r < 0)
			goto out;
		if (r > 0) {
			mlog(b->m, SRT_LOG_DEBUG,
			     "%s cannot be created by this user, so not from inside either", p);
			r = 0;
			continue;
		}
		mlog(b->m, SRT_LOG_DEBUG, "protecting missing %s via placeholder %s",
		     sc.miss[i].want == NODE_DIR ? "directory" : "file", p);
		r = plan_add(&b->plan, p, sc.miss[i].kind, sc.miss[i].want, sc.miss[i].why);
		if (r < 0)
			goto out;
	}
out:
	for (size_t i = 0; i < sc.n_miss; i++)
		free(sc.miss[i].path);
	free(sc.miss);
	strv_free(roots);
	strv_free(user_roots);
	return r;
}

static int memfd_with(const char *name, const void *data, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (len && write_all(fd, data, len) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void log_args(const srt_manager *m, const char *bwrap, const struct buf *args,
		     char *const argv[])
{
	struct buf line = BUF_INIT;

	if (!m->log_fn)
		return;
	(void)buf_puts(&line, bwrap);
	for (size_t off = 0; off < args->len; off += strlen(args->data + off) + 1)
		(void)buf_printf(&line, " %s", args->data + off);
	(void)buf_puts(&line, " --");
	for (size_t i = 0; argv[i]; i++)
		(void)buf_printf(&line, " %s", argv[i]);
	if (line.data)
		mlog(m, SRT_LOG_DEBUG, "bwrap command: %s", line.data);
	buf_free(&line);
}

/* ---- the keeper thread -----------------------------------------------------------------------
 *
 * The process that runs bubblewrap gets SIGKILL when the thread that forked it exits
 * (PR_SET_PDEATHSIG follows the thread). A library caller may well spawn from a worker thread
 * that ends while the sandbox should go on, so spawns from any thread but the main one (whose
 * end ends the process anyway) fork on a thread of the manager's own, which lives as long as
 * the manager. */

struct spawn_call {
	const char *path;
	char *const *argv, *const *envp;
	const struct spawn_fds *fds;
	bool own_pidns;
	const struct spawn_net *net;
	bool *ret_own_pidns;
	srt_error **reterr;
	pid_t result;
};

struct keeper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct spawn_call *call; /* posted, not yet done */
	bool done, quit;
};

static void *keeper_main(void *arg)
{
	struct keeper *k = arg;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		while (!k->call && !k->quit)
			pthread_cond_wait(&k->cond, &k->lock);
		if (k->quit)
			break;
		struct spawn_call *c = k->call;

		pthread_mutex_unlock(&k->lock);
		c->result = spawn_bwrap(c->path, c->argv, c->envp, c->fds, c->own_pidns, c->net,
					c->ret_own_pidns, c->reterr);
		pthread_mutex_lock(&k->lock);
		k->call = NULL;
		k->done = true;
		pthread_cond_broadcast(&k->cond);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

static void keeper_stop(struct keeper *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	k->quit = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cond);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static pid_t spawn_on_keeper(srt_manager *m, struct spawn_call *c)
{
	struct keeper *k = m->keeper;
	sigset_t all, old;
	int r;

	if (gettid() == getpid())
		return spawn_bwrap(c->path, c->argv, c->envp, c->fds, c->own_pidns, c->net,
				   c->ret_own_pidns, c->reterr);
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return srt_error_set(c->reterr, SRT_E_SYSTEM, ENOMEM, "out of memory");
		pthread_mutex_init(&k->lock, NULL);
		pthread_cond_init(&k->cond, NULL);
		/* no signal is ever delivered to it */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		r = pthread_create(&k->thread, NULL, keeper_main, k);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r) {
			pthread_cond_destroy(&k->cond);
			pthread_mutex_destroy(&k->lock);
			free(k);
			return srt_error_set(c->reterr, SRT_E_SYSTEM, r,
					     "cannot start the spawning thread: %s", strerror(r));
		}
		m->keeper = k;
	}
	pthread_mutex_lock(&k->lock);
	k->done = false;
	k->call = c;
	pthread_cond_broadcast(&k->cond);
	while (!k->done)
		pthread_cond_wait(&k->cond, &k->lock);
	pthread_mutex_unlock(&k->lock);
	return c->result;
}

/* Called on the observer's thread for every refused system call. */
static void observed(void *ud, srt_violation_kind kind, const char *target, const char *operation)
{
	srt_child *ch = ud;

	(void)vstore_add(ch->violations, kind, target, operation,
			 "refused by the sandbox's system-call filter", ch->command, ch->vid);
}

static uint64_t report_hash(int kind, const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ (uint64_t)kind) * 0x100000001b3ULL;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

/* The report's paths with symbolic links resolved on the host (the sandbox sees the same links
 * in everything it can reach), for a second look when the literal paths matched no rule. */
static int classify_resolved(srt_child *ch, struct file_report *r, const char *const *skip,
			     const char **path, char *reason, size_t size)
{
	bool changed = false;

	for (int i = 0; i < (r->has_path2 ? 2 : 1); i++) {
		char *p = i ? r->path2 : r->path, *c = NULL;
		enum node_type t;

		size_t n;

		if (path_canonical(p, &c, &t) == 0 && (n = strlen(c)) <= FILE_REPORT_PATH_MAX &&
		    strcmp(c, p) != 0) {
			memcpy(p, c, n + 1);
			changed = true;
		}
		free(c);
	}
	return changed ? file_report_classify(r, &ch->plan, skip, path, reason, size) : 0;
}

/* Called on the observer's thread for every line of srt-report.so. Untrusted and advisory:
 * parsed strictly, classified against the plan that was mounted, each (kind, path) recorded
 * once, at most FILE_REPORTS_MAX per child. */
static void file_line(void *ud, const char *line, size_t len)
{
	srt_child *ch = ud;
	struct file_report *r = ch->frep;
	const char *const skip[] = {ch->state, "/dev", "/proc", NULL};
	const char *path = NULL;
	char reason[512];
	uint64_t h;
	int k;

	if (ch->n_fseen >= FILE_REPORTS_MAX) {
		if (ch->fdropped++ == 0)
			mlog(ch->m, SRT_LOG_DEBUG, "file reports: %d recorded, later ones are dropped",
			     FILE_REPORTS_MAX);
		return;
	}
	if (file_report_parse(line, len, r) < 0)
		return;
	k = file_report_classify(r, &ch->plan, skip, &path, reason, sizeof(reason));
	if (!k && !file_path_skipped(r->path, skip) &&
	    !(r->has_path2 && file_path_skipped(r->path2, skip)))
		k = classify_resolved(ch, r, skip, &path, reason, sizeof(reason));
	if (!k)
		return;
	h = report_hash(k, path);
	for (size_t i = 0; i < ch->n_fseen; i++)
		if (ch->fseen[i] == h)
			return;
	ch->fseen[ch->n_fseen++] = h;
	(void)vstore_add(ch->violations, (srt_violation_kind)k, path, r->op_name, reason,
			 ch->command, ch->vid);
}

/* The report FIFO of one sandbox: STATE/report-PID-N-RANDOM, mode 0600 in the state directory
 * (0700, ours, checked by state_dir_ensure()), opened O_RDWR | O_NONBLOCK so that it always has
 * a reader (a writer inside never blocks or gets ENXIO) and srt never sees an end of file.
 * FIFOs of srt processes that no longer exist are removed first. */
static int report_fifo_create(const char *state, char **ret_path, int *ret_fd)
{
	static unsigned counter;
	_cleanup_free_ char *path = NULL;
	uint64_t rnd = 0;
	struct stat st;
	DIR *d;
	int fd;

	d = opendir(state);
	if (d) {
		struct dirent *e;

		while ((e = readdir(d))) {
			char *end;
			long pid;

			if (strncmp(e->d_name, "report-", 7) != 0)
				continue;
			pid = strtol(e->d_name + 7, &end, 10);
			if (end == e->d_name + 7 || *end != '-' || pid <= 0 || pid > INT32_MAX)
				continue;
			if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				(void)unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		rnd = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (asprintf(&path, "%s/report-%d-%u-%016llx", state, (int)getpid(),
		     __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED), (unsigned long long)rnd) < 0)
		return -ENOMEM;
	if (mkfifo(path, 0600) < 0)
		return -errno;
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		int r = fd < 0 ? -errno : -EPERM;

		if (fd >= 0)
			close(fd);
		(void)unlink(path);
		return r;
	}
	*ret_path = TAKE_PTR(path);
	*ret_fd = fd;
	return 0;
}

/* The Landlock parts this policy wants. The filesystem part is left out when nested user
 * namespaces are allowed: a Landlock domain that handles filesystem access may not mount,
 * and a nested sandbox must. The network part is left out with allowLocalBinding: Landlock
 * rules name ports, not addresses, so "any local server" cannot be said; the sandbox's own
 * network namespace (loopback and srt's proxy only) is then the boundary. */
static unsigned landlock_wanted(const struct srt_settings *s)
{
	unsigned p = LL_PART_SCOPE;

	if (s->landlock == SETTINGS_LANDLOCK_OFF)
		return 0;
	if (!s->allow_nested_user_namespaces)
		p |= LL_PART_FS | LL_PART_TRUNCATE | LL_PART_IOCTL_DEV;
	if (!s->allow_local_binding)
		p |= LL_PART_NET;
	return p;
}

/* Sets the child's Landlock level and description from what was wanted and applied. */
static int landlock_describe(srt_child *ch, const struct srt_settings *s, unsigned want,
			     int abi, unsigned applied, const char *why)
{
	char have[200], miss[200], kernel[48];
	struct buf t = BUF_INIT;

	if (abi > 0)
		snprintf(kernel, sizeof(kernel), "ABI %d", abi);
	else
		snprintf(kernel, sizeof(kernel), "Landlock unavailable: %s", strerror(-abi));
	landlock_parts_describe(applied, have, sizeof(have));
	landlock_parts_describe(want & ~applied, miss, sizeof(miss));
	if (!want) {
		ch->landlock = SRT_LANDLOCK_NONE;
		(void)buf_puts(&t, "none (off in the settings)");
	} else if (applied == want) {
		ch->landlock = SRT_LANDLOCK_FULL;
		(void)buf_printf(&t, "full (%s): %s", kernel, have);
	} else {
		ch->landlock = applied ? SRT_LANDLOCK_PARTIAL : SRT_LANDLOCK_NONE;
		(void)buf_printf(&t, "%s (%s): ", applied ? "partial" : "none", kernel);
		if (applied)
			(void)buf_printf(&t, "%s; ", have);
		(void)buf_printf(&t, "not applied: %s", miss);
	}
	if (why)
		(void)buf_printf(&t, " (%s)", why);
	if (want && s->allow_nested_user_namespaces)
		(void)buf_puts(&t, "; filesystem writes left to the mount layer "
				   "(allowNestedUserNamespaces)");
	if (want && s->allow_local_binding)
		(void)buf_puts(&t, "; TCP left to the network namespace (allowLocalBinding)");
	free(ch->landlock_text);
	ch->landlock_text = buf_steal(&t);
	return ch->landlock_text ? 0 : -ENOMEM;
}

/* A sealed memfd holding the serialised Landlock description for srt-exec. */
static int landlock_spec_fd(const struct landlock_spec *sp)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int fd, r;

	r = landlock_spec_serialize(sp, &text, &len);
	if (r < 0)
		return r;
	fd = memfd_create("srt-landlock", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (write_all(fd, text, len) < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Called on the observer's thread for each creation the guard refused. */
static void guarded(void *ud, const char *path, const char *syscall, int rule, const char *why)
{
	srt_child *ch = ud;
	char reason[512];
	size_t n = strv_length(ch->guard_labels);

	if (rule >= 0 && (size_t)rule < n)
		snprintf(reason, sizeof(reason), "refused by the creation guard: %s (%s)", why,
			 ch->guard_labels[rule]);
	else
		snprintf(reason, sizeof(reason), "refused by the creation guard: %s", why);
	(void)vstore_add(ch->violations, SRT_VIOLATION_FILE_WRITE, path, syscall, reason,
			 ch->command, ch->vid);
}

/* Starts the creation guard's helper (`srt-exec --guard`, guard-proto.h) in the namespaces of
 * the sandbox whose srt-exec sent g (its pidfd, user and mount namespace), and waits until it
 * is ready. Fails closed: no guard, no run. */
static int guard_spawn(srt_manager *m, const struct build *b, const char *helper, int listener,
		       const int g[3], int ll_fd, srt_child *ch, struct guard **ret,
		       srt_error **reterr)
{
	_cleanup_strv_free_ char **gargv = NULL;
	char *const envp[] = {NULL};
	char why[400];
	int sv[2], fds[5], n = 0, r;
	pid_t pid;

	if (listener < 0 || g[0] < 0 || g[1] < 0 || g[2] < 0)
		return srt_error_set(reterr, SRT_E_SPAWN, EPROTO,
				     "srt-exec sent no seccomp listener or namespaces; the creation "
				     "guard cannot run; the command was not run");
	ch->guard_labels = strv_copy(b->guard_labels);
	if (!ch->guard_labels)
		return -ENOMEM;
	if ((r = strv_push(&gargv, helper)) < 0 || (r = strv_push(&gargv, "--guard")) < 0 ||
	    (r = strv_push(&gargv, "--sock")) < 0 || (r = strv_push(&gargv, "3")) < 0 ||
	    (r = strv_push(&gargv, "--pidfd")) < 0 || (r = strv_push(&gargv, "4")) < 0 ||
	    (r = strv_push(&gargv, "--userns")) < 0 || (r = strv_push(&gargv, "5")) < 0 ||
	    (r = strv_push(&gargv, "--mntns")) < 0 || (r = strv_push(&gargv, "6")) < 0)
		return r;
	if (ll_fd >= 0 && ((r = strv_push(&gargv, "--landlock")) < 0 ||
			   (r = strv_push(&gargv, "7")) < 0))
		return r;
	for (size_t i = 0; b->guard_patterns[i]; i++)
		if ((r = strv_push(&gargv, "--deny")) < 0 ||
		    (r = strv_push(&gargv, b->guard_patterns[i])) < 0)
			return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, errno, "socketpair: %s",
				     strerror(errno));
	fds[n++] = sv[1];
	for (int i = 0; i < 3; i++)
		fds[n++] = g[i];
	if (ll_fd >= 0)
		fds[n++] = ll_fd;
	{
		struct spawn_fds sf = {.src = fds, .n = (size_t)n, .stdio = {-1, -1, -1}};

		pid = spawn_on_keeper(m, &(struct spawn_call){
						 .path = helper,
						 .argv = gargv,
						 .envp = envp,
						 .fds = &sf,
						 .own_pidns = false,
						 .reterr = reterr,
					 });
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return (int)pid;
	}
	r = guard_attach(sv[0], pid, guarded, ch, ret, why, sizeof(why));
	if (r == -ESRCH) {
		/* srt-exec's process (the command) has already exited: bwrap's pid 1 ends the
		 * sandbox with it, so nothing is left to guard; a creation still made meanwhile
		 * gets EPERM from the observer (no guard) or ENOSYS (no listener) */
		(void)waitpid(pid, NULL, 0);
		mlog(m, SRT_LOG_DEBUG, "creation guard: the command has already exited");
		return 0;
	}
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return srt_error_set(reterr, SRT_E_SPAWN, -r,
				     "%s: files that match it could be created in a write root, and "
				     "the creation guard that refuses that could not be set up: %s; "
				     "the command was not run",
				     b->guard_labels[0], why);
	}
	mlog(m, SRT_LOG_DEBUG, "creation guard: %zu pattern(s), helper pid %d",
	     strv_length(b->guard_patterns), (int)pid);
	return 0;
}

/* Reads srt-exec's status and the seccomp listener attached to it (or -1). Returns 1, 0 when
 * the socket closed without a status (the sandbox ended before srt-exec ran), or -errno
 * (-EBADMSG: malformed). */
static int read_exec_status(int sock, struct landlock_status *st, int *ret_listener,
			    int ret_g[3])
{
	unsigned char msg[LANDLOCK_STATUS_SIZE + 1];
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	ssize_t n;
	int fds[4] = {-1, -1, -1, -1}, nfds = 0;

	*ret_listener = ret_g[0] = ret_g[1] = ret_g[2] = -1;
	memset(&u, 0, sizeof(u));
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* the listener, then srt-exec's pidfd, user and mount namespaces (the creation guard's) */
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int x;

				memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (nfds < 4)
					fds[nfds++] = x;
				else
					close(x);
			}
		}
	if (n == 0 && nfds == 0)
		return 0;
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || nfds == 2 || nfds == 3 ||
	    landlock_status_parse(msg, (size_t)n, st) < 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return -EBADMSG;
	}
	*ret_listener = fds[0];
	for (int i = 0; i < 3; i++)
		ret_g[i] = fds[i + 1];
	return 1;
}

/* Reads what bwrap has written to the status fd so far. */
static void status_drain(srt_child *ch)
{
	char tmp[512];

	if (ch->status_fd < 0)
		return;
	for (;;) {
		ssize_t k = read(ch->status_fd, tmp, sizeof(tmp));
		if (k > 0 && ch->status.len < 65536) {
			(void)buf_append(&ch->status, tmp, (size_t)k);
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0) {
			close(ch->status_fd);
			ch->status_fd = -EBADF;
		}
		break;
	}
}

/* The sandbox's pid 1 in our pid namespace: the only child of the bwrap process. (bwrap's own
 * "child-pid" report uses bwrap's pid namespace, which is not ours when bwrap is pid 1 of a
 * namespace of its own.) */
static pid_t sandbox_pid(srt_child *ch)
{
	char path[64];
	_cleanup_free_ char *kids = NULL;
	long v;

	if (ch->sandbox_pid > 0)
		return ch->sandbox_pid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)ch->pid, (int)ch->pid);
	if (read_file_max(path, 4096, &kids, NULL) < 0)
		return 0;
	v = strtol(kids, NULL, 10);
	if (v > 1)
		ch->sandbox_pid = (pid_t)v;
	return ch->sandbox_pid;
}


static void report_fifo_remove(srt_child *ch)
{
	if (ch->report_fifo) {
		(void)unlink(ch->report_fifo);
		free(ch->report_fifo);
		ch->report_fifo = NULL;
	}
}

static int linux_spawn(const struct backend_spawn *bs, srt_child **ret, srt_error **reterr)
{
	srt_manager *m = bs->m;
	const srt_spawn_opts *o = bs->o;
	char *const *argv = bs->argv;
	char *const *caller_env = bs->caller_env;
	const char *cwd = bs->cwd, *exe = bs->exe;
	const bool network = bs->network;
	_cleanup_strv_free_ char **env = strv_copy(bs->envp), **bargv = NULL;
	_cleanup_free_ char *state = NULL;
	_cleanup_close_ int args_fd = -EBADF, seccomp_fd = -EBADF, mask_fd = -EBADF;
	_cleanup_close_ int pty_master = -EBADF, pty_slave = -EBADF;
	_cleanup_free_ char *setsid_path = NULL;
	int status_pipe[2] = {-EBADF, -EBADF};
	struct build b = {.m = m, .fs = o ? o->fs : NULL, .bs = bs, .reterr = reterr};
	struct mount_op *ops = NULL;
	size_t n_ops = 0, n_masks;
	struct buf args = BUF_INIT;
	struct sandbox_spec spec = {0};
	struct seccomp_policy sp;
	srt_child *ch = NULL;
	_cleanup_free_ char *exec_helper = NULL, *exec_dst = NULL;
	_cleanup_close_ int obs_child = -EBADF, bpf_dup = -EBADF, ll_fd = -EBADF;
	int obs_parent = -EBADF, listener = -EBADF; /* srt-exec's socket; the seccomp listener */
	int exec_g[3] = {-EBADF, -EBADF, -EBADF}; /* srt-exec's pidfd, user and mount namespace */
	struct guard *guard = NULL;
	bool guard_on;
	/* file reports: the shim, its FIFO, where both appear inside, LD_PRELOAD's value */
	_cleanup_free_ char *report_lib = NULL, *report_fifo = NULL, *report_lib_dst = NULL;
	_cleanup_free_ char *report_fifo_dst = NULL, *preload = NULL;
	_cleanup_free_ struct file_report *frep = NULL;
	int report_fd = -EBADF;
	const char *report_env[5] = {NULL};
	char obs_fdnum[24], bpf_fdnum[24], ll_fdnum[24];
	unsigned ll_want, ll_parts = 0;
	int ll_abi = 0;
	const char *ll_why = NULL;
	struct landlock_spec ll_spec = {0};
	size_t n_extra;
	int *fds = NULL;
	pid_t pid;
	int r;

	if (!env)
		return -ENOMEM;
	mlog(m, SRT_LOG_DEBUG, "bubblewrap: %s%s%s", m->bwrap.path,
	     m->bwrap.setuid ? " (setuid)" : "",
	     m->bwrap.disable_userns ? "" : " (no --disable-userns)");
	if (!m->bwrap.disable_userns && !m->s->allow_nested_user_namespaces)
		mlog(m, SRT_LOG_DEBUG, "bubblewrap lacks --disable-userns; nested user namespaces "
				       "are refused by the seccomp filter alone");
	b.cwd = cwd;
	b.home = bs->home;

	/* Holds the placeholder journals and locks, the filter cache, and is the mount point of
	 * the private TMPDIR (a tmpfs over it hides its content inside). */
	r = state_dir_ensure(&state, reterr);
	if (r < 0)
		goto fail;
	b.state = state;

	r = build_plan(&b);
	if (r < 0)
		goto fail;

	{
		_cleanup_free_ char *ccwd = NULL;
		enum node_type t;
		if (path_canonical(cwd, &ccwd, &t) == 0 &&
		    plan_access(&b.plan, ccwd) == ACCESS_HIDDEN) {
			r = srt_error_set(reterr, SRT_E_CONFIG, EACCES,
					  "the working directory '%s' is hidden by denyRead; the "
					  "command could not run there. Hint: add it to "
					  "filesystem.allowRead or run from another directory",
					  cwd);
			goto fail;
		}
	}

	r = plan_compile(&b.plan, &ops, &n_ops);
	if (r < 0)
		goto fail;
	/* filesystem.privateTmp: what the plan shows below /tmp is bound into the tmpfs */
	if ((b.fs ? b.fs : m->s)->private_tmp) {
		_cleanup_free_ char *ccwd = NULL, *cexe = NULL;
		enum node_type t;

		/* the working directory and the command stay visible */
		if (path_canonical(cwd, &ccwd, &t) < 0 || t != NODE_DIR) {
			free(ccwd);
			ccwd = NULL;
		}
		if (path_canonical(exe, &cexe, &t) < 0 || t != NODE_OTHER) {
			free(cexe);
			cexe = NULL;
		}
		const char *const extra[] = {ccwd ? ccwd : "", cexe ? cexe : "", NULL};
		r = bwrap_private_dir_ops(&b.plan, "/tmp", extra, &ops, &n_ops);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < n_ops; i++)
		mlog(m, SRT_LOG_DEBUG, "mount %s %s (%s%s)",
		     ops[i].kind == OP_BIND_RW	 ? "read-write"
		     : ops[i].kind == OP_BIND_RO ? "read-only"
						 : "hidden",
		     ops[i].path, ops[i].why ? ops[i].why : "", ops[i].pin ? ", pin" : "");

	/* The private TMPDIR must be reachable even inside a masked directory. */
	for (size_t i = 0; i < n_ops; i++)
		if (ops[i].kind == OP_MASK_DIR && path_is_under(state, ops[i].path))
			ops[i].traverse = true;

	/* Landlock (second layer, applied by srt-exec after bwrap built the mounts): what the
	 * policy wants, what this kernel can do. */
	ll_want = landlock_wanted(m->s);
	if (ll_want) {
		ll_abi = srt_ll_abi_version();
		ll_parts = ll_want & landlock_parts_for_abi(ll_abi);
	}
	if (m->s->landlock == SETTINGS_LANDLOCK_REQUIRE) {
		char miss[200];

		if (m->s->allow_nested_user_namespaces) {
			r = srt_error_set(reterr, SRT_E_CONFIG, EINVAL,
					  "\"landlock\": \"require\" cannot be combined with "
					  "allowNestedUserNamespaces: a Landlock domain that confines "
					  "writes may not mount, which nested sandboxes need. Hint: set "
					  "\"landlock\": \"auto\"");
			goto fail;
		}
		landlock_parts_describe(ll_want & ~ll_parts, miss, sizeof(miss));
		if (ll_parts != ll_want) {
			char kernel[64];

			if (ll_abi > 0)
				snprintf(kernel, sizeof(kernel), "Landlock ABI %d", ll_abi);
			else
				snprintf(kernel, sizeof(kernel), "no usable Landlock (%s)",
					 strerror(-ll_abi));
			r = srt_error_set(reterr, SRT_E_UNSUPPORTED, EOPNOTSUPP,
					  "Landlock is required (settings: \"landlock\": "
					  "\"require\") but this kernel has %s and cannot apply: %s. "
					  "Hint: Linux 6.12 or later with Landlock enabled "
					  "(CONFIG_SECURITY_LANDLOCK, \"landlock\" in the lsm= boot "
					  "parameter), or set \"landlock\": \"auto\"",
					  kernel, miss);
			goto fail;
		}
	}

	/* srt-exec runs when Landlock is to be applied, and when refused system calls are to be
	 * reported (it installs the filter with a listener, observer.h; without it bwrap installs
	 * the same filter, unobserved). */
	/* the creation guard (linux/guard.h): deny patterns that a new file could match */
	guard_on = b.guard_patterns != NULL;
	exec_helper = !(m->observe_syscalls || ll_parts || guard_on) ? NULL
		      : m->exec_helper				 ? strdup(m->exec_helper)
								 : find_helper("srt-exec", "exec");
	if (!exec_helper && guard_on) {
		r = srt_error_set(reterr, SRT_E_DEPENDENCY, ENOENT,
				  "%s: files that match it could be created in a write root, and the "
				  "creation guard that refuses that needs the srt-exec helper, which "
				  "was not found (next to srt or in %s); refusing to run. Hint: "
				  "install srt completely",
				  b.guard_labels[0], SRT_LIBEXECDIR);
		goto fail;
	}
	if (!exec_helper && ll_parts) {
		if (m->s->landlock == SETTINGS_LANDLOCK_REQUIRE) {
			r = srt_error_set(reterr, SRT_E_DEPENDENCY, ENOENT,
					  "Landlock is required but the srt-exec helper, which applies "
					  "it inside the sandbox, was not found (next to srt or in "
					  "%s). Hint: install srt completely, or set \"landlock\": "
					  "\"auto\"", SRT_LIBEXECDIR);
			goto fail;
		}
		ll_parts = 0;
		ll_why = "the srt-exec helper was not found";
	}
	if (ll_parts) {
		ll_spec.require = m->s->landlock == SETTINGS_LANDLOCK_REQUIRE;
		ll_spec.parts = ll_parts;
		if ((ll_parts & LL_PART_NET) && network) {
			ll_spec.connect[ll_spec.n_connect++] = PROXY_HTTP_PORT;
			ll_spec.connect[ll_spec.n_connect++] = PROXY_SOCKS_PORT;
		}
		if (ll_parts & LL_PART_FS) {
			/* every read-write mount, the private TMPDIR, the fresh /dev (device nodes,
			 * /dev/shm, /dev/pts) and a private /tmp: exactly what the mount layer leaves
			 * writable, apart from /proc (see docs/architecture.md, "Landlock") */
			size_t n = 0;

			for (size_t i = 0; i < n_ops; i++)
				n += ops[i].kind == OP_BIND_RW;
			ll_spec.write = calloc(n + 3, sizeof(char *));
			if (!ll_spec.write) {
				r = -ENOMEM;
				goto fail;
			}
			for (size_t i = 0; i < n_ops; i++)
				if (ops[i].kind == OP_BIND_RW)
					ll_spec.write[ll_spec.n_write++] = ops[i].path;
			ll_spec.write[ll_spec.n_write++] = state;
			ll_spec.write[ll_spec.n_write++] = (char *)"/dev";
			if ((b.fs ? b.fs : m->s)->private_tmp) /* the per-run tmpfs (privateTmp) */
				ll_spec.write[ll_spec.n_write++] = (char *)"/tmp";
		}
		r = ll_fd = landlock_spec_fd(&ll_spec);
		free(ll_spec.write); /* the paths are borrowed */
		ll_spec.write = NULL;
		if (r < 0)
			goto fail_sys;
	}
	if (exec_helper) {
		int sv[2];

		if (asprintf(&exec_dst, "%s/.srt-exec", state) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
			r = srt_error_set(reterr, SRT_E_SYSTEM, errno, "socketpair: %s",
					  strerror(errno));
			goto fail;
		}
		obs_parent = sv[0];
		obs_child = sv[1];
	} else if (m->observe_syscalls) {
		mlog(m, SRT_LOG_DEBUG, "no srt-exec helper found: refused system calls are not "
				       "reported (the filter is the same)");
	}
	/* Refused file accesses are reported by srt-report.so, preloaded into the command, through
	 * a FIFO; advisory only (file-report.h). */
	if (m->observe_files) {
		report_lib = find_helper("srt-report.so", "report");
		if (!report_lib) {
			mlog(m, SRT_LOG_DEBUG, "no srt-report.so found: refused file accesses are not "
					       "reported");
		} else if ((r = report_fifo_create(state, &report_fifo, &report_fd)) < 0) {
			mlog(m, SRT_LOG_WARNING, "cannot create the file report FIFO in %s: %s; "
						 "refused file accesses are not reported",
			     state, strerror(-r));
			free(report_lib);
			report_lib = NULL;
		} else {
			const char *old = env_vector_get(env, "LD_PRELOAD");

			frep = malloc(sizeof(*frep));
			if (!frep || asprintf(&report_lib_dst, "%s/.srt-report.so", state) < 0 ||
			    asprintf(&report_fifo_dst, "%s/.srt-report", state) < 0 ||
			    asprintf(&preload, "%s%s%s", report_lib_dst, old && *old ? " " : "",
				     old ? old : "") < 0) {
				r = -ENOMEM;
				goto fail;
			}
			report_env[0] = "LD_PRELOAD";
			report_env[1] = preload;
			report_env[2] = "SRT_REPORT_FIFO";
			report_env[3] = report_fifo_dst;
		}
	}
	sp = (struct seccomp_policy){
		.allow_unix_sockets = m->s->allow_all_unix_sockets,
		.allow_nested_userns = m->s->allow_nested_user_namespaces,
		.notify = exec_helper != NULL && m->observe_syscalls,
		.guard = guard_on,
	};
	r = seccomp_filter_fd_cached(state, &sp, &seccomp_fd, reterr);
	if (r < 0)
		goto fail;

	if (pipe2(status_pipe, O_CLOEXEC) < 0) {
		r = srt_error_set(reterr, SRT_E_SYSTEM, errno, "pipe: %s", strerror(errno));
		goto fail;
	}

	/* fds in the bwrap process: 3 args, 4 seccomp, 5 status, 6.. empty files for masks */
	n_masks = bwrap_args_mask_fds(ops, n_ops);
	spec = (struct sandbox_spec){
		.ops = ops,
		.n_ops = n_ops,
		.tmpdir = state,
		.private_tmp = (b.fs ? b.fs : m->s)->private_tmp ? "/tmp" : NULL,
		.cwd = cwd,
		/* with the proxy, the sandbox lives in the network namespace srt creates */
		.unshare_net = !network,
		.weaker_nested = m->s->enable_weaker_nested_sandbox,
		.disable_userns = m->bwrap.disable_userns && !m->s->allow_nested_user_namespaces,
		.tmpfs_size = m->bwrap.size,
		/* bwrap installs the filter on everything it runs (its own pid 1 included: no
		 * unfiltered process inside); with srt-exec the command gets the same filter once
		 * more, with srt's listener, which then receives its notifications (the newest
		 * filter wins among equal actions; bwrap's own copy has no listener and fails
		 * them with ENOSYS) */
		.seccomp_fd = 4,
		.exec_helper = exec_helper,
		.exec_helper_dst = exec_dst,
		.report_lib = report_lib,
		.report_lib_dst = report_lib_dst,
		.report_fifo = report_fifo,
		.report_fifo_dst = report_fifo_dst,
		.setenv = report_env,
		.json_status_fd = 5,
		.first_mask_fd = 6,
	};
	r = bwrap_args_build(&spec, &args);
	if (r < 0)
		goto fail;
	{
		/* bubblewrap refuses more arguments than BWRAP_MAX_ARGS, --args included: say
		 * why here instead of letting it fail */
		size_t n_args = 0;
		for (size_t off = 0; off < args.len; off++)
			n_args += args.data[off] == '\0';
		if (n_args + 8 > BWRAP_MAX_ARGS) {
			r = srt_error_set(reterr, SRT_E_UNSUPPORTED, E2BIG,
					  "the sandbox needs %zu mounts (%zu bubblewrap arguments); "
					  "bubblewrap accepts at most %d arguments. Refusing to run. "
					  "Hint: glob entries that match directories rather than "
					  "every file in them, or fewer entries",
					  n_ops, n_args, BWRAP_MAX_ARGS);
			goto fail;
		}
	}
	r = args_fd = memfd_with("srt-bwrap-args", args.data, args.len);
	if (r < 0)
		goto fail_sys;
	if (n_masks) {
		r = mask_fd = memfd_with("srt-empty", NULL, 0);
		if (r < 0)
			goto fail_sys;
	}

	fds = calloc(6 + n_masks, sizeof(int));
	if (!fds) {
		r = -ENOMEM;
		goto fail;
	}
	fds[0] = args_fd;
	fds[1] = seccomp_fd;
	fds[2] = status_pipe[1];
	for (size_t i = 0; i < n_masks; i++)
		fds[3 + i] = mask_fd;
	/* after the masks, for srt-exec: its end of the status socket, the filter again when
	 * observing (bwrap consumes fd 4; srt-exec reads with pread, so the shared offset does
	 * not matter), the Landlock description */
	n_extra = 0;
	if (exec_helper) {
		fds[3 + n_masks + n_extra] = obs_child;
		snprintf(obs_fdnum, sizeof(obs_fdnum), "%zu", 3 + 3 + n_masks + n_extra++);
	}
	if (exec_helper && (m->observe_syscalls || guard_on)) {
		bpf_dup = fcntl(seccomp_fd, F_DUPFD_CLOEXEC, 3);
		if (bpf_dup < 0) {
			r = -errno;
			goto fail_sys;
		}
		fds[3 + n_masks + n_extra] = bpf_dup;
		snprintf(bpf_fdnum, sizeof(bpf_fdnum), "%zu", 3 + 3 + n_masks + n_extra++);
	}
	if (exec_helper && ll_fd >= 0) {
		fds[3 + n_masks + n_extra] = ll_fd;
		snprintf(ll_fdnum, sizeof(ll_fdnum), "%zu", 3 + 3 + n_masks + n_extra++);
	}

	if ((r = strv_push(&bargv, "bwrap")) < 0 || (r = strv_push(&bargv, "--args")) < 0 ||
	    (r = strv_push(&bargv, "3")) < 0 || (r = strv_push(&bargv, "--")) < 0)
		goto fail;
	if (exec_helper &&
	    ((r = strv_push(&bargv, exec_dst)) < 0 || (r = strv_push(&bargv, "--status")) < 0 ||
	     (r = strv_push(&bargv, obs_fdnum)) < 0))
		goto fail;
	if (bpf_dup >= 0 && ((r = strv_push(&bargv, "--seccomp")) < 0 ||
			     (r = strv_push(&bargv, bpf_fdnum)) < 0))
		goto fail;
	if (exec_helper && ll_fd >= 0 && ((r = strv_push(&bargv, "--landlock")) < 0 ||
					  (r = strv_push(&bargv, ll_fdnum)) < 0))
		goto fail;
	if (exec_helper && (r = strv_push(&bargv, "--")) < 0)
		goto fail;
	if (o && o->pty && (o->stdio[0] >= 0 || o->stdio[1] >= 0)) {
		r = srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL,
				  "a pty and a standard input or output of the caller's choice "
				  "exclude each other (the pty is the command's stdin and stdout)");
		goto fail;
	}
	if (o && o->pty) {
		/* The command must become a session leader that owns the pty: util-linux
		 * setsid --ctty does exactly setsid() + TIOCSCTTY on stdin, then execs. */
		r = find_executable("setsid", env_vector_get(caller_env, "PATH"), &setsid_path);
		if (r < 0) {
			r = srt_error_set(reterr, SRT_E_DEPENDENCY, r,
					  "a terminal was requested but 'setsid' (util-linux) was "
					  "not found in PATH");
			goto fail;
		}
		r = open_pty(o->pty_terminal, &pty_master, &pty_slave, reterr);
		if (r < 0)
			goto fail;
		if ((r = strv_push(&bargv, setsid_path)) < 0 ||
		    (r = strv_push(&bargv, "--ctty")) < 0 || (r = strv_push(&bargv, "--")) < 0)
			goto fail;
	}
	if ((r = strv_extend(&bargv, argv)) < 0)
		goto fail;
	if ((r = env_vector_set(&env, "TMPDIR", state)) < 0 ||
	    (r = env_vector_set(&env, "SANDBOX_RUNTIME", "1")) < 0)
		goto fail;
	if (network) {
		_cleanup_free_ char *helper = find_connect_helper(m);

		if (!helper)
			mlog(m, SRT_LOG_DEBUG, "no srt-connect helper found: GIT_SSH_COMMAND is not "
					       "set (ssh inside the sandbox has no network)");
		if ((r = proxy_env_apply(&env, PROXY_HTTP_PORT, PROXY_SOCKS_PORT, helper)) < 0)
			goto fail;
	}
	log_args(m, m->bwrap.path, &args, argv);

	ch = child_new(m, argv);
	if (!ch) {
		r = -ENOMEM;
		goto fail;
	}

	{
		struct spawn_fds sf = {.src = fds,
				       .n = 3 + n_masks + n_extra,
				       .stdio = {-1, -1, -1},
				       .nofile = o ? o->fd_limit : 0};
		if (o)
			memcpy(sf.stdio, o->stdio, sizeof(sf.stdio));
		if (pty_slave >= 0) {
			sf.stdio[0] = sf.stdio[1] = pty_slave;
			if (o->stdio[2] < 0 && isatty(STDERR_FILENO))
				sf.stdio[2] = pty_slave;
		}
		/* A setuid bwrap would lose its privilege inside a user namespace of ours. */
		static const struct netns_listener listen[] = {
			{AF_INET, PROXY_HTTP_PORT},
			{AF_INET6, PROXY_HTTP_PORT},
			{AF_INET, PROXY_SOCKS_PORT},
			{AF_INET6, PROXY_SOCKS_PORT},
		};
		struct spawn_net sn = {.listen = listen, .n = 4, .ret_fds = ch->listeners};

		pid = spawn_on_keeper(m, &(struct spawn_call){
						 .path = m->bwrap.path,
						 .argv = bargv,
						 .envp = env,
						 .fds = &sf,
						 .own_pidns = !m->bwrap.setuid,
						 .net = network ? &sn : NULL,
						 .ret_own_pidns = &ch->own_pidns,
						 .reterr = reterr,
					 });
		if (pid > 0 && !ch->own_pidns)
			mlog(m, SRT_LOG_DEBUG, "no pid namespace of srt's own: the sandbox is "
					       "tied to srt by bwrap --die-with-parent only");
	}
	if (pid < 0) {
		r = (int)pid;
		goto fail;
	}
	close(status_pipe[1]);
	status_pipe[1] = -EBADF;
	ch->pid = pid;
	if (network) {
		r = start_proxy(m, ch, reterr);
		if (r < 0) {
			/* no proxy, no sandbox: never let the command run without its policy */
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			ch->reaped = true;
			goto fail_child;
		}
	}
	if (report_fd >= 0) {
		/* the observer classifies reports against the plan that was mounted */
		ch->plan = b.plan;
		b.plan = (struct mount_plan){0};
		ch->frep = TAKE_PTR(frep);
		ch->report_fifo = TAKE_PTR(report_fifo);
		ch->state = strdup(state);
		if (!ch->state) {
			close(report_fd);
			report_fd = -EBADF;
		}
	}
	if (exec_helper) {
		struct landlock_status st = {0};

		close(TAKE_FD(obs_child)); /* srt-exec's end lives on in the sandbox only */
		/* srt-exec reports before it executes the command; the socket closes without a
		 * report only when the sandbox ended before srt-exec ran (wait reports why) */
		r = read_exec_status(obs_parent, &st, &listener, exec_g);
		close(TAKE_FD(obs_parent));
		if (r < 0 || (r > 0 && st.error)) {
			if (listener >= 0)
				close(listener);
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			ch->reaped = true;
			r = r < 0 ? srt_error_set(reterr, SRT_E_SPAWN, -r,
						  "no valid status from srt-exec: %s", strerror(-r))
				  : srt_error_set(reterr, SRT_E_SPAWN, st.error,
						  "srt-exec could not set up the sandbox (%s); the "
						  "command was not run",
						  strerror(st.error));
			goto fail_child;
		}
		if (r == 0)
			ll_why = "the sandbox ended before srt-exec ran";
		r = landlock_describe(ch, m->s, ll_want, r > 0 ? st.abi : ll_abi,
				      r > 0 ? st.applied : 0, ll_why);
		if (r < 0) {
			if (listener >= 0)
				close(listener);
			goto fail_child_kill;
		}
		if (guard_on && (listener >= 0 || exec_g[0] >= 0)) {
			/* (neither: the sandbox ended before srt-exec ran; nothing to guard) */
			r = guard_spawn(m, &b, exec_helper, listener, exec_g, ll_fd, ch, &guard,
					reterr);
			if (r < 0) {
				if (listener >= 0)
					close(listener);
				goto fail_child_kill;
			}
		}
		for (int k = 0; k < 3; k++)
			if (exec_g[k] >= 0)
				close(TAKE_FD(exec_g[k]));
		if (listener >= 0 && !m->observe_syscalls && !guard) {
			close(listener);
			listener = -1;
		}
	} else {
		r = landlock_describe(ch, m->s, ll_want, ll_abi, 0, ll_why);
		if (r < 0)
			goto fail_child_kill;
	}
	/* for the observer (linux_monitor_start()) */
	ch->mon_listener = TAKE_FD(listener);
	ch->mon_fifo = TAKE_FD(report_fd);
	ch->mon_guard = TAKE_PTR(guard);
	mlog(m, SRT_LOG_DEBUG, "landlock: %s", ch->landlock_text);
	ch->status_fd = TAKE_FD(status_pipe[0]);
	(void)fcntl(ch->status_fd, F_SETFL, O_NONBLOCK);
	ch->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ch->ph = TAKE_PTR(b.ph);
	ch->pty_master = TAKE_FD(pty_master);
	*ret = TAKE_PTR(ch);
	r = 0;
	goto out;

fail_child_kill:
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	ch->reaped = true;
	goto fail_child;
fail_sys:
	r = srt_error_set(reterr, SRT_E_SYSTEM, r, "preparing the sandbox failed: %s",
			  strerror(-r));
fail:
	free(ch);
	ch = NULL;
fail_child:
	if (ch)
		srt_child_free(ch);
out:
	if (obs_parent >= 0)
		close(obs_parent);
	for (int k = 0; k < 3; k++)
		if (exec_g[k] >= 0)
			close(exec_g[k]);
	guard_free(guard);
	if (report_fd >= 0)
		close(report_fd);
	if (report_fifo)
		(void)unlink(report_fifo);
	if (status_pipe[0] >= 0)
		close(status_pipe[0]);
	if (status_pipe[1] >= 0)
		close(status_pipe[1]);
	free(fds);
	buf_free(&args);
	mount_ops_free(ops, n_ops);
	plan_free(&b.plan);
	for (size_t i = 0; i < b.n_globs; i++)
		path_rule_clear(&b.globs[i]);
	free(b.globs);
	strv_free(b.missing_denies);
	strv_free(b.missing_labels);
	strv_free(b.git_configs);
	strv_free(b.guard_patterns);
	strv_free(b.guard_labels);
	free(b.missing_kinds);
	placeholders_close(b.ph);
	return r;
}

static int linux_kill(srt_child *ch, int sig)
{
	/* The sandbox is its own session; its pid 1 ignores signals it has no handler for, so
	 * the process group gets the signal the way a terminal would deliver it. A direct child
	 * of pid 1 that leads its own process group (the command in pty mode is a session
	 * leader) gets it through that group. */
	if (sandbox_pid(ch) > 0 && kill(-ch->sandbox_pid, sig) == 0) {
		char path[64];
		_cleanup_free_ char *kids = NULL;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)ch->sandbox_pid,
			 (int)ch->sandbox_pid);
		if (read_file_max(path, 65536, &kids, NULL) == 0) {
			for (char *p = kids, *end; *p; p = end) {
				long v = strtol(p, &end, 10);
				if (end == p)
					break;
				if (v > 1 && getpgid((pid_t)v) == (pid_t)v)
					(void)kill((pid_t)-v, sig);
			}
		}
		return 0;
	}
	/* Not started yet (or already gone): bubblewrap itself, which takes the sandbox along.
	 * As pid 1 of our namespace it only reacts to SIGKILL. */
	if (kill(ch->pid, ch->own_pidns ? SIGKILL : sig) < 0)
		return -errno;
	return 0;
}

/* The observer: refused system calls (the seccomp listener srt-exec sent) and file reports
 * (the FIFO), both taken from the child. */
static int linux_monitor_start(srt_child *ch, srt_error **reterr)
{
	struct observer_cfg oc = {
		.listener = ch->mon_listener,
		.fifo = ch->mon_fifo,
		.fn = ch->m->observe_syscalls ? observed : NULL,
		.line_fn = file_line,
		.ud = ch,
		.guard = ch->mon_guard,
	};
	int r;

	if (ch->mon_listener < 0 && ch->mon_fifo < 0 && !ch->mon_guard)
		return 0;
	ch->mon_listener = ch->mon_fifo = -EBADF; /* taken by observer_start() */
	ch->mon_guard = NULL;
	r = observer_start(&oc, &ch->obs);
	if (r < 0 && oc.guard)
		/* the guarded calls would fail with ENOSYS: refused, but the command could not
		 * create any file; do not run it like that (the manager kills the child) */
		return srt_error_set(reterr, SRT_E_SYSTEM, -r,
				     "cannot start the creation guard's thread: %s", strerror(-r));
	if (r < 0)
		/* without its observer the filter fails refused calls with ENOSYS instead of
		 * EPERM: still refused; only the reports are lost */
		mlog(ch->m, SRT_LOG_WARNING, "cannot start the violation observer: %s",
		     strerror(-r));
	return 0;
}

static void linux_monitor_stop(srt_child *ch)
{
	ch->obs = observer_stop(ch->obs);
	ch->mon_guard = guard_free(ch->mon_guard);
	if (ch->mon_listener >= 0)
		close(TAKE_FD(ch->mon_listener));
	if (ch->mon_fifo >= 0)
		close(TAKE_FD(ch->mon_fifo));
	report_fifo_remove(ch);
}

static int linux_exit_status(srt_child *ch, int *ret_status, srt_error **reterr)
{
	const char *p;

	if (ch->status_fd >= 0)
		(void)fcntl(ch->status_fd, F_SETFL, 0); /* bwrap is gone: read to EOF */
	status_drain(ch);
	ch->ph = placeholders_close(ch->ph);

	/* bwrap reports "exit-code" only when the command was really executed. */
	p = ch->status.data ? strstr(ch->status.data, "\"exit-code\"") : NULL;
	if (p && (p = strchr(p, ':'))) {
		long v = strtol(p + 1, NULL, 10);
		*ret_status = (int)(v & 0xff);
		return 0;
	}
	if (WIFSIGNALED(ch->wait_status)) {
		*ret_status = 128 + WTERMSIG(ch->wait_status);
		return 0;
	}
	return srt_error_set(reterr, SRT_E_SPAWN, EIO,
			     "the sandbox could not start the command (bubblewrap exited with "
			     "status %d; its message, if any, is above)",
			     WIFEXITED(ch->wait_status) ? WEXITSTATUS(ch->wait_status) : -1);
}

static void linux_child_free(srt_child *ch)
{
	if (ch->status_fd >= 0)
		close(ch->status_fd);
	if (ch->pidfd >= 0)
		close(ch->pidfd);
	plan_free(&ch->plan);
	free(ch->frep);
	free(ch->state);
	placeholders_close(ch->ph);
	buf_free(&ch->status);
	guard_free(ch->mon_guard);
	strv_free(ch->guard_labels);
}

static void linux_manager_free(srt_manager *m)
{
	bwrap_info_done(&m->bwrap);
	free(m->bwrap_path);
	keeper_stop(m->keeper);
}

static int linux_set_bwrap_path(srt_manager *m, const char *path)
{
	char *c = strdup(path);

	if (!c)
		return -ENOMEM;
	free(m->bwrap_path);
	m->bwrap_path = c;
	if (m->probed)
		bwrap_info_done(&m->bwrap);
	m->probed = false;
	return manager_probe(m, secure_getenv("PATH"), NULL);
}

const struct backend_ops backend_linux = {
    .name = "linux-bwrap",
    .probe = manager_probe,
    .spawn = linux_spawn,
    .monitor_start = linux_monitor_start,
    .monitor_stop = linux_monitor_stop,
    .kill = linux_kill,
    .exit_status = linux_exit_status,
    .child_free = linux_child_free,
    .manager_free = linux_manager_free,
    .set_bwrap_path = linux_set_bwrap_path,
};
