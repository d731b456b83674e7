/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Asynchronous name resolution for the proxy's event loop.
 *
 * getaddrinfo() blocks, sometimes for a long time, and cannot be interrupted. The loop must never
 * block, so lookups run on a small pool of worker threads and finished results are signalled on
 * a descriptor that the loop polls (an eventfd, or a pipe where there is none: compat.h):
 *
 *	r = resolver_new(4, &res);                     register resolver_fd(res) for EVL_IN
 *	id = resolver_submit(res, "example.com", 443, conn);
 *	...fd readable...  n = resolver_collect(res, results, 16);
 *	resolver_cancel(res, id);                      the client went away: the result is dropped
 *	res = resolver_free(res);                      never waits for a lookup
 *
 * Every request ends in exactly one result (delivered through resolver_collect()), unless it is
 * cancelled or the resolver is freed first. A request that has not finished RESOLVER_TIMEOUT_MS
 * after it was submitted ends with ETIMEDOUT, even when getaddrinfo() hangs; its late answer is
 * dropped. A worker stuck in such a lookup is replaced by a new one (at most
 * RESOLVER_MAX_EXTRA_THREADS at a time), so hung lookups do not starve the queue.
 *
 * Thread safety: a resolver belongs to one thread, the event loop's. Every resolver_* call must
 * come from that thread (or be otherwise serialised by the caller). The worker threads and the
 * internal timer thread touch shared state only under the resolver's mutex, and they run with
 * every signal blocked, so signals keep going to the loop thread.
 *
 * After fork() the child has none of the threads: a child must not use a resolver it inherited
 * (it may only exec or _exit, as spawn.c's children do).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "host.h"

/* Requests submitted and not yet collected or cancelled (queued, in progress, or finished and
 * waiting for resolver_collect()). Bounds the memory one resolver can hold. */
#define RESOLVER_MAX_PENDING 4096
/* Addresses kept per result; a name with more keeps the first ones in resolver order. */
#define RESOLVER_MAX_ADDRS 16
/* The time limit of one request, counted from resolver_submit(). */
#define RESOLVER_TIMEOUT_MS 5000
/* resolver_new() accepts 1..RESOLVER_MAX_THREADS worker threads. */
#define RESOLVER_MAX_THREADS 8
/* Replacement workers started, at most, while workers are stuck in timed-out lookups. */
#define RESOLVER_MAX_EXTRA_THREADS 8

struct resolver; /* opaque */

struct resolver_result {
	int64_t id;   /* as returned by resolver_submit() */
	void *cookie; /* as given to resolver_submit() */
	/*
	 * 0, or a positive errno-like code:
	 *   ENOENT      no such name (EAI_NONAME)
	 *   ENODATA     the name exists but has no IPv4/IPv6 address (EAI_NODATA, EAI_ADDRFAMILY,
	 *               or an answer with no usable address)
	 *   EAGAIN      temporary failure, try again later (EAI_AGAIN)
	 *   ETIMEDOUT   no answer within RESOLVER_TIMEOUT_MS
	 *   EIO         non-recoverable resolver failure (EAI_FAIL, unknown codes)
	 *   ENOMEM      out of memory (EAI_MEMORY)
	 *   EINVAL      refused arguments (EAI_BADFLAGS, EAI_FAMILY, EAI_SOCKTYPE, EAI_SERVICE)
	 *   ECANCELED   lookup cancelled inside libc (EAI_CANCELED, EAI_INTR)
	 *   other       the errno of EAI_SYSTEM
	 */
	int error;
	size_t n; /* 0 when error != 0 */
	/* HOST_IPV4 / HOST_IPV6 built by host_from_address(): de-duplicated on the canonical form
	 * (an IPv4-mapped IPv6 answer equals the IPv4 one), in the order getaddrinfo() gave them */
	struct host addrs[RESOLVER_MAX_ADDRS];
};

/*
 * Starts `threads` worker threads (1..RESOLVER_MAX_THREADS) and one timer thread. Returns 0 or
 * -EINVAL, -ENOMEM, -EMFILE, -EAGAIN (no threads). *ret is written only on success.
 */
int resolver_new(unsigned threads, struct resolver **ret);

/* The descriptor (close-on-exec, non-blocking) that is readable while results wait for
 * resolver_collect(). Level-triggered use is simplest; an edge-triggered loop must collect until
 * resolver_collect() returns fewer than it asked for. -EINVAL for NULL. */
int resolver_fd(const struct resolver *r);

/*
 * Queues a lookup of `name` for `port`; `cookie` comes back with the result. `name` must be a
 * canonical host name as host_canonicalize() produces (HOST_NAME: lower-case, no trailing dot),
 * never an IP literal: the caller handles those, and anything else is -EINVAL, so a string that
 * getaddrinfo() would read as a number ("127.1") never reaches it. Never blocks.
 *
 * Returns a request id > 0, or -EINVAL, -EAGAIN (RESOLVER_MAX_PENDING requests outstanding) or
 * -ENOMEM.
 */
int64_t resolver_submit(struct resolver *r, const char *name, uint16_t port, void *cookie);

/*
 * Cancels a request: it yields no result, whether it is queued, in progress (its answer is
 * dropped when the lookup returns) or finished and not yet collected. An unknown, collected or
 * already cancelled id is ignored. Never blocks.
 */
void resolver_cancel(struct resolver *r, int64_t id);

/*
 * Moves up to `max` finished results into out[], oldest first, and returns how many. Call it
 * when resolver_fd() is readable; it may return 0 (a result was cancelled after the fd was
 * signalled). The fd stays readable while results remain. Never blocks.
 */
size_t resolver_collect(struct resolver *r, struct resolver_result *out, size_t max);

/*
 * Drops every request and stops the threads. Never waits for a lookup: a worker inside
 * getaddrinfo() finishes on its own, detached, and the last thread out frees the shared state.
 * The fd is closed before this returns. Accepts NULL; returns NULL.
 */
struct resolver *resolver_free(struct resolver *r);

/*
 * Test seam. `lookup` replaces getaddrinfo() (its results are freed with freeaddrinfo(), so it
 * must return getaddrinfo()'s own lists) and `timeout_ms` replaces RESOLVER_TIMEOUT_MS when not
 * 0. resolver_new(n, ret) is resolver_new_with(&(struct resolver_options){ .threads = n }, ret).
 */
struct addrinfo;
typedef int (*resolver_lookup_fn)(const char *node, const char *service,
				  const struct addrinfo *hints, struct addrinfo **res);

struct resolver_options {
	unsigned threads;
	unsigned timeout_ms;
	resolver_lookup_fn lookup;
};

int resolver_new_with(const struct resolver_options *opts, struct resolver **ret);
