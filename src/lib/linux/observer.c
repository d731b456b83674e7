/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp observer (see observer.h): one thread per sandbox that serves the filter's
 * notification listener (received from srt-exec by the manager) and answers every notification
 * with EPERM after reporting it. It never answers anything else (no
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE): the filter decides, the observer only reports, so a bug or
 * a race here cannot let a call through. If the observer is slow the sandboxed call waits; if it
 * is gone the kernel fails the call with ENOSYS.
 */
#include "linux/observer.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

struct observer {
	int stop, listener;
	observer_fn fn;
	void *ud;
	pthread_t thread;
};

static const char *family_name(unsigned f)
{
	switch (f) {
	case AF_UNIX:
		return "AF_UNIX";
	case AF_VSOCK:
		return "AF_VSOCK";
	case AF_NETLINK:
		return "AF_NETLINK";
	case AF_PACKET:
		return "AF_PACKET";
	default:
		return NULL;
	}
}

/* Describes one notification and reports it. */
static void report(struct observer *o, const struct seccomp_notif *req)
{
	char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
	const char *n = name ? name : "unknown";
	char target[96], op[96];
	srt_violation_kind kind = SRT_VIOLATION_SYSCALL;
	unsigned a0 = (unsigned)req->data.args[0], a1 = (unsigned)req->data.args[1];

	snprintf(target, sizeof(target), "%s", n);
	snprintf(op, sizeof(op), "%s", n);
	if (strcmp(n, "socket") == 0 || strcmp(n, "socketpair") == 0) {
		const char *fam = family_name(a0);

		if (a0 == AF_UNIX)
			kind = SRT_VIOLATION_UNIX_SOCKET;
		if (fam)
			snprintf(target, sizeof(target), "%s", fam);
		else
			snprintf(target, sizeof(target), "address family %u", a0);
	} else if (strcmp(n, "ioctl") == 0) {
		snprintf(target, sizeof(target), "%s", a1 == TIOCSTI     ? "TIOCSTI"
						     : a1 == TIOCLINUX ? "TIOCLINUX"
								       : "ioctl");
		if (a1 != TIOCSTI && a1 != TIOCLINUX)
			snprintf(target, sizeof(target), "ioctl 0x%x", a1);
	}
	o->fn(o->ud, kind, target, op);
	free(name);
}

static void serve(struct observer *o)
{
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct pollfd pfd[2] = {{.fd = o->listener, .events = POLLIN},
				{.fd = o->stop, .events = POLLIN}};

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return;
	req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req));
	resp = calloc(1, sizes.seccomp_notif_resp > sizeof(*resp) ? sizes.seccomp_notif_resp
								  : sizeof(*resp));
	if (!req || !resp)
		goto out;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & POLLIN) {
			memset(req, 0, sizes.seccomp_notif);
			if (ioctl(o->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
				if (errno == EINTR || errno == ENOENT)
					continue; /* the caller died meanwhile */
				break;
			}
			/* answer first: the sandboxed thread waits for it */
			memset(resp, 0, sizes.seccomp_notif_resp);
			resp->id = req->id;
			resp->error = -EPERM;
			(void)ioctl(o->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
			report(o, req);
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			break; /* no task uses the filter any more */
		}
	}
out:
	free(req);
	free(resp);
}

static void *observer_main(void *arg)
{
	struct observer *o = arg;

	serve(o);
	return NULL;
}

int observer_start(int listener, observer_fn fn, void *ud, struct observer **ret)
{
	struct observer *o;
	sigset_t all, old;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->listener = listener;
	o->fn = fn;
	o->ud = ud;
	o->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->stop < 0) {
		r = -errno;
		free(o);
		return r;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&o->thread, NULL, observer_main, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		close(o->stop);
		free(o);
		return r;
	}
	*ret = o;
	return 0;
}

struct observer *observer_stop(struct observer *o)
{
	uint64_t one = 1;

	if (!o)
		return NULL;
	if (write(o->stop, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow */
	}
	pthread_join(o->thread, NULL);
	close(o->listener);
	close(o->stop);
	free(o);
	return NULL;
}
