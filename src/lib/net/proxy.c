/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy server core (see proxy.h). One thread, one level-triggered event loop
 * (shared/evloop.h: epoll on Linux, poll() on macOS and in the portable build).
 *
 * A connection goes through these states:
 *
 *	HEAD        reading the HTTP request head, or the SOCKS5 greeting and request
 *	RESOLVING   waiting for the resolver (the client fd is not polled)
 *	CONNECTING  a non-blocking connect() to one vetted address is in progress
 *	RELAY       both fds belong to a relay (relay.h)
 *	DRAIN       an error reply was sent and our side shut down; the client's remaining bytes
 *	            are read and dropped until it closes, so the reply is not lost to an RST
 *
 * Closed connections are unlinked at once but freed only after the current event batch, since
 * later events of the same batch may still point at them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http-parse.h"
#include "policy-slot.h"
#include "proxy-internal.h"
#include "shared/compat.h"
#include "shared/evloop.h"
#include "socks5-parse.h"

#define DRAIN_TIMEOUT_MS 2000
#define DRAIN_MAX_BYTES (1024 * 1024)
#define SWEEP_INTERVAL_MS 250
#define EVENTS_PER_WAIT 64
#define RESOLVER_THREADS 4
#define LOG_LINE_MAX 512

static const char RESP_403[] = "HTTP/1.1 403 Forbidden\r\n"
			       "Content-Type: text/plain\r\n"
			       "X-Proxy-Error: blocked-by-allowlist\r\n"
			       "\r\n"
			       "Connection blocked by network allowlist";
static const char RESP_200[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
static const char RESP_400[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
static const char RESP_431[] = "HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n";
static const char RESP_502[] = "HTTP/1.1 502 Bad Gateway\r\n\r\n";

/* How long new connections wait after accept() ran out of descriptors or memory. */
#define ACCEPT_PAUSE_MS 100

uint64_t proxy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3))) void proxy_logf(struct proxy *p, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	if (!p->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->log(p->log_ud, line);
}

int proxy_ep_set(struct proxy *p, struct ep_item *it, uint32_t events)
{
	int r;

	if (it->fd < 0)
		return 0;
	if (events == 0) {
		if (it->registered) {
			r = evloop_del(p->loop, it->fd);
			if (r < 0)
				return r;
		}
		it->registered = false;
		it->events = 0;
		return 0;
	}
	if (it->registered && it->events == events)
		return 0;
	r = it->registered ? evloop_mod(p->loop, it->fd, events, it)
			   : evloop_add(p->loop, it->fd, events, it);
	if (r < 0)
		return r;
	it->registered = true;
	it->events = events;
	return 0;
}

void proxy_item_close(struct proxy *p, struct ep_item *it)
{
	if (it->fd < 0)
		return;
	(void)proxy_ep_set(p, it, 0);
	close(it->fd);
	it->fd = -1;
}

static void ask_forget_conn(struct conn *c);

void proxy_conn_close(struct conn *c)
{
	struct proxy *p = c->p;

	if (c->dead)
		return;
	c->dead = true;
	if (c->rid > 0)
		resolver_cancel(p->res, c->rid);
	c->rid = 0;
	c->relay = relay_free(c->relay);
	http_fwd_free(c);
	ask_forget_conn(c);
	policy_ref_put(c->pol);
	c->pol = NULL;
	free(c->addrs);
	c->addrs = NULL;
	proxy_item_close(p, &c->client);
	proxy_item_close(p, &c->upstream);
	free(c->buf);
	c->buf = NULL;

	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->n_conns--;
	c->prev = NULL;
	c->next = p->zombies;
	p->zombies = c;
}

static void free_zombies(struct proxy *p)
{
	while (p->zombies) {
		struct conn *c = p->zombies;

		p->zombies = c->next;
		free(c);
	}
}

/* Sends a whole small reply on a socket whose send buffer holds nothing of ours yet. A short
 * write of a reply this small means the client is not reading: treated as a failure. */
static int send_all(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, COMPAT_MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EAGAIN;
	return 0;
}

/* Sends a final reply, shuts our side down and waits (bounded) for the client to close. */
void proxy_conn_reply_close(struct conn *c, const void *buf, size_t len)
{
	struct proxy *p = c->p;

	proxy_item_close(p, &c->upstream);
	if (c->rid > 0)
		resolver_cancel(p->res, c->rid);
	c->rid = 0;
	if (send_all(c->client.fd, buf, len) < 0 || shutdown(c->client.fd, SHUT_WR) < 0 ||
	    proxy_ep_set(p, &c->client, EVL_IN) < 0) {
		proxy_conn_close(c);
		return;
	}
	c->state = ST_DRAIN;
	c->drained = 0;
	c->deadline = proxy_now_ms() + DRAIN_TIMEOUT_MS;
}

static const char *conn_protocol(const struct conn *c)
{
	return c->socks ? "SOCKS5" : c->forward ? "HTTP" : "CONNECT";
}

void proxy_denied(struct conn *c, const char *proto, const char *reason)
{
	struct proxy *p = c->p;
	const char *host = c->dest.kind == 0 ? "(invalid)" : c->dest.text;

	if (!proto)
		proto = conn_protocol(c);
	if (!reason)
		reason = "denied";
	proxy_logf(p, "%s %s:%u denied: %s", proto, host, c->port, reason);
	if (p->deny)
		p->deny(p->deny_ud, &(struct proxy_denial){
					    .protocol = proto,
					    .host = host,
					    .port = c->port,
					    .reason = reason,
				    });
}

void proxy_conn_deny(struct conn *c)
{
	uint8_t r[SOCKS5_REPLY_MAX];

	if (c->socks)
		proxy_conn_reply_close(c, r, socks5_build_reply(r, SOCKS5_REP_NOT_ALLOWED, NULL, 0, 0));
	else
		proxy_conn_reply_close(c, RESP_403, sizeof(RESP_403) - 1);
}

static void conn_fail_connect(struct conn *c, int err)
{
	uint8_t r[SOCKS5_REPLY_MAX];

	if (c->fixed)
		proxy_conn_close(c); /* the external proxy is not there: nothing of ours to say */
	else if (c->socks)
		proxy_conn_reply_close(c, r, socks5_build_reply(r, socks5_rep_for_errno(err), NULL, 0, 0));
	else
		proxy_conn_reply_close(c, RESP_502, sizeof(RESP_502) - 1);
}

static void relay_update(struct conn *c)
{
	struct proxy *p = c->p;
	struct ep_item *its[2] = { &c->client, &c->upstream };

	for (int i = 0; i < 2; i++) {
		unsigned w = relay_wants(c->relay, i);
		uint32_t ev = 0;

		if (w & RELAY_WANT_READ)
			ev |= EVL_IN;
		if (w & RELAY_WANT_WRITE)
			ev |= EVL_OUT;
		if (proxy_ep_set(p, its[i], ev) < 0) {
			proxy_conn_close(c);
			return;
		}
	}
}

/* The candidate addresses of a destination (allocated on first use, freed once connected). */
static struct host *conn_addrs(struct conn *c)
{
	if (!c->addrs)
		c->addrs = calloc(RESOLVER_MAX_ADDRS, sizeof(*c->addrs));
	return c->addrs;
}

static void conn_established(struct conn *c)
{
	uint8_t r[SOCKS5_REPLY_MAX];
	int one = 1;
	int rc;

	free(c->addrs);
	c->addrs = NULL;
	c->n_addrs = c->next_addr = 0;
	(void)setsockopt(c->upstream.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->forward) {
		http_fwd_established(c);
		return;
	}
	if (c->fixed)
		rc = 0;
	else if (c->socks)
		rc = send_all(c->client.fd, r, socks5_build_reply(r, SOCKS5_REP_OK, NULL, 0, 0));
	else
		rc = send_all(c->client.fd, RESP_200, sizeof(RESP_200) - 1);
	if (rc < 0) {
		proxy_conn_close(c);
		return;
	}
	proxy_conn_tunnel(c);
}

void proxy_conn_tunnel(struct conn *c)
{
	struct proxy *p = c->p;
	int rc;

	rc = relay_new(c->client.fd, c->upstream.fd, c->buf ? c->buf + c->off : NULL,
		       c->buf ? c->len - c->off : 0, &c->relay);
	if (rc < 0) {
		proxy_logf(p, "relay for %s:%u failed: %s", c->dest.text, c->port, strerror(-rc));
		proxy_conn_close(c);
		return;
	}
	free(c->buf);
	c->buf = NULL;
	c->state = ST_RELAY;
	proxy_logf(p, "tunnel to %s:%u established", c->dest.text, c->port);
	relay_update(c);
}

/* Starts a connect to a; 1 = connected at once, 0 = in progress, -errno = failed. */
static int start_connect(struct conn *c, const struct host *a)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd;

	if (a->kind == HOST_IPV4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(c->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		sl = sizeof(*sin);
	} else if (a->kind == HOST_IPV6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(c->port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		sl = sizeof(*sin6);
	} else {
		return -EAFNOSUPPORT;
	}

	fd = compat_socket_nonblock(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return fd;
	c->upstream.fd = fd;
	c->upstream.registered = false;
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
		return 1;
	if (errno != EINPROGRESS) {
		int r = -errno;

		proxy_item_close(c->p, &c->upstream);
		return r;
	}
	return 0;
}

/* Vets the remaining addresses in order and dials the first that passes. */
static void conn_try_next(struct conn *c)
{
	struct proxy *p = c->p;

	while (c->next_addr < c->n_addrs) {
		const struct host *a = &c->addrs[c->next_addr++];
		/* a name allowed by an answer is not on the lists: vet its addresses alone */
		const struct host *name =
		    c->dest.kind == HOST_NAME && !c->asked ? &c->dest : NULL;
		const char *reason = NULL;
		int r;

		if (!c->fixed && net_policy_vet_address(proxy_conn_policy(c, false), name, a, c->port,
							p->own, p->n_own, &reason) != NET_ALLOW) {
			proxy_logf(p, "refused %s:%u via %s: %s", c->dest.text, c->port, a->text,
				   reason);
			c->vet_denied = true;
			c->vet_reason = reason;
			continue;
		}
		r = start_connect(c, a);
		if (r == 1) {
			conn_established(c);
			return;
		}
		if (r == 0) {
			if (proxy_ep_set(p, &c->upstream, EVL_OUT) < 0) {
				proxy_conn_close(c);
				return;
			}
			c->state = ST_CONNECTING;
			c->deadline = proxy_now_ms() + PROXY_CONNECT_TIMEOUT_MS;
			return;
		}
		proxy_logf(p, "connect %s:%u via %s failed: %s", c->dest.text, c->port, a->text,
		     strerror(-r));
		c->last_err = -r;
	}
	if (c->vet_denied && c->last_err == 0) {
		proxy_denied(c, NULL, c->vet_reason);
		proxy_conn_deny(c);
	} else
		conn_fail_connect(c, c->last_err ? c->last_err : EHOSTUNREACH);
}

static void on_upstream_connect(struct conn *c)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (getsockopt(c->upstream.fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		err = errno;
	if (err == 0) {
		conn_established(c);
		return;
	}
	proxy_logf(c->p, "connect %s:%u via %s failed: %s", c->dest.text, c->port,
	     c->addrs[c->next_addr - 1].text, strerror(err));
	proxy_item_close(c->p, &c->upstream);
	c->last_err = err;
	conn_try_next(c);
}

const struct net_policy *proxy_conn_policy(struct conn *c, bool refresh)
{
	struct proxy *p = c->p;

	if (!p->slot)
		return p->policy;
	if (refresh || !c->pol) {
		policy_ref_put(c->pol);
		c->pol = policy_slot_get(p->slot);
	}
	return policy_ref_policy(c->pol);
}

/* ---- asking the caller about hosts in neither list -------------------------------------- */

struct srt_ask {
	pthread_mutex_t lock; /* refs, proxy, answered, allow */
	unsigned refs;        /* the proxy's (until it acts or gives up) and the caller's */
	struct proxy *proxy;  /* NULL once the proxy gave up on it */
	bool answered, allow;
	/* proxy thread only */
	struct srt_ask *prev, *next, *next_answered;
	struct conn *waiters;
	uint64_t deadline;
	uint16_t port;
	char host[sizeof(((struct host *)0)->text)];
};

static void ask_put(struct srt_ask *a)
{
	unsigned n;

	pthread_mutex_lock(&a->lock);
	n = --a->refs;
	pthread_mutex_unlock(&a->lock);
	if (n == 0) {
		pthread_mutex_destroy(&a->lock);
		free(a);
	}
}

int proxy_ask_answer(struct srt_ask *a, bool allow)
{
	struct proxy *p;
	int r = -ETIMEDOUT;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	p = a->proxy;
	if (!a->answered && p) {
		a->answered = true;
		a->allow = allow;
		/* p cannot go away meanwhile: proxy_stop() clears a->proxy under a->lock */
		pthread_mutex_lock(&p->ask_lock);
		a->next_answered = p->answered;
		p->answered = a;
		pthread_mutex_unlock(&p->ask_lock);
		notify_signal(&p->ask_n);
		r = 0;
	}
	pthread_mutex_unlock(&a->lock);
	ask_put(a); /* the caller's reference */
	return r;
}

static void ask_unlink(struct proxy *p, struct srt_ask *a)
{
	if (a->prev)
		a->prev->next = a->next;
	else
		p->asks = a->next;
	if (a->next)
		a->next->prev = a->prev;
	a->prev = a->next = NULL;
}

/* Removes c from the waiters of its ask (the connection is closing or moving on). */
static void ask_forget_conn(struct conn *c)
{
	struct conn **pp;

	if (!c->ask)
		return;
	for (pp = &c->ask->waiters; *pp; pp = &(*pp)->ask_next)
		if (*pp == c) {
			*pp = c->ask_next;
			break;
		}
	c->ask = NULL;
	c->ask_next = NULL;
}

static void conn_resolve(struct conn *c);

/* The answer (or its absence) for every connection waiting on a. */
static void ask_settle(struct proxy *p, struct srt_ask *a, bool allow, const char *reason)
{
	struct conn *c;

	ask_unlink(p, a);
	while ((c = a->waiters)) {
		a->waiters = c->ask_next;
		c->ask = NULL;
		c->ask_next = NULL;
		if (allow) {
			proxy_logf(p, "%s %s:%u allowed: %s", conn_protocol(c), c->dest.text,
				   c->port, reason);
			c->asked = true;
			conn_resolve(c);
		} else {
			proxy_denied(c, NULL, reason);
			proxy_conn_deny(c);
		}
	}
	ask_put(a); /* the proxy's reference */
}

static void on_answers(struct proxy *p)
{
	struct srt_ask *list, *a;

	notify_drain(&p->ask_n);
	pthread_mutex_lock(&p->ask_lock);
	list = p->answered;
	p->answered = NULL;
	pthread_mutex_unlock(&p->ask_lock);
	while ((a = list)) {
		list = a->next_answered;
		ask_settle(p, a, a->allow,
			   a->allow ? "allowed by the ask callback" : "denied by the ask callback");
	}
}

/* Unanswered asks past their deadline deny. */
static void asks_expire(struct proxy *p, uint64_t now)
{
	struct srt_ask *a, *next;

	for (a = p->asks; a; a = next) {
		bool expired;

		next = a->next;
		if (now < a->deadline)
			continue;
		pthread_mutex_lock(&a->lock);
		expired = !a->answered; /* answered: on its way through on_answers() */
		if (expired)
			a->proxy = NULL;
		pthread_mutex_unlock(&a->lock);
		if (expired)
			ask_settle(p, a, false, "the ask callback did not answer in time");
	}
}

/* c's destination is in neither list: ask (or join the same question already asked). */
static void conn_ask(struct conn *c)
{
	struct proxy *p = c->p;
	struct srt_ask *a;

	for (a = p->asks; a; a = a->next)
		if (a->port == c->port && strcmp(a->host, c->dest.text) == 0)
			break;
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a) {
			proxy_conn_close(c);
			return;
		}
		pthread_mutex_init(&a->lock, NULL);
		a->refs = 2;
		a->proxy = p;
		a->port = c->port;
		snprintf(a->host, sizeof(a->host), "%s", c->dest.text);
		a->deadline = proxy_now_ms() + p->ask_ms;
		a->next = p->asks;
		if (p->asks)
			p->asks->prev = a;
		p->asks = a;
		c->ask = a;
		c->ask_next = NULL;
		a->waiters = c;
		c->state = ST_ASKING;
		c->deadline = a->deadline + 5000; /* backstop: asks_expire() settles it first */
		proxy_logf(p, "%s %s:%u: asking", conn_protocol(c), c->dest.text, c->port);
		/* may answer at once, from here: the answer is queued and acted on later */
		p->ask(p->ask_ud, a, a->host, a->port);
		return;
	}
	c->ask = a;
	c->ask_next = a->waiters;
	a->waiters = c;
	c->state = ST_ASKING;
	c->deadline = a->deadline + 5000;
	proxy_logf(p, "%s %s:%u: waiting for the same question", conn_protocol(c), c->dest.text,
		   c->port);
}

/* The destination (c->dest, c->port) is known: decide, then resolve or dial. */
void proxy_conn_begin(struct conn *c)
{
	struct proxy *p = c->p;
	const char *reason = NULL;
	enum net_verdict v;

	(void)proxy_ep_set(p, &c->client, 0);
	c->vet_denied = false;
	c->vet_reason = NULL;
	c->last_err = 0;
	c->asked = false;
	v = net_policy_decide(proxy_conn_policy(c, true), &c->dest, c->port, &reason);
	if (v == NET_UNLISTED && p->ask) {
		conn_ask(c);
		return;
	}
	if (v != NET_ALLOW) {
		proxy_denied(c, NULL, reason);
		proxy_conn_deny(c);
		return;
	}
	proxy_logf(p, "%s %s:%u allowed: %s", conn_protocol(c), c->dest.text, c->port, reason);
	conn_resolve(c);
}

/* The destination is allowed: resolve (unless it is an address or a localhost name), vet,
 * dial. */
static void conn_resolve(struct conn *c)
{
	struct proxy *p = c->p;
	int64_t id;

	if (!conn_addrs(c)) {
		proxy_conn_close(c);
		return;
	}
	if (c->dest.kind != HOST_NAME) {
		c->addrs[0] = c->dest;
		c->n_addrs = 1;
		c->next_addr = 0;
		conn_try_next(c);
		return;
	}
	if (host_is_localhost_name(&c->dest)) {
		/* RFC 6761: localhost names are loopback, not a question for a resolver (and
		 * the vetting would refuse any other answer) */
		(void)host_canonicalize("127.0.0.1", 9, &c->addrs[0], NULL);
		(void)host_canonicalize("::1", 3, &c->addrs[1], NULL);
		c->n_addrs = 2;
		c->next_addr = 0;
		conn_try_next(c);
		return;
	}
	proxy_logf(p, "resolve %s", c->dest.text);
	id = resolver_submit(p->res, c->dest.text, c->port, c);
	if (id < 0) {
		proxy_logf(p, "resolve %s failed: %s", c->dest.text, strerror((int)-id));
		conn_fail_connect(c, (int)-id);
		return;
	}
	c->rid = id;
	c->state = ST_RESOLVING;
	/* the resolver's own time limit ends the request; this is a backstop */
	c->deadline = proxy_now_ms() + RESOLVER_TIMEOUT_MS + 5000;
}

void proxy_http_head(struct conn *c)
{
	struct http_request *req;
	struct http_slice host;
	const char *reason = NULL;
	int n;

	req = malloc(sizeof(*req));
	if (!req) {
		proxy_conn_close(c);
		return;
	}
	n = http_parse_request(c->buf, c->len, req);
	if (n == HTTP_INCOMPLETE) {
		if (c->len >= HTTP_MAX_HEAD)
			proxy_conn_reply_close(c, RESP_431, sizeof(RESP_431) - 1);
		free(req);
		return;
	}
	if (n == HTTP_TOO_LARGE || n == HTTP_BAD) {
		proxy_logf(c->p, "HTTP request refused: %s", n == HTTP_BAD ? "malformed" : "head too large");
		if (n == HTTP_BAD)
			proxy_conn_reply_close(c, RESP_400, sizeof(RESP_400) - 1);
		else
			proxy_conn_reply_close(c, RESP_431, sizeof(RESP_431) - 1);
		free(req);
		return;
	}
	c->off = (size_t)n;
	if (req->method.len != 7 || memcmp(req->method.p, "CONNECT", 7) != 0) {
		http_fwd_request(c, req, (size_t)n);
		free(req);
		return;
	}
	if (c->fwd) {
		/* a CONNECT after absolute-form requests on the same connection */
		proxy_item_close(c->p, &c->upstream);
		http_fwd_free(c);
	}
	c->forward = false;
	if (http_parse_authority(req->target, &host, &c->port) < 0) {
		proxy_logf(c->p, "CONNECT refused: malformed authority");
		proxy_conn_reply_close(c, RESP_400, sizeof(RESP_400) - 1);
		free(req);
		return;
	}
	free(req);
	if (host_canonicalize(host.p, host.len, &c->dest, &reason) < 0) {
		memset(&c->dest, 0, sizeof(c->dest));
		proxy_denied(c, "CONNECT", reason ? reason : "invalid host");
		proxy_conn_deny(c);
		return;
	}
	proxy_conn_begin(c);
}

static void socks_head(struct conn *c)
{
	const uint8_t *b = (const uint8_t *)c->buf + c->off;
	size_t len = c->len - c->off;
	struct socks5_request req;
	uint8_t r[SOCKS5_REPLY_MAX];
	const char *reason = NULL;
	int n;

	if (!c->greeted) {
		bool noauth = false;

		n = socks5_parse_greeting(b, len, &noauth);
		if (n == SOCKS5_INCOMPLETE)
			return;
		if (n < 0) {
			proxy_conn_close(c);
			return;
		}
		if (!noauth) {
			proxy_conn_reply_close(c, r,
					 socks5_build_method_reply(r, SOCKS5_METHOD_NONE_ACCEPTABLE));
			return;
		}
		if (send_all(c->client.fd, r, socks5_build_method_reply(r, SOCKS5_METHOD_NOAUTH)) <
		    0) {
			proxy_conn_close(c);
			return;
		}
		c->greeted = true;
		c->off += (size_t)n;
		b += n;
		len -= (size_t)n;
	}

	n = socks5_parse_request(b, len, &req);
	if (n == SOCKS5_INCOMPLETE)
		return;
	if (n < 0) {
		proxy_conn_close(c);
		return;
	}
	c->off += (size_t)n;
	if (req.cmd != SOCKS5_CMD_CONNECT) {
		proxy_logf(c->p, "SOCKS5 command %u refused: only CONNECT is supported", req.cmd);
		proxy_conn_reply_close(c, r, socks5_build_reply(r, SOCKS5_REP_CMD_NOT_SUPPORTED, NULL, 0, 0));
		return;
	}
	c->port = req.port;
	if (req.atyp == SOCKS5_ATYP_DOMAIN) {
		if (req.name_len == 0 ||
		    host_canonicalize((const char *)req.name, req.name_len, &c->dest, &reason) < 0) {
			memset(&c->dest, 0, sizeof(c->dest));
			proxy_denied(c, "SOCKS5", reason ? reason : "empty host name");
			proxy_conn_deny(c);
			return;
		}
	} else if (host_from_address(req.atyp == SOCKS5_ATYP_IPV4 ? AF_INET : AF_INET6, req.addr,
				     &c->dest) < 0) {
		memset(&c->dest, 0, sizeof(c->dest));
		proxy_denied(c, "SOCKS5", "invalid address");
		proxy_conn_deny(c);
		return;
	}
	proxy_conn_begin(c);
}

/* Whether bytes [from, len) of the head buffer complete a line that ends the head (CRLF CRLF,
 * or LF LF, which the parser refuses). */
static bool head_end_in(const char *b, size_t from, size_t len)
{
	for (size_t i = from > 3 ? from - 3 : 0; i + 1 < len; i++)
		if (b[i] == '\n' && (b[i + 1] == '\n' || (b[i + 1] == '\r' && i + 2 < len && b[i + 2] == '\n')))
			return true;
	return false;
}

static void on_client_head(struct conn *c)
{
	bool eof = false;
	size_t before = c->len;

	if (!c->buf) {
		c->buf = malloc(HTTP_MAX_HEAD);
		if (!c->buf) {
			proxy_conn_close(c);
			return;
		}
	}
	for (;;) {
		ssize_t n;

		if (c->len >= HTTP_MAX_HEAD)
			break;
		n = recv(c->client.fd, c->buf + c->len, HTTP_MAX_HEAD - c->len, MSG_DONTWAIT);
		if (n == 0) {
			/* a client may half-close after its request: act on what it sent */
			eof = true;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			proxy_conn_close(c);
			return;
		}
		c->len += (size_t)n;
	}
	if (c->socks)
		socks_head(c);
	else if (before == 0 || eof || c->len >= HTTP_MAX_HEAD || head_end_in(c->buf, before, c->len))
		/* parsing a 16 KiB head again for each byte a slow client sends would cost 16 KiB
		 * of work per byte: parse on the first read (garbage is refused at once), when
		 * the head has ended, and when the buffer is full */
		proxy_http_head(c);
	if (eof && !c->dead && c->state == ST_HEAD)
		proxy_conn_close(c); /* the request will never be complete */
}

static void on_drain(struct conn *c)
{
	char scratch[4096];

	for (;;) {
		ssize_t n = recv(c->client.fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			proxy_conn_close(c);
			return;
		}
		c->drained += (size_t)n;
		if (c->drained > DRAIN_MAX_BYTES) {
			proxy_conn_close(c);
			return;
		}
	}
}

static void on_conn_event(struct conn *c, bool upstream, uint32_t events)
{
	int rc;

	switch (c->state) {
	case ST_HEAD:
		if (!upstream)
			on_client_head(c);
		break;
	case ST_FORWARD:
		http_fwd_event(c, upstream, events);
		break;
	case ST_DRAIN:
		if (!upstream)
			on_drain(c);
		break;
	case ST_CONNECTING:
		if (upstream)
			on_upstream_connect(c);
		break;
	case ST_RELAY:
		rc = relay_handle(c->relay, upstream ? 1 : 0, events);
		if (rc != 0) {
			if (rc < 0)
				proxy_logf(c->p, "tunnel to %s:%u failed: %s", c->dest.text, c->port,
				     strerror(-rc));
			proxy_conn_close(c);
		} else {
			relay_update(c);
		}
		break;
	case ST_RESOLVING:
	case ST_ASKING:
		break; /* neither socket is polled */
	}
}

/* Out of descriptors or memory, accept() fails while the listener stays readable: stop
 * listening for a moment instead of spinning, and keep serving the open connections. */
static void listeners_set(struct proxy *p, bool on)
{
	for (size_t i = 0; i < p->n_listeners; i++)
		(void)evloop_mod(p->loop, p->listeners[i].fd, on ? EVL_IN : 0, &p->listeners[i]);
}

/* The client to give up when there is no room for a new one: of those that have not made a
 * request yet (ST_HEAD: nothing or part of a head sent, or a kept-alive connection between
 * requests) or only wait to be closed after an error reply (ST_DRAIN), the one whose time runs
 * out first. Tunnels, exchanges and lookups in progress are never given up. */
static struct conn *eviction_candidate(struct proxy *p)
{
	struct conn *best = NULL;

	for (struct conn *c = p->conns; c; c = c->next)
		if ((c->state == ST_HEAD || c->state == ST_DRAIN) &&
		    (!best || c->deadline < best->deadline))
			best = c;
	return best;
}

static void on_accept(struct proxy *p, struct ep_item *l)
{
	for (int i = 0; i < 64; i++) {
		struct conn *c, *victim;
		int fd = compat_accept_nonblock(l->fd);

		if (fd < 0) {
			int err = -fd;

			if (err == EINTR || err == ECONNABORTED)
				continue;
			if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
				victim = eviction_candidate(p);
				if (victim) {
					proxy_logf(p, "accept failed: %s; closing an idle client",
						   strerror(err));
					proxy_conn_close(victim);
					continue;
				}
				proxy_logf(p, "accept failed: %s; pausing new connections",
					   strerror(err));
				listeners_set(p, false);
				p->accept_paused_until = proxy_now_ms() + ACCEPT_PAUSE_MS;
			} else if (err != EAGAIN && err != EWOULDBLOCK) {
				proxy_logf(p, "accept failed: %s", strerror(err));
			}
			return;
		}
		if (p->n_conns >= p->max_conns) {
			victim = eviction_candidate(p);
			if (!victim) {
				proxy_logf(p, "connection refused: %zu connections open, all busy",
					   p->n_conns);
				close(fd);
				continue;
			}
			proxy_logf(p, "%zu connections open: closing an idle client", p->n_conns);
			proxy_conn_close(victim);
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->p = p;
		c->socks = l->kind == IT_LISTEN_SOCKS;
		c->state = ST_HEAD;
		c->client = (struct ep_item){ .kind = IT_CLIENT, .fd = fd, .conn = c };
		c->upstream = (struct ep_item){ .kind = IT_UPSTREAM, .fd = -1, .conn = c };
		c->deadline = proxy_now_ms() + p->handshake_ms;
		c->next = p->conns;
		if (p->conns)
			p->conns->prev = c;
		p->conns = c;
		p->n_conns++;
		if (l->kind == IT_LISTEN_FORWARD) {
			/* bring-your-own proxy: straight to the external proxy, no policy */
			c->fixed = true;
			c->port = l->forward_port;
			(void)host_canonicalize("127.0.0.1", 9, &c->dest, NULL);
			if (!conn_addrs(c)) {
				proxy_conn_close(c);
				continue;
			}
			c->addrs[0] = c->dest;
			c->n_addrs = 1;
			conn_try_next(c);
			continue;
		}
		if (proxy_ep_set(p, &c->client, EVL_IN) < 0)
			proxy_conn_close(c);
	}
}

static void on_resolver(struct proxy *p)
{
	struct resolver_result *out;
	size_t n;

	out = malloc(8 * sizeof(*out));
	if (!out)
		return;
	n = resolver_collect(p->res, out, 8);
	for (size_t i = 0; i < n; i++) {
		struct conn *c = out[i].cookie;

		if (c->dead || c->rid != out[i].id)
			continue;
		c->rid = 0;
		if (out[i].error != 0) {
			proxy_logf(p, "resolve %s failed: %s", c->dest.text, strerror(out[i].error));
			conn_fail_connect(c, out[i].error);
			continue;
		}
		if (!conn_addrs(c)) {
			proxy_conn_close(c);
			continue;
		}
		memcpy(c->addrs, out[i].addrs, out[i].n * sizeof(out[i].addrs[0]));
		c->n_addrs = out[i].n;
		c->next_addr = 0;
		conn_try_next(c);
	}
	free(out);
}

static void sweep(struct proxy *p)
{
	uint64_t now = proxy_now_ms();
	struct conn *c, *next;

	asks_expire(p, now);
	for (c = p->conns; c; c = next) {
		next = c->next;
		if (c->state == ST_RELAY) {
			uint64_t ab, ba;

			/* idle since the last sweep: give the pipes back */
			relay_stats(c->relay, &ab, &ba);
			if (ab + ba == c->relay_seen)
				relay_trim(c->relay);
			c->relay_seen = ab + ba;
			continue;
		}
		if (now < c->deadline)
			continue;
		switch (c->state) {
		case ST_HEAD:
			proxy_logf(p, "client closed: no complete request within %u ms", p->handshake_ms);
			proxy_conn_close(c);
			break;
		case ST_CONNECTING:
			proxy_logf(p, "connect %s:%u via %s timed out", c->dest.text, c->port,
			     c->addrs[c->next_addr - 1].text);
			proxy_item_close(p, &c->upstream);
			c->last_err = ETIMEDOUT;
			conn_try_next(c);
			break;
		case ST_RESOLVING:
			conn_fail_connect(c, ETIMEDOUT);
			break;
		default:
			proxy_conn_close(c);
			break;
		}
	}
}

static void *proxy_thread(void *arg)
{
	struct proxy *p = arg;
	struct evloop_event evs[EVENTS_PER_WAIT];
	uint64_t next_sweep = proxy_now_ms() + SWEEP_INTERVAL_MS;

	for (;;) {
		int n = evloop_wait(p->loop, evs, EVENTS_PER_WAIT,
				    p->accept_paused_until ? ACCEPT_PAUSE_MS : SWEEP_INTERVAL_MS);

		if (p->accept_paused_until && proxy_now_ms() >= p->accept_paused_until) {
			p->accept_paused_until = 0;
			listeners_set(p, true);
		}

		if (n < 0 && n != -EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct ep_item *it = evs[i].ptr;

			switch (it->kind) {
			case IT_WAKE:
				goto out;
			case IT_RESOLVER:
				on_resolver(p);
				break;
			case IT_ASK:
				on_answers(p);
				break;
			case IT_LISTEN_HTTP:
			case IT_LISTEN_SOCKS:
			case IT_LISTEN_FORWARD:
				on_accept(p, it);
				break;
			case IT_CLIENT:
			case IT_UPSTREAM:
				if (!it->conn->dead)
					on_conn_event(it->conn, it->kind == IT_UPSTREAM,
						      evs[i].events);
				break;
			}
		}
		free_zombies(p);
		if (proxy_now_ms() >= next_sweep) {
			sweep(p);
			free_zombies(p);
			next_sweep = proxy_now_ms() + SWEEP_INTERVAL_MS;
		}
	}
out:
	free_zombies(p);
	return NULL;
}

/* Half of the descriptors this process may open (less a reserve), at most
 * PROXY_MAX_CONNECTIONS: a tunnel takes two. */
static size_t proxy_default_max_conns(void)
{
	struct rlimit rl;
	size_t n = PROXY_MAX_CONNECTIONS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		size_t room = rl.rlim_cur > 2 * PROXY_FD_RESERVE
				  ? (size_t)(rl.rlim_cur - PROXY_FD_RESERVE) / 2
				  : PROXY_FD_RESERVE / 4;

		if (room < n)
			n = room;
	}
	return n;
}

static void proxy_free(struct proxy *p)
{
	while (p->conns)
		proxy_conn_close(p->conns);
	free_zombies(p);
	while (p->asks) {
		/* unanswered: the caller's later answer finds no proxy (-ETIMEDOUT) */
		struct srt_ask *a = p->asks;

		pthread_mutex_lock(&a->lock);
		a->proxy = NULL;
		pthread_mutex_unlock(&a->lock);
		ask_unlink(p, a);
		ask_put(a);
	}
	p->answered = NULL; /* those were in p->asks too */
	notify_close(&p->ask_n);
	pthread_mutex_destroy(&p->ask_lock);
	p->res = resolver_free(p->res);
	notify_close(&p->wake_n);
	p->loop = evloop_free(p->loop);
	free(p->own);
	free(p);
}

int proxy_start(const struct proxy_config *cfg, struct proxy **ret)
{
	struct proxy *p;
	sigset_t all, old;
	int r;

	if (!cfg || !ret || cfg->n_http > PROXY_MAX_LISTENERS ||
	    cfg->n_socks > PROXY_MAX_LISTENERS || (cfg->n_own > 0 && !cfg->own))
		return -EINVAL;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->wake_n = (struct srt_notify)SRT_NOTIFY_INIT;
	p->ask_n = (struct srt_notify)SRT_NOTIFY_INIT;
	p->wake.fd = -1;
	p->policy = cfg->policy;
	p->log = cfg->log;
	p->log_ud = cfg->log_ud;
	p->deny = cfg->deny;
	p->deny_ud = cfg->deny_ud;
	p->slot = cfg->slot;
	p->ask = cfg->ask;
	p->ask_ud = cfg->ask_ud;
	p->ask_ms = cfg->ask_timeout_ms ? cfg->ask_timeout_ms : PROXY_ASK_TIMEOUT_MS;
	pthread_mutex_init(&p->ask_lock, NULL);
	p->ask_item.fd = -1;
	p->handshake_ms = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms
						    : PROXY_HANDSHAKE_TIMEOUT_MS;
	p->max_conns = cfg->max_connections ? cfg->max_connections : proxy_default_max_conns();
	if (cfg->n_own > 0) {
		p->own = calloc(cfg->n_own, sizeof(*p->own));
		if (!p->own) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(p->own, cfg->own, cfg->n_own * sizeof(*p->own));
		p->n_own = cfg->n_own;
	}

	r = resolver_new_with(&(struct resolver_options){ .threads = RESOLVER_THREADS,
							  .lookup = cfg->lookup },
			      &p->res);
	if (r < 0)
		goto fail;

	r = evloop_new(EVLOOP_DEFAULT, &p->loop);
	if (r < 0)
		goto fail;
	if (!cfg->max_connections && strcmp(evloop_backend_name(p->loop), "poll") == 0 &&
	    p->max_conns > PROXY_POLL_MAX_CONNECTIONS)
		p->max_conns = PROXY_POLL_MAX_CONNECTIONS;
	r = notify_open(&p->wake_n);
	if (r < 0)
		goto fail;
	p->wake = (struct ep_item){ .kind = IT_WAKE, .fd = p->wake_n.rfd };
	r = proxy_ep_set(p, &p->wake, EVL_IN);
	if (r < 0)
		goto fail;
	r = notify_open(&p->ask_n);
	if (r < 0)
		goto fail;
	p->ask_item = (struct ep_item){ .kind = IT_ASK, .fd = p->ask_n.rfd };
	r = proxy_ep_set(p, &p->ask_item, EVL_IN);
	if (r < 0)
		goto fail;
	p->res_item = (struct ep_item){ .kind = IT_RESOLVER, .fd = resolver_fd(p->res) };
	r = proxy_ep_set(p, &p->res_item, EVL_IN);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < cfg->n_http + cfg->n_socks; i++) {
		bool http = i < cfg->n_http;
		struct ep_item *l = &p->listeners[p->n_listeners++];

		uint16_t fport = http ? cfg->http_forward_port : cfg->socks_forward_port;

		*l = (struct ep_item){ .kind = fport	 ? IT_LISTEN_FORWARD
					       : http ? IT_LISTEN_HTTP
						      : IT_LISTEN_SOCKS,
				       .fd = http ? cfg->http_fds[i]
						  : cfg->socks_fds[i - cfg->n_http],
				       .forward_port = fport };
		if (l->fd < 0) {
			r = -EBADF;
			goto fail;
		}
		r = proxy_ep_set(p, l, EVL_IN);
		if (r < 0)
			goto fail;
	}

	/* the thread inherits this mask: no signal is ever delivered to it (SIGPIPE from
	 * splice() included; sockets also get MSG_NOSIGNAL or SO_NOSIGPIPE, see compat.h) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&p->thread, NULL, proxy_thread, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	p->thread_started = true;
	*ret = p;
	return 0;

fail:
	/* the resolver's descriptor and the listeners belong to others: nothing to close here */
	p->res_item.fd = -1;
	proxy_free(p);
	return r;
}

const char *proxy_event_loop(const struct proxy *p)
{
	return evloop_backend_name(p ? p->loop : NULL);
}

struct proxy *proxy_stop(struct proxy *p)
{
	if (!p)
		return NULL;
	if (p->thread_started) {
		notify_signal(&p->wake_n);
		pthread_join(p->thread, NULL);
	}
	proxy_free(p);
	return NULL;
}
