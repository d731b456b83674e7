/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: host canonicalisation and address classification (see host.h).
 *
 * The IPv4 number parser is written here rather than taken from inet_aton(): glibc's
 * inet_aton() stops at the first space and accepts what follows ("127.0.0.1 evil"), and its
 * spelling rules are an implementation detail we would then depend on. IPv6 text is parsed by
 * inet_pton(AF_INET6), which takes no zone id and no trailing junk, and printed by our own
 * RFC 5952 formatter (glibc's inet_ntop() prints some forms in mixed dotted notation).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"

/* The longest input worth looking at: a 253-byte name and its trailing dot. A bracketed IPv6
 * literal is at most 47 bytes. */
#define HOST_INPUT_MAX (HOST_NAME_MAX_LEN + 1)
/* INET6_ADDRSTRLEN - 1: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */
#define IPV6_TEXT_MAX 45

static int fail(const char **ret_reason, const char *reason)
{
	if (ret_reason)
		*ret_reason = reason;
	return -EINVAL;
}

/* The byte rules shared by every form. Returns NULL or the reason for refusing. */
static const char *check_bytes(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == 0)
			return "NUL byte in host";
		if (c == ' ')
			return "space in host";
		if (c < 0x20 || c == 0x7f)
			return "control character in host";
		if (c >= 0x80)
			return "non-ASCII byte in host (give internationalised names in their xn-- "
			       "form)";
		switch (c) {
		case '%':
			return "'%' in host (percent-escapes and IPv6 zone ids are not accepted)";
		case '/':
		case '\\':
		case '?':
		case '#':
		case '@':
			return "'/', '\\', '?', '#' or '@' in host";
		default:
			break;
		}
	}
	return NULL;
}

static void format_ipv4(const uint8_t a[4], char *out, size_t size)
{
	snprintf(out, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* RFC 5952 section 4: lower-case hex without leading zeros; the longest run of two or more
 * zero groups (the first of equal runs) becomes "::"; a single zero group stays "0". Writes at
 * most 40 bytes including the NUL. */
static void format_ipv6(const uint8_t a[16], char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t w[8];
	int best = -1, best_len = 0;
	size_t o = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int j = i;

		if (w[i] != 0) {
			i++;
			continue;
		}
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	if (best_len < 2)
		best = -1;

	for (int i = 0; i < 8; i++) {
		bool started = false;

		if (i == best) {
			out[o++] = ':';
			out[o++] = ':';
			i += best_len - 1;
			continue;
		}
		if (o > 0 && out[o - 1] != ':')
			out[o++] = ':';
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned d = (w[i] >> shift) & 0xf;

			if (d || started || shift == 0) {
				out[o++] = hex[d];
				started = true;
			}
		}
	}
	out[o] = '\0';
}

static bool is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* ::/96 except :: and ::1 (RFC 4291 2.5.5.1, deprecated but still routed by some stacks). */
static bool is_v4_compatible(const uint8_t a[16])
{
	static const uint8_t zero[12];

	if (memcmp(a, zero, sizeof(zero)) != 0)
		return false;
	return a[12] || a[13] || a[14] || a[15] > 1;
}

/* Both setters copy the address first, so `a` may point into *h. */
static void set_ipv4(struct host *h, const uint8_t *a)
{
	uint8_t v4[4];

	memcpy(v4, a, sizeof(v4));
	memset(h, 0, sizeof(*h));
	h->kind = HOST_IPV4;
	memcpy(h->addr, v4, sizeof(v4));
	format_ipv4(v4, h->text, sizeof(h->text));
}

static void set_ipv6(struct host *h, const uint8_t *a)
{
	uint8_t v6[16];

	memcpy(v6, a, sizeof(v6));
	if (is_v4_mapped(v6) || is_v4_compatible(v6)) {
		set_ipv4(h, v6 + 12);
		return;
	}
	memset(h, 0, sizeof(*h));
	h->kind = HOST_IPV6;
	memcpy(h->addr, v6, sizeof(v6));
	format_ipv6(v6, h->text);
}

static int parse_ipv6(const char *s, size_t n, struct host *ret, const char **ret_reason)
{
	char buf[IPV6_TEXT_MAX + 1];
	uint8_t a[16];

	if (n == 0 || n > IPV6_TEXT_MAX)
		return fail(ret_reason, "invalid IPv6 address in host");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1)
		return fail(ret_reason,
			    "invalid IPv6 address in host (a port is not part of the host)");
	set_ipv6(ret, a);
	return 0;
}

static bool is_name_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* Would a resolver or URL parser take this (lower-case) label for a number? All digits, or
 * "0x" followed by hex digits (none at all included, so "0x" is refused, not a name). */
static bool label_is_numeric(const char *s, size_t n)
{
	size_t i = 0;

	if (n >= 2 && s[0] == '0' && s[1] == 'x') {
		for (i = 2; i < n; i++)
			if (!is_hex_digit(s[i]))
				return false;
		return true;
	}
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* One part of an inet_aton()-style IPv4 literal: decimal, octal with a leading 0, or hex with a
 * leading 0x, at most 0xffffffff (checked at every digit, so any length is safe). */
static bool ipv4_part(const char *s, size_t n, uint32_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n == 0)
		return false;
	if (n >= 2 && s[0] == '0' && s[1] == 'x') {
		if (n == 2)
			return false;
		base = 16;
		i = 2;
	} else if (n >= 2 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < n; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a') + 10;
		else
			return false;
		if (d >= base)
			return false;
		v = v * base + d;
		if (v > UINT32_MAX)
			return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/* "a", "a.b", "a.b.c" or "a.b.c.d", each part as ipv4_part(); the last part fills the bytes the
 * others leave (inet_aton(3)). */
static bool parse_ipv4(const char *s, size_t n, uint8_t ret[4])
{
	uint32_t parts[4], v;
	size_t nparts = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (nparts == 4 || !ipv4_part(s + start, i - start, &parts[nparts]))
			return false;
		nparts++;
		start = i + 1;
	}
	for (size_t i = 0; i + 1 < nparts; i++)
		if (parts[i] > 0xff)
			return false;
	v = parts[nparts - 1];
	switch (nparts) {
	case 1:
		break;
	case 2:
		if (v > 0xffffff)
			return false;
		v |= parts[0] << 24;
		break;
	case 3:
		if (v > 0xffff)
			return false;
		v |= parts[0] << 24 | parts[1] << 16;
		break;
	default:
		if (v > 0xff)
			return false;
		v |= parts[0] << 24 | parts[1] << 16 | parts[2] << 8;
		break;
	}
	ret[0] = (uint8_t)(v >> 24);
	ret[1] = (uint8_t)(v >> 16);
	ret[2] = (uint8_t)(v >> 8);
	ret[3] = (uint8_t)v;
	return true;
}

static int parse_name(const char *in, size_t len, struct host *ret, const char **ret_reason)
{
	char buf[HOST_NAME_MAX_LEN + 1];
	size_t label = 0; /* start of the current label */
	uint8_t a[4];

	/* One trailing dot is the root: "example.com." is "example.com". */
	if (in[len - 1] == '.')
		len--;
	if (len == 0)
		return fail(ret_reason, "empty host");
	if (len > HOST_NAME_MAX_LEN)
		return fail(ret_reason, "host name is longer than 253 bytes");

	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? in[i] : '.';

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (i == label)
				return fail(ret_reason, "empty label in host name");
			if (i - label > HOST_LABEL_MAX_LEN)
				return fail(ret_reason, "label longer than 63 bytes in host name");
			if (i < len) {
				buf[i] = '.';
				label = i + 1;
			}
			continue;
		}
		if (!is_name_byte(c))
			return fail(ret_reason, "invalid character in host name");
		buf[i] = c;
	}
	buf[len] = '\0';

	if (label_is_numeric(buf + label, len - label)) {
		if (!parse_ipv4(buf, len, a))
			return fail(ret_reason, "numeric host is not a valid IPv4 address");
		set_ipv4(ret, a);
		return 0;
	}
	memset(ret, 0, sizeof(*ret));
	ret->kind = HOST_NAME;
	memcpy(ret->text, buf, len + 1);
	return 0;
}

int host_canonicalize(const char *in, size_t len, struct host *ret, const char **ret_reason)
{
	struct host h;
	const char *reason;
	int r;

	if (!in || !ret)
		return fail(ret_reason, "no host");
	if (len == 0)
		return fail(ret_reason, "empty host");
	if (len > HOST_INPUT_MAX)
		return fail(ret_reason, "host name is longer than 253 bytes");
	reason = check_bytes(in, len);
	if (reason)
		return fail(ret_reason, reason);

	if (in[0] == '[') {
		if (len < 2 || in[len - 1] != ']')
			return fail(ret_reason, "'[' without a closing ']' in host");
		if (memchr(in + 1, '[', len - 2) || memchr(in + 1, ']', len - 2))
			return fail(ret_reason, "stray '[' or ']' in host");
		r = parse_ipv6(in + 1, len - 2, &h, ret_reason);
	} else if (memchr(in, '[', len) || memchr(in, ']', len)) {
		return fail(ret_reason, "'[' or ']' in host outside an IPv6 literal");
	} else if (memchr(in, ':', len)) {
		r = parse_ipv6(in, len, &h, ret_reason);
	} else {
		r = parse_name(in, len, &h, ret_reason);
	}
	if (r < 0)
		return r;
	*ret = h;
	return 0;
}

int host_from_address(int family, const void *addr, struct host *ret)
{
	if (!addr || !ret)
		return -EINVAL;
	if (family == AF_INET)
		set_ipv4(ret, addr);
	else if (family == AF_INET6)
		set_ipv6(ret, addr);
	else
		return -EAFNOSUPPORT;
	return 0;
}

bool host_is_localhost_name(const struct host *h)
{
	static const char suffix[] = ".localhost";
	size_t n, sn = sizeof(suffix) - 1;

	if (!h || h->kind != HOST_NAME)
		return false;
	if (strcmp(h->text, "localhost") == 0)
		return true;
	n = strnlen(h->text, sizeof(h->text));
	return n > sn && memcmp(h->text + n - sn, suffix, sn) == 0;
}

/* Classification tables: first match wins, so the most specific entries come first. */
struct prefix4 {
	uint8_t net[4];
	unsigned bits;
	enum addr_class c;
};

struct prefix6 {
	uint8_t net[16];
	unsigned bits;
	enum addr_class c;
};

/* clang-format off */
static const struct prefix4 table4[] = {
	{{169, 254, 169, 254}, 32, ADDR_METADATA},  /* AWS, GCP, Azure, OpenStack, ... */
	{{100, 100, 100, 200}, 32, ADDR_METADATA},  /* Alibaba Cloud */
	{{168, 63, 129, 16}, 32, ADDR_METADATA},    /* Azure wire server */
	{{192, 0, 0, 192}, 32, ADDR_METADATA},      /* Oracle Cloud */
	{{255, 255, 255, 255}, 32, ADDR_BROADCAST},
	{{0, 0, 0, 0}, 8, ADDR_UNSPECIFIED},        /* "this network" (RFC 1122); 0.0.0.0 dials loopback */
	{{127, 0, 0, 0}, 8, ADDR_LOOPBACK},
	{{10, 0, 0, 0}, 8, ADDR_PRIVATE},
	{{172, 16, 0, 0}, 12, ADDR_PRIVATE},
	{{192, 168, 0, 0}, 16, ADDR_PRIVATE},
	{{100, 64, 0, 0}, 10, ADDR_PRIVATE},        /* carrier-grade NAT (RFC 6598) */
	{{169, 254, 0, 0}, 16, ADDR_LINK_LOCAL},
	{{224, 0, 0, 0}, 4, ADDR_MULTICAST},
	{{240, 0, 0, 0}, 4, ADDR_RESERVED},         /* "future use" (RFC 1112) */
	{{192, 0, 0, 0}, 24, ADDR_RESERVED},        /* IETF protocol assignments (RFC 6890) */
	{{192, 0, 2, 0}, 24, ADDR_RESERVED},        /* TEST-NET-1 (RFC 5737) */
	{{198, 51, 100, 0}, 24, ADDR_RESERVED},     /* TEST-NET-2 */
	{{203, 0, 113, 0}, 24, ADDR_RESERVED},      /* TEST-NET-3 */
	{{198, 18, 0, 0}, 15, ADDR_RESERVED},       /* benchmarking (RFC 2544) */
	{{192, 88, 99, 0}, 24, ADDR_RESERVED},      /* 6to4 relay anycast, deprecated (RFC 7526) */
};

static const struct prefix6 table6[] = {
	/* fd00:ec2::/32, AWS IMDS over IPv6 (fd00:ec2::254, ::23 and others) */
	{{0xfd, 0x00, 0x0e, 0xc2}, 32, ADDR_METADATA},
	/* fd20:ce::254, GCP */
	{{0xfd, 0x20, 0x00, 0xce, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54}, 128, ADDR_METADATA},
	/* fd00:c1::a9fe:a9fe, Alibaba-style 169.254.169.254 in a ULA */
	{{0xfd, 0x00, 0x00, 0xc1, 0, 0, 0, 0, 0, 0, 0, 0, 0xa9, 0xfe, 0xa9, 0xfe}, 128, ADDR_METADATA},
	/* fd00:42::42 */
	{{0xfd, 0x00, 0x00, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x42}, 128, ADDR_METADATA},
	{{0}, 128, ADDR_UNSPECIFIED},                                         /* :: */
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, ADDR_LOOPBACK}, /* ::1 */
	{{0xfe, 0x80}, 10, ADDR_LINK_LOCAL},
	{{0xfc}, 7, ADDR_PRIVATE},                 /* unique local (RFC 4193) */
	{{0xfe, 0xc0}, 10, ADDR_PRIVATE},          /* site-local, deprecated (RFC 3879) */
	{{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, ADDR_PRIVATE}, /* local-use NAT64 (RFC 8215) */
	{{0xff}, 8, ADDR_MULTICAST},
	{{0x20, 0x01, 0x0d, 0xb8}, 32, ADDR_RESERVED}, /* documentation (RFC 3849) */
	{{0x3f, 0xff}, 20, ADDR_RESERVED},         /* documentation (RFC 9637) */
	{{0x20, 0x01}, 23, ADDR_RESERVED},         /* IETF protocol assignments, Teredo (RFC 2928) */
	{{0x20}, 3, ADDR_PUBLIC},                  /* global unicast */
};
/* clang-format on */

static bool prefix_matches(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ net[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static enum addr_class classify_v4(const uint8_t a[4])
{
	for (size_t i = 0; i < sizeof(table4) / sizeof(table4[0]); i++)
		if (prefix_matches(a, table4[i].net, table4[i].bits))
			return table4[i].c;
	return ADDR_PUBLIC;
}

static enum addr_class classify_v6(const uint8_t a[16])
{
	static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};

	if (is_v4_mapped(a) || is_v4_compatible(a))
		return classify_v4(a + 12);
	if (memcmp(a, nat64, sizeof(nat64)) == 0) /* 64:ff9b::/96 (RFC 6052) */
		return classify_v4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02) /* 2002:V4ADDR::/48 (6to4, RFC 3056) */
		return classify_v4(a + 2);
	for (size_t i = 0; i < sizeof(table6) / sizeof(table6[0]); i++)
		if (prefix_matches(a, table6[i].net, table6[i].bits))
			return table6[i].c;
	/* Outside 2000::/3 and not named above: nothing a proxy should dial. */
	return ADDR_RESERVED;
}

enum addr_class addr_classify(const struct host *h)
{
	if (!h)
		return ADDR_RESERVED;
	switch (h->kind) {
	case HOST_IPV4:
		return classify_v4(h->addr);
	case HOST_IPV6:
		return classify_v6(h->addr);
	default:
		return ADDR_RESERVED;
	}
}

const char *addr_class_name(enum addr_class c)
{
	switch (c) {
	case ADDR_PUBLIC:
		return "public";
	case ADDR_LOOPBACK:
		return "loopback";
	case ADDR_PRIVATE:
		return "private";
	case ADDR_LINK_LOCAL:
		return "link-local";
	case ADDR_UNSPECIFIED:
		return "unspecified";
	case ADDR_MULTICAST:
		return "multicast";
	case ADDR_BROADCAST:
		return "broadcast";
	case ADDR_METADATA:
		return "metadata";
	case ADDR_RESERVED:
		return "reserved";
	}
	return "unknown";
}
