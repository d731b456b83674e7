/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt_manager and srt_child: from settings to a running sandbox.
 *
 * spawn = resolve paths → mandatory-deny scan of every write root → placeholders for protected
 * paths that do not exist → mount plan → seccomp filter → bwrap argument file → fork/exec.
 * Everything that decides is in the pure modules (mount-plan.c, bwrap-argv.c, settings.c);
 * this file gathers facts from the system and wires them together.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srt-build-config.h"
#include "bwrap-argv.h"
#include "config.h"
#include "linux/bwrap-probe.h"
#include "linux/fs-scan.h"
#include "linux/mandatory-deny.h"
#include "linux/observer.h"
#include "linux/placeholders.h"
#include "linux/seccomp-filter.h"
#include "linux/spawn.h"
#include "mount-plan.h"
#include "net/domain-match.h"
#include "net/proxy-env.h"
#include "net/policy-slot.h"
#include "net/proxy.h"
#include <ifaddrs.h>
#include <netinet/in.h>
#include "path-resolve.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/strv.h"
#include "violations.h"

extern char **environ;

struct keeper;
static void keeper_stop(struct keeper *k);

struct srt_manager {
	struct srt_settings *s;
	bool allow_listed;         /* allowedDomains non-empty */
	struct policy_slot policy; /* the live network lists (srt_manager_update_network()) */
	srt_ask_fn ask_fn;         /* hosts in neither list, or NULL */
	void *ask_ud;
	unsigned ask_ms;
	struct bwrap_info bwrap;
	bool probed;
	char *bwrap_path;
	char *connect_helper; /* set by the caller, or NULL: found at spawn time */
	struct keeper *keeper; /* the thread that forks for spawns from other threads */
	bool observe_syscalls; /* report refused system calls (srt-exec + observer) */
	struct vstore *violations;
	uint64_t next_child; /* ids of children in the violation store */
	srt_log_fn log_fn;
	void *log_ud;
};

struct srt_spawn_opts {
	char *cwd;
	char **env;
	int pty_terminal; /* -1: no pty */
	bool pty;
	unsigned long fd_limit; /* 0: the caller's */
	struct srt_settings *fs; /* per-command filesystem rules, or NULL */
};

struct srt_child {
	pid_t pid;
	int pidfd;
	int status_fd; /* read end of bwrap's --json-status-fd */
	struct buf status;
	pid_t sandbox_pid; /* pid 1 of the sandbox (outer pid), 0 until known */
	bool reaped;
	int wait_status;
	struct placeholders *ph;
	int pty_master;
	bool own_pidns; /* bwrap is pid 1 of a namespace of ours */
	struct proxy *proxy;
	int listeners[4]; /* HTTP v4, v6; SOCKS v4, v6 (sandbox side: 3128, 1080) */
	struct host *own_addrs;
	const srt_manager *m; /* for the proxy's log lines */
	struct vstore *violations; /* the manager's */
	struct observer *obs;      /* refused system calls, or NULL */
	srt_ask_fn ask_fn;         /* copied from the manager at spawn */
	void *ask_ud;
	unsigned ask_ms;
	uint64_t vid;              /* this child's id in it */
	char *command;             /* the command line, for violation records */
};

static void mlog(const srt_manager *m, srt_log_level lvl, const char *fmt, ...) SRT_PRINTF(3, 4);
static void mlog(const srt_manager *m, srt_log_level lvl, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	if (!m->log_fn)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0) {
		m->log_fn(lvl, s, m->log_ud);
		free(s);
	}
	va_end(ap);
}

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

SRT_PUBLIC int srt_manager_new(const srt_config *c, srt_manager **ret, srt_error **reterr)
{
	srt_manager *m;
	int r;

	if (!c || !ret)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no config given");
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->s = settings_copy(c->s);
	if (!m->s) {
		free(m);
		return -ENOMEM;
	}
	r = vstore_new(0, &m->violations);
	if (r >= 0)
		r = vstore_set_ignore(m->violations, m->s->ignore_violations,
				      m->s->n_ignore_violations);
	if (r < 0) {
		srt_manager_free(m);
		return srt_error_set(reterr, SRT_E_SYSTEM, r, "out of memory");
	}
	{
		const char *bad = NULL, *reason = NULL;
		struct net_policy np;

		r = net_policy_build(m->s->allowed_domains, m->s->denied_domains, &np, &bad,
				     &reason);
		if (r < 0)
			r = srt_error_set(reterr, SRT_E_CONFIG, r, "network entry '%s': %s",
					  bad ? bad : "?", reason ? reason : "invalid");
		else if ((r = policy_slot_init(&m->policy, &np)) < 0)
			r = srt_error_set(reterr, SRT_E_SYSTEM, r, "out of memory");
		m->allow_listed = m->s->allowed_domains && m->s->allowed_domains[0];
	}
	if (r >= 0)
		r = manager_probe(m, secure_getenv("PATH"), reterr);
	if (r < 0) {
		srt_manager_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

SRT_PUBLIC void srt_manager_set_log_fn(srt_manager *m, srt_log_fn fn, void *userdata)
{
	if (!m)
		return;
	m->log_fn = fn;
	m->log_ud = userdata;
}

SRT_PUBLIC int srt_manager_set_bwrap_path(srt_manager *m, const char *path)
{
	char *c;

	if (!m || !path || !*path)
		return -EINVAL;
	c = strdup(path);
	if (!c)
		return -ENOMEM;
	free(m->bwrap_path);
	m->bwrap_path = c;
	if (m->probed)
		bwrap_info_done(&m->bwrap);
	m->probed = false;
	return manager_probe(m, secure_getenv("PATH"), NULL);
}

SRT_PUBLIC srt_manager *srt_manager_free(srt_manager *m)
{
	if (!m)
		return NULL;
	policy_slot_done(&m->policy);
	settings_free(m->s);
	bwrap_info_done(&m->bwrap);
	free(m->bwrap_path);
	free(m->connect_helper);
	keeper_stop(m->keeper);
	m->violations = vstore_free(m->violations);
	free(m);
	return NULL;
}

SRT_PUBLIC srt_spawn_opts *srt_spawn_opts_new(void)
{
	srt_spawn_opts *o = calloc(1, sizeof(srt_spawn_opts));
	if (o)
		o->pty_terminal = -1;
	return o;
}

SRT_PUBLIC int srt_spawn_opts_set_config(srt_spawn_opts *o, const srt_config *c)
{
	struct srt_settings *copy = NULL;

	if (!o)
		return -EINVAL;
	if (c && !(copy = settings_copy(c->s)))
		return -ENOMEM;
	settings_free(o->fs);
	o->fs = copy;
	return 0;
}

SRT_PUBLIC int srt_spawn_opts_set_fd_limit(srt_spawn_opts *o, unsigned long soft)
{
	if (!o)
		return -EINVAL;
	o->fd_limit = soft;
	return 0;
}

SRT_PUBLIC int srt_spawn_opts_set_pty(srt_spawn_opts *o, int terminal_fd)
{
	if (!o)
		return -EINVAL;
	o->pty = terminal_fd >= 0;
	o->pty_terminal = terminal_fd;
	return 0;
}

/* A new pty pair with the terminal's settings; both ends O_CLOEXEC. */
static int open_pty(int terminal_fd, int *ret_master, int *ret_slave, srt_error **reterr)
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	struct termios tio;
	struct winsize ws;
	char name[128];

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, errno,
				     "cannot create a pseudo-terminal: %s", strerror(errno));
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, errno, "cannot open '%s': %s", name,
				     strerror(errno));
	if (tcgetattr(terminal_fd, &tio) == 0)
		(void)tcsetattr(slave, TCSANOW, &tio);
	if (ioctl(terminal_fd, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

SRT_PUBLIC srt_spawn_opts *srt_spawn_opts_free(srt_spawn_opts *o)
{
	if (o) {
		free(o->cwd);
		strv_free(o->env);
		settings_free(o->fs);
		free(o);
	}
	return NULL;
}

SRT_PUBLIC int srt_spawn_opts_set_cwd(srt_spawn_opts *o, const char *cwd)
{
	char *c;

	if (!o || !cwd || cwd[0] != '/')
		return -EINVAL;
	c = strdup(cwd);
	if (!c)
		return -ENOMEM;
	free(o->cwd);
	o->cwd = c;
	return 0;
}

SRT_PUBLIC int srt_spawn_opts_set_env(srt_spawn_opts *o, char *const envp[])
{
	char **c;

	if (!o || !envp)
		return -EINVAL;
	c = strv_copy(envp);
	if (!c)
		return -ENOMEM;
	strv_free(o->env);
	o->env = c;
	return 0;
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
	_cleanup_free_ char *abs = NULL, *canon = NULL;
	enum node_type t;
	int r;

	r = path_absolute(raw, b->home, b->cwd, &abs);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return srt_error_set(b->reterr, SRT_E_CONFIG, EINVAL,
				     "%s entry '%s' cannot be resolved (is $HOME set?)", what, raw);
	r = path_canonical(abs, &canon, &t);
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
		return 0;
	}
	mlog(b->m, SRT_LOG_DEBUG, "%s %s", what, canon);
	return plan_add(&b->plan, canon, kind, t, what);
}

struct missing {
	char *path;
	enum node_type want;
	const char *content; /* NULL, or PLACEHOLDER_COMMONDIR_SELF */
};

struct scan_ctx {
	struct build *b;
	bool want_missing; /* placeholders for names that do not exist (user write roots only) */
	struct missing *miss;
	size_t n_miss, cap_miss;
};

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
	if (sc->n_miss == sc->cap_miss) {
		size_t nc = sc->cap_miss ? sc->cap_miss * 2 : 32;
		struct missing *nm = realloc(sc->miss, nc * sizeof(*nm));
		if (!nm)
			return -ENOMEM;
		sc->miss = nm;
		sc->cap_miss = nc;
	}
	sc->miss[sc->n_miss].path = strdup(path);
	if (!sc->miss[sc->n_miss].path)
		return -ENOMEM;
	sc->miss[sc->n_miss].want = want;
	sc->miss[sc->n_miss].content =
		streq_ptr(why, MANDATORY_WHY_MISSING_COMMONDIR) ? PLACEHOLDER_COMMONDIR_SELF : NULL;
	sc->n_miss++;
	return 0;
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

static int build_plan(struct build *b)
{
	const struct srt_settings *s = b->fs ? b->fs : b->m->s;
	struct scan_ctx sc = {.b = b};
	struct mandatory_opts mo = {.depth = s->mandatory_deny_search_depth,
				    .allow_git_config = s->allow_git_config};
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

	/* Mandatory denies under every write root (not only the cwd: reference bug S6). */
	for (size_t i = 0; i < b->plan.n; i++) {
		const struct plan_rule *rule = &b->plan.rules[i];
		if (rule->kind != RULE_ALLOW_WRITE || rule->type != NODE_DIR)
			continue;
		if ((r = strv_push(&roots, rule->path)) < 0)
			goto out;
		if (rule->why == WHY_ALLOW_WRITE && (r = strv_push(&user_roots, rule->path)) < 0)
			goto out;
	}
	/* The working directory and the home directory are where shells, git and agents look
	 * for start-up files: when a broad write root covers them (allowWrite ["/"] or ["~"]),
	 * scan them as roots of their own so their protected names get placeholders too. */
	{
		const char *extra[] = {b->cwd, b->home};
		for (size_t k = 0; k < ELEMENTSOF(extra); k++) {
			_cleanup_free_ char *c = NULL;
			enum node_type t;
			if (!extra[k] || path_canonical(extra[k], &c, &t) < 0 || t != NODE_DIR)
				continue;
			if (plan_access(&b->plan, c) == ACCESS_RW && !strv_contains(roots, c))
				if ((r = strv_push(&roots, c)) < 0 ||
				    (r = strv_push(&user_roots, c)) < 0)
					goto out;
		}
	}
	{
		/* One walk of all write roots (fs-scan.h), through the scan cache in the state
		 * directory. srt's own default write paths (npm's log directory, ...) get their
		 * existing dangerous files protected, but no placeholders for names they lack:
		 * a missing path takes the word of the innermost root that holds it. */
		struct fs_scan_opts so = {.mandatory_roots = (const char *const *)roots,
					  .mandatory = mo,
					  .cache_dir = b->state};
		struct fs_scan_result res = {0};

		r = roots ? fs_scan(&so, &res) : 0;
		if (r == -E2BIG)
			r = srt_error_set(b->reterr, SRT_E_UNSUPPORTED, E2BIG,
					  "write root '%s' has more than %d entries within "
					  "mandatoryDenySearchDepth %d; refusing to run with an "
					  "incomplete mandatory-deny scan. Hint: lower "
					  "mandatoryDenySearchDepth or narrow allowWrite",
					  res.failed_at ? res.failed_at : "?",
					  MANDATORY_SCAN_MAX_ENTRIES, mo.depth);
		else if (r < 0)
			r = srt_error_set(b->reterr, SRT_E_SYSTEM, r,
					  "scanning write root '%s' for protected files failed: %s",
					  res.failed_at ? res.failed_at : "?", strerror(-r));
		for (size_t i = 0; r >= 0 && i < res.n_hits; i++) {
			const struct fs_scan_hit *h = &res.hits[i];
			const char *owner = NULL;

			for (size_t k = 0; roots[k]; k++)
				if (path_is_under(h->path, roots[k]) &&
				    (!owner || strlen(roots[k]) > strlen(owner)))
					owner = roots[k];
			sc.want_missing = owner && strv_contains(user_roots, owner);
			r = scan_add(&sc, h->path, h->type, h->want, fs_scan_hit_why(h));
		}
		if (r >= 0)
			mlog(b->m, SRT_LOG_DEBUG,
			     "mandatory-deny scan of %zu write root(s): %ld entries (depth %d)%s, %zu "
			     "paths watched",
			     strv_length(roots), res.entries, mo.depth,
			     res.from_cache ? ", from the scan cache" : res.cacheable ? ", cached" : "",
			     res.n_watched);
		fs_scan_result_free(&res);
		if (r < 0)
			goto out;
	}

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

	/* git's per-user configuration in its XDG place (~/.gitconfig is a protected name of
	 * the home directory's scan): core.hooksPath or core.fsmonitor there run code in every
	 * repository of the user. Also with XDG_CONFIG_HOME as srt sees it (the command may set
	 * another one for itself; the host's git uses the caller's). */
	if (b->home) {
		const char *xdg = getenv("XDG_CONFIG_HOME");
		_cleanup_free_ char *home_cfg = path_join(b->home, ".config/git/config");
		_cleanup_free_ char *xdg_cfg =
			xdg && xdg[0] == '/' ? path_join(xdg, "git/config") : NULL;

		if (!home_cfg || (xdg && xdg[0] == '/' && !xdg_cfg)) {
			r = -ENOMEM;
			goto out;
		}
		r = protect_named_file(b, &sc, home_cfg, "mandatory (git XDG configuration)");
		if (r >= 0 && xdg_cfg && strcmp(xdg_cfg, home_cfg) != 0)
			r = protect_named_file(b, &sc, xdg_cfg, "mandatory (git XDG configuration)");
		if (r < 0)
			goto out;
	}

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
		r = plan_add(&b->plan, p, RULE_DENY_WRITE, sc.miss[i].want, "mandatory (missing)");
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

/* Says what some settings mean on Linux (at each spawn: the log callback is set after
 * srt_manager_new()). Every setting of this version is enforceable. */
static void log_setting_notes(const srt_manager *m)
{
	const struct srt_settings *s = m->s;

	if (s->http_proxy_port)
		mlog(m, SRT_LOG_DEBUG,
		     "network.httpProxyPort: the sandbox's HTTP proxy port relays to the external "
		     "proxy on 127.0.0.1:%u, which does its own filtering",
		     (unsigned)s->http_proxy_port);
	if (s->socks_proxy_port)
		mlog(m, SRT_LOG_DEBUG,
		     "network.socksProxyPort: the sandbox's SOCKS5 port relays to the external "
		     "proxy on 127.0.0.1:%u, which does its own filtering",
		     (unsigned)s->socks_proxy_port);
	if (s->allow_local_binding)
		mlog(m, SRT_LOG_DEBUG,
		     "network.allowLocalBinding: on Linux a sandbox may always bind, and only "
		     "in its own network namespace (see srt-settings(5))");
	if (s->enable_weaker_nested_sandbox)
		mlog(m, SRT_LOG_WARNING,
		     "enableWeakerNestedSandbox: no private /proc (host processes are visible); "
		     "use only inside an unprivileged container");
	if (s->allow_unix_sockets && s->allow_unix_sockets[0])
		mlog(m, SRT_LOG_DEBUG, "network.allowUnixSockets applies to macOS only; on Linux "
				       "use allowAllUnixSockets");
}

/* Ports of srt's proxies inside the sandbox's network namespace (the reference's). */
#define PROXY_HTTP_PORT 3128
#define PROXY_SOCKS_PORT 1080

/* A path that survives both shells GIT_SSH_COMMAND goes through without quoting. */
static bool shell_safe_path(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	for (; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-",
			    *p))
			return false;
	return true;
}

SRT_PUBLIC int srt_manager_set_connect_helper(srt_manager *m, const char *path)
{
	char *copy = NULL;

	if (!m)
		return -EINVAL;
	if (path) {
		if (!shell_safe_path(path))
			return -EINVAL;
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	free(m->connect_helper);
	m->connect_helper = copy;
	return 0;
}

/* The SOCKS5 connect helper for GIT_SSH_COMMAND, or NULL (then the variable is not set). */
/* A helper program of srt's: `name` next to the running executable, in the build tree's
 * layout (../<subdir>/<name>), or in $libexecdir/srt. NULL when there is none (or its path
 * has shell metacharacters). */
static char *find_helper(const char *name, const char *subdir)
{
	_cleanup_free_ char *self = NULL;
	char *dir, *c;

	self = realpath("/proc/self/exe", NULL);
	if (self && (dir = strrchr(self, '/'))) {
		*dir = 0;
		for (int i = 0; i < 2; i++) {
			if ((i == 0 ? asprintf(&c, "%s/%s", self, name)
				    : asprintf(&c, "%s/../%s/%s", self, subdir, name)) < 0)
				return NULL;
			char *real = realpath(c, NULL);
			free(c);
			if (real && access(real, X_OK) == 0 && shell_safe_path(real))
				return real;
			free(real);
		}
	}
	if (asprintf(&c, "%s/%s", SRT_LIBEXECDIR, name) < 0)
		return NULL;
	if (access(c, X_OK) < 0 || !shell_safe_path(c)) {
		free(c);
		c = NULL;
	}
	return c;
}

static char *find_connect_helper(const srt_manager *m)
{
	if (m->connect_helper)
		return access(m->connect_helper, X_OK) == 0 ? strdup(m->connect_helper) : NULL;
	return find_helper("srt-connect", "connect");
}

static void proxy_log(void *ud, const char *line)
{
	srt_child *ch = ud;

	mlog(ch->m, SRT_LOG_DEBUG, "proxy: %s", line);
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

/* Called on the proxy thread for hosts in neither list. */
static void proxy_ask(void *ud, struct srt_ask *ask, const char *host, uint16_t port)
{
	srt_child *ch = ud;

	ch->ask_fn(ask, host, port, ch->ask_ud);
}

SRT_PUBLIC int srt_ask_answer(srt_ask *ask, bool allow)
{
	return proxy_ask_answer(ask, allow);
}

SRT_PUBLIC int srt_manager_get_config_json(srt_manager *m, char **ret)
{
	if (!m || !ret)
		return -EINVAL;
	*ret = settings_to_json(m->s, true);
	return *ret ? 0 : -ENOMEM;
}

SRT_PUBLIC int srt_manager_set_observe_syscalls(srt_manager *m, bool on)
{
	if (!m)
		return -EINVAL;
	m->observe_syscalls = on;
	return 0;
}

SRT_PUBLIC int srt_manager_set_ask_fn(srt_manager *m, srt_ask_fn fn, void *userdata,
				      unsigned timeout_ms)
{
	if (!m)
		return -EINVAL;
	m->ask_fn = fn;
	m->ask_ud = userdata;
	m->ask_ms = timeout_ms;
	return 0;
}

SRT_PUBLIC int srt_manager_update_network(srt_manager *m, const char *const *allowed,
					  const char *const *denied, srt_error **reterr)
{
	_cleanup_strv_free_ char **a = NULL, **d = NULL;
	const char *bad = NULL, *reason = NULL;
	struct net_policy np;
	int r;

	if (!m)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no manager");
	for (int list = 0; list < 2; list++)
		for (const char *const *e = list ? denied : allowed; e && *e; e++)
			if (!domain_pattern_valid(*e, list == 1))
				return srt_error_set(
				    reterr, SRT_E_INVALID_ARGUMENT, EINVAL,
				    "network.%s entry '%s' is not a valid domain pattern (see "
				    "srt-settings(5)); nothing was changed",
				    list ? "deniedDomains" : "allowedDomains", *e);
	a = strv_copy((char *const *)(uintptr_t)allowed);
	d = strv_copy((char *const *)(uintptr_t)denied);
	if ((allowed && !a) || (denied && !d))
		return srt_error_set(reterr, SRT_E_SYSTEM, ENOMEM, "out of memory");
	if (!a && !(a = calloc(1, sizeof(char *))))
		return srt_error_set(reterr, SRT_E_SYSTEM, ENOMEM, "out of memory");
	if (!d && !(d = calloc(1, sizeof(char *))))
		return srt_error_set(reterr, SRT_E_SYSTEM, ENOMEM, "out of memory");
	r = net_policy_build(a, d, &np, &bad, &reason);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, r, "network entry '%s': %s",
				     bad ? bad : "?", reason ? reason : "invalid");
	r = policy_slot_set(&m->policy, &np);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, r, "out of memory");
	strv_free(m->s->allowed_domains);
	strv_free(m->s->denied_domains);
	m->s->allowed_domains = TAKE_PTR(a);
	m->s->denied_domains = TAKE_PTR(d);
	m->allow_listed = m->s->allowed_domains[0] != NULL;
	mlog(m, SRT_LOG_DEBUG, "network lists replaced: %zu allowed, %zu denied entries",
	     strv_length(m->s->allowed_domains), strv_length(m->s->denied_domains));
	return 0;
}

/* Called on the proxy thread for every refused destination. */
static void proxy_deny(void *ud, const struct proxy_denial *d)
{
	srt_child *ch = ud;
	char target[300];

	snprintf(target, sizeof(target), strchr(d->host, ':') ? "[%s]:%u" : "%s:%u", d->host,
		 (unsigned)d->port);
	(void)vstore_add(ch->violations, SRT_VIOLATION_NETWORK, target, d->protocol, d->reason,
			 ch->command, ch->vid);
}

SRT_PUBLIC uint64_t srt_child_violation_count(const srt_child *ch)
{
	return ch ? vstore_total(ch->violations, ch->vid) : 0;
}

SRT_PUBLIC srt_violation *srt_child_first_violation(const srt_child *ch)
{
	return ch ? vstore_first_of(ch->violations, ch->vid) : NULL;
}

SRT_PUBLIC uint64_t srt_child_violation_count_of(const srt_child *ch, srt_violation_kind kind)
{
	return ch ? vstore_total_of(ch->violations, ch->vid, (int)kind) : 0;
}

SRT_PUBLIC srt_violation *srt_child_first_violation_of(const srt_child *ch,
							srt_violation_kind kind)
{
	return ch ? vstore_first_of_kind(ch->violations, ch->vid, (int)kind) : NULL;
}

SRT_PUBLIC int srt_manager_subscribe_violations(srt_manager *m, srt_violation_fn fn,
						void *userdata)
{
	return m ? vstore_subscribe(m->violations, fn, userdata) : -EINVAL;
}

SRT_PUBLIC int srt_manager_unsubscribe_violations(srt_manager *m, int id)
{
	return m ? vstore_unsubscribe(m->violations, id) : -EINVAL;
}

SRT_PUBLIC ssize_t srt_manager_get_violations(srt_manager *m, size_t max, srt_violation **ret)
{
	return m ? vstore_copy(m->violations, max, ret) : -EINVAL;
}

SRT_PUBLIC uint64_t srt_manager_violation_count(srt_manager *m)
{
	return m ? vstore_total(m->violations, 0) : 0;
}

SRT_PUBLIC void srt_manager_clear_violations(srt_manager *m)
{
	if (m)
		vstore_clear(m->violations);
}

/* This host's own addresses: an allowed name resolving to one of them is refused. */
static int own_addresses(struct host **ret, size_t *ret_n)
{
	struct ifaddrs *ifa = NULL;
	struct host *v = NULL;
	size_t n = 0, cap = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		const void *a;
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			a = &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct host *nv = realloc(v, nc * sizeof(*v));
			if (!nv) {
				free(v);
				freeifaddrs(ifa);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		if (host_from_address(i->ifa_addr->sa_family, a, &v[n]) == 0)
			n++;
	}
	freeifaddrs(ifa);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int start_proxy(srt_manager *m, srt_child *ch, srt_error **reterr)
{
	struct proxy_config pc = {
		.slot = &m->policy,
		.ask = ch->ask_fn ? proxy_ask : NULL,
		.ask_ud = ch,
		.ask_timeout_ms = ch->ask_ms,
		.http_fds = {ch->listeners[0], ch->listeners[1]},
		.n_http = 2,
		.socks_fds = {ch->listeners[2], ch->listeners[3]},
		.n_socks = 2,
		.log = proxy_log,
		.log_ud = ch,
		.deny = proxy_deny,
		.deny_ud = ch,
		.http_forward_port = m->s->http_proxy_port,
		.socks_forward_port = m->s->socks_proxy_port,
	};
	size_t n_own = 0;
	int r;

	r = own_addresses(&ch->own_addrs, &n_own);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_PROXY, r,
				     "cannot list this host's addresses: %s", strerror(-r));
	pc.own = ch->own_addrs;
	pc.n_own = n_own;
	r = proxy_start(&pc, &ch->proxy);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_PROXY, r, "cannot start the proxy: %s",
				     strerror(-r));
	mlog(m, SRT_LOG_DEBUG, "proxy: HTTP on 127.0.0.1/[::1]:%d, SOCKS5 on :%d inside the "
			       "sandbox's network namespace",
	     PROXY_HTTP_PORT, PROXY_SOCKS_PORT);
	return 0;
}

static void stop_proxy(srt_child *ch)
{
	ch->proxy = proxy_stop(ch->proxy);
	for (size_t i = 0; i < ELEMENTSOF(ch->listeners); i++)
		if (ch->listeners[i] >= 0) {
			close(ch->listeners[i]);
			ch->listeners[i] = -EBADF;
		}
	free(ch->own_addrs);
	ch->own_addrs = NULL;
}

SRT_PUBLIC int srt_manager_spawn(srt_manager *m, char *const argv[], const srt_spawn_opts *o,
				 srt_child **ret, srt_error **reterr)
{
	_cleanup_strv_free_ char **env = NULL, **bargv = NULL;
	_cleanup_free_ char *cwd = NULL, *exe = NULL, *state = NULL, *home_pw = NULL;
	_cleanup_close_ int args_fd = -EBADF, seccomp_fd = -EBADF, mask_fd = -EBADF;
	_cleanup_close_ int pty_master = -EBADF, pty_slave = -EBADF;
	_cleanup_free_ char *setsid_path = NULL;
	int status_pipe[2] = {-EBADF, -EBADF};
	struct build b = {.m = m, .fs = o ? o->fs : NULL, .reterr = reterr};
	struct mount_op *ops = NULL;
	size_t n_ops = 0, n_masks;
	struct buf args = BUF_INIT;
	struct sandbox_spec spec = {0};
	struct seccomp_policy sp;
	srt_child *ch = NULL;
	bool network;
	_cleanup_free_ char *exec_helper = NULL, *exec_dst = NULL;
	_cleanup_close_ int obs_child = -EBADF, bpf_dup = -EBADF;
	int obs_parent = -EBADF;
	char obs_fdnum[24], bpf_fdnum[24];
	int *fds = NULL;
	pid_t pid;
	int r;

	if (!m || !argv || !argv[0] || !ret)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no command given");
	/* the sandbox gets srt's network namespace and proxy when anything can be reached */
	network = m->allow_listed || m->s->http_proxy_port || m->s->socks_proxy_port || m->ask_fn;

	log_setting_notes(m);

	env = strv_copy(o && o->env ? o->env : environ);
	if (!env)
		return -ENOMEM;

	r = manager_probe(m, env_vector_get(env, "PATH"), reterr);
	if (r < 0)
		return r;
	mlog(m, SRT_LOG_DEBUG, "bubblewrap: %s%s%s", m->bwrap.path,
	     m->bwrap.setuid ? " (setuid)" : "",
	     m->bwrap.disable_userns ? "" : " (no --disable-userns)");
	if (!m->bwrap.disable_userns && !m->s->allow_nested_user_namespaces)
		mlog(m, SRT_LOG_DEBUG, "bubblewrap lacks --disable-userns; nested user namespaces "
				       "are refused by the seccomp filter alone");

	/* The command must exist: fail before building anything (exit 127 in the CLI). */
	r = find_executable(argv[0], env_vector_get(env, "PATH"), &exe);
	if (r == -ENOENT)
		return srt_error_set(reterr, SRT_E_COMMAND_NOT_FOUND, ENOENT,
				     "command not found: '%s'", argv[0]);
	if (r == -EACCES)
		return srt_error_set(reterr, SRT_E_COMMAND_NOT_EXECUTABLE, EACCES,
				     "command not executable: '%s'", argv[0]);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_COMMAND_NOT_FOUND, r, "cannot run '%s': %s",
				     argv[0], strerror(-r));

	if (o && o->cwd) {
		cwd = strdup(o->cwd);
	} else {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return srt_error_set(reterr, SRT_E_SYSTEM, errno,
					     "cannot determine the working directory: %s",
					     strerror(errno));
	}
	if (!cwd)
		return -ENOMEM;
	b.cwd = cwd;
	b.home = env_vector_get(env, "HOME");
	if (!b.home || b.home[0] != '/') {
		struct passwd *pw = getpwuid(geteuid());
		if (pw && pw->pw_dir && pw->pw_dir[0] == '/') {
			home_pw = strdup(pw->pw_dir);
			b.home = home_pw;
		} else {
			b.home = NULL;
		}
	}

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

	/* Refused system calls are reported when srt-exec can install the filter with a
	 * listener (observer.h); without it bwrap installs the same filter, unobserved. */
	exec_helper = m->observe_syscalls ? find_helper("srt-exec", "exec") : NULL;
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
	sp = (struct seccomp_policy){
		.allow_unix_sockets = m->s->allow_all_unix_sockets,
		.allow_nested_userns = m->s->allow_nested_user_namespaces,
		.notify = exec_helper != NULL,
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
		.json_status_fd = 5,
		.first_mask_fd = 6,
	};
	r = bwrap_args_build(&spec, &args);
	if (r < 0)
		goto fail;
	r = args_fd = memfd_with("srt-bwrap-args", args.data, args.len);
	if (r < 0)
		goto fail_sys;
	if (n_masks) {
		r = mask_fd = memfd_with("srt-empty", NULL, 0);
		if (r < 0)
			goto fail_sys;
	}

	fds = calloc(5 + n_masks, sizeof(int));
	if (!fds) {
		r = -ENOMEM;
		goto fail;
	}
	fds[0] = args_fd;
	fds[1] = seccomp_fd;
	fds[2] = status_pipe[1];
	for (size_t i = 0; i < n_masks; i++)
		fds[3 + i] = mask_fd;
	/* after the masks: srt-exec's end of the observer socket, and the filter again (bwrap
	 * consumes fd 4; srt-exec reads with pread, so the shared offset does not matter) */
	if (exec_helper) {
		bpf_dup = fcntl(seccomp_fd, F_DUPFD_CLOEXEC, 3);
		if (bpf_dup < 0) {
			r = -errno;
			goto fail_sys;
		}
	}
	fds[3 + n_masks] = obs_child;
	fds[4 + n_masks] = bpf_dup;
	snprintf(obs_fdnum, sizeof(obs_fdnum), "%zu", 6 + n_masks);
	snprintf(bpf_fdnum, sizeof(bpf_fdnum), "%zu", 7 + n_masks);

	if ((r = strv_push(&bargv, "bwrap")) < 0 || (r = strv_push(&bargv, "--args")) < 0 ||
	    (r = strv_push(&bargv, "3")) < 0 || (r = strv_push(&bargv, "--")) < 0)
		goto fail;
	if (exec_helper &&
	    ((r = strv_push(&bargv, exec_dst)) < 0 || (r = strv_push(&bargv, bpf_fdnum)) < 0 ||
	     (r = strv_push(&bargv, obs_fdnum)) < 0 || (r = strv_push(&bargv, "--")) < 0))
		goto fail;
	if (o && o->pty) {
		/* The command must become a session leader that owns the pty: util-linux
		 * setsid --ctty does exactly setsid() + TIOCSCTTY on stdin, then execs. */
		r = find_executable("setsid", env_vector_get(env, "PATH"), &setsid_path);
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

	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		r = -ENOMEM;
		goto fail;
	}
	ch->m = m;
	ch->violations = m->violations;
	ch->ask_fn = m->ask_fn;
	ch->ask_ud = m->ask_ud;
	ch->ask_ms = m->ask_ms;
	ch->vid = ++m->next_child;
	{
		struct buf cl = BUF_INIT;

		for (size_t i = 0; argv[i]; i++)
			if ((i && buf_puts(&cl, " ") < 0) || buf_puts(&cl, argv[i]) < 0)
				break;
		ch->command = buf_steal(&cl);
	}
	ch->pidfd = -EBADF;
	ch->status_fd = -EBADF;
	ch->pty_master = -EBADF;
	for (size_t i = 0; i < ELEMENTSOF(ch->listeners); i++)
		ch->listeners[i] = -EBADF;

	{
		struct spawn_fds sf = {.src = fds,
				       .n = 3 + n_masks + (exec_helper ? 2 : 0),
				       .stdio = {-1, -1, -1},
				       .nofile = o ? o->fd_limit : 0};
		if (pty_slave >= 0) {
			sf.stdio[0] = sf.stdio[1] = pty_slave;
			if (isatty(STDERR_FILENO))
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
	if (exec_helper) {
		close(TAKE_FD(obs_child)); /* srt-exec's end lives on in the sandbox only */
		r = observer_start(obs_parent, observed, ch, &ch->obs);
		if (r < 0) {
			/* without its observer the filter fails refused calls with ENOSYS instead
			 * of EPERM: still refused; only the report is lost */
			close(obs_parent);
			mlog(m, SRT_LOG_WARNING, "cannot start the system-call observer: %s",
			     strerror(-r));
		}
		obs_parent = -EBADF;
	}
	ch->status_fd = TAKE_FD(status_pipe[0]);
	(void)fcntl(ch->status_fd, F_SETFL, O_NONBLOCK);
	ch->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ch->ph = TAKE_PTR(b.ph);
	ch->pty_master = TAKE_FD(pty_master);
	*ret = TAKE_PTR(ch);
	r = 0;
	goto out;

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
	if (status_pipe[0] >= 0)
		close(status_pipe[0]);
	if (status_pipe[1] >= 0)
		close(status_pipe[1]);
	free(fds);
	buf_free(&args);
	mount_ops_free(ops, n_ops);
	plan_free(&b.plan);
	placeholders_close(b.ph);
	return r;
}

SRT_PUBLIC pid_t srt_child_pid(const srt_child *ch)
{
	return ch ? ch->pid : -1;
}

SRT_PUBLIC int srt_child_pidfd(const srt_child *ch)
{
	return ch ? ch->pidfd : -EBADF;
}

SRT_PUBLIC int srt_child_pty_fd(const srt_child *ch)
{
	return ch && ch->pty_master >= 0 ? ch->pty_master : -1;
}

SRT_PUBLIC int srt_child_resize(srt_child *ch, int terminal_fd)
{
	struct winsize ws;

	if (!ch || ch->pty_master < 0)
		return -EINVAL;
	if (ioctl(terminal_fd, TIOCGWINSZ, &ws) < 0 || ioctl(ch->pty_master, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
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

SRT_PUBLIC int srt_child_kill(srt_child *ch, int sig)
{
	if (!ch || sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (ch->reaped)
		return -ESRCH;
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

static int reap(srt_child *ch)
{
	while (!ch->reaped) {
		int st;
		pid_t p = waitpid(ch->pid, &st, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ch->reaped = true;
		ch->wait_status = st;
	}
	return 0;
}

SRT_PUBLIC int srt_child_wait(srt_child *ch, int *ret_status, srt_error **reterr)
{
	const char *p;
	int r;

	if (!ch || !ret_status)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no child given");
	r = reap(ch);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, r, "waitpid: %s", strerror(-r));
	if (ch->status_fd >= 0)
		(void)fcntl(ch->status_fd, F_SETFL, 0); /* bwrap is gone: read to EOF */
	status_drain(ch);
	stop_proxy(ch);
	ch->obs = observer_stop(ch->obs);
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

SRT_PUBLIC srt_child *srt_child_free(srt_child *ch)
{
	if (!ch)
		return NULL;
	if (!ch->reaped) {
		(void)kill(ch->pid, SIGKILL);
		(void)reap(ch);
	}
	if (ch->status_fd >= 0)
		close(ch->status_fd);
	if (ch->pidfd >= 0)
		close(ch->pidfd);
	if (ch->pty_master >= 0)
		close(ch->pty_master);
	stop_proxy(ch);
	ch->obs = observer_stop(ch->obs);
	placeholders_close(ch->ph);
	buf_free(&ch->status);
	free(ch->command);
	free(ch);
	return NULL;
}
