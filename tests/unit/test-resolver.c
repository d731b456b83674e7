/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resolver_*: real getaddrinfo() lookups of names answered from /etc/hosts, one lookup of a
 * name under the reserved .invalid TLD (the only query that may reach the configured DNS
 * server), and, through the resolver_new_with() seam, a lookup function that blocks on a gate
 * to pin requests in the queued and running states. The seam maps every name to "localhost",
 * so it sends no DNS traffic. Every wait is bounded (poll on resolver_fd(), 10 s).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#include "net/host.h"
#include "net/resolver.h"

#define WAIT_MS 10000

/* --- the gate: names starting "hang-" block in the lookup until it opens ------------------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open = true;
static int gate_waiters;

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int test_lookup(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	if (strncmp(node, "hang-", 5) == 0) {
		struct timespec ts;

		deadline_in(&ts, 30000); /* never hang the test run for good */
		pthread_mutex_lock(&gate_lock);
		gate_waiters++;
		pthread_cond_broadcast(&gate_cond);
		while (!gate_open)
			if (pthread_cond_timedwait(&gate_cond, &gate_lock, &ts) == ETIMEDOUT)
				break;
		gate_waiters--;
		pthread_cond_broadcast(&gate_cond);
		pthread_mutex_unlock(&gate_lock);
	}
	return getaddrinfo("localhost", service, hints, res);
}

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

/* Waits until `n` lookups are blocked at the gate. */
static bool gate_wait_waiters(int n)
{
	struct timespec ts;
	bool reached;

	deadline_in(&ts, WAIT_MS);
	pthread_mutex_lock(&gate_lock);
	while (gate_waiters < n)
		if (pthread_cond_timedwait(&gate_cond, &gate_lock, &ts) == ETIMEDOUT)
			break;
	reached = gate_waiters >= n;
	pthread_mutex_unlock(&gate_lock);
	return reached;
}

/* --- helpers --------------------------------------------------------------------------------- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* Collects until `want` results arrived or nothing arrived for WAIT_MS. Returns the count. */
static size_t collect_n(struct resolver *r, struct resolver_result *out, size_t want)
{
	size_t got = 0;

	while (got < want) {
		if (!fd_readable(resolver_fd(r), WAIT_MS))
			break;
		got += resolver_collect(r, out + got, want - got);
	}
	return got;
}

/* Live resolver threads: those named "srt-resolver..." (workers and the timer set that name).
 * Counting all of /proc/self/task would also count the sanitizers' own threads. */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue; /* the thread just exited */
		if (fgets(comm, sizeof(comm), f) && strncmp(comm, "srt-resolver", 12) == 0)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Waits until `n` resolver threads are left. */
static bool wait_threads(int n)
{
	int64_t end = mono_ms() + WAIT_MS;

	while (count_threads() != n) {
		if (mono_ms() > end)
			return false;
		sleep_ms(10);
	}
	return true;
}

static bool host_eq(const struct host *a, const struct host *b)
{
	return a->kind == b->kind && strcmp(a->text, b->text) == 0 &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static bool host_in(const struct host *h, const struct host *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (host_eq(h, &set[i]))
			return true;
	return false;
}

/* The addresses /etc/hosts gives "localhost", de-duplicated. */
static size_t hosts_localhost(struct host *out, size_t max)
{
	FILE *f = fopen("/etc/hosts", "re");
	char line[1024];
	size_t n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *addr, *name;
		uint8_t bin[16];
		struct host h;
		int family;
		bool match = false;

		line[strcspn(line, "#\n")] = '\0';
		addr = strtok_r(line, " \t", &save);
		if (!addr)
			continue;
		while ((name = strtok_r(NULL, " \t", &save)))
			if (strcmp(name, "localhost") == 0)
				match = true;
		if (!match)
			continue;
		family = strchr(addr, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(family, addr, bin) != 1 || host_from_address(family, bin, &h) < 0)
			continue;
		if (n < max && !host_in(&h, out, n))
			out[n++] = h;
	}
	fclose(f);
	return n;
}

static struct resolver *new_gated(unsigned threads, unsigned timeout_ms)
{
	struct resolver *r = NULL;
	int rr;

	rr = resolver_new_with(&(struct resolver_options){.threads = threads,
							  .timeout_ms = timeout_ms,
							  .lookup = test_lookup},
			       &r);
	is_int(rr, 0, "resolver_new_with(%u threads, %u ms, test lookup)", threads, timeout_ms);
	return rr == 0 ? r : NULL;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_arguments_are_checked(void)
{
	static const char *const refused[] = {
	    "",		  "127.0.0.1", "127.1", "::1",	      "[::1]",	    "LocalHost",
	    "localhost.", "a b",       "a..b",	"2130706433", "0x7f000001",
	};
	struct resolver *r = NULL;
	int fd;

	is_int(resolver_new(0, &r), -EINVAL, "0 threads is refused");
	is_int(resolver_new(RESOLVER_MAX_THREADS + 1, &r), -EINVAL, "9 threads are refused");
	is_int(resolver_new(1, NULL), -EINVAL, "NULL ret is refused");
	ok(r == NULL, "*ret untouched on failure");
	is_int(resolver_fd(NULL), -EINVAL, "resolver_fd(NULL)");
	ok(resolver_free(NULL) == NULL, "resolver_free(NULL)");
	is_int(resolver_collect(NULL, NULL, 1), 0, "resolver_collect(NULL)");
	resolver_cancel(NULL, 1);

	if (!ok(resolver_new(2, &r) == 0, "resolver_new(2)"))
		return;
	fd = resolver_fd(r);
	ok(fd >= 0, "resolver_fd() is a descriptor");
	ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the fd is close-on-exec");
	ok(fcntl(fd, F_GETFL) & O_NONBLOCK, "the fd is non-blocking");
	ok(!fd_readable(fd, 0), "the fd is not readable with no results");

	is_int(resolver_submit(r, NULL, 80, NULL), -EINVAL, "NULL name is refused");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		is_int(resolver_submit(r, refused[i], 80, NULL), -EINVAL,
		       "'%s' is refused (IP literal or not canonical)", refused[i]);
	resolver_cancel(r, 12345); /* unknown ids are ignored */
	resolver_cancel(r, -1);
	ok(resolver_free(r) == NULL, "resolver_free() returns NULL");
}

static void test_localhost_matches_etc_hosts(void)
{
	struct host want[RESOLVER_MAX_ADDRS];
	struct resolver_result res;
	struct resolver *r = NULL;
	size_t nwant, got;
	int cookie = 42;
	int64_t id;

	nwant = hosts_localhost(want, RESOLVER_MAX_ADDRS);
	if (nwant == 0) {
		ok(1, "localhost lookup # SKIP /etc/hosts has no 'localhost' line");
		return;
	}
	for (size_t i = 0; i < nwant; i++)
		printf("# /etc/hosts: localhost is %s\n", want[i].text);

	if (!ok(resolver_new(1, &r) == 0, "resolver_new(1)"))
		return;
	id = resolver_submit(r, "localhost", 443, &cookie);
	ok(id > 0, "submit 'localhost' returns an id > 0 (%lld)", (long long)id);
	got = collect_n(r, &res, 1);
	if (ok(got == 1, "one result within 10 s")) {
		is_int(res.id, id, "the result carries the id");
		ok(res.cookie == &cookie, "the cookie comes back");
		is_int(res.error, 0, "no error");
		is_int(res.n, nwant, "as many addresses as /etc/hosts names");
		for (size_t i = 0; i < res.n; i++) {
			ok(host_in(&res.addrs[i], want, nwant), "%s is in /etc/hosts",
			   res.addrs[i].text);
			for (size_t j = 0; j < i; j++)
				ok(!host_eq(&res.addrs[i], &res.addrs[j]), "%s is not repeated",
				   res.addrs[i].text);
		}
	}
	ok(!fd_readable(resolver_fd(r), 0), "the fd is quiet once the result is collected");
	is_int(resolver_collect(r, &res, 1), 0, "nothing more to collect");
	resolver_free(r);
}

static void test_invalid_tld_fails(void)
{
	struct resolver_result res;
	struct resolver *r = NULL;
	int64_t id, t0;
	size_t got;

	if (!ok(resolver_new(1, &r) == 0, "resolver_new(1)"))
		return;
	t0 = mono_ms();
	id = resolver_submit(r, "srt-resolver-test.invalid", 80, NULL);
	ok(id > 0, "submit a name under .invalid");
	got = collect_n(r, &res, 1);
	if (ok(got == 1, "a result within 10 s (took %lld ms)", (long long)(mono_ms() - t0))) {
		ok(res.error != 0, "the lookup fails (%s)", strerror(res.error));
		is_int(res.n, 0, "no addresses");
		if (res.error == ENOENT)
			ok(1, "the error is ENOENT");
		else
			ok(1, "the error is ENOENT # SKIP no working DNS resolver here (%s)",
			   strerror(res.error));
	}
	resolver_free(r);
}

static void test_200_concurrent_lookups_complete(void)
{
	enum { N = 200 };
	static struct resolver_result res[N];
	static int cookies[N];
	static int64_t ids[N];
	struct resolver *r = NULL;
	bool seen[N] = {false};
	size_t got, good = 0;
	bool all_submitted = true;

	if (!ok(resolver_new(4, &r) == 0, "resolver_new(4)"))
		return;
	for (int i = 0; i < N; i++) {
		ids[i] = resolver_submit(r, "localhost", (uint16_t)(1000 + i), &cookies[i]);
		if (ids[i] <= 0)
			all_submitted = false;
	}
	ok(all_submitted, "200 submissions accepted");
	got = collect_n(r, res, N);
	is_int(got, N, "200 results");
	for (size_t k = 0; k < got; k++) {
		int i = (int)((int *)res[k].cookie - cookies);

		if (i < 0 || i >= N || ids[i] != res[k].id || seen[i] || res[k].error ||
		    res[k].n == 0)
			continue;
		seen[i] = true;
		good++;
	}
	is_int(good, N, "each id once, with its own cookie and addresses");
	resolver_free(r);
}

static void test_cancel_drops_results(void)
{
	struct resolver_result res[4];
	struct resolver *r;
	int64_t a, b, c, d;
	size_t got;

	r = new_gated(1, 0);
	if (!r)
		return;
	gate_set(false);
	a = resolver_submit(r, "hang-a.test", 80, NULL);
	ok(gate_wait_waiters(1), "request A is running (blocked in the lookup)");
	b = resolver_submit(r, "fast-b.test", 80, NULL);
	ok(a > 0 && b > 0, "A and B submitted");
	resolver_cancel(r, b); /* queued */
	resolver_cancel(r, a); /* running */
	c = resolver_submit(r, "fast-c.test", 80, NULL);
	gate_set(true);

	got = collect_n(r, res, 1);
	is_int(got, 1, "one result after the gate opens");
	if (got == 1)
		is_int(res[0].id, c,
		       "it is C's: cancelled A (running) and B (queued) yield nothing");
	ok(!fd_readable(resolver_fd(r), 300), "no late result for A");
	is_int(resolver_collect(r, res, 4), 0, "nothing to collect");

	d = resolver_submit(r, "fast-d.test", 80, NULL);
	ok(d > 0 && fd_readable(resolver_fd(r), WAIT_MS), "D finished");
	resolver_cancel(r, d); /* finished, not collected */
	ok(!fd_readable(resolver_fd(r), 0), "cancelling the only result quiets the fd");
	is_int(resolver_collect(r, res, 4), 0, "D's result is dropped");
	resolver_cancel(r, d); /* twice: ignored */
	resolver_cancel(r, c); /* collected: ignored */
	resolver_free(r);
}

static void test_partial_collect_keeps_fd_readable(void)
{
	struct resolver_result res;
	struct resolver *r = NULL;
	size_t total = 0;
	bool readable = true;

	if (!ok(resolver_new(2, &r) == 0, "resolver_new(2)"))
		return;
	for (int i = 0; i < 5; i++)
		resolver_submit(r, "localhost", 80, NULL);
	/* Let all five finish (localhost is a file lookup), then take them one by one. */
	sleep_ms(200);
	while (total < 5) {
		if (!fd_readable(resolver_fd(r), WAIT_MS)) {
			readable = false;
			break;
		}
		total += resolver_collect(r, &res, 1);
	}
	ok(readable && total == 5, "collecting one at a time gets all 5 (fd re-armed)");
	is_int(resolver_collect(r, &res, 0), 0, "max 0 collects nothing");
	ok(!fd_readable(resolver_fd(r), 0), "fd quiet when all are collected");
	resolver_free(r);
}

static void test_queue_limit_and_free_with_lookups_in_flight(int baseline)
{
	struct resolver *r;
	bool all = true;
	int64_t id, first, t0;

	r = new_gated(1, 0);
	if (!r)
		return;
	gate_set(false);
	first = resolver_submit(r, "hang-q.test", 80, NULL);
	ok(first > 0 && gate_wait_waiters(1), "the worker is stuck at the gate");
	for (int i = 1; i < RESOLVER_MAX_PENDING; i++)
		if (resolver_submit(r, "fast-q.test", 80, NULL) <= 0)
			all = false;
	ok(all, "%d requests accepted", RESOLVER_MAX_PENDING);
	is_int(resolver_submit(r, "fast-q.test", 80, NULL), -EAGAIN, "one more is -EAGAIN");
	resolver_cancel(r, first + 7);
	id = resolver_submit(r, "fast-q.test", 80, NULL);
	ok(id > 0, "a cancel makes room for one");
	is_int(resolver_submit(r, "fast-q.test", 80, NULL), -EAGAIN, "and only one");

	t0 = mono_ms();
	resolver_free(r);
	ok(mono_ms() - t0 < 1000, "resolver_free() does not wait for the stuck lookup (%lld ms)",
	   (long long)(mono_ms() - t0));
	ok(count_threads() > baseline, "the stuck worker is still alive after free");
	gate_set(true);
	ok(wait_threads(baseline), "every resolver thread exits once the lookup returns");
}

static void test_timeout_and_replacement_worker(int baseline)
{
	struct resolver_result res[2];
	struct resolver *r;
	int64_t h, g, t0;
	size_t got;

	r = new_gated(1, 300);
	if (!r)
		return;
	gate_set(false);
	t0 = mono_ms();
	h = resolver_submit(r, "hang-t.test", 80, NULL);
	ok(h > 0 && gate_wait_waiters(1), "H is stuck in the lookup");
	got = collect_n(r, res, 1);
	if (ok(got == 1, "H ends")) {
		int64_t took = mono_ms() - t0;

		is_int(res[0].id, h, "the result is H's");
		is_int(res[0].error, ETIMEDOUT, "with ETIMEDOUT");
		ok(took >= 250 && took < 5000, "after the 300 ms limit (%lld ms)", (long long)took);
	}

	/* The only worker is stuck: a replacement must serve G. */
	g = resolver_submit(r, "fast-g.test", 80, NULL);
	got = collect_n(r, res, 1);
	if (ok(got == 1, "G ends")) {
		is_int(res[0].id, g, "the result is G's");
		is_int(res[0].error, 0, "resolved by a replacement worker while H's is stuck");
	}
	is_int(count_threads(), baseline + 3, "timer + stuck worker + replacement");

	gate_set(true);
	ok(!fd_readable(resolver_fd(r), 300), "H's late answer is dropped");
	ok(wait_threads(baseline + 2), "the surplus worker exits after its lookup returns");
	resolver_free(r);
	ok(wait_threads(baseline), "all threads exit after resolver_free()");
}

static void test_free_with_real_lookups_in_flight(int baseline)
{
	struct resolver *r = NULL;
	int64_t t0;

	if (!ok(resolver_new(RESOLVER_MAX_THREADS, &r) == 0, "resolver_new(8)"))
		return;
	for (int i = 0; i < 100; i++)
		resolver_submit(r, "localhost", 80, NULL);
	t0 = mono_ms();
	resolver_free(r);
	ok(mono_ms() - t0 < 1000, "resolver_free() with 100 lookups in flight returns at once");
	ok(wait_threads(baseline), "every thread exits");
}

int main(void)
{
	int baseline = count_threads();

	plan_no_plan();
	is_int(baseline, 0, "no resolver threads before the tests");
	{
		struct resolver *r = NULL;

		is_int(resolver_new(4, &r), 0, "resolver_new");
		is_int(count_threads(), 0, "a resolver starts no thread before its first lookup");
		r = resolver_free(r);
		is_int(count_threads(), 0, "... and freeing it leaves none");
	}
	test_arguments_are_checked();
	test_localhost_matches_etc_hosts();
	test_invalid_tld_fails();
	test_200_concurrent_lookups_complete();
	test_cancel_drops_results();
	test_partial_collect_keeps_fd_readable();
	test_queue_limit_and_free_with_lookups_in_flight(baseline);
	test_timeout_and_replacement_worker(baseline);
	test_free_with_real_lookups_in_flight(baseline);
	ok(wait_threads(baseline), "no resolver thread outlives the tests");
	return tap_exit();
}
