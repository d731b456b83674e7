/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy server core: an HTTP CONNECT proxy and a SOCKS5 (CONNECT, no-auth) proxy sharing
 * one event loop on a thread of their own (srt-behaviour.md 5.2-5.5): epoll on Linux, poll()
 * elsewhere and in the -Dportable_net=true build (shared/evloop.h, shared/compat.h).
 *
 * Every destination goes through host_canonicalize() and net_policy_decide(); a denied name is
 * never resolved. An allowed name is resolved asynchronously (resolver.h), each address is
 * vetted with net_policy_vet_address() and the first one that passes is dialled (no second
 * lookup); an IP literal is vetted the same way. Established tunnels run through relay.h.
 *
 * HTTP: CONNECT opens a tunnel; any other method must use an absolute-form target
 * ("GET http://host[:port]/path"), which proxy-http.c forwards: the request head is rewritten
 * (origin-form path, Host from the target, hop-by-hop fields and Proxy-Authorization dropped),
 * bodies are relayed with their framing checked (Content-Length or chunked), responses are
 * framed the same way, and the client connection is kept alive across requests, each of them
 * decided anew. A Host field that names another host or port than the target is refused (421).
 *
 * Answers: HTTP 403 (exact reference text) for a policy denial or a destination that does not
 * canonicalise, 400 for a malformed request, 431 for a head over HTTP_MAX_HEAD, 502 when no
 * vetted address could be connected or the upstream sent a malformed response, 501 for
 * https:// absolute targets (use CONNECT) and unsupported transfer codings. SOCKS5: 05 02 for
 * a denial, 05 07 for a command other than CONNECT, socks5_rep_for_errno() for a failed
 * connect.
 *
 * Bring-your-own proxy: a listener given as a forward listener relays every connection, byte
 * for byte and without any policy, to 127.0.0.1:<port> on the host (the reference's
 * httpProxyPort / socksProxyPort: the external proxy does the filtering).
 *
 * Limits: at most PROXY_MAX_CONNECTIONS clients (PROXY_POLL_MAX_CONNECTIONS with the poll()
 * loop), and no more than half of the descriptors the
 * process may open (RLIMIT_NOFILE at start, less PROXY_FD_RESERVE): a tunnel needs two. When
 * that many are open, or accept() fails for want of descriptors or memory, the client that has
 * not made its request yet (or only waits to be closed after an error reply) and whose time
 * runs out first is closed to make room, so hanging connections cannot lock out a client that
 * asks at once; when every client is busy, the new one is closed (or, without descriptors,
 * accepting pauses for ACCEPT_PAUSE_MS instead of spinning). A client must complete its
 * request within the handshake timeout, each upstream connect attempt must finish within
 * PROXY_CONNECT_TIMEOUT_MS. A request head is parsed when its end (an empty line) has
 * arrived, on the first read, or when the buffer is full, never again for each further byte.
 *
 * The proxy thread runs with every signal blocked (splice() may raise SIGPIPE).
 */
#pragma once

#include <stddef.h>

#include "domain-match.h"
#include "host.h"
#include "resolver.h"

#define PROXY_MAX_CONNECTIONS 10000
/* With the poll() loop (macOS, -Dportable_net=true) every wake-up costs time in proportion to
 * the descriptors registered (shared/evloop.h): about 0.4 ms at 2,000, 4 ms at 9,000 and 20 ms
 * at 19,500 on the 2-CPU test machine, so a proxy full of 10,000 tunnels took 120 ms to serve
 * one new connection. The default limit is lower there; eviction (below) keeps a hostile
 * command from locking others out either way. */
#define PROXY_POLL_MAX_CONNECTIONS 1024
#define PROXY_FD_RESERVE 64 /* descriptors kept out of the client budget (resolver, pipes) */
#define PROXY_HANDSHAKE_TIMEOUT_MS 30000
#define PROXY_CONNECT_TIMEOUT_MS 10000
#define PROXY_IDLE_TIMEOUT_MS 300000 /* absolute-form HTTP: no byte either way for this long */
#define PROXY_MAX_LISTENERS 4
#define PROXY_ASK_TIMEOUT_MS 30000 /* an unanswered ask denies after this long */

struct proxy;
struct policy_slot;
/* A question to the caller about a host in neither list (srt.h: srt_ask_answer()). */
struct srt_ask;

/* One refused destination, for violation reporting. The strings are valid during the call. */
struct proxy_denial {
	const char *protocol; /* "CONNECT", "HTTP" (absolute-form) or "SOCKS5" */
	const char *host;     /* canonical host, or "(invalid)" when it did not canonicalise */
	uint16_t port;
	const char *reason;
};

struct proxy_config {
	const struct net_policy *policy; /* borrowed; must outlive the proxy */
	int http_fds[PROXY_MAX_LISTENERS]; /* listening sockets (non-blocking), HTTP proxy */
	size_t n_http;
	int socks_fds[PROXY_MAX_LISTENERS]; /* listening sockets (non-blocking), SOCKS5 */
	size_t n_socks;
	/* this host's own addresses for vetting (may be NULL/0); copied */
	const struct host *own;
	size_t n_own;
	/* one line per decision (debug); called on the proxy thread; may be NULL */
	void (*log)(void *ud, const char *line);
	void *log_ud;
	/* bring-your-own proxy: when non-zero, connections to the HTTP (SOCKS) listeners are
	 * relayed as they are to 127.0.0.1:<port> on the host, with no policy of srt's */
	uint16_t http_forward_port, socks_forward_port;
	/* every denial (policy, canonicaliser, vetting); called on the proxy thread; may be NULL */
	void (*deny)(void *ud, const struct proxy_denial *d);
	void *deny_ud;
	/* a live policy (srt_manager_update_network()): when not NULL it is used instead of
	 * `policy`, read anew for each destination; borrowed, must outlive the proxy */
	struct policy_slot *slot;
	/* hosts in neither list are asked about (NULL: denied). Called on the proxy thread; it
	 * must not block; the answer comes through proxy_ask_answer(), from any thread, at any
	 * time, exactly once. Concurrent connections to the same host and port share one ask. */
	void (*ask)(void *ud, struct srt_ask *ask, const char *host, uint16_t port);
	void *ask_ud;
	unsigned ask_timeout_ms; /* 0 = PROXY_ASK_TIMEOUT_MS */
	/* 0 = PROXY_HANDSHAKE_TIMEOUT_MS; tests set a shorter one */
	unsigned handshake_timeout_ms;
	/* 0 = from RLIMIT_NOFILE and PROXY_MAX_CONNECTIONS (PROXY_POLL_MAX_CONNECTIONS with the
	 * poll() loop) (above); tests set a smaller one */
	unsigned max_connections;
	/* test seam: NULL = getaddrinfo() (see resolver_new_with()) */
	resolver_lookup_fn lookup;
};

/* Starts the proxy on its own thread (event loop). Returns 0 and sets *ret, or -EINVAL (bad
 * config), -ENOMEM, -EMFILE, -EAGAIN or another -errno. */
int proxy_start(const struct proxy_config *c, struct proxy **ret);

/* Stops the thread, closes every connection (not the listeners, which the caller owns).
 * Asks still unanswered are answered -ETIMEDOUT later (their memory lives until then).
 * NULL-safe; returns NULL. */
struct proxy *proxy_stop(struct proxy *p);

/* The proxy's event loop back-end: "epoll" or "poll" (logs, tests). */
const char *proxy_event_loop(const struct proxy *p);

/* Answers an ask (exactly once per ask, from any thread, even after the proxy stopped).
 * Returns 0, or -ETIMEDOUT when the proxy had already denied it (timeout, or stopped). */
int proxy_ask_answer(struct srt_ask *ask, bool allow);
