/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the host canonicaliser and the domain policy.
 *
 * 1. The whole input is a host: if it canonicalises, the canonical text must canonicalise to
 *    the identical struct (idempotence), hold only the characters of its kind, and classify.
 * 2. The first line is a pattern: whatever settings validation (domain_pattern_valid) accepts
 *    must parse. A policy is built with it on the allow list (and, for a second policy, on
 *    both lists); every further line is a destination host, matched and vetted, with these
 *    invariants: deny wins; wildcards and names never match addresses; a decision on an IP
 *    literal and the vetting of that literal as its own address agree.
 * Links host.c, domain-match.c and the settings-time validator domain-pattern.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/domain-match.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool text_valid(const struct host *h)
{
	size_t n = strnlen(h->text, sizeof(h->text));

	if (n == 0 || n > HOST_NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h->text[i];
		bool ok;

		switch (h->kind) {
		case HOST_NAME:
			ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			     c == '_' || c == '.';
			break;
		case HOST_IPV4:
			ok = (c >= '0' && c <= '9') || c == '.';
			break;
		case HOST_IPV6:
			ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':';
			break;
		default:
			return false;
		}
		if (!ok)
			return false;
	}
	/* bytes after the NUL are zero, so hosts compare with memcmp() */
	for (size_t i = n; i < sizeof(h->text); i++)
		if (h->text[i])
			return false;
	return h->text[0] != '.' && h->text[n - 1] != '.';
}

static void check_host(const char *in, size_t len)
{
	struct host h, again, from;
	const char *reason = NULL;
	int r;

	r = host_canonicalize(in, len, &h, &reason);
	if (r < 0) {
		if (r != -EINVAL || !reason || !*reason)
			__builtin_trap();
		return;
	}
	if (!text_valid(&h))
		__builtin_trap();
	r = host_canonicalize(h.text, strlen(h.text), &again, &reason);
	if (r < 0 || memcmp(&h, &again, sizeof(h)) != 0)
		__builtin_trap();
	if (h.kind != HOST_NAME) {
		/* the binary form gives the same host back */
		if (host_from_address(h.kind == HOST_IPV4 ? AF_INET : AF_INET6, h.addr, &from) <
			0 ||
		    memcmp(&h, &from, sizeof(h)) != 0)
			__builtin_trap();
	}
	if (!addr_class_name(addr_classify(&h)))
		__builtin_trap();
}

static void check_destination(const struct net_policy *allow_only, const struct net_policy *both,
			      const struct domain_pattern *pat, const struct host *h, uint16_t port)
{
	static const uint8_t own4[4] = {192, 0, 2, 7};
	struct host own[2];
	enum net_verdict d, v;
	bool m = domain_pattern_matches(pat, h, port);

	if (m && (pat->kind == PAT_WILDCARD || pat->kind == PAT_NAME) && h->kind != HOST_NAME)
		__builtin_trap();
	if (m && pat->kind == PAT_ADDR && h->kind == HOST_NAME)
		__builtin_trap();
	/* deny wins */
	if (net_policy_decide(both, h, port, NULL) != (m ? NET_DENY : NET_UNLISTED))
		__builtin_trap();
	d = net_policy_decide(allow_only, h, port, NULL);
	if (d != (m ? NET_ALLOW : NET_UNLISTED))
		__builtin_trap();

	host_from_address(AF_INET, own4, &own[0]);
	own[1] = *h;
	if (h->kind != HOST_NAME) {
		/* an allowed literal is never refused as its own address, and a refused one is
		 * never let through */
		v = net_policy_vet_address(allow_only, h, h, port, own, 2, NULL);
		if (v != d)
			__builtin_trap();
		/* vetted without a name, h is one of this host's addresses: allowed exactly
		 * when the policy allows the literal */
		v = net_policy_vet_address(allow_only, NULL, h, port, own, 2, NULL);
		if ((v == NET_ALLOW) != (d == NET_ALLOW))
			__builtin_trap();
	} else if (d == NET_ALLOW && host_is_localhost_name(h)) {
		struct host lo;
		static const uint8_t lo4[4] = {127, 0, 0, 1};

		host_from_address(AF_INET, lo4, &lo);
		if (net_policy_vet_address(allow_only, h, &lo, port, NULL, 0, NULL) != NET_ALLOW)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t first = nl ? (size_t)(nl - s) : size;
	struct net_policy allow_only = {0}, both = {0};
	struct domain_pattern pat;
	char *line;
	char *list[2] = {NULL, NULL};
	const char *reason = NULL, *bad = NULL;
	bool valid_allow, valid_deny;
	int r;

	check_host(s, size);

	if (first > 512)
		return 0;
	line = malloc(first + 1);
	if (!line)
		return 0;
	memcpy(line, s, first);
	line[first] = '\0';
	check_host(line, first);

	valid_allow = domain_pattern_valid(line, false);
	valid_deny = domain_pattern_valid(line, true);
	if (valid_allow && domain_pattern_parse(line, false, &pat, &reason) < 0)
		__builtin_trap();
	if (valid_deny && domain_pattern_parse(line, true, &pat, &reason) < 0)
		__builtin_trap();

	r = domain_pattern_parse(line, false, &pat, &reason);
	list[0] = line;
	if (r == 0) {
		if (pat.kind == PAT_ANY)
			__builtin_trap();
		if (net_policy_build(list, NULL, &allow_only, &bad, &reason) < 0 ||
		    net_policy_build(list, list, &both, &bad, &reason) < 0)
			__builtin_trap();
	} else if (net_policy_build(list, NULL, &allow_only, &bad, &reason) != r || bad != line) {
		__builtin_trap();
	}

	/* the remaining lines are destinations */
	for (size_t off = nl ? first + 1 : size; r == 0 && off < size;) {
		const char *end = memchr(s + off, '\n', size - off);
		size_t n = end ? (size_t)(end - (s + off)) : size - off;
		struct host h;

		if (host_canonicalize(s + off, n, &h, NULL) == 0) {
			check_destination(&allow_only, &both, &pat, &h, 0);
			check_destination(&allow_only, &both, &pat, &h, 443);
			if (pat.port)
				check_destination(&allow_only, &both, &pat, &h, pat.port);
		}
		off += n + 1;
	}

	net_policy_free(&allow_only);
	net_policy_free(&both);
	free(line);
	return 0;
}
