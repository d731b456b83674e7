/* SPDX-License-Identifier: Apache-2.0 */
/* SOCKS5 / RFC 1929 wire parsing. Every input is parsed at every prefix length from the end of a
 * readable page followed by a PROT_NONE page (picohttpparser's guard-page trick), so a single
 * byte of over-read faults instead of passing silently. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/socks5-parse.h"
#include "tap.h"

static uint8_t *guard_page;
static size_t page_size;

static int guard_setup(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	void *p;

	if (ps <= 0)
		return -EINVAL;
	page_size = (size_t)ps;
	p = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (mprotect((uint8_t *)p + page_size, page_size, PROT_NONE) < 0)
		return -errno;
	guard_page = p;
	return 0;
}

/* Copies len bytes so that the last one sits just before the PROT_NONE page. */
static const uint8_t *at_guard(const uint8_t *src, size_t len)
{
	uint8_t *dst = guard_page + page_size - len;

	if (len)
		memcpy(dst, src, len);
	return dst;
}

/* One signature for all three parsers, for the prefix sweeps. */
typedef int (*parse_fn)(const uint8_t *buf, size_t len);

static int greeting(const uint8_t *buf, size_t len)
{
	bool noauth;
	return socks5_parse_greeting(buf, len, &noauth);
}

static int request(const uint8_t *buf, size_t len)
{
	struct socks5_request r;
	return socks5_parse_request(buf, len, &r);
}

static int userpass(const uint8_t *buf, size_t len)
{
	struct socks5_userpass u;
	return socks5_parse_userpass(buf, len, &u);
}

/* A valid message of n bytes: every shorter prefix is INCOMPLETE, the whole is consumed, and
 * pipelined bytes after it are not. */
static void check_valid(const char *what, parse_fn fn, const uint8_t *in, size_t n)
{
	uint8_t more[SOCKS5_USERPASS_MAX + 8];
	size_t k, bad_k = SIZE_MAX;
	int r, bad_r = 0;

	for (k = 0; k < n; k++) {
		r = fn(at_guard(in, k), k);
		if (r != SOCKS5_INCOMPLETE && bad_k == SIZE_MAX) {
			bad_k = k;
			bad_r = r;
		}
	}
	if (!ok(bad_k == SIZE_MAX, "%s: every prefix shorter than %zu is INCOMPLETE", what, n))
		printf("#   prefix %zu gave %d\n", bad_k, bad_r);
	is_int(fn(at_guard(in, n), n), (long long)n, "%s: consumes all %zu bytes", what, n);

	memcpy(more, in, n);
	memcpy(more + n, "\x05\x01\x00\x01\xff\xff\xff", 7);
	is_int(fn(at_guard(more, n + 7), n + 7), (long long)n,
	       "%s: pipelined bytes after it are not consumed", what);
}

/* An invalid message whose first offending byte is at index bad_at: prefixes that do not reach
 * it are INCOMPLETE, every prefix that does is BAD. */
static void check_bad(const char *what, parse_fn fn, const uint8_t *in, size_t n, size_t bad_at)
{
	size_t k, wrong_k = SIZE_MAX;
	int r, wrong_r = 0;

	for (k = 0; k <= n; k++) {
		int want = k <= bad_at ? SOCKS5_INCOMPLETE : SOCKS5_BAD;
		r = fn(at_guard(in, k), k);
		if (r != want && wrong_k == SIZE_MAX) {
			wrong_k = k;
			wrong_r = r;
		}
	}
	if (!ok(wrong_k == SIZE_MAX, "%s: BAD from byte %zu on, INCOMPLETE before", what, bad_at))
		printf("#   prefix %zu gave %d\n", wrong_k, wrong_r);
}

static void test_greeting(void)
{
	static const uint8_t noauth[] = {0x05, 0x01, 0x00};
	static const uint8_t userpass_only[] = {0x05, 0x01, 0x02};
	static const uint8_t both[] = {0x05, 0x02, 0x02, 0x00};
	static const uint8_t nmethods0[] = {0x05, 0x00};
	static const uint8_t socks4[] = {0x04, 0x01, 0x00, 0x50, 0x7f, 0x00, 0x00, 0x01, 0x00};
	uint8_t all[2 + 255];
	const uint8_t *b;
	bool na;
	int i;

	check_valid("greeting 05 01 00", greeting, noauth, sizeof(noauth));
	na = false;
	b = at_guard(noauth, sizeof(noauth));
	is_int(socks5_parse_greeting(b, sizeof(noauth), &na), 3, "greeting 05 01 00 parses");
	ok(na, "greeting 05 01 00 offers no-auth");
	ok(!socks5_greeting_offers(b, sizeof(noauth), SOCKS5_METHOD_USERPASS),
	   "greeting 05 01 00 does not offer user/pass");

	check_valid("greeting 05 01 02", greeting, userpass_only, sizeof(userpass_only));
	na = true;
	b = at_guard(userpass_only, sizeof(userpass_only));
	is_int(socks5_parse_greeting(b, sizeof(userpass_only), &na), 3, "greeting 05 01 02 parses");
	ok(!na, "greeting 05 01 02 does not offer no-auth");
	ok(socks5_greeting_offers(b, sizeof(userpass_only), SOCKS5_METHOD_USERPASS),
	   "greeting 05 01 02 offers user/pass");

	check_valid("greeting 05 02 02 00", greeting, both, sizeof(both));
	na = false;
	b = at_guard(both, sizeof(both));
	is_int(socks5_parse_greeting(b, sizeof(both), &na), 4, "greeting 05 02 02 00 parses");
	ok(na && socks5_greeting_offers(b, sizeof(both), SOCKS5_METHOD_USERPASS),
	   "greeting 05 02 02 00 offers both methods");
	ok(socks5_parse_greeting(b, sizeof(both), NULL) == 4, "ret_noauth_offered may be NULL");

	/* 255 methods, none of them 0x00 */
	all[0] = 0x05;
	all[1] = 0xff;
	for (i = 0; i < 255; i++)
		all[2 + i] = (uint8_t)(i + 1);
	check_valid("greeting with 255 methods", greeting, all, sizeof(all));
	na = true;
	is_int(socks5_parse_greeting(at_guard(all, sizeof(all)), sizeof(all), &na), 257,
	       "greeting with 255 methods consumes 257 bytes");
	ok(!na, "255 methods without 0x00 do not offer no-auth");
	all[2 + 254] = 0x00; /* the last method is no-auth */
	na = false;
	socks5_parse_greeting(at_guard(all, sizeof(all)), sizeof(all), &na);
	ok(na, "no-auth found as the 255th method");

	check_bad("greeting NMETHODS 0", greeting, nmethods0, sizeof(nmethods0), 1);
	check_bad("greeting VER 4 (SOCKS4)", greeting, socks4, sizeof(socks4), 0);
	na = true;
	socks5_parse_greeting(at_guard(nmethods0, 2), 2, &na);
	ok(na, "a BAD greeting leaves *ret_noauth_offered untouched");
	ok(!socks5_greeting_offers(at_guard(noauth, 2), 2, SOCKS5_METHOD_NOAUTH),
	   "greeting_offers is false for an incomplete greeting");
	ok(!socks5_greeting_offers(at_guard(socks4, 3), 3, SOCKS5_METHOD_NOAUTH),
	   "greeting_offers is false for a bad greeting");
}

/* Parses in at the guard and checks it is a complete request; returns the parsed copy. */
static const uint8_t *parse_at_guard(const uint8_t *in, size_t n, struct socks5_request *r,
				     const char *what)
{
	const uint8_t *b = at_guard(in, n);
	is_int(socks5_parse_request(b, n, r), (long long)n, "%s parses", what);
	return b;
}

static void test_request_ip(void)
{
	static const uint8_t v4[] = {0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50};
	static const uint8_t v6[] = {0x05, 0x01, 0x00, 0x04, /* VER CMD RSV ATYP */
				     0,	   0,	 0,    0,    0, 0, 0, 0,
				     0,	   0,	 0,    0,    0, 0, 0, 1, /* ::1 */
				     0x01, 0xbb /* port 443 */};
	static const uint8_t v6_addr[16] = {[15] = 1};
	static const uint8_t v4_addr[4] = {127, 0, 0, 1};
	struct socks5_request r;

	check_valid("request CONNECT IPv4", request, v4, sizeof(v4));
	parse_at_guard(v4, sizeof(v4), &r, "request CONNECT 127.0.0.1:80");
	ok(r.cmd == SOCKS5_CMD_CONNECT && r.atyp == SOCKS5_ATYP_IPV4, "IPv4: cmd and atyp");
	ok(memcmp(r.addr, v4_addr, 4) == 0, "IPv4: address 127.0.0.1");
	is_int(r.port, 80, "IPv4: port in host order");
	ok(r.name == NULL && r.name_len == 0, "IPv4: no name");

	check_valid("request CONNECT IPv6", request, v6, sizeof(v6));
	parse_at_guard(v6, sizeof(v6), &r, "request CONNECT [::1]:443");
	ok(r.cmd == SOCKS5_CMD_CONNECT && r.atyp == SOCKS5_ATYP_IPV6, "IPv6: cmd and atyp");
	ok(memcmp(r.addr, v6_addr, 16) == 0, "IPv6: address ::1");
	is_int(r.port, 443, "IPv6: port in host order");
	ok(r.name == NULL && r.name_len == 0, "IPv6: no name");
}

/* A DOMAIN request for name (len bytes) and port 0xABCD. */
static size_t make_domain(uint8_t *out, uint8_t cmd, const uint8_t *name, size_t len)
{
	size_t n = 0;

	out[n++] = 0x05;
	out[n++] = cmd;
	out[n++] = 0x00;
	out[n++] = SOCKS5_ATYP_DOMAIN;
	out[n++] = (uint8_t)len;
	memcpy(out + n, name, len);
	n += len;
	out[n++] = 0xab;
	out[n++] = 0xcd;
	return n;
}

static void check_domain(const char *what, const uint8_t *name, size_t len)
{
	uint8_t in[SOCKS5_REQUEST_MAX];
	struct socks5_request r;
	const uint8_t *b;
	size_t n = make_domain(in, SOCKS5_CMD_CONNECT, name, len);

	check_valid(what, request, in, n);
	b = parse_at_guard(in, n, &r, what);
	ok(r.atyp == SOCKS5_ATYP_DOMAIN && r.cmd == SOCKS5_CMD_CONNECT, "%s: cmd and atyp", what);
	is_int(r.name_len, (long long)len, "%s: name_len", what);
	ok(r.name == b + 5, "%s: name points into the buffer, after the length byte", what);
	ok(r.name + r.name_len <= b + n, "%s: name ends inside the buffer", what);
	ok(len == 0 || memcmp(r.name, name, len) == 0, "%s: name bytes as received", what);
	is_int(r.port, 0xabcd, "%s: port", what);
}

static void test_request_domain(void)
{
	static const char nul_name[] = "localhost\0.example.com";
	uint8_t name[255];
	uint8_t in[SOCKS5_REQUEST_MAX];
	struct socks5_request r;
	size_t i, n;

	check_domain("DOMAIN length 0", (const uint8_t *)"", 0);
	check_domain("DOMAIN length 1", (const uint8_t *)"a", 1);
	check_domain("DOMAIN example.com", (const uint8_t *)"example.com", 11);
	for (i = 0; i < sizeof(name); i++)
		name[i] = (uint8_t)('a' + i % 26);
	check_domain("DOMAIN length 255", name, sizeof(name));
	for (i = 0; i < sizeof(name); i++)
		name[i] = (uint8_t)(255 - i);
	check_domain("DOMAIN length 255, every byte value but 0", name, sizeof(name));

	/* The reference's NUL-byte bypass: the parser returns the name with its NUL, and its full
	 * length; rejecting it is the caller's job (a C-string view would be just "localhost"). */
	check_domain("DOMAIN localhost\\0.example.com", (const uint8_t *)nul_name,
		     sizeof(nul_name) - 1);
	n = make_domain(in, SOCKS5_CMD_CONNECT, (const uint8_t *)nul_name, sizeof(nul_name) - 1);
	socks5_parse_request(at_guard(in, n), n, &r);
	is_int(r.name_len, 22, "NUL name: name_len covers the NUL and what follows it");
	ok(memchr(r.name, '\0', r.name_len) == r.name + 9, "NUL name: the NUL is at index 9");
	ok(strnlen((const char *)r.name, r.name_len) == 9,
	   "NUL name: as a C string it would read 'localhost' (why the caller must reject it)");
}

static void test_request_cmds(void)
{
	uint8_t in[SOCKS5_REQUEST_MAX];
	struct socks5_request r;
	size_t n;

	n = make_domain(in, SOCKS5_CMD_BIND, (const uint8_t *)"example.com", 11);
	check_valid("request BIND", request, in, n);
	parse_at_guard(in, n, &r, "request BIND");
	is_int(r.cmd, SOCKS5_CMD_BIND, "BIND is returned with its cmd (caller answers 07)");

	n = make_domain(in, SOCKS5_CMD_UDP_ASSOCIATE, (const uint8_t *)"example.com", 11);
	check_valid("request UDP ASSOCIATE", request, in, n);
	parse_at_guard(in, n, &r, "request UDP ASSOCIATE");
	is_int(r.cmd, SOCKS5_CMD_UDP_ASSOCIATE, "UDP ASSOCIATE is returned with its cmd");

	n = make_domain(in, 0x00, (const uint8_t *)"x", 1);
	parse_at_guard(in, n, &r, "request CMD 0x00");
	is_int(r.cmd, 0x00, "CMD 0x00 is returned as received");
	n = make_domain(in, 0xff, (const uint8_t *)"x", 1);
	parse_at_guard(in, n, &r, "request CMD 0xff");
	is_int(r.cmd, 0xff, "CMD 0xff is returned as received");
}

static void test_request_bad(void)
{
	static const uint8_t ver4[] = {0x04, 0x01, 0x00, 0x01, 1, 2, 3, 4, 0, 80};
	static const uint8_t rsv1[] = {0x05, 0x01, 0x01, 0x01, 1, 2, 3, 4, 0, 80};
	static const uint8_t rsvff[] = {0x05, 0x01, 0xff, 0x03, 1, 'a', 0, 80};
	uint8_t bad_atyp[] = {0x05, 0x01, 0x00, 0x00, 1, 2, 3, 4, 0, 80};
	static const uint8_t atyps[] = {0, 2, 5, 6, 0x7f, 0x80, 0xff};
	struct socks5_request r, sentinel;
	size_t i;
	int bad = 0;

	check_bad("request VER 4", request, ver4, sizeof(ver4), 0);
	check_bad("request RSV 1", request, rsv1, sizeof(rsv1), 2);
	check_bad("request RSV 0xff", request, rsvff, sizeof(rsvff), 2);
	for (i = 0; i < sizeof(atyps); i++) {
		bad_atyp[3] = atyps[i];
		check_bad("request unknown ATYP", request, bad_atyp, sizeof(bad_atyp), 3);
	}
	/* Every ATYP value other than 1, 3, 4 is BAD on a full-size buffer. */
	for (i = 0; i < 256; i++) {
		uint8_t in[SOCKS5_REQUEST_MAX];
		memset(in, 0, sizeof(in));
		in[0] = 0x05;
		in[1] = 0x01;
		in[3] = (uint8_t)i;
		if (i == 1 || i == 3 || i == 4)
			continue;
		if (socks5_parse_request(at_guard(in, sizeof(in)), sizeof(in), &r) != SOCKS5_BAD)
			bad++;
	}
	is_int(bad, 0, "all 253 unknown ATYP values are BAD");

	memset(&sentinel, 0xa5, sizeof(sentinel));
	r = sentinel;
	socks5_parse_request(at_guard(rsv1, sizeof(rsv1)), sizeof(rsv1), &r);
	ok(memcmp(&r, &sentinel, sizeof(r)) == 0, "a BAD request leaves *ret untouched");
	socks5_parse_request(at_guard(ver4, 0), 0, &r);
	socks5_parse_request(at_guard(rsvff, 6), 6, &r);
	ok(memcmp(&r, &sentinel, sizeof(r)) == 0, "an INCOMPLETE request leaves *ret untouched");
}

/* Any single byte value at any position of a DOMAIN request, every prefix length: the result
 * is INCOMPLETE, BAD or a length within the input, and a name stays inside it. */
static void test_request_mutations(void)
{
	uint8_t base[SOCKS5_REQUEST_MAX], in[SOCKS5_REQUEST_MAX];
	size_t n = make_domain(base, SOCKS5_CMD_CONNECT, (const uint8_t *)"a.example", 9);
	size_t pos, k;
	unsigned v;
	int wrong = 0, runs = 0;

	for (pos = 0; pos < n; pos++) {
		for (v = 0; v < 256; v++) {
			memcpy(in, base, n);
			in[pos] = (uint8_t)v;
			for (k = 0; k <= n; k++) {
				struct socks5_request r;
				const uint8_t *b = at_guard(in, k);
				int rc = socks5_parse_request(b, k, &r);

				runs++;
				if (rc == SOCKS5_INCOMPLETE || rc == SOCKS5_BAD)
					continue;
				if (rc <= 0 || (size_t)rc > k)
					wrong++;
				else if (r.atyp == SOCKS5_ATYP_DOMAIN &&
					 (r.name < b || r.name + r.name_len > b + rc))
					wrong++;
			}
		}
	}
	ok(wrong == 0, "%d mutated request prefixes: consumed <= len, names inside", runs);
}

static void test_userpass(void)
{
	static const uint8_t up[] = {0x01, 0x03, 's', 'r', 't', 0x05, 't', 'o', 'k', 'e', 'n'};
	static const uint8_t empty[] = {0x01, 0x00, 0x00};
	static const uint8_t ver5[] = {0x05, 0x01, 'u', 0x01, 'p'};
	static const uint8_t nul[] = {0x01, 0x02, 'a', 0x00, 0x02, 0x00, 'b'};
	uint8_t max[SOCKS5_USERPASS_MAX];
	struct socks5_userpass u, sentinel;
	const uint8_t *b;

	check_valid("userpass srt/token", userpass, up, sizeof(up));
	b = at_guard(up, sizeof(up));
	is_int(socks5_parse_userpass(b, sizeof(up), &u), 11, "userpass srt/token parses");
	ok(u.user == b + 2 && u.user_len == 3 && memcmp(u.user, "srt", 3) == 0, "user 'srt'");
	ok(u.pass == b + 6 && u.pass_len == 5 && memcmp(u.pass, "token", 5) == 0, "pass 'token'");

	check_valid("userpass empty user and password", userpass, empty, sizeof(empty));
	b = at_guard(empty, sizeof(empty));
	socks5_parse_userpass(b, sizeof(empty), &u);
	ok(u.user_len == 0 && u.pass_len == 0 && u.user == b + 2 && u.pass == b + 3,
	   "empty fields returned with length 0 (the caller rejects them)");

	check_valid("userpass with NUL bytes", userpass, nul, sizeof(nul));
	b = at_guard(nul, sizeof(nul));
	socks5_parse_userpass(b, sizeof(nul), &u);
	ok(u.user_len == 2 && u.pass_len == 2 && u.pass[0] == 0,
	   "NUL bytes are kept inside the fields");

	max[0] = 0x01;
	max[1] = 0xff;
	memset(max + 2, 'u', 255);
	max[2 + 255] = 0xff;
	memset(max + 3 + 255, 'p', 255);
	check_valid("userpass 255/255", userpass, max, sizeof(max));
	b = at_guard(max, sizeof(max));
	socks5_parse_userpass(b, sizeof(max), &u);
	ok(u.user_len == 255 && u.pass_len == 255 && u.pass + 255 == b + sizeof(max),
	   "255-byte user and password end exactly at the buffer end");

	check_bad("userpass VER 5", userpass, ver5, sizeof(ver5), 0);
	memset(&sentinel, 0xa5, sizeof(sentinel));
	u = sentinel;
	socks5_parse_userpass(at_guard(up, 8), 8, &u);
	socks5_parse_userpass(at_guard(ver5, sizeof(ver5)), sizeof(ver5), &u);
	ok(memcmp(&u, &sentinel, sizeof(u)) == 0, "INCOMPLETE and BAD leave *ret untouched");
}

static void test_replies(void)
{
	static const uint8_t deny[] = {0x05, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
	static const uint8_t success[] = {0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
	static const uint8_t cmd_ns[] = {0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
	static const uint8_t v4_want[] = {0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x1f, 0x90};
	static const uint8_t v4[4] = {10, 0, 0, 1};
	uint8_t v6[16], v6_want[22], out[SOCKS5_REPLY_MAX + 1];
	size_t n, i;

	n = socks5_build_reply(out, SOCKS5_REP_NOT_ALLOWED, NULL, 0, 0);
	ok(n == sizeof(deny) && memcmp(out, deny, n) == 0, "deny reply is 05 02 00 01 00*6");
	n = socks5_build_reply(out, SOCKS5_REP_OK, NULL, 0, 0);
	ok(n == sizeof(success) && memcmp(out, success, n) == 0,
	   "success reply is 05 00 00 01 00*6");
	n = socks5_build_reply(out, SOCKS5_REP_CMD_NOT_SUPPORTED, NULL, AF_INET, 1080);
	ok(n == sizeof(cmd_ns) && memcmp(out, cmd_ns, n) == 0,
	   "NULL address gives 0.0.0.0:0 whatever the port");
	n = socks5_build_reply(out, SOCKS5_REP_OK, v4, AF_INET, 8080);
	ok(n == sizeof(v4_want) && memcmp(out, v4_want, n) == 0, "IPv4 reply 10.0.0.1:8080");

	for (i = 0; i < 16; i++)
		v6[i] = (uint8_t)(0x20 + i);
	memcpy(v6_want, "\x05\x04\x00\x04", 4);
	memcpy(v6_want + 4, v6, 16);
	v6_want[20] = 0x01;
	v6_want[21] = 0xbb;
	memset(out, 0xee, sizeof(out));
	n = socks5_build_reply(out, SOCKS5_REP_HOST_UNREACHABLE, v6, AF_INET6, 443);
	ok(n == 22 && memcmp(out, v6_want, n) == 0, "IPv6 reply is 22 bytes, byte-exact");
	is_int(out[22], 0xee, "IPv6 reply writes nothing past 22 bytes");
	n = socks5_build_reply(out, SOCKS5_REP_FAILURE, v6, AF_UNIX, 443);
	ok(n == 10 && out[3] == 0x01 && out[8] == 0 && out[9] == 0,
	   "unknown family gives 0.0.0.0:0");

	n = socks5_build_method_reply(out, SOCKS5_METHOD_NOAUTH);
	ok(n == 2 && out[0] == 0x05 && out[1] == 0x00, "method reply 05 00");
	n = socks5_build_method_reply(out, SOCKS5_METHOD_NONE_ACCEPTABLE);
	ok(n == 2 && out[0] == 0x05 && out[1] == 0xff, "method reply 05 ff");
	n = socks5_build_userpass_reply(out, true);
	ok(n == 2 && out[0] == 0x01 && out[1] == 0x00, "userpass reply 01 00");
	n = socks5_build_userpass_reply(out, false);
	ok(n == 2 && out[0] == 0x01 && out[1] == 0x01, "userpass reply 01 01");
}

static void test_errno_mapping(void)
{
	is_int(socks5_rep_for_errno(ENETUNREACH), 3, "ENETUNREACH -> 03");
	is_int(socks5_rep_for_errno(EHOSTUNREACH), 4, "EHOSTUNREACH -> 04");
	is_int(socks5_rep_for_errno(ETIMEDOUT), 4, "ETIMEDOUT -> 04");
	is_int(socks5_rep_for_errno(EADDRNOTAVAIL), 4, "EADDRNOTAVAIL -> 04");
	is_int(socks5_rep_for_errno(ENOENT), 4, "ENOENT -> 04");
	is_int(socks5_rep_for_errno(EINVAL), 4, "EINVAL -> 04");
	is_int(socks5_rep_for_errno(ECONNREFUSED), 5, "ECONNREFUSED -> 05");
	is_int(socks5_rep_for_errno(-ECONNREFUSED), 5, "-ECONNREFUSED -> 05 (either sign)");
	is_int(socks5_rep_for_errno(-ENETUNREACH), 3, "-ENETUNREACH -> 03");
	is_int(socks5_rep_for_errno(EACCES), 1, "EACCES -> 01");
	is_int(socks5_rep_for_errno(EPERM), 1, "EPERM -> 01");
	is_int(socks5_rep_for_errno(ECONNRESET), 1, "ECONNRESET -> 01");
	is_int(socks5_rep_for_errno(0), 1, "0 -> 01");
	is_int(socks5_rep_for_errno(INT_MIN), 1, "INT_MIN -> 01");
}

int main(void)
{
	int r = guard_setup();

	if (r < 0) {
		printf("1..0 # SKIP cannot map a guard page: %s\n", strerror(-r));
		return 77;
	}
	test_greeting();
	test_request_ip();
	test_request_domain();
	test_request_cmds();
	test_request_bad();
	test_request_mutations();
	test_userpass();
	test_replies();
	test_errno_mapping();
	return tap_exit();
}
