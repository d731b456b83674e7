/* SPDX-License-Identifier: Apache-2.0 */
/* srt's option parsing: compatible options, and parsing stops at the command. */
#include "cli-args.h"
#include "tap.h"

#define ARGV(...) ((char *[]){"srt", __VA_ARGS__, NULL})
#define ARGC(v) ((int)(sizeof(v) / sizeof(char *)) - 1)

/* argc is computed from the NULL-terminated vector; the `n` argument documents the count of
 * words after "srt" at each call site. */
static int parse(char **v, int n, struct cli_args *a, const char **e)
{
	const char *arg;
	int argc = 0;
	while (v[argc])
		argc++;
	if (argc != n + 1)
		printf("# word count mismatch: %d vs %d\n", argc - 1, n);
	return cli_parse(argc, v, a, e, &arg);
}

int main(void)
{
	struct cli_args a;
	const char *e;
	char **v;

	v = ARGV("ls", "-d", "/tmp");
	ok(parse(v, 3, &a, &e) == 0, "srt ls -d /tmp parses");
	ok(!a.debug, "-d after the command belongs to the command");
	is_str(a.argv[0], "ls", "command word");
	is_str(a.argv[1], "-d", "its option kept");

	v = ARGV("-d", "-s", "/x.json", "--", "-weird", "a");
	ok(parse(v, 6, &a, &e) == 0, "options then --");
	ok(a.debug, "-d before the command is srt's");
	is_str(a.settings, "/x.json", "-s PATH");
	is_str(a.argv[0], "-weird", "after --, a dash word is the command");

	v = ARGV("--settings=/y.json", "--debug", "true");
	ok(parse(v, 3, &a, &e) == 0 && a.debug, "--settings= and --debug");
	is_str(a.settings, "/y.json", "--settings=PATH");

	v = ARGV("-c", "echo hi | wc -c");
	ok(parse(v, 2, &a, &e) == 0, "-c");
	is_str(a.command, "echo hi | wc -c", "-c string kept verbatim");
	ok(a.argv[0] == NULL, "no positional command with -c");

	v = ARGV("-c", "x", "extra");
	ok(parse(v, 3, &a, &e) < 0, "-c with extra words is an error");

	v = ARGV("-s");
	ok(parse(v, 1, &a, &e) < 0, "-s without argument is an error");
	is_str(e, "option requires an argument", "message");

	v = ARGV("--bogus", "ls");
	ok(parse(v, 2, &a, &e) < 0, "unknown option before the command is an error");
	is_str(e, "unknown option", "message");

	v = ARGV("-V");
	ok(parse(v, 1, &a, &e) == 0 && a.version, "-V");
	v = ARGV("--help");
	ok(parse(v, 1, &a, &e) == 0 && a.help, "--help");

	v = ARGV("-d");
	ok(parse(v, 1, &a, &e) == 0 && a.argv[0] == NULL, "only -d: no command (caller reports)");

	v = ARGV("echo", "a  b", "c;d");
	ok(parse(v, 3, &a, &e) == 0, "argv with spaces and ;");
	is_str(a.argv[1], "a  b", "no re-splitting");
	is_str(a.argv[2], "c;d", "no shell interpretation");

	v = ARGV("-s", "");
	ok(parse(v, 2, &a, &e) < 0, "empty settings path refused");
	return tap_exit();
}
