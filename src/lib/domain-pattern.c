/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: is a string an acceptable entry of network.allowedDomains / network.deniedDomains?
 *
 * The rules of the reference (srt-behaviour.md §2.1 and the 0.0.83 additions of §2.2), made
 * stricter where the reference accepted nonsense:
 *   - no scheme ("://") and no path ("/");
 *   - an optional ":PORT" suffix, 1..65535, digits only, no leading zero;
 *   - "localhost" (any case);
 *   - "*.REST" where REST is a name with at least two labels ("*.com" is too broad);
 *   - no other "*", except "*" and "*:PORT" in the deny list (deny everything);
 *   - otherwise a name with at least two labels;
 *   - a bracketed IPv6 literal "[::1]", "[2001:db8::1]:443".
 * A name is letters, digits, '-', '_' and '.', at most 253 bytes, with non-empty labels of at
 * most 63 bytes (so "a..b", ".a.b" and "a.b." are refused). A name that the proxy's
 * canonicaliser reads as an IPv4 literal (last label all digits or 0x-hex) must be a valid one
 * ("1.2.3.256" and "10.1.70000" could never match anything), and a wildcard cannot cover an
 * address ("*.1.2.3.4"): such entries are refused rather than kept as rules that never apply.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "net/host.h"
#include "settings.h"

#define DOMAIN_NAME_MAX 253
#define DOMAIN_LABEL_MAX 63
/* "[" + the longest IPv6 text + "]" + ":65535", or a name + ":65535"; anything longer is wrong. */
#define DOMAIN_PATTERN_MAX (DOMAIN_NAME_MAX + 6)

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* Port text of exactly n bytes: 1..65535, digits only, no leading zero. */
static bool port_valid(const char *s, size_t n)
{
	unsigned v = 0;

	if (n == 0 || n > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* A dotted name of n bytes with at least min_labels labels. */
static bool name_valid(const char *s, size_t n, unsigned min_labels)
{
	unsigned labels = 0;
	size_t label_len = 0;

	if (n == 0 || n > DOMAIN_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label_len == 0 || label_len > DOMAIN_LABEL_MAX)
				return false;
			labels++;
			label_len = 0;
			continue;
		}
		if (!is_name_char(s[i]))
			return false;
		label_len++;
	}
	return labels >= min_labels;
}

static bool ipv6_literal_valid(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr addr;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, &addr) == 1;
}

bool domain_pattern_valid(const char *pattern, bool deny_list)
{
	const char *host, *colon;
	size_t len, host_len;

	if (!pattern)
		return false;
	len = strnlen(pattern, DOMAIN_PATTERN_MAX + 1);
	if (len == 0 || len > DOMAIN_PATTERN_MAX)
		return false;
	if (strstr(pattern, "://") || strchr(pattern, '/'))
		return false;

	if (pattern[0] == '[') {
		const char *close = strchr(pattern, ']');

		if (!close || !ipv6_literal_valid(pattern + 1, (size_t)(close - pattern - 1)))
			return false;
		if (close[1] == '\0')
			return true;
		return close[1] == ':' && port_valid(close + 2, strlen(close + 2));
	}

	host = pattern;
	host_len = len;
	colon = strrchr(pattern, ':');
	if (colon) {
		if (!port_valid(colon + 1, strlen(colon + 1)))
			return false;
		host_len = (size_t)(colon - pattern);
		/* An unbracketed IPv6 literal: ambiguous with a port, refused. */
		if (memchr(host, ':', host_len))
			return false;
	}
	if (host_len == 0)
		return false;

	if (host_len == 1 && host[0] == '*')
		return deny_list;
	if (host_len == 9 && strncasecmp(host, "localhost", 9) == 0)
		return true;
	if (host_len >= 2 && host[0] == '*' && host[1] == '.') {
		struct host h;

		return name_valid(host + 2, host_len - 2, 2) &&
		       host_canonicalize(host + 2, host_len - 2, &h, NULL) == 0 &&
		       h.kind == HOST_NAME;
	}
	/* Any other '*' fails the character set check. */
	if (!name_valid(host, host_len, 2))
		return false;
	{
		struct host h;

		return host_canonicalize(host, host_len, &h, NULL) == 0;
	}
}
