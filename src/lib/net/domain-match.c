/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: domain patterns, the network decision and resolved-address vetting (see
 * domain-match.h). The host part of every pattern is canonicalised by host_canonicalize(), the
 * same function the proxies use on destinations, so matching is a comparison of canonical
 * forms: names by text, addresses by bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "domain-match.h"
#include "shared/cleanup.h"

/* "*." + a 253-byte name + "." + ":65535", with room to spare; longer input is refused
 * before any parsing. */
#define DOMAIN_PATTERN_MAX_LEN 300

static int fail(const char **ret_reason, const char *reason)
{
	if (ret_reason)
		*ret_reason = reason;
	return -EINVAL;
}

static enum net_verdict verdict(const char **ret_reason, enum net_verdict v, const char *reason)
{
	if (ret_reason)
		*ret_reason = reason;
	return v;
}

/* n bytes of port text: 1..65535, digits only, no leading zero (as domain_pattern_valid()). */
static bool parse_port(const char *s, size_t n, uint16_t *ret)
{
	uint32_t v = 0;

	if (n == 0 || n > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*ret = (uint16_t)v;
	return true;
}

/*
 * A name of letters, digits, '-' and '_' in labels of 1-63 bytes, at most 253 bytes, no trailing
 * dot, stored lower-cased as a HOST_NAME. Used only for the names host_canonicalize() refuses or
 * turns into an address although settings validation accepts them as names ("1.2.3.256",
 * the suffix of "*.1.2.3.4"): canonical destination names never end in a numeric label, so
 * such a pattern can never match, which is the truth about those spellings.
 */
static bool inert_name(const char *s, size_t n, struct host *ret)
{
	struct host h = {.kind = HOST_NAME};
	size_t label = 0;

	if (n == 0 || n > HOST_NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';

		if (c == '.') {
			if (i == label || i - label > HOST_LABEL_MAX_LEN)
				return false;
			label = i + 1;
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			     c == '_')) {
			return false;
		}
		if (i < n)
			h.text[i] = c;
	}
	*ret = h;
	return true;
}

static int parse_wildcard(const char *s, size_t n, struct domain_pattern *p,
			  const char **ret_reason)
{
	const char *why = "a wildcard must be followed by a name, not an address";
	struct host h;
	int r;

	r = host_canonicalize(s, n, &h, &why);
	if (r < 0 || h.kind != HOST_NAME) {
		if (!inert_name(s, n, &h))
			return fail(ret_reason, why);
	}
	if (!strchr(h.text, '.'))
		return fail(
		    ret_reason,
		    "a wildcard needs at least two labels after \"*.\" (\"*.com\" is too broad)");
	p->kind = PAT_WILDCARD;
	p->host = h;
	return 0;
}

static int parse_host(const char *s, size_t n, struct domain_pattern *p, const char **ret_reason)
{
	const char *why = NULL;
	struct host h;
	int r;

	if (memchr(s, '*', n))
		return fail(ret_reason,
			    "'*' is allowed only as a leading \"*.\" label, or alone in "
			    "deniedDomains");
	r = host_canonicalize(s, n, &h, &why);
	if (r < 0) {
		/* inert names only as far as settings validation needs them: two labels or more */
		if (!memchr(s, '.', n) || !inert_name(s, n, &h))
			return fail(ret_reason, why);
		p->kind = PAT_NAME;
	} else {
		p->kind = h.kind == HOST_NAME ? PAT_NAME : PAT_ADDR;
	}
	p->host = h;
	return 0;
}

int domain_pattern_parse(const char *s, bool deny_list, struct domain_pattern *ret,
			 const char **ret_reason)
{
	static const char bad_port[] = "the port must be 1-65535, digits only, no leading zero";
	struct domain_pattern p = {0};
	size_t len, host_len;
	int r;

	if (!s || !ret)
		return fail(ret_reason, "no pattern");
	len = strnlen(s, DOMAIN_PATTERN_MAX_LEN + 1);
	if (len == 0)
		return fail(ret_reason, "empty pattern");
	if (len > DOMAIN_PATTERN_MAX_LEN)
		return fail(ret_reason, "pattern is too long");
	if (strstr(s, "://") || strchr(s, '/'))
		return fail(ret_reason, "a pattern has no scheme and no path");

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return fail(ret_reason, "'[' without a closing ']'");
		host_len = (size_t)(close - s) + 1;
		if (close[1] == ':') {
			if (!parse_port(close + 2, strlen(close + 2), &p.port))
				return fail(ret_reason, bad_port);
		} else if (close[1] != '\0') {
			return fail(ret_reason, "only \":PORT\" may follow an IPv6 literal");
		}
		r = host_canonicalize(s, host_len, &p.host, ret_reason);
		if (r < 0)
			return r;
		p.kind = PAT_ADDR;
		*ret = p;
		return 0;
	}

	host_len = len;
	{
		const char *colon = strrchr(s, ':');

		if (colon) {
			host_len = (size_t)(colon - s);
			if (memchr(s, ':', host_len))
				return fail(ret_reason,
					    "an IPv6 literal must be in brackets, as in "
					    "\"[::1]\" or \"[2001:db8::1]:443\"");
			if (!parse_port(colon + 1, len - host_len - 1, &p.port))
				return fail(ret_reason, bad_port);
		}
	}
	if (host_len == 0)
		return fail(ret_reason, "empty host in pattern");

	if (host_len == 1 && s[0] == '*') {
		if (!deny_list)
			return fail(ret_reason, "\"*\" is allowed only in deniedDomains");
		p.kind = PAT_ANY;
		r = 0;
	} else if (host_len >= 2 && s[0] == '*' && s[1] == '.') {
		r = parse_wildcard(s + 2, host_len - 2, &p, ret_reason);
	} else {
		r = parse_host(s, host_len, &p, ret_reason);
	}
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}

static bool same_address(const struct host *a, const struct host *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == HOST_IPV4)
		return memcmp(a->addr, b->addr, 4) == 0;
	if (a->kind == HOST_IPV6)
		return memcmp(a->addr, b->addr, 16) == 0;
	return false;
}

bool domain_pattern_matches(const struct domain_pattern *p, const struct host *h, uint16_t port)
{
	size_t hn, sn;

	if (!p || !h)
		return false;
	if (p->port != 0 && p->port != port)
		return false;
	switch (p->kind) {
	case PAT_ANY:
		return true;
	case PAT_NAME:
		return h->kind == HOST_NAME && strncmp(h->text, p->host.text, sizeof(h->text)) == 0;
	case PAT_WILDCARD:
		if (h->kind != HOST_NAME)
			return false;
		hn = strnlen(h->text, sizeof(h->text));
		sn = strnlen(p->host.text, sizeof(p->host.text));
		/* at least one label, then '.', then the suffix: never the apex, never a lookalike
		 */
		return sn > 0 && hn > sn + 1 && h->text[hn - sn - 1] == '.' &&
		       memcmp(h->text + hn - sn, p->host.text, sn) == 0;
	case PAT_ADDR:
		return same_address(&p->host, h);
	}
	return false;
}

static int parse_list(char *const *list, bool deny_list, struct domain_pattern **ret, size_t *ret_n,
		      const char **ret_bad_entry, const char **ret_reason)
{
	_cleanup_free_ struct domain_pattern *v = NULL;
	size_t n = 0;
	int r;

	if (list)
		while (list[n])
			n++;
	if (n == 0) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	v = calloc(n, sizeof(*v));
	if (!v) {
		if (ret_reason)
			*ret_reason = "out of memory";
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r = domain_pattern_parse(list[i], deny_list, &v[i], ret_reason);
		if (r < 0) {
			if (ret_bad_entry)
				*ret_bad_entry = list[i];
			return r;
		}
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int net_policy_build(char *const *allowed, char *const *denied, struct net_policy *ret,
		     const char **ret_bad_entry, const char **ret_reason)
{
	struct net_policy p = {0};
	int r;

	if (!ret)
		return fail(ret_reason, "no policy");
	r = parse_list(allowed, false, &p.allow, &p.n_allow, ret_bad_entry, ret_reason);
	if (r < 0)
		return r;
	r = parse_list(denied, true, &p.deny, &p.n_deny, ret_bad_entry, ret_reason);
	if (r < 0) {
		net_policy_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void net_policy_free(struct net_policy *p)
{
	if (!p)
		return;
	free(p->allow);
	free(p->deny);
	*p = (struct net_policy){0};
}

static bool list_matches(const struct domain_pattern *v, size_t n, const struct host *h,
			 uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (domain_pattern_matches(&v[i], h, port))
			return true;
	return false;
}

static bool host_valid(const struct host *h)
{
	return h && (h->kind == HOST_NAME || h->kind == HOST_IPV4 || h->kind == HOST_IPV6);
}

enum net_verdict net_policy_decide(const struct net_policy *p, const struct host *h, uint16_t port,
				   const char **ret_reason)
{
	if (!p)
		return verdict(ret_reason, NET_DENY, "sandbox policy unavailable");
	if (!host_valid(h))
		return verdict(ret_reason, NET_DENY, "malformed host");
	if (list_matches(p->deny, p->n_deny, h, port))
		return verdict(ret_reason, NET_DENY, "host is on the deny list");
	if (list_matches(p->allow, p->n_allow, h, port))
		return verdict(ret_reason, NET_ALLOW, "host is on the allow list");
	return verdict(ret_reason, NET_UNLISTED, "host is not on the allow list");
}

/* The canonical address form of a (possibly hand-built) host: IPv4-mapped and compatible IPv6
 * folded to IPv4. */
static int address_normalize(const struct host *h, struct host *ret)
{
	if (!h)
		return -EINVAL;
	if (h->kind == HOST_IPV4)
		return host_from_address(AF_INET, h->addr, ret);
	if (h->kind == HOST_IPV6)
		return host_from_address(AF_INET6, h->addr, ret);
	return -EINVAL;
}

static bool allow_literal_matches(const struct net_policy *p, const struct host *a, uint16_t port)
{
	for (size_t i = 0; i < p->n_allow; i++)
		if (p->allow[i].kind == PAT_ADDR && domain_pattern_matches(&p->allow[i], a, port))
			return true;
	return false;
}

static const char *refusal(enum addr_class c)
{
	switch (c) {
	case ADDR_LOOPBACK:
		return "resolved to a loopback address";
	case ADDR_PRIVATE:
		return "resolved to a private address";
	case ADDR_LINK_LOCAL:
		return "resolved to a link-local address";
	case ADDR_UNSPECIFIED:
		return "resolved to an unspecified address";
	case ADDR_MULTICAST:
		return "resolved to a multicast address";
	case ADDR_BROADCAST:
		return "resolved to a broadcast address";
	case ADDR_METADATA:
		return "resolved to a cloud metadata address";
	case ADDR_RESERVED:
	case ADDR_PUBLIC:
		break;
	}
	return "resolved to a reserved address";
}

enum net_verdict net_policy_vet_address(const struct net_policy *p, const struct host *name,
					const struct host *addr, uint16_t port,
					const struct host *own, size_t n_own,
					const char **ret_reason)
{
	struct host a, o;
	enum addr_class c;

	if (!p)
		return verdict(ret_reason, NET_DENY, "sandbox policy unavailable");
	if (address_normalize(addr, &a) < 0)
		return verdict(ret_reason, NET_DENY, "resolved address is not an IP address");
	if (name) {
		enum net_verdict d = net_policy_decide(p, name, port, ret_reason);

		if (d != NET_ALLOW)
			return d;
	}
	if (list_matches(p->deny, p->n_deny, &a, port))
		return verdict(ret_reason, NET_DENY, "resolved to a denied address");
	if (allow_literal_matches(p, &a, port))
		return verdict(ret_reason, NET_ALLOW, "resolved address is on the allow list");

	c = addr_classify(&a);
	if (name && host_is_localhost_name(name)) {
		if (c != ADDR_LOOPBACK)
			return verdict(ret_reason, NET_DENY,
				       "a localhost name resolved to a non-loopback address");
		return verdict(ret_reason, NET_ALLOW, "allowed localhost name: loopback address");
	}
	if (c != ADDR_PUBLIC)
		return verdict(ret_reason, NET_DENY, refusal(c));
	for (size_t i = 0; own && i < n_own; i++)
		if (address_normalize(&own[i], &o) == 0 && same_address(&a, &o))
			return verdict(ret_reason, NET_DENY, "resolved to an address of this host");
	return verdict(ret_reason, NET_ALLOW, "resolved to a public address");
}
