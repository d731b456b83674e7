/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp observer (see observer.h): one thread per sandbox that serves the filter's
 * notification listener (received from srt-exec by the manager, with srt-exec's status) and
 * answers every notification with EPERM after reporting it. It never answers anything else (no SECCOMP_USER_NOTIF_FLAG_CONTINUE): the
 * filter decides, the observer only reports, so a bug or a race here cannot let a call
 * through. The one exception is the creation guard (guard.h), which shares the listener (the
 * kernel allows one per filter chain): its calls are handed to guard_handle(), which answers
 * them with the result of the call its helper made (never "continue" either). If the observer is slow the sandboxed call waits; if it is gone the kernel fails
 * the call with ENOSYS.
 *
 * The same thread reads the report FIFO of srt-report.so (failed file accesses seen from
 * inside). Those lines are untrusted advice: they are framed here and handed on; nothing in
 * the sandbox waits for them, and nothing is decided by them.
 */
#include "linux/observer.h"
#include "linux/guard.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
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
	int stop, listener, fifo;
	struct guard *guard;
	observer_fn fn;
	observer_line_fn line_fn;
	void *ud;
	pthread_t thread;
	/* FIFO framing */
	char buf[2 * OBSERVER_LINE_MAX];
	size_t len;
	bool discard; /* inside an overlong line: drop up to the next '\n' */
};

/* Reads what the FIFO holds (at most `rounds` reads, so that a flood cannot starve the seccomp
 * listener) and hands on every complete line. Returns false when the FIFO cannot be read any
 * more. */
static bool drain_fifo(struct observer *o, int rounds)
{
	while (rounds-- > 0) {
		ssize_t n = read(o->fifo, o->buf + o->len, sizeof(o->buf) - o->len);
		size_t start = 0;
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false; /* cannot happen while srt holds a write end */
		o->len += (size_t)n;
		while ((nl = memchr(o->buf + start, '\n', o->len - start))) {
			size_t l = (size_t)(nl - (o->buf + start));

			if (!o->discard && l <= OBSERVER_LINE_MAX)
				o->line_fn(o->ud, o->buf + start, l);
			o->discard = false;
			start += l + 1;
		}
		memmove(o->buf, o->buf + start, o->len - start);
		o->len -= start;
		if (o->len > OBSERVER_LINE_MAX) {
			o->discard = true; /* too long to be a report: drop it to its end */
			o->len = 0;
		}
	}
	return true;
}

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

/* Answers one notification (EPERM, always) and reports it. Returns false when the listener
 * is unusable. */
static bool serve_one(struct observer *o, const struct seccomp_notif_sizes *sizes,
		      struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
	memset(req, 0, sizes->seccomp_notif);
	if (ioctl(o->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return errno == EINTR || errno == ENOENT; /* ENOENT: the caller died meanwhile */
	/* creations go to the guard, which answers them itself (never "continue") */
	if (o->guard && guard_handle(o->guard, o->listener, req))
		return true;
	/* answer first: the sandboxed thread waits for it */
	memset(resp, 0, sizes->seccomp_notif_resp);
	resp->id = req->id;
	resp->error = -EPERM;
	(void)ioctl(o->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
	if (o->fn)
		report(o, req);
	return true;
}

static void *observer_main(void *arg)
{
	struct observer *o = arg;
	struct seccomp_notif_sizes sizes = {0};
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	enum { P_STOP, P_LISTENER, P_FIFO };
	struct pollfd pfd[3] = {
		[P_STOP] = {.fd = o->stop, .events = POLLIN},
		[P_LISTENER] = {.fd = o->listener, .events = POLLIN},
		[P_FIFO] = {.fd = o->fifo, .events = POLLIN},
	};

	if (o->listener >= 0) {
		if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
			pfd[P_LISTENER].fd = -1;
		req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif
								  : sizeof(*req));
		resp = calloc(1, sizes.seccomp_notif_resp > sizeof(*resp) ? sizes.seccomp_notif_resp
									  : sizeof(*resp));
		if (!req || !resp)
			pfd[P_LISTENER].fd = -1;
	}
	while (pfd[P_LISTENER].fd >= 0 || pfd[P_FIFO].fd >= 0) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[P_FIFO].fd >= 0 && (pfd[P_FIFO].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    !drain_fifo(o, 16))
			pfd[P_FIFO].fd = -1;
		if (pfd[P_LISTENER].fd >= 0) {
			if (pfd[P_LISTENER].revents & POLLIN) {
				if (!serve_one(o, &sizes, req, resp))
					pfd[P_LISTENER].fd = -1;
			} else if (pfd[P_LISTENER].revents & (POLLHUP | POLLERR | POLLNVAL)) {
				pfd[P_LISTENER].fd = -1; /* no task uses the filter any more */
			}
		}
		if (pfd[P_STOP].revents) {
			/* the sandbox is gone: what it wrote before is in the FIFO */
			if (pfd[P_FIFO].fd >= 0)
				(void)drain_fifo(o, 1024);
			break;
		}
	}
	free(req);
	free(resp);
	return NULL;
}

int observer_start(const struct observer_cfg *cfg, struct observer **ret)
{
	struct observer *o;
	sigset_t all, old;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o) {
		r = -ENOMEM;
		goto fail_fds;
	}
	o->listener = cfg->listener;
	o->fifo = cfg->fifo;
	o->fn = cfg->fn;
	o->line_fn = cfg->line_fn;
	o->ud = cfg->ud;
	o->guard = cfg->guard;
	if (!o->fn && !o->guard && o->listener >= 0) {
		close(o->listener);
		o->listener = -1;
	}
	if (!o->line_fn && o->fifo >= 0) {
		close(o->fifo);
		o->fifo = -1;
	}
	o->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->stop < 0) {
		r = -errno;
		free(o);
		goto fail_fds;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&o->thread, NULL, observer_main, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		close(o->stop);
		if (o->listener >= 0)
			close(o->listener);
		if (o->fifo >= 0)
			close(o->fifo);
		guard_free(o->guard);
		free(o);
		return r;
	}
	*ret = o;
	return 0;

fail_fds:
	guard_free(cfg->guard);
	if (cfg->listener >= 0)
		close(cfg->listener);
	if (cfg->fifo >= 0)
		close(cfg->fifo);
	return r;
}

struct observer *observer_stop(struct observer *o)
{
	uint64_t one = 1;

	if (!o)
		return NULL;
	if (write(o->stop, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow */
	}
	/* the thread may wait for the guard's helper, which may wait forever (a FIFO) */
	guard_kill(o->guard);
	pthread_join(o->thread, NULL);
	if (o->listener >= 0)
		close(o->listener);
	guard_free(o->guard);
	if (o->fifo >= 0)
		close(o->fifo);
	close(o->stop);
	free(o);
	return NULL;
}
