/* SPDX-License-Identifier: Apache-2.0 */
/* domain_pattern_valid(): the tables of srt-behaviour.md §2.1/§2.2 plus srt's stricter rules. */
#include <stdbool.h>
#include <string.h>

#include "tap.h"

#include "settings.h"

struct row {
	const char *pattern;
	bool allow; /* valid in allowedDomains */
	bool deny;  /* valid in deniedDomains */
};

/* clang-format off */
static const struct row rows[] = {
	/* the reference's own examples */
	{"example.com", true, true},
	{"*.github.com", true, true},
	{"localhost", true, true},
	{"*.co.uk", true, true},
	{"*.example.com", true, true},
	{"not-a-domain", false, false},
	{"https://example.com", false, false},
	{"http://example.com", false, false},
	{"example.com/path", false, false},
	{"*example.com", false, false},
	{"a.*.com", false, false},
	{"*.com", false, false},
	{"*.", false, false},
	{"*", false, true},
	{".example.com", false, false},
	{"example.com.", false, false},
	{"", false, false},
	/* character set and labels (stricter than the reference) */
	{"a..b", false, false},
	{"exa mple.com", false, false},
	{"ex_ample.com", true, true},
	{"my-host.example.com", true, true},
	{"UPPER.COM", true, true},
	{"LOCALHOST", true, true},
	{"LocalHost:8080", true, true},
	{"1.2.3.4", true, true},
	{"1.2.3.4:80", true, true},
	/* IPv4 literals must be valid ones; wildcards never cover an address */
	{"1.2.3.256", false, false},
	{"10.1.70000", false, false},
	{"example.0x", false, false},
	{"*.1.2.3.4", false, false},
	{"*.2.3.4", false, false},
	{"host.123", false, false},
	{"*.example.123", false, false},
	{"127.1", true, true},
	{"0x7f.1", true, true},
	{"ex!ample.com", false, false},
	{"exämple.com", false, false},
	{"example.com\n", false, false},
	{"*.*.com", false, false},
	{"*.example.com.", false, false},
	{"*..example.com", false, false},
	{"**.example.com", false, false},
	/* ports */
	{"example.com:443", true, true},
	{"example.com:1", true, true},
	{"example.com:65535", true, true},
	{"example.com:0", false, false},
	{"example.com:65536", false, false},
	{"example.com:99999", false, false},
	{"example.com:080", false, false},
	{"example.com:", false, false},
	{"example.com:http", false, false},
	{"example.com:+80", false, false},
	{"example.com:-1", false, false},
	{"example.com:443:443", false, false},
	{"*.example.com:8443", true, true},
	{"*.com:443", false, false},
	{"localhost:3000", true, true},
	{":443", false, false},
	{"*:443", false, true},
	{"*:0", false, false},
	{"*:", false, false},
	/* IPv6 */
	{"[::1]", true, true},
	{"[::1]:443", true, true},
	{"[2001:db8::1]", true, true},
	{"[2001:db8::1]:443", true, true},
	{"[::ffff:192.0.2.1]", true, true},
	{"[::1]:", false, false},
	{"[::1]:0", false, false},
	{"[::1]x", false, false},
	{"[::1", false, false},
	{"[]", false, false},
	{"[1.2.3.4]", false, false},
	{"[fe80::1%eth0]", false, false},
	{"[not:an:address]", false, false},
	{"::1", false, false},
	{"2001:db8::1", false, false},
};
/* clang-format on */

static void test_lengths(void)
{
	char name[400];
	size_t n;

	/* a 63-byte label is fine, 64 is not */
	memset(name, 'a', 63);
	memcpy(name + 63, ".com", 5);
	ok(domain_pattern_valid(name, false), "63-byte label accepted");
	memset(name, 'a', 64);
	memcpy(name + 64, ".com", 5);
	ok(!domain_pattern_valid(name, false), "64-byte label refused");

	/* 253 bytes in total is fine, 254 is not */
	n = 0;
	while (n < 253) {
		size_t l = 253 - n >= 50 ? 49 : 253 - n;

		memset(name + n, 'b', l);
		n += l;
		if (n < 253)
			name[n++] = '.';
	}
	name[n] = '\0';
	is_int(strlen(name), 253, "built a 253-byte name");
	ok(domain_pattern_valid(name, false), "253-byte name accepted");
	memcpy(name + 253, ":443", 5);
	ok(domain_pattern_valid(name, false), "253-byte name with a port accepted");
	name[253] = 'c';
	name[254] = '\0';
	ok(!domain_pattern_valid(name, false), "254-byte name refused");
	ok(!domain_pattern_valid(NULL, true), "NULL refused");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		char shown[64];
		size_t k = 0;

		/* TAP descriptions must stay on one line */
		for (const char *c = r->pattern; *c && k + 5 < sizeof(shown); c++) {
			if ((unsigned char)*c < 0x20)
				k += (size_t)snprintf(shown + k, sizeof(shown) - k, "\\x%02x", *c);
			else
				shown[k++] = *c;
		}
		shown[k] = '\0';
		is_int(domain_pattern_valid(r->pattern, false), r->allow, "allow list: '%s' %s",
		       shown, r->allow ? "valid" : "invalid");
		is_int(domain_pattern_valid(r->pattern, true), r->deny, "deny list: '%s' %s", shown,
		       r->deny ? "valid" : "invalid");
	}
	test_lengths();
	return tap_exit();
}
