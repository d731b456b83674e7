/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt_manager and srt_child: from settings to a running sandbox.
 *
 * This file is the platform-independent part: settings, the environment filter, the command's
 * lookup in PATH, working and home directory, the git configurations whose includes are
 * protected, the proxy, violations, waiting and signals. The sandbox itself is built and run by
 * the platform backend (backend.h), chosen at compile time: on Linux linux/backend-linux.c
 * (mandatory-deny scan, placeholders, mount plan, seccomp, bwrap), on macOS
 * macos/seatbelt-exec.c (Seatbelt profile, sandbox-exec).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srt-build-config.h"
#include "backend.h"
#include "config.h"
#include "git-includes.h"
#include "launch-proto.h"
#include "manager-internal.h"
#ifdef __linux__
#include "linux/placeholders.h"
#include "linux/wrap.h"
#endif
#include "net/domain-match.h"
#include "net/proxy-env.h"
#include "env-filter.h"
#include "net/policy-slot.h"
#include "net/proxy.h"
#include <ifaddrs.h>
#include <netinet/in.h>
#include "path-resolve.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/strv.h"
#include "shared/text.h"
#include "violations.h"

extern char **environ;

/* srt's own PATH, not trusted in a setuid or setgid program (none of srt's is: defence in
 * depth for an embedder). secure_getenv() is glibc's; issetugid() is the BSD and macOS one. */
static const char *path_env(void)
{
#ifdef __linux__
	return secure_getenv("PATH");
#else
	extern int issetugid(void); /* <unistd.h> on macOS and the BSDs */

	return issetugid() ? NULL : getenv("PATH");
#endif
}

void mlog(const srt_manager *m, srt_log_level lvl, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	if (!m->log_fn)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0) {
		/* paths in messages may be hostile-chosen names (shared/text.h) */
		char *safe = text_terminal_safe(s);

		if (safe)
			m->log_fn(lvl, safe, m->log_ud);
		free(safe);
		free(s);
	}
	va_end(ap);
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
	m->backend = &backend_current;
	pthread_mutex_init(&m->spawn_lock, NULL);
	pthread_mutex_init(&m->wrap_lock, NULL);
	m->s = settings_copy(c->s);
	if (!m->s) {
		pthread_mutex_destroy(&m->spawn_lock);
		pthread_mutex_destroy(&m->wrap_lock);
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
		r = m->backend->probe(m, path_env(), reterr);
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
	if (!m || !path || !*path)
		return -EINVAL;
	return m->backend->set_bwrap_path(m, path);
}

SRT_PUBLIC srt_manager *srt_manager_free(srt_manager *m)
{
	if (!m)
		return NULL;
#ifdef __linux__
	/* first: its threads spawn and wait through this manager */
	wrap_server_free(m->wrap);
#endif
	policy_slot_done(&m->policy);
	settings_free(m->s);
	free(m->connect_helper);
	free(m->exec_helper);
	m->backend->manager_free(m);
	m->violations = vstore_free(m->violations);
	pthread_mutex_destroy(&m->spawn_lock);
	pthread_mutex_destroy(&m->wrap_lock);
	free(m);
	return NULL;
}

SRT_PUBLIC srt_spawn_opts *srt_spawn_opts_new(void)
{
	srt_spawn_opts *o = calloc(1, sizeof(srt_spawn_opts));
	if (o)
		o->pty_terminal = o->stdio[0] = o->stdio[1] = o->stdio[2] = -1;
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

SRT_PUBLIC int srt_spawn_opts_set_stdio(srt_spawn_opts *o, int in_fd, int out_fd, int err_fd)
{
	int fds[3] = {in_fd, out_fd, err_fd};

	if (!o)
		return -EINVAL;
	for (int k = 0; k < 3; k++)
		if (fds[k] < -1 || (fds[k] >= 0 && fcntl(fds[k], F_GETFD) < 0))
			return -EBADF;
	memcpy(o->stdio, fds, sizeof(fds));
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
int open_pty(int terminal_fd, int *ret_master, int *ret_slave, srt_error **reterr)
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

SRT_PUBLIC int srt_manager_set_exec_helper(srt_manager *m, const char *path)
{
	char *copy = NULL;

	if (!m || (path && (path[0] != '/' || access(path, X_OK) < 0)))
		return -EINVAL;
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	free(m->exec_helper);
	m->exec_helper = copy;
	return 0;
}

/* A helper program of srt's: `name` next to the running executable, in the build tree's
 * layout (../<subdir>/<name>) from the executable or from the loaded libsrt (a program
 * embedding the library from the build tree), or in $libexecdir/srt. NULL when there is none
 * (or its path has shell metacharacters). */
char *find_helper(const char *name, const char *subdir)
{
	Dl_info info;
	char *c;

	for (int base = 0; base < 2; base++) {
		_cleanup_free_ char *self = NULL;
		char *dir;

		if (base == 0)
			self = realpath("/proc/self/exe", NULL);
		else if (dladdr((void *)find_helper, &info) && info.dli_fname &&
			 info.dli_fname[0] == '/')
			self = realpath(info.dli_fname, NULL);
		if (!self || !(dir = strrchr(self, '/')))
			continue;
		*dir = 0;
		for (int i = base; i < 2; i++) {
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

/* The SOCKS5 connect helper for GIT_SSH_COMMAND, or NULL (then the variable is not set). */
char *find_connect_helper(const srt_manager *m)
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

SRT_PUBLIC int srt_manager_set_observe_files(srt_manager *m, bool on)
{
	if (!m)
		return -EINVAL;
	m->observe_files = on;
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

int start_proxy(srt_manager *m, srt_child *ch, srt_error **reterr)
{
	struct proxy_config pc = {
		.slot = &m->policy,
		.ask = ch->ask_fn ? proxy_ask : NULL,
		.ask_ud = ch,
		.ask_timeout_ms = ch->ask_ms,
		.log = proxy_log,
		.log_ud = ch,
		.deny = proxy_deny,
		.deny_ud = ch,
		.http_forward_port = m->s->http_proxy_port,
		.socks_forward_port = m->s->socks_proxy_port,
	};
	size_t n_own = 0;
	int r;

	/* ch->listeners: HTTP v4, v6; SOCKS v4, v6; a backend may leave some out (-EBADF) */
	for (size_t i = 0; i < 4; i++) {
		if (ch->listeners[i] < 0)
			continue;
		if (i < 2)
			pc.http_fds[pc.n_http++] = ch->listeners[i];
		else
			pc.socks_fds[pc.n_socks++] = ch->listeners[i];
	}
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

/* The command's environment: caller_env through the "environment" settings. The names (never
 * the values) of what was removed are logged at debug level. */
static int filter_environment(const srt_manager *m, char *const *caller_env, char ***ret)
{
	const struct env_filter f = {
	    .drop_secrets = m->s->env_drop_secrets,
	    .drop = m->s->env_drop,
	    .keep = m->s->env_keep,
	};
	_cleanup_strv_free_ char **dropped = NULL;
	struct buf names = BUF_INIT;
	size_t n;
	int r;

	r = env_filter_apply(&f, caller_env, ret, &dropped);
	if (r < 0 || !env_filter_active(&f))
		return r;
	n = strv_length(dropped);
	/* the names are the caller's, but a log line must not carry terminal sequences */
	for (size_t i = 0; i < n && names.len < 4096; i++) {
		char esc[1024]; /* a longer name is cut, marked "..." */

		violation_escape(dropped[i], esc, sizeof(esc));
		buf_printf(&names, "%s%s", i ? " " : "", esc);
	}
	if (names.len >= 4096)
		buf_printf(&names, " ...");
	mlog(m, SRT_LOG_DEBUG, "environment: %zu variable%s removed%s%s", n, n == 1 ? "" : "s",
	     n ? ": " : "", n && names.data ? names.data : "");
	buf_free(&names);
	return 0;
}

static int manager_spawn(srt_manager *m, char *const argv[], const srt_spawn_opts *o,
			 srt_child **ret, srt_error **reterr)
{
	_cleanup_strv_free_ char **env = NULL, **caller_env = NULL;
	_cleanup_strv_free_ char **git_configs = NULL, **git_named = NULL;
	_cleanup_free_ char *cwd = NULL, *exe = NULL, *home_pw = NULL;
	struct backend_spawn bs = {.m = m, .o = o, .argv = argv};
	const char *tmpdir;
	srt_child *ch = NULL;
	bool network;
	int r;

	if (!m || !argv || !argv[0] || !ret)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no command given");
	/* the sandbox gets srt's network namespace and proxy when anything can be reached */
	network = m->allow_listed || m->s->http_proxy_port || m->s->socks_proxy_port || m->ask_fn;

	log_setting_notes(m);

	/* srt reads PATH and HOME from the caller's environment as given; the command gets it
	 * filtered ("environment" settings), with srt's own variables added after that */
	caller_env = strv_copy(o && o->env ? o->env : environ);
	if (!caller_env)
		return -ENOMEM;
	r = filter_environment(m, caller_env, &env);
	if (r < 0)
		return r;

	r = m->backend->probe(m, env_vector_get(caller_env, "PATH"), reterr);
	if (r < 0)
		return r;

	/* The command must exist: fail before building anything (exit 127 in the CLI). */
	r = find_executable(argv[0], env_vector_get(caller_env, "PATH"), &exe);
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
	bs.cwd = cwd;
	bs.home = env_vector_get(caller_env, "HOME");
	if (!bs.home || bs.home[0] != '/') {
		struct passwd *pw = getpwuid(geteuid());
		if (pw && pw->pw_dir && pw->pw_dir[0] == '/') {
			home_pw = strdup(pw->pw_dir);
			bs.home = home_pw;
		} else {
			bs.home = NULL;
		}
	}
	tmpdir = env_vector_get(caller_env, "TMPDIR");

	/* git's configuration files outside repositories: every backend protects what they
	 * include (the Linux backend adds the repositories its scan finds) */
	r = git_config_files(bs.home, cwd, &git_configs, &git_named);
	if (r < 0)
		return r;

	bs.settings = m->s;
	bs.fs = o && o->fs ? o->fs : m->s;
	bs.tmpdir = tmpdir && tmpdir[0] == '/' ? tmpdir : NULL;
	bs.exe = exe;
	bs.network = network;
	bs.caller_env = caller_env;
	bs.envp = env;
	bs.git_configs = git_configs;
	bs.git_named = git_named;
	r = m->backend->spawn(&bs, &ch, reterr);
	if (r < 0)
		return r;
	r = m->backend->monitor_start(ch, reterr);
	if (r < 0) {
		srt_child_free(ch); /* kills the sandbox: fail closed */
		return r;
	}
	*ret = ch;
	return 0;
}

/* A new child record of m for the command argv (backend.h: spawn). */
srt_child *child_new(srt_manager *m, char *const argv[])
{
	srt_child *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
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
	ch->mon_listener = ch->mon_fifo = -EBADF;
	for (size_t i = 0; i < ELEMENTSOF(ch->listeners); i++)
		ch->listeners[i] = -EBADF;
	return ch;
}

SRT_PUBLIC srt_landlock_level srt_child_landlock(const srt_child *ch, const char **description)
{
	if (description)
		*description = ch && ch->landlock_text ? ch->landlock_text : "";
	return ch ? ch->landlock : SRT_LANDLOCK_NONE;
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

SRT_PUBLIC int srt_child_kill(srt_child *ch, int sig)
{
	if (!ch || sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (ch->reaped)
		return -ESRCH;
	return ch->m->backend->kill(ch, sig);
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
	int r;

	if (!ch || !ret_status)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no child given");
	r = reap(ch);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, r, "waitpid: %s", strerror(-r));
	stop_proxy(ch);
	ch->m->backend->monitor_stop(ch);
	return ch->m->backend->exit_status(ch, ret_status, reterr);
}

SRT_PUBLIC srt_child *srt_child_free(srt_child *ch)
{
	if (!ch)
		return NULL;
	if (!ch->reaped) {
		(void)kill(ch->pid, SIGKILL);
		(void)reap(ch);
	}
	if (ch->pty_master >= 0)
		close(ch->pty_master);
	stop_proxy(ch);
	ch->m->backend->monitor_stop(ch);
	ch->m->backend->child_free(ch);
	free(ch->command);
	free(ch->landlock_text);
	free(ch);
	return NULL;
}

SRT_PUBLIC int srt_manager_spawn(srt_manager *m, char *const argv[], const srt_spawn_opts *o,
				 srt_child **ret, srt_error **reterr)
{
	int r;

	if (!m)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no manager given");
	pthread_mutex_lock(&m->spawn_lock);
	r = manager_spawn(m, argv, o, ret, reterr);
	pthread_mutex_unlock(&m->spawn_lock);
	return r;
}

static srt_spawn_opts *spawn_opts_copy(const srt_spawn_opts *o)
{
	srt_spawn_opts *c = srt_spawn_opts_new();

	if (!c || !o)
		return c;
	c->pty_terminal = o->pty_terminal;
	c->pty = o->pty;
	c->fd_limit = o->fd_limit;
	memcpy(c->stdio, o->stdio, sizeof(c->stdio));
	if ((o->cwd && !(c->cwd = strdup(o->cwd))) || (o->env && !(c->env = strv_copy(o->env))) ||
	    (o->fs && !(c->fs = settings_copy(o->fs))))
		return srt_spawn_opts_free(c);
	return c;
}

#ifdef __linux__ /* for the wrap server (linux/wrap.h) */
int spawn_opts_for_launch(const srt_spawn_opts *base, const char *cwd, char **env,
			  const int stdio[3], srt_spawn_opts **ret)
{
	srt_spawn_opts *o = spawn_opts_copy(base);

	if (!o)
		return -ENOMEM;
	memcpy(o->stdio, stdio, sizeof(o->stdio));
	/* a pty is the launcher's business (it has the terminal): not offered through wrap */
	o->pty = false;
	o->pty_terminal = -1;
	if ((!o->cwd && cwd && !(o->cwd = strdup(cwd))) || (!o->env && env && !(o->env = strv_copy(env)))) {
		srt_spawn_opts_free(o);
		return -ENOMEM;
	}
	*ret = o;
	return 0;
}
#endif

SRT_PUBLIC int srt_manager_wrap(srt_manager *m, char *const argv[], const srt_spawn_opts *o,
				char ***ret_argv, srt_error **reterr)
{
	_cleanup_free_ char *launcher = NULL, *state = NULL;
	_cleanup_strv_free_ char **v = NULL;
	char token[LAUNCH_TOKEN_LEN + 1];
	srt_spawn_opts *copy;
	int r;

	if (!m || !argv || !argv[0] || !ret_argv)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no command given");
	if (o && o->pty)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL,
				     "a wrapped command line runs on the descriptors it is started "
				     "with; a pty is not offered (use srt_manager_spawn())");
#ifndef __linux__
	/* the wrap server (linux/wrap.c) checks its peer with SO_PEERCRED: Linux only so far */
	(void)launcher, (void)state, (void)v, (void)token, (void)copy, (void)r;
	(void)spawn_opts_copy;
	return srt_error_set(reterr, SRT_E_UNSUPPORTED, EOPNOTSUPP,
			     "wrapped command lines (srt_manager_wrap()) are not available on "
			     "this platform yet; use srt_manager_spawn()");
#else
	launcher = find_helper("srt-launch", "launch");
	if (!launcher)
		return srt_error_set(reterr, SRT_E_DEPENDENCY, ENOENT,
				     "the srt-launch helper was not found (looked next to this "
				     "program and in %s); it is installed with libsrt",
				     SRT_LIBEXECDIR);
	pthread_mutex_lock(&m->wrap_lock);
	if (!m->wrap) {
		r = state_dir_ensure(&state, reterr);
		if (r >= 0)
			r = wrap_server_new(m, state, &m->wrap, reterr);
		if (r < 0) {
			pthread_mutex_unlock(&m->wrap_lock);
			return r;
		}
	}
	pthread_mutex_unlock(&m->wrap_lock);
	copy = o ? spawn_opts_copy(o) : NULL;
	if (o && !copy)
		return -ENOMEM;
	r = wrap_server_add(m->wrap, copy, token);
	if (r < 0) {
		srt_spawn_opts_free(copy);
		return srt_error_set(reterr, r == -EAGAIN ? SRT_E_INVALID_ARGUMENT : SRT_E_SYSTEM, -r,
				     r == -EAGAIN ? "too many wrapped command lines not started yet"
						  : "cannot make a launch token: %s",
				     strerror(-r));
	}
	if ((r = strv_push(&v, launcher)) < 0 || (r = strv_push(&v, wrap_server_socket(m->wrap))) < 0 ||
	    (r = strv_push(&v, token)) < 0 || (r = strv_push(&v, "--")) < 0 ||
	    (r = strv_extend(&v, argv)) < 0)
		return r;
	*ret_argv = TAKE_PTR(v);
	return 0;
#endif
}

SRT_PUBLIC char **srt_strv_free(char **v)
{
	return strv_free(v);
}

SRT_PUBLIC char *srt_shell_quote(char *const argv[])
{
	struct buf b = BUF_INIT;

	if (!argv)
		return NULL;
	for (size_t i = 0; argv[i]; i++) {
		bool plain = argv[i][0] != '\0';

		for (const char *c = argv[i]; *c && plain; c++)
			plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				       "_-./=:,+@%", *c) != NULL;
		if (i && buf_puts(&b, " ") < 0)
			goto fail;
		if (plain) {
			if (buf_puts(&b, argv[i]) < 0)
				goto fail;
			continue;
		}
		if (buf_puts(&b, "'") < 0)
			goto fail;
		for (const char *c = argv[i]; *c; c++)
			if ((*c == '\'' ? buf_puts(&b, "'\\''") : buf_append(&b, c, 1)) < 0)
				goto fail;
		if (buf_puts(&b, "'") < 0)
			goto fail;
	}
	if (buf_reserve(&b, 1) < 0)
		goto fail;
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

SRT_PUBLIC int srt_manager_get_proxy_ports(const srt_manager *m, uint16_t *ret_http,
					   uint16_t *ret_socks)
{
	bool network;

	if (!m)
		return -EINVAL;
	network = m->allow_listed || m->s->http_proxy_port || m->s->socks_proxy_port || m->ask_fn;
	if (ret_http)
		*ret_http = network ? PROXY_HTTP_PORT : 0;
	if (ret_socks)
		*ret_socks = network ? PROXY_SOCKS_PORT : 0;
	return network ? 1 : 0;
}
