/* SPDX-License-Identifier: Apache-2.0 */
/* Pure HTTP/1.x request- and response-head parser, framing helpers and head builders (see
 * http-parse.h).
 *
 * The shape (a pure function over a caller buffer, slices into it, -2 for "need more") follows
 * picohttpparser; the code is our own. Strictness decisions, each against a known class of
 * parser differential between a filtering proxy and the server behind it:
 *
 *  - Line endings are CRLF only. A bare LF or a bare CR anywhere in the head is HTTP_BAD
 *    (RFC 9112 §2.2 lets a recipient accept a bare LF; we do not, because servers disagree on
 *    where such a line ends, which is the root of many smuggling bugs). curl, git, pip, npm and
 *    python all send CRLF.
 *  - No empty lines before the request line (RFC 9112 §2.2 "SHOULD ignore at least one"): a
 *    stray CRLF after a body means the client and srt disagree on framing, so refuse.
 *  - Request line: method = 1+ tchar, exactly one SP, target = 1+ bytes in 0x21-0x7e (no CTL,
 *    no SP, no 8-bit, no '%00' decoding: the target is not interpreted here), exactly one SP,
 *    "HTTP/1.0" or "HTTP/1.1" byte for byte (no lower case, no HTTP/2.0, no HTTP/1.10), CRLF.
 *  - Header names are 1+ tchar, immediately followed by ':' (whitespace before the colon is
 *    refused, RFC 9112 §5.1 MUST). A line starting with SP or HTAB (obs-fold, or whitespace
 *    before the first field) is refused (RFC 9112 §5.2 allows rejecting it).
 *  - Header values may contain HTAB, SP, visible ASCII and obs-text (0x80-0xff, as RFC 9110
 *    §5.5 allows: User-Agent strings sometimes carry UTF-8). NUL, DEL and every other control
 *    byte is refused. Leading and trailing SP/HTAB are trimmed; an empty value is allowed.
 *    Fields whose value srt acts on (Host, Content-Length, Transfer-Encoding, Connection) are
 *    re-validated by the helpers or by the proxy's host check, which refuses 8-bit.
 *  - Limits: HTTP_MAX_HEAD bytes (the whole head, final CRLF CRLF included) and
 *    HTTP_MAX_HEADERS fields, both → HTTP_TOO_LARGE.
 *
 * Responses (the upstream server is untrusted too, and the proxy must agree with the client on
 * where each response ends):
 *
 *  - The field grammar, the limits and "CRLF only" are the same as for requests. RFC 9112 §2.2
 *    lets a recipient accept a bare LF; we refuse it in responses as well (HTTP_BAD, the proxy
 *    answers 502). The proxy rebuilds the head it sends to the client, so a lenient reading
 *    would not leak to the client; but where a head with bare LFs ends (and hence where the
 *    body starts) is exactly what a differential between us and the server would be about,
 *    and every mainstream server sends CRLF.
 *  - Status line: "HTTP/1.0" or "HTTP/1.1" byte for byte, one SP, exactly three digits
 *    100-599 (no sign, "20", "2000", "099", "600" refused), then SP and a reason phrase of
 *    HTAB/SP/VCHAR/obs-text, or CRLF directly. The SP before an empty reason is required by
 *    RFC 9112 §4 but some servers omit it; accepting that is harmless because the status line
 *    is rebuilt (always with the SP) before the client sees it. No empty lines before the
 *    status line (leftovers of a previous body mean the framing was misread).
 *  - Body framing (http_response_body()): RFC 9112 §6.3 in its order, but refusing instead of
 *    resolving every case in which two parsers could disagree: Transfer-Encoding together with
 *    Content-Length (§6.3 item 3 says TE wins; we refuse, as nginx does for requests),
 *    Transfer-Encoding in HTTP/1.0, two Transfer-Encoding fields (a client that reads only one
 *    of them would see another list), "chunked" twice or not last, and "gzip, chunked" (a
 *    coding the server was never offered: TE is hop-by-hop and stripped from requests).
 *    A list without "chunked" is close-delimited, as §6.3 item 4 says; the client sees the same
 *    Transfer-Encoding field and the connection close, so it cannot read it otherwise.
 *    HEAD, 1xx, 204 and 304 responses have no body whatever the fields say (items 1 and 2).
 *  - Connection options: the same hop-by-hop rule as for requests; in particular an upstream
 *    cannot make the proxy drop its own Content-Length or Transfer-Encoding ("Connection:
 *    content-length"), so the client always sees the framing fields the proxy acted on.
 *
 * Builders (http_build_forward_request/response()): the output is made only of bytes the
 * parsers accepted and is re-validated on the way (tokens, field bytes, host rules for the
 * authority), so no CR, LF or NUL can be injected; "Name:value" is written "Name: value";
 * nothing is ever written at or past out + out_size.
 *
 * Errors are reported as soon as the offending byte is seen, even if the head is incomplete:
 * a hostile client cannot hold a connection open with a head that is already known to be bad.
 * The answer for a prefix is always consistent with the answer for the whole head.
 *
 * Cost: one pass over at most HTTP_MAX_HEAD bytes. A caller that re-parses the whole buffer
 * after every read does O(n^2) work for a client that trickles bytes; it should bound that
 * with a read timeout (or re-parse only when the new bytes contain '\n'). */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "http-parse.h"

/* tchar from RFC 9110 §5.6.2: "!#$%&'*+-.^_`|~", DIGIT, ALPHA. */
static bool is_tchar(unsigned char c)
{
	static const char specials[] = "!#$%&'*+-.^_`|~";

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	/* sizeof - 1: NUL must not match */
	return memchr(specials, c, sizeof(specials) - 1) != NULL;
}

/* Visible ASCII: the only bytes allowed in a request-target. */
static bool is_vchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* A byte allowed inside a field value: HTAB, SP, VCHAR, obs-text. */
static bool is_field_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool slice_eq_nocase(struct http_slice s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower((unsigned char)s.p[i]) != ascii_lower((unsigned char)lit[i]))
			return false;
	return true;
}

static bool slices_eq_nocase(struct http_slice a, struct http_slice b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (ascii_lower((unsigned char)a.p[i]) != ascii_lower((unsigned char)b.p[i]))
			return false;
	return true;
}

static struct http_slice slice_trim_ows(struct http_slice s)
{
	while (s.len > 0 && is_ows((unsigned char)s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_ows((unsigned char)s.p[s.len - 1]))
		s.len--;
	return s;
}

/* ---- request head ---------------------------------------------------------------------- */

/* A cursor over buf[0..end), end <= HTTP_MAX_HEAD. Steps return 0, HTTP_INCOMPLETE (ran out
 * of bytes: only the caller knows whether that means "read more" or "too large") or
 * HTTP_BAD / HTTP_TOO_LARGE. */
struct cursor {
	const unsigned char *p;
	size_t i, end;
};

static int expect_crlf(struct cursor *c)
{
	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->p[c->i] != '\r')
		return HTTP_BAD;
	c->i++;
	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->p[c->i] != '\n')
		return HTTP_BAD;
	c->i++;
	return 0;
}

static int parse_request_line(struct cursor *c, struct http_request *r)
{
	static const char version[] = "HTTP/1.";
	size_t start;

	/* method SP */
	start = c->i;
	while (c->i < c->end && is_tchar(c->p[c->i]))
		c->i++;
	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->i == start || c->p[c->i] != ' ')
		return HTTP_BAD;
	r->method = (struct http_slice){ (const char *)c->p + start, c->i - start };
	c->i++;

	/* request-target SP: a second SP lands here as an empty target and is refused */
	start = c->i;
	while (c->i < c->end && is_vchar(c->p[c->i]))
		c->i++;
	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->i == start || c->p[c->i] != ' ')
		return HTTP_BAD;
	r->target = (struct http_slice){ (const char *)c->p + start, c->i - start };
	c->i++;

	/* HTTP-version, compared byte by byte so a short prefix is "incomplete", not "bad" */
	for (size_t k = 0; k < sizeof(version) - 1; k++, c->i++) {
		if (c->i >= c->end)
			return HTTP_INCOMPLETE;
		if (c->p[c->i] != (unsigned char)version[k])
			return HTTP_BAD;
	}
	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->p[c->i] != '0' && c->p[c->i] != '1')
		return HTTP_BAD;
	r->minor_version = c->p[c->i] - '0';
	c->i++;

	return expect_crlf(c);
}

/* One field line, c->i at its first byte (neither CR nor SP/HTAB). */
static int parse_field_line(struct cursor *c, struct http_header *h)
{
	size_t start, last;

	start = c->i;
	while (c->i < c->end && is_tchar(c->p[c->i]))
		c->i++;
	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	/* "Name :" and ":" alone are refused (RFC 9112 §5.1) */
	if (c->i == start || c->p[c->i] != ':')
		return HTTP_BAD;
	h->name = (struct http_slice){ (const char *)c->p + start, c->i - start };
	c->i++;

	while (c->i < c->end && is_ows(c->p[c->i]))
		c->i++;
	start = last = c->i;
	while (c->i < c->end && is_field_char(c->p[c->i])) {
		if (!is_ows(c->p[c->i]))
			last = c->i + 1;
		c->i++;
	}
	/* the value stops at CR (checked by expect_crlf) or at a refused byte: NUL, CTL, bare LF */
	h->value = (struct http_slice){ (const char *)c->p + start, last - start };

	return expect_crlf(c);
}

/* The field lines after the start line, up to and including the empty line. */
static int parse_fields(struct cursor *c, struct http_header *headers, size_t *n_headers)
{
	int k;

	*n_headers = 0;
	for (;;) {
		if (c->i >= c->end)
			return HTTP_INCOMPLETE;
		if (c->p[c->i] == '\r')
			return expect_crlf(c); /* the empty line ending the head */
		if (is_ows(c->p[c->i]))
			return HTTP_BAD; /* obs-fold, or whitespace before the first field */
		if (*n_headers >= HTTP_MAX_HEADERS)
			return HTTP_TOO_LARGE;
		k = parse_field_line(c, &headers[*n_headers]);
		if (k < 0)
			return k;
		(*n_headers)++;
	}
}

/* The cursor both parsers use: at most HTTP_MAX_HEAD bytes are ever looked at. */
static struct cursor head_cursor(const char *buf, size_t len)
{
	return (struct cursor){
		.p = (const unsigned char *)buf,
		.i = 0,
		.end = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD,
	};
}

/* Running out of bytes within the first HTTP_MAX_HEAD means "read more", beyond it "too large". */
static int head_result(int k, size_t len, const struct cursor *c)
{
	if (k == HTTP_INCOMPLETE)
		return len >= HTTP_MAX_HEAD ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
	if (k < 0)
		return k;
	return (int)c->i;
}

int http_parse_request(const char *buf, size_t len, struct http_request *ret)
{
	struct http_request r;
	struct cursor c = head_cursor(buf, len);
	int k;

	if (!ret || (!buf && len > 0))
		return HTTP_BAD;

	k = parse_request_line(&c, &r);
	if (k == 0)
		k = parse_fields(&c, r.headers, &r.n_headers);
	k = head_result(k, len, &c);
	if (k > 0)
		*ret = r;
	return k;
}

/* ---- response head --------------------------------------------------------------------- */

static int parse_status_line(struct cursor *c, struct http_response *r)
{
	static const char version[] = "HTTP/1.";
	size_t start;
	int status = 0;

	for (size_t k = 0; k < sizeof(version) - 1; k++, c->i++) {
		if (c->i >= c->end)
			return HTTP_INCOMPLETE;
		if (c->p[c->i] != (unsigned char)version[k])
			return HTTP_BAD;
	}
	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->p[c->i] != '0' && c->p[c->i] != '1')
		return HTTP_BAD;
	r->minor_version = c->p[c->i] - '0';
	c->i++;

	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->p[c->i] != ' ')
		return HTTP_BAD;
	c->i++;

	/* exactly three digits, the first 1-5: "099" and "600" fail at their first digit */
	for (int k = 0; k < 3; k++, c->i++) {
		unsigned char ch;

		if (c->i >= c->end)
			return HTTP_INCOMPLETE;
		ch = c->p[c->i];
		if (ch < (k == 0 ? '1' : '0') || ch > (k == 0 ? '5' : '9'))
			return HTTP_BAD;
		status = status * 10 + (ch - '0');
	}
	r->status = status;

	if (c->i >= c->end)
		return HTTP_INCOMPLETE;
	if (c->p[c->i] == '\r') {
		/* "HTTP/1.1 200\r\n": no SP, empty reason (see the top of this file) */
		r->reason = (struct http_slice){ (const char *)c->p + c->i, 0 };
		return expect_crlf(c);
	}
	if (c->p[c->i] != ' ')
		return HTTP_BAD; /* a fourth digit, or anything else glued to the status */
	c->i++;

	/* reason-phrase: kept exactly as sent, whitespace included (it is not interpreted);
	 * stops at CR (checked by expect_crlf) or at a refused byte: NUL, CTL, bare LF */
	start = c->i;
	while (c->i < c->end && is_field_char(c->p[c->i]))
		c->i++;
	r->reason = (struct http_slice){ (const char *)c->p + start, c->i - start };
	return expect_crlf(c);
}

int http_parse_response(const char *buf, size_t len, struct http_response *ret)
{
	struct http_response r;
	struct cursor c = head_cursor(buf, len);
	int k;

	if (!ret || (!buf && len > 0))
		return HTTP_BAD;

	k = parse_status_line(&c, &r);
	if (k == 0)
		k = parse_fields(&c, r.headers, &r.n_headers);
	k = head_result(k, len, &c);
	if (k > 0)
		*ret = r;
	return k;
}

/* ---- targets --------------------------------------------------------------------------- */

#define HOST_NAME_MAX_LEN 255 /* RFC 1035 name length, a trailing dot included */
#define HOST_V6_MAX_LEN 45    /* INET6_ADDRSTRLEN - 1: "ffff:...:255.255.255.255" */

/* A registered name or IPv4 literal: [A-Za-z0-9._-], no empty label except that one trailing
 * dot is allowed. Refusing '%', '@', '\\', NUL, CTL and 8-bit here closes the hostname
 * differentials of field-notes §3.3 item 33 before any policy code sees the name. */
static bool host_name_valid(struct http_slice h)
{
	if (h.len == 0 || h.len > HOST_NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < h.len; i++) {
		unsigned char ch = (unsigned char)h.p[i];

		if (ch == '.') {
			/* no leading dot, no "..", and "." alone is refused by the first test */
			if (i == 0 || h.p[i - 1] == '.')
				return false;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

/* Inside brackets: hex digits, ':' and '.' only (no zone id, no IPvFuture); the caller's
 * inet_pton does the real validation. */
static bool host_v6_valid(struct http_slice h)
{
	if (h.len < 2 || h.len > HOST_V6_MAX_LEN)
		return false;
	for (size_t i = 0; i < h.len; i++) {
		unsigned char ch = (unsigned char)h.p[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.'))
			return false;
	}
	return true;
}

/* 1-65535, 1-5 digits, no leading zero, nothing else. */
static int parse_port(struct http_slice s, uint16_t *ret)
{
	uint32_t v = 0;

	if (s.len == 0 || s.len > 5 || s.p[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(s.p[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* host [ ":" port ] or "[" v6 "]" [ ":" port ]; port_required for authority-form. */
static int parse_host_port(struct http_slice a, bool port_required, uint16_t default_port,
			   struct http_slice *ret_host, uint16_t *ret_port)
{
	struct http_slice host, port = { NULL, 0 };
	bool has_port = false;
	uint16_t v = default_port;
	const char *colon;
	int r;

	if (a.len == 0 || !a.p)
		return -EINVAL;

	if (a.p[0] == '[') {
		const char *close = memchr(a.p, ']', a.len);
		size_t after;

		if (!close)
			return -EINVAL;
		host = (struct http_slice){ a.p + 1, (size_t)(close - a.p) - 1 };
		if (!host_v6_valid(host))
			return -EINVAL;
		after = (size_t)(close - a.p) + 1;
		if (after < a.len) {
			if (a.p[after] != ':')
				return -EINVAL;
			has_port = true;
			port = (struct http_slice){ a.p + after + 1, a.len - after - 1 };
		}
	} else {
		colon = memchr(a.p, ':', a.len);
		if (colon) {
			host = (struct http_slice){ a.p, (size_t)(colon - a.p) };
			has_port = true;
			port = (struct http_slice){ colon + 1, a.len - host.len - 1 };
		} else {
			host = a;
		}
		/* a second ':' (unbracketed IPv6, "host:443:junk") fails in the port check */
		if (!host_name_valid(host))
			return -EINVAL;
	}

	if (has_port) {
		r = parse_port(port, &v);
		if (r < 0)
			return r;
	} else if (port_required) {
		return -EINVAL;
	}

	*ret_host = host;
	*ret_port = v;
	return 0;
}

int http_parse_authority(struct http_slice target, struct http_slice *ret_host,
			 uint16_t *ret_port)
{
	struct http_slice host;
	uint16_t port;
	int r;

	if (!ret_host || !ret_port)
		return -EINVAL;

	r = parse_host_port(target, true, 0, &host, &port);
	if (r < 0)
		return r;

	*ret_host = host;
	*ret_port = port;
	return 0;
}

int http_parse_absolute_uri(struct http_slice target, struct http_slice *ret_host,
			    uint16_t *ret_port, struct http_slice *ret_path)
{
	static const char slash[] = "/";
	struct http_slice scheme, authority, path, host;
	size_t i, auth_start;
	uint16_t port;
	int r;

	if (!ret_host || !ret_port || !ret_path || !target.p || target.len == 0)
		return -EINVAL;

	/* Defensive: the request parser already guarantees this, but other callers may not. A
	 * '#' is never sent by a conforming client; refusing it avoids disagreeing with the
	 * upstream about where the path ends. */
	for (i = 0; i < target.len; i++)
		if (!is_vchar((unsigned char)target.p[i]) || target.p[i] == '#')
			return -EINVAL;

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (RFC 3986 §3.1) */
	for (i = 0; i < target.len && target.p[i] != ':'; i++) {
		unsigned char ch = (unsigned char)target.p[i];
		bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');

		if (!alpha && (i == 0 || !((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
					   ch == '.')))
			return -EINVAL;
	}
	if (i == 0 || i >= target.len)
		return -EINVAL; /* origin-form "/x", asterisk-form, or no ':' */
	scheme = (struct http_slice){ target.p, i };
	if (target.len - i < 3 || target.p[i + 1] != '/' || target.p[i + 2] != '/')
		return -EINVAL;
	if (!slice_eq_nocase(scheme, "http"))
		return -EPROTONOSUPPORT;

	auth_start = i + 3;
	for (i = auth_start; i < target.len && target.p[i] != '/' && target.p[i] != '?'; i++)
		if (target.p[i] == '@')
			return -EINVAL; /* userinfo: "http://allowed@evil/" confusions */
	authority = (struct http_slice){ target.p + auth_start, i - auth_start };

	if (i == target.len)
		path = (struct http_slice){ slash, 1 };
	else if (target.p[i] == '?')
		return -EINVAL; /* "http://h?q" would need a "/" we cannot point into target for */
	else
		path = (struct http_slice){ target.p + i, target.len - i };

	r = parse_host_port(authority, false, 80, &host, &port);
	if (r < 0)
		return r;

	*ret_host = host;
	*ret_port = port;
	*ret_path = path;
	return 0;
}

/* ---- headers --------------------------------------------------------------------------- */

size_t http_find_field(const struct http_header *headers, size_t n_headers, const char *name,
		       struct http_slice *ret)
{
	struct http_slice first = { NULL, 0 };
	size_t n = 0;

	if (headers && name) {
		for (size_t i = 0; i < n_headers; i++) {
			if (!slice_eq_nocase(headers[i].name, name))
				continue;
			if (n++ == 0)
				first = headers[i].value;
		}
	}
	if (ret)
		*ret = first;
	return n;
}

size_t http_find_header(const struct http_request *r, const char *name, struct http_slice *ret)
{
	if (!r)
		return http_find_field(NULL, 0, name, ret);
	return http_find_field(r->headers, r->n_headers < HTTP_MAX_HEADERS ? r->n_headers :
									      HTTP_MAX_HEADERS,
			       name, ret);
}

/* Content-Length = 1*DIGIT, here without a leading zero (except "0") so that no downstream
 * parser can read it as octal, and without the "n, n" list form RFC 9110 §8.6 tolerates. */
static int parse_content_length(struct http_slice v, uint64_t *ret)
{
	uint64_t n = 0;

	if (v.len == 0 || (v.p[0] == '0' && v.len > 1))
		return -EINVAL;
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] < '0' || v.p[i] > '9')
			return -EINVAL;
	if (v.len > 16) /* 2^53 has 16 digits; this also rules out overflow below */
		return -EFBIG;
	for (size_t i = 0; i < v.len; i++)
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	if (n > HTTP_MAX_CONTENT_LENGTH)
		return -EFBIG;
	*ret = n;
	return 0;
}

/* Distinguishes a coding list we merely do not support (501) from garbage (400): every
 * comma-separated element, OWS-trimmed, must be a non-empty token. */
static bool coding_list_well_formed(struct http_slice v)
{
	size_t start = 0;

	for (size_t i = 0; i <= v.len; i++) {
		struct http_slice e;

		if (i < v.len && v.p[i] != ',')
			continue;
		e = slice_trim_ows((struct http_slice){ v.p + start, i - start });
		if (e.len == 0)
			return false;
		for (size_t k = 0; k < e.len; k++)
			if (!is_tchar((unsigned char)e.p[k]))
				return false;
		start = i + 1;
	}
	return true;
}

int http_request_body(const struct http_request *r, enum http_body_kind *ret_kind,
		      uint64_t *ret_length)
{
	struct http_slice te, cl;
	size_t n_te, n_cl;
	uint64_t length;
	int k;

	if (!r || !ret_kind || !ret_length)
		return -EINVAL;

	n_te = http_find_header(r, "Transfer-Encoding", &te);
	n_cl = http_find_header(r, "Content-Length", &cl);

	if (n_te > 0) {
		/* RFC 9112 §6.1: TE with CL "ought to be handled as an error"; TE in HTTP/1.0
		 * means the framing is faulty. Two TE fields would be a list: refuse. */
		if (n_cl > 0 || n_te > 1 || r->minor_version != 1)
			return -EINVAL;
		if (!slice_eq_nocase(te, "chunked"))
			return coding_list_well_formed(te) ? -EOPNOTSUPP : -EINVAL;
		*ret_kind = HTTP_BODY_CHUNKED;
		*ret_length = 0;
		return 0;
	}

	if (n_cl > 0) {
		if (n_cl > 1)
			return -EINVAL; /* even if identical: no reason for a client to send two */
		k = parse_content_length(cl, &length);
		if (k < 0)
			return k;
		*ret_kind = HTTP_BODY_LENGTH;
		*ret_length = length;
		return 0;
	}

	*ret_kind = HTTP_BODY_NONE;
	*ret_length = 0;
	return 0;
}

/* The coding list of a response's single Transfer-Encoding field (see http_response_body()). */
static int response_coding(struct http_slice v, enum http_body_kind *ret)
{
	size_t start = 0, n_codings = 0, n_chunked = 0;
	bool last_is_chunked = false;

	if (!v.p)
		return -EINVAL;
	for (size_t i = 0; i <= v.len; i++) {
		struct http_slice e;

		if (i < v.len && v.p[i] != ',')
			continue;
		e = slice_trim_ows((struct http_slice){ v.p + start, i - start });
		/* an empty element or a parameter (';' is not a tchar) is refused */
		if (e.len == 0)
			return -EINVAL;
		for (size_t k = 0; k < e.len; k++)
			if (!is_tchar((unsigned char)e.p[k]))
				return -EINVAL;
		n_codings++;
		last_is_chunked = slice_eq_nocase(e, "chunked");
		if (last_is_chunked)
			n_chunked++;
		start = i + 1;
	}

	if (n_chunked == 0) {
		*ret = HTTP_BODY_CLOSE; /* RFC 9112 §6.3 item 4: read until the server closes */
		return 0;
	}
	if (n_chunked > 1 || !last_is_chunked)
		return -EINVAL;
	if (n_codings > 1)
		return -EOPNOTSUPP;
	*ret = HTTP_BODY_CHUNKED;
	return 0;
}

int http_response_body(const struct http_response *r, bool request_was_head,
		       enum http_body_kind *ret_kind, uint64_t *ret_length)
{
	enum http_body_kind kind;
	struct http_slice te, cl;
	size_t n, n_te, n_cl;
	uint64_t length;
	int k;

	if (!r || !ret_kind || !ret_length || r->status < 100 || r->status > 599)
		return -EINVAL;

	/* RFC 9112 §6.3 items 1 and 2: the head ends the message, whatever the fields say */
	if (request_was_head || r->status < 200 || r->status == 204 || r->status == 304) {
		*ret_kind = HTTP_BODY_NONE;
		*ret_length = 0;
		return 0;
	}

	n = r->n_headers < HTTP_MAX_HEADERS ? r->n_headers : HTTP_MAX_HEADERS;
	n_te = http_find_field(r->headers, n, "Transfer-Encoding", &te);
	n_cl = http_find_field(r->headers, n, "Content-Length", &cl);

	if (n_te > 0) {
		/* TE with CL: RFC 9112 §6.3 item 3 lets TE win, but a client or cache that reads
		 * CL would frame differently; TE in HTTP/1.0 is faulty framing (§6.1); two TE
		 * fields could be read as different lists. All refused. */
		if (n_cl > 0 || n_te > 1 || r->minor_version != 1)
			return -EINVAL;
		k = response_coding(te, &kind);
		if (k < 0)
			return k;
		*ret_kind = kind;
		*ret_length = 0;
		return 0;
	}

	if (n_cl > 0) {
		if (n_cl > 1)
			return -EINVAL; /* even if identical (RFC 9110 §8.6 would allow it) */
		k = parse_content_length(cl, &length);
		if (k < 0)
			return k;
		*ret_kind = HTTP_BODY_LENGTH;
		*ret_length = length;
		return 0;
	}

	*ret_kind = HTTP_BODY_CLOSE; /* RFC 9112 §6.3 item 8 */
	*ret_length = 0;
	return 0;
}

/* Calls fn(opt, userdata) for every element of every Connection field, OWS-trimmed; empty
 * elements ("a,,b", RFC 9110 §5.6.1) are passed too and match nothing. Stops when fn returns
 * true and returns true then. */
static bool connection_any(const struct http_header *headers, size_t n_headers,
			   bool (*fn)(struct http_slice opt, const void *userdata),
			   const void *userdata)
{
	if (!headers)
		return false;
	for (size_t i = 0; i < n_headers; i++) {
		struct http_slice v = headers[i].value;
		size_t start = 0;

		if (!slice_eq_nocase(headers[i].name, "Connection") || !v.p)
			continue;
		for (size_t k = 0; k <= v.len; k++) {
			if (k < v.len && v.p[k] != ',')
				continue;
			if (fn(slice_trim_ows((struct http_slice){ v.p + start, k - start }),
			       userdata))
				return true;
			start = k + 1;
		}
	}
	return false;
}

static bool option_is_slice(struct http_slice opt, const void *userdata)
{
	return slices_eq_nocase(opt, *(const struct http_slice *)userdata);
}

static bool option_is_literal(struct http_slice opt, const void *userdata)
{
	return slice_eq_nocase(opt, userdata);
}

bool http_field_is_hop_by_hop(const struct http_header *headers, size_t n_headers,
			      struct http_slice name)
{
	/* RFC 9110 §7.6.1 plus the de-facto Proxy-Connection and Keep-Alive; Transfer-Encoding
	 * is deliberately absent (see http-parse.h). */
	static const char *const fixed[] = {
		"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
		"Proxy-Authenticate", "TE", "Trailer", "Upgrade",
	};
	/* Never stripped on a client's say-so: stripping framing is request smuggling. */
	static const char *const protected[] = {
		"Content-Length", "Transfer-Encoding", "Host",
	};

	if (!name.p || name.len == 0)
		return false;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (slice_eq_nocase(name, fixed[i]))
			return true;
	for (size_t i = 0; i < sizeof(protected) / sizeof(protected[0]); i++)
		if (slice_eq_nocase(name, protected[i]))
			return false;

	/* Connection = #connection-option: comma-separated tokens with OWS, empty elements
	 * allowed; every Connection field counts. */
	return connection_any(headers, n_headers, option_is_slice, &name);
}

bool http_header_is_hop_by_hop(const struct http_request *r, struct http_slice name)
{
	if (!r)
		return http_field_is_hop_by_hop(NULL, 0, name);
	return http_field_is_hop_by_hop(r->headers,
					r->n_headers < HTTP_MAX_HEADERS ? r->n_headers :
									  HTTP_MAX_HEADERS,
					name);
}

bool http_wants_close(const struct http_header *headers, size_t n_headers, int minor_version)
{
	if (connection_any(headers, n_headers, option_is_literal, "close"))
		return true;
	/* HTTP/1.0 connections are not persistent unless the peer asks (RFC 9112 §9.3) */
	if (minor_version != 1)
		return !connection_any(headers, n_headers, option_is_literal, "keep-alive");
	return false;
}

/* ---- head builders --------------------------------------------------------------------- */

/* Appends to out[0..size); once something does not fit, nothing more is written. */
struct writer {
	char *out;
	size_t size, len;
	bool full;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->full || n > w->size - w->len) {
		w->full = true;
		return;
	}
	if (n > 0)
		memcpy(w->out + w->len, s, n);
	w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_slice(struct writer *w, struct http_slice s)
{
	put(w, s.p, s.len);
}

static struct writer writer_new(char *out, size_t out_size)
{
	/* the result must fit a ssize_t */
	return (struct writer){ .out = out, .size = out_size < SSIZE_MAX ? out_size : SSIZE_MAX };
}

static ssize_t writer_result(const struct writer *w)
{
	return w->full ? -ENOBUFS : (ssize_t)w->len;
}

static bool slice_all(struct http_slice s, bool (*pred)(unsigned char))
{
	if (!s.p)
		return s.len == 0;
	for (size_t i = 0; i < s.len; i++)
		if (!pred((unsigned char)s.p[i]))
			return false;
	return true;
}

static bool slice_is_token(struct http_slice s)
{
	return s.len > 0 && slice_all(s, is_tchar);
}

/* Re-validates what the parsers guarantee, so a caller's mistake cannot inject CR or LF. */
static bool fields_valid(const struct http_header *headers, size_t n_headers)
{
	if (n_headers > HTTP_MAX_HEADERS)
		return false;
	for (size_t i = 0; i < n_headers; i++)
		if (!slice_is_token(headers[i].name) || !slice_all(headers[i].value, is_field_char))
			return false;
	return true;
}

static void put_fields(struct writer *w, const struct http_header *headers, size_t n_headers,
		       bool drop_host)
{
	for (size_t i = 0; i < n_headers; i++) {
		const struct http_header *h = &headers[i];

		if (drop_host && slice_eq_nocase(h->name, "Host"))
			continue;
		if (http_field_is_hop_by_hop(headers, n_headers, h->name))
			continue;
		put_slice(w, h->name);
		put_str(w, ": ");
		put_slice(w, h->value);
		put_str(w, "\r\n");
	}
}

static bool path_char(unsigned char c)
{
	return is_vchar(c) && c != '#';
}

ssize_t http_build_forward_request(const struct http_request *r, struct http_slice path,
				   struct http_slice authority, char *out, size_t out_size)
{
	struct writer w = writer_new(out, out_size);
	struct http_slice host;
	uint16_t port;
	char minor[2];

	if (!r || (!out && out_size > 0))
		return -EINVAL;
	if ((r->minor_version != 0 && r->minor_version != 1) || !slice_is_token(r->method) ||
	    !fields_valid(r->headers, r->n_headers))
		return -EINVAL;
	if (!path.p || path.len == 0 || path.p[0] != '/' || !slice_all(path, path_char))
		return -EINVAL;
	/* the host rules of http_parse_authority(), port optional: letters, digits, "-._",
	 * brackets around a v6 literal, ':' and a port; nothing that could end the line */
	if (parse_host_port(authority, false, 80, &host, &port) < 0)
		return -EINVAL;

	minor[0] = (char)('0' + r->minor_version);
	minor[1] = '\0';
	put_slice(&w, r->method);
	put_str(&w, " ");
	put_slice(&w, path);
	put_str(&w, " HTTP/1.");
	put_str(&w, minor);
	put_str(&w, "\r\nHost: ");
	put_slice(&w, authority);
	put_str(&w, "\r\n");
	put_fields(&w, r->headers, r->n_headers, true);
	put_str(&w, "\r\n");
	return writer_result(&w);
}

ssize_t http_build_forward_response(const struct http_response *r, bool add_close, char *out,
				    size_t out_size)
{
	struct writer w = writer_new(out, out_size);
	char line[14]; /* "HTTP/1.x nnn " */

	if (!r || (!out && out_size > 0))
		return -EINVAL;
	if ((r->minor_version != 0 && r->minor_version != 1) || r->status < 100 ||
	    r->status > 599 || !slice_all(r->reason, is_field_char) ||
	    !fields_valid(r->headers, r->n_headers))
		return -EINVAL;

	memcpy(line, "HTTP/1.x nnn ", sizeof(line));
	line[7] = (char)('0' + r->minor_version);
	line[9] = (char)('0' + r->status / 100);
	line[10] = (char)('0' + r->status / 10 % 10);
	line[11] = (char)('0' + r->status % 10);
	put(&w, line, sizeof(line) - 1);
	put_slice(&w, r->reason);
	put_str(&w, "\r\n");
	put_fields(&w, r->headers, r->n_headers, false);
	if (add_close)
		put_str(&w, "Connection: close\r\n");
	put_str(&w, "\r\n");
	return writer_result(&w);
}

/* ---- chunked body ---------------------------------------------------------------------- */

enum chunked_state {
	CH_SIZE,          /* chunk-size hex digits */
	CH_EXT,           /* after ';': chunk extensions up to CR */
	CH_SIZE_LF,       /* CR seen at the end of the size line */
	CH_DATA,          /* chunk-data */
	CH_DATA_CR,       /* CRLF after chunk-data */
	CH_DATA_LF,
	CH_TRAILER_START, /* start of a trailer line, or the final CRLF */
	CH_TRAILER_NAME,
	CH_TRAILER_VALUE,
	CH_TRAILER_LF,
	CH_END_LF,        /* CR of the final CRLF seen */
	CH_DONE,
	CH_ERROR,
};

void http_chunked_init(struct http_chunked *c)
{
	if (!c)
		return;
	*c = (struct http_chunked){ .state = CH_SIZE };
}

static int hex_value(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Chunk extensions are forwarded, never interpreted: accept exactly the bytes the grammar
 * (RFC 9112 §7.1.1: tokens, '=', ';', quoted strings, BWS) can contain, no CTL but HTAB. */
static bool is_ext_char(unsigned char ch)
{
	return ch == '\t' || (ch >= 0x20 && ch <= 0x7e);
}

/* One byte in a non-data state; returns false on malformed framing. */
static bool chunked_step(struct http_chunked *c, unsigned char ch)
{
	int h;

	if (c->state == CH_SIZE || c->state == CH_EXT || c->state == CH_SIZE_LF) {
		if (++c->line_len > HTTP_CHUNK_LINE_MAX)
			return false;
	} else if (c->state >= CH_TRAILER_START && c->state <= CH_END_LF) {
		if (++c->trailer_len > HTTP_CHUNK_TRAILERS_MAX)
			return false;
	}

	switch (c->state) {
	case CH_SIZE:
		h = hex_value(ch);
		if (h >= 0) {
			/* 16 hex digits fill a uint64_t: no overflow is possible below */
			if (++c->digits > 16)
				return false;
			c->remaining = (c->remaining << 4) | (uint64_t)h;
			return true;
		}
		/* no whitespace (BWS) before ';' or CR: servers disagree on it */
		if (c->digits == 0 || (ch != ';' && ch != '\r'))
			return false;
		c->state = ch == ';' ? CH_EXT : CH_SIZE_LF;
		return true;
	case CH_EXT:
		if (ch == '\r') {
			c->state = CH_SIZE_LF;
			return true;
		}
		return is_ext_char(ch);
	case CH_SIZE_LF:
		if (ch != '\n')
			return false;
		c->state = c->remaining > 0 ? CH_DATA : CH_TRAILER_START;
		c->line_len = 0;
		c->digits = 0;
		return true;
	case CH_DATA_CR:
		if (ch != '\r')
			return false;
		c->state = CH_DATA_LF;
		return true;
	case CH_DATA_LF:
		if (ch != '\n')
			return false;
		c->state = CH_SIZE;
		return true;
	case CH_TRAILER_START:
		if (ch == '\r') {
			c->state = CH_END_LF;
			return true;
		}
		/* a leading SP/HTAB would be obs-fold; ':' alone an empty name */
		if (!is_tchar(ch))
			return false;
		c->state = CH_TRAILER_NAME;
		return true;
	case CH_TRAILER_NAME:
		if (ch == ':') {
			c->state = CH_TRAILER_VALUE;
			return true;
		}
		return is_tchar(ch);
	case CH_TRAILER_VALUE:
		if (ch == '\r') {
			c->state = CH_TRAILER_LF;
			return true;
		}
		return is_field_char(ch);
	case CH_TRAILER_LF:
		if (ch != '\n')
			return false;
		c->state = CH_TRAILER_START;
		return true;
	case CH_END_LF:
		if (ch != '\n')
			return false;
		c->state = CH_DONE;
		return true;
	default:
		return false;
	}
}

ssize_t http_chunked_feed(struct http_chunked *c, const char *buf, size_t len, bool *ret_done)
{
	size_t i = 0;

	if (ret_done)
		*ret_done = false;
	if (!c || !ret_done || (!buf && len > 0))
		return -1;
	if (c->state == CH_ERROR || len > (size_t)SSIZE_MAX)
		return -1; /* the count could not be reported; no real caller feeds that much */

	while (i < len && c->state != CH_DONE) {
		if (c->state == CH_DATA) {
			uint64_t n = len - i;

			if (n > c->remaining)
				n = c->remaining;
			i += (size_t)n;
			c->remaining -= n;
			if (c->remaining == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		if (!chunked_step(c, (unsigned char)buf[i])) {
			c->state = CH_ERROR;
			return -1;
		}
		i++;
	}

	*ret_done = c->state == CH_DONE;
	return (ssize_t)i;
}
