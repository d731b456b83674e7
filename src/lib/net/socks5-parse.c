/* SPDX-License-Identifier: Apache-2.0 */
/* SOCKS5 (RFC 1928) and username/password (RFC 1929) wire parsing: pure, zero-allocation, every
 * read checked against len before it happens. See socks5-parse.h for the contract. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "socks5-parse.h"

/* Offsets in the fixed request head: VER CMD RSV ATYP */
#define REQ_VER 0
#define REQ_CMD 1
#define REQ_RSV 2
#define REQ_ATYP 3
#define REQ_HEAD 4

static uint16_t get_be16(const uint8_t *p) { return (uint16_t)((unsigned)p[0] << 8 | p[1]); }

int socks5_parse_greeting(const uint8_t *buf, size_t len, bool *ret_noauth_offered)
{
	size_t nmethods;

	if (len < 1)
		return SOCKS5_INCOMPLETE;
	if (buf[0] != SOCKS5_VERSION)
		return SOCKS5_BAD;
	if (len < 2)
		return SOCKS5_INCOMPLETE;
	nmethods = buf[1];
	if (nmethods == 0)
		return SOCKS5_BAD;
	if (len - 2 < nmethods)
		return SOCKS5_INCOMPLETE;

	if (ret_noauth_offered)
		*ret_noauth_offered = memchr(buf + 2, SOCKS5_METHOD_NOAUTH, nmethods) != NULL;
	return (int)(2 + nmethods);
}

bool socks5_greeting_offers(const uint8_t *buf, size_t len, uint8_t method)
{
	int n = socks5_parse_greeting(buf, len, NULL);

	if (n < 0)
		return false;
	return memchr(buf + 2, method, (size_t)n - 2) != NULL;
}

int socks5_parse_request(const uint8_t *buf, size_t len, struct socks5_request *ret)
{
	struct socks5_request r;
	size_t off = REQ_HEAD, addr_len;

	/* Judge each head byte as soon as it is there. */
	if (len <= REQ_VER)
		return SOCKS5_INCOMPLETE;
	if (buf[REQ_VER] != SOCKS5_VERSION)
		return SOCKS5_BAD;
	if (len <= REQ_RSV)
		return SOCKS5_INCOMPLETE;
	if (buf[REQ_RSV] != 0)
		return SOCKS5_BAD;
	if (len <= REQ_ATYP)
		return SOCKS5_INCOMPLETE;

	memset(&r, 0, sizeof(r));
	r.cmd = buf[REQ_CMD];
	r.atyp = buf[REQ_ATYP];
	switch (r.atyp) {
	case SOCKS5_ATYP_IPV4:
		addr_len = 4;
		break;
	case SOCKS5_ATYP_IPV6:
		addr_len = 16;
		break;
	case SOCKS5_ATYP_DOMAIN:
		if (len <= off)
			return SOCKS5_INCOMPLETE;
		addr_len = buf[off++]; /* 0..255 by construction */
		break;
	default:
		return SOCKS5_BAD;
	}

	/* len >= off here, so the subtraction cannot wrap. */
	if (len - off < addr_len + 2)
		return SOCKS5_INCOMPLETE;

	if (r.atyp == SOCKS5_ATYP_DOMAIN) {
		r.name = buf + off;
		r.name_len = addr_len;
	} else {
		memcpy(r.addr, buf + off, addr_len);
	}
	off += addr_len;
	r.port = get_be16(buf + off);
	off += 2;

	if (ret)
		*ret = r;
	return (int)off; /* <= SOCKS5_REQUEST_MAX */
}

int socks5_parse_userpass(const uint8_t *buf, size_t len, struct socks5_userpass *ret)
{
	struct socks5_userpass u;
	size_t off = 1;

	if (len < 1)
		return SOCKS5_INCOMPLETE;
	if (buf[0] != SOCKS5_USERPASS_VERSION)
		return SOCKS5_BAD;

	if (len <= off)
		return SOCKS5_INCOMPLETE;
	u.user_len = buf[off++];
	if (len - off < u.user_len)
		return SOCKS5_INCOMPLETE;
	u.user = buf + off;
	off += u.user_len;

	if (len <= off)
		return SOCKS5_INCOMPLETE;
	u.pass_len = buf[off++];
	if (len - off < u.pass_len)
		return SOCKS5_INCOMPLETE;
	u.pass = buf + off;
	off += u.pass_len;

	if (ret)
		*ret = u;
	return (int)off; /* <= SOCKS5_USERPASS_MAX */
}

size_t socks5_build_reply(uint8_t *out, enum socks5_rep rep, const uint8_t *bnd_addr,
			  int bnd_family, uint16_t bnd_port)
{
	size_t n = 0;

	out[n++] = SOCKS5_VERSION;
	out[n++] = (uint8_t)rep;
	out[n++] = 0; /* RSV */
	if (bnd_addr && bnd_family == AF_INET6) {
		out[n++] = SOCKS5_ATYP_IPV6;
		memcpy(out + n, bnd_addr, 16);
		n += 16;
	} else if (bnd_addr && bnd_family == AF_INET) {
		out[n++] = SOCKS5_ATYP_IPV4;
		memcpy(out + n, bnd_addr, 4);
		n += 4;
	} else {
		out[n++] = SOCKS5_ATYP_IPV4;
		memset(out + n, 0, 4);
		n += 4;
		bnd_port = 0;
	}
	out[n++] = (uint8_t)(bnd_port >> 8);
	out[n++] = (uint8_t)(bnd_port & 0xff);
	return n;
}

size_t socks5_build_method_reply(uint8_t *out, uint8_t method)
{
	out[0] = SOCKS5_VERSION;
	out[1] = method;
	return 2;
}

size_t socks5_build_userpass_reply(uint8_t *out, bool success)
{
	out[0] = SOCKS5_USERPASS_VERSION;
	out[1] = success ? 0x00 : 0x01;
	return 2;
}

enum socks5_rep socks5_rep_for_errno(int e)
{
	if (e < 0 && e != INT_MIN)
		e = -e;

	switch (e) {
	case ENETUNREACH:
		return SOCKS5_REP_NET_UNREACHABLE;
	case EHOSTUNREACH:
	case ETIMEDOUT:
	case EADDRNOTAVAIL:
	case ENOENT:
	case EINVAL:
		return SOCKS5_REP_HOST_UNREACHABLE;
	case ECONNREFUSED:
		return SOCKS5_REP_REFUSED;
	default:
		return SOCKS5_REP_FAILURE;
	}
}
