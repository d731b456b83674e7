/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tunnel relay (src/lib/net/relay.c) driven by a tiny level-triggered epoll loop, over real
 * loopback TCP connections (127.0.0.1, port 0) and AF_UNIX socketpairs:
 *
 *	client C <-TCP-> a [relay] b <-TCP-> server S
 *
 * The endpoints send a deterministic pseudo-random stream; receivers compare every byte with
 * the expected stream and both sides keep a position-sensitive checksum. Bulk transfers run the
 * endpoints in a second thread, so the relay has a thread of its own as it would in the proxy;
 * the direct-copy baseline runs the same endpoint code over one TCP connection. Throughput is
 * printed as TAP comments, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/relay.h"
#include "tap.h"

#define MiB (1024 * 1024)
#define BULK (64 * MiB)
#define IO_CHUNK (256 * 1024)
/* pattern length: 1 MiB plus a prime so the stream does not repeat on power-of-two bounds */
#define PAT_LEN (MiB + 13)
#define STEP_BUDGET (1 * MiB)
#define TIMEOUT_MS 15000

static unsigned char *pat; /* PAT_LEN + IO_CHUNK bytes: the tail repeats the head */

static void pattern_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	pat = malloc(PAT_LEN + IO_CHUNK);
	if (!pat)
		exit(99);
	for (size_t i = 0; i < PAT_LEN; i++) {
		/* xorshift64* */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		pat[i] = (unsigned char)((x * 0x2545f4914f6cdd1dull) >> 56);
	}
	memcpy(pat + PAT_LEN, pat, IO_CHUNK);
}

static const unsigned char *pat_at(uint64_t pos)
{
	return pat + pos % PAT_LEN;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fletcher-like over 64-bit little-endian words: position-sensitive, cheap enough not to
 * dominate a loopback transfer. A partial word is carried across calls. */
struct csum {
	uint64_t s1, s2, carry;
	unsigned ncarry;
};

static void csum_word(struct csum *c, uint64_t w)
{
	c->s1 += w;
	c->s2 += c->s1;
}

static void csum_update(struct csum *c, const unsigned char *p, size_t n)
{
	while (n > 0 && c->ncarry > 0) {
		c->carry |= (uint64_t)*p++ << (8 * c->ncarry);
		n--;
		if (++c->ncarry == 8) {
			csum_word(c, c->carry);
			c->carry = 0;
			c->ncarry = 0;
		}
	}
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		csum_word(c, w);
	}
	while (n > 0) {
		c->carry |= (uint64_t)*p++ << (8 * c->ncarry);
		c->ncarry++;
		n--;
	}
}

static uint64_t csum_final(const struct csum *c)
{
	struct csum t = *c;

	if (t.ncarry)
		csum_word(&t, t.carry ^ ((uint64_t)t.ncarry << 56));
	return t.s1 ^ (t.s2 * 0x100000001b3ull);
}

/* ---- endpoints: the client and the server, non-blocking ---- */

struct ep {
	int fd;
	uint64_t tx_total, tx_done, tx_base; /* sends pattern from tx_base + tx_done */
	bool shut_when_sent, shut_done;
	bool rx_pause, rx_eof;
	uint64_t rx_done, rx_base; /* verifies pattern from rx_base + rx_done */
	int err;          /* -errno, or -EBADMSG on a content mismatch */
	struct csum tx_sum, rx_sum;
	unsigned char rxbuf[IO_CHUNK];
	uint32_t reg; /* registered epoll events */
};

static void ep_init(struct ep *e, int fd, uint64_t tx_total, bool shut_when_sent)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->tx_total = tx_total;
	e->shut_when_sent = shut_when_sent;
	e->reg = UINT32_MAX;
}

static bool ep_complete(const struct ep *e)
{
	if (e->err)
		return true;
	return e->tx_done == e->tx_total && (!e->shut_when_sent || e->shut_done) && e->rx_eof;
}

static void ep_send(struct ep *e)
{
	size_t budget = STEP_BUDGET;

	while (e->tx_done < e->tx_total && budget > 0) {
		uint64_t left = e->tx_total - e->tx_done;
		size_t n = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
		const unsigned char *p = pat_at(e->tx_base + e->tx_done);
		ssize_t k = send(e->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				e->err = -errno;
			return;
		}
		csum_update(&e->tx_sum, p, (size_t)k);
		e->tx_done += (uint64_t)k;
		budget -= (size_t)k < budget ? (size_t)k : budget;
	}
	if (e->tx_done == e->tx_total && e->shut_when_sent && !e->shut_done) {
		if (shutdown(e->fd, SHUT_WR) < 0)
			e->err = -errno;
		e->shut_done = true;
	}
}

static void ep_recv(struct ep *e)
{
	size_t budget = STEP_BUDGET;

	while (!e->rx_eof && !e->rx_pause && budget > 0) {
		ssize_t k = read(e->fd, e->rxbuf, sizeof(e->rxbuf));

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				e->err = -errno;
			return;
		}
		if (k == 0) {
			e->rx_eof = true;
			return;
		}
		if (memcmp(e->rxbuf, pat_at(e->rx_base + e->rx_done), (size_t)k) != 0 && !e->err) {
			printf("# content mismatch at offset %llu\n", (unsigned long long)e->rx_done);
			e->err = -EBADMSG;
		}
		csum_update(&e->rx_sum, e->rxbuf, (size_t)k);
		e->rx_done += (uint64_t)k;
		budget -= (size_t)k < budget ? (size_t)k : budget;
	}
}

static void ep_step(struct ep *e, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ep_recv(e);
	if (events & (EPOLLOUT | EPOLLERR))
		ep_send(e);
}

/* ---- the level-triggered loop ---- */

#define MAX_EPS 4

struct loop {
	int epfd;
	struct relay *r;
	int rfd[2];
	uint32_t rreg[2];
	int relay_rc;
	unsigned long calls;   /* relay_handle() calls */
	unsigned long wakeups; /* epoll_wait() returns with events */
	struct ep *eps[MAX_EPS];
	int neps;
};

/* Interest 0 is registered as EPOLLET alone: EPOLLHUP/EPOLLERR cannot be masked and would
 * wake a level-triggered loop forever (relay.h). */
static void set_interest(struct loop *l, int fd, uint32_t tag, uint32_t *reg, uint32_t want)
{
	struct epoll_event ev = { .events = want ? want : EPOLLET, .data.u32 = tag };

	if (*reg == ev.events)
		return;
	if (epoll_ctl(l->epfd, *reg == UINT32_MAX ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) < 0) {
		printf("# epoll_ctl: %s\n", strerror(errno));
		exit(99);
	}
	*reg = ev.events;
}

static void loop_init(struct loop *l, struct relay *r, int a, int b)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		exit(99);
	l->r = r;
	l->rfd[0] = a;
	l->rfd[1] = b;
	l->rreg[0] = l->rreg[1] = UINT32_MAX;
}

static void loop_add_ep(struct loop *l, struct ep *e)
{
	l->eps[l->neps++] = e;
}

static void loop_done(struct loop *l)
{
	close(l->epfd);
}

static void loop_update(struct loop *l)
{
	for (int k = 0; l->r && k < 2; k++) {
		unsigned w = l->relay_rc ? 0 : relay_wants(l->r, k);

		set_interest(l, l->rfd[k], (uint32_t)k, &l->rreg[k],
			     ((w & RELAY_WANT_READ) ? EPOLLIN : 0) |
				     ((w & RELAY_WANT_WRITE) ? EPOLLOUT : 0));
	}
	for (int i = 0; i < l->neps; i++) {
		struct ep *e = l->eps[i];
		uint32_t want = 0;

		if (!e->err && !e->rx_eof && !e->rx_pause)
			want |= EPOLLIN;
		if (!e->err && (e->tx_done < e->tx_total || (e->shut_when_sent && !e->shut_done)))
			want |= EPOLLOUT;
		set_interest(l, e->fd, 2 + (uint32_t)i, &e->reg, want);
	}
}

static bool until_relay_done(struct loop *l)
{
	return l->relay_rc != 0;
}

static bool until_eps_complete(struct loop *l)
{
	for (int i = 0; i < l->neps; i++)
		if (!ep_complete(l->eps[i]))
			return false;
	return true;
}

static bool until_all_done(struct loop *l)
{
	return until_relay_done(l) && until_eps_complete(l);
}

static bool until_never(struct loop *l)
{
	(void)l;
	return false;
}

static struct ep *watched_ep;
static bool until_watched_eof(struct loop *l)
{
	(void)l;
	return watched_ep->rx_eof || watched_ep->err;
}

static void loop_run(struct loop *l, int ms, bool (*until)(struct loop *l))
{
	double deadline = now_s() + ms / 1000.0;
	struct epoll_event evs[16];

	while (!until(l)) {
		int left = (int)((deadline - now_s()) * 1000.0);
		int n;

		loop_update(l);
		if (left <= 0)
			break;
		n = epoll_wait(l->epfd, evs, 16, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			exit(99);
		if (n > 0)
			l->wakeups++;
		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if (tag < 2) {
				if (l->relay_rc)
					continue;
				l->calls++;
				l->relay_rc = relay_handle(l->r, (int)tag, evs[i].events);
			} else {
				ep_step(l->eps[tag - 2], evs[i].events);
			}
		}
	}
}

static void *eps_thread(void *arg)
{
	struct loop *l = arg;

	loop_run(l, TIMEOUT_MS, until_eps_complete);
	return NULL;
}

/* ---- sockets ---- */

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		exit(99);
}

static void small_buffers(int fd)
{
	int v = 16 * 1024;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/* A connected loopback TCP pair, both ends non-blocking. `small`: shrink the buffers before
 * connecting, so the receive window is small from the start. */
static void tcp_pair(int *ret_c, int *ret_s, bool small)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int l, c, s;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || c < 0)
		exit(99);
	if (small) {
		small_buffers(l); /* inherited by the accepted socket */
		small_buffers(c);
	}
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) < 0 ||
	    connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		exit(99);
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s < 0)
		exit(99);
	close(l);
	set_nonblock(c);
	*ret_c = c;
	*ret_s = s;
}

static void unix_pair(int *ret_c, int *ret_s, bool small)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		exit(99);
	if (small) {
		small_buffers(sv[0]);
		small_buffers(sv[1]);
	}
	*ret_c = sv[0];
	*ret_s = sv[1];
}

enum kind { TCP, UNIX };

/* client C, relay ends a and b, server S */
struct tunnel {
	int c, a, b, s;
};

static void tunnel_open(struct tunnel *t, enum kind k, bool small)
{
	if (k == TCP) {
		tcp_pair(&t->c, &t->a, small);
		tcp_pair(&t->b, &t->s, small);
	} else {
		unix_pair(&t->c, &t->a, small);
		unix_pair(&t->b, &t->s, small);
	}
}

static void tunnel_close(struct tunnel *t)
{
	int *fds[] = { &t->c, &t->a, &t->b, &t->s };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* ---- tests ---- */

static double mbps(uint64_t bytes, double secs)
{
	return secs > 0 ? (double)bytes / MiB / secs : 0;
}

static const char *mode_name(relay_flags f)
{
	return (f & RELAY_NO_SPLICE) ? "copy" : "splice";
}

/*
 * Relays c2s bytes from C to S and s2c bytes from S to C at the same time, each side shutting
 * down for writing once it has sent everything. Returns MB/s (both directions together).
 */
static double bulk(enum kind k, relay_flags flags, uint64_t c2s, uint64_t s2c)
{
	const char *kn = k == TCP ? "tcp" : "unix";
	struct tunnel t;
	struct relay *r = NULL;
	struct ep *C = malloc(sizeof(*C)), *S = malloc(sizeof(*S));
	struct loop el, rl;
	pthread_t th;
	uint64_t ab = 0, ba = 0;
	double t0, secs;
	int rc;

	if (!C || !S)
		exit(99);
	tunnel_open(&t, k, false);
	rc = relay_new_flags(t.a, t.b, NULL, 0, flags, &r);
	is_int(rc, 0, "%s/%s: relay_new", kn, mode_name(flags));
	if (rc < 0)
		exit(99);
	ep_init(C, t.c, c2s, true);
	ep_init(S, t.s, s2c, true);
	C->tx_base = 0;
	S->tx_base = 7777; /* a different stream each way */
	C->rx_base = 7777;
	loop_init(&el, NULL, -1, -1);
	loop_add_ep(&el, C);
	loop_add_ep(&el, S);
	loop_init(&rl, r, t.a, t.b);

	t0 = now_s();
	if (pthread_create(&th, NULL, eps_thread, &el) != 0)
		exit(99);
	loop_run(&rl, TIMEOUT_MS, until_relay_done);
	pthread_join(th, NULL);
	secs = now_s() - t0;

	relay_stats(r, &ab, &ba);
	is_int(rl.relay_rc, 1, "%s/%s: relay finished cleanly", kn, mode_name(flags));
	ok(!C->err && !S->err, "%s/%s: endpoints without error (C %d, S %d)", kn, mode_name(flags),
	   C->err, S->err);
	ok(S->rx_done == c2s && S->rx_eof && C->rx_done == s2c && C->rx_eof,
	   "%s/%s: %llu bytes C->S and %llu S->C, each followed by EOF", kn, mode_name(flags),
	   (unsigned long long)c2s, (unsigned long long)s2c);
	ok(csum_final(&C->tx_sum) == csum_final(&S->rx_sum) &&
		   csum_final(&S->tx_sum) == csum_final(&C->rx_sum),
	   "%s/%s: checksums match both ways", kn, mode_name(flags));
	ok(ab == c2s && ba == s2c, "%s/%s: relay_stats %llu / %llu", kn, mode_name(flags),
	   (unsigned long long)ab, (unsigned long long)ba);
	printf("# %s/%s: splicing after the transfer: a->b %d, b->a %d; %lu relay_handle calls\n",
	       kn, mode_name(flags), relay_is_splicing(r, 0), relay_is_splicing(r, 1), rl.calls);
	if (!(flags & RELAY_NO_SPLICE) && relay_can_splice())
		ok(relay_is_splicing(r, 0) && relay_is_splicing(r, 1),
		   "%s/splice: splice() worked on these sockets (no fallback)", kn);
	else if (!(flags & RELAY_NO_SPLICE))
		ok(!relay_is_splicing(r, 0) && !relay_is_splicing(r, 1),
		   "%s/splice: a build without splice (portable) took the copy path", kn);
	else
		ok(!relay_is_splicing(r, 0) && !relay_is_splicing(r, 1),
		   "%s/copy: RELAY_NO_SPLICE forces the copy path", kn);

	r = relay_free(r);
	loop_done(&el);
	loop_done(&rl);
	tunnel_close(&t);
	free(C);
	free(S);
	return mbps(c2s + s2c, secs);
}

/* The same endpoint work over one TCP connection, no relay. */
static double direct(uint64_t c2s, uint64_t s2c)
{
	struct ep *X = malloc(sizeof(*X)), *Y = malloc(sizeof(*Y));
	struct loop el;
	pthread_t th;
	double t0, secs;
	int x, y;

	if (!X || !Y)
		exit(99);
	tcp_pair(&x, &y, false);
	ep_init(X, x, c2s, true);
	ep_init(Y, y, s2c, true);
	Y->tx_base = 7777;
	X->rx_base = 7777;
	loop_init(&el, NULL, -1, -1);
	loop_add_ep(&el, X);
	loop_add_ep(&el, Y);
	t0 = now_s();
	if (pthread_create(&th, NULL, eps_thread, &el) != 0)
		exit(99);
	pthread_join(th, NULL);
	secs = now_s() - t0;
	ok(!X->err && !Y->err && Y->rx_done == c2s && X->rx_done == s2c &&
		   csum_final(&X->tx_sum) == csum_final(&Y->rx_sum) &&
		   csum_final(&Y->tx_sum) == csum_final(&X->rx_sum),
	   "direct baseline: %llu / %llu bytes intact", (unsigned long long)c2s,
	   (unsigned long long)s2c);
	loop_done(&el);
	close(x);
	close(y);
	free(X);
	free(Y);
	return mbps(c2s + s2c, secs);
}

static void test_throughput(void)
{
	double sp, cp, dr;

	sp = bulk(TCP, 0, BULK, BULK);
	cp = bulk(TCP, RELAY_NO_SPLICE, BULK, BULK);
	dr = direct(BULK, BULK);
	printf("# bidirectional 64 MiB each way (MB/s, both directions summed):\n");
	printf("#   direct %.0f, relay/splice %.0f (%.2fx), relay/copy %.0f (%.2fx)\n", dr, sp,
	       dr > 0 ? sp / dr : 0, cp, dr > 0 ? cp / dr : 0);

	/* a download: the server sends, the client only receives */
	sp = bulk(TCP, 0, 0, BULK);
	cp = bulk(TCP, RELAY_NO_SPLICE, 0, BULK);
	dr = direct(0, BULK);
	printf("# download 64 MiB server->client (MB/s):\n");
	printf("#   direct %.0f, relay/splice %.0f (%.2fx), relay/copy %.0f (%.2fx)\n", dr, sp,
	       dr > 0 ? sp / dr : 0, cp, dr > 0 ? cp / dr : 0);
}

static void test_unix(void)
{
	double sp, cp;

	sp = bulk(UNIX, 0, 16 * MiB, 16 * MiB);
	cp = bulk(UNIX, RELAY_NO_SPLICE, 16 * MiB, 16 * MiB);
	printf("# AF_UNIX 16 MiB each way: relay/splice %.0f MB/s, relay/copy %.0f MB/s\n", sp, cp);
}

/* Runs an inline (single-thread) tunnel: relay plus endpoints in one loop. */
struct inline_tunnel {
	struct tunnel t;
	struct relay *r;
	struct ep *C, *S;
	struct loop l;
};

static void it_open(struct inline_tunnel *it, enum kind k, bool small, relay_flags flags,
		    const void *initial, size_t initial_len)
{
	int rc;

	tunnel_open(&it->t, k, small);
	it->r = NULL;
	rc = relay_new_flags(it->t.a, it->t.b, initial, initial_len, flags, &it->r);
	if (rc < 0) {
		printf("# relay_new_flags: %s\n", strerror(-rc));
		exit(99);
	}
	it->C = calloc(1, sizeof(*it->C));
	it->S = calloc(1, sizeof(*it->S));
	if (!it->C || !it->S)
		exit(99);
	ep_init(it->C, it->t.c, 0, false);
	ep_init(it->S, it->t.s, 0, false);
	loop_init(&it->l, it->r, it->t.a, it->t.b);
	loop_add_ep(&it->l, it->C);
	loop_add_ep(&it->l, it->S);
}

static void it_close(struct inline_tunnel *it)
{
	it->r = relay_free(it->r);
	loop_done(&it->l);
	tunnel_close(&it->t);
	free(it->C);
	free(it->S);
}

/* Initial bytes (larger than a pipe, to race with spliced data) reach S before what C sends,
 * even though C's bytes are already waiting in a's receive queue when the relay starts. */
static void test_initial(relay_flags flags)
{
	const char *m = mode_name(flags);
	const size_t init_len = 300 * 1024;
	struct inline_tunnel it;

	it_open(&it, TCP, false, flags, pat_at(0), init_len);
	it.C->tx_base = init_len; /* C continues the stream the initial bytes started */
	it.C->tx_total = 2 * MiB;
	it.C->shut_when_sent = true;
	it.S->shut_when_sent = true;
	ep_send(it.C); /* queue some of C's bytes before the relay runs at all */
	loop_run(&it.l, TIMEOUT_MS, until_all_done);
	is_int(it.l.relay_rc, 1, "initial/%s: relay finished", m);
	ok(!it.S->err && it.S->rx_eof && it.S->rx_done == init_len + 2 * MiB,
	   "initial/%s: S got the %zu initial bytes, then C's 2 MiB, in order (got %llu, err %d)",
	   m, init_len, (unsigned long long)it.S->rx_done, it.S->err);
	it_close(&it);

	/* tiny initial, then immediate EOF from C: S gets the bytes, then EOF */
	it_open(&it, TCP, false, flags, pat_at(0), 5);
	it.C->shut_when_sent = true;
	it.S->shut_when_sent = true;
	ep_send(it.C);
	loop_run(&it.l, TIMEOUT_MS, until_all_done);
	ok(it.l.relay_rc == 1 && !it.S->err && it.S->rx_eof && it.S->rx_done == 5,
	   "initial/%s: 5 initial bytes then EOF when C sends nothing", m);
	it_close(&it);
}

/* One side shuts down for writing; the other sees EOF, the tunnel stays open the other way,
 * then that side replies and closes. `c_first`: the client closes first, else the server. */
static void test_half_close(relay_flags flags, bool c_first)
{
	const char *m = mode_name(flags);
	const char *who = c_first ? "C" : "S";
	struct inline_tunnel it;
	struct ep *first, *second;
	int first_fd;

	it_open(&it, TCP, false, flags, NULL, 0);
	first = c_first ? it.C : it.S;
	second = c_first ? it.S : it.C;
	first_fd = c_first ? 0 : 1;
	first->tx_total = 100 * 1024;
	first->shut_when_sent = true;

	watched_ep = second;
	loop_run(&it.l, TIMEOUT_MS, until_watched_eof);
	ok(second->rx_eof && !second->err && second->rx_done == 100 * 1024,
	   "half-close/%s: %s sends 100 KiB and shuts down; the peer reads it all, then EOF", m,
	   who);
	is_int(it.l.relay_rc, 0, "half-close/%s: relay still running after %s's EOF", m, who);
	ok(!(relay_wants(it.r, first_fd) & RELAY_WANT_READ) &&
		   (relay_wants(it.r, !first_fd) & RELAY_WANT_READ),
	   "half-close/%s: no more reads from %s's side, still reading the other", m, who);

	/* the reply travels the still-open direction */
	second->tx_total = 50 * 1024;
	second->shut_when_sent = true;
	loop_run(&it.l, TIMEOUT_MS, until_all_done);
	is_int(it.l.relay_rc, 1, "half-close/%s: relay done once both directions ended", m);
	ok(first->rx_eof && !first->err && first->rx_done == 50 * 1024,
	   "half-close/%s: %s gets the 50 KiB reply, then EOF", m, who);
	is_int(relay_handle(it.r, 0, EPOLLIN), 1, "half-close/%s: relay_handle stays 1", m);
	ok(relay_wants(it.r, 0) == 0 && relay_wants(it.r, 1) == 0,
	   "half-close/%s: wants nothing when done", m);
	it_close(&it);
}

/* S does not read. C keeps sending: the relay must stop reading a, hold at most its pipe or
 * buffer, and leave the loop idle; when S reads again every byte arrives, and an EOF from C
 * that came while bytes were still held is passed on only after them. */
static void test_stall(enum kind k, relay_flags flags)
{
	const char *m = mode_name(flags);
	const char *kn = k == TCP ? "tcp" : "unix";
	struct inline_tunnel it;
	uint64_t ab1, ab2, sent1;
	unsigned long calls1, wake1;
	unsigned wa, wb;

	it_open(&it, k, true, flags, NULL, 0);
	it.C->tx_total = 64 * MiB; /* more than any amount of buffering */
	it.S->rx_pause = true;
	loop_run(&it.l, 300, until_never);

	relay_stats(it.r, &ab1, NULL);
	sent1 = it.C->tx_done;
	calls1 = it.l.calls;
	wake1 = it.l.wakeups;
	loop_run(&it.l, 250, until_never);
	relay_stats(it.r, &ab2, NULL);
	wa = relay_wants(it.r, 0);
	wb = relay_wants(it.r, 1);
	printf("# stall/%s/%s: C sent %llu, relay wrote %llu to b, %lu calls before, %lu wakeups "
	       "and %lu calls while stalled; wants a=%u b=%u\n",
	       kn, m, (unsigned long long)sent1, (unsigned long long)ab1, calls1,
	       it.l.wakeups - wake1, it.l.calls - calls1, wa, wb);
	ok(!(wa & RELAY_WANT_READ) && (wb & RELAY_WANT_WRITE),
	   "stall/%s/%s: relay stops reading a, waits to write b", kn, m);
	ok(it.l.calls == calls1 && it.l.wakeups == wake1,
	   "stall/%s/%s: loop idle while stalled (no busy loop)", kn, m);
	ok(ab2 == ab1 && it.C->tx_done == sent1,
	   "stall/%s/%s: nothing moves while stalled (no growth)", kn, m);
	ok(sent1 < 4 * MiB && sent1 - ab1 <= RELAY_PIPE_SIZE + 2 * MiB,
	   "stall/%s/%s: bounded: %llu bytes accepted from C in total", kn, m,
	   (unsigned long long)sent1);
	ok(!it.C->err && it.l.relay_rc == 0, "stall/%s/%s: no error", kn, m);

	/* C finishes with an EOF while the relay still holds bytes; then S reads again */
	it.C->tx_total = it.C->tx_done + 64 * 1024;
	it.C->shut_when_sent = true;
	loop_run(&it.l, 200, until_never);
	relay_stats(it.r, &ab1, NULL);
	ok(ab1 < it.C->tx_total && !it.S->rx_eof,
	   "stall/%s/%s: C's EOF is not passed on while %llu bytes wait", kn, m,
	   (unsigned long long)(it.C->tx_total - ab1));
	it.S->rx_pause = false;
	it.S->shut_when_sent = true;
	loop_run(&it.l, TIMEOUT_MS, until_all_done);
	is_int(it.l.relay_rc, 1, "stall/%s/%s: relay done after S resumed", kn, m);
	ok(!it.S->err && it.S->rx_eof && it.S->rx_done == it.C->tx_total &&
		   csum_final(&it.S->rx_sum) == csum_final(&it.C->tx_sum),
	   "stall/%s/%s: S got all %llu bytes intact, then EOF", kn, m,
	   (unsigned long long)it.C->tx_total);
	it_close(&it);
}

static void hard_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* S resets the connection: idle, and in the middle of a transfer. */
static void test_reset(relay_flags flags)
{
	const char *m = mode_name(flags);
	struct inline_tunnel it;
	int rc;

	it_open(&it, TCP, false, flags, NULL, 0);
	it.l.eps[1] = NULL; /* S leaves the loop: it is about to be closed */
	it.l.neps = 1;
	hard_close(it.t.s);
	it.t.s = -1;
	loop_run(&it.l, TIMEOUT_MS, until_relay_done);
	rc = it.l.relay_rc;
	ok(rc == -ECONNRESET, "reset/%s: idle tunnel: relay fails with ECONNRESET (got %d)", m, rc);
	ok(relay_wants(it.r, 0) == 0 && relay_wants(it.r, 1) == 0 &&
		   relay_handle(it.r, 1, EPOLLIN) == rc,
	   "reset/%s: failed relay wants nothing and stays failed", m);
	/* the caller closes its sockets: C sees the end */
	it.r = relay_free(it.r);
	epoll_ctl(it.l.epfd, EPOLL_CTL_DEL, it.t.a, NULL);
	close(it.t.a);
	it.t.a = -1;
	it.l.r = NULL;
	watched_ep = it.C;
	loop_run(&it.l, TIMEOUT_MS, until_watched_eof);
	ok(it.C->rx_eof || it.C->err, "reset/%s: C sees EOF once the caller closes a", m);
	it_close(&it);

	/* mid-transfer: C streams, S reads 256 KiB then resets */
	it_open(&it, TCP, false, flags, NULL, 0);
	it.C->tx_total = 64 * MiB;
	for (int i = 0; i < 2000 && it.S->rx_done < 256 * 1024; i++)
		loop_run(&it.l, 5, until_relay_done);
	it.l.neps = 1;
	hard_close(it.t.s);
	it.t.s = -1;
	loop_run(&it.l, TIMEOUT_MS, until_relay_done);
	rc = it.l.relay_rc;
	ok(rc == -ECONNRESET || rc == -EPIPE || rc == 1,
	   "reset/%s: mid-transfer reset ends the relay (rc %d)", m, rc);
	it_close(&it);
}

static void test_args(void)
{
	struct relay *r = NULL;
	int sv[2], blk[2], p[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, blk) < 0 ||
	    pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		exit(99);
	is_int(relay_new(-1, sv[1], NULL, 0, &r), -EBADF, "args: negative fd");
	is_int(relay_new(sv[0], sv[0], NULL, 0, &r), -EINVAL, "args: a == b");
	is_int(relay_new(sv[0], blk[0], NULL, 0, &r), -EINVAL, "args: blocking socket refused");
	is_int(relay_new(sv[0], p[0], NULL, 0, &r), -EINVAL, "args: a pipe is not a socket");
	is_int(relay_new(sv[0], sv[1], NULL, 3, &r), -EINVAL, "args: NULL initial with a length");
	is_int(relay_new_flags(sv[0], sv[1], NULL, 0, 1u << 7, &r), -EINVAL, "args: unknown flag");
	ok(r == NULL, "args: *ret untouched on failure");
	is_int(relay_new(sv[0], sv[1], NULL, 0, &r), 0, "args: a valid pair");
	is_int(relay_wants(r, 0), RELAY_WANT_READ, "args: a fresh relay wants to read a");
	is_int(relay_wants(r, 1), RELAY_WANT_READ, "args: ... and b");
	is_int(relay_wants(r, 2), 0, "args: wants of an unknown side is 0");
	is_int(relay_handle(r, 2, EPOLLIN), -EINVAL, "args: handle of an unknown side");
	is_int(relay_handle(r, 0, EPOLLIN), 0, "args: spurious wakeup is harmless");
	ok(relay_free(r) == NULL && relay_free(NULL) == NULL, "args: relay_free returns NULL");
	close(sv[0]);
	close(sv[1]);
	close(blk[0]);
	close(blk[1]);
	close(p[0]);
	close(p[1]);
}

static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* Pipes are made with the first bytes, grow with bulk, and relay_trim() gives them back. */
static void test_lazy_pipes(void)
{
	int x[2], y[2], base;
	struct relay *r = NULL;
	char big[65536], got[65536];
	size_t moved = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, x) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, y) < 0) {
		ok(0, "lazy: socketpair");
		return;
	}
	base = count_fds();
	is_int(relay_new(x[1], y[0], NULL, 0, &r), 0, "lazy: relay_new");
	is_int(count_fds(), base, "lazy: a new relay holds no pipe");
	ok(relay_wants(r, 0) == RELAY_WANT_READ && relay_wants(r, 1) == RELAY_WANT_READ,
	   "lazy: it still wants to read both sides");
	ok(write(x[0], "hello", 5) == 5, "lazy: client sends");
	is_int(relay_handle(r, 0, EPOLLIN), 0, "lazy: relay_handle moves the bytes");
	ok(read(y[1], got, sizeof(got)) == 5 && memcmp(got, "hello", 5) == 0, "lazy: they arrive");
	/* the portable build (no splice) never makes pipes: base + 0 */
	is_int(count_fds(), base + (relay_can_splice() ? 2 : 0),
	       "lazy: the direction that moved bytes has its pipe (none without splice)");
	relay_trim(r);
	is_int(count_fds(), base, "lazy: relay_trim closes the empty pipe");
	ok(relay_wants(r, 0) == RELAY_WANT_READ, "lazy: after trimming, still wants to read");
	memset(big, 'b', sizeof(big));
	while (moved < 3 * RELAY_GROW_AFTER) {
		ssize_t w = write(x[0], big, sizeof(big)), n;

		if (w < 0 && errno != EAGAIN)
			break;
		if (relay_handle(r, 0, EPOLLIN | EPOLLOUT) < 0)
			break;
		while ((n = read(y[1], got, sizeof(got))) > 0)
			moved += (size_t)n;
	}
	ok(moved >= 3 * RELAY_GROW_AFTER, "lazy: bulk after a trim flows (%zu bytes)", moved);
	ok(relay_is_splicing(r, 0) == relay_can_splice(),
	   "lazy: through splice (the copy path in a build without it)");
	relay_free(r);
	is_int(count_fds(), base, "lazy: relay_free closes every pipe");
	close(x[0]);
	close(x[1]);
	close(y[0]);
	close(y[1]);
}

/* The copy path's buffers come with the first bytes and go with relay_trim() (what the portable
 * build runs for every tunnel: thousands of idle tunnels must not hold 128 KiB each). */
static void test_lazy_buffers(void)
{
	int x[2], y[2];
	struct relay *r = NULL;
	char got[64];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, x) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, y) < 0) {
		ok(0, "lazy-copy: socketpair");
		return;
	}
	is_int(relay_new_flags(x[1], y[0], NULL, 0, RELAY_NO_SPLICE, &r), 0, "lazy-copy: relay_new");
	is_int(relay_heap_bytes(r), 0, "lazy-copy: a new relay holds no buffer");
	ok(relay_wants(r, 0) == RELAY_WANT_READ && relay_wants(r, 1) == RELAY_WANT_READ,
	   "lazy-copy: it still wants to read both sides");
	ok(write(x[0], "hello", 5) == 5, "lazy-copy: client sends");
	is_int(relay_handle(r, 0, EPOLLIN), 0, "lazy-copy: relay_handle moves the bytes");
	ok(read(y[1], got, sizeof(got)) == 5 && memcmp(got, "hello", 5) == 0,
	   "lazy-copy: they arrive");
	is_int(relay_heap_bytes(r), RELAY_BUF_SIZE,
	       "lazy-copy: the direction that moved bytes has its buffer");
	relay_trim(r);
	is_int(relay_heap_bytes(r), 0, "lazy-copy: relay_trim frees the empty buffer");
	ok(relay_wants(r, 0) == RELAY_WANT_READ, "lazy-copy: after trimming, still wants to read");
	ok(write(y[1], "back", 4) == 4, "lazy-copy: server sends");
	is_int(relay_handle(r, 1, EPOLLIN), 0, "lazy-copy: relay_handle, the other way");
	ok(read(x[0], got, sizeof(got)) == 4 && memcmp(got, "back", 4) == 0,
	   "lazy-copy: they arrive after a trim");
	ok(write(x[0], "again", 5) == 5 && relay_handle(r, 0, EPOLLIN) == 0 &&
		   read(y[1], got, sizeof(got)) == 5 && memcmp(got, "again", 5) == 0,
	   "lazy-copy: a trimmed direction gets a new buffer and relays");
	relay_free(r);
	close(x[0]);
	close(x[1]);
	close(y[0]);
	close(y[1]);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	double t0 = now_s();

	/* splice() into a socket has no MSG_NOSIGNAL: relay users ignore SIGPIPE (relay.h) */
	sigaction(SIGPIPE, &sa, NULL);
	plan_no_plan();
	pattern_init();

	test_args();
	test_initial(0);
	test_initial(RELAY_NO_SPLICE);
	test_half_close(0, true);
	test_half_close(0, false);
	test_half_close(RELAY_NO_SPLICE, true);
	test_half_close(RELAY_NO_SPLICE, false);
	test_stall(TCP, 0);
	test_stall(TCP, RELAY_NO_SPLICE);
	test_stall(UNIX, 0);
	test_stall(UNIX, RELAY_NO_SPLICE);
	test_reset(0);
	test_reset(RELAY_NO_SPLICE);
	test_unix();
	test_lazy_pipes();
	test_lazy_buffers();
	test_throughput();

	printf("# total %.1f s\n", now_s() - t0);
	free(pat);
	return tap_exit();
}
