/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: allowedDomains / deniedDomains patterns, the network decision, and the vetting of the
 * addresses an allowed name resolves to (srt-behaviour.md 5.2 and 5.5).
 *
 * Everything here works on canonical hosts (host.h): a pattern's host part goes through
 * host_canonicalize() exactly like a destination does, so "EXAMPLE.com." in settings is
 * "example.com" and an allowed "127.0.0.1" is the same entry as "127.1" or "[::ffff:7f00:1]".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"

enum domain_pattern_kind {
	PAT_NAME,     /* "example.com", "localhost": exactly that name */
	PAT_WILDCARD, /* "*.example.com": a name with at least one more label; never an IP */
	PAT_ADDR,     /* "1.2.3.4", "127.1", "[::1]": exactly that address, however spelled */
	PAT_ANY,      /* "*": everything (deniedDomains only) */
};

struct domain_pattern {
	enum domain_pattern_kind kind;
	/* PAT_NAME / PAT_ADDR: the canonical host; PAT_WILDCARD: the suffix after "*." (a
	 * HOST_NAME, at least two labels) in host.text; PAT_ANY: zero */
	struct host host;
	uint16_t port; /* 0 = any port */
};

/*
 * Parses one allowedDomains (deny_list false) or deniedDomains (deny_list true) entry:
 *   HOST, HOST:PORT, *.NAME, *.NAME:PORT, [V6], [V6]:PORT, and in the deny list * and *:PORT.
 * PORT is 1-65535, digits only, no leading zero. An unbracketed IPv6 literal is refused (is
 * "2001:db8::1:443" a port?). "*.NAME" needs two labels in NAME ("*.com" is too broad).
 * Accepts every pattern domain_pattern_valid() (settings time) accepts, and single-label names
 * besides. A name that domain_pattern_valid() accepts but host_canonicalize() refuses (its last
 * label is numeric but it is no IPv4 literal: "1.2.3.256", "*.1.2.3.4") is kept, lower-cased, as
 * an inert PAT_NAME / PAT_WILDCARD: no canonical destination can ever equal or end in it.
 * Returns 0 or -EINVAL with *ret_reason a static sentence; *ret is untouched on failure.
 */
int domain_pattern_parse(const char *s, bool deny_list, struct domain_pattern *ret,
			 const char **ret_reason);

/* Does canonical host h at port match p? Wildcards and names never match IP literals and
 * addresses never match names; a pattern port of 0 matches every port. */
bool domain_pattern_matches(const struct domain_pattern *p, const struct host *h, uint16_t port);

/* NET_UNLISTED: in neither list. Callers without an ask callback treat it as a denial (its
 * reason reads "host is not on the allow list"); anything but NET_ALLOW denies. */
enum net_verdict { NET_DENY = 0, NET_ALLOW = 1, NET_UNLISTED = 2 };

struct net_policy {
	struct domain_pattern *allow, *deny;
	size_t n_allow, n_deny;
};

/*
 * Parses the NULL-terminated lists (either may be NULL, meaning empty) into *ret. On failure
 * returns -EINVAL with *ret_bad_entry pointing at the offending entry (an element of the
 * caller's list) and *ret_reason a static sentence, or -ENOMEM; *ret is untouched then.
 * The out-parameters ret_bad_entry and ret_reason may be NULL.
 */
int net_policy_build(char *const *allowed, char *const *denied, struct net_policy *ret,
		     const char **ret_bad_entry, const char **ret_reason);

/* Frees the lists and zeroes *p. NULL-safe, and safe on a zeroed policy. */
void net_policy_free(struct net_policy *p);

/*
 * Deny wins; then allow; a host in neither list is NET_UNLISTED ("host is not on the allow list").
 * h must come from host_canonicalize(). A NULL policy denies ("sandbox policy unavailable").
 * *ret_reason (may be NULL) is always set to a static sentence.
 */
enum net_verdict net_policy_decide(const struct net_policy *p, const struct host *h, uint16_t port,
				   const char **ret_reason);

/*
 * Vets one resolved address `addr` of the destination `name` before it is dialled; the caller
 * dials exactly the address that passed (no second lookup). In order, first rule that applies:
 *
 *  1. addr not an IPv4/IPv6 address                                → DENY
 *  2. name given and net_policy_decide(name, port) does not allow  → its verdict (DENY or
 *     UNLISTED: vet implies decide)
 *  3. addr matches a deniedDomains entry at port (an IP literal, *) → DENY
 *  4. addr matches an allowedDomains IP literal at port             → ALLOW, whatever its class
 *     (an address the sandbox may dial by literal is never refused through a name)
 *  5. name is "localhost" or "*.localhost" (RFC 6761): ALLOW if addr is loopback, else DENY.
 *     The name passed rule 2, and only an entry that itself spells a localhost name
 *     ("localhost", "localhost:8000", "*.dev.localhost") can allow such a name, so the user
 *     asked for this host's loopback by name; past rule 4, a localhost name reaches nothing
 *     but loopback, however the resolver answers.
 *  6. addr is not public (loopback, private, link-local, metadata, unspecified, multicast,
 *     broadcast, reserved; IPv6 forms that embed IPv4 judged by the embedded address) → DENY
 *  7. addr equals one of `own` (this host's interface addresses)   → DENY
 *  8. otherwise                                                     → ALLOW
 *
 * So an allowed "localhost" grants loopback to localhost names only: "*.example.com" resolving
 * to 127.0.0.1 is still refused. Addresses are compared after IPv4-mapped/compatible IPv6 is
 * folded to IPv4, so callers may pass getaddrinfo() results as they come (host_from_address()).
 * name may be NULL (vet the address alone). *ret_reason (may be NULL) is always set; a DENY
 * reason reads like "resolved to a loopback address".
 */
enum net_verdict net_policy_vet_address(const struct net_policy *p, const struct host *name,
					const struct host *addr, uint16_t port,
					const struct host *own, size_t n_own,
					const char **ret_reason);
