/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the HTTP request and response parsers, their helpers, the forwarding
 * head builders and the chunked decoder. Every input is tried as a request and as a response.
 * Besides "no crash, no over-read", it checks properties the proxy relies on:
 *   - a parsed head is stable: its own bytes parse to the same length, one byte less is
 *     incomplete, and every slice points inside it;
 *   - helper results point inside their input (or at the static "/");
 *   - a built head fits HTTP_MAX_FORWARD_HEAD, is -ENOBUFS one byte shorter without writing
 *     past the buffer, re-parses to the same start line and kept fields, and has the same
 *     body framing as the head it was built from (no smuggling through the rewrite);
 *   - the chunked decoder gives the same answer however the stream is split. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static bool inside(struct http_slice s, const char *base, size_t len)
{
	uintptr_t p = (uintptr_t)s.p, b = (uintptr_t)base;

	return s.p && p >= b && s.len <= len && p - b <= len - s.len;
}

static uint64_t fnv1a(const uint8_t *d, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		h ^= d[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check_authority(struct http_slice t)
{
	struct http_slice host = { NULL, 0 };
	uint16_t port = 0;

	if (http_parse_authority(t, &host, &port) == 0) {
		CHECK(inside(host, t.p, t.len));
		CHECK(host.len > 0);
		CHECK(port != 0);
	}
}

static void check_absolute(struct http_slice t)
{
	struct http_slice host = { NULL, 0 }, path = { NULL, 0 };
	uint16_t port = 0;

	if (http_parse_absolute_uri(t, &host, &port, &path) == 0) {
		CHECK(inside(host, t.p, t.len));
		CHECK(host.len > 0);
		CHECK(port != 0);
		CHECK(path.len > 0 && path.p[0] == '/');
		CHECK(inside(path, t.p, t.len) || path.len == 1); /* or the static "/" */
		for (size_t i = 0; i < path.len; i++)
			CHECK(path.p[i] > 0x20 && path.p[i] < 0x7f && path.p[i] != '#');
	}
}

/* Feeds buf whole, then in pseudo-random pieces seeded from the input; both must agree. */
static void check_chunked(const char *buf, size_t len, uint64_t seed)
{
	struct http_chunked whole, split;
	bool done_whole = false, done_split = false;
	ssize_t n_whole, n;
	size_t pos = 0, total = 0;
	bool failed = false;

	http_chunked_init(&whole);
	n_whole = http_chunked_feed(&whole, buf, len, &done_whole);
	CHECK(n_whole == -1 || (n_whole >= 0 && (size_t)n_whole <= len));
	CHECK(n_whole == -1 || done_whole || (size_t)n_whole == len);

	http_chunked_init(&split);
	seed |= 1;
	while (pos < len) {
		/* mostly tiny pieces (1-8 bytes) to hit every state boundary, sometimes large */
		uint64_t r = xorshift(&seed);
		size_t piece = (r & 3) ? (size_t)(r >> 8) % 8 + 1 : (size_t)(r >> 8) % 4096 + 1;

		if (piece > len - pos)
			piece = len - pos;
		n = http_chunked_feed(&split, buf + pos, piece, &done_split);
		if (n < 0) {
			failed = true;
			break;
		}
		CHECK((size_t)n <= piece);
		total += (size_t)n;
		if (done_split)
			break;
		CHECK((size_t)n == piece);
		pos += piece;
	}
	if (n_whole < 0) {
		CHECK(failed);
	} else {
		CHECK(!failed);
		CHECK(total == (size_t)n_whole);
		CHECK(done_split == done_whole);
	}
	/* after the end or an error, the state does not move */
	if (done_whole) {
		CHECK(http_chunked_feed(&whole, buf, len, &done_whole) == 0 && done_whole);
	}
}

static bool slices_equal(struct http_slice a, struct http_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static bool name_is(struct http_slice s, const char *name)
{
	size_t n = strlen(name);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = s.p[i], b = name[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

static void check_fields(const struct http_header *headers, size_t n_headers, const char *buf,
			 size_t n)
{
	static const char cl[] = "Content-Length", te[] = "Transfer-Encoding";

	CHECK(n_headers <= HTTP_MAX_HEADERS);
	for (size_t i = 0; i < n_headers; i++) {
		const struct http_header *h = &headers[i];

		CHECK(inside(h->name, buf, n) && h->name.len > 0);
		CHECK(h->value.len == 0 || inside(h->value, buf, n));
		if (h->value.len > 0) {
			CHECK(h->value.p[0] != ' ' && h->value.p[0] != '\t');
			CHECK(h->value.p[h->value.len - 1] != ' ' &&
			      h->value.p[h->value.len - 1] != '\t');
		}
		for (size_t k = 0; k < h->value.len; k++)
			CHECK(h->value.p[k] != '\0' && h->value.p[k] != '\r' &&
			      h->value.p[k] != '\n');
		(void)http_field_is_hop_by_hop(headers, n_headers, h->name);
	}
	/* framing fields are never dropped on a peer's say-so */
	CHECK(!http_field_is_hop_by_hop(headers, n_headers, (struct http_slice){ cl, sizeof(cl) - 1 }));
	CHECK(!http_field_is_hop_by_hop(headers, n_headers, (struct http_slice){ te, sizeof(te) - 1 }));
	(void)http_wants_close(headers, n_headers, 0);
	(void)http_wants_close(headers, n_headers, 1);
	if (http_wants_close(headers, n_headers, 1))
		CHECK(http_wants_close(headers, n_headers, 0));
}

/* The fields of built[] must be those of orig[] that are not hop-by-hop (and not Host when
 * drop_host), in order and byte for byte, then extra_close "Connection: close". */
static void check_kept_fields(const struct http_header *orig, size_t n_orig,
			      const struct http_header *built, size_t n_built, bool drop_host,
			      bool extra_close)
{
	size_t j = 0;

	for (size_t i = 0; i < n_orig; i++) {
		if (drop_host && name_is(orig[i].name, "Host"))
			continue;
		if (http_field_is_hop_by_hop(orig, n_orig, orig[i].name))
			continue;
		CHECK(j < n_built);
		CHECK(slices_equal(orig[i].name, built[j].name));
		CHECK(slices_equal(orig[i].value, built[j].value));
		j++;
	}
	if (extra_close) {
		CHECK(j < n_built);
		CHECK(name_is(built[j].name, "Connection") && name_is(built[j].value, "close"));
		j++;
	}
	CHECK(j == n_built);
}

/* Calls build() into a heap buffer of exactly size bytes, so ASan sees any write past it. */
static ssize_t build_exact(const struct http_request *q, struct http_slice path,
			   struct http_slice authority, const struct http_response *s,
			   bool add_close, size_t size)
{
	char *out = malloc(size ? size : 1);
	ssize_t m;

	CHECK(out);
	if (q)
		m = http_build_forward_request(q, path, authority, out, size);
	else
		m = http_build_forward_response(s, add_close, out, size);
	free(out);
	return m;
}

static void check_build_request(const struct http_request *r, uint64_t seed)
{
	static char out[HTTP_MAX_FORWARD_HEAD];
	static const char fallback_host[] = "fuzz.test";
	struct http_slice host, path, authority, v;
	struct http_request again;
	enum http_body_kind k1, k2;
	uint64_t l1, l2;
	char auth[300];
	uint16_t port;
	ssize_t m;
	int rc1, rc2, len;

	if (http_parse_absolute_uri(r->target, &host, &port, &path) == 0) {
		/* the host of "[v6]" is returned without its brackets, and need not contain ':' */
		bool v6 = host.p > r->target.p && host.p[-1] == '[';

		if (port == 80)
			len = snprintf(auth, sizeof(auth), "%s%.*s%s", v6 ? "[" : "", (int)host.len,
				       host.p, v6 ? "]" : "");
		else
			len = snprintf(auth, sizeof(auth), "%s%.*s%s:%u", v6 ? "[" : "",
				       (int)host.len, host.p, v6 ? "]" : "", (unsigned)port);
		CHECK(len > 0 && (size_t)len < sizeof(auth));
		authority = (struct http_slice){ auth, (size_t)len };
	} else {
		path = (struct http_slice){ "/", 1 };
		authority = (struct http_slice){ fallback_host, sizeof(fallback_host) - 1 };
	}

	m = http_build_forward_request(r, path, authority, out, sizeof(out));
	CHECK(m > 0 && (size_t)m <= sizeof(out));
	CHECK(memcmp(out + m - 4, "\r\n\r\n", 4) == 0);
	CHECK(build_exact(r, path, authority, NULL, false, (size_t)m) == m);
	CHECK(build_exact(r, path, authority, NULL, false, (size_t)m - 1) == -ENOBUFS);
	CHECK(build_exact(r, path, authority, NULL, false, (size_t)(seed % (uint64_t)m)) ==
	      -ENOBUFS);

	if (http_parse_request(out, (size_t)m, &again) != m)
		return; /* only when the rewrite pushed it over HTTP_MAX_HEAD(ERS) */
	CHECK(slices_equal(again.method, r->method));
	CHECK(slices_equal(again.target, path));
	CHECK(again.minor_version == r->minor_version);
	CHECK(again.n_headers >= 1);
	CHECK(http_find_header(&again, "Host", &v) == 1 && slices_equal(v, authority));
	CHECK(name_is(again.headers[0].name, "Host"));
	CHECK(http_find_header(&again, "Proxy-Authorization", NULL) == 0);
	CHECK(http_find_header(&again, "Proxy-Connection", NULL) == 0);
	CHECK(http_find_header(&again, "Connection", NULL) == 0);
	check_kept_fields(r->headers, r->n_headers, again.headers + 1, again.n_headers - 1, true,
			  false);
	rc1 = http_request_body(r, &k1, &l1);
	rc2 = http_request_body(&again, &k2, &l2);
	CHECK(rc1 == rc2);
	if (rc1 == 0)
		CHECK(k1 == k2 && l1 == l2);
}

static void check_response(const char *buf, size_t len, int n, const struct http_response *r,
			   uint64_t seed)
{
	static char out[HTTP_MAX_FORWARD_HEAD];
	struct http_response again;
	enum http_body_kind kind, k2;
	uint64_t length, l2;
	bool add_close = seed & 1;
	ssize_t m;
	int rc, rc2;

	CHECK(n > 0 && (size_t)n <= len && n <= HTTP_MAX_HEAD);
	CHECK(n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	CHECK(http_parse_response(buf, (size_t)n, &again) == n);
	CHECK(http_parse_response(buf, (size_t)n - 1, &again) == HTTP_INCOMPLETE);
	CHECK(memcmp(buf, "HTTP/1.", 7) == 0);
	CHECK(r->minor_version == 0 || r->minor_version == 1);
	CHECK(r->status >= 100 && r->status <= 599);
	CHECK(inside(r->reason, buf, (size_t)n));
	for (size_t k = 0; k < r->reason.len; k++)
		CHECK(r->reason.p[k] != '\0' && r->reason.p[k] != '\r' && r->reason.p[k] != '\n');
	check_fields(r->headers, r->n_headers, buf, (size_t)n);

	for (int head = 0; head <= 1; head++) {
		rc = http_response_body(r, head, &kind, &length);
		if (rc == 0) {
			CHECK(kind == HTTP_BODY_NONE || kind == HTTP_BODY_LENGTH ||
			      kind == HTTP_BODY_CHUNKED || kind == HTTP_BODY_CLOSE);
			CHECK(kind == HTTP_BODY_LENGTH || length == 0);
			CHECK(length <= HTTP_MAX_CONTENT_LENGTH);
			if (head || r->status < 200 || r->status == 204 || r->status == 304)
				CHECK(kind == HTTP_BODY_NONE);
			else
				CHECK(kind != HTTP_BODY_NONE);
			if (kind == HTTP_BODY_CHUNKED)
				CHECK(r->minor_version == 1);
		} else {
			CHECK(!head);
			CHECK(rc == -EINVAL || rc == -EOPNOTSUPP || rc == -EFBIG);
		}
	}

	m = http_build_forward_response(r, add_close, out, sizeof(out));
	CHECK(m > 0 && (size_t)m <= sizeof(out));
	CHECK(memcmp(out + m - 4, "\r\n\r\n", 4) == 0);
	CHECK(build_exact(NULL, (struct http_slice){ NULL, 0 }, (struct http_slice){ NULL, 0 },
			  r, add_close, (size_t)m) == m);
	CHECK(build_exact(NULL, (struct http_slice){ NULL, 0 }, (struct http_slice){ NULL, 0 },
			  r, add_close, (size_t)m - 1) == -ENOBUFS);
	CHECK(build_exact(NULL, (struct http_slice){ NULL, 0 }, (struct http_slice){ NULL, 0 },
			  r, add_close, (size_t)((seed >> 1) % (uint64_t)m)) == -ENOBUFS);

	if (http_parse_response(out, (size_t)m, &again) != m)
		return; /* only when "Connection: close" or the SPs pushed it over the limits */
	CHECK(again.minor_version == r->minor_version && again.status == r->status);
	CHECK(slices_equal(again.reason, r->reason));
	check_kept_fields(r->headers, r->n_headers, again.headers, again.n_headers, false,
			  add_close);
	if (add_close)
		CHECK(http_wants_close(again.headers, again.n_headers, again.minor_version));
	/* the client frames the body exactly as the proxy did */
	for (int head = 0; head <= 1; head++) {
		rc = http_response_body(r, head, &kind, &length);
		rc2 = http_response_body(&again, head, &k2, &l2);
		CHECK(rc == rc2);
		if (rc == 0)
			CHECK(kind == k2 && length == l2);
	}
}

static void check_request(const char *buf, size_t len, int n, const struct http_request *r,
			  uint64_t seed)
{
	static const char cl[] = "Content-Length", te[] = "Transfer-Encoding";
	struct http_request again;
	enum http_body_kind kind;
	struct http_slice v;
	uint64_t length;
	int rc;

	CHECK(n > 0 && (size_t)n <= len && n <= HTTP_MAX_HEAD);
	CHECK(n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	CHECK(http_parse_request(buf, (size_t)n, &again) == n);
	CHECK(http_parse_request(buf, (size_t)n - 1, &again) == HTTP_INCOMPLETE);
	CHECK(r->minor_version == 0 || r->minor_version == 1);
	CHECK(r->n_headers <= HTTP_MAX_HEADERS);
	CHECK(inside(r->method, buf, (size_t)n) && r->method.len > 0);
	CHECK(inside(r->target, buf, (size_t)n) && r->target.len > 0);
	check_fields(r->headers, r->n_headers, buf, (size_t)n);
	for (size_t i = 0; i < r->n_headers; i++)
		CHECK(http_header_is_hop_by_hop(r, r->headers[i].name) ==
		      http_field_is_hop_by_hop(r->headers, r->n_headers, r->headers[i].name));

	check_authority(r->target);
	check_absolute(r->target);

	CHECK(http_find_header(r, "Host", &v) <= r->n_headers);
	(void)http_find_header(r, "Connection", NULL);
	(void)http_header_is_hop_by_hop(r, r->target);
	(void)http_header_is_hop_by_hop(r, r->method);

	rc = http_request_body(r, &kind, &length);
	if (rc == 0) {
		CHECK(kind == HTTP_BODY_NONE || kind == HTTP_BODY_LENGTH ||
		      kind == HTTP_BODY_CHUNKED);
		CHECK(kind == HTTP_BODY_LENGTH || length == 0);
		CHECK(length <= HTTP_MAX_CONTENT_LENGTH);
		/* framing headers are never dropped on the client's say-so */
		CHECK(!http_header_is_hop_by_hop(r, (struct http_slice){ cl, sizeof(cl) - 1 }));
		CHECK(!http_header_is_hop_by_hop(r, (struct http_slice){ te, sizeof(te) - 1 }));
	} else {
		CHECK(rc == -EINVAL || rc == -EOPNOTSUPP || rc == -EFBIG);
	}

	check_build_request(r, seed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	static struct http_request r; /* static: ~3 KiB each, keep the fuzzer's stack small */
	static struct http_response s;
	uint64_t seed = fnv1a(data, size);
	int n, ns;

	if (!data)
		return 0;

	ns = http_parse_response(buf, size, &s);
	CHECK(ns > 0 || ns == HTTP_BAD || ns == HTTP_TOO_LARGE || ns == HTTP_INCOMPLETE);
	CHECK(ns != HTTP_INCOMPLETE || size < HTTP_MAX_HEAD);
	if (ns > 0) {
		check_response(buf, size, ns, &s, seed);
		check_chunked(buf + ns, size - (size_t)ns, seed);
	}

	n = http_parse_request(buf, size, &r);
	CHECK(n <= 0 || ns <= 0); /* no input is both */
	if (n > 0) {
		check_request(buf, size, n, &r, seed);
		check_chunked(buf + n, size - (size_t)n, seed);
		return 0;
	}
	CHECK(n == HTTP_BAD || n == HTTP_TOO_LARGE || n == HTTP_INCOMPLETE);
	CHECK(n != HTTP_INCOMPLETE || size < HTTP_MAX_HEAD);
	if (ns > 0)
		return 0;

	/* Not a head: fuzz the helpers and the decoder on the raw bytes directly. */
	check_authority((struct http_slice){ buf, size });
	check_absolute((struct http_slice){ buf, size });
	check_chunked(buf, size, seed);
	return 0;
}
