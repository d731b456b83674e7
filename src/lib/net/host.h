/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the one canonical form of a network destination host.
 *
 * Every destination the proxies see (a CONNECT authority's host, an absolute URL's host, a Host
 * header, a SOCKS5 DOMAINNAME or address) and every allowedDomains / deniedDomains entry goes
 * through host_canonicalize(). The policy matches the canonical host and the proxy dials the
 * canonical host, so no second parser can disagree with the first (field notes 3.3, #31-#33).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 1035: 253 bytes of name text without the trailing dot. */
#define HOST_NAME_MAX_LEN 253
#define HOST_LABEL_MAX_LEN 63

enum host_kind { HOST_NAME = 1, HOST_IPV4, HOST_IPV6 };

struct host {
	enum host_kind kind;
	/* canonical form: lower-case DNS name without trailing dot; dotted-quad IPv4;
	 * RFC 5952 compressed IPv6 without brackets (never IPv4-mapped: those are HOST_IPV4) */
	char text[256];
	uint8_t addr[16]; /* network order: 4 bytes for IPv4, 16 for IPv6; zero for names */
};

/*
 * Canonicalises a destination host exactly as received. `in` is not NUL-terminated (len bytes)
 * and may contain any byte. Returns 0, or -EINVAL with *ret_reason set to a static sentence
 * (ret_reason may be NULL). *ret is written only on success, and then completely (the bytes
 * after the text's NUL are zero, so two canonical hosts may be compared with memcmp()).
 *
 *  - refused: empty; longer than 253 bytes after the one trailing dot is removed; any byte below
 *    0x21, 0x7f or at/above 0x80 (NUL, controls, space, non-ASCII: no IDNA here, "xn--" names are
 *    plain ASCII); '%' (percent-escapes, IPv6 zone ids); '/', '\', '?', '#', '@'; '[', ']' and
 *    ':' outside an IPv6 literal;
 *  - "[v6]" and unbracketed text containing ':' are IPv6, parsed by inet_pton(AF_INET6) alone;
 *    IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96 except :: and ::1) become HOST_IPV4;
 *  - a name whose last label is all digits, or "0x" followed by hex digits, is an IPv4 literal
 *    in any spelling inet_aton() accepts (127.1, 2130706433, 0x7f.1, 0177.0.0.1), and is refused
 *    when it is not a valid one (1.2.3.256, 999999999999, foo.123, 0x);
 *  - any other name: one trailing dot removed, lower-cased, labels of 1-63 bytes of
 *    [a-z0-9_-], no empty label.
 */
int host_canonicalize(const char *in, size_t len, struct host *ret, const char **ret_reason);

/*
 * Builds the canonical host of a binary address: family AF_INET (4 bytes) or AF_INET6 (16
 * bytes), as getaddrinfo() or getifaddrs() give them. IPv4-mapped and IPv4-compatible IPv6
 * become HOST_IPV4, exactly as host_canonicalize() does. Returns 0 or -EAFNOSUPPORT.
 */
int host_from_address(int family, const void *addr, struct host *ret);

/* Is h a name under the special-use "localhost" (RFC 6761): "localhost" or "*.localhost"? */
bool host_is_localhost_name(const struct host *h);

enum addr_class {
	ADDR_PUBLIC,
	ADDR_LOOPBACK,
	ADDR_PRIVATE,
	ADDR_LINK_LOCAL,
	ADDR_UNSPECIFIED,
	ADDR_MULTICAST,
	ADDR_BROADCAST,
	ADDR_METADATA,
	ADDR_RESERVED,
};

/*
 * Classifies an address (kind HOST_IPV4 / HOST_IPV6; a HOST_NAME is ADDR_RESERVED). IPv6 forms
 * that embed an IPv4 address (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) are classified by the embedded address. The table is in host.c; in short:
 *   metadata     169.254.169.254, 100.100.100.200, 168.63.129.16, 192.0.0.192, fd00:ec2::/32,
 *                fd20:ce::254, fd00:c1::a9fe:a9fe, fd00:42::42 (checked before the ranges below)
 *   loopback     127/8, ::1
 *   unspecified  0/8, ::
 *   private      10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10, 64:ff9b:1::/48
 *   link-local   169.254/16, fe80::/10
 *   multicast    224/4, ff00::/8
 *   broadcast    255.255.255.255
 *   reserved     240/4, 192.0.0/24, 192.0.2/24, 198.18/15, 198.51.100/24, 203.0.113/24,
 *                192.88.99/24; 2001::/23, 2001:db8::/32, 3fff::/20, and every IPv6 address
 *                outside 2000::/3 not named above (only 2000::/3 is global unicast)
 *   public       everything else
 */
enum addr_class addr_classify(const struct host *h);

/* "public", "loopback", "private", "link-local", "unspecified", "multicast", "broadcast",
 * "metadata", "reserved"; "unknown" for a value outside the enum. */
const char *addr_class_name(enum addr_class c);
