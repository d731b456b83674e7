/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the HTTP request parser, its helpers and the chunked decoder.
 * Besides "no crash, no over-read", it checks properties the proxy relies on:
 *   - a parsed head is stable: its own bytes parse to the same length, one byte less is
 *     incomplete, and every slice points inside it;
 *   - helper results point inside their input (or at the static "/");
 *   - the chunked decoder gives the same answer however the stream is split. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

static void check_request(const char *buf, size_t len, int n, const struct http_request *r)
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
	for (size_t i = 0; i < r->n_headers; i++) {
		const struct http_header *h = &r->headers[i];

		CHECK(inside(h->name, buf, (size_t)n) && h->name.len > 0);
		CHECK(h->value.len == 0 || inside(h->value, buf, (size_t)n));
		if (h->value.len > 0) {
			CHECK(h->value.p[0] != ' ' && h->value.p[0] != '\t');
			CHECK(h->value.p[h->value.len - 1] != ' ' &&
			      h->value.p[h->value.len - 1] != '\t');
		}
		for (size_t k = 0; k < h->value.len; k++)
			CHECK(h->value.p[k] != '\0' && h->value.p[k] != '\r' &&
			      h->value.p[k] != '\n');
		(void)http_header_is_hop_by_hop(r, h->name);
	}

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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct http_request r;
	uint64_t seed = fnv1a(data, size);
	int n;

	if (!data)
		return 0;

	n = http_parse_request(buf, size, &r);
	if (n > 0) {
		check_request(buf, size, n, &r);
		check_chunked(buf + n, size - (size_t)n, seed);
		return 0;
	}
	CHECK(n == HTTP_BAD || n == HTTP_TOO_LARGE || n == HTTP_INCOMPLETE);
	CHECK(n != HTTP_INCOMPLETE || size < HTTP_MAX_HEAD);

	/* Not a head: fuzz the helpers and the decoder on the raw bytes directly. */
	check_authority((struct http_slice){ buf, size });
	check_absolute((struct http_slice){ buf, size });
	check_chunked(buf, size, seed);
	return 0;
}
