/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macOS only (meson builds this file when host_machine.system() is 'darwin'): the glue between
 * the pure profile generator and the system. It canonicalises paths, runs
 * `sandbox-exec -p PROFILE -- COMMAND...` with posix_spawn, and runs `log stream` for the
 * violation monitor, whose output goes through the pure parser (sandbox-log.c).
 *
 * NOT RUN ON A MAC. It uses POSIX interfaces only, plus POSIX_SPAWN_CLOEXEC_DEFAULT (an Apple
 * extension) where it exists; the Linux test suite compiles it with -fsyntax-only so that it
 * keeps up with the interfaces it uses (tests/unit/meson.build), nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "macos/sandbox-log.h"
#include "macos/seatbelt-profile.h"
#include "path-resolve.h"
#include "shared/cleanup.h"
#include "shared/strv.h"
#include "violations.h"

static int macos_probe(char **ret_reason)
{
	if (access(SEATBELT_EXEC, X_OK) < 0) {
		int r = -errno;
		if (ret_reason)
			*ret_reason = strdup(SEATBELT_EXEC " is not available: srt needs macOS's "
							   "built-in Seatbelt sandbox");
		return r;
	}
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

static int macos_spawn(const struct backend_spawn *s, pid_t *ret_pid, char **ret_reason)
{
	struct seatbelt_rules *rules = NULL;
	struct seatbelt_params p = {0};
	char tag[SEATBELT_TAG_MAX + 1];
	_cleanup_free_ char *profile = NULL;
	const char **argv = NULL;
	int r;

	r = seatbelt_tag(s->session, s->child, tag, sizeof(tag));
	if (r < 0)
		return r;
	r = seatbelt_rules_from_settings(s->settings, s->home, s->cwd, s->tmpdir, canonical, &rules,
					 ret_reason);
	if (r < 0)
		return r;
	seatbelt_rules_params(rules, &p);
	p.http_port = s->http_port;
	p.socks_port = s->socks_port;
	p.tag = tag;
	r = seatbelt_profile(&p, &profile, ret_reason);
	seatbelt_rules_free(rules);
	if (r < 0)
		return r;
	argv = seatbelt_exec_argv(profile, s->argv);
	if (!argv)
		return -ENOMEM;
	/* posix_spawn's argv is char *const[]; nothing writes through it */
	r = spawn_with(SEATBELT_EXEC, (char *const *)(uintptr_t)argv, s->envp, s->fds, ret_pid);
	free(argv);
	return r;
}

struct backend_monitor {
	pid_t pid;
	int fd;
	pthread_t thread;
	struct sblog_monitor parser;
};

static void *monitor_main(void *arg)
{
	struct backend_monitor *m = arg;
	char buf[8192];

	for (;;) {
		ssize_t n = read(m->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sblog_monitor_feed(&m->parser, buf, (size_t)n) < 0)
			break;
	}
	sblog_monitor_finish(&m->parser);
	return NULL;
}

static int macos_monitor_start(uint64_t session, struct vstore *vs, struct backend_monitor **ret)
{
	_cleanup_strv_free_ char **argv = seatbelt_log_argv(session);
	struct backend_monitor *m = NULL;
	int pipefd[2] = {-1, -1}, devnull = -1, r;

	if (!argv)
		return -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	sblog_monitor_init(&m->parser, session, sblog_record_violation, vs);
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
		       (const int[3]){devnull, pipefd[1], devnull}, &m->pid);
	if (r < 0)
		goto fail;
	close(pipefd[1]);
	close(devnull);
	m->fd = pipefd[0];
	r = -pthread_create(&m->thread, NULL, monitor_main, m);
	if (r < 0) {
		kill(m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
		close(m->fd);
		free(m);
		return r;
	}
	*ret = m;
	return 0;
fail:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (devnull >= 0)
		close(devnull);
	free(m);
	return r;
}

static void macos_monitor_stop(struct backend_monitor *m)
{
	if (!m)
		return;
	kill(m->pid, SIGTERM);
	pthread_join(m->thread, NULL);
	while (waitpid(m->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(m->fd);
	free(m);
}

const struct backend_ops backend_macos = {
    .name = "macos-seatbelt",
    .probe = macos_probe,
    .spawn = macos_spawn,
    .monitor_start = macos_monitor_start,
    .monitor_stop = macos_monitor_stop,
};
