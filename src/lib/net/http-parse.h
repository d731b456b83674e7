/* SPDX-License-Identifier: Apache-2.0 */
/* Pure, zero-allocation HTTP/1.x head parsing and building for the HTTP proxy: request heads
 * from the sandboxed clients, response heads from the upstream servers, body framing for both,
 * and the heads an absolute-form forwarding proxy sends on.
 *
 * Everything here works on a caller-owned buffer and returns slices (pointer + length) into it:
 * nothing is copied, nothing is allocated, no slice is NUL-terminated, and a slice stays valid
 * only while the caller keeps the buffer unchanged. No function keeps state between calls
 * except through the caller-owned struct http_chunked, so all of it is thread-safe.
 *
 * The clients are sandboxed and may be hostile, so the grammar is deliberately narrower than
 * RFC 9112 wherever a lenient reading could make srt and the upstream server disagree about
 * what was sent (request smuggling, filter bypass). Upstream servers are not trusted either:
 * a response whose framing the proxy and the client could read differently is refused (the
 * proxy answers 502). See the comment at the top of http-parse.c for the list of decisions. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_HEAD 16384 /* bytes in a request or response head; larger → HTTP_TOO_LARGE */
#define HTTP_MAX_HEADERS 100 /* header fields in a head; more → HTTP_TOO_LARGE */

/* An output buffer of this size always holds what http_build_forward_request() and
 * http_build_forward_response() make of a head the parsers accepted (with an authority of at
 * most 300 bytes; http_parse_absolute_uri() hosts are at most 255 bytes, plus ":port" or the
 * brackets): a built head can be longer than the parsed one only by the "Host: " line, one SP
 * per field ("Name:v" becomes "Name: v") and "Connection: close". */
#define HTTP_MAX_FORWARD_HEAD (HTTP_MAX_HEAD + HTTP_MAX_HEADERS + 512)

enum {
	HTTP_INCOMPLETE = -2, /* need more bytes */
	HTTP_BAD = -1,        /* malformed: answer 400 (request) or 502 (response) and close */
	HTTP_TOO_LARGE = -3,  /* head or header count over the limits: 431 (request) or 502 */
};

struct http_slice {
	const char *p;
	size_t len;
};

struct http_header {
	struct http_slice name;  /* 1+ token characters, case as sent */
	struct http_slice value; /* leading/trailing SP and HTAB removed; may be empty */
};

struct http_request {
	struct http_slice method; /* 1+ token characters, case-sensitive as sent */
	struct http_slice target; /* 1+ visible ASCII bytes (0x21-0x7e), not interpreted */
	int minor_version;        /* 0 or 1: only HTTP/1.0 and HTTP/1.1 are accepted */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
};

struct http_response {
	int minor_version;        /* 0 or 1: only HTTP/1.0 and HTTP/1.1 are accepted */
	int status;               /* 100-599, sent as exactly 3 digits */
	struct http_slice reason; /* may be empty; HTAB, SP, visible ASCII, obs-text (0x80-0xff) */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
};

/* Parses a request head at buf[0..len) (buf may be NULL when len is 0).
 *
 * Returns the head length (> 0, including the final CRLF CRLF); the bytes after it (a body,
 * pipelined requests, data for a CONNECT tunnel) are the caller's. Otherwise returns:
 *   HTTP_INCOMPLETE  the bytes so far are a valid beginning of a head, len < HTTP_MAX_HEAD:
 *                    read more and call again with the whole buffer;
 *   HTTP_BAD         malformed (answer 400); reported as early as the offending byte arrives;
 *   HTTP_TOO_LARGE   the head would exceed HTTP_MAX_HEAD bytes or HTTP_MAX_HEADERS fields.
 * Reads at most min(len, HTTP_MAX_HEAD) bytes. *ret is written only on success. */
int http_parse_request(const char *buf, size_t len, struct http_request *ret);

/* Parses a response head at buf[0..len) (buf may be NULL when len is 0), with the return
 * convention of http_parse_request() and the same field grammar, line endings (CRLF only: a
 * bare LF is HTTP_BAD here too) and limits. The status line is "HTTP/1.0" or "HTTP/1.1", one
 * SP, a 3-digit status 100-599, then either SP and a reason phrase (possibly empty) or directly
 * CRLF ("HTTP/1.1 200\r\n" is accepted: the reason is then empty). A 1xx head is followed by
 * another response head on the same connection; the caller loops. HTTP_BAD and
 * HTTP_TOO_LARGE both mean: answer 502 and close both connections. */
int http_parse_response(const char *buf, size_t len, struct http_response *ret);

/* Parses a CONNECT authority-form target: "host:port" or "[v6]:port".
 * host: 1-255 bytes of letters, digits, '-', '.', '_', with no empty label (a single trailing
 *       dot is allowed and kept); or, in brackets, 2-45 bytes of hex digits, ':' and '.' (the
 *       brackets are stripped; zone ids and IPvFuture are refused; the caller still has to run
 *       inet_pton on it). The host is returned as sent: the policy layer lower-cases it.
 * port: 1-65535 in decimal, 1-5 digits, no sign, no leading zero.
 * Returns 0, or -EINVAL (outputs untouched). */
int http_parse_authority(struct http_slice target, struct http_slice *ret_host,
			 uint16_t *ret_port);

/* Parses an absolute-form target "http://host[:port][/path][?query]" (scheme
 * case-insensitive). The host follows the http_parse_authority() rules; the port defaults to
 * 80 and, when a ':' is present, must be 1-65535 as above. *ret_path is the origin-form path
 * and query to send upstream: a slice into target, or the static "/" when the target has no
 * path. Returns 0, or (outputs untouched):
 *   -EPROTONOSUPPORT  a well-formed scheme other than http (https:// included: clients must
 *                     use CONNECT for TLS);
 *   -EINVAL           anything else: not absolute-form, userinfo ('@' in the authority), a
 *                     fragment ('#' anywhere), a query without a path ("http://h?q"), a
 *                     byte outside visible ASCII, a bad host or port. */
int http_parse_absolute_uri(struct http_slice target, struct http_slice *ret_host,
			    uint16_t *ret_port, struct http_slice *ret_path);

/* Finds the header fields called name (ASCII case-insensitive). Returns how many there are, so
 * the caller can refuse duplicates such as two Host fields; *ret (if ret is not NULL) gets the
 * value of the first, or { NULL, 0 } when there is none. */
size_t http_find_header(const struct http_request *r, const char *name, struct http_slice *ret);

/* The same over any header array (headers may be NULL when n_headers is 0), e.g. a response's. */
size_t http_find_field(const struct http_header *headers, size_t n_headers, const char *name,
		       struct http_slice *ret);

enum http_body_kind {
	HTTP_BODY_NONE,    /* no body: the next message starts right after the head */
	HTTP_BODY_LENGTH,  /* *ret_length bytes follow the head */
	HTTP_BODY_CHUNKED, /* relay through struct http_chunked */
	HTTP_BODY_CLOSE,   /* response only: the body runs until the upstream closes */
};

#define HTTP_MAX_CONTENT_LENGTH (UINT64_C(1) << 53)

/* Request body framing per RFC 9112 §6, strictly:
 *   Transfer-Encoding: only a single field whose value is exactly "chunked" (any case), and
 *     only in HTTP/1.1 → HTTP_BODY_CHUNKED, *ret_length = 0;
 *   Content-Length: a single field of 1-16 decimal digits, no sign, no leading zero (except
 *     "0"), no list → HTTP_BODY_LENGTH;
 *   neither → HTTP_BODY_NONE, *ret_length = 0.
 * Returns 0, or (outputs untouched): -EINVAL for ambiguous or malformed framing (both fields,
 * duplicate fields, a bad Content-Length, Transfer-Encoding in HTTP/1.0, an empty or
 * malformed coding list): answer 400 and close; -EOPNOTSUPP for a well-formed coding list
 * other than "chunked" ("gzip", "gzip, chunked"): answer 501 and close; -EFBIG for a
 * Content-Length above HTTP_MAX_CONTENT_LENGTH: answer 413 and close. */
int http_request_body(const struct http_request *r, enum http_body_kind *ret_kind,
		      uint64_t *ret_length);

/* Response body framing per RFC 9112 §6.3, for the method of the request that was forwarded
 * (not for CONNECT, which the proxy never forwards), in this order:
 *   the request was HEAD, or the status is 1xx, 204 or 304 → HTTP_BODY_NONE, whatever the
 *     framing fields say (they are not even validated: RFC 9112 §6.3 items 1 and 2);
 *   Transfer-Encoding present → only in HTTP/1.1, only one such field, never together with
 *     Content-Length (-EINVAL otherwise: smuggling risk), and then, for its coding list:
 *       exactly "chunked" (any case)            → HTTP_BODY_CHUNKED, *ret_length = 0;
 *       codings without "chunked" ("gzip")      → HTTP_BODY_CLOSE, *ret_length = 0;
 *       "chunked" last after others ("gzip, chunked") → -EOPNOTSUPP (the proxy strips TE from
 *         requests, so no server may use such a coding; refused rather than relayed);
 *       "chunked" anywhere but last, or twice ("chunked, gzip") → -EINVAL (RFC 9112 reads
 *         "chunked, gzip" as close-delimited, but peers disagree on it, and no real server
 *         sends it);
 *       an empty list, an empty element, a parameter or a non-token byte → -EINVAL;
 *   Content-Length present → as for requests: a single field, 1-16 digits, no sign, no
 *     leading zero, no list (-EINVAL), at most HTTP_MAX_CONTENT_LENGTH (-EFBIG)
 *     → HTTP_BODY_LENGTH;
 *   neither → HTTP_BODY_CLOSE, *ret_length = 0.
 * Returns 0 or -errno (outputs untouched on error); the proxy answers 502 to any error. */
int http_response_body(const struct http_response *r, bool request_was_head,
		       enum http_body_kind *ret_kind, uint64_t *ret_length);

/* Whether a header field must not be forwarded: Connection, Keep-Alive, Proxy-Connection,
 * Proxy-Authorization, Proxy-Authenticate, TE, Trailer, Upgrade, and every name listed in the
 * request's Connection fields (r may be NULL to check only the fixed list).
 *
 * Deliberate differences from the textbook list, both against smuggling:
 *   - Transfer-Encoding is NOT reported: the relay forwards the chunked framing as is, so the
 *     upstream must see "Transfer-Encoding: chunked" (http_request_body() already refused
 *     every other coding);
 *   - Content-Length, Transfer-Encoding and Host are never hop-by-hop even when "Connection:"
 *     names them, so a client cannot make the proxy strip the framing of a body it forwards.
 * A proxy that rewrites Host (it should: see http_parse_absolute_uri()) drops it itself. */
bool http_header_is_hop_by_hop(const struct http_request *r, struct http_slice name);

/* The same rule over any header array (requests and responses): the fixed list, plus every
 * name listed in a Connection field of headers[0..n_headers) (headers may be NULL when
 * n_headers is 0, to check only the fixed list), never Content-Length, Transfer-Encoding or
 * Host. For a response, keeping Transfer-Encoding and Content-Length means the client sees
 * the same framing fields the proxy used. http_header_is_hop_by_hop() is a wrapper. */
bool http_field_is_hop_by_hop(const struct http_header *headers, size_t n_headers,
			      struct http_slice name);

/* Whether the message asks for the connection to end after it: a Connection field has the
 * option "close" (ASCII case-insensitive, in a comma-separated list, OWS around options).
 * For HTTP/1.0 (any minor_version other than 1), true unless a Connection field has
 * "keep-alive" and none has "close". Proxy-Connection is not looked at. headers may be NULL
 * when n_headers is 0. */
bool http_wants_close(const struct http_header *headers, size_t n_headers, int minor_version);

/* Writes the head to send upstream for an absolute-form request r:
 *   "<METHOD> <path> HTTP/1.<minor>\r\n"
 *   "Host: <authority>\r\n"
 *   every field of r in order, except Host and those http_field_is_hop_by_hop() reports
 *   (Connection, Proxy-Authorization, Proxy-Connection, ...), as "<name>: <value>\r\n"
 *   "\r\n"
 * path is the slice from http_parse_absolute_uri() (it must start with '/' and be visible
 * ASCII without '#'); authority is "host" or "host:port", built by the caller, and must pass the
 * http_parse_authority() rules (with the port optional). No "Connection: close" is added:
 * the framing of the request body (Content-Length, Transfer-Encoding) is kept as sent.
 * Returns the number of bytes written (no NUL is added), or -ENOBUFS when out_size is too
 * small (out is then partly written: its contents are unspecified; nothing is ever written
 * at or past out + out_size), or -EINVAL for arguments the parsers never produce: a NULL r,
 * a NULL out with out_size > 0, a minor version other than 0 or 1, more than HTTP_MAX_HEADERS
 * fields, or a byte the method, a field name or value, the path or the authority may not
 * contain (so nothing can inject a line). HTTP_MAX_FORWARD_HEAD bytes are always enough. */
ssize_t http_build_forward_request(const struct http_request *r, struct http_slice path,
				   struct http_slice authority, char *out, size_t out_size);

/* Writes the response head to send to the client:
 *   "HTTP/1.<minor> <status> <reason>\r\n" (the SP before an empty reason is kept)
 *   every field of r in order except the hop-by-hop ones, as "<name>: <value>\r\n"
 *   "Connection: close\r\n" when add_close
 *   "\r\n"
 * add_close must be true when the proxy will close the client connection after this response:
 * in particular when http_response_body() gave HTTP_BODY_CLOSE, and when http_wants_close()
 * is true for the request or the response (the response's own Connection field is dropped).
 * Returns the number of bytes written, -ENOBUFS or -EINVAL as above. */
ssize_t http_build_forward_response(const struct http_response *r, bool add_close, char *out,
				    size_t out_size);

#define HTTP_CHUNK_LINE_MAX 4096    /* bytes in one chunk-size line, extensions included */
#define HTTP_CHUNK_TRAILERS_MAX 8192 /* bytes of trailer section, final CRLF included */

/* Incremental chunked-body checker for relaying a request or response body verbatim (the
 * grammar, trailers included, is the same in both directions: RFC 9112 §7.1). Zero it with
 * http_chunked_init(); the fields are private. */
struct http_chunked {
	int state;
	uint64_t remaining; /* chunk-data bytes left in the current chunk */
	size_t line_len;    /* bytes of the current chunk-size line */
	size_t trailer_len; /* bytes of the trailer section so far */
	unsigned digits;    /* hex digits of the current chunk-size */
};

void http_chunked_init(struct http_chunked *c);

/* Feeds the next len bytes of the stream (buf may be NULL when len is 0).
 * Returns how many of them belong to the body (chunk framing included, to forward as is),
 * 0 <= n <= len; *ret_done is true when the body ended within them (after the last-chunk, the
 * trailers and the final CRLF): the bytes after it are the next request (for a response: bytes
 * the server sent beyond the body, which the proxy must not relay), and further calls return 0
 * with *ret_done true. Returns -1 on malformed framing: a chunk-size that is not
 * 1-16 hex digits, whitespace around it, a line over HTTP_CHUNK_LINE_MAX, bad bytes in a
 * chunk extension, chunk data not followed by CRLF, a bare CR or LF, a trailer section over
 * HTTP_CHUNK_TRAILERS_MAX or with a malformed or folded field; the state then stays failed.
 * The result does not depend on how the stream is split between calls. */
ssize_t http_chunked_feed(struct http_chunked *c, const char *buf, size_t len, bool *ret_done);
