/* SPDX-License-Identifier: Apache-2.0 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shared/macro.h"

/* Between fork and exec only async-signal-safe calls: write(2) and _exit. */
static void child_die(const char *what, int e)
{
	const char *msg = strerror(e); /* glibc: safe for valid errno values in practice */
	(void)!write(2, "srt: ", 5);
	(void)!write(2, what, strlen(what));
	(void)!write(2, ": ", 2);
	(void)!write(2, msg, strlen(msg));
	(void)!write(2, "\n", 1);
	_exit(125);
}

/* Writes the single-id maps of the new user namespace of `pid` (the caller's own ids, which an
 * unprivileged parent may map). */
static int write_id_maps(pid_t pid)
{
	char path[64], line[64];
	int fd, r = 0;
	const struct {
		const char *file;
		unsigned id;
	} maps[] = {{"setgroups", 0}, {"uid_map", (unsigned)geteuid()}, {"gid_map", (unsigned)getegid()}};

	for (size_t i = 0; i < ELEMENTSOF(maps) && r == 0; i++) {
		int len;
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, maps[i].file);
		if (i == 0)
			len = snprintf(line, sizeof(line), "deny");
		else
			len = snprintf(line, sizeof(line), "%u %u 1\n", maps[i].id, maps[i].id);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (write(fd, line, (size_t)len) != len)
			r = -errno;
		close(fd);
	}
	return r;
}

pid_t spawn_bwrap(const char *path, char *const argv[], char *const envp[],
		  const struct spawn_fds *fds, bool own_pidns, const struct spawn_net *net,
		  bool *ret_own_pidns, srt_error **reterr)
{
	pid_t parent = getpid(), pid = -1;
	sigset_t all, old;
	size_t n = fds ? fds->n : 0;
	/* scratch for the child, allocated here: no malloc between fork and exec */
	int *tmp = calloc(n ? n : 1, sizeof(int));
	int sync[2] = {-1, -1}, netsock[2] = {-1, -1};
	char go = 0;
	/* srt's own pidfd, for the child's check that srt is still alive once PDEATHSIG is
	 * armed (getppid() says nothing inside a new pid namespace: it is 0 there). */
	int self_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (!tmp) {
		if (self_pidfd >= 0)
			close(self_pidfd);
		return -ENOMEM;
	}
	if (net && !own_pidns) {
		free(tmp);
		if (self_pidfd >= 0)
			close(self_pidfd);
		return srt_error_set(reterr, SRT_E_SPAWN, EINVAL,
				     "a network namespace of srt's own needs its pid namespace");
	}
	if ((own_pidns && pipe2(sync, O_CLOEXEC) < 0) ||
	    (net && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, netsock) < 0)) {
		int e = errno;
		free(tmp);
		if (self_pidfd >= 0)
			close(self_pidfd);
		for (int i = 0; i < 2; i++) {
			if (sync[i] >= 0)
				close(sync[i]);
			if (netsock[i] >= 0)
				close(netsock[i]);
		}
		return srt_error_set(reterr, SRT_E_SPAWN, e, "pipe: %s", strerror(e));
	}

	/* Block signals across fork so the child cannot run the caller's handlers. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if (own_pidns) {
		/* bwrap becomes pid 1 of a pid namespace of its own. If srt dies, bwrap gets
		 * SIGKILL (PDEATHSIG below), and the death of a namespace's init kills every
		 * process in it and in namespaces nested in it: the whole sandbox, even if srt
		 * was killed while bwrap's own pid 1 had not yet armed --die-with-parent
		 * (bubblewrap arms it without re-checking its parent). A user namespace comes
		 * with it so that no privilege is needed. */
		pid = (pid_t)syscall(SYS_clone,
				     CLONE_NEWUSER | CLONE_NEWPID | (net ? CLONE_NEWNET : 0) | SIGCHLD,
				     NULL, NULL, NULL, 0);
		if (pid < 0 && net) {
			int e = errno;
			sigprocmask(SIG_SETMASK, &old, NULL);
			free(tmp);
			for (int i = 0; i < 2; i++) {
				close(sync[i]);
				close(netsock[i]);
			}
			if (self_pidfd >= 0)
				close(self_pidfd);
			return srt_error_set(reterr, SRT_E_SPAWN, e,
					     "cannot create the sandbox's network namespace: %s",
					     strerror(e));
		}
		if (pid < 0) {
			/* not allowed here (nested container, limits): plain fork, with only
			 * bwrap's --die-with-parent to tie the sandbox to srt */
			close(sync[0]);
			close(sync[1]);
			sync[0] = sync[1] = -1;
			own_pidns = false;
		}
	}
	if (!own_pidns)
		pid = fork();
	if (pid < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(tmp);
		if (self_pidfd >= 0)
			close(self_pidfd);
		return srt_error_set(reterr, SRT_E_SPAWN, e, "fork failed: %s", strerror(e));
	}
	if (pid > 0) {
		int r = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(tmp);
		if (self_pidfd >= 0)
			close(self_pidfd);
		if (own_pidns) {
			close(sync[0]);
			r = write_id_maps(pid);
			if (r == 0 && write(sync[1], &go, 1) != 1)
				r = -errno;
			close(sync[1]);
			if (net) {
				close(netsock[1]);
				if (r == 0)
					r = netns_receive_listeners(netsock[0], net->ret_fds, net->n);
				close(netsock[0]);
			}
			if (r < 0) {
				(void)kill(pid, SIGKILL);
				(void)waitpid(pid, NULL, 0);
				return srt_error_set(reterr, SRT_E_SPAWN, r,
						     "cannot set up the sandbox's outer namespace: %s",
						     strerror(-r));
			}
		}
		if (ret_own_pidns)
			*ret_own_pidns = own_pidns;
		return pid;
	}

	/* child */
	if (setpgid(0, 0) < 0)
		child_die("setpgid", errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die("prctl(PR_SET_PDEATHSIG)", errno);
	/* srt may have died before PDEATHSIG was armed. */
	if (self_pidfd >= 0) {
		struct pollfd pfd = {.fd = self_pidfd, .events = POLLIN};
		if (poll(&pfd, 1, 0) != 0)
			_exit(125);
		close(self_pidfd);
	} else if (!own_pidns && getppid() != parent) {
		_exit(125);
	}
	if (own_pidns) {
		/* wait until srt has written our id maps; EOF means srt is gone */
		close(sync[1]);
		if (read(sync[0], &go, 1) != 1)
			_exit(125);
		close(sync[0]);
	}
	if (net) {
		int nr;
		close(netsock[0]);
		nr = netns_child_setup(netsock[1], net->listen, net->n);
		if (nr < 0)
			child_die("setting up the sandbox's network namespace", -nr);
		close(netsock[1]);
	}
	/* Handlers are reset by execve and ignored signals stay ignored (as with nohup):
	 * the command inherits the caller's dispositions, like any child would. */

	{
		int maxfd = 2;
		for (size_t i = 0; i < n; i++)
			if (fds->src[i] > maxfd)
				maxfd = fds->src[i];
		for (int k = 0; fds && k < 3; k++)
			if (fds->stdio[k] > maxfd)
				maxfd = fds->stdio[k];
		if ((int)(3 + n) > maxfd)
			maxfd = (int)(3 + n);
		/* First copy every source above all targets and sources, then place them. */
		for (size_t i = 0; i < n; i++) {
			tmp[i] = fcntl(fds->src[i], F_DUPFD_CLOEXEC, maxfd + 1);
			if (tmp[i] < 0)
				child_die("fcntl(F_DUPFD)", errno);
			if (tmp[i] > maxfd)
				maxfd = tmp[i];
		}
		for (int k = 0; fds && k < 3; k++)
			if (fds->stdio[k] >= 0 && dup2(fds->stdio[k], k) < 0)
				child_die("dup2", errno);
		for (size_t i = 0; i < n; i++)
			if (dup2(tmp[i], (int)(3 + i)) < 0)
				child_die("dup2", errno);
		if (syscall(SYS_close_range, 3 + n, ~0U, 0) < 0) {
			for (int fd = (int)(3 + n); fd <= maxfd; fd++)
				close(fd);
		}
	}
	if (fds && fds->nofile) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && fds->nofile <= rl.rlim_max) {
			rl.rlim_cur = fds->nofile;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	execve(path, argv, envp);
	child_die(path, errno);
	return -1;
}
