/* SPDX-License-Identifier: Apache-2.0 */
/* Portable stand-ins for Linux-only calls (see compat.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"

#if SRT_NET_LINUX
#include <sys/eventfd.h>
#include <sys/random.h>
#else
#if !defined(__APPLE__)
#include <sys/random.h> /* getentropy() (glibc, the BSDs) */
#endif
#endif

const char *compat_net_flavour(void)
{
	return SRT_NET_LINUX ? "linux" : "portable";
}

int compat_socket_nosigpipe(int fd)
{
#ifdef SO_NOSIGPIPE
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) < 0)
		return -errno;
#else
	(void)fd;
#endif
	return 0;
}

#if !SRT_NET_LINUX
/* FD_CLOEXEC and O_NONBLOCK on a descriptor just made; closes it on failure. */
static int fd_set_cloexec_nonblock(int fd, bool nonblock)
{
	int fl;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	if (nonblock) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			goto fail;
	}
	return fd;
fail:
	fl = -errno;
	close(fd);
	return fl;
}
#endif

int compat_socket_nonblock(int domain, int type, int protocol)
{
	int fd, r;

#if SRT_NET_LINUX
	fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
#else
	fd = socket(domain, type, protocol);
	if (fd < 0)
		return -errno;
	fd = fd_set_cloexec_nonblock(fd, true);
	if (fd < 0)
		return fd;
#endif
	r = compat_socket_nosigpipe(fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int compat_accept_nonblock(int lfd)
{
	int fd, r;

#if SRT_NET_LINUX
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
#else
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return -errno;
	/* Accepted sockets inherit O_NONBLOCK from the listener on the BSDs and macOS, not on
	 * Linux: set it either way. */
	fd = fd_set_cloexec_nonblock(fd, true);
	if (fd < 0)
		return fd;
#endif
	r = compat_socket_nosigpipe(fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int compat_pipe_nonblock(int p[2])
{
#if SRT_NET_LINUX
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	return 0;
#else
	int q[2], r;

	if (pipe(q) < 0)
		return -errno;
	r = fd_set_cloexec_nonblock(q[0], true);
	if (r < 0) {
		close(q[1]);
		return r;
	}
	r = fd_set_cloexec_nonblock(q[1], true);
	if (r < 0) {
		close(q[0]);
		return r;
	}
	p[0] = q[0];
	p[1] = q[1];
	return 0;
#endif
}

int notify_open(struct srt_notify *n)
{
#if SRT_NET_LINUX
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	n->rfd = n->wfd = fd;
	return 0;
#else
	int p[2] = { -1, -1 }, r;

	r = compat_pipe_nonblock(p);
	if (r < 0)
		return r;
	n->rfd = p[0];
	n->wfd = p[1];
	return 0;
#endif
}

void notify_signal(const struct srt_notify *n)
{
#if SRT_NET_LINUX
	uint64_t one = 1;

	/* EAGAIN: the counter is saturated, which still reads as readable */
	(void)!write(n->wfd, &one, sizeof(one));
#else
	char b = 1;

	/* EAGAIN: the pipe is full, which still reads as readable */
	(void)!write(n->wfd, &b, 1);
#endif
}

void notify_drain(const struct srt_notify *n)
{
#if SRT_NET_LINUX
	uint64_t v;

	/* one read resets the counter; EAGAIN: nothing pending */
	(void)!read(n->rfd, &v, sizeof(v));
#else
	char buf[256];

	/* bounded: a pipe holds at most its capacity, and writers are few */
	for (int i = 0; i < 1024; i++) {
		ssize_t k = read(n->rfd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < (ssize_t)sizeof(buf))
			break;
	}
#endif
}

void notify_close(struct srt_notify *n)
{
	if (!n)
		return;
	if (n->wfd >= 0 && n->wfd != n->rfd)
		close(n->wfd);
	if (n->rfd >= 0)
		close(n->rfd);
	n->rfd = n->wfd = -1;
}

int compat_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

#if SRT_NET_LINUX
	while (len > 0) {
		ssize_t k = getrandom(p, len, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		p += k;
		len -= (size_t)k;
	}
	return 0;
#elif defined(__APPLE__)
	arc4random_buf(p, len);
	return 0;
#else
	while (len > 0) {
		size_t k = len > 256 ? 256 : len; /* getentropy()'s limit per call */

		if (getentropy(p, k) < 0)
			return -errno;
		p += k;
		len -= k;
	}
	return 0;
#endif
}

void compat_thread_setname(const char *name)
{
#if defined(__APPLE__)
	(void)pthread_setname_np(name);
#elif defined(__linux__)
	char n[16];

	/* Linux refuses names over 15 bytes (ERANGE) */
	snprintf(n, sizeof(n), "%s", name);
	(void)pthread_setname_np(pthread_self(), n);
#else
	(void)name;
#endif
}

uint64_t compat_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int compat_cond_init_monotonic(pthread_cond_t *c)
{
#if SRT_NET_LINUX
	pthread_condattr_t a;
	int err;

	err = pthread_condattr_init(&a);
	if (err)
		return -err;
	err = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return -err;
#else
	return -pthread_cond_init(c, NULL);
#endif
}

int compat_cond_timedwait_monotonic(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline_ns)
{
	struct timespec ts;

#if SRT_NET_LINUX
	ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
	ts.tv_nsec = (long)(deadline_ns % 1000000000u);
	return pthread_cond_timedwait(c, m, &ts);
#else
	uint64_t now = compat_monotonic_ns(), left, ns;

	if (deadline_ns <= now)
		return ETIMEDOUT;
	left = deadline_ns - now;
	if (left > (uint64_t)COMPAT_COND_MAX_WAIT_MS * 1000000u)
		left = (uint64_t)COMPAT_COND_MAX_WAIT_MS * 1000000u;
	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (uint64_t)ts.tv_nsec + left % 1000000000u;
	ts.tv_sec += (time_t)(left / 1000000000u + ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	return pthread_cond_timedwait(c, m, &ts);
#endif
}
