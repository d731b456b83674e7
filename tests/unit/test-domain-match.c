/* SPDX-License-Identifier: Apache-2.0 */
/* domain_pattern_parse/matches, net_policy_decide, net_policy_vet_address. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"

#include "net/domain-match.h"
#include "settings.h"
#include "shared/macro.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

static struct host H(const char *s) {
	struct host h;
	const char *reason = NULL;

	if (host_canonicalize(s, strlen(s), &h, &reason) < 0) {
		printf("# test bug: host '%s' does not canonicalise: %s\n", s, reason);
		memset(&h, 0, sizeof(h));
	}
	return h;
}

/* A resolver result as it comes, without canonicalisation (may be IPv4-mapped IPv6). */
static struct host
RAW6(const char *s) {
	struct host h = {.kind = HOST_IPV6};

	inet_pton(AF_INET6, s, h.addr);
	inet_ntop(AF_INET6, h.addr, h.text, sizeof(h.text));
	return h;
}

/* ---- parsing ---- */

struct prow {
	const char *s;
	bool deny;
	bool ok;
	enum domain_pattern_kind kind;
	const char *text;
	uint16_t port;
};

#define P_OK(s, deny, kind, text, port)                                                            \
	{                                                                                          \
		s, deny, true, kind, text, port                                                    \
	}
#define P_BAD(s, deny)                                                                             \
	{                                                                                          \
		s, deny, false, 0, NULL, 0                                                         \
	}

/* clang-format off */
static const struct prow prows[] = {
	P_OK("example.com", false, PAT_NAME, "example.com", 0),
	P_OK("EXAMPLE.com.", false, PAT_NAME, "example.com", 0),
	P_OK("Example.COM", true, PAT_NAME, "example.com", 0),
	P_OK("example.com:443", false, PAT_NAME, "example.com", 443),
	P_OK("example.com:1", false, PAT_NAME, "example.com", 1),
	P_OK("example.com:65535", false, PAT_NAME, "example.com", 65535),
	P_OK("*.example.com", false, PAT_WILDCARD, "example.com", 0),
	P_OK("*.EXAMPLE.COM:8080", false, PAT_WILDCARD, "example.com", 8080),
	P_OK("*.example.com.", false, PAT_WILDCARD, "example.com", 0),
	P_OK("*.co.uk", false, PAT_WILDCARD, "co.uk", 0),
	P_OK("*.github.com", true, PAT_WILDCARD, "github.com", 0),
	P_OK("localhost", false, PAT_NAME, "localhost", 0),
	P_OK("LocalHost:8080", false, PAT_NAME, "localhost", 8080),
	P_OK("*.dev.localhost", false, PAT_WILDCARD, "dev.localhost", 0),
	P_OK("intranet", false, PAT_NAME, "intranet", 0),
	P_OK("ex_ample.com", false, PAT_NAME, "ex_ample.com", 0),
	P_OK("xn--bcher-kva.example", false, PAT_NAME, "xn--bcher-kva.example", 0),
	P_OK("127.0.0.1", false, PAT_ADDR, "127.0.0.1", 0),
	P_OK("127.1", false, PAT_ADDR, "127.0.0.1", 0),
	P_OK("0x7f.1:8000", false, PAT_ADDR, "127.0.0.1", 8000),
	P_OK("2130706433", false, PAT_ADDR, "127.0.0.1", 0),
	P_OK("1.2.3.4:80", true, PAT_ADDR, "1.2.3.4", 80),
	P_OK("[::1]", false, PAT_ADDR, "::1", 0),
	P_OK("[::1]:443", false, PAT_ADDR, "::1", 443),
	P_OK("[::1]:65535", false, PAT_ADDR, "::1", 65535),
	P_OK("[::ffff:127.0.0.1]", false, PAT_ADDR, "127.0.0.1", 0),
	P_OK("[2001:DB8::1]:443", false, PAT_ADDR, "2001:db8::1", 443),
	P_OK("[0:0:0:0:0:0:0:1]", true, PAT_ADDR, "::1", 0),
	P_OK("*", true, PAT_ANY, "", 0),
	P_OK("*:443", true, PAT_ANY, "", 443),
	/* accepted by domain_pattern_valid(), inert here: no destination can spell them */
	P_OK("1.2.3.256", false, PAT_NAME, "1.2.3.256", 0),
	P_OK("FOO.123", true, PAT_NAME, "foo.123", 0),
	P_OK("1.2.3.4.5:80", false, PAT_NAME, "1.2.3.4.5", 80),
	P_OK("*.1.2.3.4", false, PAT_WILDCARD, "1.2.3.4", 0),
	P_OK("*.1.2", true, PAT_WILDCARD, "1.2", 0),
	P_OK("*.EXAMPLE.123", false, PAT_WILDCARD, "example.123", 0),

	P_BAD("", false),
	P_BAD("*", false),
	P_BAD("*:443", false),
	P_BAD("*.com", false),
	P_BAD("*.com", true),
	P_BAD("*.localhost", false),
	P_BAD("*.", false),
	P_BAD("*..example.com", false),
	P_BAD("**.example.com", false),
	P_BAD("*.*.com", false),
	P_BAD("*example.com", false),
	P_BAD("a.*.com", false),
	P_BAD("example.*", false),
	P_BAD("*.example.com..", false),
	P_BAD("*.[::1]", false),
	P_BAD("*.127.0.0.1.", false),
	P_BAD("a..b", false),
	P_BAD(".example.com", false),
	P_BAD("example.com..", false),
	P_BAD("http://example.com", false),
	P_BAD("example.com/path", false),
	P_BAD("example.com:0", false),
	P_BAD("example.com:65536", false),
	P_BAD("example.com:99999", false),
	P_BAD("example.com:080", false),
	P_BAD("example.com:", false),
	P_BAD("example.com:44a", false),
	P_BAD("example.com:+443", false),
	P_BAD("example.com:-1", false),
	P_BAD(":443", false),
	P_BAD(":", false),
	P_BAD("::1", false),
	P_BAD("::1", true),
	P_BAD("2001:db8::1:443", false),
	P_BAD("fe80::1", false),
	P_BAD("[::1]x", false),
	P_BAD("[::1]:", false),
	P_BAD("[::1]:0", false),
	P_BAD("[::1]:080", false),
	P_BAD("[::1]]", false),
	P_BAD("[::1", false),
	P_BAD("[]", false),
	P_BAD("[1.2.3.4]", false),
	P_BAD("[example.com]", false),
	P_BAD("[fe80::1%eth0]", false),
	P_BAD("[fe80::1%25eth0]:443", false),
	P_BAD("exa mple.com", false),
	P_BAD("ex\tample.com", false),
	P_BAD("example.com\n", false),
	P_BAD("ex\xc3\xa4mple.com", false),
	P_BAD("\xe2\x84\xaa.com", false),
	P_BAD("example.com%00", false),
	P_BAD("example.com%23.evil", false),
	P_BAD("evil.com:443.allowed.com", false),
	P_BAD("user@example.com", false),
	P_BAD("example.com#x", false),
	P_BAD("ex!ample.com", false),
	P_BAD("999999999999", false),
};
/* clang-format on */

static const char *kind_name(enum domain_pattern_kind k)
{
	switch (k) {
	case PAT_NAME:
		return "name";
	case PAT_WILDCARD:
		return "wildcard";
	case PAT_ADDR:
		return "address";
	case PAT_ANY:
		return "any";
	}
	return "?";
}

static void test_parse(void)
{
	for (size_t i = 0; i < ELEMENTSOF(prows); i++) {
		const struct prow *r = &prows[i];
		struct domain_pattern p;
		const char *reason = NULL;
		int rc;

		memset(&p, 0x5a, sizeof(p));
		rc = domain_pattern_parse(r->s, r->deny, &p, &reason);
		if (!r->ok) {
			if (!ok(rc == -EINVAL && reason && *reason, "%s '%s' refused",
				r->deny ? "deny" : "allow", r->s))
				printf("#   got kind %s text '%s' port %u\n", kind_name(p.kind),
				       p.host.text, p.port);
			else
				printf("#   %s\n", reason);
			continue;
		}
		if (!ok(rc == 0 && p.kind == r->kind && strcmp(p.host.text, r->text) == 0 &&
			    p.port == r->port,
			"%s '%s' -> %s '%s' port %u", r->deny ? "deny" : "allow", r->s,
			kind_name(r->kind), r->text, r->port))
			printf("#   rc %d (%s) kind %s text '%s' port %u\n", rc, rc ? reason : "",
			       kind_name(p.kind), rc ? "" : p.host.text, rc ? 0 : p.port);
	}
	ok(domain_pattern_parse(NULL, false, &(struct domain_pattern){0}, NULL) == -EINVAL,
	   "NULL pattern refused");
	{
		char longp[400];

		memset(longp, 'a', sizeof(longp) - 1);
		longp[sizeof(longp) - 1] = '\0';
		ok(domain_pattern_parse(longp, false, &(struct domain_pattern){0}, NULL) == -EINVAL,
		   "399-byte pattern refused");
	}
}

/* Every pattern the settings-time validator accepts must parse (the lead's contract), tried on
 * a cross product of hosts and suffixes. */
static void test_superset_of_settings_validation(void)
{
	static const char *const hosts[] = {
	    "example.com",
	    "EXAMPLE.COM",
	    "*.example.com",
	    "*.co.uk",
	    "localhost",
	    "LOCALHOST",
	    "1.2.3.4",
	    "127.1",
	    "0x7f.1",
	    "1.2.3.256",
	    "a.b.c.d.e.f.g",
	    "*.1.2.3.4",
	    "foo.123",
	    "a-b.c_d",
	    "_x._y",
	    "-.-",
	    "0.0",
	    "*.0.0",
	    "x.0x",
	    "*.a.0x",
	    "0x.0x",
	    "00.00",
	    "09.1",
	    "*.09.1",
	    "[::1]",
	    "[::ffff:127.0.0.1]",
	    "[2001:db8::1]",
	    "[::]",
	    "[1::]",
	    "[fe80::1]",
	    "[::1.2.3.4]",
	    "*",
	    "a.b.",
	    "a..b",
	    "*.com",
	    "not-a-domain",
	    "x",
	    "",
	    "9.9",
	    "*.9.9.9.9.9",
	    "255.255.255.255",
	    "4294967295.1",
	    "1.4294967296",
	};
	static const char *const suffixes[] = {"",     ":1",	 ":80", ":443", ":65535", ":0",
					       ":080", ":65536", ":",	".",	"/",	  ":a"};
	char buf[128];
	int checked = 0, bad = 0;

	for (size_t i = 0; i < ELEMENTSOF(hosts); i++) {
		for (size_t j = 0; j < ELEMENTSOF(suffixes); j++) {
			for (int deny = 0; deny < 2; deny++) {
				struct domain_pattern p;
				const char *reason = NULL;

				snprintf(buf, sizeof(buf), "%s%s", hosts[i], suffixes[j]);
				if (!domain_pattern_valid(buf, deny))
					continue;
				checked++;
				if (domain_pattern_parse(buf, deny, &p, &reason) < 0) {
					bad++;
					printf("#   '%s' (%s): %s\n", buf, deny ? "deny" : "allow",
					       reason);
				}
			}
		}
	}
	ok(checked > 200 && bad == 0,
	   "all %d patterns domain_pattern_valid() accepts also parse (%d do not)", checked, bad);
}

/* ---- matching ---- */

struct mrow {
	const char *pattern;
	const char *host;
	uint16_t port;
	bool want;
};

/* clang-format off */
static const struct mrow mrows[] = {
	{"example.com", "example.com", 443, true},
	{"example.com", "EXAMPLE.COM.", 443, true},
	{"EXAMPLE.com.", "example.com", 80, true},
	{"example.com", "www.example.com", 443, false},
	{"example.com", "example.co", 443, false},
	{"example.com", "xexample.com", 443, false},
	{"example.com", "example.com.evil.com", 443, false},
	{"*.example.com", "a.example.com", 443, true},
	{"*.example.com", "a.b.example.com", 443, true},
	{"*.example.com", "A.EXAMPLE.COM.", 443, true},
	{"*.example.com", "_x.example.com", 443, true},
	{"*.example.com", "example.com", 443, false},
	{"*.example.com", "EXAMPLE.COM.", 443, false},
	{"*.example.com", "evilexample.com", 443, false},
	{"*.example.com", "a.evilexample.com", 443, false},
	{"*.example.com", "example.com.evil.com", 443, false},
	{"*.example.com", "a.example.com.evil", 443, false},
	{"*.example.com", "example.org", 443, false},
	{"*.example.com", "com", 443, false},
	{"*.github.com", "malicious-github.com", 443, false},
	{"*.co.uk", "bbc.co.uk", 443, true},
	{"*.co.uk", "co.uk", 443, false},
	{"*.1.2.3.4", "1.2.3.4", 443, false},
	{"*.0.0.1", "127.0.0.1", 443, false},
	{"*.localhost.example", "127.0.0.1", 443, false},
	{"127.0.0.1", "127.0.0.1", 80, true},
	{"127.0.0.1", "127.1", 80, true},
	{"127.0.0.1", "2130706433", 80, true},
	{"127.0.0.1", "0x7f.1", 80, true},
	{"127.0.0.1", "0177.0.0.1", 80, true},
	{"127.0.0.1", "127.0.1", 80, true},
	{"127.0.0.1", "0x7f000001", 80, true},
	{"127.0.0.1", "[::ffff:127.0.0.1]", 80, true},
	{"127.0.0.1", "::ffff:7f00:1", 80, true},
	{"127.0.0.1", "::7f00:1", 80, true},
	{"127.0.0.1", "127.0.0.1.", 80, true},
	{"127.0.0.1", "64:ff9b::7f00:1", 80, false},
	{"127.0.0.1", "2002:7f00:1::", 80, false},
	{"127.0.0.1", "127.0.0.2", 80, false},
	{"127.0.0.1", "::1", 80, false},
	{"127.0.0.1", "localhost", 80, false},
	{"127.0.0.1", "127.0.0.1.nip.io", 80, false},
	{"2130706433", "127.0.0.1", 80, true},
	{"[::ffff:7f00:1]", "127.1", 80, true},
	{"[::1]", "::1", 80, true},
	{"[::1]", "[0:0:0:0:0:0:0:1]", 80, true},
	{"[::1]", "127.0.0.1", 80, false},
	{"[::1]", "localhost", 80, false},
	{"[2001:db8::1]", "2001:0DB8:0:0:0:0:0:1", 80, true},
	{"[2001:db8::1]", "2001:db8::1:0", 80, false},
	{"localhost", "localhost", 80, true},
	{"localhost", "LOCALHOST.", 80, true},
	{"localhost", "127.0.0.1", 80, false},
	{"localhost", "::1", 80, false},
	{"localhost", "a.localhost", 80, false},
	{"1.2.3.256", "1.2.3.4", 80, false},
	/* ports */
	{"example.com:443", "example.com", 443, true},
	{"example.com:443", "example.com", 80, false},
	{"example.com:443", "example.com", 0, false},
	{"example.com", "example.com", 0, true},
	{"*.example.com:443", "a.example.com", 443, true},
	{"*.example.com:443", "a.example.com", 8443, false},
	{"[::1]:8080", "::1", 8080, true},
	{"[::1]:8080", "::1", 8081, false},
	{"127.1:8000", "127.0.0.1", 8000, true},
	{"127.1:8000", "127.0.0.1", 80, false},
	{"localhost:3128", "localhost", 3128, true},
	{"localhost:3128", "localhost", 3129, false},
};

struct drow {
	const char *host;
	uint16_t port;
	bool want;
};

/* deny-list-only patterns, matched through the deny list */
static const struct {
	const char *pattern;
	const char *host;
	uint16_t port;
	bool want;
} anyrows[] = {
	{"*", "example.com", 443, true},
	{"*", "127.0.0.1", 80, true},
	{"*", "::1", 80, true},
	{"*:443", "example.com", 443, true},
	{"*:443", "example.com", 80, false},
	{"*:443", "1.2.3.4", 443, true},
};
/* clang-format on */

static void test_match(void)
{
	for (size_t i = 0; i < ELEMENTSOF(mrows); i++) {
		const struct mrow *r = &mrows[i];
		struct domain_pattern p;
		const char *reason = NULL;
		struct host h;

		if (domain_pattern_parse(r->pattern, false, &p, &reason) < 0 ||
		    host_canonicalize(r->host, strlen(r->host), &h, &reason) < 0) {
			ok(0, "'%s' vs '%s' set-up: %s", r->pattern, r->host, reason);
			continue;
		}
		is_int(domain_pattern_matches(&p, &h, r->port), r->want, "'%s' %s '%s' port %u",
		       r->pattern, r->want ? "matches" : "does not match", r->host, r->port);
	}
	for (size_t i = 0; i < ELEMENTSOF(anyrows); i++) {
		struct domain_pattern p;
		struct host h = H(anyrows[i].host);

		domain_pattern_parse(anyrows[i].pattern, true, &p, NULL);
		is_int(domain_pattern_matches(&p, &h, anyrows[i].port), anyrows[i].want,
		       "deny '%s' %s '%s' port %u", anyrows[i].pattern,
		       anyrows[i].want ? "matches" : "does not match", anyrows[i].host,
		       anyrows[i].port);
	}
	ok(!domain_pattern_matches(NULL, &(struct host){0}, 1), "NULL pattern matches nothing");
}

/* ---- policy ---- */

static int build(const char *const *allow, const char *const *deny, struct net_policy *p)
{
	const char *bad = NULL, *reason = NULL;
	int r;

	/* the lists are never written: the API takes char *const * like settings' strv */
	r = net_policy_build((char *const *)(uintptr_t)allow, (char *const *)(uintptr_t)deny, p,
			     &bad, &reason);
	if (r < 0)
		printf("# policy build failed at '%s': %s\n", bad ? bad : "?", reason);
	return r;
}

struct decide_row {
	const char *const *allow, *const *deny;
	const char *host;
	uint16_t port;
	enum net_verdict want;
	const char *reason;
};

static void test_decide(void)
{
	/* clang-format off */
	const struct decide_row decide_rows[] = {
		{L("example.com"), NONE, "example.com", 443, NET_ALLOW, "host is on the allow list"},
		{L("example.com"), NONE, "EXAMPLE.COM.", 443, NET_ALLOW, "host is on the allow list"},
		{L("example.com"), NONE, "other.com", 443, NET_UNLISTED, "host is not on the allow list"},
		{L("example.com"), NONE, "www.example.com", 443, NET_UNLISTED, "host is not on the allow list"},
		{NONE, NONE, "example.com", 443, NET_UNLISTED, "host is not on the allow list"},
		{NONE, NONE, "127.0.0.1", 80, NET_UNLISTED, "host is not on the allow list"},
		{L("*.example.com"), L("bad.example.com"), "bad.example.com", 443, NET_DENY, "host is on the deny list"},
		{L("*.example.com"), L("bad.example.com"), "BAD.EXAMPLE.COM.", 443, NET_DENY, "host is on the deny list"},
		{L("*.example.com"), L("bad.example.com"), "good.example.com", 443, NET_ALLOW, "host is on the allow list"},
		{L("*.example.com"), L("bad.example.com"), "x.bad.example.com", 443, NET_ALLOW, "host is on the allow list"},
		{L("*.example.com"), L("*.bad.example.com"), "x.bad.example.com", 443, NET_DENY, "host is on the deny list"},
		{L("*.example.com"), NONE, "example.com", 443, NET_UNLISTED, "host is not on the allow list"},
		{L("*.example.com"), NONE, "evilexample.com", 443, NET_UNLISTED, "host is not on the allow list"},
		{L("example.com"), L("example.com"), "example.com", 443, NET_DENY, "host is on the deny list"},
		{L("example.com"), L("EXAMPLE.COM."), "example.com", 443, NET_DENY, "host is on the deny list"},
		{L("example.com"), L("*"), "example.com", 443, NET_DENY, "host is on the deny list"},
		{L("example.com"), L("*:25"), "example.com", 25, NET_DENY, "host is on the deny list"},
		{L("example.com"), L("*:25"), "example.com", 443, NET_ALLOW, "host is on the allow list"},
		{L("example.com:443"), NONE, "example.com", 80, NET_UNLISTED, "host is not on the allow list"},
		{L("example.com:443", "example.com:80"), NONE, "example.com", 80, NET_ALLOW, "host is on the allow list"},
		{L("example.com"), L("example.com:22"), "example.com", 22, NET_DENY, "host is on the deny list"},
		{L("example.com"), L("example.com:22"), "example.com", 23, NET_ALLOW, "host is on the allow list"},
		{L("127.0.0.1"), NONE, "127.1", 80, NET_ALLOW, "host is on the allow list"},
		{L("127.0.0.1"), NONE, "2130706433", 80, NET_ALLOW, "host is on the allow list"},
		{L("127.0.0.1"), NONE, "[::ffff:127.0.0.1]", 80, NET_ALLOW, "host is on the allow list"},
		{L("127.0.0.1"), NONE, "127.0.0.2", 80, NET_UNLISTED, "host is not on the allow list"},
		{L("127.0.0.1"), NONE, "localhost", 80, NET_UNLISTED, "host is not on the allow list"},
		{L("*.example.com"), NONE, "127.0.0.1", 80, NET_UNLISTED, "host is not on the allow list"},
		{L("*.example.com"), NONE, "::1", 80, NET_UNLISTED, "host is not on the allow list"},
		{L("example.com", "127.0.0.1"), L("2130706433"), "0x7f.1", 80, NET_DENY, "host is on the deny list"},
		{L("example.com"), L("169.254.169.254"), "0xa9fea9fe", 80, NET_DENY, "host is on the deny list"},
		{L("*.example.com"), L("[::1]"), "::1", 80, NET_DENY, "host is on the deny list"},
		{L("localhost"), NONE, "localhost", 3128, NET_ALLOW, "host is on the allow list"},
		{L("localhost"), NONE, "127.0.0.1", 3128, NET_UNLISTED, "host is not on the allow list"},
		{L("localhost:8000"), NONE, "localhost", 3128, NET_UNLISTED, "host is not on the allow list"},
	};
	/* clang-format on */

	for (size_t i = 0; i < ELEMENTSOF(decide_rows); i++) {
		const struct decide_row *r = &decide_rows[i];
		struct net_policy p = {0};
		struct host h = H(r->host);
		const char *reason = NULL;
		enum net_verdict v;

		if (build(r->allow, r->deny, &p) < 0) {
			ok(0, "row %zu builds", i);
			continue;
		}
		v = net_policy_decide(&p, &h, r->port, &reason);
		if (!ok(v == r->want && reason && strcmp(reason, r->reason) == 0,
			"decide %s:%u (allow %s..., deny %s...) -> %s (%s)", r->host, r->port,
			r->allow[0] ? r->allow[0] : "-", r->deny[0] ? r->deny[0] : "-",
			r->want == NET_ALLOW ? "allow" : "deny", r->reason))
			printf("#   got %d (%s)\n", v, reason);
		net_policy_free(&p);
	}
	{
		const char *reason = NULL;
		struct host h = H("example.com");

		is_int(net_policy_decide(NULL, &h, 443, &reason), NET_DENY, "NULL policy denies");
		is_str(reason, "sandbox policy unavailable", "... with its reason");
		is_int(net_policy_decide(&(struct net_policy){0}, NULL, 443, &reason), NET_DENY,
		       "NULL host denies");
		is_str(reason, "malformed host", "... with its reason");
		is_int(net_policy_decide(&(struct net_policy){0}, &h, 443, NULL), NET_UNLISTED,
		       "NULL reason pointer is fine (an empty policy lists nothing)");
	}
}

static void test_build_errors(void)
{
	const struct {
		const char *const *allow, *const *deny;
		const char *bad;
	} t[] = {
	    {L("*"), NONE, "*"},
	    {L("ok.com", "a..b"), NONE, "a..b"},
	    {L("ok.com"), L("http://x.com"), "http://x.com"},
	    {L("ok.com"), L("ok.com", "::1"), "::1"},
	    {L("*.com"), NONE, "*.com"},
	    {NONE, L("example.com:0"), "example.com:0"},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct net_policy p = {.n_allow = 77};
		const char *bad = NULL, *reason = NULL;
		int r = net_policy_build((char *const *)(uintptr_t)t[i].allow,
					 (char *const *)(uintptr_t)t[i].deny, &p, &bad, &reason);

		ok(r == -EINVAL && bad && strcmp(bad, t[i].bad) == 0 && reason && p.n_allow == 77,
		   "build refuses '%s' (%s) and leaves *ret alone", t[i].bad, reason);
	}
	{
		struct net_policy p;

		ok(net_policy_build(NULL, NULL, &p, NULL, NULL) == 0 && p.n_allow == 0 &&
		       p.n_deny == 0 && !p.allow && !p.deny,
		   "NULL lists build an empty policy");
		net_policy_free(&p);
		net_policy_free(NULL);
		ok(1, "net_policy_free(NULL) and double free of a zeroed policy are fine");
		net_policy_free(&p);
		ok(net_policy_build(NULL, NULL, NULL, NULL, NULL) == -EINVAL, "NULL ret refused");
	}
	{
		struct net_policy p;

		ok(build(L("a.com", "*.b.com", "[::1]:443", "127.1"), L("*", "c.com"), &p) == 0 &&
		       p.n_allow == 4 && p.n_deny == 2 && p.allow[3].kind == PAT_ADDR &&
		       p.deny[0].kind == PAT_ANY,
		   "lists are parsed in order");
		net_policy_free(&p);
	}
}

/* ---- vetting ---- */

struct vet_row {
	const char *const *allow, *const *deny;
	const char *name; /* NULL: no name */
	struct host addr;
	uint16_t port;
	bool own; /* pass the "own" list below */
	enum net_verdict want;
	const char *reason;
};

static struct host own_addrs[4];

static void test_vet(void)
{
	/* clang-format off */
	const struct vet_row rows[] = {
		/* DNS rebinding: an allowed name resolving to an internal address */
		{L("*.example.com"), NONE, "evil.example.com", H("127.0.0.1"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("*.example.com"), NONE, "evil.example.com", H("127.0.0.53"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("*.example.com"), NONE, "evil.example.com", H("::1"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("*.example.com"), NONE, "evil.example.com", RAW6("::ffff:127.0.0.1"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("*.example.com"), NONE, "evil.example.com", RAW6("::7f00:1"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("*.example.com"), NONE, "evil.example.com", H("64:ff9b::7f00:1"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("*.example.com"), NONE, "evil.example.com", H("2002:7f00:1::"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("*.example.com"), NONE, "evil.example.com", H("10.0.0.1"), 443, false, NET_DENY, "resolved to a private address"},
		{L("*.example.com"), NONE, "evil.example.com", H("192.168.1.1"), 443, false, NET_DENY, "resolved to a private address"},
		{L("*.example.com"), NONE, "evil.example.com", H("172.20.0.1"), 443, false, NET_DENY, "resolved to a private address"},
		{L("*.example.com"), NONE, "evil.example.com", H("100.64.0.1"), 443, false, NET_DENY, "resolved to a private address"},
		{L("*.example.com"), NONE, "evil.example.com", H("fd12::1"), 443, false, NET_DENY, "resolved to a private address"},
		{L("*.example.com"), NONE, "evil.example.com", RAW6("::ffff:10.1.2.3"), 443, false, NET_DENY, "resolved to a private address"},
		{L("*.example.com"), NONE, "evil.example.com", H("169.254.169.254"), 80, false, NET_DENY, "resolved to a cloud metadata address"},
		{L("*.example.com"), NONE, "evil.example.com", RAW6("::ffff:169.254.169.254"), 80, false, NET_DENY, "resolved to a cloud metadata address"},
		{L("*.example.com"), NONE, "evil.example.com", H("64:ff9b::a9fe:a9fe"), 80, false, NET_DENY, "resolved to a cloud metadata address"},
		{L("*.example.com"), NONE, "evil.example.com", H("fd00:ec2::254"), 80, false, NET_DENY, "resolved to a cloud metadata address"},
		{L("*.example.com"), NONE, "evil.example.com", H("100.100.100.200"), 80, false, NET_DENY, "resolved to a cloud metadata address"},
		{L("*.example.com"), NONE, "evil.example.com", H("168.63.129.16"), 80, false, NET_DENY, "resolved to a cloud metadata address"},
		{L("*.example.com"), NONE, "evil.example.com", H("169.254.1.1"), 80, false, NET_DENY, "resolved to a link-local address"},
		{L("*.example.com"), NONE, "evil.example.com", H("fe80::1"), 80, false, NET_DENY, "resolved to a link-local address"},
		{L("*.example.com"), NONE, "evil.example.com", H("0.0.0.0"), 80, false, NET_DENY, "resolved to an unspecified address"},
		{L("*.example.com"), NONE, "evil.example.com", H("::"), 80, false, NET_DENY, "resolved to an unspecified address"},
		{L("*.example.com"), NONE, "evil.example.com", H("224.0.0.1"), 80, false, NET_DENY, "resolved to a multicast address"},
		{L("*.example.com"), NONE, "evil.example.com", H("ff02::1"), 80, false, NET_DENY, "resolved to a multicast address"},
		{L("*.example.com"), NONE, "evil.example.com", H("255.255.255.255"), 80, false, NET_DENY, "resolved to a broadcast address"},
		{L("*.example.com"), NONE, "evil.example.com", H("240.0.0.1"), 80, false, NET_DENY, "resolved to a reserved address"},
		{L("*.example.com"), NONE, "evil.example.com", H("2001:db8::1"), 80, false, NET_DENY, "resolved to a reserved address"},
		{L("*.example.com"), NONE, "www.example.com", H("93.184.216.34"), 443, false, NET_ALLOW, "resolved to a public address"},
		{L("*.example.com"), NONE, "www.example.com", H("2606:2800:220:1::1"), 443, false, NET_ALLOW, "resolved to a public address"},
		{L("*.example.com"), NONE, "www.example.com", RAW6("::ffff:93.184.216.34"), 443, false, NET_ALLOW, "resolved to a public address"},
		/* the host's own addresses */
		{L("*.example.com"), NONE, "www.example.com", H("198.41.0.4"), 443, true, NET_DENY, "resolved to an address of this host"},
		{L("*.example.com"), NONE, "www.example.com", RAW6("::ffff:198.41.0.4"), 443, true, NET_DENY, "resolved to an address of this host"},
		{L("*.example.com"), NONE, "www.example.com", H("2a01:4f8::2"), 443, true, NET_DENY, "resolved to an address of this host"},
		{L("*.example.com"), NONE, "www.example.com", H("93.184.216.34"), 443, true, NET_ALLOW, "resolved to a public address"},
		/* an explicitly allowed address is exempt, port-aware, and only that address */
		{L("127.0.0.1", "*.example.com"), NONE, "dev.example.com", H("127.0.0.1"), 8000, false, NET_ALLOW, "resolved address is on the allow list"},
		{L("127.0.0.1", "*.example.com"), NONE, "dev.example.com", RAW6("::ffff:127.0.0.1"), 8000, false, NET_ALLOW, "resolved address is on the allow list"},
		{L("127.1", "*.example.com"), NONE, "dev.example.com", H("127.0.0.1"), 8000, false, NET_ALLOW, "resolved address is on the allow list"},
		{L("127.0.0.1", "*.example.com"), NONE, "dev.example.com", H("127.0.0.2"), 8000, false, NET_DENY, "resolved to a loopback address"},
		{L("127.0.0.1", "*.example.com"), NONE, "dev.example.com", H("::1"), 8000, false, NET_DENY, "resolved to a loopback address"},
		{L("127.0.0.1", "*.example.com"), NONE, "dev.example.com", H("64:ff9b::7f00:1"), 8000, false, NET_DENY, "resolved to a loopback address"},
		{L("127.0.0.1:8000", "*.example.com"), NONE, "dev.example.com", H("127.0.0.1"), 8000, false, NET_ALLOW, "resolved address is on the allow list"},
		{L("127.0.0.1:8000", "*.example.com"), NONE, "dev.example.com", H("127.0.0.1"), 8001, false, NET_DENY, "resolved to a loopback address"},
		{L("[::1]", "*.example.com"), NONE, "dev.example.com", H("::1"), 8000, false, NET_ALLOW, "resolved address is on the allow list"},
		{L("169.254.169.254", "*.example.com"), NONE, "meta.example.com", H("169.254.169.254"), 80, false, NET_ALLOW, "resolved address is on the allow list"},
		{L("198.41.0.4", "*.example.com"), NONE, "www.example.com", H("198.41.0.4"), 443, true, NET_ALLOW, "resolved address is on the allow list"},
		{L("127.0.0.1"), NONE, "127.1", H("127.0.0.1"), 80, true, NET_ALLOW, "resolved address is on the allow list"},
		{L("10.0.0.1"), NONE, "[::ffff:10.0.0.1]", H("10.0.0.1"), 80, false, NET_ALLOW, "resolved address is on the allow list"},
		/* deny wins over the exemption */
		{L("*.example.com", "10.0.0.5"), L("10.0.0.5"), "x.example.com", H("10.0.0.5"), 80, false, NET_DENY, "resolved to a denied address"},
		{L("*.example.com"), L("93.184.216.34"), "www.example.com", H("93.184.216.34"), 443, false, NET_DENY, "resolved to a denied address"},
		{L("*.example.com"), L("93.184.216.34:443"), "www.example.com", H("93.184.216.34"), 80, false, NET_ALLOW, "resolved to a public address"},
		{L("*.example.com"), L("[2606:2800:220:1::1]"), "www.example.com", H("2606:2800:220:1::1"), 443, false, NET_DENY, "resolved to a denied address"},
		{L("*.example.com"), L("*:25"), "mail.example.com", H("93.184.216.34"), 25, false, NET_DENY, "host is on the deny list"},
		/* localhost names: loopback only, and only when a localhost entry allowed the name */
		{L("localhost"), NONE, "localhost", H("127.0.0.1"), 8000, false, NET_ALLOW, "allowed localhost name: loopback address"},
		{L("localhost"), NONE, "LOCALHOST.", H("::1"), 8000, false, NET_ALLOW, "allowed localhost name: loopback address"},
		{L("localhost"), NONE, "localhost", H("127.0.1.1"), 8000, false, NET_ALLOW, "allowed localhost name: loopback address"},
		{L("localhost"), NONE, "localhost", H("127.0.0.1"), 8000, true, NET_ALLOW, "allowed localhost name: loopback address"},
		{L("localhost"), NONE, "localhost", H("10.0.0.1"), 8000, false, NET_DENY, "a localhost name resolved to a non-loopback address"},
		{L("localhost"), NONE, "localhost", H("93.184.216.34"), 8000, false, NET_DENY, "a localhost name resolved to a non-loopback address"},
		{L("localhost"), NONE, "localhost", H("169.254.169.254"), 8000, false, NET_DENY, "a localhost name resolved to a non-loopback address"},
		{L("localhost"), NONE, "localhost", H("0.0.0.0"), 8000, false, NET_DENY, "a localhost name resolved to a non-loopback address"},
		{L("localhost"), NONE, "a.localhost", H("127.0.0.1"), 8000, false, NET_UNLISTED, "host is not on the allow list"},
		{L("localhost:8000"), NONE, "localhost", H("127.0.0.1"), 8000, false, NET_ALLOW, "allowed localhost name: loopback address"},
		{L("localhost:8000"), NONE, "localhost", H("127.0.0.1"), 22, false, NET_UNLISTED, "host is not on the allow list"},
		{L("*.dev.localhost"), NONE, "app.dev.localhost", H("127.0.0.1"), 3000, false, NET_ALLOW, "allowed localhost name: loopback address"},
		{L("*.dev.localhost"), NONE, "app.dev.localhost", H("8.8.8.8"), 3000, false, NET_DENY, "a localhost name resolved to a non-loopback address"},
		{L("localhost", "*.example.com"), NONE, "evil.example.com", H("127.0.0.1"), 8000, false, NET_DENY, "resolved to a loopback address"},
		{L("localhost", "*.example.com"), NONE, "localhost.example.com", H("127.0.0.1"), 8000, false, NET_DENY, "resolved to a loopback address"},
		{L("localhost"), L("localhost:3128"), "localhost", H("127.0.0.1"), 3128, false, NET_DENY, "host is on the deny list"},
		{L("localhost", "10.0.0.7"), NONE, "localhost", H("10.0.0.7"), 80, false, NET_ALLOW, "resolved address is on the allow list"},
		/* vet implies decide */
		{L("a.com"), NONE, "b.com", H("93.184.216.34"), 443, false, NET_UNLISTED, "host is not on the allow list"},
		{L("*.example.com"), L("bad.example.com"), "bad.example.com", H("93.184.216.34"), 443, false, NET_DENY, "host is on the deny list"},
		/* no name: the address alone */
		{L("a.com"), NONE, NULL, H("93.184.216.34"), 443, false, NET_ALLOW, "resolved to a public address"},
		{L("a.com"), NONE, NULL, H("127.0.0.1"), 443, false, NET_DENY, "resolved to a loopback address"},
		{L("127.0.0.1"), NONE, NULL, H("127.0.0.1"), 443, false, NET_ALLOW, "resolved address is on the allow list"},
		/* a name is no address */
		{L("a.com"), NONE, "a.com", H("a.com"), 443, false, NET_DENY, "resolved address is not an IP address"},
	};
	/* clang-format on */

	own_addrs[0] = H("198.41.0.4");
	own_addrs[1] = RAW6("2a01:4f8::2");
	own_addrs[2] = H("127.0.0.1");
	own_addrs[3] = RAW6("::ffff:192.168.1.20");

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		const struct vet_row *r = &rows[i];
		struct net_policy p = {0};
		struct host name;
		const char *reason = NULL;
		enum net_verdict v;

		if (build(r->allow, r->deny, &p) < 0) {
			ok(0, "vet row %zu builds", i);
			continue;
		}
		if (r->name)
			name = H(r->name);
		v = net_policy_vet_address(&p, r->name ? &name : NULL, &r->addr, r->port,
					   r->own ? own_addrs : NULL, r->own ? 4 : 0, &reason);
		if (!ok(v == r->want && reason && strcmp(reason, r->reason) == 0,
			"vet %s -> %s:%u%s (allow %s...) -> %s (%s)", r->name ? r->name : "(none)",
			r->addr.text, r->port, r->own ? " own" : "", r->allow[0],
			r->want == NET_ALLOW ? "allow" : "deny", r->reason))
			printf("#   got %d (%s)\n", v, reason);
		net_policy_free(&p);
	}
	{
		const char *reason = NULL;
		struct host a = H("8.8.8.8");

		is_int(net_policy_vet_address(NULL, NULL, &a, 443, NULL, 0, &reason), NET_DENY,
		       "vet with a NULL policy denies");
		is_str(reason, "sandbox policy unavailable", "... with its reason");
		is_int(net_policy_vet_address(&(struct net_policy){0}, NULL, NULL, 443, NULL, 0,
					      &reason),
		       NET_DENY, "vet with a NULL address denies");
	}
}

/* An IP literal the policy allows is never refused by the vetting (rule 4): every spelling. */
static void test_vet_never_refuses_allowed_literals(void)
{
	static const char *const allow[] = {
	    "127.0.0.1",       "10.1.2.3:8080", "[::1]",	   "169.254.169.254",
	    "[fd00:ec2::254]", "0.0.0.0",	"255.255.255.255", NULL};
	static const char *const probes[] = {
	    "127.0.0.1",       "127.1",	     "2130706433",	"0x7f.1", "::ffff:127.0.0.1",
	    "::7f00:1",	       "10.1.2.3",   "0xa010203",	"::1",	  "[0::1]",
	    "169.254.169.254", "0xa9fea9fe", "fd00:ec2::254",	"0",	  "4294967295",
	    "127.0.0.2",       "10.1.2.4",   "64:ff9b::7f00:1",
	};
	static const uint16_t ports[] = {80, 8080};
	struct net_policy p;
	int bad = 0, n = 0;

	if (build(allow, NONE, &p) < 0) {
		ok(0, "literal policy builds");
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
		for (size_t j = 0; j < ELEMENTSOF(ports); j++) {
			struct host h = H(probes[i]);
			enum net_verdict d = net_policy_decide(&p, &h, ports[j], NULL);
			enum net_verdict v =
			    net_policy_vet_address(&p, &h, &h, ports[j], own_addrs, 4, NULL);

			n += d == NET_ALLOW;
			if (d != v)
				bad++;
		}
	}
	ok(bad == 0 && n == 28, "decide and vet agree on %d literal probes (%d allowed)",
	   (int)(ELEMENTSOF(probes) * ELEMENTSOF(ports)), n);
	net_policy_free(&p);
}

int main(void)
{
	plan_no_plan();
	test_parse();
	test_superset_of_settings_validation();
	test_match();
	test_decide();
	test_build_errors();
	test_vet();
	test_vet_never_refuses_allowed_literals();
	return tap_exit();
}
