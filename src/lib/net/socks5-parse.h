/* SPDX-License-Identifier: Apache-2.0 */
/* SOCKS5 wire format (RFC 1928) and its username/password sub-negotiation (RFC 1929).
 *
 * Pure and allocation-free: every parser reads client bytes from a caller buffer, never past
 * len, and either consumes one whole message (returns its length, > 0), asks for more bytes
 * (SOCKS5_INCOMPLETE) or rejects the framing (SOCKS5_BAD). A bad byte is reported as soon as it
 * has arrived, so a hostile client cannot park a connection on garbage. Bytes after the message
 * (pipelined data) are never consumed. Outputs are written only on success.
 *
 * The parsers judge framing only. Policy is the caller's: it must reject CMD values other than
 * CONNECT (reply SOCKS5_REP_CMD_NOT_SUPPORTED), empty domain names, and names holding bytes a
 * hostname cannot hold (e.g. NUL: "localhost\0.example.com" is returned with its full length of
 * 22, and treating it as a C string would match "*.example.com" yet dial localhost). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SOCKS5_INCOMPLETE = -2, SOCKS5_BAD = -1 };

#define SOCKS5_VERSION 0x05
#define SOCKS5_USERPASS_VERSION 0x01 /* RFC 1929 sub-negotiation version */

/* Authentication methods (RFC 1928 §3) */
#define SOCKS5_METHOD_NOAUTH 0x00
#define SOCKS5_METHOD_USERPASS 0x02
#define SOCKS5_METHOD_NONE_ACCEPTABLE 0xff

/* Hard size limits of the wire format, for callers sizing their receive buffers. */
#define SOCKS5_NAME_MAX 255			    /* DOMAINNAME length is one byte */
#define SOCKS5_GREETING_MAX (2 + 255)		    /* VER NMETHODS METHODS[255] */
#define SOCKS5_REQUEST_MAX (4 + 1 + 255 + 2)	    /* head, name length, name, port */
#define SOCKS5_USERPASS_MAX (1 + 1 + 255 + 1 + 255) /* VER ULEN UNAME PLEN PASSWD */
#define SOCKS5_REPLY_MAX (4 + 16 + 2)		    /* head, IPv6 BND.ADDR, BND.PORT */

/* Greeting: VER=5 NMETHODS(1..255) METHODS. Returns bytes consumed (> 0) and whether method 0x00
 * (no authentication) was offered (ret_noauth_offered may be NULL), or INCOMPLETE, or BAD
 * (VER != 5, NMETHODS == 0). */
int socks5_parse_greeting(const uint8_t *buf, size_t len, bool *ret_noauth_offered);

/* Whether the complete greeting at buf (len bytes, as consumed by socks5_parse_greeting) offers
 * the given method; false for anything that is not a complete, valid greeting. */
bool socks5_greeting_offers(const uint8_t *buf, size_t len, uint8_t method);

enum socks5_cmd { SOCKS5_CMD_CONNECT = 1, SOCKS5_CMD_BIND = 2, SOCKS5_CMD_UDP_ASSOCIATE = 3 };
enum socks5_atyp { SOCKS5_ATYP_IPV4 = 1, SOCKS5_ATYP_DOMAIN = 3, SOCKS5_ATYP_IPV6 = 4 };

struct socks5_request {
	uint8_t cmd;	     /* as received (1, 2, 3 or other) */
	uint8_t atyp;	     /* one of enum socks5_atyp */
	uint8_t addr[16];    /* IPV4: 4 bytes, IPV6: 16; zero otherwise */
	const uint8_t *name; /* DOMAIN: points into buf, NOT NUL-terminated, may contain any byte;
			      * NULL for IPV4/IPV6 */
	size_t name_len;     /* 0..255 as received (0 is returned, the caller rejects it) */
	uint16_t port;	     /* host order */
};

/* Request: VER=5 CMD RSV=0 ATYP DST.ADDR DST.PORT. Returns bytes consumed, INCOMPLETE, or BAD
 * (VER != 5, RSV != 0, unknown ATYP). Unknown CMD values are returned as they are (the caller
 * answers 0x07). Never reads past len. */
int socks5_parse_request(const uint8_t *buf, size_t len, struct socks5_request *ret);

/* RFC 1929 username/password request. Both fields point into buf, are NOT NUL-terminated and may
 * hold any byte; lengths are returned as received, 0 included (RFC 1929 says 1..255: the caller
 * decides, and compares the token in constant time). */
struct socks5_userpass {
	const uint8_t *user;
	size_t user_len;
	const uint8_t *pass;
	size_t pass_len;
};

/* Username/password: VER=1 ULEN UNAME PLEN PASSWD. Returns bytes consumed, INCOMPLETE, or BAD
 * (VER != 1). */
int socks5_parse_userpass(const uint8_t *buf, size_t len, struct socks5_userpass *ret);

/* Reply codes (RFC 1928 §6) */
enum socks5_rep {
	SOCKS5_REP_OK = 0,
	SOCKS5_REP_FAILURE = 1,
	SOCKS5_REP_NOT_ALLOWED = 2,
	SOCKS5_REP_NET_UNREACHABLE = 3,
	SOCKS5_REP_HOST_UNREACHABLE = 4,
	SOCKS5_REP_REFUSED = 5,
	SOCKS5_REP_TTL_EXPIRED = 6,
	SOCKS5_REP_CMD_NOT_SUPPORTED = 7,
	SOCKS5_REP_ATYP_NOT_SUPPORTED = 8,
};

/* Writes a reply (VER REP RSV ATYP BND.ADDR BND.PORT) into out (>= SOCKS5_REPLY_MAX = 22 bytes):
 * bound address given as IPv4 (AF_INET, 4 bytes) or IPv6 (AF_INET6, 16 bytes). A NULL bnd_addr,
 * or any other family, gives 0.0.0.0:0 whatever bnd_port says, as the reference. Returns its
 * length (10 or 22). */
size_t socks5_build_reply(uint8_t *out, enum socks5_rep rep, const uint8_t *bnd_addr,
			  int bnd_family, uint16_t bnd_port);

/* Writes the method selection reply "05 <method>" into out (>= 2 bytes). Returns 2. */
size_t socks5_build_method_reply(uint8_t *out, uint8_t method);

/* Writes the RFC 1929 status reply "01 00" (success) or "01 01" into out (>= 2 bytes).
 * Returns 2. */
size_t socks5_build_userpass_reply(uint8_t *out, bool success);

/* Maps a connect() errno (either sign) to the reply the reference sends: ENETUNREACH -> 3,
 * EHOSTUNREACH/ETIMEDOUT/EADDRNOTAVAIL/ENOENT/EINVAL -> 4, ECONNREFUSED -> 5, other -> 1. */
enum socks5_rep socks5_rep_for_errno(int e);
