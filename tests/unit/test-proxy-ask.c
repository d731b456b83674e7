/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy's ask path and live policy (src/lib/net/proxy.c): hosts in neither list go to an
 * ask callback whose answer may come later and from another thread; concurrent connections to
 * one host share one question; no answer denies; an answer after the proxy gave up is
 * refused; a replaced policy applies to the next connection and not to open tunnels.
 * Real sockets on 127.0.0.1; names resolve through the resolver's test seam.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/domain-match.h"
#include "net/policy-slot.h"
#include "net/proxy.h"
#include "loopback.h"
#include "tap.h"

#define BODY "origin says hi\n"

#define RESP_200 "HTTP/1.1 200 Connection Established\r\n\r\n"

/* ---- the asks the proxy made ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct srt_ask *asked[16];
static char asked_host[16][256];
static unsigned asked_port[16];
static int n_asked;
static bool answer_at_once, answer_with;

static void on_ask(void *ud, struct srt_ask *ask, const char *host, uint16_t port)
{
	(void)ud;
	if (answer_at_once) {
		proxy_ask_answer(ask, answer_with); /* from inside the callback */
		pthread_mutex_lock(&lock);
		n_asked++;
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_lock(&lock);
	if (n_asked < 16) {
		asked[n_asked] = ask;
		snprintf(asked_host[n_asked], sizeof(asked_host[0]), "%s", host);
		asked_port[n_asked] = port;
	}
	n_asked++;
	pthread_mutex_unlock(&lock);
}

static int asks_so_far(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = n_asked;
	pthread_mutex_unlock(&lock);
	return n;
}

static bool wait_asks(int want)
{
	for (int i = 0; i < 500; i++) {
		if (asks_so_far() >= want)
			return true;
		usleep(10000);
	}
	return false;
}

/* "asked.example" and "other.example" resolve to 127.0.0.1 */
static int fake_lookup(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	if (strcmp(node, "asked.example") == 0 || strcmp(node, "other.example") == 0)
		node = "127.0.0.1";
	return getaddrinfo(node, service, hints, res);
}

/* ---- an origin that answers every connection with BODY ---- */

static int origin_fd;

static void *origin(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept4(origin_fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			return NULL;
		(void)!send(c, BODY, sizeof(BODY) - 1, MSG_NOSIGNAL);
		close(c);
	}
}

/* Sends a CONNECT for host:port and returns the socket (the reply is read by the caller). */
static int start_connect(uint16_t proxy_port, const char *host, uint16_t port)
{
	char req[256];
	int fd = connect_lo(proxy_port);
	int n = snprintf(req, sizeof(req), "CONNECT %s:%u HTTP/1.1\r\n\r\n", host, port);

	(void)!send(fd, req, (size_t)n, MSG_NOSIGNAL);
	return fd;
}

int main(void)
{
	char *allowed[] = {"127.0.0.1", NULL}, *denied[] = {"bad.example", NULL};
	char *only_denied[] = {"127.0.0.1", NULL};
	struct net_policy pol;
	struct policy_slot slot;
	struct proxy_config cfg = {0};
	struct proxy *p = NULL;
	uint16_t proxy_port, origin_port;
	pthread_t ot;
	char buf[4096];
	int fd, fd2;

	plan_no_plan();
	origin_fd = listen_lo(&origin_port, false);
	pthread_create(&ot, NULL, origin, NULL);
	pthread_detach(ot);

	is_int(net_policy_build(allowed, denied, &pol, NULL, NULL), 0, "policy");
	is_int(policy_slot_init(&slot, &pol), 0, "policy slot");
	cfg.slot = &slot;
	cfg.http_fds[0] = listen_lo(&proxy_port, true);
	cfg.n_http = 1;
	cfg.ask = on_ask;
	cfg.ask_timeout_ms = 400;
	cfg.lookup = fake_lookup;
	is_int(proxy_start(&cfg, &p), 0, "proxy_start with an ask callback and a live policy");

	/* an unlisted host: asked, answered later from this thread: allowed */
	fd = start_connect(proxy_port, "asked.example", origin_port);
	ok(wait_asks(1), "an unlisted host is asked about");
	ok(strcmp(asked_host[0], "asked.example") == 0 && asked_port[0] == origin_port,
	   "the ask names the host and port");
	usleep(100000);
	is_int(proxy_ask_answer(asked[0], true), 0, "answer: allow");
	read_all(fd, buf, sizeof(buf), 3000);
	is_str(buf, RESP_200 BODY, "allowed by the answer: the tunnel works");
	close(fd);

	/* no caching: the next connection asks again; a deny answer refuses */
	fd = start_connect(proxy_port, "asked.example", origin_port);
	ok(wait_asks(2), "every new connection asks again (no cache)");
	is_int(proxy_ask_answer(asked[1], false), 0, "answer: deny");
	read_all(fd, buf, sizeof(buf), 3000);
	like_str(buf, "HTTP/1.1 403 Forbidden", "denied by the answer: 403");
	close(fd);

	/* two concurrent connections to the same host and port share one question */
	fd = start_connect(proxy_port, "other.example", origin_port);
	ok(wait_asks(3), "first connection asks");
	fd2 = start_connect(proxy_port, "other.example", origin_port);
	usleep(150000);
	is_int(asks_so_far(), 3, "the second connection to the same host:port does not ask again");
	is_int(proxy_ask_answer(asked[2], true), 0, "one answer");
	read_all(fd, buf, sizeof(buf), 3000);
	is_str(buf, RESP_200 BODY, "... lets the first through");
	read_all(fd2, buf, sizeof(buf), 3000);
	is_str(buf, RESP_200 BODY, "... and the second");
	close(fd);
	close(fd2);

	/* listed hosts are never asked about */
	fd = start_connect(proxy_port, "127.0.0.1", origin_port);
	read_all(fd, buf, sizeof(buf), 3000);
	is_str(buf, RESP_200 BODY, "an allowed literal: no ask");
	close(fd);
	fd = start_connect(proxy_port, "bad.example", origin_port);
	read_all(fd, buf, sizeof(buf), 3000);
	like_str(buf, "HTTP/1.1 403", "a denied host: refused without asking");
	is_int(asks_so_far(), 3, "neither was asked about");
	close(fd);

	/* no answer: denied after the ask timeout; a late answer is refused */
	fd = start_connect(proxy_port, "asked.example", origin_port);
	ok(wait_asks(4), "asked");
	read_all(fd, buf, sizeof(buf), 3000);
	like_str(buf, "HTTP/1.1 403", "no answer within the timeout: 403");
	is_int(proxy_ask_answer(asked[3], true), -ETIMEDOUT, "a late answer: -ETIMEDOUT");
	close(fd);

	/* an answer given inside the callback */
	answer_at_once = true;
	answer_with = true;
	fd = start_connect(proxy_port, "asked.example", origin_port);
	read_all(fd, buf, sizeof(buf), 3000);
	is_str(buf, RESP_200 BODY, "answered from inside the callback: allowed");
	close(fd);
	answer_at_once = false;

	/* the policy is replaced while a tunnel is open */
	fd2 = start_connect(proxy_port, "127.0.0.1", origin_port);
	{
		ssize_t n = recv(fd2, buf, sizeof(RESP_200) - 1, MSG_WAITALL);

		buf[n > 0 ? n : 0] = '\0';
		is_str(buf, RESP_200, "a tunnel is open");
	}
	is_int(net_policy_build(NULL, only_denied, &pol, NULL, NULL), 0, "new policy");
	is_int(policy_slot_set(&slot, &pol), 0, "published");
	fd = start_connect(proxy_port, "127.0.0.1", origin_port);
	read_all(fd, buf, sizeof(buf), 3000);
	like_str(buf, "HTTP/1.1 403", "the next connection is decided with the new policy");
	close(fd);
	read_all(fd2, buf, sizeof(buf), 3000);
	is_str(buf, BODY, "the open tunnel goes on");
	close(fd2);

	/* an ask still open when the proxy stops: the answer is refused, nothing leaks */
	fd = start_connect(proxy_port, "asked.example", origin_port);
	ok(wait_asks(6), "asked before the stop");
	p = proxy_stop(p);
	is_int(proxy_ask_answer(asked[5], true), -ETIMEDOUT, "answer after proxy_stop: -ETIMEDOUT");
	close(fd);
	close(cfg.http_fds[0]);
	policy_slot_done(&slot);
	return tap_exit();
}
