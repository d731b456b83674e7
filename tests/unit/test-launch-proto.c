/* SPDX-License-Identifier: Apache-2.0 */
/* The srt-launch protocol (launch-proto.c): requests built and parsed back, refusals of
 * malformed and oversized ones, and the reply lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "launch-proto.h"
#include "tap.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

/* body (without the prefix) of a request made from NUL-separated literal fields */
static int parse_fields(const char *f, size_t len)
{
	struct launch_request q;
	int r = launch_request_parse(f, len, &q);

	launch_request_done(&q);
	return r;
}

#define PARSE(lit) parse_fields(lit, sizeof(lit) - 1)

int main(void)
{
	char *argv[] = {"sh", "-c", "echo 'a b'", NULL}, *env[] = {"A=1", "B=", NULL};
	struct buf b = BUF_INIT;
	struct launch_request q;
	enum launch_line_kind k;
	const char *text;
	size_t tlen, n;
	char out[LAUNCH_MAX_LINE];
	long num;

	plan_no_plan();

	is_int(launch_request_build(TOKEN, "/home/u", argv, env, &b), 0, "build");
	is_int(launch_request_length((unsigned char *)b.data), (long)b.len - 4,
	       "the prefix announces the body's length");
	is_int(launch_request_parse(b.data + 4, b.len - 4, &q), 0, "parse it back");
	is_str(q.token, TOKEN, "token");
	is_str(q.cwd, "/home/u", "cwd");
	ok(q.argv[0] && !strcmp(q.argv[0], "sh") && !strcmp(q.argv[2], "echo 'a b'") && !q.argv[3],
	   "argv");
	ok(!strcmp(q.env[0], "A=1") && !strcmp(q.env[1], "B=") && !q.env[2], "env");
	launch_request_done(&q);
	buf_free(&b);

	is_int(launch_request_build("short", "/", argv, env, &b), -EINVAL,
	       "a bad token is refused");
	is_int(launch_request_build(TOKEN, "rel", argv, env, &b), -EINVAL, "a relative cwd too");
	is_int(launch_request_build(TOKEN, "/", (char *[]){NULL}, env, &b), -EINVAL,
	       "an empty argv");
	is_int((int)b.len, 0, "... and nothing was written");
	{
		char **many = calloc(LAUNCH_MAX_STRINGS + 2, sizeof(char *));
		for (size_t i = 0; i <= LAUNCH_MAX_STRINGS; i++)
			many[i] = "x";
		is_int(launch_request_build(TOKEN, "", many, NULL, &b), -E2BIG,
		       "more than %d arguments", LAUNCH_MAX_STRINGS);
		free(many);
	}
	{
		char *big = malloc(LAUNCH_MAX_REQUEST + 1);
		char *v[] = {big, NULL};
		memset(big, 'x', LAUNCH_MAX_REQUEST);
		big[LAUNCH_MAX_REQUEST] = '\0';
		is_int(launch_request_build(TOKEN, "", v, NULL, &b), -E2BIG, "more than 4 MiB");
		is_int((int)b.len, 0, "... and nothing is left in the buffer");
		free(big);
		buf_free(&b);
	}
	is_int(launch_request_length((unsigned char[]){0, 0, 0x40, 0}), (long)LAUNCH_MAX_REQUEST,
	       "4 MiB announced: accepted");
	is_int(launch_request_length((unsigned char[]){1, 0, 0x40, 0}), -EMSGSIZE,
	       "one byte more: refused");

	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "1\0true\0"
		     "0\0"),
	       0, "minimal request");
	is_int(PARSE("srt-launch/2\0" TOKEN "\0\0"
		     "1\0true\0"
		     "0\0"),
	       -EBADMSG, "other version");
	is_int(PARSE("srt-launch/1\0"
		     "0123\0\0"
		     "1\0true\0"
		     "0\0"),
	       -EBADMSG, "short token");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0rel\0"
		     "1\0true\0"
		     "0\0"),
	       -EBADMSG, "relative cwd");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "01\0true\0"
		     "0\0"),
	       -EBADMSG, "leading zero");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "0\0"
		     "0\0"),
	       -EBADMSG, "no argument");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "2\0true\0"
		     "0\0"),
	       -EBADMSG, "fewer arguments than announced");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "1\0true\0"
		     "0\0x"),
	       -EBADMSG, "trailing bytes");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "1\0true\0"
		     "0"),
	       -EBADMSG, "unterminated field");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "65537\0"),
	       -E2BIG, "a count past the limit");
	is_int(PARSE("srt-launch/1\0" TOKEN "\0\0"
		     "1x\0"),
	       -EBADMSG, "a count that is not a number");

	n = launch_line_format(out, LAUNCH_ERROR, 127, "command not found: 'a\nb\x1b'");
	ok(n == strlen("error 127 command not found: 'a?b?'\n") &&
	       !memcmp(out, "error 127 command not found: 'a?b?'\n", n),
	   "an error line: control bytes made harmless");
	is_int(launch_line_parse(out, n - 1, &k, &num, &text, &tlen), 0, "and parsed");
	ok(k == LAUNCH_ERROR && num == 127 && tlen == strlen("command not found: 'a?b?'"),
	   "kind, number and message");
	is_int(launch_line_parse("exit 0", 6, &k, &num, &text, &tlen), 0, "exit 0");
	ok(k == LAUNCH_EXIT && num == 0, "... kind and status");
	is_int(launch_line_parse("signal 15", 9, &k, &num, &text, &tlen), 0, "signal 15");
	is_int(launch_line_parse("exit 01", 7, &k, &num, &text, &tlen), -EBADMSG, "leading zero");
	is_int(launch_line_parse("exit -1", 7, &k, &num, &text, &tlen), -EBADMSG, "negative");
	is_int(launch_line_parse("exit 3000000000", 15, &k, &num, &text, &tlen), -EBADMSG,
	       "too big");
	is_int(launch_line_parse("exit 1 x", 8, &k, &num, &text, &tlen), -EBADMSG, "trailing text");
	is_int(launch_line_parse("error 1", 7, &k, &num, &text, &tlen), -EBADMSG,
	       "an error without a message");
	is_int(launch_line_parse("quit 1", 6, &k, &num, &text, &tlen), -EBADMSG, "unknown word");
	return tap_exit();
}
