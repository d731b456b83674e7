/* SPDX-License-Identifier: Apache-2.0 */
/* host_canonicalize(), addr_classify(): every spelling of field notes 3.3 #31-#33 and more. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"

#include "net/host.h"
#include "shared/macro.h"

struct row {
	const char *in;
	size_t len;
	enum host_kind kind; /* 0 = refused */
	const char *text;
};

/* sizeof - 1, so embedded NUL bytes are part of the input */
#define NAME(s, t)                                                                                 \
	{                                                                                          \
		s, sizeof(s) - 1, HOST_NAME, t                                                     \
	}
#define V4(s, t)                                                                                   \
	{                                                                                          \
		s, sizeof(s) - 1, HOST_IPV4, t                                                     \
	}
#define V6(s, t)                                                                                   \
	{                                                                                          \
		s, sizeof(s) - 1, HOST_IPV6, t                                                     \
	}
#define BAD(s)                                                                                     \
	{                                                                                          \
		s, sizeof(s) - 1, 0, NULL                                                          \
	}

/* clang-format off */
static const struct row rows[] = {
	/* names */
	NAME("example.com", "example.com"),
	NAME("EXAMPLE.COM", "example.com"),
	NAME("ALLOWED.com", "allowed.com"),
	NAME("allowed.com.", "allowed.com"),
	NAME("Example.Com.", "example.com"),
	NAME("localhost", "localhost"),
	NAME("LOCALHOST.", "localhost"),
	NAME("LocalHost", "localhost"),
	NAME("a", "a"),
	NAME("a.", "a"),
	NAME("a.b.c.d.e.f", "a.b.c.d.e.f"),
	NAME("xn--bcher-kva.example", "xn--bcher-kva.example"),
	NAME("XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example"),
	NAME("my_host.example.com", "my_host.example.com"),
	NAME("-a-.com", "-a-.com"),
	NAME("_dmarc.example.com", "_dmarc.example.com"),
	NAME("1.2.3.4.com", "1.2.3.4.com"),
	NAME("123.example", "123.example"),
	NAME("0x7f.example", "0x7f.example"),
	NAME("example.0x1g", "example.0x1g"),
	NAME("example.com1", "example.com1"),
	NAME("a1", "a1"),
	NAME("1a", "1a"),
	NAME("0xg", "0xg"),
	NAME("x0", "x0"),
	NAME("127.0.0.1.nip.io", "127.0.0.1.nip.io"),
	NAME("169.254.169.254.nip.io", "169.254.169.254.nip.io"),
	NAME("www.EXAMPLE.co.UK.", "www.example.co.uk"),
	NAME("a-b_c.d-e_f", "a-b_c.d-e_f"),
	NAME("1e2", "1e2"),
	NAME("ffff", "ffff"),
	NAME("deadbeef.com", "deadbeef.com"),
	NAME("0x1.a", "0x1.a"),
	NAME("1.2.3.-4", "1.2.3.-4"),
	NAME("1.2.3.4-", "1.2.3.4-"),

	/* empty, dots */
	BAD(""),
	BAD("."),
	BAD(".."),
	BAD("..."),
	BAD("allowed.com.."),
	BAD(".allowed.com"),
	BAD("a..b"),
	BAD("a...b"),
	BAD("allowed..com"),

	/* NUL, controls, space, DEL, non-ASCII (KELVIN SIGN U+212A is e2 84 aa) */
	BAD("a\0.allowed.com"),
	BAD("allowed.com\0"),
	BAD("\0allowed.com"),
	BAD("\0"),
	BAD("allowed.com\0.evil.com"),
	BAD("allowed.com\t"),
	BAD("\tallowed.com"),
	BAD("allo\twed.com"),
	BAD("allowed.com "),
	BAD(" allowed.com"),
	BAD("allo wed.com"),
	BAD("127.0.0.1 evil"),
	BAD("127.0.0.1 "),
	BAD("allowed.com\r\n"),
	BAD("allowed.com\r"),
	BAD("allowed.com\n"),
	BAD("allowed.com\nHost: evil.com"),
	BAD("allowed.com\x0b"),
	BAD("allowed.com\x0c"),
	BAD("allowed.com\x1b"),
	BAD("allowed.com\x7f"),
	BAD("\x01"),
	BAD("\xe2\x84\xaa" "example.com"),
	BAD("\xe2\x84\xaa"),
	BAD("kubernetes.\xe2\x84\xaa"),
	BAD("ex\xc3\xa4mple.com"),
	BAD("example.com\xe3\x80\x82" "evil"),  /* U+3002 IDEOGRAPHIC FULL STOP */
	BAD("example\xef\xbc\x8e" "com"),       /* U+FF0E FULLWIDTH FULL STOP */
	BAD("\x80"),
	BAD("\xff"),
	BAD("allowed.com\xc0\xae"),

	/* percent, URL delimiters, ports */
	BAD("allowed.com%00"),
	BAD("allowed.com%23.evil"),
	BAD("%65xample.com"),
	BAD("allowed.com%2e"),
	BAD("evil.com:443.allowed.com"),
	BAD("allowed.com:443"),
	BAD("allowed.com:"),
	BAD(":443"),
	BAD(":"),
	BAD("evil.com#.allowed.com"),
	BAD("evil.com?.allowed.com"),
	BAD("user@allowed.com"),
	BAD("allowed.com@evil.com"),
	BAD("evil.com/.allowed.com"),
	BAD("evil.com\\.allowed.com"),
	BAD("allowed.com/"),
	BAD("allowed.com#"),
	BAD("allowed.com?"),

	/* other punctuation fails the label character set */
	BAD("*.example.com"),
	BAD("*"),
	BAD("exa!mple.com"),
	BAD("a,b.com"),
	BAD("a;b.com"),
	BAD("a'b.com"),
	BAD("a\"b.com"),
	BAD("a<b>.com"),
	BAD("a=b.com"),
	BAD("a+b.com"),
	BAD("a~b.com"),
	BAD("a$b.com"),
	BAD("a&b.com"),
	BAD("a(b).com"),
	BAD("a|b.com"),
	BAD("a^b.com"),
	BAD("a`b.com"),
	BAD("a{b}.com"),

	/* brackets */
	BAD("[::1"),
	BAD("::1]"),
	BAD("[[::1]]"),
	BAD("[::1]:443"),
	BAD("[::1]."),
	BAD("[1.2.3.4]"),
	BAD("[127.0.0.1]"),
	BAD("[]"),
	BAD("["),
	BAD("]"),
	BAD("[example.com]"),
	BAD("a[b].com"),
	BAD("[::1]]"),
	BAD("[::1][::1]"),

	/* zone ids and broken IPv6 */
	BAD("fe80::1%eth0"),
	BAD("[fe80::1%eth0]"),
	BAD("[fe80::1%25eth0]"),
	BAD("fe80::1%25"),
	BAD(":::"),
	BAD("1:2:3:4:5:6:7:8:9"),
	BAD("1:2:3:4:5:6:7"),
	BAD("::ffff:1.2.3.256"),
	BAD("::ffff:127.1"),
	BAD("::g"),
	BAD("::1."),
	BAD("12345::1"),
	BAD("1::2::3"),
	BAD("[0000:0000:0000:0000:0000:0000:0000:0000:0]"),
	BAD("[::ffff:127.0.0.1 ]"),

	/* numeric last label that is no IPv4 literal */
	BAD("1.2.3.256"),
	BAD("256.1.1.1"),
	BAD("1.256.1.1"),
	BAD("1.1.256.1"),
	BAD("1.2.65536"),
	BAD("1.16777216"),
	BAD("999999999999"),
	BAD("4294967296"),
	BAD("0x100000000"),
	BAD("0x1ffffffff"),
	BAD("99999999999999999999999999999999999999"),
	BAD("0xffffffffffffffffffffffffffffffffffffffff"),
	BAD("1.2.3.4.5"),
	BAD("1.2.3.4.5."),
	BAD("08.1.1.1"),
	BAD("09"),
	BAD("1.2.3.08"),
	BAD("0x"),
	BAD("0X"),
	BAD("0x.1"),
	BAD("1.0x"),
	BAD("foo.123"),
	BAD("example.09"),
	BAD("example.123"),
	BAD("example.0x1f"),
	BAD("1..2"),
	BAD("1.2.3.4.."),
	BAD("0xg.1"),
	BAD("-1.2.3.4"),
	BAD("evil.com.127.0.0.1"),
	BAD("01777777777777"),
	BAD("040000000000"),

	/* IPv4 in every inet_aton spelling */
	V4("127.0.0.1", "127.0.0.1"),
	V4("127.1", "127.0.0.1"),
	V4("127.0.1", "127.0.0.1"),
	V4("2130706433", "127.0.0.1"),
	V4("0x7f.1", "127.0.0.1"),
	V4("0x7f.0.0.1", "127.0.0.1"),
	V4("0X7F.0.0.1", "127.0.0.1"),
	V4("0177.0.0.1", "127.0.0.1"),
	V4("0177.1", "127.0.0.1"),
	V4("0x7f000001", "127.0.0.1"),
	V4("0X7F000001", "127.0.0.1"),
	V4("017700000001", "127.0.0.1"),
	V4("127.0.0.1.", "127.0.0.1"),
	V4("127.1.", "127.0.0.1"),
	V4("127.000.000.001", "127.0.0.1"),
	V4("0x7F.0x0.0x0.0x1", "127.0.0.1"),
	V4("0x0000007f.1", "127.0.0.1"),
	V4("00000000000000000000000177.1", "127.0.0.1"),
	V4("0127.0.0.1", "87.0.0.1"),
	V4("127.0.0.01", "127.0.0.1"),
	V4("127.0.0.010", "127.0.0.8"),
	V4("1.2.3.04", "1.2.3.4"),
	V4("0", "0.0.0.0"),
	V4("00", "0.0.0.0"),
	V4("0x0", "0.0.0.0"),
	V4("0.0.0.0", "0.0.0.0"),
	V4("0x00000000000000000000000000001", "0.0.0.1"),
	V4("255.255.255.255", "255.255.255.255"),
	V4("4294967295", "255.255.255.255"),
	V4("0xffffffff", "255.255.255.255"),
	V4("037777777777", "255.255.255.255"),
	V4("255.16777215", "255.255.255.255"),
	V4("255.255.65535", "255.255.255.255"),
	V4("1.2.3.4", "1.2.3.4"),
	V4("10.1", "10.0.0.1"),
	V4("1.0", "1.0.0.0"),
	V4("169.254.169.254", "169.254.169.254"),
	V4("0xa9fea9fe", "169.254.169.254"),
	V4("0xA9FEA9FE", "169.254.169.254"),
	V4("2852039166", "169.254.169.254"),
	V4("0251.0376.0251.0376", "169.254.169.254"),
	V4("169.254.43518", "169.254.169.254"),
	V4("169.16689662", "169.254.169.254"),
	V4("8.8.8.8", "8.8.8.8"),

	/* IPv6 that embeds IPv4 and becomes IPv4 (mapped, compatible) */
	V4("::ffff:127.0.0.1", "127.0.0.1"),
	V4("[::ffff:127.0.0.1]", "127.0.0.1"),
	V4("::ffff:7f00:1", "127.0.0.1"),
	V4("[::FFFF:7F00:1]", "127.0.0.1"),
	V4("0:0:0:0:0:ffff:7f00:1", "127.0.0.1"),
	V4("0000:0000:0000:0000:0000:ffff:7f00:0001", "127.0.0.1"),
	V4("::7f00:1", "127.0.0.1"),
	V4("[::7f00:1]", "127.0.0.1"),
	V4("::127.0.0.1", "127.0.0.1"),
	V4("::ffff:0.0.0.0", "0.0.0.0"),
	V4("::ffff:a9fe:a9fe", "169.254.169.254"),
	V4("::ffff:169.254.169.254", "169.254.169.254"),
	V4("::2", "0.0.0.2"),
	V4("::0.0.1.0", "0.0.1.0"),
	V4("::ffff:8.8.8.8", "8.8.8.8"),

	/* IPv6, RFC 5952 text */
	V6("::1", "::1"),
	V6("[::1]", "::1"),
	V6("0:0:0:0:0:0:0:1", "::1"),
	V6("[0:0:0:0:0:0:0:1]", "::1"),
	V6("::0.0.0.1", "::1"),
	V6("::", "::"),
	V6("[::]", "::"),
	V6("::0.0.0.0", "::"),
	V6("64:ff9b::7f00:1", "64:ff9b::7f00:1"),
	V6("64:ff9b::127.0.0.1", "64:ff9b::7f00:1"),
	V6("2002:7f00:1::", "2002:7f00:1::"),
	V6("[2002:7f00:0001:0000::]", "2002:7f00:1::"),
	V6("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
	V6("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
	V6("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
	V6("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
	V6("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
	V6("1::", "1::"),
	V6("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
	V6("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
	V6("fe80::1", "fe80::1"),
	V6("FE80::1", "fe80::1"),
	V6("FF02::1", "ff02::1"),
	V6("2001:db8::1:443", "2001:db8::1:443"),
	V6("2606:4700:4700::1111", "2606:4700:4700::1111"),
	V6("fd00:ec2::254", "fd00:ec2::254"),
	V6("::ffff:0:1.2.3.4", "::ffff:0:102:304"),
	V6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	V6("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	V6("0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"),
	V6("1:0:0:0:1:0:0:0", "1::1:0:0:0"),
	V6("abcd:ef01:2345:6789:abcd:ef01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"),
};

struct crow {
	const char *in;
	enum addr_class c;
};

static const struct crow classes[] = {
	/* loopback in every spelling */
	{"127.0.0.1", ADDR_LOOPBACK}, {"127.1", ADDR_LOOPBACK}, {"2130706433", ADDR_LOOPBACK},
	{"0x7f.1", ADDR_LOOPBACK}, {"0177.0.0.1", ADDR_LOOPBACK}, {"127.0.1", ADDR_LOOPBACK},
	{"127.255.255.254", ADDR_LOOPBACK}, {"127.0.0.0", ADDR_LOOPBACK},
	{"::1", ADDR_LOOPBACK}, {"[::1]", ADDR_LOOPBACK},
	{"::ffff:127.0.0.1", ADDR_LOOPBACK}, {"::ffff:7f00:1", ADDR_LOOPBACK},
	{"::7f00:1", ADDR_LOOPBACK}, {"64:ff9b::7f00:1", ADDR_LOOPBACK},
	{"2002:7f00:1::", ADDR_LOOPBACK}, {"2002:7f00:1:1234::5", ADDR_LOOPBACK},
	/* unspecified */
	{"0.0.0.0", ADDR_UNSPECIFIED}, {"0", ADDR_UNSPECIFIED}, {"0.1.2.3", ADDR_UNSPECIFIED},
	{"0.255.255.255", ADDR_UNSPECIFIED}, {"::", ADDR_UNSPECIFIED},
	{"::ffff:0.0.0.0", ADDR_UNSPECIFIED}, {"64:ff9b::", ADDR_UNSPECIFIED},
	{"2002::", ADDR_UNSPECIFIED}, {"::2", ADDR_UNSPECIFIED},
	/* private */
	{"10.0.0.1", ADDR_PRIVATE}, {"10.255.255.255", ADDR_PRIVATE}, {"10.1", ADDR_PRIVATE},
	{"172.16.0.1", ADDR_PRIVATE}, {"172.31.255.255", ADDR_PRIVATE},
	{"192.168.1.1", ADDR_PRIVATE}, {"192.168.0.0", ADDR_PRIVATE},
	{"100.64.0.1", ADDR_PRIVATE}, {"100.127.255.255", ADDR_PRIVATE},
	{"100.100.100.199", ADDR_PRIVATE}, {"100.100.100.201", ADDR_PRIVATE},
	{"fc00::1", ADDR_PRIVATE}, {"fd12:3456::1", ADDR_PRIVATE}, {"fdff:ffff::1", ADDR_PRIVATE},
	{"fec0::1", ADDR_PRIVATE}, {"::ffff:10.0.0.1", ADDR_PRIVATE}, {"::a00:1", ADDR_PRIVATE},
	{"64:ff9b::a00:1", ADDR_PRIVATE}, {"64:ff9b::192.168.0.1", ADDR_PRIVATE},
	{"2002:c0a8:101::1", ADDR_PRIVATE}, {"64:ff9b:1::1", ADDR_PRIVATE},
	{"fd20:ce::253", ADDR_PRIVATE}, {"fd00:42::43", ADDR_PRIVATE},
	{"fd00:c1::a9fe:a9ff", ADDR_PRIVATE}, {"fd00:ec3::254", ADDR_PRIVATE},
	/* link-local */
	{"169.254.0.1", ADDR_LINK_LOCAL}, {"169.254.169.253", ADDR_LINK_LOCAL},
	{"169.254.169.255", ADDR_LINK_LOCAL}, {"169.254.255.255", ADDR_LINK_LOCAL},
	{"fe80::1", ADDR_LINK_LOCAL}, {"febf::1", ADDR_LINK_LOCAL},
	{"::ffff:169.254.1.1", ADDR_LINK_LOCAL},
	/* metadata, however spelled */
	{"169.254.169.254", ADDR_METADATA}, {"0xa9fea9fe", ADDR_METADATA},
	{"2852039166", ADDR_METADATA}, {"0251.0376.0251.0376", ADDR_METADATA},
	{"169.254.43518", ADDR_METADATA}, {"100.100.100.200", ADDR_METADATA},
	{"168.63.129.16", ADDR_METADATA}, {"192.0.0.192", ADDR_METADATA},
	{"fd00:ec2::254", ADDR_METADATA}, {"fd00:ec2::23", ADDR_METADATA},
	{"[FD00:EC2:0:0:0:0:0:254]", ADDR_METADATA}, {"fd20:ce::254", ADDR_METADATA},
	{"fd00:c1::a9fe:a9fe", ADDR_METADATA}, {"fd00:c1::169.254.169.254", ADDR_METADATA},
	{"fd00:42::42", ADDR_METADATA}, {"::ffff:169.254.169.254", ADDR_METADATA},
	{"::ffff:a9fe:a9fe", ADDR_METADATA}, {"::a9fe:a9fe", ADDR_METADATA},
	{"64:ff9b::a9fe:a9fe", ADDR_METADATA}, {"2002:a9fe:a9fe::", ADDR_METADATA},
	{"2002:a9fe:a9fe:1::1", ADDR_METADATA}, {"64:ff9b::100.100.100.200", ADDR_METADATA},
	{"::ffff:168.63.129.16", ADDR_METADATA},
	/* multicast */
	{"224.0.0.1", ADDR_MULTICAST}, {"239.255.255.255", ADDR_MULTICAST},
	{"ff02::1", ADDR_MULTICAST}, {"ff05::2", ADDR_MULTICAST}, {"ff00::", ADDR_MULTICAST},
	{"::ffff:224.0.0.1", ADDR_MULTICAST}, {"64:ff9b::e000:1", ADDR_MULTICAST},
	/* broadcast */
	{"255.255.255.255", ADDR_BROADCAST}, {"4294967295", ADDR_BROADCAST},
	{"0xffffffff", ADDR_BROADCAST}, {"::ffff:255.255.255.255", ADDR_BROADCAST},
	/* reserved */
	{"240.0.0.1", ADDR_RESERVED}, {"255.255.255.254", ADDR_RESERVED},
	{"192.0.0.1", ADDR_RESERVED}, {"192.0.0.255", ADDR_RESERVED},
	{"192.0.2.1", ADDR_RESERVED}, {"198.18.0.1", ADDR_RESERVED},
	{"198.19.255.255", ADDR_RESERVED}, {"198.51.100.1", ADDR_RESERVED},
	{"203.0.113.1", ADDR_RESERVED}, {"192.88.99.1", ADDR_RESERVED},
	{"2001:db8::1", ADDR_RESERVED}, {"2001::1", ADDR_RESERVED},
	{"2001:1ff::1", ADDR_RESERVED}, {"3fff::1", ADDR_RESERVED},
	{"3fff:fff::1", ADDR_RESERVED}, {"100::1", ADDR_RESERVED},
	{"4000::1", ADDR_RESERVED}, {"5f00::1", ADDR_RESERVED},
	{"e000::1", ADDR_RESERVED}, {"::ffff:0:1.2.3.4", ADDR_RESERVED},
	{"1::", ADDR_RESERVED}, {"64:ff9b:2::1", ADDR_RESERVED}, {"::ffff:240.0.0.1", ADDR_RESERVED},
	/* public, including the edges of every range */
	{"8.8.8.8", ADDR_PUBLIC}, {"1.1.1.1", ADDR_PUBLIC}, {"93.184.216.34", ADDR_PUBLIC},
	{"1.0.0.0", ADDR_PUBLIC}, {"9.255.255.255", ADDR_PUBLIC}, {"11.0.0.0", ADDR_PUBLIC},
	{"126.255.255.255", ADDR_PUBLIC}, {"128.0.0.0", ADDR_PUBLIC},
	{"172.15.255.255", ADDR_PUBLIC}, {"172.32.0.0", ADDR_PUBLIC},
	{"100.63.255.255", ADDR_PUBLIC}, {"100.128.0.0", ADDR_PUBLIC},
	{"192.167.255.255", ADDR_PUBLIC}, {"192.169.0.0", ADDR_PUBLIC},
	{"169.253.255.255", ADDR_PUBLIC}, {"169.255.0.0", ADDR_PUBLIC},
	{"223.255.255.255", ADDR_PUBLIC}, {"168.63.129.15", ADDR_PUBLIC},
	{"168.63.129.17", ADDR_PUBLIC}, {"192.0.1.0", ADDR_PUBLIC},
	{"198.17.255.255", ADDR_PUBLIC}, {"198.20.0.0", ADDR_PUBLIC},
	{"192.0.3.0", ADDR_PUBLIC}, {"192.88.98.255", ADDR_PUBLIC},
	{"2606:4700:4700::1111", ADDR_PUBLIC}, {"2001:4860:4860::8888", ADDR_PUBLIC},
	{"2001:200::1", ADDR_PUBLIC}, {"2a00:1450::1", ADDR_PUBLIC},
	{"3ffe::1", ADDR_PUBLIC}, {"2000::1", ADDR_PUBLIC},
	{"::ffff:8.8.8.8", ADDR_PUBLIC}, {"64:ff9b::808:808", ADDR_PUBLIC},
	{"2002:808:808::1", ADDR_PUBLIC}, 
};
/* clang-format on */

static const char *show(const char *s, size_t n, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x21 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			snprintf(buf + o, size - o, "\\x%02x", c);
			o += 4;
		}
	}
	buf[o] = '\0';
	return buf;
}

static bool text_chars_valid(const struct host *h)
{
	for (const char *p = h->text; *p; p++) {
		char c = *p;
		bool okc = false;

		switch (h->kind) {
		case HOST_NAME:
			okc = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_' || c == '.';
			break;
		case HOST_IPV4:
			okc = (c >= '0' && c <= '9') || c == '.';
			break;
		case HOST_IPV6:
			okc = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':';
			break;
		}
		if (!okc)
			return false;
	}
	return true;
}

static void test_rows(void)
{
	char buf[1024];

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		const struct row *r = &rows[i];
		const char *reason = NULL;
		struct host h, again;
		int rc;

		show(r->in, r->len, buf, sizeof(buf));
		rc = host_canonicalize(r->in, r->len, &h, &reason);
		if (!r->kind) {
			if (!ok(rc == -EINVAL && reason && *reason, "refused: '%s'", buf))
				printf("#   got kind %d text '%s'\n", rc == 0 ? (int)h.kind : -1,
				       rc == 0 ? h.text : "");
			continue;
		}
		if (!ok(rc == 0 && h.kind == r->kind && strcmp(h.text, r->text) == 0,
			"'%s' -> %s '%s'", buf,
			r->kind == HOST_NAME   ? "name"
			: r->kind == HOST_IPV4 ? "ipv4"
					       : "ipv6",
			r->text)) {
			printf("#   rc %d reason '%s' kind %d text '%s'\n", rc, rc ? reason : "",
			       rc ? 0 : (int)h.kind, rc ? "" : h.text);
			continue;
		}
		/* idempotence: the canonical text canonicalises to the very same struct */
		rc = host_canonicalize(h.text, strlen(h.text), &again, &reason);
		ok(rc == 0 && memcmp(&h, &again, sizeof(h)) == 0 && text_chars_valid(&h),
		   "'%s' is a fixed point", h.text);
	}
}

static void test_addr_bytes(void)
{
	struct host h;
	static const uint8_t lo[4] = {127, 0, 0, 1};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	ok(host_canonicalize("0x7f.1", 6, &h, NULL) == 0 && memcmp(h.addr, lo, 4) == 0 &&
	       memcmp(h.addr + 4, (uint8_t[12]){0}, 12) == 0,
	   "IPv4 address bytes in network order, rest zero");
	ok(host_canonicalize("[2001:DB8::1]", 13, &h, NULL) == 0 && memcmp(h.addr, v6, 16) == 0,
	   "IPv6 address bytes");
	ok(host_canonicalize("example.com", 11, &h, NULL) == 0 &&
	       memcmp(h.addr, (uint8_t[16]){0}, 16) == 0,
	   "a name has zero address bytes");
}

static void test_lengths(void)
{
	char name[600];
	struct host h;
	const char *reason = NULL;
	size_t n;
	int rc;

	/* a 63-byte label is fine, 64 is not */
	memset(name, 'a', 63);
	memcpy(name + 63, ".com", 4);
	ok(host_canonicalize(name, 67, &h, NULL) == 0 && strlen(h.text) == 67, "63-byte label");
	memset(name, 'a', 64);
	memcpy(name + 64, ".com", 4);
	rc = host_canonicalize(name, 68, &h, &reason);
	ok(rc == -EINVAL, "64-byte label refused (%s)", reason);

	/* 253 bytes: four labels 63+1+63+1+63+1+61 */
	memset(name, 'b', 253);
	name[63] = name[127] = name[191] = '.';
	ok(host_canonicalize(name, 253, &h, NULL) == 0 && strlen(h.text) == 253,
	   "253-byte name accepted");
	name[253] = '.';
	ok(host_canonicalize(name, 254, &h, NULL) == 0 && strlen(h.text) == 253,
	   "253-byte name with its trailing dot accepted");
	name[253] = 'b';
	rc = host_canonicalize(name, 254, &h, &reason);
	ok(rc == -EINVAL, "254-byte name refused (%s)", reason);
	name[254] = '.';
	rc = host_canonicalize(name, 255, &h, &reason);
	ok(rc == -EINVAL, "254-byte name with trailing dot refused (%s)", reason);
	memset(name, 'c', sizeof(name));
	for (n = 50; n < sizeof(name); n += 50)
		name[n] = '.';
	rc = host_canonicalize(name, sizeof(name), &h, &reason);
	ok(rc == -EINVAL, "600-byte input refused (%s)", reason);

	/* many labels of numbers, very long numbers */
	memset(name, '0', 63);
	rc = host_canonicalize(name, 63, &h, &reason);
	ok(rc == 0 && strcmp(h.text, "0.0.0.0") == 0, "63 zeros are octal zero");
	memset(name, '9', 63);
	rc = host_canonicalize(name, 63, &h, &reason);
	ok(rc == -EINVAL, "63 nines overflow (%s)", reason);
	memcpy(name, "0x", 2);
	memset(name + 2, 'f', 61);
	rc = host_canonicalize(name, 63, &h, &reason);
	ok(rc == -EINVAL, "0x + 61 f overflow (%s)", reason);
	memset(name, '0', 63);
	name[62] = '1';
	memcpy(name + 63, ".0x", 3);
	memset(name + 66, '0', 60);
	name[125] = '2';
	rc = host_canonicalize(name, 126, &h, &reason);
	ok(rc == 0 && strcmp(h.text, "1.0.0.2") == 0, "long zero-padded octal and hex parts: %s",
	   rc == 0 ? h.text : reason);
}

static void reason_has(const char *in, size_t n, const char *needle)
{
	char buf[64];
	const char *reason = NULL;
	struct host h;
	int rc;

	rc = host_canonicalize(in, n, &h, &reason);
	ok(rc == -EINVAL && reason && strstr(reason, needle),
	   "'%s' refused, reason mentions %s: %s", show(in, n, buf, sizeof(buf)), needle,
	   reason ? reason : "(none)");
}

static void test_failure_keeps_output(void)
{
	struct host h, before;
	const char *reason = "untouched";

	memset(&h, 0xa5, sizeof(h));
	before = h;
	ok(host_canonicalize("a..b", 4, &h, &reason) == -EINVAL &&
	       memcmp(&h, &before, sizeof(h)) == 0,
	   "a failed call leaves *ret alone");
	ok(host_canonicalize("1.2.3.256", 9, &h, NULL) == -EINVAL &&
	       memcmp(&h, &before, sizeof(h)) == 0,
	   "a failed IPv4 parse leaves *ret alone; NULL ret_reason is fine");
	ok(host_canonicalize("[::1", 4, &h, &reason) == -EINVAL &&
	       memcmp(&h, &before, sizeof(h)) == 0,
	   "a failed IPv6 parse leaves *ret alone");
	ok(host_canonicalize(NULL, 3, &h, &reason) == -EINVAL, "NULL input refused");
	ok(host_canonicalize("abc", 3, NULL, &reason) == -EINVAL, "NULL output refused");
	reason_has("a b", 3, "space");
	reason_has("a\0b", 3, "NUL");
	reason_has("a\tb", 3, "control");
	reason_has("fe80::1%eth0", 12, "zone");
	reason_has("\xe2\x84\xaa.com", 7, "non-ASCII");
	reason_has("1.2.3.256", 9, "IPv4");
	reason_has("a..b", 4, "empty label");
	reason_has("a.b:443", 7, "port");
	reason_has("a@b", 3, "'@'");
	reason_has("a]b", 3, "IPv6 literal");
	/* a length shorter than the string: only len bytes count */
	ok(host_canonicalize("example.com.evil", 11, &h, NULL) == 0 &&
	       strcmp(h.text, "example.com") == 0,
	   "only len bytes are read");
}

static void test_classes(void)
{
	for (size_t i = 0; i < ELEMENTSOF(classes); i++) {
		struct host h;
		const char *reason = NULL;
		int rc = host_canonicalize(classes[i].in, strlen(classes[i].in), &h, &reason);

		if (rc < 0) {
			ok(0, "'%s' canonicalises (%s)", classes[i].in, reason);
			continue;
		}
		is_str(addr_class_name(addr_classify(&h)), addr_class_name(classes[i].c),
		       "'%s' (%s) is %s", classes[i].in, h.text, addr_class_name(classes[i].c));
	}
}

static void test_class_misc(void)
{
	struct host h;
	static const char *const names[] = {"public",	  "loopback",	 "private",
					    "link-local", "unspecified", "multicast",
					    "broadcast",  "metadata",	 "reserved"};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		is_str(addr_class_name((enum addr_class)i), names[i], "class name %zu", i);
	is_str(addr_class_name((enum addr_class)99), "unknown", "out-of-range class name");
	host_canonicalize("example.com", 11, &h, NULL);
	is_int(addr_classify(&h), ADDR_RESERVED, "a name classifies as reserved");
	is_int(addr_classify(NULL), ADDR_RESERVED, "NULL classifies as reserved");
}

static void test_from_address(void)
{
	struct host h, c;
	struct in_addr a4;
	struct in6_addr a6;

	inet_pton(AF_INET, "169.254.169.254", &a4);
	ok(host_from_address(AF_INET, &a4, &h) == 0 && h.kind == HOST_IPV4 &&
	       strcmp(h.text, "169.254.169.254") == 0,
	   "AF_INET address");
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6);
	ok(host_from_address(AF_INET6, &a6, &h) == 0 && h.kind == HOST_IPV4 &&
	       strcmp(h.text, "127.0.0.1") == 0,
	   "AF_INET6 mapped address folds to IPv4");
	host_canonicalize("::ffff:127.0.0.1", 16, &c, NULL);
	ok(memcmp(&h, &c, sizeof(h)) == 0, "same struct as host_canonicalize()");
	inet_pton(AF_INET6, "2001:db8:0:0:1::1", &a6);
	ok(host_from_address(AF_INET6, &a6, &h) == 0 && h.kind == HOST_IPV6 &&
	       strcmp(h.text, "2001:db8::1:0:0:1") == 0,
	   "AF_INET6 address, RFC 5952 text");
	ok(host_from_address(AF_UNIX, &a6, &h) == -EAFNOSUPPORT, "AF_UNIX refused");
	ok(host_from_address(AF_INET, NULL, &h) == -EINVAL, "NULL address refused");
	/* in place */
	host_canonicalize("::7f00:1", 8, &h, NULL);
	h.kind = HOST_IPV6;
	memset(h.addr, 0, 10);
	h.addr[10] = h.addr[11] = 0xff;
	h.addr[12] = 10;
	h.addr[13] = h.addr[14] = 0;
	h.addr[15] = 1;
	ok(host_from_address(AF_INET6, h.addr, &h) == 0 && strcmp(h.text, "10.0.0.1") == 0,
	   "source inside the destination");
}

static void test_localhost_names(void)
{
	static const struct {
		const char *in;
		bool want;
	} t[] = {
	    {"localhost", true},      {"LOCALHOST.", true},  {"a.localhost", true},
	    {"a.b.localhost", true},  {"x.LocalHost", true}, {"notlocalhost", false},
	    {"localhost.com", false}, {"localhostx", false}, {"127.0.0.1", false},
	    {"::1", false},	      {"alocalhost", false}, {"localhost.localdomain", false},
	};
	struct host h;

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		if (host_canonicalize(t[i].in, strlen(t[i].in), &h, NULL) < 0) {
			ok(0, "'%s' canonicalises", t[i].in);
			continue;
		}
		is_int(host_is_localhost_name(&h), t[i].want, "'%s' %s a localhost name", t[i].in,
		       t[i].want ? "is" : "is not");
	}
	is_int(host_is_localhost_name(NULL), false, "NULL is not a localhost name");
}

/* Every single byte, alone and inside a name: only [A-Za-z0-9_-] (and '.', ':' in their
 * places) may pass, and the result never holds anything else. */
static void test_every_byte(void)
{
	int bad = 0;

	for (int c = 0; c < 256; c++) {
		char in[16] = "ab?cd.com";
		struct host h;
		bool want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		int rc;

		in[2] = (char)c;
		rc = host_canonicalize(in, 9, &h, NULL);
		if ((rc == 0) != want || (rc == 0 && !text_chars_valid(&h)))
			bad++;
	}
	is_int(bad, 0, "every byte value inside a name: only [A-Za-z0-9_-] accepted");
}

int main(void)
{
	plan_no_plan();
	test_rows();
	test_addr_bytes();
	test_lengths();
	test_failure_keeps_output();
	test_classes();
	test_class_misc();
	test_from_address();
	test_localhost_names();
	test_every_byte();
	return tap_exit();
}
