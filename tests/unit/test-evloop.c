/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy's readiness loop (src/lib/shared/evloop.h): both back-ends, epoll and poll, run
 * through the same checks in every build, so the poll back-end (what macOS uses) is tested
 * here even in the default build. Level-triggered reports, HUP with no interest, interest
 * changes, registrations changed in the middle of a batch, fairness when more descriptors are
 * ready than one wait returns, and a wake-up from another thread through a notifier.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/compat.h"
#include "shared/evloop.h"
#include "tap.h"

#define MANY 300

static int tags[MANY];

/* One wait without blocking; the events found for ptr (0 if none), and the event count. */
static int wait_for(struct evloop *l, void *ptr, uint32_t *ret_events)
{
	struct evloop_event evs[16];
	int n = evloop_wait(l, evs, 16, 0);

	*ret_events = 0;
	for (int i = 0; i < n; i++)
		if (evs[i].ptr == ptr)
			*ret_events = evs[i].events;
	return n;
}

static void *signal_later(void *arg)
{
	const struct srt_notify *n = arg;

	usleep(20000);
	notify_signal(n);
	return NULL;
}

static void run(enum evloop_backend b, const char *name)
{
	struct evloop *l = NULL;
	int sv[2], r;
	uint32_t ev;
	char c;

	r = evloop_new(b, &l);
	is_int(r, 0, "%s: evloop_new", name);
	if (r < 0)
		return;
	is_str(evloop_backend_name(l), name, "%s: the back-end asked for", name);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
		ok(0, "%s: socketpair", name);
		evloop_free(l);
		return;
	}

	/* registration errors */
	is_int(evloop_add(l, sv[0], EVL_IN, &tags[0]), 0, "%s: add", name);
	is_int(evloop_add(l, sv[0], EVL_IN, &tags[0]), -EEXIST, "%s: a second add is -EEXIST", name);
	is_int(evloop_mod(l, sv[1], EVL_IN, &tags[1]), -ENOENT, "%s: mod of an unknown fd", name);
	is_int(evloop_del(l, sv[1]), -ENOENT, "%s: del of an unknown fd", name);
	is_int(evloop_add(l, -1, EVL_IN, NULL), -EBADF, "%s: a negative fd is -EBADF", name);

	/* level-triggered input */
	is_int(wait_for(l, &tags[0], &ev), 0, "%s: nothing to read, no event", name);
	ok(write(sv[1], "x", 1) == 1, "%s: peer writes", name);
	is_int(wait_for(l, &tags[0], &ev), 1, "%s: one event", name);
	is_int(ev, EVL_IN, "%s: EVL_IN with the registered pointer", name);
	wait_for(l, &tags[0], &ev);
	is_int(ev, EVL_IN, "%s: level-triggered: reported again while unread", name);
	ok(read(sv[0], &c, 1) == 1, "%s: read it", name);
	is_int(wait_for(l, &tags[0], &ev), 0, "%s: read, no more events", name);

	/* interest changes: output, then none; the pointer is the one given last */
	is_int(evloop_mod(l, sv[0], EVL_IN | EVL_OUT, &tags[2]), 0, "%s: mod to IN|OUT", name);
	wait_for(l, &tags[2], &ev);
	is_int(ev, EVL_OUT, "%s: an empty send buffer is EVL_OUT, under the new pointer", name);
	ok(write(sv[1], "y", 1) == 1, "%s: peer writes again", name);
	is_int(evloop_mod(l, sv[0], 0, &tags[2]), 0, "%s: mod to no interest", name);
	is_int(wait_for(l, &tags[2], &ev), 0, "%s: interest 0: readable but not reported", name);
	close(sv[1]);
	wait_for(l, &tags[2], &ev);
	ok(ev & EVL_HUP, "%s: interest 0: the peer's close is still reported (HUP)", name);
	is_int(evloop_del(l, sv[0]), 0, "%s: del", name);
	is_int(wait_for(l, &tags[2], &ev), 0, "%s: deleted: nothing more", name);
	close(sv[0]);

	/* many ready at once: every one is reported within ceil(MANY / 16) waits, and deleting
	 * in the middle of a batch keeps the other pointers right */
	{
		int pairs[MANY][2], made = 0, seen = 0, wrong = 0, after = 0;
		bool got[MANY] = { false };
		struct evloop_event evs[16];

		for (; made < MANY; made++) {
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
				       pairs[made]) < 0)
				break;
			if (evloop_add(l, pairs[made][0], EVL_IN, &tags[made]) < 0 ||
			    write(pairs[made][1], "z", 1) != 1)
				break;
		}
		is_int(made, MANY, "%s: %d descriptors registered and readable", name, MANY);
		for (int w = 0; w < (MANY + 15) / 16; w++) {
			int n = evloop_wait(l, evs, 16, 0);

			for (int i = 0; i < n; i++) {
				int k = (int)((int *)evs[i].ptr - tags);

				if (k < 0 || k >= made || evs[i].events != EVL_IN)
					wrong++;
				else if (!got[k]) {
					got[k] = true;
					seen++;
				}
			}
		}
		is_int(seen, made, "%s: all of them reported in %d waits of 16 (no starvation)", name,
		       (MANY + 15) / 16);
		is_int(wrong, 0, "%s: every event carried its own pointer", name);

		/* delete every other one (poll moves the last entry into the hole) */
		for (int k = 0; k < made; k += 2)
			if (evloop_del(l, pairs[k][0]) < 0)
				wrong++;
		memset(got, 0, sizeof(got));
		for (int w = 0; w < (MANY + 15) / 16 + 1; w++) {
			int n = evloop_wait(l, evs, 16, 0);

			for (int i = 0; i < n; i++) {
				int k = (int)((int *)evs[i].ptr - tags);

				if (k < 0 || k >= made || k % 2 == 0)
					wrong++;
				else if (!got[k]) {
					got[k] = true;
					after++;
				}
			}
		}
		is_int(after, made / 2, "%s: after deleting half, the other half is reported", name);
		is_int(wrong, 0, "%s: and nothing deleted", name);
		for (int k = 0; k < made; k++) {
			if (k % 2)
				evloop_del(l, pairs[k][0]);
			close(pairs[k][0]);
			close(pairs[k][1]);
		}
	}

	/* closed without evloop_del() (a caller bug): forgotten, the loop does not spin on it */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0) {
		struct evloop_event evs[4];

		evloop_add(l, sv[0], EVL_IN, &tags[0]);
		close(sv[0]);
		close(sv[1]);
		(void)evloop_wait(l, evs, 4, 0);
		is_int(evloop_wait(l, evs, 4, 0), 0, "%s: a closed descriptor is forgotten", name);
	}

	/* another thread wakes a blocked wait */
	{
		struct srt_notify n = SRT_NOTIFY_INIT;
		struct evloop_event evs[4];
		pthread_t t;

		is_int(notify_open(&n), 0, "%s: notify_open", name);
		evloop_add(l, n.rfd, EVL_IN, &n);
		pthread_create(&t, NULL, signal_later, &n);
		r = evloop_wait(l, evs, 4, -1);
		ok(r == 1 && evs[0].ptr == &n, "%s: a wait with no limit returns for the notifier",
		   name);
		pthread_join(t, NULL);
		notify_drain(&n);
		is_int(evloop_wait(l, evs, 4, 0), 0, "%s: drained, quiet again", name);
		evloop_del(l, n.rfd);
		notify_close(&n);
	}
	evloop_free(l);
}

int main(void)
{
	struct evloop *l = NULL;

	plan_no_plan();
	run(EVLOOP_POLL, "poll");
#ifdef __linux__
	run(EVLOOP_EPOLL, "epoll");
#endif
	is_int(evloop_new(EVLOOP_DEFAULT, &l), 0, "the default loop");
	is_str(evloop_backend_name(l), SRT_NET_LINUX ? "epoll" : "poll",
	       "the default is %s in this (%s) build", SRT_NET_LINUX ? "epoll" : "poll",
	       compat_net_flavour());
	evloop_free(l);
	is_int(evloop_new((enum evloop_backend)42, &l), -EINVAL, "an unknown back-end: -EINVAL");
	return tap_exit();
}
