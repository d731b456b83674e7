/* SPDX-License-Identifier: Apache-2.0 */
/* The proxy's readiness loop: epoll and poll back-ends (see evloop.h). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "evloop.h"

#ifdef __linux__
#include <sys/epoll.h>
#define HAVE_EPOLL 1
_Static_assert(EVL_IN == EPOLLIN && EVL_OUT == EPOLLOUT && EVL_ERR == EPOLLERR &&
		       EVL_HUP == EPOLLHUP,
	       "EVL_* and EPOLL* bits differ");
#else
#define HAVE_EPOLL 0
#endif
_Static_assert(EVL_IN == POLLIN && EVL_OUT == POLLOUT && EVL_ERR == POLLERR && EVL_HUP == POLLHUP,
	       "EVL_* and POLL* bits differ");

/* -Dc_args=-DSRT_EVLOOP_POLL=1: the poll back-end by default and nothing else portable, to
 * measure the loop apart from the copy-only relay of the portable build (bench only). */
#ifndef SRT_EVLOOP_POLL
#define SRT_EVLOOP_POLL 0
#endif

#define EVL_INTEREST (EVL_IN | EVL_OUT)
#define EVL_REPORTED (EVL_IN | EVL_OUT | EVL_ERR | EVL_HUP)

struct evloop {
	enum evloop_backend kind; /* EVLOOP_EPOLL or EVLOOP_POLL */
	int epfd;
	/* poll: registrations in pfd[0..n) with their pointers in ptr[]; slot[fd] is the index
	 * of fd's entry plus one, 0 when fd is not registered (nslot entries) */
	struct pollfd *pfd;
	void **ptr;
	size_t n, cap;
	size_t *slot;
	size_t nslot;
	size_t start; /* where the next wait begins taking results (fairness) */
};

int evloop_new(enum evloop_backend backend, struct evloop **ret)
{
	struct evloop *l;

	if (!ret)
		return -EINVAL;
	if (backend == EVLOOP_DEFAULT)
		backend = (HAVE_EPOLL && SRT_NET_LINUX && !SRT_EVLOOP_POLL) ? EVLOOP_EPOLL : EVLOOP_POLL;
	if (backend != EVLOOP_EPOLL && backend != EVLOOP_POLL)
		return -EINVAL;
	if (backend == EVLOOP_EPOLL && !HAVE_EPOLL)
		return -ENOTSUP;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->kind = backend;
	l->epfd = -1;
#if HAVE_EPOLL
	if (backend == EVLOOP_EPOLL) {
		l->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (l->epfd < 0) {
			int r = -errno;

			free(l);
			return r;
		}
	}
#endif
	*ret = l;
	return 0;
}

struct evloop *evloop_free(struct evloop *l)
{
	if (!l)
		return NULL;
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->pfd);
	free(l->ptr);
	free(l->slot);
	free(l);
	return NULL;
}

const char *evloop_backend_name(const struct evloop *l)
{
	return l && l->kind == EVLOOP_EPOLL ? "epoll" : "poll";
}

/* ---- poll ----------------------------------------------------------------------------------- */

static size_t *poll_slot(struct evloop *l, int fd)
{
	return (size_t)fd < l->nslot ? &l->slot[fd] : NULL;
}

static int poll_add(struct evloop *l, int fd, uint32_t events, void *ptr)
{
	size_t *s = poll_slot(l, fd);

	if (s && *s)
		return -EEXIST;
	if (!s) {
		size_t want = l->nslot ? l->nslot : 64;
		size_t *ns;

		while (want <= (size_t)fd)
			want *= 2;
		ns = realloc(l->slot, want * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		memset(ns + l->nslot, 0, (want - l->nslot) * sizeof(*ns));
		l->slot = ns;
		l->nslot = want;
		s = &l->slot[fd];
	}
	if (l->n == l->cap) {
		size_t want = l->cap ? 2 * l->cap : 64;
		struct pollfd *np = realloc(l->pfd, want * sizeof(*np));
		void **nptr;

		if (!np)
			return -ENOMEM;
		l->pfd = np;
		nptr = realloc(l->ptr, want * sizeof(*nptr));
		if (!nptr)
			return -ENOMEM; /* l->pfd is merely larger than needed */
		l->ptr = nptr;
		l->cap = want;
	}
	l->pfd[l->n] = (struct pollfd){ .fd = fd, .events = (short)(events & EVL_INTEREST) };
	l->ptr[l->n] = ptr;
	l->n++;
	*s = l->n;
	return 0;
}

static int poll_mod(struct evloop *l, int fd, uint32_t events, void *ptr)
{
	size_t *s = poll_slot(l, fd);

	if (!s || !*s)
		return -ENOENT;
	l->pfd[*s - 1].events = (short)(events & EVL_INTEREST);
	l->ptr[*s - 1] = ptr;
	return 0;
}

/* Removes entry i: the last entry takes its place. */
static void poll_remove_at(struct evloop *l, size_t i)
{
	size_t last = l->n - 1;

	l->slot[l->pfd[i].fd] = 0;
	if (i != last) {
		l->pfd[i] = l->pfd[last];
		l->ptr[i] = l->ptr[last];
		l->slot[l->pfd[i].fd] = i + 1;
	}
	l->n--;
}

static int poll_del(struct evloop *l, int fd)
{
	size_t *s = poll_slot(l, fd);

	if (!s || !*s)
		return -ENOENT;
	poll_remove_at(l, *s - 1);
	return 0;
}

static int poll_wait(struct evloop *l, struct evloop_event *evs, int max, int timeout_ms)
{
	size_t i, k, out = 0;
	bool stale = false;
	int r;

	r = poll(l->pfd, (nfds_t)l->n, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0 || l->n == 0)
		return 0;
	i = l->start < l->n ? l->start : 0;
	for (k = 0; k < l->n && out < (size_t)max; k++) {
		short re = l->pfd[i].revents;

		if (re & POLLNVAL) {
			/* closed without evloop_del(): forgotten, as epoll would (below) */
			stale = true;
		} else if (re & (short)EVL_REPORTED) {
			evs[out].events = (uint32_t)(re & (short)EVL_REPORTED);
			evs[out].ptr = l->ptr[i];
			out++;
		}
		i = i + 1 == l->n ? 0 : i + 1;
	}
	l->start = i;
	if (stale)
		for (i = l->n; i-- > 0;)
			if (l->pfd[i].revents & POLLNVAL)
				poll_remove_at(l, i);
	return (int)out;
}

/* ---- the interface ------------------------------------------------------------------------- */

int evloop_add(struct evloop *l, int fd, uint32_t events, void *ptr)
{
	if (!l)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
#if HAVE_EPOLL
	if (l->kind == EVLOOP_EPOLL) {
		struct epoll_event ev = { .events = events & EVL_INTEREST, .data.ptr = ptr };

		return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
	}
#endif
	return poll_add(l, fd, events, ptr);
}

int evloop_mod(struct evloop *l, int fd, uint32_t events, void *ptr)
{
	if (!l)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
#if HAVE_EPOLL
	if (l->kind == EVLOOP_EPOLL) {
		struct epoll_event ev = { .events = events & EVL_INTEREST, .data.ptr = ptr };

		return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
	}
#endif
	return poll_mod(l, fd, events, ptr);
}

int evloop_del(struct evloop *l, int fd)
{
	if (!l)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
#if HAVE_EPOLL
	if (l->kind == EVLOOP_EPOLL)
		return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
#endif
	return poll_del(l, fd);
}

int evloop_wait(struct evloop *l, struct evloop_event *evs, int max, int timeout_ms)
{
	if (!l || !evs || max <= 0)
		return -EINVAL;
#if HAVE_EPOLL
	if (l->kind == EVLOOP_EPOLL) {
		struct epoll_event ee[64];
		int n;

		if (max > 64)
			max = 64;
		n = epoll_wait(l->epfd, ee, max, timeout_ms);
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			evs[i].events = ee[i].events & EVL_REPORTED;
			evs[i].ptr = ee[i].data.ptr;
		}
		return n;
	}
#endif
	return poll_wait(l, evs, max, timeout_ms);
}
