/* SPDX-License-Identifier: Apache-2.0 */
/* settings.c: schema, defaults, copies, file loading, and the exact text of every error class. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

#include "env-filter.h"
#include "settings.h"
#include "shared/strv.h"

#define ORIGIN "t.json"

#define NET_MIN "\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]}"
#define FS_MIN "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]}"
#define MIN "{" NET_MIN "," FS_MIN "}"
/* A valid config followed by one more top-level member (TOP must start with ','). */
#define WITH_TOP(top) "{" NET_MIN "," FS_MIN top "}"
#define WITH_NET(net) "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]" net "}," FS_MIN "}"
#define WITH_FS(fs)                                                                                \
	"{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]" fs "}}"

static int parse_n(const char *json, size_t len, struct srt_settings **ret, char **ret_msg,
		   int *ret_code)
{
	srt_error *e = NULL;
	int r = settings_parse(json, len, ORIGIN, ret, &e);

	*ret_msg = r < 0 ? strdup(srt_error_message(e)) : NULL;
	*ret_code = srt_error_code(e);
	srt_error_free(e);
	return r;
}

/* The error message for json, or NULL when it parses. */
static char *err_of(const char *json, size_t len)
{
	struct srt_settings *s = NULL;
	char *msg;
	int code, r = parse_n(json, len, &s, &msg, &code);

	if (r >= 0) {
		settings_free(s);
		return NULL;
	}
	if (code != SRT_E_CONFIG || (r != -EINVAL && r != -EFBIG))
		printf("# unexpected r=%d code=%d\n", r, code);
	return msg;
}

static void err_is(const char *json, const char *want)
{
	char *m = err_of(json, strlen(json));

	is_str(m, want, "error: %s", want);
	free(m);
}

static void err_like(const char *json, const char *needle)
{
	char *m = err_of(json, strlen(json));

	like_str(m, needle, "error contains: %s", needle);
	free(m);
}

static struct srt_settings *parse_ok(const char *json, const char *what)
{
	struct srt_settings *s = NULL;
	char *msg = NULL;
	int code, r = parse_n(json, strlen(json), &s, &msg, &code);

	if (!ok(r == 0 && s, "parses: %s", what))
		printf("#   %s\n", msg ? msg : "(no message)");
	free(msg);
	return s;
}

static bool all_lists_empty(const struct srt_settings *s)
{
	char **lists[] = {s->allowed_domains, s->denied_domains, s->allow_unix_sockets,
			  s->deny_read,	      s->allow_read,	 s->allow_write,
			  s->deny_write,      s->protected_paths};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (!lists[i] || lists[i][0])
			return false;
	return true;
}

static void test_default(void)
{
	struct srt_settings *s = settings_new_default();

	ok(s != NULL, "default settings");
	ok(all_lists_empty(s), "default: all lists empty and non-NULL");
	is_int(s->mandatory_deny_search_depth, 3, "default depth 3");
	is_int(s->http_proxy_port, 0, "default: no http proxy port");
	is_int(s->n_ignore_violations, 0, "default: no ignore rules");
	ok(!s->allow_pty && !s->allow_git_config && !s->allow_local_binding &&
	       !s->allow_all_unix_sockets && !s->enable_weaker_nested_sandbox &&
	       !s->allow_nested_user_namespaces,
	   "default: all booleans false");
	ok(s->source == NULL, "default: no source");
	ok(settings_free(s) == NULL, "settings_free returns NULL");
	ok(settings_free(NULL) == NULL, "settings_free(NULL)");
	ok(settings_copy(NULL) == NULL, "settings_copy(NULL)");
}

static void test_minimal(void)
{
	struct srt_settings *s = parse_ok(MIN, "minimal");

	if (!s)
		return;
	ok(all_lists_empty(s), "minimal: all lists empty and non-NULL");
	is_int(s->mandatory_deny_search_depth, 3, "minimal: depth 3");
	ok(s->source == NULL, "minimal: no source from a string");
	settings_free(s);

	s = parse_ok(" \n\t" MIN "\r\n ", "surrounding whitespace");
	settings_free(s);
	s = parse_ok("{\"\\u0066ilesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]},"
		     "\"n\\u0065twork\":{\"allowedDomains\":[],\"deniedDomains\":[]}}",
		     "escaped keys, other order");
	settings_free(s);
}

/* clang-format off */
static const char full[] =
	"{\n"
	"  \"network\": {\n"
	"    \"allowedDomains\": [\"example.com\", \"*.github.com\", \"localhost:3000\", \"[::1]\"],\n"
	"    \"deniedDomains\": [\"evil.example.com\", \"*:25\"],\n"
	"    \"allowUnixSockets\": [\"/var/run/docker.sock\", \"\"],\n"
	"    \"allowAllUnixSockets\": true,\n"
	"    \"allowLocalBinding\": true,\n"
	"    \"httpProxyPort\": 8080,\n"
	"    \"socksProxyPort\": 1080\n"
	"  },\n"
	"  \"filesystem\": {\n"
	"    \"denyRead\": [\"~/.ssh\"],\n"
	"    \"allowRead\": [\"~/.ssh/known_hosts\"],\n"
	"    \"allowWrite\": [\".\", \"/tmp\"],\n"
	"    \"denyWrite\": [\"./.env\", \"**/*.pem\"],\n"
	"    \"allowGitConfig\": true\n"
	"  },\n"
	"  \"ignoreViolations\": {\"*\": [\"/usr/bin\"], \"npm test\": [\"/tmp/a\", \"/tmp/b\"],"
	" \"x\": []},\n"
	"  \"enableWeakerNestedSandbox\": true,\n"
	"  \"allowNestedUserNamespaces\": true,\n"
	"  \"mandatoryDenySearchDepth\": 10,\n"
	"  \"allowPty\": true,\n"
	"  \"ripgrep\": {\"command\": \"rg\", \"args\": [\"--hidden\"]}\n"
	"}\n";
/* clang-format on */

static void check_full(const struct srt_settings *s, const char *what)
{
	is_int(strv_length(s->allowed_domains), 4, "%s: 4 allowed domains", what);
	is_str(s->allowed_domains[3], "[::1]", "%s: allowedDomains[3]", what);
	is_int(strv_length(s->denied_domains), 2, "%s: 2 denied domains", what);
	is_str(s->denied_domains[1], "*:25", "%s: deniedDomains[1]", what);
	is_int(strv_length(s->allow_unix_sockets), 2, "%s: 2 unix sockets", what);
	is_str(s->allow_unix_sockets[1], "", "%s: empty unix socket kept", what);
	ok(s->allow_all_unix_sockets && s->allow_local_binding, "%s: network booleans", what);
	is_int(s->http_proxy_port, 8080, "%s: httpProxyPort", what);
	is_int(s->socks_proxy_port, 1080, "%s: socksProxyPort", what);
	is_str(s->deny_read[0], "~/.ssh", "%s: denyRead", what);
	is_str(s->allow_read[0], "~/.ssh/known_hosts", "%s: allowRead", what);
	is_int(strv_length(s->allow_write), 2, "%s: 2 allowWrite", what);
	is_str(s->deny_write[1], "**/*.pem", "%s: denyWrite[1]", what);
	ok(s->allow_git_config, "%s: allowGitConfig", what);
	is_int(s->n_ignore_violations, 3, "%s: 3 ignore rules", what);
	if (s->n_ignore_violations == 3) {
		is_str(s->ignore_violations[0].command, "*", "%s: rule 0 command", what);
		is_str(s->ignore_violations[0].paths[0], "/usr/bin", "%s: rule 0 path", what);
		is_str(s->ignore_violations[1].command, "npm test", "%s: rule 1 command", what);
		is_int(strv_length(s->ignore_violations[1].paths), 2, "%s: rule 1 paths", what);
		is_str(s->ignore_violations[1].paths[1], "/tmp/b", "%s: rule 1 path 1", what);
		ok(s->ignore_violations[2].paths && !s->ignore_violations[2].paths[0],
		   "%s: rule 2 has an empty, non-NULL list", what);
	}
	ok(s->enable_weaker_nested_sandbox && s->allow_nested_user_namespaces && s->allow_pty,
	   "%s: top-level booleans", what);
	is_int(s->mandatory_deny_search_depth, 10, "%s: depth 10", what);
	ok(s->protected_paths != NULL, "%s: protected_paths non-NULL", what);
}

static void test_full(void)
{
	struct srt_settings *s = parse_ok(full, "every optional key"), *c;

	if (!s)
		return;
	check_full(s, "full");
	ok(!s->protected_paths[0], "full: protected_paths starts empty");

	/* copy: deep and equal */
	strv_push(&s->protected_paths, "/home/u/.srt-settings.json");
	s->source = strdup("/x/settings.json");
	c = settings_copy(s);
	ok(c != NULL, "copy");
	if (c) {
		check_full(c, "copy");
		ok(c->allowed_domains != s->allowed_domains &&
		       c->allowed_domains[0] != s->allowed_domains[0],
		   "copy: lists are deep copies");
		ok(c->ignore_violations != s->ignore_violations &&
		       c->ignore_violations[1].command != s->ignore_violations[1].command,
		   "copy: ignore rules are deep copies");
		is_str(c->source, "/x/settings.json", "copy: source");
		ok(c->source != s->source, "copy: source copied");
		is_str(c->protected_paths[0], "/home/u/.srt-settings.json",
		       "copy: protected paths");
	}
	settings_free(s);
	/* the copy outlives its original */
	if (c)
		is_str(c->deny_write[0], "./.env", "copy survives freeing the original");
	settings_free(c);
}

static void test_values(void)
{
	struct srt_settings *s;

	s = parse_ok(WITH_NET(",\"httpProxyPort\":8080.0,\"socksProxyPort\":1e3"),
		     "integral reals");
	if (s) {
		is_int(s->http_proxy_port, 8080, "8080.0 → 8080");
		is_int(s->socks_proxy_port, 1000, "1e3 → 1000");
	}
	settings_free(s);
	s = parse_ok(WITH_NET(",\"httpProxyPort\":1,\"socksProxyPort\":65535"),
		     "ports 1 and 65535");
	if (s)
		ok(s->http_proxy_port == 1 && s->socks_proxy_port == 65535, "port bounds kept");
	settings_free(s);
	s = parse_ok(WITH_TOP(",\"mandatoryDenySearchDepth\":1"), "depth 1");
	if (s)
		is_int(s->mandatory_deny_search_depth, 1, "depth 1 kept");
	settings_free(s);
	s = parse_ok(WITH_TOP(",\"ripgrep\":{\"command\":\"/usr/bin/rg\"}"),
		     "ripgrep without args");
	settings_free(s);
	s = parse_ok(WITH_TOP(",\"ignoreViolations\":{}"), "empty ignoreViolations");
	if (s)
		is_int(s->n_ignore_violations, 0, "no ignore rules");
	settings_free(s);
	s = parse_ok(WITH_FS(",\"allowGitConfig\":false"), "allowGitConfig false");
	settings_free(s);
	err_is("{\"network\":{\"allowedDomains\":[\"\\u00e9.example.com\"],\"deniedDomains\":[]}"
	       "," FS_MIN "}",
	       ORIGIN
	       ":1:31: network.allowedDomains[0]: invalid domain pattern '\xc3\xa9.example.com': "
	       "expected a domain (\"example.com\"), a wildcard (\"*.example.com\"), "
	       "\"localhost\" or a bracketed IPv6 literal (\"[::1]\"), optionally followed by "
	       "\":PORT\" (1-65535); overly broad patterns like \"*.com\" or \"*\" are not "
	       "allowed");
	s = parse_ok(WITH_FS(",\"allowRead\":[\"/caf\\u00e9\", \"/a b\", \"\\ud83d\\ude00\"]"),
		     "non-ASCII and spaces in paths");
	if (s)
		is_str(s->allow_read[0], "/caf\xc3\xa9", "escaped UTF-8 decoded");
	settings_free(s);
}

static void test_syntax_errors(void)
{
	char *m;

	err_is("", ORIGIN ": the file is empty");
	err_is(" \n\t\r ", ORIGIN ": the file is empty");
	err_is("{", ORIGIN ":1:1: invalid JSON: string or '}' expected near end of file");
	err_is(MIN " x", ORIGIN ":1:114: invalid JSON: end of file expected near 'x'");
	err_is("{\n  \"network\": {,\n}",
	       ORIGIN ":2:15: invalid JSON: string or '}' expected near ','");
	err_is("{\"a\":1,}", ORIGIN ":1:8: invalid JSON: string or '}' expected near '}'");
	err_is("// comment\n" MIN, ORIGIN ":1:1: invalid JSON: invalid token near '/'");
	err_is("\xef\xbb\xbf" MIN,
	       ORIGIN ":1:1: the file starts with a UTF-8 byte order mark, which "
		      "JSON does not allow; save it without one");
	err_like("{\"a\":\"\\u0000\"}", ORIGIN ":1:13: invalid JSON: \\u0000 is not allowed");
	err_like("{\"a\":\"\xff\"}", ORIGIN ":1:");
	err_like("{\"a\":\"\xff\"}", "invalid JSON: unable to decode byte 0xff");
	err_like("{\"a\":\"x\ny\"}", "invalid JSON");
	err_like("{\"network\":99999999999999999999}", "invalid JSON: too big integer");

	/* raw NUL bytes in the buffer (jansson 2.14 would accept "1\0}") */
	m = err_of("{\"a\0\":1}", 8);
	is_str(m, ORIGIN ":1:4: the file contains a NUL byte; settings must be text",
	       "NUL byte in a key");
	free(m);
	m = err_of(MIN "\0", sizeof(MIN));
	is_str(m, ORIGIN ":1:113: the file contains a NUL byte; settings must be text",
	       "trailing NUL byte");
	free(m);
	{
		static const char nul_after_number[] =
		    "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[],\n"
		    "\"httpProxyPort\":1e3\0}," FS_MIN "}";

		m = err_of(nul_after_number, sizeof(nul_after_number) - 1);
		is_str(m, ORIGIN ":2:20: the file contains a NUL byte; settings must be text",
		       "NUL byte after a number (fuzzer find: jansson accepts it)");
		free(m);
	}

	/* oversized text */
	{
		size_t n = SETTINGS_MAX_FILE_SIZE + 1;
		char *big = malloc(n);

		memset(big, ' ', n);
		memcpy(big, MIN, strlen(MIN));
		m = err_of(big, n);
		is_str(m, ORIGIN ": the file is larger than 1 MiB", "text larger than 1 MiB");
		free(m);
		m = err_of(big, n - 1);
		ok(m == NULL, "text of exactly 1 MiB accepted");
		free(m);
		free(big);
	}
}

static void test_top_level(void)
{
	err_is("[]", ORIGIN ":1:1: expected a JSON object at the top level, got an array");
	err_is("  \"x\"", ORIGIN ":1:3: expected a JSON object at the top level, got a string");
	err_is("null", ORIGIN ":1:1: expected a JSON object at the top level, got null");
	err_is("\n\n  42", ORIGIN ":3:3: expected a JSON object at the top level, got an integer");
	err_is("{}", ORIGIN ":1:1: required key 'network' is missing");
	err_is("{" NET_MIN "}", ORIGIN ":1:1: required key 'filesystem' is missing");
	err_is("{" FS_MIN "}", ORIGIN ":1:1: required key 'network' is missing");
}

static void test_required(void)
{
	err_is("{\n"
	       "  \"network\": {\n"
	       "    \"allowedDomains\": []\n"
	       "  },\n"
	       "  " FS_MIN "\n}",
	       ORIGIN ":2:14: network: required key 'deniedDomains' is missing");
	err_is("{" NET_MIN ", \"filesystem\": {\"denyRead\": [], \"denyWrite\": []}}",
	       ORIGIN ":1:68: filesystem: required key 'allowWrite' is missing");
	err_is(WITH_TOP(",\"ripgrep\":{\"args\":[]}"),
	       ORIGIN ":1:123: ripgrep: required key 'command' is missing");
}

static void test_types(void)
{
	err_is("{\"network\":[]," FS_MIN "}",
	       ORIGIN ":1:12: network: expected an object, got an array");
	err_is("{\"network\":{\"allowedDomains\":\"example.com\",\"deniedDomains\":[]}," FS_MIN "}",
	       ORIGIN ":1:30: network.allowedDomains: expected an array of strings, got a string");
	err_is("{\"network\":{\"allowedDomains\":[\"a.com\", 7],\"deniedDomains\":[]}," FS_MIN "}",
	       ORIGIN ":1:40: network.allowedDomains[1]: expected a string, got an integer");
	err_is(WITH_NET(",\"allowLocalBinding\":\"yes\""),
	       ORIGIN ":1:72: network.allowLocalBinding: expected a boolean, got a string");
	err_is(WITH_NET(",\"allowAllUnixSockets\":null"),
	       ORIGIN ":1:74: network.allowAllUnixSockets: expected a boolean, got null");
	err_is(WITH_NET(",\"allowUnixSockets\":{}"), ORIGIN
	       ":1:71: network.allowUnixSockets: expected an array of strings, got an object");
	err_is(WITH_FS(",\"allowRead\":[[\"/x\"]]"),
	       ORIGIN ":1:125: filesystem.allowRead[0]: expected a path (a string or a {\"path\", "
		      "\"literal\"} object), got an array");
	err_is(WITH_FS(",\"allowGitConfig\":1"),
	       ORIGIN ":1:129: filesystem.allowGitConfig: expected a boolean, got an integer");
	err_is(WITH_TOP(",\"allowPty\":0.5"),
	       ORIGIN ":1:124: allowPty: expected a boolean, got a number");
	err_is(WITH_TOP(",\"ignoreViolations\":[]"),
	       ORIGIN ":1:132: ignoreViolations: expected an object mapping command patterns to "
		      "arrays of paths, got an array");
	err_is(WITH_TOP(",\"ignoreViolations\":{\"npm test\":\"/tmp\"}"),
	       ORIGIN ":1:144: ignoreViolations[\"npm test\"]: expected an array of strings, got a "
		      "string");
	err_is(WITH_TOP(",\"ignoreViolations\":{\"x\":[\"/a\",false]}"),
	       ORIGIN ":1:143: ignoreViolations.x[1]: expected a string, got a boolean");
	err_is(WITH_TOP(",\"ripgrep\":\"rg\""), ORIGIN ":1:123: ripgrep: expected an object, got a "
						       "string");
	err_is(WITH_TOP(",\"ripgrep\":{\"command\":[\"rg\"]}"),
	       ORIGIN ":1:134: ripgrep.command: expected a string, got an array");
	err_is(WITH_TOP(",\"ripgrep\":{\"command\":\"rg\",\"args\":\"-u\"}"),
	       ORIGIN ":1:146: ripgrep.args: expected an array of strings, got a string");
}

static void test_numbers(void)
{
	err_is(WITH_TOP(",\"mandatoryDenySearchDepth\":0"),
	       ORIGIN ":1:140: mandatoryDenySearchDepth: expected an integer between 1 and 10, "
		      "got 0");
	err_is(WITH_TOP(",\"mandatoryDenySearchDepth\":11"),
	       ORIGIN ":1:140: mandatoryDenySearchDepth: expected an integer between 1 and 10, "
		      "got 11");
	err_is(WITH_TOP(",\"mandatoryDenySearchDepth\":2.5"),
	       ORIGIN ":1:140: mandatoryDenySearchDepth: expected an integer between 1 and 10, "
		      "got 2.5");
	err_is(WITH_TOP(",\"mandatoryDenySearchDepth\":\"3\""),
	       ORIGIN ":1:140: mandatoryDenySearchDepth: expected an integer between 1 and 10, "
		      "got a string");
	err_is(WITH_NET(",\"httpProxyPort\":0"), ORIGIN
	       ":1:68: network.httpProxyPort: expected an integer between 1 and 65535, got 0");
	err_is(WITH_NET(",\"httpProxyPort\":65536"),
	       ORIGIN ":1:68: network.httpProxyPort: expected an integer between 1 and 65535, got "
		      "65536");
	err_is(WITH_NET(",\"socksProxyPort\":1.5"),
	       ORIGIN ":1:69: network.socksProxyPort: expected an integer between 1 and 65535, got "
		      "1.5");
	err_is(WITH_NET(",\"socksProxyPort\":\"80\""),
	       ORIGIN ":1:69: network.socksProxyPort: expected an integer between 1 and 65535, got "
		      "a string");
	err_is(WITH_NET(",\"socksProxyPort\":-1"),
	       ORIGIN ":1:69: network.socksProxyPort: expected an integer between 1 and 65535, got "
		      "-1");
	err_is(WITH_NET(",\"socksProxyPort\":1e300"),
	       ORIGIN ":1:69: network.socksProxyPort: expected an integer between 1 and 65535, got "
		      "1e+300");
	err_is(WITH_NET(",\"socksProxyPort\":9223372036854775807"),
	       ORIGIN ":1:69: network.socksProxyPort: expected an integer between 1 and 65535, got "
		      "9223372036854775807");
}

static void test_paths(void)
{
	srt_error *e = NULL;
	struct srt_settings *s = NULL;
	const char *example = "{\n"
			      "  \"network\": {\"allowedDomains\": [], \"deniedDomains\": []},\n"
			      "  \"filesystem\": {\n"
			      "    \"denyRead\": [ \"\"],\n"
			      "    \"allowWrite\": [], \"denyWrite\": []\n"
			      "  }\n"
			      "}\n";

	settings_parse(example, strlen(example), "/home/u/.srt-settings.json", &s, &e);
	is_str(srt_error_message(e),
	       "/home/u/.srt-settings.json:4:19: filesystem.denyRead[0]: path cannot be empty",
	       "the example message of the brief");
	is_int(srt_error_code(e), SRT_E_CONFIG, "error code SRT_E_CONFIG");
	is_int(srt_error_errno(e), EINVAL, "errno EINVAL");
	ok(s == NULL, "nothing returned on error");
	srt_error_free(e);

	err_is(WITH_FS(",\"allowRead\":[\"/a\",\"\"]"),
	       ORIGIN ":1:130: filesystem.allowRead[1]: path cannot be empty");
	err_is("{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\"/tmp/a\\nb\"],"
	       "\"denyWrite\":[]}}",
	       ORIGIN ":1:95: filesystem.allowWrite[0]: path contains the control character 0x0a "
		      "at byte 6");
	err_is(WITH_FS(",\"allowRead\":[\"\\u001b[31m\"]"),
	       ORIGIN ":1:125: filesystem.allowRead[0]: path contains the control character 0x1b "
		      "at byte 0");
	err_is(WITH_FS(",\"allowRead\":[\"/x\\u007f\"]"),
	       ORIGIN ":1:125: filesystem.allowRead[0]: path contains the control character 0x7f "
		      "at byte 2");
	err_is(WITH_NET(",\"allowUnixSockets\":[\"/a\\tb\"]"),
	       ORIGIN ":1:72: network.allowUnixSockets[0]: path contains the control character "
		      "0x09 at byte 2");
	err_is(WITH_TOP(",\"ignoreViolations\":{\"*\":[\"a\\rb\"]}"),
	       ORIGIN ":1:138: ignoreViolations[\"*\"][0]: path contains the control character "
		      "0x0d at byte 1");

	/* a value after a string full of JSON punctuation is still located exactly */
	err_is("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"a]\\\"}{,:\", \"{\"],"
	       "\"allowWrite\":[],\"denyWrite\":[\"ok\",\"\"]}}",
	       ORIGIN ":1:130: filesystem.denyWrite[1]: path cannot be empty");
	/* ... and after an escaped key, and after multi-byte characters (columns count them once)
	 */
	err_is("{" NET_MIN
	       ",\"filesystem\":{\"denyRead\":[\"\xc3\xa9\xe2\x82\xac\"],\"allow\\u0057rite\":[],"
	       "\"denyWrite\":[\"\"]}}",
	       ORIGIN ":1:119: filesystem.denyWrite[0]: path cannot be empty");
	err_is("{\n\t\"network\": {\"allowedDomains\": [], \"deniedDomains\": []},\n"
	       "\t\"ignoreViolations\": {\"\xc3\xa9t\xc3\xa9\": [\"\"], \"k\\\"ey\": [1]},\n"
	       "\t" FS_MIN "\n}",
	       ORIGIN ":3:46: ignoreViolations[\"k\\\"ey\"][0]: expected a string, got an integer");
}

static void test_limits(void)
{
	size_t n = SETTINGS_MAX_LIST_ENTRIES + 1;
	struct buf b = BUF_INIT;
	char *m;

	/* 4096 entries are fine, 4097 are not */
	buf_puts(&b,
		 "{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[");
	for (size_t i = 0; i < n - 1; i++)
		buf_printf(&b, "%s\"/p%zu\"", i ? "," : "", i);
	buf_puts(&b, "]}}");
	m = err_of(b.data, b.len);
	ok(m == NULL, "4096 list entries accepted");
	free(m);
	buf_free(&b);

	buf_puts(&b,
		 "{" NET_MIN ",\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s\"/p%zu\"", i ? "," : "", i);
	buf_puts(&b, "]}}");
	m = err_of(b.data, b.len);
	is_str(m,
	       ORIGIN ":1:109: filesystem.denyWrite: the list has 4097 entries; at most 4096 are "
		      "allowed",
	       "4097 list entries refused");
	free(m);
	buf_free(&b);

	/* ignoreViolations has the same limit on its number of commands */
	buf_puts(&b, WITH_TOP(",\"ignoreViolations\":{"));
	b.len--; /* drop the closing '}' of WITH_TOP */
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s\"c%zu\":[]", i ? "," : "", i);
	buf_puts(&b, "}}");
	m = err_of(b.data, b.len);
	is_str(m,
	       ORIGIN ":1:132: ignoreViolations: the object has 4097 entries; at most 4096 are "
		      "allowed",
	       "4097 ignoreViolations commands refused");
	free(m);
	buf_free(&b);

	/* strings of 4096 bytes are fine, 4097 are not */
	for (size_t len = SETTINGS_MAX_STRING_LEN; len <= SETTINGS_MAX_STRING_LEN + 1; len++) {
		buf_puts(&b, "{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"/");
		for (size_t i = 1; i < len; i++)
			buf_puts(&b, "a");
		buf_puts(&b, "\"],\"allowWrite\":[],\"denyWrite\":[]}}");
		m = err_of(b.data, b.len);
		if (len == SETTINGS_MAX_STRING_LEN)
			ok(m == NULL, "4096-byte path accepted");
		else
			is_str(m,
			       ORIGIN
			       ":1:79: filesystem.denyRead[0]: the string is 4097 bytes long; "
			       "at most 4096 are allowed",
			       "4097-byte path refused");
		free(m);
		buf_free(&b);
	}

	/* a command pattern (a key) longer than the limit */
	buf_puts(&b, WITH_TOP(",\"ignoreViolations\":{\""));
	b.len--;
	for (size_t i = 0; i < SETTINGS_MAX_STRING_LEN + 1; i++)
		buf_puts(&b, "c");
	buf_puts(&b, "\":[]}}");
	m = err_of(b.data, b.len);
	like_str(m, ORIGIN ":1:133: ignoreViolations[\"ccccc",
		 "long command pattern: position of the key");
	like_str(m, "...\"]: the command pattern is 4097 bytes long; at most 4096 are allowed",
		 "long command pattern: message, key cut in the path");
	free(m);
	buf_free(&b);
}

static void test_deep(void)
{
	struct buf b = BUF_INIT;
	char *m;

	/* 2000 levels: jansson accepts, the schema refuses, the position is still found */
	buf_puts(&b, "{\"ignoreViolations\":{\"x\":[");
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "[");
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "]");
	buf_puts(&b, "]}}");
	m = err_of(b.data, b.len);
	is_str(m, ORIGIN ":1:27: ignoreViolations.x[0]: expected a string, got an array",
	       "2000-deep array inside ignoreViolations");
	free(m);
	buf_free(&b);

	/* an unknown key whose value is deep */
	buf_puts(&b, "{\"zzz\":");
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "{\"a\":");
	buf_puts(&b, "1");
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "}");
	buf_puts(&b, "}");
	m = err_of(b.data, b.len);
	is_str(m, ORIGIN ":1:2: zzz: unknown key", "2000-deep object under an unknown key");
	free(m);
	buf_free(&b);

	/* 100000 levels: jansson refuses (its limit is 2048) */
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "[");
	m = err_of(b.data, b.len);
	like_str(m, ORIGIN ":1:2049: invalid JSON: maximum parsing depth reached",
		 "100000-deep nesting refused");
	free(m);
	buf_free(&b);
}

static void test_unknown_keys(void)
{
	err_is(WITH_FS(",\"allowwrite\":[]"),
	       ORIGIN ":1:112: filesystem.allowwrite: unknown key (did you mean 'allowWrite'?)");
	err_is("{\"network\":{\"allowedDomain\":[],\"deniedDomains\":[]}," FS_MIN "}",
	       ORIGIN ":1:13: network.allowedDomain: unknown key (did you mean 'allowedDomains'?)");
	err_is("{\"network\":{\"allowed_domains\":[],\"deniedDomains\":[]}," FS_MIN "}",
	       ORIGIN ":1:13: network.allowed_domains: unknown key (did you mean "
		      "'allowedDomains'?)");
	err_is("{\"network\":{\"ALLOWED-DOMAINS\":[],\"deniedDomains\":[]}," FS_MIN "}",
	       ORIGIN ":1:13: network.ALLOWED-DOMAINS: unknown key (did you mean "
		      "'allowedDomains'?)");
	err_is(WITH_NET(",\"deniedDomians\":[]"),
	       ORIGIN ":1:52: network.deniedDomians: unknown key (did you mean 'deniedDomains'?)");
	err_is(WITH_TOP(",\"AllowPty\":true"),
	       ORIGIN ":1:113: AllowPty: unknown key (did you mean 'allowPty'?)");
	err_is(WITH_TOP(",\"mandatory_deny_search_depth\":3"),
	       ORIGIN ":1:113: mandatory_deny_search_depth: unknown key (did you mean "
		      "'mandatoryDenySearchDepth'?)");
	err_is(WITH_TOP(",\"filesytem\":{}"),
	       ORIGIN ":1:113: filesytem: unknown key (did you mean 'filesystem'?)");
	err_is(WITH_TOP(",\"allowWrite\":[\".\"]"),
	       ORIGIN ":1:113: allowWrite: unknown key ('allowWrite' belongs in 'filesystem')");
	err_is(WITH_NET(",\"allowPty\":true"),
	       ORIGIN ":1:52: network.allowPty: unknown key ('allowPty' belongs at the top level)");
	err_is(WITH_TOP(",\"foo\":1"), ORIGIN ":1:113: foo: unknown key");
	err_is(WITH_TOP(",\"a b\":1"), ORIGIN ":1:113: [\"a b\"]: unknown key");
	err_is(WITH_TOP(",\"\":1"), ORIGIN ":1:113: [\"\"]: unknown key");
	err_is(WITH_TOP(",\"\\n\\\"\\\\\":1"), ORIGIN ":1:113: [\"\\u000a\\\"\\\\\"]: unknown key");
	err_is(WITH_TOP(",\"ripgrep\":{\"command\":\"rg\",\"argz\":[]}"),
	       ORIGIN ":1:139: ripgrep.argz: unknown key (did you mean 'args'?)");
	/* filterRequest is a library-only function in 0.0.83: never valid in a file */
	err_is(WITH_NET(",\"filterRequest\":{}"),
	       ORIGIN ":1:52: network.filterRequest: unknown key");
	/* the first problem in document order is the one reported */
	err_is("{\"zz\":1,\"yy\":2}", ORIGIN ":1:2: zz: unknown key");
}

static void test_unsupported(void)
{
	static const char *const top[] = {"credentials",      "enableWeakerNetworkIsolation",
					  "allowAppleEvents", "seccomp",
					  "bwrapPath",	      "socatPath",
					  "javaAgentJarPath", "git",
					  "windows"};
	static const char *const net[] = {"deniedDomainReasons",
					  "strictAllowlist",
					  "deniedResolvedAddresses",
					  "allowMachLookup",
					  "mitmProxy",
					  "parentProxy",
					  "tlsTerminate",
					  "allowPlaintextHeaderSet",
					  "stripResponseHeaders",
					  "refuseOpaqueTunnels",
					  "requireHostMatch",
					  "ambiguousRequestTarget"};
	char json[512], want[256];

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		snprintf(json, sizeof(json), WITH_TOP(",\"%s\":{}"), top[i]);
		snprintf(want, sizeof(want),
			 ORIGIN
			 ":1:113: %s: '%s' is not supported by this version of srt (it comes "
			 "from a newer sandbox-runtime); remove it",
			 top[i], top[i]);
		err_is(json, want);
	}
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		snprintf(json, sizeof(json), WITH_NET(",\"%s\":true"), net[i]);
		snprintf(want, sizeof(want),
			 "network.%s: '%s' is not supported by this version of srt", net[i],
			 net[i]);
		err_like(json, want);
	}
	err_is(WITH_FS(",\"disabled\":true"),
	       ORIGIN ":1:112: filesystem.disabled: 'disabled' is not supported by this version of "
		      "srt (it comes from a newer sandbox-runtime); remove it");
	err_like(WITH_TOP(",\"ripgrep\":{\"command\":\"rg\",\"argv0\":\"rg\"}"),
		 ORIGIN ":1:139: ripgrep.argv0: 'argv0' is not supported by this version of srt");
}

/* Path patterns: globs checked at load time, literal objects escaped. */
static void test_patterns(void)
{
	struct srt_settings *s;

	s = parse_ok("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"**/*.pem\",\"~/.ssh\","
		     "{\"path\":\"/a/*b?[c]\\\\d\",\"literal\":true},"
		     "{\"path\":\"src/**\",\"literal\":false},{\"path\":\"/x\"}],"
		     "\"allowWrite\":[\".\",\"..\",\"../*/build\"],\"denyWrite\":[\"**/.env\"],"
		     "\"allowRead\":[\"/p/[!a-c]x\"]}}",
		     "globs and literal objects");
	if (s) {
		is_str(s->deny_read[0], "**/*.pem", "a glob is kept as written");
		is_str(s->deny_read[1], "~/.ssh", "'~' is kept (expanded per sandbox)");
		is_str(s->deny_read[2], "/a/\\*b\\?\\[c]\\\\d",
		       "a literal object: glob characters and '\\' escaped");
		is_str(s->deny_read[3], "src/**", "literal: false is a pattern");
		is_str(s->deny_read[4], "/x", "literal may be left out");
		is_str(s->allow_write[2], "../*/build", "'..' before the glob is fine");
		is_str(s->deny_write[0], "**/.env", "denyWrite glob");
		is_str(s->allow_read[0], "/p/[!a-c]x", "class");
		ok(!s->private_tmp && !s->strict_deny_globs, "privateTmp and strictDenyGlobs off");
		settings_free(s);
	}
	s = parse_ok(WITH_FS(",\"privateTmp\":true,\"strictDenyGlobs\":true"), "new keys");
	if (s) {
		ok(s->private_tmp && s->strict_deny_globs, "privateTmp and strictDenyGlobs on");
		settings_free(s);
	}
	err_is(WITH_FS(",\"privateTmp\":1"),
	       ORIGIN ":1:125: filesystem.privateTmp: expected a boolean, got an integer");

	/* bad patterns: the entry, line and column, and why */
	err_is("{" NET_MIN ",\"filesystem\":{\"denyRead\":[\"/ok\",\"/a/[b\"],"
	       "\"allowWrite\":[],\"denyWrite\":[]}}",
	       ORIGIN ":1:85: filesystem.denyRead[1]: invalid path pattern '/a/[b': unbalanced "
		      "'[' (a path that contains glob characters is written {\"path\": \"...\", "
		      "\"literal\": true})");
	err_like(WITH_FS(",\"allowRead\":[\"/a/*/../b\"]"),
		 "filesystem.allowRead[0]: invalid path pattern '/a/*/../b': '.' or '..' after a "
		 "glob component");
	err_like(WITH_FS(",\"allowRead\":[\"src/*/\"]"),
		 "invalid path pattern 'src/*/': a glob ending in '/'");
	err_like(WITH_FS(",\"allowRead\":[\"/a/[[:alpha:]]\"]"), "filesystem.allowRead[0]: invalid "
								   "path pattern '/a/[[:alpha:]]'");
	err_like(WITH_FS(",\"allowRead\":[\"/a/\\\\\"]"), "invalid path pattern '/a/\\': trailing backslash");
	err_like(WITH_FS(",\"allowRead\":[\"/a/[z-a]\"]"), "reversed range");
	/* a literal trailing '/' is the path itself */
	s = parse_ok(WITH_FS(",\"allowRead\":[\"~/proj/\"]"), "literal path with a trailing '/'");
	settings_free(s);
	/* literal objects: strict */
	err_is(WITH_FS(",\"allowRead\":[{\"path\":\"/x\",\"literl\":true}]"),
	       ORIGIN ":1:138: filesystem.allowRead[0].literl: unknown key (a path object has "
		      "\"path\" and \"literal\")");
	err_is(WITH_FS(",\"allowRead\":[{\"literal\":true}]"),
	       ORIGIN ":1:125: filesystem.allowRead[0]: required key 'path' is missing");
	err_is(WITH_FS(",\"allowRead\":[{\"path\":\"/x\",\"literal\":\"yes\"}]"),
	       ORIGIN ":1:148: filesystem.allowRead[0].literal: expected a boolean, got a string");
	err_is(WITH_FS(",\"allowRead\":[{\"path\":\"\",\"literal\":true}]"),
	       ORIGIN ":1:133: filesystem.allowRead[0].path: path cannot be empty");
	err_is(WITH_FS(",\"allowRead\":[{\"path\":1}]"),
	       ORIGIN ":1:133: filesystem.allowRead[0].path: expected a string, got an integer");
	/* a literal object with a '[' that would be an unclosed class as a glob is fine */
	s = parse_ok(WITH_FS(",\"allowRead\":[{\"path\":\"/a/[b\",\"literal\":true}]"),
		     "literal '[': accepted");
	if (s)
		is_str(s->allow_read[0], "/a/\\[b", "escaped");
	settings_free(s);
	/* the pattern check itself */
	ok(settings_path_pattern_check("**") == NULL, "'**' is valid (the cwd and below)");
	ok(settings_path_pattern_check("..") == NULL, "'..' is valid");
	ok(settings_path_pattern_check("~") == NULL, "'~' is valid");
	like_str(settings_path_pattern_check("a/**/.."), "after a glob component", "'**/..'");
	{
		char *abs = NULL;
		const char *why = NULL;

		is_int(settings_path_pattern("../x/**/*.pem", "/home/u", "/home/u/p/q", &abs, &why),
		       0, "relative pattern made absolute");
		is_str(abs, "/home/u/p/x/**/*.pem", "'..' resolved before the glob");
		free(abs);
		abs = NULL;
		is_int(settings_path_pattern("~/a*", NULL, "/c", &abs, &why), -EINVAL, "no home");
		like_str(why, "home directory", "says so");
		char *e = settings_glob_escape("/a\\b*c?d[e]f");
		is_str(e, "/a\\\\b\\*c\\?d\\[e]f", "settings_glob_escape");
		free(e);
	}
}

static void test_duplicates(void)
{
	err_is("{" NET_MIN "," NET_MIN "," FS_MIN "}", ORIGIN ":1:53: duplicate key 'network'");
	err_is("{\n  \"network\": {\"allowedDomains\": [], \"deniedDomains\": [],\n"
	       "    \"allowedDomains\": [\"evil.com\"]},\n  " FS_MIN "\n}",
	       ORIGIN ":3:5: duplicate key 'allowedDomains'");
	err_is(WITH_TOP(",\"ignoreViolations\":{\"x\":[],\"\\u0078\":[]}"),
	       ORIGIN ":1:140: duplicate key '\\u0078'");
	err_is("{\"\xc3\xa9\": 1, \"\xc3\xa9\": 2}", ORIGIN ":1:10: duplicate key '\xc3\xa9'");
}

static void test_domains(void)
{
	err_is("{\"network\":{\"allowedDomains\":[\"example.com\",\"*.com\"],\"deniedDomains\":[]}"
	       "," FS_MIN "}",
	       ORIGIN
	       ":1:45: network.allowedDomains[1]: invalid domain pattern '*.com': expected a "
	       "domain (\"example.com\"), a wildcard (\"*.example.com\"), \"localhost\" or a "
	       "bracketed IPv6 literal (\"[::1]\"), optionally followed by \":PORT\" "
	       "(1-65535); overly broad patterns like \"*.com\" or \"*\" are not allowed");
	err_like("{\"network\":{\"allowedDomains\":[\"*\"],\"deniedDomains\":[]}," FS_MIN "}",
		 ORIGIN ":1:31: network.allowedDomains[0]: invalid domain pattern '*'");
	err_is("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[\"https://x.com\"]}," FS_MIN
	       "}",
	       ORIGIN ":1:50: network.deniedDomains[0]: invalid domain pattern 'https://x.com': "
		      "expected a domain (\"example.com\"), a wildcard (\"*.example.com\"), "
		      "\"localhost\", a bracketed IPv6 literal (\"[::1]\") or \"*\" (every host), "
		      "optionally followed by \":PORT\" (1-65535)");
	err_like(
	    "{\"network\":{\"allowedDomains\":[\"a\\u001b[2J.com\"],\"deniedDomains\":[]}," FS_MIN
	    "}",
	    "invalid domain pattern 'a\\u001b[2J.com'");
	struct srt_settings *s = parse_ok(
	    "{\"network\":{\"allowedDomains\":[\"localhost\",\"*.co.uk\",\"[2001:db8::1]:443\"],"
	    "\"deniedDomains\":[\"*\",\"*:22\"]}," FS_MIN "}",
	    "valid domain lists");
	if (s) {
		is_str(s->denied_domains[0], "*", "deny '*' kept");
		is_str(s->allowed_domains[2], "[2001:db8::1]:443", "IPv6 with port kept");
	}
	settings_free(s);
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static void test_files(void)
{
	char dir[] = "/tmp/test-settings-XXXXXX", path[256], want[512];
	struct srt_settings *s = NULL;
	srt_error *e = NULL;
	int r;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}

	snprintf(path, sizeof(path), "%s/missing.json", dir);
	r = settings_load_file(path, &s, &e);
	is_int(r, -ENOENT, "missing file: -ENOENT");
	snprintf(want, sizeof(want), "%s: does not exist", path);
	is_str(srt_error_message(e), want, "missing file: message");
	is_int(srt_error_errno(e), ENOENT, "missing file: errno ENOENT");
	is_int(srt_error_code(e), SRT_E_CONFIG, "missing file: SRT_E_CONFIG");
	e = srt_error_free(e);

	snprintf(path, sizeof(path), "%s/ok.json", dir);
	write_file(path, full, strlen(full));
	r = settings_load_file(path, &s, &e);
	is_int(r, 0, "valid file loads");
	if (s) {
		is_str(s->source, path, "source is the path as given");
		check_full(s, "file");
	}
	s = settings_free(s);
	e = srt_error_free(e);

	snprintf(path, sizeof(path), "%s/empty.json", dir);
	write_file(path, "", 0);
	r = settings_load_file(path, &s, &e);
	is_int(r, -EINVAL, "empty file: -EINVAL");
	snprintf(want, sizeof(want), "%s: the file is empty", path);
	is_str(srt_error_message(e), want, "empty file: message");
	e = srt_error_free(e);

	snprintf(path, sizeof(path), "%s/bad.json", dir);
	write_file(path, "{\n  \"network\": [", 16);
	settings_load_file(path, &s, &e);
	snprintf(want, sizeof(want), "%s:2:14: invalid JSON: ", path);
	like_str(srt_error_message(e), want, "bad JSON in a file names the file");
	e = srt_error_free(e);

	snprintf(path, sizeof(path), "%s/big.json", dir);
	{
		size_t n = SETTINGS_MAX_FILE_SIZE + 1;
		char *big = malloc(n);

		memset(big, ' ', n);
		memcpy(big, MIN, strlen(MIN));
		write_file(path, big, n);
		r = settings_load_file(path, &s, &e);
		is_int(r, -EFBIG, "file over 1 MiB: -EFBIG");
		snprintf(want, sizeof(want), "%s: the file is larger than 1 MiB", path);
		is_str(srt_error_message(e), want, "file over 1 MiB: message");
		e = srt_error_free(e);
		write_file(path, big, n - 1);
		r = settings_load_file(path, &s, &e);
		is_int(r, 0, "file of exactly 1 MiB loads");
		s = settings_free(s);
		e = srt_error_free(e);
		free(big);
	}

	r = settings_load_file(dir, &s, &e);
	is_int(r, -EISDIR, "directory: -EISDIR");
	snprintf(want, sizeof(want), "%s: is a directory, not a settings file", dir);
	is_str(srt_error_message(e), want, "directory: message");
	e = srt_error_free(e);

	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600) == 0) {
		r = settings_load_file(path, &s, &e);
		is_int(r, -EINVAL, "FIFO refused without blocking");
		snprintf(want, sizeof(want), "%s: is not a regular file", path);
		is_str(srt_error_message(e), want, "FIFO: message");
		e = srt_error_free(e);
		unlink(path);
	}

	r = settings_load_file("/dev/null", &s, &e);
	is_str(srt_error_message(e), "/dev/null: is not a regular file", "/dev/null refused");
	e = srt_error_free(e);

	snprintf(path, sizeof(path), "%s/noperm.json", dir);
	write_file(path, MIN, strlen(MIN));
	chmod(path, 0);
	if (geteuid() != 0) {
		r = settings_load_file(path, &s, &e);
		is_int(r, -EACCES, "unreadable file: -EACCES");
		snprintf(want, sizeof(want), "%s: cannot be read: Permission denied", path);
		is_str(srt_error_message(e), want, "unreadable file: message");
		e = srt_error_free(e);
	}
	unlink(path);

	snprintf(path, sizeof(path), "%s/ok.json/x", dir);
	r = settings_load_file(path, &s, &e);
	is_int(r, -ENOTDIR, "path through a file: -ENOTDIR");
	e = srt_error_free(e);

	r = settings_load_file(NULL, &s, &e);
	is_int(r, -EINVAL, "NULL path: -EINVAL");
	is_int(srt_error_code(e), SRT_E_INVALID_ARGUMENT, "NULL path: SRT_E_INVALID_ARGUMENT");
	e = srt_error_free(e);
	r = settings_parse(NULL, 3, "x", &s, NULL);
	is_int(r, -EINVAL, "NULL text with a length: -EINVAL, no error object needed");
	r = settings_parse(MIN, strlen(MIN), NULL, &s, NULL);
	is_int(r, 0, "NULL origin is fine");
	s = settings_free(s);
	r = settings_parse("[", 1, NULL, &s, &e);
	like_str(srt_error_message(e), "<settings>:1:1: invalid JSON", "NULL origin in messages");
	e = srt_error_free(e);

	snprintf(path, sizeof(path), "%s/ok.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/empty.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/big.json", dir);
	unlink(path);
	rmdir(dir);
}

/* The fixtures in tests/data/settings: "valid-*.json" parse; "invalid-*.json" fail with the
 * message in the matching ".err" file (origin replaced by "FILE"). */
static void test_fixtures(void)
{
	static const char *const valid[] = {"valid-minimal.json", "valid-full.json"};
	static const char *const invalid[] = {"invalid-typo",	   "invalid-empty-path",
					      "invalid-duplicate", "invalid-domain",
					      "invalid-missing",   "invalid-unsupported",
					      "invalid-env-name"};
	const char *dir = getenv("SRT_TEST_DATA");
	char path[512], errpath[512], want[1024];
	struct srt_settings *s = NULL;
	srt_error *e = NULL;

	if (!dir)
		dir = "tests/data/settings";
	snprintf(path, sizeof(path), "%s/valid-minimal.json", dir);
	if (access(path, R_OK) != 0) {
		printf("# fixtures not found in %s, skipped\n", dir);
		return;
	}
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, valid[i]);
		is_int(settings_load_file(path, &s, &e), 0, "fixture %s loads", valid[i]);
		if (e)
			printf("#   %s\n", srt_error_message(e));
		s = settings_free(s);
		e = srt_error_free(e);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		FILE *f;
		size_t n;
		char got[1024];
		const char *msg;

		snprintf(path, sizeof(path), "%s/%s.json", dir, invalid[i]);
		snprintf(errpath, sizeof(errpath), "%s/%s.err", dir, invalid[i]);
		f = fopen(errpath, "re");
		n = f ? fread(want, 1, sizeof(want) - 1, f) : 0;
		if (f)
			fclose(f);
		want[n] = '\0';
		if (n && want[n - 1] == '\n')
			want[n - 1] = '\0';
		settings_load_file(path, &s, &e);
		msg = srt_error_message(e);
		if (strncmp(msg, path, strlen(path)) == 0)
			snprintf(got, sizeof(got), "FILE%s", msg + strlen(path));
		else
			snprintf(got, sizeof(got), "%s", msg);
		is_str(got, want, "fixture %s", invalid[i]);
		s = settings_free(s);
		e = srt_error_free(e);
	}
}

#define WITH_ENV(env) WITH_TOP(",\"environment\":" env)

static void test_environment(void)
{
	struct srt_settings *s = settings_new_default(), *c;
	char *j;

	ok(s && !s->env_drop_secrets && s->env_drop && !s->env_drop[0] && s->env_keep &&
	       !s->env_keep[0],
	   "default: dropSecrets false, drop and keep empty (nothing changes)");
	settings_free(s);
	s = parse_ok(MIN, "no environment key");
	ok(s && !s->env_drop_secrets && s->env_drop && !s->env_drop[0], "... is the default");
	settings_free(s);
	s = parse_ok(WITH_ENV("{}"), "an empty environment object");
	ok(s && !s->env_drop_secrets, "... changes nothing");
	settings_free(s);
	s = parse_ok(WITH_ENV("{\"dropSecrets\":true,\"drop\":[\"AWS_*\",\"*\",\"lower.case\"],"
			      "\"keep\":[\"GH_TOKEN\",\"LC_*\"]}"),
		     "dropSecrets, drop, keep");
	ok(s && s->env_drop_secrets, "dropSecrets is set");
	ok(s && strv_length(s->env_drop) == 3 && strcmp(s->env_drop[2], "lower.case") == 0,
	   "drop is kept as written");
	ok(s && strv_length(s->env_keep) == 2 && strcmp(s->env_keep[0], "GH_TOKEN") == 0,
	   "keep is kept as written");
	c = s ? settings_copy(s) : NULL;
	ok(c && c->env_drop_secrets && strv_length(c->env_keep) == 2 && c->env_keep != s->env_keep,
	   "settings_copy copies the environment lists");
	settings_free(c);
	j = s ? settings_to_json(s, false) : NULL;
	like_str(j, "\"environment\":{\"dropSecrets\":true,\"drop\":[\"AWS_*\",\"*\",\"lower.case\"],"
		    "\"keep\":[\"GH_TOKEN\",\"LC_*\"]}",
		 "to JSON");
	if (j) {
		struct srt_settings *r = parse_ok(j, "the JSON again");

		ok(r && r->env_drop_secrets && strv_length(r->env_drop) == 3, "round trip");
		settings_free(r);
	}
	free(j);
	ok(s && settings_set(&s, "environment.dropSecrets", "false", NULL) == 0 &&
	       !s->env_drop_secrets && strv_length(s->env_drop) == 3,
	   "settings_set environment.dropSecrets");
	ok(s && settings_set(&s, "environment.keep", "[\"A=B\"]", NULL) < 0 &&
	       strv_length(s->env_keep) == 2,
	   "settings_set with an invalid name changes nothing");
	settings_free(s);

	/* types */
	err_is(WITH_ENV("true"), ORIGIN ":1:127: environment: expected an object, got a boolean");
	err_is(WITH_ENV("{\"dropSecrets\":\"yes\"}"),
	       ORIGIN ":1:142: environment.dropSecrets: expected a boolean, got a string");
	err_is(WITH_ENV("{\"dropSecrets\":1}"),
	       ORIGIN ":1:142: environment.dropSecrets: expected a boolean, got an integer");
	err_is(WITH_ENV("{\"drop\":\"GITHUB_TOKEN\"}"),
	       ORIGIN ":1:135: environment.drop: expected an array of strings, got a string");
	err_is(WITH_ENV("{\"keep\":[1]}"),
	       ORIGIN ":1:136: environment.keep[0]: expected a string, got an integer");
	/* typos and misplaced keys */
	err_is(WITH_ENV("{\"dropSecret\":true}"),
	       ORIGIN ":1:128: environment.dropSecret: unknown key (did you mean 'dropSecrets'?)");
	err_is(WITH_ENV("{\"drop_secrets\":true}"),
	       ORIGIN ":1:128: environment.drop_secrets: unknown key (did you mean 'dropSecrets'?)");
	err_is(WITH_ENV("{\"kep\":[]}"),
	       ORIGIN ":1:128: environment.kep: unknown key (did you mean 'keep'?)");
	err_is(WITH_ENV("{\"allow\":[]}"), ORIGIN ":1:128: environment.allow: unknown key");
	err_is(WITH_TOP(",\"enviroment\":{}"),
	       ORIGIN ":1:113: enviroment: unknown key (did you mean 'environment'?)");
	err_is(WITH_TOP(",\"dropSecrets\":true"),
	       ORIGIN ":1:113: dropSecrets: unknown key ('dropSecrets' belongs in 'environment')");
	/* names */
	err_like(WITH_ENV("{\"drop\":[\"\"]}"),
		 "environment.drop[0]: invalid variable name pattern '': a variable name pattern "
		 "cannot be empty");
	err_like(WITH_ENV("{\"keep\":[\"PATH\",\"A=B\"]}"),
		 "environment.keep[1]: invalid variable name pattern 'A=B': a variable name cannot "
		 "contain '='");
	err_like(WITH_ENV("{\"drop\":[\"A\\u0000B\"]}"), "\\u0000 is not allowed");
	err_like(WITH_ENV("{\"drop\":[\"A\\nB\"]}"), "cannot contain control characters");
	/* limits */
	{
		size_t n = ENV_FILTER_MAX_PATTERN_LEN + 1, cap = n + 256;
		char *json = malloc(cap), *name = malloc(n + 1), *m;

		if (json && name) {
			memset(name, 'A', n);
			name[n] = '\0';
			snprintf(json, cap, WITH_ENV("{\"drop\":[\"%s\"]}"), name + 1);
			s = parse_ok(json, "a name of %d bytes");
			settings_free(s);
			snprintf(json, cap, WITH_ENV("{\"drop\":[\"%s\"]}"), name);
			m = err_of(json, strlen(json));
			like_str(m, "the variable name pattern is too long", "one byte more: refused");
			free(m);
		}
		free(json);
		free(name);
	}
	{
		size_t n = ENV_FILTER_MAX_PATTERNS + 1, cap = n * 8 + 256, k;
		char *json = malloc(cap), *m;

		if (json) {
			k = (size_t)snprintf(json, cap, "{" NET_MIN "," FS_MIN ",\"environment\":{\"keep\":[");
			for (size_t i = 0; i < n; i++)
				k += (size_t)snprintf(json + k, cap - k, "%s\"V%zu\"", i ? "," : "", i);
			snprintf(json + k, cap - k, "]}}");
			m = err_of(json, strlen(json));
			like_str(m, "environment.keep: the list has 1025 entries; at most 1024 are allowed",
				 "%d patterns: refused", ENV_FILTER_MAX_PATTERNS + 1);
			free(m);
		}
		free(json);
	}
}

int main(void)
{
	test_default();
	test_minimal();
	test_full();
	test_values();
	test_syntax_errors();
	test_top_level();
	test_required();
	test_types();
	test_numbers();
	test_paths();
	test_limits();
	test_deep();
	test_unknown_keys();
	test_unsupported();
	test_patterns();
	test_duplicates();
	test_domains();
	test_files();
	test_fixtures();
	test_environment();
	return tap_exit();
}
