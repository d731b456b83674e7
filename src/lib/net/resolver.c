/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Asynchronous name resolution: getaddrinfo() on worker threads, results on a notifier (an
 * eventfd, or a pipe where there is none: compat.h; see resolver.h for the contract).
 *
 * Shape. One struct resolver holds everything, shared by the loop thread (the owner), the
 * workers and one timer thread, all under r->lock. It is reference-counted: the owner holds one
 * reference until resolver_free(), every live thread holds one, and whoever drops the last
 * reference frees it. So resolver_free() never joins a thread (threads are detached), and a
 * worker that comes back from a getaddrinfo() call that outlived the resolver still finds valid
 * memory, sees r->stopping, and exits.
 *
 * A request is a struct job. Its states and the lists holding it:
 *
 *   QUEUED   in r->pending (deadline order) and r->queue (work order)
 *   RUNNING  in r->pending; a worker is in getaddrinfo() for it
 *   DONE     in r->done, waiting for resolver_collect()
 *   DROPPED  in no list: cancelled or abandoned while RUNNING; only the worker still holds it
 *
 * and, while its id is live (not collected, cancelled or freed), in a hash bucket, so cancel
 * finds it in O(1). A job has up to two references: the listing's (while the id is live) and a
 * worker's (while a lookup runs for it); the last one frees it. A worker writes its answer into
 * the job only if the job is still RUNNING, so a late answer for a job that timed out, was
 * cancelled or was abandoned is dropped.
 *
 * Time limits. Every job's deadline is its submission time plus a constant, so r->pending is in
 * deadline order and the timer thread only ever looks at its head. An expired job becomes DONE
 * with ETIMEDOUT whether it was QUEUED or RUNNING. A RUNNING one marks its worker as stuck, and
 * the timer starts a replacement worker (bounded by RESOLVER_MAX_EXTRA_THREADS) so the pool's
 * useful size stays at r->target; when a stuck worker finally returns and the pool is larger
 * than needed, it exits.
 *
 * The notifier. Threads write to it only under the lock and only while !r->stopping;
 * resolver_free() sets r->stopping under the lock before it closes it, so no thread can ever
 * write to a closed (or reused) descriptor number. resolver_collect() and resolver_cancel() drain
 * it under the lock whenever r->done is empty, so the fd is readable exactly while results wait.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "resolver.h"
#include "shared/compat.h"

/* Hash buckets for id lookup; ids are sequential, so the low bits spread them evenly. */
#define RESOLVER_BUCKETS 1024

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct link {
	struct link *prev, *next;
};

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_DROPPED };

/* An answer address without its text (host_from_address() rebuilds that in collect). */
struct packed_addr {
	enum host_kind kind; /* HOST_IPV4 or HOST_IPV6 */
	uint8_t addr[16];
};

struct answer {
	int error;
	size_t n;
	struct packed_addr addrs[RESOLVER_MAX_ADDRS];
};

struct job {
	struct link by_id; /* hash bucket, while the id is live */
	struct link order; /* r->pending (QUEUED, RUNNING) or r->done (DONE) */
	struct link queue; /* r->queue (QUEUED) */
	int64_t id;
	void *cookie;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	unsigned refs;
	enum job_state state;
	bool stuck; /* timed out while RUNNING: r->nstuck counts its worker */
	struct answer answer;
	/* immutable after submission, so the worker reads them without the lock */
	uint16_t port;
	char name[];
};

struct resolver {
	pthread_mutex_t lock;
	pthread_cond_t work_cond;  /* workers: r->queue not empty, or stopping */
	pthread_cond_t timer_cond; /* timer, CLOCK_MONOTONIC: new r->pending head, or stopping */
	struct link queue, pending, done;
	struct link buckets[RESOLVER_BUCKETS];
	struct srt_notify note;
	bool stopping;
	unsigned refs;	   /* the owner's and one per live thread */
	unsigned target;   /* the worker count asked for */
	bool started;      /* the threads are started by the first submission */
	unsigned nworkers; /* live worker threads, stuck ones included */
	unsigned nstuck;   /* workers inside a lookup that already timed out */
	size_t nlive;	   /* live ids, limited to RESOLVER_MAX_PENDING */
	int64_t next_id;
	uint64_t timeout_ns;
	resolver_lookup_fn lookup;
};

static void link_init(struct link *head) { head->prev = head->next = head; }

static bool link_empty(const struct link *head) { return head->next == head; }

static void link_add_tail(struct link *head, struct link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

static void link_del(struct link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct link *bucket_of(struct resolver *r, int64_t id)
{
	return &r->buckets[(uint64_t)id % RESOLVER_BUCKETS];
}

/* Called with r->lock held, like every *_locked function below. */
static void job_unref_locked(struct job *job)
{
	if (--job->refs == 0)
		free(job);
}

static void notify_locked(struct resolver *r)
{
	if (r->stopping)
		return;
	notify_signal(&r->note);
}

/* Keeps the fd readable exactly while results wait. */
static void sync_fd_locked(struct resolver *r)
{
	if (r->stopping || !link_empty(&r->done))
		return;
	notify_drain(&r->note);
}

/* Takes a job out of every list and drops the listing's reference. */
static void job_forget_locked(struct resolver *r, struct job *job)
{
	switch (job->state) {
	case JOB_QUEUED:
		link_del(&job->queue);
		link_del(&job->order);
		break;
	case JOB_RUNNING:
		link_del(&job->order);
		job->state = JOB_DROPPED; /* its worker drops the answer and the last reference */
		break;
	case JOB_DONE:
		link_del(&job->order);
		break;
	case JOB_DROPPED:
		break;
	}
	link_del(&job->by_id);
	r->nlive--;
	job_unref_locked(job);
}

static void resolver_destroy(struct resolver *r)
{
	pthread_cond_destroy(&r->timer_cond);
	pthread_cond_destroy(&r->work_cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Drops a thread's (or the owner's) reference; the last one out frees the resolver. */
static void resolver_unref_unlock(struct resolver *r)
{
	bool last = --r->refs == 0;

	pthread_mutex_unlock(&r->lock);
	if (last)
		resolver_destroy(r);
}

static int map_gai_error(int rc, int saved_errno)
{
	switch (rc) {
	case EAI_NONAME:
		return ENOENT;
#ifdef EAI_NODATA
	case EAI_NODATA:
		return ENODATA;
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
		return ENODATA;
#endif
	case EAI_AGAIN:
		return EAGAIN;
	case EAI_MEMORY:
		return ENOMEM;
	case EAI_BADFLAGS:
	case EAI_FAMILY:
	case EAI_SOCKTYPE:
	case EAI_SERVICE:
		return EINVAL;
	case EAI_OVERFLOW:
		return ENAMETOOLONG;
#ifdef EAI_CANCELED
	case EAI_CANCELED:
		return ECANCELED;
#endif
#ifdef EAI_INTR
	case EAI_INTR:
		return ECANCELED;
#endif
	case EAI_SYSTEM:
		return saved_errno > 0 ? saved_errno : EIO;
	case EAI_FAIL:
	default:
		return EIO;
	}
}

static void answer_add(struct answer *ans, int family, const void *addr)
{
	struct packed_addr p;
	struct host h;

	if (host_from_address(family, addr, &h) < 0)
		return;
	memset(&p, 0, sizeof(p));
	p.kind = h.kind;
	memcpy(p.addr, h.addr, sizeof(p.addr));
	for (size_t i = 0; i < ans->n; i++)
		if (ans->addrs[i].kind == p.kind && memcmp(ans->addrs[i].addr, p.addr, 16) == 0)
			return;
	ans->addrs[ans->n++] = p;
}

/* Runs without the lock: reads only the job's immutable fields and r->lookup. */
static void run_lookup(const struct resolver *r, const struct job *job, struct answer *ans)
{
	const struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICSERV, /* no AI_ADDRCONFIG: a name's answer is not filtered by
					 * which families this host happens to have */
	};
	struct addrinfo *list = NULL;
	char service[sizeof("65535")];
	int rc;

	memset(ans, 0, sizeof(*ans));
	snprintf(service, sizeof(service), "%u", (unsigned)job->port);
	errno = 0;
	rc = r->lookup(job->name, service, &hints, &list);
	if (rc != 0) {
		ans->error = map_gai_error(rc, errno);
		return;
	}
	for (const struct addrinfo *ai = list; ai && ans->n < RESOLVER_MAX_ADDRS;
	     ai = ai->ai_next) {
		if (!ai->ai_addr)
			continue;
		if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
			struct sockaddr_in sin;

			memcpy(&sin, ai->ai_addr, sizeof(sin));
			answer_add(ans, AF_INET, &sin.sin_addr);
		} else if (ai->ai_family == AF_INET6 &&
			   ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			struct sockaddr_in6 sin6;

			memcpy(&sin6, ai->ai_addr, sizeof(sin6));
			answer_add(ans, AF_INET6, &sin6.sin6_addr);
		}
	}
	freeaddrinfo(list);
	if (ans->n == 0)
		ans->error = ENODATA;
}

static void *worker_main(void *arg)
{
	struct resolver *r = arg;

	compat_thread_setname("srt-resolver");
	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct answer ans;
		struct job *job;

		while (!r->stopping && link_empty(&r->queue))
			pthread_cond_wait(&r->work_cond, &r->lock);
		if (r->stopping)
			break;

		job = container_of(r->queue.next, struct job, queue);
		link_del(&job->queue);
		job->state = JOB_RUNNING;
		job->refs++;
		pthread_mutex_unlock(&r->lock);

		run_lookup(r, job, &ans);

		pthread_mutex_lock(&r->lock);
		if (job->stuck)
			r->nstuck--;
		if (job->state == JOB_RUNNING) {
			link_del(&job->order);
			job->state = JOB_DONE;
			job->answer = ans;
			link_add_tail(&r->done, &job->order);
			notify_locked(r);
		}
		job_unref_locked(job);
		/* A replacement took this worker's place while it was stuck. */
		if (r->nworkers - r->nstuck > r->target)
			break;
	}
	r->nworkers--;
	resolver_unref_unlock(r);
	return NULL;
}

static int start_thread_locked(struct resolver *r, void *(*fn)(void *), bool worker)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int err;

	err = pthread_attr_init(&attr);
	if (err)
		return -err;
	err = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (err) {
		pthread_attr_destroy(&attr);
		return -err;
	}
	/* The thread inherits a full mask: signals are for the loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r->refs++;
	if (worker)
		r->nworkers++;
	err = pthread_create(&t, &attr, fn, r);
	if (err) {
		r->refs--;
		if (worker)
			r->nworkers--;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -err;
}

/* Ends every expired job with ETIMEDOUT. Returns whether any expired. */
static bool expire_locked(struct resolver *r, uint64_t now)
{
	bool any = false;

	while (!link_empty(&r->pending)) {
		struct job *job = container_of(r->pending.next, struct job, order);

		if (job->deadline_ns > now)
			break;
		link_del(&job->order);
		if (job->state == JOB_QUEUED) {
			link_del(&job->queue);
		} else {
			/* RUNNING: its worker is stuck in the lookup, which will be dropped */
			job->stuck = true;
			r->nstuck++;
		}
		job->state = JOB_DONE;
		memset(&job->answer, 0, sizeof(job->answer));
		job->answer.error = ETIMEDOUT;
		link_add_tail(&r->done, &job->order);
		any = true;
	}
	return any;
}

static void *timer_main(void *arg)
{
	struct resolver *r = arg;

	compat_thread_setname("srt-resolver-t");
	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		if (expire_locked(r, now_ns()))
			notify_locked(r);

		/* Keep r->target workers that are not stuck. A failure is retried at the next
		 * wake-up; meanwhile the queue waits, and times out, as it would anyway. */
		while (r->nworkers - r->nstuck < r->target &&
		       r->nworkers < r->target + RESOLVER_MAX_EXTRA_THREADS)
			if (start_thread_locked(r, worker_main, true) < 0)
				break;

		if (link_empty(&r->pending)) {
			pthread_cond_wait(&r->timer_cond, &r->lock);
		} else {
			const struct job *head = container_of(r->pending.next, struct job, order);

			(void)compat_cond_timedwait_monotonic(&r->timer_cond, &r->lock,
							      head->deadline_ns);
		}
	}
	resolver_unref_unlock(r);
	return NULL;
}

int resolver_new_with(const struct resolver_options *opts, struct resolver **ret)
{
	struct resolver *r;
	int err, rr;

	if (!opts || !ret || opts->threads < 1 || opts->threads > RESOLVER_MAX_THREADS)
		return -EINVAL;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	link_init(&r->queue);
	link_init(&r->pending);
	link_init(&r->done);
	for (size_t i = 0; i < RESOLVER_BUCKETS; i++)
		link_init(&r->buckets[i]);
	r->refs = 1;
	r->target = opts->threads;
	r->next_id = 1;
	r->timeout_ns =
	    (uint64_t)(opts->timeout_ms ? opts->timeout_ms : RESOLVER_TIMEOUT_MS) * 1000000u;
	r->lookup = opts->lookup ? opts->lookup : getaddrinfo;

	r->note = (struct srt_notify)SRT_NOTIFY_INIT;
	rr = notify_open(&r->note);
	if (rr < 0)
		goto fail_free;
	err = pthread_mutex_init(&r->lock, NULL);
	if (err)
		goto fail_close;
	err = pthread_cond_init(&r->work_cond, NULL);
	if (err)
		goto fail_mutex;
	err = -compat_cond_init_monotonic(&r->timer_cond);
	if (err)
		goto fail_work_cond;

	/* The threads start with the first submission: a sandbox that never resolves a name (or
	 * only localhost) never pays for them. */
	*ret = r;
	return 0;

fail_work_cond:
	pthread_cond_destroy(&r->work_cond);
fail_mutex:
	pthread_mutex_destroy(&r->lock);
fail_close:
	rr = -err;
	notify_close(&r->note);
fail_free:
	free(r);
	return rr;
}

int resolver_new(unsigned threads, struct resolver **ret)
{
	return resolver_new_with(&(struct resolver_options){.threads = threads}, ret);
}

int resolver_fd(const struct resolver *r)
{
	if (!r)
		return -EINVAL;
	return r->note.rfd;
}

int64_t resolver_submit(struct resolver *r, const char *name, uint16_t port, void *cookie)
{
	struct job *job;
	struct host h;
	size_t len;
	int64_t id;

	if (!r || !name)
		return -EINVAL;
	/* Canonical names only: this also keeps IP literals in any spelling away from
	 * getaddrinfo(), which would parse them instead of resolving. */
	len = strnlen(name, HOST_NAME_MAX_LEN + 1);
	if (len == 0 || len > HOST_NAME_MAX_LEN)
		return -EINVAL;
	if (host_canonicalize(name, len, &h, NULL) < 0 || h.kind != HOST_NAME ||
	    strcmp(h.text, name) != 0)
		return -EINVAL;

	pthread_mutex_lock(&r->lock);
	if (!r->started) {
		/* from here on the threads own references and resolver_free() is the way back;
		 * a partial start is completed by the worker top-up or the next submission */
		int rr = start_thread_locked(r, timer_main, false);

		for (unsigned i = 0; rr >= 0 && i < r->target; i++)
			rr = start_thread_locked(r, worker_main, true);
		if (rr < 0 && r->refs == 1) {
			pthread_mutex_unlock(&r->lock);
			return rr;
		}
		r->started = true;
	}
	if (r->nlive >= RESOLVER_MAX_PENDING) {
		pthread_mutex_unlock(&r->lock);
		return -EAGAIN;
	}
	job = calloc(1, sizeof(*job) + len + 1);
	if (!job) {
		pthread_mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	memcpy(job->name, name, len + 1);
	job->port = port;
	job->cookie = cookie;
	job->id = id = r->next_id++;
	job->deadline_ns = now_ns() + r->timeout_ns;
	job->refs = 1;
	job->state = JOB_QUEUED;

	link_add_tail(bucket_of(r, id), &job->by_id);
	if (link_empty(&r->pending))
		pthread_cond_signal(&r->timer_cond); /* a new head: the timer was idle */
	link_add_tail(&r->pending, &job->order);
	link_add_tail(&r->queue, &job->queue);
	r->nlive++;
	pthread_cond_signal(&r->work_cond);
	pthread_mutex_unlock(&r->lock);
	return id;
}

void resolver_cancel(struct resolver *r, int64_t id)
{
	struct link *head, *l;

	if (!r || id <= 0)
		return;
	pthread_mutex_lock(&r->lock);
	head = bucket_of(r, id);
	for (l = head->next; l != head; l = l->next) {
		struct job *job = container_of(l, struct job, by_id);

		if (job->id == id) {
			job_forget_locked(r, job);
			break;
		}
	}
	sync_fd_locked(r);
	pthread_mutex_unlock(&r->lock);
}

size_t resolver_collect(struct resolver *r, struct resolver_result *out, size_t max)
{
	size_t n = 0;

	if (!r || !out)
		return 0;
	pthread_mutex_lock(&r->lock);
	while (n < max && !link_empty(&r->done)) {
		struct job *job = container_of(r->done.next, struct job, order);
		struct resolver_result *res = &out[n++];

		memset(res, 0, sizeof(*res));
		res->id = job->id;
		res->cookie = job->cookie;
		res->error = job->answer.error;
		for (size_t i = 0; !res->error && i < job->answer.n; i++) {
			const struct packed_addr *p = &job->answer.addrs[i];

			if (host_from_address(p->kind == HOST_IPV4 ? AF_INET : AF_INET6, p->addr,
					      &res->addrs[res->n]) == 0)
				res->n++;
		}
		job_forget_locked(r, job);
	}
	sync_fd_locked(r);
	pthread_mutex_unlock(&r->lock);
	return n;
}

struct resolver *resolver_free(struct resolver *r)
{
	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	for (size_t i = 0; i < RESOLVER_BUCKETS; i++)
		while (!link_empty(&r->buckets[i]))
			job_forget_locked(r, container_of(r->buckets[i].next, struct job, by_id));
	pthread_cond_broadcast(&r->work_cond);
	pthread_cond_broadcast(&r->timer_cond);
	/* Safe under the lock: no thread writes to the fd once r->stopping is set. */
	notify_close(&r->note);
	resolver_unref_unlock(r);
	return NULL;
}
