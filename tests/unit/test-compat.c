/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stand-ins for Linux-only calls (src/lib/shared/compat.h). In the default build they are
 * the Linux calls; in the -Dportable_net=true build (scripts/test.sh builds and runs it) the
 * portable code runs: accept + fcntl, pipe + fcntl, a pipe for eventfd, getentropy, a realtime
 * condition wait. Either way the same properties must hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/compat.h"
#include "tap.h"

static bool cloexec_nonblock(int fd)
{
	int fdf = fcntl(fd, F_GETFD), fl = fcntl(fd, F_GETFL);

	return fdf >= 0 && fl >= 0 && (fdf & FD_CLOEXEC) && (fl & O_NONBLOCK);
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

struct waiter {
	pthread_mutex_t m;
	pthread_cond_t c;
	bool flag;
};

static void *set_flag(void *arg)
{
	struct waiter *w = arg;

	usleep(10000);
	pthread_mutex_lock(&w->m);
	w->flag = true;
	pthread_cond_signal(&w->c);
	pthread_mutex_unlock(&w->m);
	return NULL;
}

int main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int lfd, cfd, afd, p[2];

	plan_no_plan();
	printf("# flavour: %s\n", compat_net_flavour());
	ok(strcmp(compat_net_flavour(), SRT_NET_LINUX ? "linux" : "portable") == 0,
	   "the flavour matches SRT_NET_LINUX (%d)", SRT_NET_LINUX);

	/* sockets: made and accepted close-on-exec and non-blocking */
	lfd = compat_socket_nonblock(AF_INET, SOCK_STREAM, 0);
	ok(lfd >= 0 && cloexec_nonblock(lfd), "compat_socket_nonblock: CLOEXEC and NONBLOCK");
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) < 0) {
		ok(0, "listener");
		return tap_exit();
	}
	is_int(compat_accept_nonblock(lfd), -EAGAIN, "compat_accept_nonblock: -EAGAIN when idle");
	cfd = compat_socket_nonblock(AF_INET, SOCK_STREAM, 0);
	ok(cfd >= 0, "a client socket");
	if (connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS)
		ok(0, "connect: %s", strerror(errno));
	{
		struct pollfd pl = { .fd = lfd, .events = POLLIN };

		(void)poll(&pl, 1, 5000);
	}
	afd = compat_accept_nonblock(lfd);
	ok(afd >= 0 && cloexec_nonblock(afd), "compat_accept_nonblock: CLOEXEC and NONBLOCK (%d)",
	   afd);
	is_int(compat_accept_nonblock(-1), -EBADF, "compat_accept_nonblock: -errno on failure");

	/* no SIGPIPE (its default action would end this test): the peer is gone */
	{
		struct pollfd pc = { .fd = cfd, .events = POLLOUT };

		(void)poll(&pc, 1, 5000);
		close(afd);
		usleep(10000);
		(void)!send(cfd, "a", 1, COMPAT_MSG_NOSIGNAL | MSG_DONTWAIT); /* answered with RST */
		usleep(10000);
		ssize_t n = send(cfd, "b", 1, COMPAT_MSG_NOSIGNAL | MSG_DONTWAIT);
		int e = errno;

		ok(n < 0 && (e == EPIPE || e == ECONNRESET),
		   "send to a closed peer fails (%s) without SIGPIPE", strerror(e));
	}
	close(cfd);
	close(lfd);

	/* pipes */
	is_int(compat_pipe_nonblock(p), 0, "compat_pipe_nonblock");
	ok(cloexec_nonblock(p[0]) && cloexec_nonblock(p[1]), "both ends CLOEXEC and NONBLOCK");
	close(p[0]);
	close(p[1]);

	/* notifiers */
	{
		struct srt_notify n = SRT_NOTIFY_INIT;
		int i;

		is_int(notify_open(&n), 0, "notify_open");
		ok(cloexec_nonblock(n.rfd) && cloexec_nonblock(n.wfd), "notifier fds CLOEXEC, NONBLOCK");
		ok(!readable(n.rfd), "a new notifier is not readable");
		notify_signal(&n);
		ok(readable(n.rfd), "signalled: readable");
		notify_signal(&n);
		ok(readable(n.rfd), "signalled twice: readable");
		notify_drain(&n);
		ok(!readable(n.rfd), "drained: not readable");
		/* more signals than a pipe holds: never blocks, still readable, one drain empties */
		for (i = 0; i < 200000; i++)
			notify_signal(&n);
		ok(readable(n.rfd), "200,000 signals without blocking: readable");
		for (i = 0; i < 4 && readable(n.rfd); i++)
			notify_drain(&n);
		ok(!readable(n.rfd), "drained after a full pipe (%d drain calls)", i);
		notify_close(&n);
		is_int(n.rfd, -1, "notify_close resets");
		notify_close(&n); /* idempotent */
	}

	/* random bytes: all requested, more than one getentropy() call's 256 */
	{
		unsigned char a[1000], b[1000];
		int nz = 0;

		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		is_int(compat_random_bytes(a, sizeof(a)), 0, "compat_random_bytes 1000 bytes");
		is_int(compat_random_bytes(b, sizeof(b)), 0, "and again");
		for (size_t i = 0; i < sizeof(a); i++)
			nz += a[i] != 0;
		ok(nz > 900 && memcmp(a, b, sizeof(a)) != 0,
		   "filled (%d of 1000 non-zero) and different each time", nz);
		is_int(compat_random_bytes(a, 0), 0, "0 bytes");
	}

	/* thread names (Linux keeps 15 bytes) */
	compat_thread_setname("srt-compat-test-long-name");
#ifdef __linux__
	{
		char name[32] = "";

		pthread_getname_np(pthread_self(), name, sizeof(name));
		is_str(name, "srt-compat-test", "compat_thread_setname truncates to 15 bytes");
	}
#endif

	/* monotonic condition waits */
	{
		struct waiter w = { .m = PTHREAD_MUTEX_INITIALIZER };
		uint64_t deadline;
		pthread_t t;
		int r = 0;

		is_int(compat_cond_init_monotonic(&w.c), 0, "compat_cond_init_monotonic");
		pthread_mutex_lock(&w.m);
		is_int(compat_cond_timedwait_monotonic(&w.c, &w.m, compat_monotonic_ns() - 1),
		       ETIMEDOUT, "a deadline in the past: ETIMEDOUT");
		deadline = compat_monotonic_ns() + 20 * 1000000u;
		while (compat_monotonic_ns() < deadline) {
			r = compat_cond_timedwait_monotonic(&w.c, &w.m, deadline);
			if (r != 0 && r != ETIMEDOUT)
				break;
		}
		is_int(r, ETIMEDOUT, "a 20 ms deadline passes with ETIMEDOUT");
		pthread_create(&t, NULL, set_flag, &w);
		deadline = compat_monotonic_ns() + 60ull * 1000000000u;
		while (!w.flag && r != EINVAL) {
			r = compat_cond_timedwait_monotonic(&w.c, &w.m, deadline);
			if (compat_monotonic_ns() >= deadline)
				break;
		}
		pthread_mutex_unlock(&w.m);
		ok(w.flag, "a signal ends the wait before the deadline");
		pthread_join(t, NULL);
		pthread_cond_destroy(&w.c);
	}
	return tap_exit();
}
