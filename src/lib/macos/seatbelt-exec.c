/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macOS only (meson builds this file when host_machine.system() is 'darwin'): the macOS
 * backend (backend.h, backend_macos). For one command it starts srt's proxy on the host's
 * loopback (no network namespace on macOS), builds the profile (seatbelt-prepare.c, portable
 * and tested on Linux), runs `sandbox-exec -p PROFILE -- COMMAND...` with posix_spawn, and
 * runs `log stream` for the violation monitor, whose output goes through the pure parser
 * (sandbox-log.c).
 *
 * NOT RUN ON A MAC. It uses POSIX interfaces only, plus POSIX_SPAWN_CLOEXEC_DEFAULT (an Apple
 * extension, documented in posix_spawnattr_setflags(3) on macOS) where it exists; the Linux
 * test suite compiles it with -fsyntax-only so that it keeps up with the interfaces it uses
 * (tests/unit/meson.build), nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "macos/sandbox-log.h"
#include "macos/seatbelt-prepare.h"
#include "macos/seatbelt-profile.h"
#include "manager-internal.h"
#include "net/proxy-env.h"
#include "path-resolve.h"
#include "shared/cleanup.h"
#include "shared/compat.h"
#include "shared/strv.h"
#include "violations.h"

static int macos_probe(srt_manager *m, const char *path_env, srt_error **reterr)
{
	(void)m;
	(void)path_env;
	if (access(SEATBELT_EXEC, X_OK) < 0)
		return srt_error_set(reterr, SRT_E_DEPENDENCY, errno,
				     "%s is not available (%s): srt needs macOS's built-in Seatbelt "
				     "sandbox",
				     SEATBELT_EXEC, strerror(errno));
	return 0;
}

/* Seatbelt compares real paths (/tmp is /private/tmp): resolve the longest existing prefix. */
static int canonical(const char *abs, char **ret)
{
	enum node_type t;

	return path_canonical(abs, ret, &t);
}

static int spawn_with(const char *path, char *const argv[], char *const envp[], const int fds[3],
		      pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	int r;

	r = posix_spawn_file_actions_init(&fa);
	if (r != 0)
		return -r;
	r = posix_spawnattr_init(&attr);
	if (r != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	for (int i = 0; i < 3 && r == 0; i++)
		r = posix_spawn_file_actions_adddup2(&fa, fds[i], i);
#ifdef POSIX_SPAWN_CLOEXEC_DEFAULT
	/* every descriptor but 0-2 closed in the child, whatever its flags */
	flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
#endif
	sigemptyset(&none);
	if (r == 0)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0) {
		sigset_t all;
		sigfillset(&all);
		sigdelset(&all, SIGKILL);
		sigdelset(&all, SIGSTOP);
		r = posix_spawnattr_setsigdefault(&attr, &all);
	}
	if (r == 0)
		r = posix_spawnattr_setflags(&attr, flags);
	if (r == 0)
		r = posix_spawn(ret_pid, path, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

/* A non-blocking listening TCP socket on 127.0.0.1 with a port of the kernel's choice. */
static int loopback_listener(uint16_t *ret_port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd, r;

	/* close-on-exec, non-blocking, no SIGPIPE (compat.h) */
	fd = compat_socket_nonblock(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_port = ntohs(a.sin_port);
	return fd;
}

/* The session part of the tag: random, so that the log monitor of one child never takes
 * another's (or another srt's) reports. */
static uint64_t new_session(void)
{
	uint64_t v = 0;

	if (compat_random_bytes(&v, sizeof(v)) < 0 || v == 0)
		v = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	return v;
}

struct backend_monitor {
	pid_t pid;
	int fd;
	pthread_t thread;
	struct sblog_monitor parser;
	uint64_t session;
};

static int macos_spawn(const struct backend_spawn *s, srt_child **ret, srt_error **reterr)
{
	srt_manager *m = s->m;
	_cleanup_strv_free_ char **env = strv_copy(s->envp);
	_cleanup_free_ char *profile = NULL;
	const char **argv = NULL;
	uint16_t http_port = 0, socks_port = 0;
	int fds[3] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
	srt_child *ch;
	uint64_t session = new_session();
	pid_t pid;
	int r;

	if (!env)
		return -ENOMEM;
	if (s->o && s->o->pty)
		/* docs/macos.md: a pty of its own, or allowPty on the caller's terminal would
		 * allow TIOCSTI; not written yet */
		return srt_error_set(reterr, SRT_E_UNSUPPORTED, EOPNOTSUPP,
				     "a pty for the command is not available on macOS yet");
	ch = child_new(m, s->argv);
	if (!ch)
		return -ENOMEM;
	if (s->network) {
		/* ch->listeners: HTTP v4, v6; SOCKS v4, v6 (start_proxy() skips the missing) */
		r = ch->listeners[0] = loopback_listener(&http_port);
		if (r >= 0)
			r = ch->listeners[2] = loopback_listener(&socks_port);
		if (r < 0) {
			r = srt_error_set(reterr, SRT_E_PROXY, -r,
					  "cannot listen on the loopback for the proxy: %s",
					  strerror(-r));
			goto fail;
		}
		r = start_proxy(m, ch, reterr);
		if (r < 0)
			goto fail;
		_cleanup_free_ char *helper = find_connect_helper(m);
		r = proxy_env_apply(&env, http_port, socks_port, helper);
		if (r < 0)
			goto fail;
	}
	r = env_vector_set(&env, "SANDBOX_RUNTIME", "1");
	if (r < 0)
		goto fail;
	r = seatbelt_prepare(s, canonical, http_port, socks_port, session, ch->vid, &profile,
			     reterr);
	if (r < 0)
		goto fail;
	argv = seatbelt_exec_argv(profile, s->argv);
	if (!argv) {
		r = -ENOMEM;
		goto fail;
	}
	for (int i = 0; s->o && i < 3; i++)
		if (s->o->stdio[i] >= 0)
			fds[i] = s->o->stdio[i];
	/* posix_spawn's argv is char *const[]; nothing writes through it */
	r = spawn_with(SEATBELT_EXEC, (char *const *)(uintptr_t)argv, env, fds, &pid);
	free(argv);
	if (r < 0) {
		r = srt_error_set(reterr, SRT_E_SPAWN, -r, "cannot run %s: %s", SEATBELT_EXEC,
				  strerror(-r));
		goto fail;
	}
	ch->pid = pid;
	ch->monitor = calloc(1, sizeof(*ch->monitor));
	if (ch->monitor) {
		ch->monitor->pid = -1;
		ch->monitor->fd = -1;
		ch->monitor->session = session;
	}
	ch->landlock = SRT_LANDLOCK_NONE;
	ch->landlock_text = strdup("none (Landlock is Linux's)");
	*ret = ch;
	return 0;
fail:
	ch->reaped = true; /* nothing was started */
	srt_child_free(ch);
	return r;
}

static void *monitor_main(void *arg)
{
	struct backend_monitor *mon = arg;
	char buf[8192];

	for (;;) {
		ssize_t n = read(mon->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sblog_monitor_feed(&mon->parser, buf, (size_t)n) < 0)
			break;
	}
	sblog_monitor_finish(&mon->parser);
	return NULL;
}

/* `log stream` for this child's session tag, read on a thread of its own. */
static int macos_monitor_start(srt_child *ch, srt_error **reterr)
{
	struct backend_monitor *mon = ch->monitor;
	_cleanup_strv_free_ char **argv = NULL;
	int pipefd[2] = {-1, -1}, devnull = -1, r;

	(void)reterr; /* the monitor only reports: Seatbelt enforces without it */
	if (!mon)
		return 0;
	argv = seatbelt_log_argv(mon->session);
	if (!argv) {
		r = -ENOMEM;
		goto fail;
	}
	sblog_monitor_init(&mon->parser, mon->session, sblog_record_violation, ch->violations);
	if (pipe(pipefd) < 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		r = -errno;
		goto fail;
	}
	r = spawn_with(SEATBELT_LOG, argv, (char *const[]){NULL},
		       (const int[3]){devnull, pipefd[1], devnull}, &mon->pid);
	if (r < 0)
		goto fail;
	close(pipefd[1]);
	pipefd[1] = -1;
	close(devnull);
	devnull = -1;
	mon->fd = pipefd[0];
	r = -pthread_create(&mon->thread, NULL, monitor_main, mon);
	if (r < 0) {
		kill(mon->pid, SIGKILL);
		waitpid(mon->pid, NULL, 0);
		close(mon->fd);
		mon->pid = mon->fd = -1;
		goto fail_logged;
	}
	return 0;
fail:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (devnull >= 0)
		close(devnull);
fail_logged:
	mlog(ch->m, SRT_LOG_WARNING, "cannot start the violation monitor (%s): %s", SEATBELT_LOG,
	     strerror(-r));
	return 0;
}

static void macos_monitor_stop(srt_child *ch)
{
	struct backend_monitor *mon = ch->monitor;

	if (!mon || mon->pid <= 0)
		return;
	kill(mon->pid, SIGTERM);
	pthread_join(mon->thread, NULL);
	while (waitpid(mon->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(mon->fd);
	mon->pid = mon->fd = -1;
}

/* sandbox-exec executes the command in its own process: the pid is the command's. */
static int macos_kill(srt_child *ch, int sig)
{
	return kill(ch->pid, sig) < 0 ? -errno : 0;
}

static int macos_exit_status(srt_child *ch, int *ret_status, srt_error **reterr)
{
	(void)reterr;
	if (WIFSIGNALED(ch->wait_status))
		*ret_status = 128 + WTERMSIG(ch->wait_status);
	else
		*ret_status = WIFEXITED(ch->wait_status) ? WEXITSTATUS(ch->wait_status) : 125;
	return 0;
}

static void macos_child_free(srt_child *ch)
{
	free(ch->monitor);
	ch->monitor = NULL;
}

static void macos_manager_free(srt_manager *m)
{
	(void)m;
}

static int macos_set_bwrap_path(srt_manager *m, const char *path)
{
	(void)m;
	(void)path;
	return -EOPNOTSUPP;
}

const struct backend_ops backend_macos = {
    .name = "macos-seatbelt",
    .probe = macos_probe,
    .spawn = macos_spawn,
    .monitor_start = macos_monitor_start,
    .monitor_stop = macos_monitor_stop,
    .kill = macos_kill,
    .exit_status = macos_exit_status,
    .child_free = macos_child_free,
    .manager_free = macos_manager_free,
    .set_bwrap_path = macos_set_bwrap_path,
};
