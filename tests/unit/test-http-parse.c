/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP request- and response-head parsers, target helpers, body framing, hop-by-hop,
 * wants_close, the forwarding head builders and the chunked decoder (both directions).
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

/* ---- response head --------------------------------------------------------------------- */

static int parse_resp_n(const char *s, size_t len, struct http_response *r)
{
	guard_free(&cur);
	cur = guard_copy(s, len);
	return http_parse_response(cur.p, len, r);
}

static int parse_resp(const char *s, struct http_response *r)
{
	return parse_resp_n(s, strlen(s), r);
}

/* Every proper prefix of a valid response head is INCOMPLETE, the head parses to want. */
static void check_resp_prefixes_n(const char *resp, size_t n, size_t want, const char *what)
{
	struct http_response r;
	bool all = true;

	for (size_t k = 0; k < want; k++) {
		int got = parse_resp_n(resp, k, &r);

		if (got != HTTP_INCOMPLETE) {
			printf("# prefix %zu of %s gave %d\n", k, what, got);
			all = false;
		}
	}
	ok(all, "response %s: every proper prefix is incomplete (%zu bytes)", what, want);
	is_int(parse_resp_n(resp, n, &r), (long long)want, "response %s: whole head parses", what);
}

static void check_resp_prefixes(const char *resp, const char *what)
{
	check_resp_prefixes_n(resp, strlen(resp), strlen(resp), what);
}

/* A malformed response head: BAD from the offending byte on, INCOMPLETE before it. */
static void check_resp_bad_n(const char *resp, size_t n, const char *what)
{
	struct http_response r;
	bool seen_bad = false, consistent = true;

	for (size_t k = 0; k <= n; k++) {
		int got = parse_resp_n(resp, k, &r);

		if (got == HTTP_BAD)
			seen_bad = true;
		else if (got != HTTP_INCOMPLETE || seen_bad)
			consistent = false;
	}
	ok(seen_bad && consistent, "bad response: %s", what);
}

static void check_resp_bad(const char *resp, const char *what)
{
	check_resp_bad_n(resp, strlen(resp), what);
}

static void test_valid_responses(void)
{
	struct http_response r;
	struct http_slice v;
	const char *resp;
	int n;

	resp = "HTTP/1.1 200 OK\r\n"
	       "Content-Type: text/html; charset=utf-8\r\n"
	       "Content-Length: 5\r\n"
	       "Set-Cookie: a=b\r\n"
	       "\r\n"
	       "hello";
	n = parse_resp(resp, &r);
	is_int(n, strlen(resp) - 5, "200 OK parses, body excluded");
	is_int(r.minor_version, 1, "HTTP/1.1");
	is_int(r.status, 200, "status 200");
	ok(slice_is(r.reason, "OK"), "reason OK");
	is_int(r.n_headers, 3, "three fields");
	ok(slice_is(r.headers[0].name, "Content-Type") &&
		   slice_is(r.headers[0].value, "text/html; charset=utf-8"),
	   "first field");
	ok(slice_is(r.headers[2].name, "Set-Cookie") && slice_is(r.headers[2].value, "a=b"),
	   "last field");
	is_int(http_find_field(r.headers, r.n_headers, "content-length", &v), 1,
	       "http_find_field on a response");
	ok(slice_is(v, "5"), "... value");
	is_int(http_find_field(r.headers, r.n_headers, "Server", &v), 0, "absent field");
	ok(!v.p && v.len == 0, "... empty slice");
	is_int(http_find_field(NULL, 0, "Server", NULL), 0, "NULL headers");
	check_resp_prefixes_n(resp, strlen(resp), strlen(resp) - 5, "200 OK");

	resp = "HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n";
	n = parse_resp(resp, &r);
	is_int(n, strlen(resp), "HTTP/1.0 404 parses");
	ok(r.minor_version == 0 && r.status == 404 && slice_is(r.reason, "Not Found"),
	   "1.0, 404, two-word reason");
	check_resp_prefixes(resp, "1.0 404");

	resp = "HTTP/1.1 200 \r\n\r\n";
	n = parse_resp(resp, &r);
	ok(n == (int)strlen(resp) && r.status == 200 && r.reason.len == 0 && r.reason.p,
	   "empty reason after SP");
	check_resp_prefixes(resp, "empty reason");

	resp = "HTTP/1.1 204\r\n\r\n";
	n = parse_resp(resp, &r);
	ok(n == (int)strlen(resp) && r.status == 204 && r.reason.len == 0,
	   "no SP and no reason accepted");
	check_resp_prefixes(resp, "no reason");

	resp = "HTTP/1.1 200 \tOK  d\xc3\xa9j\xc3\xa0 vu \r\n\r\n";
	n = parse_resp(resp, &r);
	ok(n > 0 && slice_is(r.reason, "\tOK  d\xc3\xa9j\xc3\xa0 vu "),
	   "reason kept as sent: HTAB, inner and trailing SP, obs-text");

	resp = "HTTP/1.1 200 OK: \"fine\" (!) [x] {y} ~\r\n\r\n";
	n = parse_resp(resp, &r);
	ok(n > 0 && slice_is(r.reason, "OK: \"fine\" (!) [x] {y} ~"), "punctuation in reason");

	resp = "HTTP/1.1 200 OK\r\nX:  \t a  b \t \r\nY:\r\nZ:v\r\nX!#$%&'*+-.^_`|~9: 1\r\n\r\n";
	n = parse_resp(resp, &r);
	ok(n > 0 && slice_is(r.headers[0].value, "a  b") && r.headers[1].value.len == 0 &&
		   slice_is(r.headers[2].value, "v") && r.n_headers == 4,
	   "field OWS rules as for requests");
	check_resp_prefixes(resp, "OWS fields");

	{
		static const int statuses[] = { 100, 101, 103, 199, 200, 299, 301, 399, 418, 500, 599 };

		for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
			char buf[64];

			snprintf(buf, sizeof(buf), "HTTP/1.1 %d X\r\n\r\n", statuses[i]);
			n = parse_resp(buf, &r);
			ok(n == (int)strlen(buf) && r.status == statuses[i], "status %d accepted",
			   statuses[i]);
		}
	}

	/* 100 Continue then the final response on the same connection */
	resp = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	n = parse_resp(resp, &r);
	is_int(n, 25, "1xx: only the interim head");
	is_int(r.status, 100, "1xx status");
	n = parse_resp(resp + 25, &r);
	ok(n == (int)strlen(resp) - 25 && r.status == 201, "then the final head");

	is_int(parse_resp_n("", 0, &r), HTTP_INCOMPLETE, "empty response buffer is incomplete");
	is_int(http_parse_response(NULL, 0, &r), HTTP_INCOMPLETE, "NULL, 0 is incomplete");
	is_int(http_parse_response(NULL, 5, &r), HTTP_BAD, "NULL, 5 is bad");
	is_int(http_parse_response("HTTP/1.1 200 OK\r\n\r\n", 19, NULL), HTTP_BAD, "NULL ret");
	{
		struct http_response keep = { .status = 777 };

		is_int(parse_resp("HTTP/1.1 200 OK\r\n", &keep), HTTP_INCOMPLETE, "incomplete");
		is_int(keep.status, 777, "*ret untouched when incomplete");
		is_int(parse_resp("HTTP/1.1 200 OK\r\nX\r\n\r\n", &keep), HTTP_BAD, "bad");
		is_int(keep.status, 777, "*ret untouched when bad");
	}
}

static void test_malformed_responses(void)
{
	check_resp_bad("HTTP/1.1 20 OK\r\n\r\n", "2-digit status");
	check_resp_bad("HTTP/1.1 20\r\n\r\n", "2-digit status, no reason");
	check_resp_bad("HTTP/1.1 2000 OK\r\n\r\n", "4-digit status");
	check_resp_bad("HTTP/1.1 2000\r\n\r\n", "4-digit status, no reason");
	check_resp_bad("HTTP/1.1 2x0 OK\r\n\r\n", "letter in status");
	check_resp_bad("HTTP/1.1 20x OK\r\n\r\n", "letter at the end of the status");
	check_resp_bad("HTTP/1.1 OK\r\n\r\n", "no status");
	check_resp_bad("HTTP/1.1 \r\n\r\n", "empty status");
	check_resp_bad("HTTP/1.1\r\n\r\n", "version only");
	check_resp_bad("HTTP/1.1 099 X\r\n\r\n", "status 099");
	check_resp_bad("HTTP/1.1 000 X\r\n\r\n", "status 000");
	check_resp_bad("HTTP/1.1 600 X\r\n\r\n", "status 600");
	check_resp_bad("HTTP/1.1 999 X\r\n\r\n", "status 999");
	check_resp_bad("HTTP/1.1 +20 X\r\n\r\n", "signed status");
	check_resp_bad("HTTP/1.1 -200 X\r\n\r\n", "negative status");
	check_resp_bad("HTTP/1.1 0x1 X\r\n\r\n", "hex status");
	check_resp_bad("HTTP/1.1 \xd9\xa2\xd9\xa0\xd9\xa0 X\r\n\r\n", "non-ASCII digits");
	check_resp_bad("HTTP/1.1200 OK\r\n\r\n", "no SP between version and status");
	check_resp_bad("HTTP/1.1 200OK\r\n\r\n", "no SP between status and reason");
	check_resp_bad("HTTP/1.1  200 OK\r\n\r\n", "two SP before the status");
	check_resp_bad("HTTP/1.1\t200 OK\r\n\r\n", "HTAB before the status");
	check_resp_bad("HTTP/1.1 200\tOK\r\n\r\n", "HTAB after the status");
	check_resp_bad(" HTTP/1.1 200 OK\r\n\r\n", "leading SP");
	check_resp_bad("\r\nHTTP/1.1 200 OK\r\n\r\n", "empty line before the status line");
	check_resp_bad("http/1.1 200 OK\r\n\r\n", "lowercase version");
	check_resp_bad("HTTP/2 200 OK\r\n\r\n", "HTTP/2");
	check_resp_bad("HTTP/2.0 200 OK\r\n\r\n", "HTTP/2.0");
	check_resp_bad("HTTP/1.2 200 OK\r\n\r\n", "HTTP/1.2");
	check_resp_bad("HTTP/1.10 200 OK\r\n\r\n", "HTTP/1.10");
	check_resp_bad("HTTP/1 200 OK\r\n\r\n", "HTTP/1");
	check_resp_bad("HTTP/0.9 200 OK\r\n\r\n", "HTTP/0.9");
	check_resp_bad("ICY 200 OK\r\n\r\n", "ICY status line");
	check_resp_bad("GET / HTTP/1.1\r\n\r\n", "a request");
	check_resp_bad("<html>\r\n", "HTTP/0.9-style body");
	check_resp_bad("HTTP/1.1 200 OK\nX: a\r\n\r\n", "bare LF after the status line");
	check_resp_bad("HTTP/1.1 200\n\r\n", "bare LF after the status, no reason");
	check_resp_bad("HTTP/1.1 200 OK\r\nX: a\n\r\n", "bare LF after a field");
	check_resp_bad("HTTP/1.1 200 OK\r\nX: a\r\n\n", "bare LF as the final line");
	check_resp_bad("HTTP/1.1 200 OK\n\n", "bare LF everywhere");
	check_resp_bad("HTTP/1.1 200 OK\rX: a\r\n\r\n", "bare CR after the status line");
	check_resp_bad("HTTP/1.1 200 O\rK\r\n\r\n", "bare CR in the reason");
	check_resp_bad("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "bare CR in a value");
	check_resp_bad("HTTP/1.1 200 OK\r\n\r\r\n", "CR CR LF");
	check_resp_bad("HTTP/1.1 200 O\x7fK\r\n\r\n", "DEL in the reason");
	check_resp_bad("HTTP/1.1 200 \x1b[1mOK\r\n\r\n", "ESC in the reason");
	check_resp_bad("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "obs-fold with SP");
	check_resp_bad("HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", "obs-fold with HTAB");
	check_resp_bad("HTTP/1.1 200 OK\r\n X: a\r\n\r\n", "whitespace before the first field");
	check_resp_bad("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", "SP before the colon");
	check_resp_bad("HTTP/1.1 200 OK\r\nContent-Length\t: 5\r\n\r\n", "HTAB before the colon");
	check_resp_bad("HTTP/1.1 200 OK\r\nX a\r\n\r\n", "no colon");
	check_resp_bad("HTTP/1.1 200 OK\r\n: a\r\n\r\n", "empty field name");
	check_resp_bad("HTTP/1.1 200 OK\r\nX\xc3\xa9: a\r\n\r\n", "8-bit field name");
	check_resp_bad("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", "DEL in a value");
	check_resp_bad("HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", "CTL in a value");
	{
		static const char nul_reason[] = "HTTP/1.1 200 O\0K\r\n\r\n";
		static const char nul_status[] = "HTTP/1.1 2\0000 OK\r\n\r\n";
		static const char nul_version[] = "HTTP/1.\0 200 OK\r\n\r\n";
		static const char nul_value[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
		static const char nul_name[] = "HTTP/1.1 200 OK\r\nX\0: a\r\n\r\n";

		check_resp_bad_n(nul_reason, sizeof(nul_reason) - 1, "NUL in the reason");
		check_resp_bad_n(nul_status, sizeof(nul_status) - 1, "NUL in the status");
		check_resp_bad_n(nul_version, sizeof(nul_version) - 1, "NUL in the version");
		check_resp_bad_n(nul_value, sizeof(nul_value) - 1, "NUL in a value");
		check_resp_bad_n(nul_name, sizeof(nul_name) - 1, "NUL in a name");
	}
}

static void test_response_limits(void)
{
	static const char line[] = "HTTP/1.1 200 OK\r\n";
	struct http_response r;
	size_t n = HTTP_MAX_HEAD + 1024, used, l = sizeof(line) - 1;
	char *big = malloc(n);
	char *p;

	if (!big) {
		printf("Bail out! malloc\n");
		exit(1);
	}

	memcpy(big, line, l);
	memcpy(big + l, "X: ", 3);
	memset(big + l + 3, 'a', n - (l + 3));
	memcpy(big + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	is_int(parse_resp_n(big, HTTP_MAX_HEAD, &r), HTTP_MAX_HEAD,
	       "response head of exactly 16 KiB parses");
	is_int(parse_resp_n(big, n, &r), HTTP_MAX_HEAD, "... also with a body after it");
	memset(big + HTTP_MAX_HEAD - 4, 'a', 4);
	memcpy(big + HTTP_MAX_HEAD - 3, "\r\n\r\n", 4);
	is_int(parse_resp_n(big, HTTP_MAX_HEAD - 1, &r), HTTP_INCOMPLETE,
	       "16 KiB - 1 bytes of a longer response head: incomplete");
	is_int(parse_resp_n(big, HTTP_MAX_HEAD, &r), HTTP_TOO_LARGE,
	       "16 KiB response head without the end: too large");
	is_int(parse_resp_n(big, HTTP_MAX_HEAD + 1, &r), HTTP_TOO_LARGE,
	       "16 KiB + 1 response head: too large");

	/* a long reason counts like anything else */
	memcpy(big, "HTTP/1.1 200 ", 13);
	memset(big + 13, 'r', n - 13);
	is_int(parse_resp_n(big, n, &r), HTTP_TOO_LARGE, "endless reason: too large");

	p = big;
	memcpy(p, line, l);
	p += l;
	for (int i = 0; i < HTTP_MAX_HEADERS; i++) {
		memcpy(p, "X-H: v\r\n", 8);
		p += 8;
	}
	memcpy(p, "\r\n", 2);
	used = (size_t)(p - big) + 2;
	is_int(parse_resp_n(big, used, &r), used, "response with 100 fields parses");
	is_int(r.n_headers, HTTP_MAX_HEADERS, "n_headers = 100");
	memcpy(p, "X-H: v\r\n\r\n", 10);
	used = (size_t)(p - big) + 10;
	is_int(parse_resp_n(big, used, &r), HTTP_TOO_LARGE, "101 fields: too large");
	free(big);
}

/* ---- response body framing ------------------------------------------------------------- */

static void resp_body_is(const char *head, bool was_head, int want_rc,
			 enum http_body_kind want_kind, uint64_t want_len, const char *what)
{
	struct http_response r;
	enum http_body_kind kind = (enum http_body_kind)77;
	uint64_t len = 77;
	int rc;

	if (!ok(parse_resp(head, &r) > 0, "%s: head parses", what))
		return;
	rc = http_response_body(&r, was_head, &kind, &len);
	if (want_rc == 0)
		ok(rc == 0 && kind == want_kind && len == want_len,
		   "%s: framing %d/%llu (got %d, %d/%llu)", what, (int)want_kind,
		   (unsigned long long)want_len, rc, (int)kind, (unsigned long long)len);
	else
		ok(rc == want_rc && kind == (enum http_body_kind)77 && len == 77,
		   "%s: refused with %d (got %d)", what, want_rc, rc);
}

#define H11 "HTTP/1.1 200 OK\r\n"

static void test_response_body(void)
{
	struct http_response r;
	enum http_body_kind kind = (enum http_body_kind)77;
	uint64_t len = 77;

	/* the status or the method says: no body, whatever the fields say */
	resp_body_is(H11 "Content-Length: 5\r\n\r\n", true, 0, HTTP_BODY_NONE, 0, "HEAD, CL");
	resp_body_is(H11 "Transfer-Encoding: chunked\r\n\r\n", true, 0, HTTP_BODY_NONE, 0,
		     "HEAD, chunked");
	resp_body_is(H11 "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", true, 0,
		     HTTP_BODY_NONE, 0, "HEAD, TE + CL not even looked at");
	resp_body_is(H11 "\r\n", true, 0, HTTP_BODY_NONE, 0, "HEAD, no framing");
	resp_body_is("HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n", false, 0,
		     HTTP_BODY_NONE, 0, "100 with CL");
	resp_body_is("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", false, 0,
		     HTTP_BODY_NONE, 0, "101");
	resp_body_is("HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0,
		     HTTP_BODY_NONE, 0, "103 with TE");
	resp_body_is("HTTP/1.1 199 X\r\n\r\n", false, 0, HTTP_BODY_NONE, 0, "199");
	resp_body_is("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, 0,
		     HTTP_BODY_NONE, 0, "204 with CL");
	resp_body_is("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0,
		     HTTP_BODY_NONE, 0, "204 with TE");
	resp_body_is("HTTP/1.0 204 No Content\r\n\r\n", false, 0, HTTP_BODY_NONE, 0,
		     "1.0 204 without framing");
	resp_body_is("HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n", false, 0,
		     HTTP_BODY_NONE, 0, "304 with CL");
	resp_body_is("HTTP/1.1 304 Not Modified\r\nContent-Length: 5, 6\r\n\r\n", false, 0,
		     HTTP_BODY_NONE, 0, "304 with a malformed CL");

	/* Content-Length */
	resp_body_is(H11 "Content-Length: 5\r\n\r\n", false, 0, HTTP_BODY_LENGTH, 5, "CL 5");
	resp_body_is(H11 "Content-Length: 0\r\n\r\n", false, 0, HTTP_BODY_LENGTH, 0, "CL 0");
	resp_body_is("HTTP/1.0 200 OK\r\ncontent-length:  12 \r\n\r\n", false, 0,
		     HTTP_BODY_LENGTH, 12, "CL in HTTP/1.0, OWS");
	resp_body_is("HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n", false, 0,
		     HTTP_BODY_LENGTH, 0, "205 follows the general rules");
	resp_body_is("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n", false, 0,
		     HTTP_BODY_LENGTH, 9, "404 with CL");
	resp_body_is(H11 "Content-Length: 9007199254740992\r\n\r\n", false, 0, HTTP_BODY_LENGTH,
		     UINT64_C(9007199254740992), "CL 2^53");
	resp_body_is(H11 "Content-Length: 9007199254740993\r\n\r\n", false, -EFBIG, 0, 0,
		     "CL 2^53+1");
	resp_body_is(H11 "Content-Length: 99999999999999999999999\r\n\r\n", false, -EFBIG, 0, 0,
		     "CL 23 digits");
	resp_body_is(H11 "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", false, -EINVAL, 0, 0,
		     "two identical CL");
	resp_body_is(H11 "Content-Length: 5\r\ncontent-length: 6\r\n\r\n", false, -EINVAL, 0, 0,
		     "two different CL");
	resp_body_is(H11 "Content-Length: 5, 5\r\n\r\n", false, -EINVAL, 0, 0, "CL list");
	resp_body_is(H11 "Content-Length: +5\r\n\r\n", false, -EINVAL, 0, 0, "CL +5");
	resp_body_is(H11 "Content-Length: -1\r\n\r\n", false, -EINVAL, 0, 0, "CL -1");
	resp_body_is(H11 "Content-Length: 05\r\n\r\n", false, -EINVAL, 0, 0, "CL 05");
	resp_body_is(H11 "Content-Length: 0x10\r\n\r\n", false, -EINVAL, 0, 0, "CL 0x10");
	resp_body_is(H11 "Content-Length: 5 5\r\n\r\n", false, -EINVAL, 0, 0, "CL '5 5'");
	resp_body_is(H11 "Content-Length:\r\n\r\n", false, -EINVAL, 0, 0, "CL empty");

	/* Transfer-Encoding */
	resp_body_is(H11 "Transfer-Encoding: chunked\r\n\r\n", false, 0, HTTP_BODY_CHUNKED, 0,
		     "TE chunked");
	resp_body_is(H11 "transfer-encoding:  CHUNKED \r\n\r\n", false, 0, HTTP_BODY_CHUNKED, 0,
		     "TE CHUNKED, OWS");
	resp_body_is(H11 "Transfer-Encoding: gzip\r\n\r\n", false, 0, HTTP_BODY_CLOSE, 0,
		     "TE gzip: until close");
	resp_body_is(H11 "Transfer-Encoding: gzip, deflate\r\n\r\n", false, 0, HTTP_BODY_CLOSE,
		     0, "TE gzip, deflate: until close");
	resp_body_is(H11 "Transfer-Encoding: identity\r\n\r\n", false, 0, HTTP_BODY_CLOSE, 0,
		     "TE identity: until close");
	resp_body_is(H11 "Transfer-Encoding: xchunked\r\n\r\n", false, 0, HTTP_BODY_CLOSE, 0,
		     "TE xchunked is not chunked");
	resp_body_is(H11 "Transfer-Encoding: gzip, chunked\r\n\r\n", false, -EOPNOTSUPP, 0, 0,
		     "TE gzip, chunked");
	resp_body_is(H11 "Transfer-Encoding: gzip,chunked\r\n\r\n", false, -EOPNOTSUPP, 0, 0,
		     "TE gzip,chunked");
	resp_body_is(H11 "Transfer-Encoding: chunked, gzip\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE chunked not last");
	resp_body_is(H11 "Transfer-Encoding: chunked, chunked\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE chunked twice");
	resp_body_is(H11 "Transfer-Encoding: gzip, chunked, chunked\r\n\r\n", false, -EINVAL, 0,
		     0, "TE chunked twice after gzip");
	resp_body_is(H11 "Transfer-Encoding: chunked,\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE 'chunked,'");
	resp_body_is(H11 "Transfer-Encoding: ,chunked\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE ',chunked'");
	resp_body_is(H11 "Transfer-Encoding: gzip,,chunked\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE empty element");
	resp_body_is(H11 "Transfer-Encoding:\r\n\r\n", false, -EINVAL, 0, 0, "TE empty");
	resp_body_is(H11 "Transfer-Encoding: chunked;x=1\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE parameter");
	resp_body_is(H11 "Transfer-Encoding: \"chunked\"\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE quoted");
	resp_body_is(H11 "Transfer-Encoding: chunked gzip\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE 'chunked gzip'");
	resp_body_is(H11 "Transfer-Encoding: ch\xc3\xbcnked\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE 8-bit");
	resp_body_is(H11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", false,
		     -EINVAL, 0, 0, "two TE fields");
	resp_body_is(H11 "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", false,
		     -EINVAL, 0, 0, "TE split over two fields");
	resp_body_is(H11 "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", false, -EINVAL,
		     0, 0, "TE + CL");
	resp_body_is(H11 "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", false, -EINVAL,
		     0, 0, "CL 0 + TE");
	resp_body_is(H11 "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n", false, -EINVAL, 0,
		     0, "TE gzip + CL");
	resp_body_is("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE chunked in HTTP/1.0");
	resp_body_is("HTTP/1.0 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, -EINVAL, 0, 0,
		     "TE gzip in HTTP/1.0");

	/* neither */
	resp_body_is(H11 "\r\n", false, 0, HTTP_BODY_CLOSE, 0, "no framing: until close");
	resp_body_is("HTTP/1.0 200 OK\r\n\r\n", false, 0, HTTP_BODY_CLOSE, 0,
		     "HTTP/1.0, no framing: until close");
	resp_body_is(H11 "Connection: close\r\n\r\n", false, 0, HTTP_BODY_CLOSE, 0,
		     "Connection: close, no framing");
	resp_body_is(H11 "Connection: Content-Length\r\nContent-Length: 3\r\n\r\n", false, 0,
		     HTTP_BODY_LENGTH, 3, "Connection naming CL changes nothing");

	/* arguments */
	parse_resp(H11 "Content-Length: 5\r\n\r\n", &r);
	is_int(http_response_body(NULL, false, &kind, &len), -EINVAL, "NULL response");
	is_int(http_response_body(&r, false, NULL, &len), -EINVAL, "NULL kind");
	is_int(http_response_body(&r, false, &kind, NULL), -EINVAL, "NULL length");
	r.status = 600;
	is_int(http_response_body(&r, false, &kind, &len), -EINVAL, "status 600 by hand");
	r.status = 99;
	is_int(http_response_body(&r, true, &kind, &len), -EINVAL, "status 99 by hand");
	ok(kind == (enum http_body_kind)77 && len == 77, "outputs untouched");
}

/* ---- hop-by-hop over any header array, wants_close ------------------------------------- */

static void test_field_hop_by_hop(void)
{
	static const char *const fixed[] = {
		"Connection", "Keep-Alive", "proxy-connection", "PROXY-AUTHORIZATION",
		"Proxy-Authenticate", "TE", "trailer", "UPGRADE",
	};
	static const char *const names[] = {
		"X-Foo", "x-bar", "Content-Length", "Host", "Connection", "close", "X-Other", "",
	};
	struct http_response r;
	struct http_request q;
	bool same = true;

	parse_resp("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop ,\tx-other-hop\r\n"
		   "Connection: content-length,Transfer-Encoding, host, X-Second\r\n"
		   "X-Hop: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		   &r);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		struct http_slice name = lit(fixed[i]);

		ok(http_field_is_hop_by_hop(NULL, 0, name) &&
			   http_field_is_hop_by_hop(r.headers, r.n_headers, name),
		   "'%.*s' hop-by-hop, with and without the response's fields", (int)name.len,
		   name.p);
	}
	ok(http_field_is_hop_by_hop(r.headers, r.n_headers, lit("x-hop")),
	   "response: Connection-listed X-Hop");
	ok(http_field_is_hop_by_hop(r.headers, r.n_headers, lit("X-OTHER-HOP")),
	   "response: listed after HTAB");
	ok(http_field_is_hop_by_hop(r.headers, r.n_headers, lit("x-second")),
	   "response: listed in the second Connection field");
	ok(!http_field_is_hop_by_hop(r.headers, r.n_headers, lit("Content-Length")),
	   "response: Content-Length kept although listed");
	ok(!http_field_is_hop_by_hop(r.headers, r.n_headers, lit("Transfer-Encoding")),
	   "response: Transfer-Encoding kept although listed");
	ok(!http_field_is_hop_by_hop(r.headers, r.n_headers, lit("Host")),
	   "response: Host kept although listed");
	ok(!http_field_is_hop_by_hop(r.headers, r.n_headers, lit("X-Ho")), "prefix of a listed name");
	ok(!http_field_is_hop_by_hop(r.headers, r.n_headers, lit("Set-Cookie")), "unlisted");
	ok(!http_field_is_hop_by_hop(r.headers, r.n_headers, lit("")), "empty name");
	ok(!http_field_is_hop_by_hop(NULL, 0, lit("X-Hop")), "no headers: fixed list only");
	ok(!http_field_is_hop_by_hop(NULL, 5, lit("X-Hop")), "NULL headers with a count");
	ok(!http_field_is_hop_by_hop(r.headers, 1, lit("x-second")),
	   "only the first n_headers fields count");
	ok(!http_field_is_hop_by_hop(r.headers, r.n_headers, (struct http_slice){ NULL, 0 }),
	   "NULL name");

	/* the old wrapper agrees with the general function */
	parse("GET http://a/ HTTP/1.1\r\nConnection: X-Foo, close\r\nConnection: x-bar, host\r\n"
	      "X-Foo: 1\r\n\r\n",
	      &q);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (http_header_is_hop_by_hop(&q, lit(names[i])) !=
		    http_field_is_hop_by_hop(q.headers, q.n_headers, lit(names[i])))
			same = false;
	ok(same, "http_header_is_hop_by_hop() is http_field_is_hop_by_hop() on r->headers");
	ok(http_header_is_hop_by_hop(&q, lit("x-bar")) && !http_header_is_hop_by_hop(&q, lit("Host")),
	   "wrapper: spot check");
}

static void wants_close_is(const char *fields, int minor, bool want, const char *what)
{
	char buf[512];
	struct http_response r;

	snprintf(buf, sizeof(buf), "HTTP/1.%d 200 OK\r\n%s\r\n", minor, fields);
	if (!ok(parse_resp(buf, &r) > 0, "wants_close %s: parses", what))
		return;
	ok(http_wants_close(r.headers, r.n_headers, r.minor_version) == want,
	   "wants_close %s: %s", what, want ? "close" : "keep");
}

static void test_wants_close(void)
{
	struct http_request q;

	wants_close_is("", 1, false, "1.1 default");
	wants_close_is("Connection: close\r\n", 1, true, "1.1 close");
	wants_close_is("connection: CLOSE\r\n", 1, true, "1.1 CLOSE (case)");
	wants_close_is("Connection: keep-alive, close\r\n", 1, true, "1.1 keep-alive, close");
	wants_close_is("Connection: x ,\t Close \t, y\r\n", 1, true, "1.1 close in a list, OWS");
	wants_close_is("Connection: x\r\nConnection: close\r\n", 1, true,
		       "1.1 close in a second field");
	wants_close_is("Connection: keep-alive\r\n", 1, false, "1.1 keep-alive");
	wants_close_is("Connection: closed\r\n", 1, false, "1.1 'closed' is not close");
	wants_close_is("Connection: clos\r\n", 1, false, "1.1 'clos'");
	wants_close_is("Connection: \"close\"\r\n", 1, false, "1.1 quoted close");
	wants_close_is("Connection: close;x\r\n", 1, false, "1.1 'close;x'");
	wants_close_is("Proxy-Connection: close\r\n", 1, false, "1.1 Proxy-Connection ignored");
	wants_close_is("X-Connection: close\r\n", 1, false, "1.1 other field");
	wants_close_is("Connection:\r\n", 1, false, "1.1 empty Connection");
	wants_close_is("", 0, true, "1.0 default");
	wants_close_is("Connection: keep-alive\r\n", 0, false, "1.0 keep-alive");
	wants_close_is("Connection: Keep-Alive\r\nKeep-Alive: timeout=5\r\n", 0, false,
		       "1.0 Keep-Alive (case)");
	wants_close_is("Connection: x, keep-alive\r\n", 0, false, "1.0 keep-alive in a list");
	wants_close_is("Connection: keep-alive, close\r\n", 0, true, "1.0 keep-alive, close");
	wants_close_is("Connection: keep-alive\r\nConnection: close\r\n", 0, true,
		       "1.0 close wins across fields");
	wants_close_is("Connection: keep-alive2\r\n", 0, true, "1.0 keep-alive2");
	wants_close_is("Proxy-Connection: keep-alive\r\n", 0, true,
		       "1.0 Proxy-Connection: keep-alive ignored");
	wants_close_is("Keep-Alive: timeout=5\r\n", 0, true, "1.0 Keep-Alive field alone");

	ok(!http_wants_close(NULL, 0, 1), "NULL headers, 1.1");
	ok(http_wants_close(NULL, 0, 0), "NULL headers, 1.0");
	ok(http_wants_close(NULL, 0, 7), "unknown minor version handled as 1.0");

	/* on a request's fields too */
	parse("GET http://a/ HTTP/1.1\r\nConnection: close\r\n\r\n", &q);
	ok(http_wants_close(q.headers, q.n_headers, q.minor_version), "request 1.1 close");
	parse("GET http://a/ HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n", &q);
	ok(http_wants_close(q.headers, q.n_headers, q.minor_version),
	   "request 1.0 with only Proxy-Connection: keep-alive");
}

/* ---- head builders --------------------------------------------------------------------- */

/* One builder call: a request (req set) or a response (resp set) with its arguments. */
struct build_case {
	const struct http_request *req;
	struct http_slice path, authority;
	const struct http_response *resp;
	bool add_close;
};

static ssize_t run_build(const struct build_case *bc, char *out, size_t size)
{
	if (bc->req)
		return http_build_forward_request(bc->req, bc->path, bc->authority, out, size);
	return http_build_forward_response(bc->resp, bc->add_close, out, size);
}

/* The builder must give exactly want (no NUL after it), the same into a buffer of exactly that
 * size, and -ENOBUFS for every smaller buffer without writing past it (a canary follows). */
static void check_build(const struct build_case *bc, const char *want, const char *what)
{
	size_t n = strlen(want), canary = 32;
	char *buf = malloc(n + canary);
	bool all = true;
	ssize_t got;

	if (!buf) {
		printf("Bail out! malloc\n");
		exit(1);
	}
	memset(buf, 0x5a, n + canary);
	got = run_build(bc, buf, n + canary);
	if (!ok(got == (ssize_t)n && memcmp(buf, want, n) == 0, "build %s: exact bytes", what)) {
		printf("#   got %zd: '%.*s'\n#   want %zu: '%s'\n", got, got > 0 ? (int)got : 0,
		       buf, n, want);
	}
	ok(buf[n] == 0x5a, "build %s: nothing after the head (no NUL)", what);

	memset(buf, 0x5a, n + canary);
	got = run_build(bc, buf, n);
	ok(got == (ssize_t)n && memcmp(buf, want, n) == 0 && buf[n] == 0x5a,
	   "build %s: a buffer of exactly %zu bytes", what, n);

	for (size_t k = 0; k < n; k++) {
		memset(buf, 0x5a, n + canary);
		got = run_build(bc, buf, k);
		if (got != -ENOBUFS) {
			printf("# size %zu gave %zd\n", k, got);
			all = false;
		}
		for (size_t j = k; j < n + canary; j++)
			if ((unsigned char)buf[j] != 0x5a) {
				printf("# size %zu wrote at %zu\n", k, j);
				all = false;
				break;
			}
	}
	ok(all, "build %s: -ENOBUFS at every size 0-%zu, nothing written past it", what, n - 1);
	is_int(run_build(bc, NULL, 0), -ENOBUFS, "build %s: NULL, 0 → -ENOBUFS", what);
	free(buf);
}

static void test_build_request(void)
{
	struct http_request r, again;
	struct http_slice host, path;
	uint16_t port;
	struct build_case bc;
	char out[HTTP_MAX_FORWARD_HEAD];
	enum http_body_kind k1, k2;
	uint64_t l1, l2;
	ssize_t n;
	const char *want;

	parse("GET http://example.com:8080/a/b?c=d HTTP/1.1\r\n"
	      "Host: example.com:8080\r\n"
	      "User-Agent: curl/8.5.0\r\n"
	      "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n"
	      "Proxy-Connection: Keep-Alive\r\n"
	      "Accept:*/*\r\n"
	      "Connection: keep-alive, X-Drop\r\n"
	      "X-Drop: secret\r\n"
	      "host: evil.example\r\n"
	      "Keep-Alive: 300\r\n"
	      "TE: trailers\r\n"
	      "Upgrade: h2c\r\n"
	      "X-Keep:  v  w \t\r\n"
	      "Empty:\r\n"
	      "\r\n",
	      &r);
	ok(http_parse_absolute_uri(r.target, &host, &port, &path) == 0, "absolute target parses");
	want = "GET /a/b?c=d HTTP/1.1\r\n"
	       "Host: example.com:8080\r\n"
	       "User-Agent: curl/8.5.0\r\n"
	       "Accept: */*\r\n"
	       "X-Keep: v  w\r\n"
	       "Empty: \r\n"
	       "\r\n";
	bc = (struct build_case){ .req = &r, .path = path, .authority = lit("example.com:8080") };
	check_build(&bc, want, "GET with hop-by-hop, proxy auth and two Hosts");

	n = http_build_forward_request(&r, path, lit("example.com:8080"), out, sizeof(out));
	ok(n > 0 && http_parse_request(out, (size_t)n, &again) == n, "built request re-parses");
	ok(http_find_header(&again, "Host", &host) == 1 && slice_is(host, "example.com:8080"),
	   "exactly one Host, the authority");
	ok(http_find_header(&again, "Proxy-Authorization", NULL) == 0 &&
		   http_find_header(&again, "Proxy-Connection", NULL) == 0 &&
		   http_find_header(&again, "X-Drop", NULL) == 0,
	   "proxy credentials and Connection-named fields stripped");

	parse("POST http://h/u HTTP/1.0\r\nContent-Length: 5\r\nConnection: Content-Length, Host\r\n"
	      "\r\n",
	      &r);
	http_parse_absolute_uri(r.target, &host, &port, &path);
	bc = (struct build_case){ .req = &r, .path = path, .authority = lit("h") };
	check_build(&bc, "POST /u HTTP/1.0\r\nHost: h\r\nContent-Length: 5\r\n\r\n",
		    "1.0 POST keeps Content-Length listed in Connection");

	parse("PUT http://h/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: "
	      "transfer-encoding\r\n\r\n",
	      &r);
	http_parse_absolute_uri(r.target, &host, &port, &path);
	n = http_build_forward_request(&r, path, lit("h:80"), out, sizeof(out));
	ok(n > 0 && http_parse_request(out, (size_t)n, &again) == n &&
		   http_request_body(&r, &k1, &l1) == 0 && http_request_body(&again, &k2, &l2) == 0 &&
		   k1 == HTTP_BODY_CHUNKED && k2 == k1,
	   "chunked request: same framing after the rewrite");

	parse("GET http://h HTTP/1.1\r\n\r\n", &r);
	http_parse_absolute_uri(r.target, &host, &port, &path);
	bc = (struct build_case){ .req = &r, .path = path, .authority = lit("h") };
	check_build(&bc, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "no path, no fields");

	parse("OPTIONS http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", &r);
	http_parse_absolute_uri(r.target, &host, &port, &path);
	bc = (struct build_case){ .req = &r, .path = path, .authority = lit("[::1]:8080") };
	check_build(&bc, "OPTIONS / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "IPv6 authority");

	/* arguments the parsers never produce */
	parse("GET http://h/ HTTP/1.1\r\nX: y\r\n\r\n", &r);
	is_int(http_build_forward_request(NULL, lit("/"), lit("h"), out, sizeof(out)), -EINVAL,
	       "NULL request");
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), NULL, 10), -EINVAL,
	       "NULL out with a size");
	is_int(http_build_forward_request(&r, lit(""), lit("h"), out, sizeof(out)), -EINVAL,
	       "empty path");
	is_int(http_build_forward_request(&r, (struct http_slice){ NULL, 0 }, lit("h"), out,
					  sizeof(out)),
	       -EINVAL, "NULL path");
	is_int(http_build_forward_request(&r, lit("a"), lit("h"), out, sizeof(out)), -EINVAL,
	       "path without '/'");
	is_int(http_build_forward_request(&r, lit("/a b"), lit("h"), out, sizeof(out)), -EINVAL,
	       "SP in path");
	is_int(http_build_forward_request(&r, lit("/a\r\nX: y"), lit("h"), out, sizeof(out)),
	       -EINVAL, "CRLF in path");
	is_int(http_build_forward_request(&r, lit("/a#f"), lit("h"), out, sizeof(out)), -EINVAL,
	       "fragment in path");
	is_int(http_build_forward_request(&r, lit("/"), lit(""), out, sizeof(out)), -EINVAL,
	       "empty authority");
	is_int(http_build_forward_request(&r, lit("/"), lit("h\r\nX: y"), out, sizeof(out)),
	       -EINVAL, "CRLF in authority");
	is_int(http_build_forward_request(&r, lit("/"), lit("u@h"), out, sizeof(out)), -EINVAL,
	       "userinfo in authority");
	is_int(http_build_forward_request(&r, lit("/"), lit("h:0"), out, sizeof(out)), -EINVAL,
	       "port 0 in authority");
	is_int(http_build_forward_request(&r, lit("/"), lit("h/x"), out, sizeof(out)), -EINVAL,
	       "'/' in authority");
	r.minor_version = 2;
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), out, sizeof(out)), -EINVAL,
	       "minor version 2");
	r.minor_version = 1;
	r.method = lit("G T");
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), out, sizeof(out)), -EINVAL,
	       "SP in method");
	r.method = lit("");
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), out, sizeof(out)), -EINVAL,
	       "empty method");
	r.method = lit("GET");
	r.headers[0].value = lit("y\r\nInjected: 1");
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), out, sizeof(out)), -EINVAL,
	       "CRLF in a value");
	r.headers[0].value = lit("y");
	r.headers[0].name = lit("X Y");
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), out, sizeof(out)), -EINVAL,
	       "SP in a name");
	r.headers[0].name = lit("X");
	r.n_headers = HTTP_MAX_HEADERS + 1;
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), out, sizeof(out)), -EINVAL,
	       "too many fields");
	r.n_headers = 1;
	is_int(http_build_forward_request(&r, lit("/"), lit("h"), out, sizeof(out)),
	       strlen("GET / HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n"), "repaired request builds again");
}

static void test_build_response(void)
{
	struct http_response r, again;
	struct build_case bc;
	char out[HTTP_MAX_FORWARD_HEAD];
	enum http_body_kind k1, k2;
	uint64_t l1, l2;
	ssize_t n;
	const char *fields_kept = "Content-Type: text/plain\r\n"
				  "Transfer-Encoding: chunked\r\n"
				  "Set-Cookie: a=b\r\n"
				  "Set-Cookie: c=d\r\n";
	char want[512];

	parse_resp("HTTP/1.1 200 OK\r\n"
		   "Content-Type: text/plain\r\n"
		   "Connection: keep-alive, X-Hop\r\n"
		   "Keep-Alive: timeout=5\r\n"
		   "X-Hop: 1\r\n"
		   "Transfer-Encoding: chunked\r\n"
		   "Proxy-Authenticate: Basic realm=x\r\n"
		   "Proxy-Connection: keep-alive\r\n"
		   "Upgrade: h2c\r\n"
		   "Trailer: X-Sum\r\n"
		   "Set-Cookie: a=b\r\n"
		   "Set-Cookie:c=d\r\n"
		   "\r\n",
		   &r);
	snprintf(want, sizeof(want), "HTTP/1.1 200 OK\r\n%s\r\n", fields_kept);
	bc = (struct build_case){ .resp = &r, .add_close = false };
	check_build(&bc, want, "200 chunked, hop-by-hop stripped");
	snprintf(want, sizeof(want), "HTTP/1.1 200 OK\r\n%sConnection: close\r\n\r\n", fields_kept);
	bc.add_close = true;
	check_build(&bc, want, "200 chunked + Connection: close");

	n = http_build_forward_response(&r, true, out, sizeof(out));
	ok(n > 0 && http_parse_response(out, (size_t)n, &again) == n, "built response re-parses");
	ok(again.status == 200 && again.minor_version == 1 && slice_is(again.reason, "OK"),
	   "same status line");
	ok(http_response_body(&r, false, &k1, &l1) == 0 &&
		   http_response_body(&again, false, &k2, &l2) == 0 && k1 == k2 && l1 == l2 &&
		   k1 == HTTP_BODY_CHUNKED,
	   "same framing after the rewrite");
	ok(http_wants_close(again.headers, again.n_headers, again.minor_version),
	   "the client is told to close");

	parse_resp("HTTP/1.0 204\r\n\r\n", &r);
	bc = (struct build_case){ .resp = &r };
	check_build(&bc, "HTTP/1.0 204 \r\n\r\n", "no reason: the SP is written");

	parse_resp("HTTP/1.1 404 Nicht gefunden \xe2\x9c\x97\r\nContent-Length: 0\r\n"
		   "Connection: Content-Length, Transfer-Encoding\r\nHost: x\r\n\r\n",
		   &r);
	bc = (struct build_case){ .resp = &r, .add_close = true };
	check_build(&bc,
		    "HTTP/1.1 404 Nicht gefunden \xe2\x9c\x97\r\nContent-Length: 0\r\nHost: x\r\n"
		    "Connection: close\r\n\r\n",
		    "obs-text reason, CL kept although listed");

	parse_resp("HTTP/1.1 599 \r\n\r\n", &r);
	bc = (struct build_case){ .resp = &r, .add_close = true };
	check_build(&bc, "HTTP/1.1 599 \r\nConnection: close\r\n\r\n", "599, close only");

	/* arguments the parser never produces */
	parse_resp("HTTP/1.1 200 OK\r\nX: y\r\n\r\n", &r);
	is_int(http_build_forward_response(NULL, false, out, sizeof(out)), -EINVAL, "NULL response");
	is_int(http_build_forward_response(&r, false, NULL, 1), -EINVAL, "NULL out with a size");
	r.status = 99;
	is_int(http_build_forward_response(&r, false, out, sizeof(out)), -EINVAL, "status 99");
	r.status = 600;
	is_int(http_build_forward_response(&r, false, out, sizeof(out)), -EINVAL, "status 600");
	r.status = 200;
	r.minor_version = -1;
	is_int(http_build_forward_response(&r, false, out, sizeof(out)), -EINVAL, "minor -1");
	r.minor_version = 1;
	r.reason = lit("OK\r\nSet-Cookie: x=1");
	is_int(http_build_forward_response(&r, false, out, sizeof(out)), -EINVAL, "CRLF in reason");
	r.reason = (struct http_slice){ NULL, 2 };
	is_int(http_build_forward_response(&r, false, out, sizeof(out)), -EINVAL, "NULL reason");
	r.reason = (struct http_slice){ NULL, 0 };
	r.headers[0].value = lit("a\nb");
	is_int(http_build_forward_response(&r, false, out, sizeof(out)), -EINVAL, "LF in a value");
	r.headers[0].value = lit("y");
	r.headers[0].name = lit("X:");
	is_int(http_build_forward_response(&r, false, out, sizeof(out)), -EINVAL, "':' in a name");
	r.headers[0].name = lit("X");
	n = http_build_forward_response(&r, false, out, sizeof(out));
	ok(n == 23 && memcmp(out, "HTTP/1.1 200 \r\nX: y\r\n\r\n", 23) == 0,
	   "NULL, 0 reason is an empty reason");
}

/* The proxy sizes its output buffer with HTTP_MAX_FORWARD_HEAD: check the worst cases. */
static void test_forward_bound(void)
{
	size_t cap = HTTP_MAX_HEAD + 1024;
	char *big = malloc(cap), *out = malloc(HTTP_MAX_FORWARD_HEAD), *p;
	char authority[300];
	struct http_request r;
	struct http_response s;
	struct http_slice host, path;
	uint16_t port;
	int n;

	if (!big || !out) {
		printf("Bail out! malloc\n");
		exit(1);
	}
	/* 100 "X:v" fields, one of them huge, in a head of exactly HTTP_MAX_HEAD bytes */
	p = big;
	p += snprintf(p, cap, "GET http://h HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS - 1; i++)
		p += snprintf(p, cap - (size_t)(p - big), "X:v\r\n");
	memcpy(p, "Y:", 2);
	p += 2;
	memset(p, 'a', (size_t)(big + HTTP_MAX_HEAD - 4 - p));
	memcpy(big + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	n = parse_n(big, HTTP_MAX_HEAD, &r);
	is_int(n, HTTP_MAX_HEAD, "worst-case request head parses");
	http_parse_absolute_uri(r.target, &host, &port, &path);
	memset(authority, 'a', 255);
	memcpy(authority + 255, ":65535", 6);
	ok(http_build_forward_request(&r, path, (struct http_slice){ authority, 261 }, out,
				      HTTP_MAX_FORWARD_HEAD) > HTTP_MAX_HEAD,
	   "worst-case request fits HTTP_MAX_FORWARD_HEAD");

	p = big;
	p += snprintf(p, cap, "HTTP/1.1 200 \r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS - 1; i++)
		p += snprintf(p, cap - (size_t)(p - big), "X:v\r\n");
	memcpy(p, "Y:", 2);
	p += 2;
	memset(p, 'a', (size_t)(big + HTTP_MAX_HEAD - 4 - p));
	memcpy(big + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	n = parse_resp_n(big, HTTP_MAX_HEAD, &s);
	is_int(n, HTTP_MAX_HEAD, "worst-case response head parses");
	ok(http_build_forward_response(&s, true, out, HTTP_MAX_FORWARD_HEAD) > HTTP_MAX_HEAD,
	   "worst-case response fits HTTP_MAX_FORWARD_HEAD");
	free(big);
	free(out);
}

/* ---- chunked response bodies ----------------------------------------------------------- */

static void test_chunked_responses(void)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
				   "Transfer-Encoding: chunked\r\n"
				   "Trailer: Server-Timing, X-Checksum\r\n"
				   "\r\n"
				   "1a; ext=\"v\"\r\n"
				   "abcdefghijklmnopqrstuvwxyz\r\n"
				   "A\r\n"
				   "0123456789\r\n"
				   "0\r\n"
				   "Server-Timing: db;dur=53\r\n"
				   "X-Checksum: caf\xc3\xa9\r\n"
				   "\r\n"
				   "HTTP/1.1 200 OK\r\n";
	static const char body_then_more[] = "5\r\nhello\r\n0\r\n\r\nHTTP/1.1 204 \r\n\r\n";
	static const char trailers[] = "0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
				       "ETag: \"x\"\r\n\r\n";
	struct http_response r;
	struct http_chunked c;
	enum http_body_kind kind;
	uint64_t len;
	size_t head, body_len;
	ssize_t n;
	bool done;
	char *big;

	n = parse_resp_n(resp, sizeof(resp) - 1, &r);
	ok(n > 0, "chunked response head parses");
	head = (size_t)n;
	body_len = sizeof(resp) - 1 - 17 - head;
	ok(http_response_body(&r, false, &kind, &len) == 0 && kind == HTTP_BODY_CHUNKED,
	   "framing: chunked");
	check_chunked(resp + head, sizeof(resp) - 1 - head, (ssize_t)body_len, true,
		      "response with extensions and trailers, next response after it");
	CHECK_CHUNKED(body_then_more, 15, true, "response body then bytes the server added");
	CHECK_CHUNKED(trailers, sizeof(trailers) - 1, true, "typical response trailers");
	CHECK_CHUNKED("0\r\nX: a\r\n  b\r\n\r\n", -1, false, "folded response trailer");
	CHECK_CHUNKED("0\r\nX:a\nY:b\r\n\r\n", -1, false, "bare LF in a response trailer");
	CHECK_CHUNKED("5\r\nhello\n", -1, false, "bare LF after response chunk data");
	CHECK_CHUNKED("5\r\nhello\r\n", 10, false, "server closed before the last chunk");

	/* a larger response chunk (a 64 KiB chunk is common) */
	big = malloc(70000);
	if (!big) {
		printf("Bail out! malloc\n");
		exit(1);
	}
	memcpy(big, "10000\r\n", 7);
	memset(big + 7, 'x', 65536);
	memcpy(big + 7 + 65536, "\r\n0\r\n\r\n", 7);
	http_chunked_init(&c);
	n = http_chunked_feed(&c, big, 7 + 1000, &done);
	ok(n == 1007 && !done, "64 KiB chunk: first part");
	n = http_chunked_feed(&c, big + 1007, 65536 + 7 - 1000, &done);
	ok(n == 65536 + 7 - 1000 && done, "64 KiB chunk: rest and the end");
	free(big);
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
	test_valid_responses();
	test_malformed_responses();
	test_response_limits();
	test_response_body();
	test_field_hop_by_hop();
	test_wants_close();
	test_build_request();
	test_build_response();
	test_forward_bound();
	test_chunked_responses();
	guard_free(&cur);
	return tap_exit();
}
