/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between the proxy core (proxy.c: event loop, accept, decide, resolve, dial, tunnels)
 * and the absolute-form HTTP forwarder (proxy-http.c). Not part of any interface: both files
 * run only on the proxy thread.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http-parse.h"
#include "proxy.h"
#include "relay.h"
#include "resolver.h"
#include "shared/compat.h"
#include "shared/evloop.h"

enum item_kind {
	IT_WAKE,
	IT_RESOLVER,
	IT_LISTEN_HTTP,
	IT_LISTEN_SOCKS,
	IT_LISTEN_FORWARD, /* bring-your-own proxy: relay to a fixed host loopback port */
	IT_CLIENT,
	IT_UPSTREAM,
	IT_ASK, /* notifier (compat.h): asks were answered */
};

struct ep_item {
	enum item_kind kind;
	int fd;
	struct conn *conn;
	bool registered;
	uint32_t events;
	uint16_t forward_port; /* IT_LISTEN_FORWARD */
};

enum conn_state {
	ST_HEAD,       /* reading a request head (HTTP) or greeting and request (SOCKS5) */
	ST_RESOLVING,  /* waiting for the resolver (the client fd is not polled) */
	ST_CONNECTING, /* a non-blocking connect() to one vetted address is in progress */
	ST_RELAY,      /* both fds belong to a relay (relay.h) */
	ST_FORWARD,    /* absolute-form HTTP exchanges (proxy-http.c) */
	ST_ASKING,     /* waiting for the caller's answer about an unlisted host */
	ST_DRAIN,      /* an error reply was sent; the client's bytes are dropped until it closes */
};

struct fwd;

struct conn {
	struct proxy *p;
	struct conn *prev, *next;
	bool socks, dead, greeted;
	bool forward; /* the destination is for an absolute-form HTTP request (proxy-http.c) */
	bool fixed;   /* bring-your-own proxy: no policy, fixed upstream, no reply of ours */
	enum conn_state state;
	struct ep_item client, upstream;
	uint64_t deadline;

	char *buf;       /* HTTP_MAX_HEAD bytes (from the first read on): the client's input until
			  * the relay starts */
	size_t len, off; /* bytes in buf; bytes consumed (a handshake, forwarded bytes) */
	size_t drained;

	struct host dest;
	uint16_t port;
	int64_t rid;
	struct host *addrs; /* RESOLVER_MAX_ADDRS entries while dialling, else NULL */
	size_t n_addrs, next_addr;
	bool vet_denied;
	int last_err;
	const char *vet_reason; /* why the last address was refused (static) */

	struct policy_ref *pol; /* the live policy this destination is decided with, or NULL */
	struct srt_ask *ask;    /* ST_ASKING: the question, and the next connection waiting */
	struct conn *ask_next;
	bool asked; /* the destination was allowed by an answer, not by the lists */

	struct relay *relay;
	uint64_t relay_seen; /* bytes the relay had moved at the last sweep */
	struct fwd *fwd; /* ST_FORWARD (and while its next upstream is being set up) */
};

struct proxy {
	const struct net_policy *policy;
	struct host *own;
	size_t n_own;
	void (*log)(void *ud, const char *line);
	void *log_ud;
	void (*deny)(void *ud, const struct proxy_denial *d);
	void *deny_ud;
	struct policy_slot *slot;
	void (*ask)(void *ud, struct srt_ask *ask, const char *host, uint16_t port);
	void *ask_ud;
	unsigned ask_ms;
	struct srt_ask *asks; /* pending (proxy thread only) */
	pthread_mutex_t ask_lock;
	struct srt_ask *answered; /* under ask_lock: answered, not yet acted on */
	struct srt_notify ask_n; /* written by proxy_ask_answer() on any thread */
	struct ep_item ask_item;
	unsigned handshake_ms;

	struct evloop *loop;
	struct srt_notify wake_n; /* written by proxy_stop() */
	struct ep_item wake, res_item;
	struct ep_item listeners[3 * PROXY_MAX_LISTENERS];
	size_t n_listeners;
	uint64_t accept_paused_until; /* 0, or when to listen again after EMFILE and the like */
	struct resolver *res;

	struct conn *conns, *zombies;
	size_t n_conns, max_conns;

	pthread_t thread;
	bool thread_started;
};

uint64_t proxy_now_ms(void);
/* The policy for c's current destination: takes the live one anew when there is one. */
const struct net_policy *proxy_conn_policy(struct conn *c, bool refresh);
__attribute__((format(printf, 2, 3))) void proxy_logf(struct proxy *p, const char *fmt, ...);
/* Reports a denial to the log and to the denial callback. */
void proxy_denied(struct conn *c, const char *proto, const char *reason);
/* Sets it's interest (EVL_IN/EVL_OUT; 0 takes it out of the loop). Returns 0 or -errno. */
int proxy_ep_set(struct proxy *p, struct ep_item *it, uint32_t events);
void proxy_item_close(struct proxy *p, struct ep_item *it);
void proxy_conn_close(struct conn *c);
/* Sends a small final reply, shuts the client's side down and drains (bounded). */
void proxy_conn_reply_close(struct conn *c, const void *buf, size_t len);
/* The policy denied the destination: HTTP 403 or SOCKS5 05 02, then close. */
void proxy_conn_deny(struct conn *c);
/* c->dest and c->port are set: decide, then resolve or dial; ends in
 * proxy_conn_established(), a denial or a failure reply. */
void proxy_conn_begin(struct conn *c);
/* Parses the request head at c->buf[0..c->len) and acts on it (CONNECT, absolute-form, or an
 * error reply); waits for more bytes when it is incomplete. */
void proxy_http_head(struct conn *c);
/* The connection is to go on with a tunnel: bytes from c->buf + c->off first. */
void proxy_conn_tunnel(struct conn *c);

/* proxy-http.c */
/* The client sent a request head that is not CONNECT (req parsed from c->buf, head_len bytes);
 * takes over the connection. */
void http_fwd_request(struct conn *c, const struct http_request *req, size_t head_len);
/* The upstream for the pending absolute-form request is connected. */
void http_fwd_established(struct conn *c);
/* An event on either socket in ST_FORWARD. */
void http_fwd_event(struct conn *c, bool upstream, uint32_t events);
/* Frees the forwarding state (NULL-safe). */
void http_fwd_free(struct conn *c);
