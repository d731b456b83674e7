/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal readiness loop for the proxy thread, with two back-ends:
 *
 *	epoll   Linux (the production default there): O(ready) per wait.
 *	poll    POSIX poll(), for macOS and any other system, and on Linux when built with
 *	        -Dportable_net=true; O(registered) per wait (see below).
 *
 * (kqueue would be the natural back-end on macOS; it is not written, because nothing here could
 * run it. poll() is what runs there, and it is the same code that runs in the portable build
 * and its tests on Linux.)
 *
 * Semantics, the same for both back-ends, and only what the proxy uses:
 *  - level-triggered only (no edge-triggered, no one-shot mode): a descriptor is reported by
 *    every wait for as long as it is ready for something in its interest mask;
 *  - EVL_ERR and EVL_HUP are reported whatever the interest says, even with an interest of 0
 *    (registered but "muted"); to stop all reports, evloop_del();
 *  - one registration per descriptor (-EEXIST for a second evloop_add(), -ENOENT for
 *    evloop_mod()/evloop_del() of a descriptor not registered);
 *  - a descriptor must be evloop_del()eted before it is closed (epoll would forget it on its own,
 *    poll would not; the interface requires it of callers so that both behave alike);
 *  - evloop_wait() returns at most `max` events, each with the `ptr` given at registration, and
 *    the caller may add, modify or delete registrations (and free what the pointers point to
 *    only after the batch: an event later in the same batch may still name it) while it goes
 *    through the batch;
 *  - not thread-safe: one thread owns the loop. Other threads wake it through a descriptor the
 *    loop watches (struct srt_notify in compat.h: an eventfd, or a pipe).
 *
 * Cost of the poll back-end: each wait hands the whole array to the kernel, which polls every
 * descriptor, and scans it for results. Measured on the 2-CPU test machine: 0.14 us per
 * registered descriptor and wake-up at 1,000, 0.48 us at 9,000 (4.3 ms per wake-up; epoll: 9 us),
 * so the proxy lowers its connection limit with this back-end (PROXY_POLL_MAX_CONNECTIONS, and
 * docs/architecture.md for the numbers). Registration changes
 * are O(1) (an index by descriptor number). Results are taken starting where the previous wait
 * stopped, so descriptors late in the array are not starved when more than `max` are ready.
 */
#pragma once

#include <stdint.h>

/* Event bits: the values of POLLIN/POLLOUT/POLLERR/POLLHUP and EPOLLIN/... (checked in evloop.c). */
#define EVL_IN 0x001u
#define EVL_OUT 0x004u
#define EVL_ERR 0x008u
#define EVL_HUP 0x010u

enum evloop_backend {
	EVLOOP_DEFAULT, /* epoll on Linux unless built with -Dportable_net=true, else poll */
	EVLOOP_EPOLL,   /* -ENOTSUP where there is no epoll */
	EVLOOP_POLL,
};

struct evloop;

struct evloop_event {
	uint32_t events; /* EVL_* */
	void *ptr;
};

/* Returns 0 and sets *ret, or -errno (-ENOTSUP: that back-end is not built here). */
int evloop_new(enum evloop_backend backend, struct evloop **ret);
/* Frees the loop (NULL-safe); registered descriptors are not closed. Returns NULL. */
struct evloop *evloop_free(struct evloop *l);
/* "epoll" or "poll". */
const char *evloop_backend_name(const struct evloop *l);

/* events: EVL_IN and/or EVL_OUT, or 0. Return 0 or -errno (-EBADF for a negative fd). */
int evloop_add(struct evloop *l, int fd, uint32_t events, void *ptr);
int evloop_mod(struct evloop *l, int fd, uint32_t events, void *ptr);
int evloop_del(struct evloop *l, int fd);

/*
 * Waits up to timeout_ms (-1: no limit, 0: do not wait) and stores up to max events. Returns the
 * number stored (0 on timeout), or -errno (-EINTR when a signal interrupted the wait).
 */
int evloop_wait(struct evloop *l, struct evloop_event *evs, int max, int timeout_ms);
