/* SPDX-License-Identifier: Apache-2.0 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

pid_t spawn_bwrap(const char *path, char *const argv[], char *const envp[],
		  const struct spawn_fds *fds, srt_error **reterr)
{
	pid_t parent = getpid(), pid;
	sigset_t all, old;
	size_t n = fds ? fds->n : 0;
	/* scratch for the child, allocated here: no malloc between fork and exec */
	int *tmp = calloc(n ? n : 1, sizeof(int));

	if (!tmp)
		return -ENOMEM;

	/* Block signals across fork so the child cannot run the caller's handlers. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(tmp);
		return srt_error_set(reterr, SRT_E_SPAWN, e, "fork failed: %s", strerror(e));
	}
	if (pid > 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(tmp);
		return pid;
	}

	/* child */
	/* Handlers are reset by execve and ignored signals stay ignored (as with nohup):
	 * the command inherits the caller's dispositions, like any child would. */
	if (setpgid(0, 0) < 0)
		child_die("setpgid", errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die("prctl(PR_SET_PDEATHSIG)", errno);
	if (getppid() != parent)
		_exit(125); /* srt already died */

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
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	execve(path, argv, envp);
	child_die(path, errno);
	return -1;
}
