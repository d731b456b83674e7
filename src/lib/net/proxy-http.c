/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Absolute-form HTTP forwarding ("GET http://host/path HTTP/1.1" sent to the proxy), on the
 * proxy thread, for connections the core (proxy.c) hands over from proxy_http_head().
 *
 * One exchange at a time per client connection:
 *
 *	request head   parsed by the core; here: target, Host consistency, body framing, then
 *	               the policy decision (every request is decided, kept-alive or not)
 *	upstream       reused when the previous exchange went to the same host and port and left
 *	               it reusable, else a new one through proxy_conn_begin() (resolve, vet, dial)
 *	request body   relayed with its framing checked (Content-Length counted, chunked framing
 *	               followed by http_chunked_feed()), so srt and the server agree on where the
 *	               request ends and a smuggled second request cannot pass undecided
 *	response       head parsed and rewritten (hop-by-hop fields dropped), body framed the same
 *	               way, or delimited by the upstream's close (then the client is closed too)
 *	next request   bytes the client pipelined stay in c->buf and are parsed when the exchange
 *	               is over; nothing more is read from the client until then
 *
 * Buffers are fixed per connection (the client input buffer c->buf of the core, one input
 * buffer for the upstream, one output buffer per direction): memory is bounded and a peer that
 * stops reading stops the relay from reading the other peer.
 *
 * The code never calls itself back: the only entry that runs the pump is http_fwd_event();
 * the other entries set loop interest and return, and the event comes back through the loop.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"
#include "http-parse.h"
#include "proxy-internal.h"

#define FWD_OUT_MAX HTTP_MAX_FORWARD_HEAD
/* pipelined requests served in one go before yielding to the event loop */
#define FWD_BATCH 16

static const char RESP_400[] = "HTTP/1.1 400 Bad Request\r\n"
			       "Content-Type: text/plain\r\n"
			       "Connection: close\r\n"
			       "Content-Length: 12\r\n"
			       "\r\n"
			       "Bad Request\n";
static const char RESP_413[] = "HTTP/1.1 413 Content Too Large\r\n"
			       "Connection: close\r\n"
			       "Content-Length: 0\r\n"
			       "\r\n";
static const char RESP_421[] = "HTTP/1.1 421 Misdirected Request\r\n"
			       "Content-Type: text/plain\r\n"
			       "X-Proxy-Error: host-mismatch\r\n"
			       "Connection: close\r\n"
			       "Content-Length: 46\r\n"
			       "\r\n"
			       "The Host field does not match the request URI\n";
static const char RESP_431[] = "HTTP/1.1 431 Request Header Fields Too Large\r\n"
			       "Connection: close\r\n"
			       "Content-Length: 0\r\n"
			       "\r\n";
#define BODY_501_TLS "https:// targets are not forwarded: use CONNECT (an HTTPS proxy client does).\n"
static const char RESP_501_TLS[] = "HTTP/1.1 501 Not Implemented\r\n"
				   "Content-Type: text/plain\r\n"
				   "Connection: close\r\n"
				   "Content-Length: 78\r\n"
				   "\r\n" BODY_501_TLS;
_Static_assert(sizeof(BODY_501_TLS) - 1 == 78, "Content-Length of the 501 body");
static const char RESP_501_TE[] = "HTTP/1.1 501 Not Implemented\r\n"
				  "Connection: close\r\n"
				  "Content-Length: 0\r\n"
				  "\r\n";
static const char RESP_502[] = "HTTP/1.1 502 Bad Gateway\r\n"
			       "Content-Type: text/plain\r\n"
			       "Connection: close\r\n"
			       "Content-Length: 12\r\n"
			       "\r\n"
			       "Bad Gateway\n";
_Static_assert(sizeof("Bad Request\n") - 1 == 12 && sizeof("Bad Gateway\n") - 1 == 12,
	       "Content-Length of the 400 and 502 bodies");
_Static_assert(sizeof("The Host field does not match the request URI\n") - 1 == 46,
	       "Content-Length of the 421 body");

enum rs_state { RS_HEAD, RS_BODY, RS_DONE };

enum run_result { RUN_WAIT, RUN_NEXT, RUN_CLOSED };

struct fwd {
	/* the live upstream connection */
	bool have_up, up_reusable;
	struct host up_dest;
	uint16_t up_port;

	/* the current exchange */
	bool head_req;     /* the method is HEAD: the response has no body */
	bool client_close; /* the client asked to close after this exchange */
	bool sent_any;     /* bytes of a response went to the client (a 502 is too late) */
	bool close_after;  /* close the client once the response is out */
	bool rq_done;
	enum http_body_kind rq_kind;
	uint64_t rq_left;
	struct http_chunked rq_ch;
	enum rs_state rs;
	enum http_body_kind rs_kind;
	uint64_t rs_left;
	struct http_chunked rs_ch;

	size_t up_off, up_len, cl_off, cl_len, uin_off, uin_len;
	/* only during an exchange: a connection kept alive between requests holds none */
	struct fwd_bufs *b;
};

struct fwd_bufs {
	char up_out[FWD_OUT_MAX]; /* to the upstream: the rewritten head, then body bytes */
	char cl_out[FWD_OUT_MAX]; /* to the client: rewritten response heads, body bytes */
	char uin[HTTP_MAX_HEAD];  /* from the upstream */
};

void http_fwd_free(struct conn *c)
{
	if (c->fwd)
		free(c->fwd->b);
	free(c->fwd);
	c->fwd = NULL;
}

static bool slice_is(struct http_slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.p, lit, n) == 0;
}

static bool host_same(const struct host *a, const struct host *b)
{
	return a->kind == b->kind && strcmp(a->text, b->text) == 0;
}

/* The Host field: "host", "host:port", "[v6]" or "[v6]:port"; the port defaults to 80. */
static int parse_host_field(struct http_slice v, struct host *ret, uint16_t *ret_port)
{
	const char *colon = NULL;
	struct http_slice h;

	if (v.len == 0)
		return -EINVAL;
	if (v.p[0] == '[') {
		const char *end = memchr(v.p, ']', v.len);

		if (!end)
			return -EINVAL;
		if ((size_t)(end - v.p) + 1 < v.len)
			colon = end + 1;
	} else {
		colon = memchr(v.p, ':', v.len);
	}
	if (colon) {
		if (*colon != ':' || http_parse_authority(v, &h, ret_port) < 0)
			return -EINVAL;
	} else {
		h = v;
		*ret_port = 80;
	}
	return host_canonicalize(h.p, h.len, ret, NULL);
}

/* The upstream failed or misbehaved: a 502 while the client has seen nothing of a response,
 * else only the connection can tell it. */
static void fwd_fail(struct conn *c, const char *what)
{
	struct fwd *f = c->fwd;

	proxy_logf(c->p, "HTTP %s:%u: %s", f->have_up ? f->up_dest.text : c->dest.text,
		   f->have_up ? f->up_port : c->port, what);
	if (!f->sent_any && f->cl_len == 0)
		proxy_conn_reply_close(c, RESP_502, sizeof(RESP_502) - 1);
	else
		proxy_conn_close(c);
}

/* Whether a kept-alive upstream is still usable: nothing to read, no EOF, no error. */
static bool upstream_alive(struct conn *c)
{
	char b;
	ssize_t n = recv(c->upstream.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

static void fwd_set_interest(struct conn *c)
{
	struct fwd *f = c->fwd;
	uint32_t cl = 0, up = 0;

	if (!f->rq_done && f->up_len == 0 && c->off == c->len)
		cl |= EVL_IN;
	if (f->cl_len > f->cl_off)
		cl |= EVL_OUT;
	if (f->rs != RS_DONE && f->cl_len == 0 &&
	    (f->uin_off == f->uin_len || (f->rs == RS_HEAD && f->uin_len < sizeof(f->b->uin))))
		up |= EVL_IN;
	if (f->up_len > f->up_off)
		up |= EVL_OUT;
	if (proxy_ep_set(c->p, &c->client, cl) < 0 || proxy_ep_set(c->p, &c->upstream, up) < 0)
		proxy_conn_close(c);
}

/* The exchange is set up (request head in up_out) and the upstream is connected. */
static void fwd_go(struct conn *c)
{
	c->state = ST_FORWARD;
	c->deadline = proxy_now_ms() + PROXY_IDLE_TIMEOUT_MS;
	fwd_set_interest(c);
}

void http_fwd_request(struct conn *c, const struct http_request *req, size_t head_len)
{
	struct proxy *p = c->p;
	struct http_slice host, path, hv;
	struct host dest, hdest;
	uint16_t port, hport;
	enum http_body_kind kind;
	uint64_t blen;
	char authority[sizeof(dest.text) + 16];
	const char *reason = NULL;
	struct fwd *f;
	ssize_t n;
	int r;

	if (!c->fwd) {
		c->fwd = calloc(1, sizeof(*c->fwd));
		if (!c->fwd) {
			proxy_conn_close(c);
			return;
		}
	}
	f = c->fwd;
	if (!f->b) {
		f->b = malloc(sizeof(*f->b));
		if (!f->b) {
			proxy_conn_close(c);
			return;
		}
	}
	c->forward = true;

	r = http_parse_absolute_uri(req->target, &host, &port, &path);
	if (r == -EPROTONOSUPPORT) {
		proxy_logf(p, "HTTP %.*s refused: not an http:// target",
			   (int)(req->method.len > 16 ? 16 : req->method.len), req->method.p);
		proxy_conn_reply_close(c, RESP_501_TLS, sizeof(RESP_501_TLS) - 1);
		return;
	}
	if (r < 0) {
		proxy_logf(p, "HTTP request refused: %s",
			   req->target.p[0] == '/' ? "origin-form target (this is a proxy)"
						   : "malformed absolute-form target");
		proxy_conn_reply_close(c, RESP_400, sizeof(RESP_400) - 1);
		return;
	}
	c->port = port;
	if (host_canonicalize(host.p, host.len, &dest, &reason) < 0) {
		memset(&c->dest, 0, sizeof(c->dest));
		proxy_denied(c, "HTTP", reason ? reason : "invalid host");
		proxy_conn_deny(c);
		return;
	}
	c->dest = dest;

	/* the Host field must name the same host and port as the target (CC#40213: a proxy that
	 * decides on one and lets the server route on the other is bypassed) */
	switch (http_find_header(req, "Host", &hv)) {
	case 0:
		break;
	case 1:
		if (parse_host_field(hv, &hdest, &hport) < 0 || !host_same(&hdest, &dest) ||
		    hport != port) {
			proxy_denied(c, "HTTP", "the Host field does not match the request target");
			proxy_conn_reply_close(c, RESP_421, sizeof(RESP_421) - 1);
			return;
		}
		break;
	default:
		proxy_logf(p, "HTTP request refused: more than one Host field");
		proxy_conn_reply_close(c, RESP_400, sizeof(RESP_400) - 1);
		return;
	}

	r = http_request_body(req, &kind, &blen);
	if (r < 0) {
		proxy_logf(p, "HTTP request refused: %s",
			   r == -EOPNOTSUPP ? "unsupported transfer coding"
			   : r == -EFBIG    ? "body too large"
					    : "ambiguous or malformed body framing");
		if (r == -EOPNOTSUPP)
			proxy_conn_reply_close(c, RESP_501_TE, sizeof(RESP_501_TE) - 1);
		else if (r == -EFBIG)
			proxy_conn_reply_close(c, RESP_413, sizeof(RESP_413) - 1);
		else
			proxy_conn_reply_close(c, RESP_400, sizeof(RESP_400) - 1);
		return;
	}

	if (dest.kind == HOST_IPV6)
		snprintf(authority, sizeof(authority), port == 80 ? "[%s]" : "[%s]:%u", dest.text,
			 port);
	else
		snprintf(authority, sizeof(authority), port == 80 ? "%s" : "%s:%u", dest.text,
			 port);
	n = http_build_forward_request(req, path,
				       (struct http_slice){ authority, strlen(authority) },
				       f->b->up_out, sizeof(f->b->up_out));
	if (n < 0) {
		proxy_logf(p, "HTTP request refused: rewritten head too large");
		proxy_conn_reply_close(c, RESP_431, sizeof(RESP_431) - 1);
		return;
	}
	f->up_off = 0;
	f->up_len = (size_t)n;
	c->off = head_len;

	f->head_req = slice_is(req->method, "HEAD");
	f->client_close = http_wants_close(req->headers, req->n_headers, req->minor_version);
	f->sent_any = false;
	f->close_after = false;
	f->rq_kind = kind;
	f->rq_left = blen;
	f->rq_done = kind == HTTP_BODY_NONE || (kind == HTTP_BODY_LENGTH && blen == 0);
	http_chunked_init(&f->rq_ch);
	f->rs = RS_HEAD;
	f->uin_off = f->uin_len = 0;
	f->cl_off = f->cl_len = 0;

	if (f->have_up && f->up_reusable && host_same(&f->up_dest, &dest) && f->up_port == port &&
	    upstream_alive(c) &&
	    net_policy_decide(proxy_conn_policy(c, true), &dest, port, &reason) == NET_ALLOW) {
		/* decided anew (the lists may have changed); anything but a plain allow goes the
		 * long way below, which denies or asks */
		proxy_logf(p, "HTTP %s:%u allowed: %s (connection reused)", dest.text, port, reason);
		fwd_go(c);
		return;
	}
	if (f->have_up) {
		proxy_item_close(p, &c->upstream);
		f->have_up = false;
	}
	proxy_conn_begin(c);
}

void http_fwd_established(struct conn *c)
{
	struct fwd *f = c->fwd;

	f->have_up = true;
	f->up_reusable = true;
	f->up_dest = c->dest;
	f->up_port = c->port;
	proxy_logf(c->p, "HTTP to %s:%u connected", c->dest.text, c->port);
	fwd_go(c);
}

/* Sends what is queued in out[*off..*len); 1 = progress, 0 = would block or nothing to do,
 * -errno = failed. */
static int flush(int fd, const char *out, size_t *off, size_t *len)
{
	ssize_t n;

	if (*off == *len)
		return 0;
	do
		n = send(fd, out + *off, *len - *off, COMPAT_MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	*off += (size_t)n;
	if (*off == *len)
		*off = *len = 0;
	return 1;
}

/* Reads into buf[*len..cap); 1 = bytes, 0 = would block, -1 = EOF, -errno (< -1) = failed. */
static int fill(int fd, char *buf, size_t *len, size_t cap)
{
	ssize_t n;

	if (*len >= cap)
		return 0;
	do
		n = recv(fd, buf + *len, cap - *len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -1;
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return errno > 1 ? -errno : -EIO;
	}
	*len += (size_t)n;
	return 1;
}

/* Moves body bytes from in[*off..len) to out (empty), following the framing; returns how many
 * moved, or -1 on malformed chunked framing. Sets *done at the end of the body. */
static ssize_t move_body(enum http_body_kind kind, uint64_t *left, struct http_chunked *ch,
			 const char *in, size_t *off, size_t len, char *out, size_t *out_len,
			 bool *done)
{
	size_t avail = len - *off, k;

	if (avail > FWD_OUT_MAX)
		avail = FWD_OUT_MAX;
	switch (kind) {
	case HTTP_BODY_LENGTH:
		k = avail < *left ? avail : (size_t)*left;
		*left -= k;
		*done = *left == 0;
		break;
	case HTTP_BODY_CHUNKED: {
		ssize_t n = http_chunked_feed(ch, in + *off, avail, done);

		if (n < 0)
			return -1;
		k = (size_t)n;
		break;
	}
	case HTTP_BODY_CLOSE:
		k = avail;
		*done = false;
		break;
	default:
		k = 0;
		*done = true;
		break;
	}
	memcpy(out, in + *off, k);
	*out_len = k;
	*off += k;
	return (ssize_t)k;
}

/* Queues the rewritten response head for the client and consumes the head_len bytes it had in
 * uin. 1 = queued, -1 = the connection was closed. */
static int queue_response_head(struct conn *c, const struct http_response *resp, bool add_close,
			       size_t head_len)
{
	struct fwd *f = c->fwd;
	ssize_t w = http_build_forward_response(resp, add_close, f->b->cl_out, sizeof(f->b->cl_out));

	if (w < 0) {
		fwd_fail(c, "response head too large");
		return -1;
	}
	f->cl_off = 0;
	f->cl_len = (size_t)w;
	f->uin_off += head_len;
	f->sent_any = true;
	return 1;
}

/* The response head at uin[uin_off..uin_len) is complete or not yet: 1 = handled, 0 = need
 * more bytes, -1 = the connection was closed. */
static int response_head(struct conn *c)
{
	struct fwd *f = c->fwd;
	struct http_response *resp;
	enum http_body_kind kind;
	uint64_t len;
	int r;
	int n;

	resp = malloc(sizeof(*resp));
	if (!resp) {
		proxy_conn_close(c);
		return -1;
	}
	n = http_parse_response(f->b->uin + f->uin_off, f->uin_len - f->uin_off, resp);
	if (n == HTTP_INCOMPLETE && f->uin_len - f->uin_off < sizeof(f->b->uin)) {
		free(resp);
		return 0;
	}
	if (n < 0) {
		free(resp);
		fwd_fail(c, n == HTTP_BAD ? "malformed response head" : "response head too large");
		return -1;
	}
	if (resp->status == 101) {
		/* Upgrade is hop-by-hop and was not forwarded: a switch is a protocol error */
		free(resp);
		fwd_fail(c, "unrequested protocol switch (101)");
		return -1;
	}
	if (resp->status < 200) {
		/* interim (100 Continue, 103 Early Hints): forward, the final one follows */
		r = queue_response_head(c, resp, false, (size_t)n);
		free(resp);
		return r;
	}
	if (http_response_body(resp, f->head_req, &kind, &len) < 0) {
		free(resp);
		fwd_fail(c, "ambiguous or malformed response framing");
		return -1;
	}
	f->close_after = f->client_close || kind == HTTP_BODY_CLOSE;
	f->up_reusable = kind != HTTP_BODY_CLOSE &&
			 !http_wants_close(resp->headers, resp->n_headers, resp->minor_version);
	r = queue_response_head(c, resp, f->close_after, (size_t)n);
	free(resp);
	if (r < 0)
		return r;
	f->rs_kind = kind;
	f->rs_left = len;
	http_chunked_init(&f->rs_ch);
	f->rs = kind == HTTP_BODY_NONE || (kind == HTTP_BODY_LENGTH && len == 0) ? RS_DONE
										 : RS_BODY;
	return 1;
}

/* The response is out: close, or get ready for the next request. */
static enum run_result exchange_done(struct conn *c)
{
	struct proxy *p = c->p;
	struct fwd *f = c->fwd;

	if (f->close_after || !f->rq_done || f->uin_off != f->uin_len) {
		/* asked for, or the request body is not over (its rest would be read as the
		 * next request), or the upstream sent more than the response */
		if (f->uin_off != f->uin_len)
			proxy_logf(p, "HTTP %s:%u: bytes after the response; closing", c->dest.text,
				   c->port);
		proxy_conn_reply_close(c, "", 0);
		return RUN_CLOSED;
	}
	if (!f->up_reusable) {
		proxy_item_close(p, &c->upstream);
		f->have_up = false;
	} else {
		(void)proxy_ep_set(p, &c->upstream, 0);
	}
	free(f->b);
	f->b = NULL;
	/* the next request head starts at c->buf[0] */
	memmove(c->buf, c->buf + c->off, c->len - c->off);
	c->len -= c->off;
	c->off = 0;
	c->state = ST_HEAD;
	c->deadline = proxy_now_ms() + p->handshake_ms;
	if (proxy_ep_set(p, &c->client, EVL_IN) < 0) {
		proxy_conn_close(c);
		return RUN_CLOSED;
	}
	return c->len > 0 ? RUN_NEXT : RUN_WAIT;
}

/* Moves bytes both ways until nothing more can be done without waiting. */
static enum run_result fwd_run(struct conn *c)
{
	struct fwd *f = c->fwd;
	bool any = false;

	for (;;) {
		bool progress = false, done = false;
		int r;

		/* upstream-bound */
		r = flush(c->upstream.fd, f->b->up_out, &f->up_off, &f->up_len);
		if (r < 0) {
			fwd_fail(c, "sending the request failed");
			return RUN_CLOSED;
		}
		progress |= r > 0;
		if (!f->rq_done && f->up_len == 0 && c->off < c->len) {
			if (move_body(f->rq_kind, &f->rq_left, &f->rq_ch, c->buf, &c->off, c->len,
				      f->b->up_out, &f->up_len, &done) < 0) {
				proxy_logf(c->p, "HTTP %s:%u: malformed chunked request body",
					   c->dest.text, c->port);
				proxy_conn_close(c);
				return RUN_CLOSED;
			}
			f->up_off = 0;
			f->rq_done = done;
			progress = true;
			continue;
		}
		if (!f->rq_done && f->up_len == 0 && c->off == c->len) {
			c->off = c->len = 0;
			r = fill(c->client.fd, c->buf, &c->len, HTTP_MAX_HEAD);
			if (r < 0) {
				/* the client went away in the middle of its request */
				proxy_conn_close(c);
				return RUN_CLOSED;
			}
			progress |= r > 0;
		}

		/* client-bound */
		r = flush(c->client.fd, f->b->cl_out, &f->cl_off, &f->cl_len);
		if (r < 0) {
			proxy_conn_close(c);
			return RUN_CLOSED;
		}
		progress |= r > 0;
		if (f->cl_len == 0 && f->uin_off < f->uin_len) {
			if (f->rs == RS_HEAD) {
				r = response_head(c);
				if (r < 0)
					return RUN_CLOSED;
				if (r > 0) {
					progress = true;
					continue;
				}
			} else if (f->rs == RS_BODY) {
				if (move_body(f->rs_kind, &f->rs_left, &f->rs_ch, f->b->uin,
					      &f->uin_off, f->uin_len, f->b->cl_out, &f->cl_len,
					      &done) < 0) {
					fwd_fail(c, "malformed chunked response body");
					return RUN_CLOSED;
				}
				f->cl_off = 0;
				if (done)
					f->rs = RS_DONE;
				progress = true;
				continue;
			}
		}
		if (f->rs != RS_DONE && f->cl_len == 0) {
			if (f->uin_off == f->uin_len)
				f->uin_off = f->uin_len = 0;
			else if (f->uin_off > 0) {
				memmove(f->b->uin, f->b->uin + f->uin_off, f->uin_len - f->uin_off);
				f->uin_len -= f->uin_off;
				f->uin_off = 0;
			}
			r = fill(c->upstream.fd, f->b->uin, &f->uin_len, sizeof(f->b->uin));
			if (r == -1 && f->rs == RS_BODY && f->rs_kind == HTTP_BODY_CLOSE) {
				f->rs = RS_DONE; /* the body ended with the connection */
				f->up_reusable = false;
				progress = true;
			} else if (r < 0) {
				fwd_fail(c, r == -1 ? "the server closed the connection early"
						    : "reading the response failed");
				return RUN_CLOSED;
			}
			progress |= r > 0;
		}

		if (f->rs == RS_DONE && f->cl_len == 0)
			return exchange_done(c);
		if (!progress)
			break;
		any = true;
	}
	if (any)
		c->deadline = proxy_now_ms() + PROXY_IDLE_TIMEOUT_MS;
	fwd_set_interest(c);
	return c->dead ? RUN_CLOSED : RUN_WAIT;
}

void http_fwd_event(struct conn *c, bool upstream, uint32_t events)
{
	if (events & (EVL_ERR | EVL_HUP)) {
		if (upstream)
			fwd_fail(c, "connection reset");
		else
			proxy_conn_close(c);
		return;
	}
	for (int i = 0; i < FWD_BATCH; i++) {
		if (fwd_run(c) != RUN_NEXT)
			return;
		/* a pipelined request is buffered: parse it (it may reuse the upstream and come
		 * back here as ST_FORWARD) */
		proxy_http_head(c);
		if (c->dead || c->state != ST_FORWARD)
			return;
	}
}
