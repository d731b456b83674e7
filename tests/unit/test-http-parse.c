/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP request-head parser, target helpers, body framing, hop-by-hop and chunked decoder.
 * Every input is copied to the very end of a readable mapping followed by a PROT_NONE page,
 * so reading one byte past the input crashes the test instead of passing silently. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net/http-parse.h"
#include "tap.h"

/* ---- guard pages ----------------------------------------------------------------------- */

struct guard {
	char *base;
	size_t size;
	char *p; /* the copy: p + len is the first byte of the PROT_NONE page */
};

static struct guard guard_copy(const char *s, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = (len + page - 1) / page;
	struct guard g;

	if (data_pages == 0)
		data_pages = 1;
	g.size = (data_pages + 1) * page;
	g.base = mmap(NULL, g.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.base == MAP_FAILED) {
		printf("Bail out! mmap failed\n");
		exit(1);
	}
	if (mprotect(g.base + data_pages * page, page, PROT_NONE) < 0) {
		printf("Bail out! mprotect failed\n");
		exit(1);
	}
	g.p = g.base + data_pages * page - len;
	if (len > 0)
		memcpy(g.p, s, len);
	/* the data itself is read-only too: the parser must never write into the buffer */
	if (mprotect(g.base, data_pages * page, PROT_READ) < 0) {
		printf("Bail out! mprotect failed\n");
		exit(1);
	}
	return g;
}

static void guard_free(struct guard *g)
{
	if (g->base)
		munmap(g->base, g->size);
	g->base = NULL;
}

static struct guard cur; /* the mapping the last parse() result points into */

static int parse_n(const char *s, size_t len, struct http_request *r)
{
	guard_free(&cur);
	cur = guard_copy(s, len);
	return http_parse_request(cur.p, len, r);
}

static int parse(const char *s, struct http_request *r)
{
	return parse_n(s, strlen(s), r);
}

static bool slice_is(struct http_slice s, const char *want)
{
	return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static struct http_slice lit(const char *s)
{
	return (struct http_slice){ s, strlen(s) };
}

/* ---- request head ---------------------------------------------------------------------- */

static void expect_parse(const char *req, int want, const char *what)
{
	struct http_request r;

	is_int(parse(req, &r), want, "%s", what);
}

/* Every proper prefix of a valid head is INCOMPLETE, the head itself parses to its length. */
static void check_prefixes(const char *req)
{
	struct http_request r;
	size_t n = strlen(req);
	bool all = true;

	for (size_t k = 0; k < n; k++) {
		int got = parse_n(req, k, &r);

		if (got != HTTP_INCOMPLETE) {
			printf("# prefix %zu of '%s' gave %d\n", k, req, got);
			all = false;
		}
	}
	ok(all, "every proper prefix is incomplete (%zu bytes)", n);
	is_int(parse_n(req, n, &r), (long long)n, "whole head parses");
}

/* A malformed head: BAD from the offending byte on, INCOMPLETE before it, never OK. */
static void check_bad(const char *req, const char *what)
{
	struct http_request r;
	size_t n = strlen(req);
	bool seen_bad = false, consistent = true;

	for (size_t k = 0; k <= n; k++) {
		int got = parse_n(req, k, &r);

		if (got == HTTP_BAD)
			seen_bad = true;
		else if (got != HTTP_INCOMPLETE || seen_bad)
			consistent = false;
	}
	ok(seen_bad && consistent, "bad: %s", what);
}

static void test_valid_heads(void)
{
	struct http_request r;
	struct http_slice v;
	const char *req;
	int n;

	req = "CONNECT example.com:443 HTTP/1.1\r\n"
	      "Host: example.com:443\r\n"
	      "User-Agent: curl/8.5.0\r\n"
	      "Proxy-Connection: Keep-Alive\r\n"
	      "\r\n";
	n = parse(req, &r);
	is_int(n, strlen(req), "CONNECT parses, returns head length");
	ok(slice_is(r.method, "CONNECT"), "CONNECT method");
	ok(slice_is(r.target, "example.com:443"), "CONNECT target");
	is_int(r.minor_version, 1, "HTTP/1.1");
	is_int(r.n_headers, 3, "three headers");
	ok(slice_is(r.headers[0].name, "Host") && slice_is(r.headers[0].value, "example.com:443"),
	   "first header name and value");
	ok(slice_is(r.headers[2].name, "Proxy-Connection") &&
		   slice_is(r.headers[2].value, "Keep-Alive"),
	   "last header");
	check_prefixes(req);

	req = "GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
	n = parse(req, &r);
	is_int(n, strlen(req), "absolute-form GET parses");
	ok(slice_is(r.method, "GET") && slice_is(r.target, "http://example.com/a?b"),
	   "GET method and target");
	check_prefixes(req);

	req = "POST http://example.com/upload HTTP/1.1\r\nHost: example.com\r\n"
	      "Content-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
	n = parse(req, &r);
	is_int(n, strlen(req) - 5, "POST: return value excludes the body");
	is_int(http_find_header(&r, "content-length", &v), 1, "POST has one Content-Length");
	ok(slice_is(v, "5"), "Content-Length value");

	/* pipelined requests: the first head's length, then the second parses on its own */
	req = "GET http://a.test/1 HTTP/1.1\r\nHost: a.test\r\n\r\n"
	      "GET http://a.test/2 HTTP/1.1\r\nHost: a.test\r\n\r\n";
	n = parse(req, &r);
	is_int(n, strlen(req) / 2, "pipelined: first head only");
	ok(slice_is(r.target, "http://a.test/1"), "pipelined: first target");
	n = parse(req + strlen(req) / 2, &r);
	is_int(n, strlen(req) / 2, "pipelined: second head");
	ok(slice_is(r.target, "http://a.test/2"), "pipelined: second target");

	/* CONNECT with the TLS ClientHello already sent after the head (0.0.21 lost these) */
	{
		static const char c[] = "CONNECT h:443 HTTP/1.1\r\n\r\n\x16\x03\x01\x02\x00\x01";

		n = parse_n(c, sizeof(c) - 1, &r);
		is_int(n, sizeof(c) - 1 - 6, "CONNECT: tunnel bytes after the head are left over");
		is_int(r.n_headers, 0, "CONNECT without headers");
	}

	n = parse("GET / HTTP/1.0\r\n\r\n", &r);
	is_int(n, 18, "HTTP/1.0 accepted");
	is_int(r.minor_version, 0, "minor version 0");

	n = parse("GET / HTTP/1.1\r\nX:  \t a  b \t \r\nY:\r\nZ: \t\r\nW:v\r\n\r\n", &r);
	ok(n > 0, "OWS variants parse");
	ok(slice_is(r.headers[0].value, "a  b"), "leading/trailing OWS trimmed, inner kept");
	ok(r.headers[1].value.len == 0, "empty value");
	ok(r.headers[2].value.len == 0, "whitespace-only value is empty");
	ok(slice_is(r.headers[3].value, "v"), "no space after colon");

	n = parse("GET / HTTP/1.1\r\nUser-Agent: caf\xc3\xa9\r\n\r\n", &r);
	ok(n > 0, "obs-text (UTF-8) in a value is accepted");
	n = parse("M-SEARCH * HTTP/1.1\r\nX!#$%&'*+-.^_`|~9: 1\r\n\r\n", &r);
	ok(n > 0, "every tchar in method and field name");
	n = parse("GET /a%20b?c=[d]&e=\"f\"{|}\\^ HTTP/1.1\r\n\r\n", &r);
	ok(n > 0, "visible ASCII punctuation in the target");

	is_int(parse_n("", 0, &r), HTTP_INCOMPLETE, "empty buffer is incomplete");
	is_int(http_parse_request(NULL, 0, &r), HTTP_INCOMPLETE, "NULL, 0 is incomplete");
	is_int(http_parse_request("GET / HTTP/1.1\r\n\r\n", 18, NULL), HTTP_BAD, "NULL ret");
}

static void test_malformed_heads(void)
{
	check_bad("GET / HTTP/1.1\nHost: a\r\n\r\n", "bare LF after the request line");
	check_bad("GET / HTTP/1.1\r\nHost: a\n\r\n", "bare LF after a field");
	check_bad("GET / HTTP/1.1\r\nHost: a\r\n\n", "bare LF as the final line");
	check_bad("GET / HTTP/1.1\r\n\n", "bare LF as the empty line");
	check_bad("GET / HTTP/1.1\rHost: a\r\n\r\n", "bare CR after the request line");
	check_bad("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", "bare CR inside a value");
	check_bad("GET / HTTP/1.1\r\n\r\r\n", "CR CR LF");
	check_bad("\r\nGET / HTTP/1.1\r\n\r\n", "empty line before the request line");
	check_bad("GET  / HTTP/1.1\r\n\r\n", "two spaces after the method");
	check_bad("GET /  HTTP/1.1\r\n\r\n", "two spaces after the target");
	check_bad(" GET / HTTP/1.1\r\n\r\n", "leading space");
	check_bad("GET / HTTP/1.1 \r\n\r\n", "trailing space after the version");
	check_bad("GET\t/ HTTP/1.1\r\n\r\n", "HTAB as separator");
	check_bad("GET /\tHTTP/1.1\r\n\r\n", "HTAB after the target");
	check_bad("GET / http/1.1\r\n\r\n", "lowercase http/1.1");
	check_bad("GET / HTTP/2.0\r\n\r\n", "HTTP/2.0");
	check_bad("GET / HTTP/1.2\r\n\r\n", "HTTP/1.2");
	check_bad("GET / HTTP/0.9\r\n\r\n", "HTTP/0.9");
	check_bad("GET / HTTP/1.10\r\n\r\n", "HTTP/1.10");
	check_bad("GET / HTTP/1\r\n\r\n", "HTTP/1");
	check_bad("GET /\r\n\r\n", "no version");
	check_bad("GET\r\n\r\n", "method only");
	check_bad("G(T / HTTP/1.1\r\n\r\n", "non-token method");
	check_bad("G\xc3\x89T / HTTP/1.1\r\n\r\n", "8-bit method");
	check_bad("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", "8-bit in target");
	check_bad("GET /a\x7f HTTP/1.1\r\n\r\n", "DEL in target");
	check_bad("GET /a\x01 HTTP/1.1\r\n\r\n", "CTL in target");
	check_bad("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "obs-fold with SP");
	check_bad("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", "obs-fold with HTAB");
	check_bad("GET / HTTP/1.1\r\n Host: a\r\n\r\n", "whitespace before the first field");
	check_bad("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "space before colon");
	check_bad("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", "HTAB before colon");
	check_bad("GET / HTTP/1.1\r\nHost a\r\n\r\n", "no colon");
	check_bad("GET / HTTP/1.1\r\n: a\r\n\r\n", "empty field name");
	check_bad("GET / HTTP/1.1\r\nH\xc3\xb6st: a\r\n\r\n", "8-bit field name");
	check_bad("GET / HTTP/1.1\r\nX-(a): a\r\n\r\n", "non-token field name");
	check_bad("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", "DEL in value");
	check_bad("GET / HTTP/1.1\r\nX: a\x1b[0m\r\n\r\n", "ESC in value");

	{
		/* NUL: strlen-based helpers would stop early, so give lengths explicitly */
		static const char nul_value[] = "GET / HTTP/1.1\r\nHost: a\0.evil\r\n\r\n";
		static const char nul_target[] = "GET /a\0b HTTP/1.1\r\n\r\n";
		static const char nul_name[] = "GET / HTTP/1.1\r\nHo\0st: a\r\n\r\n";
		struct http_request r;

		is_int(parse_n(nul_value, sizeof(nul_value) - 1, &r), HTTP_BAD, "NUL in value");
		is_int(parse_n(nul_target, sizeof(nul_target) - 1, &r), HTTP_BAD, "NUL in target");
		is_int(parse_n(nul_name, sizeof(nul_name) - 1, &r), HTTP_BAD, "NUL in name");
	}

	expect_parse("GET / HTTP/1.1\r\nHost: a\r\n", HTTP_INCOMPLETE, "missing CRLFCRLF");
	expect_parse("GET / HTTP/1.1\r\nHost: a\r\n\r", HTTP_INCOMPLETE, "missing final LF");
	expect_parse("GET / HTTP/1.", HTTP_INCOMPLETE, "partial version");
}

static void test_limits(void)
{
	static const char line[] = "GET / HTTP/1.1\r\n";
	struct http_request r;
	size_t n = HTTP_MAX_HEAD + 1024, used;
	char *big = malloc(n);
	char *p;

	if (!big) {
		printf("Bail out! malloc\n");
		exit(1);
	}

	/* one huge field: head length exactly HTTP_MAX_HEAD is fine, one more byte is not */
	memcpy(big, line, sizeof(line) - 1);
	memcpy(big + sizeof(line) - 1, "X: ", 3);
	memset(big + sizeof(line) - 1 + 3, 'a', n - (sizeof(line) - 1 + 3));
	memcpy(big + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	is_int(parse_n(big, HTTP_MAX_HEAD, &r), HTTP_MAX_HEAD, "head of exactly 16 KiB parses");
	is_int(parse_n(big, n, &r), HTTP_MAX_HEAD, "... also with more bytes after it");
	memset(big + HTTP_MAX_HEAD - 4, 'a', 4);
	memcpy(big + HTTP_MAX_HEAD - 3, "\r\n\r\n", 4);
	is_int(parse_n(big, HTTP_MAX_HEAD - 1, &r), HTTP_INCOMPLETE,
	       "16 KiB - 1 bytes of a longer head: incomplete");
	is_int(parse_n(big, HTTP_MAX_HEAD, &r), HTTP_TOO_LARGE,
	       "16 KiB without the end: too large");
	is_int(parse_n(big, HTTP_MAX_HEAD + 1, &r), HTTP_TOO_LARGE, "16 KiB + 1 head: too large");
	memset(big + sizeof(line) - 1 + 3, 'a', n - (sizeof(line) - 1 + 3));
	is_int(parse_n(big, n, &r), HTTP_TOO_LARGE, "17 KiB without an end: too large");

	/* header count */
	p = big;
	memcpy(p, line, sizeof(line) - 1);
	p += sizeof(line) - 1;
	for (int i = 0; i < HTTP_MAX_HEADERS; i++) {
		memcpy(p, "X-H: v\r\n", 8);
		p += 8;
	}
	memcpy(p, "\r\n", 2);
	used = (size_t)(p - big) + 2;
	is_int(parse_n(big, used, &r), used, "100 headers parse");
	is_int(r.n_headers, HTTP_MAX_HEADERS, "n_headers = 100");
	memcpy(p, "X-H: v\r\n\r\n", 10);
	used = (size_t)(p - big) + 10;
	is_int(parse_n(big, used, &r), HTTP_TOO_LARGE, "101 headers: too large");
	free(big);
}

/* ---- targets --------------------------------------------------------------------------- */

static void authority_ok(const char *t, const char *host, unsigned port)
{
	struct guard g = guard_copy(t, strlen(t));
	struct http_slice h = { NULL, 0 };
	uint16_t pt = 0;
	int rc = http_parse_authority((struct http_slice){ g.p, strlen(t) }, &h, &pt);

	ok(rc == 0 && slice_is(h, host) && pt == port, "authority '%s' → '%s' %u", t, host, port);
	guard_free(&g);
}

static void authority_bad(const char *t)
{
	struct guard g = guard_copy(t, strlen(t));
	struct http_slice h = { NULL, 0 };
	uint16_t pt = 7;
	int rc = http_parse_authority((struct http_slice){ g.p, strlen(t) }, &h, &pt);

	ok(rc == -EINVAL && !h.p && pt == 7, "authority '%s' refused, outputs untouched", t);
	guard_free(&g);
}

static void test_authority(void)
{
	authority_ok("example.com:443", "example.com", 443);
	authority_ok("host:443", "host", 443);
	authority_ok("[::1]:443", "::1", 443);
	authority_ok("[2001:db8::1]:8080", "2001:db8::1", 8080);
	authority_ok("[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", 80);
	authority_ok("127.0.0.1:1", "127.0.0.1", 1);
	authority_ok("h:65535", "h", 65535);
	authority_ok("Example.COM.:443", "Example.COM.", 443);
	authority_ok("my_host-1.internal:22", "my_host-1.internal", 22);

	authority_bad("host:0");
	authority_bad("host:65536");
	authority_bad("host:99999");
	authority_bad("host:100000");
	authority_bad("host:+1");
	authority_bad("host:-1");
	authority_bad("host:0443");
	authority_bad("host:443 ");
	authority_bad("host:0x1bb");
	authority_bad("host:");
	authority_bad("host");
	authority_bad(":443");
	authority_bad("[::1]");
	authority_bad("[::1]:");
	authority_bad("[::1]443");
	authority_bad("[::1");
	authority_bad("[]:443");
	authority_bad("[fe80::1%eth0]:443");
	authority_bad("[v1.x]:443");
	authority_bad("[::1]:443:1");
	authority_bad("host:443:junk");
	authority_bad("2001:db8::1:443");
	authority_bad("user@host:443");
	authority_bad("evil.com%00.allowed.com:443");
	authority_bad("evil.com\\.allowed.com:443");
	authority_bad("a..b:443");
	authority_bad(".a:443");
	authority_bad(".:443");
	authority_bad("caf\xc3\xa9.com:443");
	authority_bad("");
	{
		static const char nul[] = "a\0.allowed.com:443";
		struct http_slice h;
		uint16_t pt;

		is_int(http_parse_authority((struct http_slice){ nul, sizeof(nul) - 1 }, &h, &pt),
		       -EINVAL, "authority with NUL refused");
	}
	{
		char longname[300];
		struct http_slice h;
		uint16_t pt;

		memset(longname, 'a', sizeof(longname));
		memcpy(longname + 255, ":443", 4);
		is_int(http_parse_authority((struct http_slice){ longname, 259 }, &h, &pt), 0,
		       "255-byte host accepted");
		memset(longname, 'a', sizeof(longname));
		memcpy(longname + 256, ":443", 4);
		is_int(http_parse_authority((struct http_slice){ longname, 260 }, &h, &pt),
		       -EINVAL, "256-byte host refused");
	}
}

static void absolute_ok(const char *t, const char *host, unsigned port, const char *path)
{
	struct guard g = guard_copy(t, strlen(t));
	struct http_slice h = { NULL, 0 }, pa = { NULL, 0 };
	uint16_t pt = 0;
	int rc = http_parse_absolute_uri((struct http_slice){ g.p, strlen(t) }, &h, &pt, &pa);

	ok(rc == 0 && slice_is(h, host) && pt == port && slice_is(pa, path),
	   "absolute '%s' → '%s' %u '%s'", t, host, port, path);
	guard_free(&g);
}

static void absolute_bad(const char *t, int want)
{
	struct guard g = guard_copy(t, strlen(t));
	struct http_slice h = { NULL, 0 }, pa = { NULL, 0 };
	uint16_t pt = 7;
	int rc = http_parse_absolute_uri((struct http_slice){ g.p, strlen(t) }, &h, &pt, &pa);

	ok(rc == want && !h.p && !pa.p && pt == 7, "absolute '%s' refused with %d (got %d)", t,
	   want, rc);
	guard_free(&g);
}

static void test_absolute(void)
{
	absolute_ok("HTTP://Example.com:8080/a?b", "Example.com", 8080, "/a?b");
	absolute_ok("http://h", "h", 80, "/");
	absolute_ok("http://h/", "h", 80, "/");
	absolute_ok("hTTp://h/x/y", "h", 80, "/x/y");
	absolute_ok("http://[::1]:80/x", "::1", 80, "/x");
	absolute_ok("http://[::1]/x", "::1", 80, "/x");
	absolute_ok("http://10.0.0.1:8000/a@b", "10.0.0.1", 8000, "/a@b");
	absolute_ok("http://h/?q=1", "h", 80, "/?q=1");

	absolute_bad("https://h/", -EPROTONOSUPPORT);
	absolute_bad("HTTPS://h:443/", -EPROTONOSUPPORT);
	absolute_bad("ftp://h/", -EPROTONOSUPPORT);
	absolute_bad("ws://h/", -EPROTONOSUPPORT);
	absolute_bad("http://user@h/", -EINVAL);
	absolute_bad("http://user:pw@h/", -EINVAL);
	absolute_bad("http://@h/", -EINVAL);
	absolute_bad("http://h#frag", -EINVAL);
	absolute_bad("http://h/a#frag", -EINVAL);
	absolute_bad("http://h?q", -EINVAL);
	absolute_bad("http://h:/", -EINVAL);
	absolute_bad("http://h:0/", -EINVAL);
	absolute_bad("http://h:65536/", -EINVAL);
	absolute_bad("http://h:80:80/", -EINVAL);
	absolute_bad("http:///x", -EINVAL);
	absolute_bad("http://", -EINVAL);
	absolute_bad("http:/h/", -EINVAL);
	absolute_bad("http:h/", -EINVAL);
	absolute_bad("http", -EINVAL);
	absolute_bad("/path", -EINVAL);
	absolute_bad("*", -EINVAL);
	absolute_bad("h:80", -EINVAL);
	absolute_bad("1http://h/", -EINVAL);
	absolute_bad("http://evil.com\\@allowed.com/", -EINVAL);
	absolute_bad("http://allowed.com\\evil.com/", -EINVAL);
	absolute_bad("http://a%2eb/", -EINVAL);
	absolute_bad("http://[fe80::1%25eth0]/", -EINVAL);
	absolute_bad("http://h/a b", -EINVAL);
	absolute_bad("", -EINVAL);
}

/* ---- headers and body framing ---------------------------------------------------------- */

static void body_is(const char *head, int want_rc, enum http_body_kind want_kind,
		    uint64_t want_len, const char *what)
{
	struct http_request r;
	enum http_body_kind kind = (enum http_body_kind)77;
	uint64_t len = 77;
	int rc;

	if (!ok(parse(head, &r) > 0, "%s: head parses", what))
		return;
	rc = http_request_body(&r, &kind, &len);
	if (want_rc == 0)
		ok(rc == 0 && kind == want_kind && len == want_len, "%s: body framing", what);
	else
		ok(rc == want_rc && kind == (enum http_body_kind)77 && len == 77,
		   "%s: refused with %d (got %d)", what, want_rc, rc);
}

static void test_headers_and_body(void)
{
	struct http_request r;
	struct http_slice v;

	parse("GET http://a/ HTTP/1.1\r\nHost: a\r\nhost: b\r\nX: 1\r\n\r\n", &r);
	is_int(http_find_header(&r, "HOST", &v), 2, "two Host headers counted");
	ok(slice_is(v, "a"), "first Host returned");
	is_int(http_find_header(&r, "x", &v), 1, "single header found");
	is_int(http_find_header(&r, "Y", &v), 0, "absent header");
	ok(v.p == NULL && v.len == 0, "absent header gives an empty slice");
	is_int(http_find_header(&r, "Hos", NULL), 0, "prefix does not match");
	is_int(http_find_header(NULL, "Host", NULL), 0, "NULL request");

	body_is("GET / HTTP/1.1\r\n\r\n", 0, HTTP_BODY_NONE, 0, "no body");
	body_is("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 0, HTTP_BODY_LENGTH, 5, "CL 5");
	body_is("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0, HTTP_BODY_LENGTH, 0, "CL 0");
	body_is("POST / HTTP/1.0\r\ncontent-length:  12 \r\n\r\n", 0, HTTP_BODY_LENGTH, 12,
		"CL with OWS, HTTP/1.0");
	body_is("POST / HTTP/1.1\r\nContent-Length: 9007199254740992\r\n\r\n", 0,
		HTTP_BODY_LENGTH, UINT64_C(9007199254740992), "CL 2^53");
	body_is("POST / HTTP/1.1\r\nContent-Length: 9007199254740993\r\n\r\n", -EFBIG, 0, 0,
		"CL 2^53+1");
	body_is("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", -EFBIG, 0,
		0, "CL 23 digits");
	body_is("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", -EINVAL, 0,
		0, "two identical Content-Length");
	body_is("POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n", -EINVAL, 0,
		0, "two different Content-Length");
	body_is("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", -EINVAL, 0, 0, "CL list");
	body_is("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", -EINVAL, 0, 0, "CL +5");
	body_is("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -EINVAL, 0, 0, "CL -1");
	body_is("POST / HTTP/1.1\r\nContent-Length: 05\r\n\r\n", -EINVAL, 0, 0, "CL 05");
	body_is("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", -EINVAL, 0, 0, "CL 0x10");
	body_is("POST / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\n", -EINVAL, 0, 0, "CL '5 5'");
	body_is("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", -EINVAL, 0, 0, "CL empty");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 0, HTTP_BODY_CHUNKED, 0,
		"TE chunked");
	body_is("POST / HTTP/1.1\r\ntransfer-encoding: CHUNKED\r\n\r\n", 0, HTTP_BODY_CHUNKED, 0,
		"TE CHUNKED (case)");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		-EINVAL, 0, 0, "TE + CL");
	body_is("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		-EINVAL, 0, 0, "CL + TE");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -EOPNOTSUPP, 0, 0,
		"TE gzip, chunked");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", -EOPNOTSUPP, 0, 0,
		"TE gzip");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", -EOPNOTSUPP, 0,
		0, "TE chunked, chunked");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: chunked,\r\n\r\n", -EINVAL, 0, 0,
		"TE 'chunked,'");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", -EINVAL, 0, 0,
		"TE quoted");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", -EINVAL, 0, 0, "TE empty");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
		"\r\n",
		-EINVAL, 0, 0, "two TE fields");
	body_is("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -EINVAL, 0, 0,
		"TE in HTTP/1.0");
	body_is("POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", -EOPNOTSUPP, 0, 0,
		"TE xchunked");
}

static void test_hop_by_hop(void)
{
	static const char *const fixed[] = {
		"Connection", "keep-alive", "PROXY-CONNECTION", "Proxy-Authorization",
		"Proxy-Authenticate", "te", "Trailer", "Upgrade",
	};
	struct http_request r;

	parse("GET http://a/ HTTP/1.1\r\nHost: a\r\nConnection: x-foo, close,, \t X-Bar \r\n"
	      "Connection: content-length, transfer-encoding ,HOST, x-baz\r\n"
	      "X-Foo: 1\r\nContent-Length: 0\r\n\r\n",
	      &r);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		ok(http_header_is_hop_by_hop(NULL, lit(fixed[i])), "'%s' is hop-by-hop", fixed[i]);
	ok(http_header_is_hop_by_hop(&r, lit("X-Foo")), "Connection-listed x-foo");
	ok(http_header_is_hop_by_hop(&r, lit("x-bar")), "Connection-listed X-Bar (OWS trimmed)");
	ok(http_header_is_hop_by_hop(&r, lit("X-BAZ")), "listed in a second Connection field");
	ok(http_header_is_hop_by_hop(&r, lit("close")), "connection option 'close'");
	ok(!http_header_is_hop_by_hop(NULL, lit("X-Foo")), "x-foo without the request");
	ok(!http_header_is_hop_by_hop(&r, lit("X-Fo")), "prefix of a listed name");
	ok(!http_header_is_hop_by_hop(&r, lit("X-Other")), "unlisted header");
	ok(!http_header_is_hop_by_hop(&r, lit("Content-Length")),
	   "Content-Length kept even when Connection lists it");
	ok(!http_header_is_hop_by_hop(&r, lit("Transfer-Encoding")),
	   "Transfer-Encoding kept (chunked framing is relayed as is)");
	ok(!http_header_is_hop_by_hop(&r, lit("Host")), "Host kept even when listed");
	ok(!http_header_is_hop_by_hop(&r, lit("")), "empty name");
	ok(!http_header_is_hop_by_hop(&r, lit("Connectio")), "prefix of Connection");
	ok(!http_header_is_hop_by_hop(&r, lit("Connection2")), "Connection plus suffix");
}

/* ---- chunked decoder ------------------------------------------------------------------- */

/* Feeds s in one go through a guard page: returns the result, *done. */
static ssize_t chunk_all(const char *s, size_t len, bool *done)
{
	struct guard g = guard_copy(s, len);
	struct http_chunked c;
	ssize_t n;

	http_chunked_init(&c);
	n = http_chunked_feed(&c, g.p, len, done);
	guard_free(&g);
	return n;
}

/* Feeds s in pieces given by cut points; returns total consumed or -1, *done. */
static ssize_t chunk_split(const char *s, size_t len, const size_t *cuts, size_t n_cuts,
			   bool *done)
{
	struct http_chunked c;
	size_t pos = 0, total = 0;

	http_chunked_init(&c);
	*done = false;
	for (size_t k = 0; k <= n_cuts; k++) {
		size_t end = k < n_cuts ? cuts[k] : len;
		struct guard g = guard_copy(s + pos, end - pos);
		ssize_t n = http_chunked_feed(&c, g.p, end - pos, done);

		guard_free(&g);
		if (n < 0)
			return -1;
		total += (size_t)n;
		if (*done)
			return (ssize_t)total;
		if ((size_t)n != end - pos)
			return -2; /* consumed less without being done: must not happen */
		pos = end;
	}
	return (ssize_t)total;
}

/* The body must give want (consumed bytes, or -1) and want_done, fed whole, split in two at
 * every boundary, split in three around every position, and one byte at a time. */
static void check_chunked(const char *s, size_t len, ssize_t want, bool want_done,
			  const char *what)
{
	bool done, all = true;
	ssize_t n;
	size_t *bytes = malloc((len + 1) * sizeof(size_t));

	if (!bytes) {
		printf("Bail out! malloc\n");
		exit(1);
	}
	n = chunk_all(s, len, &done);
	ok(n == want && done == want_done, "chunked %s: whole (got %zd, done %d)", what, n, done);
	for (size_t k = 0; k <= len; k++) {
		size_t cut[2] = { k, k + 1 <= len ? k + 1 : len };

		n = chunk_split(s, len, cut, 1, &done);
		if (n != want || done != want_done)
			all = false;
		n = chunk_split(s, len, cut, 2, &done);
		if (n != want || done != want_done)
			all = false;
	}
	for (size_t k = 0; k < len; k++)
		bytes[k] = k + 1;
	n = chunk_split(s, len, bytes, len ? len - 1 : 0, &done);
	if (n != want || done != want_done)
		all = false;
	ok(all, "chunked %s: same result at every split", what);
	free(bytes);
}

#define CHECK_CHUNKED(lit_, want, done, what) \
	check_chunked(lit_, sizeof(lit_) - 1, want, done, what)

static void test_chunked(void)
{
	static const char simple[] = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
	static const char next[] = "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n";
	struct http_chunked c;
	bool done;
	char *big;

	CHECK_CHUNKED(simple, sizeof(simple) - 1, true, "simple");
	CHECK_CHUNKED(next, 15, true, "stops before the next request");
	CHECK_CHUNKED("0\r\n\r\n", 5, true, "empty body");
	CHECK_CHUNKED("A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", 35, true, "hex case");
	CHECK_CHUNKED("0005\r\nhello\r\n000\r\n\r\n", 20, true, "leading zeros");
	CHECK_CHUNKED("5;name=val;x=\"q \\\" ;\"\r\nhello\r\n0;last\r\n\r\n", 40, true,
		      "extensions");
	CHECK_CHUNKED("5\r\nhello\r\n0\r\nX-Trailer: 1\r\nY:\t2 \r\nZ:\r\n\r\n", 40, true,
		      "trailers");
	CHECK_CHUNKED("5\r\nhel", 6, false, "incomplete data");
	CHECK_CHUNKED("5\r\nhello\r\n0\r\n\r", 14, false, "incomplete final CRLF");
	CHECK_CHUNKED("ffffffffffffffff\r\nabc", 21, false, "16 hex digits (max)");
	CHECK_CHUNKED("5\r\n\r\n\r\n\r\r\n0\r\n\r\n", 15, true, "CR/LF inside data is data");

	CHECK_CHUNKED("g\r\n", -1, false, "invalid hex");
	CHECK_CHUNKED("\r\n", -1, false, "empty size");
	CHECK_CHUNKED(";x\r\n", -1, false, "extension without size");
	CHECK_CHUNKED("0x5\r\nhello\r\n0\r\n\r\n", -1, false, "0x prefix");
	CHECK_CHUNKED("-5\r\n", -1, false, "sign");
	CHECK_CHUNKED("5 \r\nhello\r\n0\r\n\r\n", -1, false, "space after size");
	CHECK_CHUNKED(" 5\r\nhello\r\n0\r\n\r\n", -1, false, "space before size");
	CHECK_CHUNKED("5 ;x\r\nhello\r\n0\r\n\r\n", -1, false, "BWS before ';'");
	CHECK_CHUNKED("5\nhello\r\n0\r\n\r\n", -1, false, "bare LF after size");
	CHECK_CHUNKED("5\rhello", -1, false, "bare CR after size");
	CHECK_CHUNKED("5\r\nhelloX\r\n0\r\n\r\n", -1, false, "data longer than size");
	CHECK_CHUNKED("5\r\nhello\n0\r\n\r\n", -1, false, "bare LF after data");
	CHECK_CHUNKED("5\r\nhello\r\n0\r\n\n", -1, false, "bare LF at the end");
	CHECK_CHUNKED("10000000000000000\r\n", -1, false, "17 hex digits (overflow)");
	CHECK_CHUNKED("00000000000000005\r\n", -1, false, "17 digits with leading zeros");
	CHECK_CHUNKED("5;x\x01\r\nhello\r\n0\r\n\r\n", -1, false, "CTL in extension");
	CHECK_CHUNKED("5;x\x80\r\nhello\r\n0\r\n\r\n", -1, false, "8-bit in extension");
	CHECK_CHUNKED("0\r\nX: 1\r\n folded\r\n\r\n", -1, false, "obs-fold in trailer");
	CHECK_CHUNKED("0\r\nX 1\r\n\r\n", -1, false, "trailer without colon");
	CHECK_CHUNKED("0\r\nX : 1\r\n\r\n", -1, false, "space before colon in trailer");
	CHECK_CHUNKED("0\r\n: 1\r\n\r\n", -1, false, "empty trailer name");
	CHECK_CHUNKED("0\r\nX: a\x7f\r\n\r\n", -1, false, "DEL in trailer value");
	CHECK_CHUNKED("0\r\nX: a\nY: b\r\n\r\n", -1, false, "bare LF in trailer");
	{
		static const char nul_data[] = "3\r\na\0b\r\n0\r\n\r\n";
		static const char nul_size[] = "5\0\r\nhello\r\n0\r\n\r\n";
		static const char nul_trailer[] = "0\r\nX: \0\r\n\r\n";

		CHECK_CHUNKED(nul_data, sizeof(nul_data) - 1, true, "NUL in data is data");
		CHECK_CHUNKED(nul_size, -1, false, "NUL after size");
		CHECK_CHUNKED(nul_trailer, -1, false, "NUL in trailer");
	}

	/* bounds: extension length and trailer section */
	big = malloc(3 * HTTP_CHUNK_TRAILERS_MAX);
	if (!big) {
		printf("Bail out! malloc\n");
		exit(1);
	}
	memcpy(big, "5;", 2);
	memset(big + 2, 'a', HTTP_CHUNK_LINE_MAX - 4);
	memcpy(big + HTTP_CHUNK_LINE_MAX - 2, "\r\nhello\r\n0\r\n\r\n", 15);
	is_int(chunk_all(big, HTTP_CHUNK_LINE_MAX + 12, &done), HTTP_CHUNK_LINE_MAX + 12,
	       "size line of exactly HTTP_CHUNK_LINE_MAX bytes");
	ok(done, "... body complete");
	memcpy(big, "5;", 2);
	memset(big + 2, 'a', HTTP_CHUNK_LINE_MAX - 3);
	memcpy(big + HTTP_CHUNK_LINE_MAX - 1, "\r\nhello\r\n0\r\n\r\n", 15);
	is_int(chunk_all(big, HTTP_CHUNK_LINE_MAX + 13, &done), -1,
	       "size line one byte over HTTP_CHUNK_LINE_MAX");
	memset(big, 'a', 3 * HTTP_CHUNK_TRAILERS_MAX);
	memcpy(big, "0\r\nX: ", 6);
	memcpy(big + HTTP_CHUNK_TRAILERS_MAX - 1, "\r\n\r\n", 4);
	is_int(chunk_all(big, HTTP_CHUNK_TRAILERS_MAX + 3, &done), HTTP_CHUNK_TRAILERS_MAX + 3,
	       "trailer section of exactly HTTP_CHUNK_TRAILERS_MAX bytes");
	ok(done, "... body complete");
	memcpy(big + HTTP_CHUNK_TRAILERS_MAX - 1, "a\r\n\r\n", 5);
	is_int(chunk_all(big, HTTP_CHUNK_TRAILERS_MAX + 4, &done), -1,
	       "trailer section one byte over");
	memset(big, 'a', 3 * HTTP_CHUNK_TRAILERS_MAX);
	memcpy(big, "0\r\n", 3);
	for (size_t i = 3; i + 4 < 3 * HTTP_CHUNK_TRAILERS_MAX; i += 5)
		memcpy(big + i, "X:1\r\n", 5);
	is_int(chunk_all(big, 3 * HTTP_CHUNK_TRAILERS_MAX, &done), -1,
	       "endless small trailers refused");
	free(big);

	/* state after the end and after an error */
	http_chunked_init(&c);
	is_int(http_chunked_feed(&c, next, sizeof(next) - 1, &done), 15, "feed to the end");
	ok(done, "done");
	is_int(http_chunked_feed(&c, "GET", 3, &done), 0, "after done: nothing consumed");
	ok(done, "after done: still done");
	http_chunked_init(&c);
	is_int(http_chunked_feed(&c, "z", 1, &done), -1, "error");
	is_int(http_chunked_feed(&c, "0\r\n\r\n", 5, &done), -1, "error is sticky");
	ok(!done, "not done after an error");
	http_chunked_init(&c);
	is_int(http_chunked_feed(&c, NULL, 0, &done), 0, "NULL, 0 consumes nothing");
	is_int(http_chunked_feed(&c, NULL, 1, &done), -1, "NULL, 1 refused");
	is_int(http_chunked_feed(NULL, "0", 1, &done), -1, "NULL state refused");
}

int main(void)
{
	plan_no_plan();
	test_valid_heads();
	test_malformed_heads();
	test_limits();
	test_authority();
	test_absolute();
	test_headers_and_body();
	test_hop_by_hop();
	test_chunked();
	guard_free(&cur);
	return tap_exit();
}
