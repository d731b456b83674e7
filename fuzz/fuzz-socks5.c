/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the SOCKS5 / RFC 1929 parsers. The input is read as a client would send
 * it on one connection: greeting, then request, then a user/password message, each parser taking
 * what the previous one left (and each also run on the whole input). For every result: consumed
 * <= len, pointers stay inside the bytes consumed, the same bytes alone parse the same way, one
 * byte less is INCOMPLETE, and outputs are untouched on failure. libFuzzer's input is an exact
 * heap allocation, so ASan catches any read past len. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "net/socks5-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static bool inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p && p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

/* Result must be INCOMPLETE, BAD or a length in 1..len. */
static size_t check_rc(int rc, size_t len, size_t max)
{
	if (rc == SOCKS5_INCOMPLETE || rc == SOCKS5_BAD)
		return 0;
	CHECK(rc > 0 && (size_t)rc <= len && (size_t)rc <= max);
	return (size_t)rc;
}

static size_t fuzz_greeting(const uint8_t *buf, size_t len)
{
	bool noauth = false, again = true;
	int rc = socks5_parse_greeting(buf, len, &noauth);
	size_t n = check_rc(rc, len, SOCKS5_GREETING_MAX);

	if (!n) {
		CHECK(!noauth); /* untouched */
		return 0;
	}
	CHECK(n == 2u + buf[1]);
	CHECK(socks5_parse_greeting(buf, n, &again) == rc && again == noauth);
	CHECK(socks5_parse_greeting(buf, n - 1, NULL) == SOCKS5_INCOMPLETE);
	CHECK(socks5_greeting_offers(buf, n, SOCKS5_METHOD_NOAUTH) == noauth);
	return n;
}

static size_t fuzz_request(const uint8_t *buf, size_t len)
{
	struct socks5_request r, r2, sentinel;
	int rc;
	size_t n;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	r = sentinel;
	rc = socks5_parse_request(buf, len, &r);
	n = check_rc(rc, len, SOCKS5_REQUEST_MAX);
	if (!n) {
		CHECK(memcmp(&r, &sentinel, sizeof(r)) == 0);
		return 0;
	}
	CHECK(buf[0] == SOCKS5_VERSION && buf[2] == 0 && r.cmd == buf[1] && r.atyp == buf[3]);
	switch (r.atyp) {
	case SOCKS5_ATYP_IPV4:
		CHECK(n == 10 && !r.name && !r.name_len && memcmp(r.addr, buf + 4, 4) == 0);
		break;
	case SOCKS5_ATYP_IPV6:
		CHECK(n == 22 && !r.name && !r.name_len && memcmp(r.addr, buf + 4, 16) == 0);
		break;
	case SOCKS5_ATYP_DOMAIN:
		CHECK(r.name_len <= SOCKS5_NAME_MAX && r.name == buf + 5);
		CHECK(inside(r.name, r.name_len, buf, n) && n == 7 + r.name_len);
		break;
	default:
		CHECK(0);
	}
	CHECK(r.port == (uint16_t)(buf[n - 2] << 8 | buf[n - 1]));
	CHECK(socks5_parse_request(buf, n, &r2) == rc && memcmp(&r, &r2, sizeof(r)) == 0);
	CHECK(socks5_parse_request(buf, n - 1, NULL) == SOCKS5_INCOMPLETE);
	return n;
}

static size_t fuzz_userpass(const uint8_t *buf, size_t len)
{
	struct socks5_userpass u, u2, sentinel;
	int rc;
	size_t n;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	u = sentinel;
	rc = socks5_parse_userpass(buf, len, &u);
	n = check_rc(rc, len, SOCKS5_USERPASS_MAX);
	if (!n) {
		CHECK(memcmp(&u, &sentinel, sizeof(u)) == 0);
		return 0;
	}
	CHECK(inside(u.user, u.user_len, buf, n) && inside(u.pass, u.pass_len, buf, n));
	CHECK(u.user == buf + 2 && u.pass == u.user + u.user_len + 1);
	CHECK(n == 3 + u.user_len + u.pass_len);
	CHECK(socks5_parse_userpass(buf, n, &u2) == rc && memcmp(&u, &u2, sizeof(u)) == 0);
	CHECK(socks5_parse_userpass(buf, n - 1, NULL) == SOCKS5_INCOMPLETE);
	return n;
}

static void fuzz_replies(const uint8_t *buf, size_t len)
{
	uint8_t out[SOCKS5_REPLY_MAX + 1];
	int fam, e = 0;
	size_t n;

	if (len < 20)
		return;
	fam = (buf[0] & 3) == 0 ? AF_INET : (buf[0] & 3) == 1 ? AF_INET6 : AF_UNIX;
	out[SOCKS5_REPLY_MAX] = 0xee;
	n = socks5_build_reply(out, (enum socks5_rep)buf[1], (buf[0] & 4) ? NULL : buf + 4, fam,
			       (uint16_t)(buf[2] << 8 | buf[3]));
	CHECK((n == 10 || n == 22) && out[SOCKS5_REPLY_MAX] == 0xee);
	CHECK(out[0] == 5 && out[1] == buf[1] && out[2] == 0);
	memcpy(&e, buf + 4, sizeof(e));
	CHECK(socks5_rep_for_errno(e) <= SOCKS5_REP_REFUSED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	/* in sequence, as one client stream */
	off += fuzz_greeting(data, size);
	off += fuzz_request(data + off, size - off);
	off += fuzz_userpass(data + off, size - off);
	CHECK(off <= size);

	/* and each parser on the whole input */
	fuzz_request(data, size);
	fuzz_userpass(data, size);
	fuzz_replies(data, size);
	return 0;
}
