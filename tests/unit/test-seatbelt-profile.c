/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The macOS profile generator on Linux: golden profiles for representative settings
 * (tests/data/macos/NAME.json → NAME.sb, compared byte for byte; SRT_REGENERATE_GOLDEN=1
 * rewrites them, to be reviewed by hand in the diff), escaping of hostile path names, the
 * glob → regex translation checked against path_glob_match() with POSIX regexec(3), refusals
 * with their reasons, and the size limits.
 */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "macos/sbpl.h"
#include "macos/seatbelt-profile.h"
#include "path-glob.h"
#include "settings.h"
#include "shared/strv.h"

#define HOME "/Users/alice"
#define CWD "/Users/alice/proj"
#define TAG "srt_00000000000000ab_1"

static char *data_dir(void)
{
	const char *d = getenv("SRT_TEST_DATA");
	char *p = NULL;

	if (asprintf(&p, "%s/../macos", d ? d : "tests/data/settings") < 0)
		abort();
	return p;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			abort();
	fclose(f);
	if (buf_reserve(&b, 1) < 0)
		abort();
	return buf_steal(&b);
}

/* The profile for a settings text, as the manager would build it: proxy ports 3128/1080 when
 * allowedDomains is not empty, the default settings path protected. */
static int profile_for(const char *json, char **ret, char **reason)
{
	struct srt_settings *s = NULL;
	struct seatbelt_rules *rules = NULL;
	struct seatbelt_params p = {0};
	srt_error *err = NULL;
	int r;

	r = settings_parse(json, strlen(json), "test", &s, &err);
	if (r < 0) {
		printf("# settings: %s\n", srt_error_message(err));
		/* the settings parser checks the patterns too: its message is the reason */
		if (reason && srt_error_message(err))
			*reason = strdup(srt_error_message(err));
		srt_error_free(err);
		return r;
	}
	if (strv_push(&s->protected_paths, "~/.srt-settings.json") < 0)
		abort();
	r = seatbelt_rules_from_settings(s, HOME, CWD, NULL, NULL, &rules, reason);
	if (r >= 0) {
		seatbelt_rules_params(rules, &p);
		if (s->allowed_domains && s->allowed_domains[0]) {
			p.http_port = 3128;
			p.socks_port = 1080;
		}
		p.tag = TAG;
		r = seatbelt_profile(&p, ret, reason);
	}
	seatbelt_rules_free(rules);
	settings_free(s);
	return r;
}

static void test_golden(const char *name)
{
	char *dir = data_dir(), *jpath = NULL, *gpath = NULL, *json, *want, *got = NULL,
	     *reason = NULL;
	int r;

	if (asprintf(&jpath, "%s/%s.json", dir, name) < 0 ||
	    asprintf(&gpath, "%s/%s.sb", dir, name) < 0)
		abort();
	json = read_file(jpath);
	ok(json != NULL, "%s: settings file readable", name);
	r = json ? profile_for(json, &got, &reason) : -ENOENT;
	is_int(r, 0, "%s: profile built (%s)", name, reason ? reason : "-");
	if (got && getenv("SRT_REGENERATE_GOLDEN")) {
		FILE *f = fopen(gpath, "we");
		ok(f && fputs(got, f) >= 0 && fclose(f) == 0, "%s: golden profile rewritten", name);
	}
	want = read_file(gpath);
	ok(want && got && strcmp(want, got) == 0, "%s: profile equals %s.sb byte for byte", name,
	   name);
	if (want && got && strcmp(want, got) != 0)
		printf("# got:\n%s\n", got);
	free(dir), free(jpath), free(gpath), free(json), free(want), free(got), free(reason);
}

/* Invariants of any profile: balanced parentheses outside strings, strings closed, no raw
 * control byte, every deny tagged. */
static bool profile_well_formed(const char *t)
{
	long depth = 0;
	bool in_str = false, in_comment = false;

	for (const char *p = t; *p; p++) {
		if (in_comment) {
			in_comment = *p != '\n';
			continue;
		}
		if ((unsigned char)*p < 0x20 && *p != '\n')
			return false;
		if (in_str) {
			if (*p == '\n')
				return false;
			if (*p == '\\') {
				if (p[1] != '\\' && p[1] != '"')
					return false;
				p++;
			} else if (*p == '"') {
				in_str = false;
			}
			continue;
		}
		if (*p == ';')
			in_comment = true;
		else if (*p == '"')
			in_str = true;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			return false;
	}
	return depth == 0 && !in_str;
}

static void test_escaping(void)
{
	static const char *const hostile[] = {
	    "/tmp/a\"b",	"/tmp/a\\\\b",	 "/tmp/(x)",	"/tmp/x)(deny default)(allow",
	    "/tmp/a;b",		"/tmp/.^$+{}|",	 "/tmp/\\*\\?", "/tmp/\\[x]",
	    "/tmp/caf\xc3\xa9", "/tmp/\"\\\\\"",
	};
	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		struct sb_rule rules[] = {{SB_DENY_READ, hostile[i]}, {SB_ALLOW_WRITE, "/tmp"}};
		struct seatbelt_params p = {.rules = rules, .n_rules = 2, .tag = TAG};
		char *out = NULL, *reason = NULL;
		int r = seatbelt_profile(&p, &out, &reason);

		is_int(r, 0, "hostile %zu builds (%s)", i, reason ? reason : "-");
		ok(out && profile_well_formed(out), "hostile %zu: well-formed profile", i);
		free(out), free(reason);
	}

	/* exact renderings */
	struct buf b = BUF_INIT;
	const char *why = NULL;
	is_int(sbpl_put_string(&b, "/a\"b\\c(d)", &why), 0, "string with quote and backslash");
	is_str(b.data, "\"/a\\\"b\\\\c(d)\"", "quote and backslash escaped, parentheses inert");
	buf_free(&b);
	b = BUF_INIT;
	is_int(sbpl_put_string(&b, "/a\nb", &why), -EINVAL, "newline refused");
	like_str(why, "newline", "reason names the newline");
	is_int(sbpl_put_string(&b, "/a\x01", &why), -EINVAL, "control byte refused");
	is_int(sbpl_put_string(&b, "/a\x7f", &why), -EINVAL, "DEL refused");
	is_int(sbpl_put_string(&b, "/a\xff", &why), -EINVAL, "invalid UTF-8 refused");
	is_int(sbpl_put_string(&b, "/a\xc0\xaf", &why), -EINVAL, "overlong UTF-8 refused");
	is_int(sbpl_put_string(&b, "/a\xed\xa0\x80", &why), -EINVAL, "UTF-16 surrogate refused");
	is_int(sbpl_put_string(&b, "/\xf0\x9f\x98\x80", &why), 0, "4-byte UTF-8 accepted");
	buf_free(&b);
}

struct re_row {
	const char *pattern;
	bool cover;
	const char *regex; /* NULL: refused */
};

static void test_regex_text(void)
{
	static const struct re_row rows[] = {
	    {"/a/b.c", false, "^/a/b\\.c$"},
	    {"/a/*.pem", false, "^/a/[^/]*\\.pem$"},
	    {"/a/*", false, "^/a/[^/]+$"},
	    {"/a/?", true, "^/a/[^/](/.*)?$"},
	    {"/a/**/b", false, "^/a(/[^/]+)*/b$"},
	    {"/**", false, "^(/[^/]+)*/?$"},
	    {"/a/[a-z0-9_-]", false, "^/a/[0-9_a-z-]$"},
	    {"/a/[!.]", false, "^/a/[^/.]$"},
	    {"/a/[^ab]x", false, "^/a/[^/ab]x$"},
	    {"/a/x\\*y", false, "^/a/x\\*y$"},
	    {"/a/(x)|{y}+$^", false, "^/a/\\(x\\)\\|\\{y\\}\\+\\$\\^$"},
	    {"/a/[xy\"]", false, "^/a/[\"xy]$"},
	    {"/a/[\\]]", false, NULL},
	    {"/a/[\\\\]", false, NULL},
	    {"/a/[\\^x]", false, NULL},
	    {"/a/[\xc3\xa9]", false, NULL},
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct path_glob *g = NULL;
		struct buf b = BUF_INIT;
		const char *why = NULL;
		int r = path_glob_compile(rows[i].pattern, &g, &why);

		if (r < 0) {
			ok(0, "regex %zu: pattern compiles (%s)", i, why);
			continue;
		}
		r = sbpl_glob_regex(g, path_glob_n_components(g), rows[i].cover, &b, &why);
		if (rows[i].regex)
			is_str(r == 0 ? b.data : why, rows[i].regex, "regex of '%s'",
			       rows[i].pattern);
		else
			ok(r == -EINVAL && why, "'%s' refused: %s", rows[i].pattern,
			   why ? why : "-");
		buf_free(&b);
		path_glob_free(g);
	}
}

/* Random patterns and paths over a small alphabet: the regex (glibc ERE, byte-wise in the C
 * locale) and path_glob_match() agree, in exact and cover mode. */
static void test_regex_agrees(void)
{
	static const char *const comps[] = {"a",    "b",  "ab", "*",   "a*", "*b",     "?",  "[ab]",
					    "[!a]", "**", ".x", "a.b", "x+", "[a-c]*", "\\*"};
	static const char *const names[] = {"a",   "b",	 "ab", "ba", "abb", ".x", "a.b",
					    "axb", "x+", "xx", "c",  "*",   "aab"};
	unsigned seed = 12345;
	size_t checked = 0, bad = 0;

	for (int t = 0; t < 400; t++) {
		char pat[256] = "", path[256] = "";
		size_t np = 1 + (seed = seed * 1103515245 + 12345) % 4;
		struct path_glob *g = NULL;

		for (size_t i = 0; i < np; i++) {
			seed = seed * 1103515245 + 12345;
			strcat(pat, "/");
			strcat(pat, comps[(seed >> 8) % ELEMENTSOF(comps)]);
		}
		if (path_glob_compile(pat, &g, NULL) < 0)
			continue;
		for (int cover = 0; cover < 2; cover++) {
			struct buf b = BUF_INIT;
			regex_t re;
			const char *why;

			if (sbpl_glob_regex(g, path_glob_n_components(g), cover, &b, &why) < 0 ||
			    regcomp(&re, b.data, REG_EXTENDED | REG_NOSUB) != 0) {
				bad++;
				buf_free(&b);
				continue;
			}
			for (int q = 0; q < 30; q++) {
				size_t nq = (seed = seed * 1103515245 + 12345) % 5;
				bool want = false;

				path[0] = '\0';
				for (size_t i = 0; i < nq; i++) {
					seed = seed * 1103515245 + 12345;
					strcat(path, "/");
					strcat(path, names[(seed >> 8) % ELEMENTSOF(names)]);
				}
				if (nq == 0)
					strcpy(path, "/");
				/* cover: the path or an ancestor matches */
				char tmp[256];
				strcpy(tmp, path);
				for (;;) {
					if (path_glob_match(g, tmp)) {
						want = true;
						break;
					}
					if (!cover || strcmp(tmp, "/") == 0)
						break;
					char *sl = strrchr(tmp, '/');
					if (sl == tmp)
						sl[1] = '\0';
					else
						*sl = '\0';
				}
				bool got = regexec(&re, path, 0, NULL, 0) == 0;
				if (got != want) {
					if (bad < 5)
						printf("# %s %s vs %s: regex %d glob %d\n",
						       cover ? "cover" : "exact", pat, path, got,
						       want);
					bad++;
				}
				checked++;
			}
			regfree(&re);
			buf_free(&b);
		}
		path_glob_free(g);
	}
	ok(checked > 10000 && bad == 0, "regex and path_glob_match agree on %zu random cases",
	   checked);
}

static void test_refusals(void)
{
	static const struct {
		const char *pattern;
		const char *reason;
	} rows[] = {
	    {"/tmp/a\nb", "denyRead '/tmp/a\\x0ab': a newline cannot be expressed"},
	    {"/tmp/a\x01", "control character"},
	    {"relative", "denyRead 'relative': not absolute"},
	    {"/tmp/[a", "unbalanced"},
	    {"/tmp/[\\^a]", "cannot be expressed faithfully"},
	    {"/tmp/\xff", "UTF-8"},
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct sb_rule rules[] = {{SB_DENY_READ, rows[i].pattern}};
		struct seatbelt_params p = {.rules = rules, .n_rules = 1, .tag = TAG};
		char *out = NULL, *reason = NULL;

		is_int(seatbelt_profile(&p, &out, &reason), -EINVAL, "refused: rule %zu", i);
		like_str(reason, rows[i].reason, "reason for rule %zu", i);
		ok(out == NULL, "no profile for rule %zu", i);
		free(reason);
	}

	struct seatbelt_params p = {.tag = "bad tag"};
	char *out = NULL, *reason = NULL;
	is_int(seatbelt_profile(&p, &out, &reason), -EINVAL, "a tag with a space is refused");
	free(reason);
	reason = NULL;
	p.tag = TAG;
	char *socks[] = {"/tmp/s\"(", NULL};
	p.unix_sockets = socks;
	is_int(seatbelt_profile(&p, &out, &reason), 0, "a hostile unix socket path is escaped");
	like_str(out, "(subpath \"/tmp/s\\\"(\")", "socket path rendered escaped");
	ok(out && profile_well_formed(out), "well-formed");
	free(out), free(reason);

	/* settings: "." or ".." after a glob */
	const char *json =
	    "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},\"filesystem\":{"
	    "\"denyRead\":[\"/tmp/*/../x\"],\"allowWrite\":[],\"denyWrite\":[]}}";
	out = NULL, reason = NULL;
	is_int(profile_for(json, &out, &reason), -EINVAL, "'..' after a glob is refused");
	like_str(reason, "'.' or '..' after a glob", "with a reason");
	free(out), free(reason);
}

static void test_limits(void)
{
	/* 4000 long deny rules: far over the 512 KiB argv budget */
	size_t n = 4000;
	struct sb_rule *rules = calloc(n, sizeof(*rules));
	char **pats = calloc(n, sizeof(char *));
	char *out = NULL, *reason = NULL;

	for (size_t i = 0; i < n; i++) {
		if (asprintf(&pats[i], "/very/long/path/component/number/%zu/with/more/names/**/x",
			     i) < 0)
			abort();
		rules[i] = (struct sb_rule){SB_DENY_READ, pats[i]};
	}
	struct seatbelt_params p = {.rules = rules, .n_rules = n, .tag = TAG};
	is_int(seatbelt_profile(&p, &out, &reason), -E2BIG, "a profile over the limit is refused");
	like_str(reason, "512 KiB", "reason says why");
	ok(out == NULL, "nothing returned");
	free(reason);
	for (size_t i = 0; i < n; i++)
		free(pats[i]);
	free(pats), free(rules);

	/* a rule list longer than SEATBELT_MAX_RULES */
	struct sb_rule *many = calloc(SEATBELT_MAX_RULES + 1, sizeof(struct sb_rule));
	p.n_rules = SEATBELT_MAX_RULES + 1;
	p.rules = many;
	reason = NULL;
	is_int(seatbelt_profile(&p, &out, &reason), -E2BIG, "too many rules refused");
	free(many), free(reason);
}

/* Properties of the generated text that the rule-table test does not see. */
static void test_structure(void)
{
	struct sb_rule rules[] = {
	    {SB_ALLOW_WRITE, "/w"},
	    {SB_DENY_READ, "/w/secret"},
	};
	struct seatbelt_params p = {.rules = rules,
				    .n_rules = 2,
				    .tag = TAG,
				    .http_port = 40001,
				    .allow_local_binding = true};
	char *out = NULL, *reason = NULL;

	is_int(seatbelt_profile(&p, &out, &reason), 0, "built");
	like_str(out, "(deny default (with message \"" TAG "\"))", "default deny carries the tag");
	like_str(out, "(allow network-outbound (remote ip \"localhost:40001\"))",
		 "outbound only to the proxy port");
	ok(out && !strstr(out, "(allow network-outbound (local"),
	   "allowLocalBinding adds no outbound rule (reference B10)");
	ok(out && !strstr(out, "(allow network*"), "never a blanket network allow");
	like_str(out, "(deny file-write* (regex \"^/w(/[^/]+)*/\\\\.bashrc(/.*)?$\")",
		 "mandatory .bashrc at any depth below the write root");
	like_str(out, "(deny file-write-unlink (literal \"/w\")",
		 "the write root cannot be renamed");
	like_str(out, "(deny file-write-unlink (literal \"/w/secret\")",
		 "a denyRead path cannot be renamed");
	ok(out && strstr(out, "(allow file-write* (subpath \"/w\"))") <
		      strstr(out, "(deny file-write* (subpath \"/w/secret\")"),
	   "the deeper deny comes after the write root");
	free(out), free(reason);
}

/* A fake realpath: /tmp and /var are links to /private/... as on macOS; "/e" fails. */
static int fake_canonical(const char *abs, char **ret)
{
	static const char *const links[] = {"/tmp", "/var"};

	if (strcmp(abs, "/e") == 0)
		return -EACCES;
	for (size_t i = 0; i < ELEMENTSOF(links); i++) {
		size_t n = strlen(links[i]);
		if (strncmp(abs, links[i], n) == 0 && (abs[n] == '\0' || abs[n] == '/'))
			return asprintf(ret, "/private%s", abs) < 0 ? -ENOMEM : 0;
	}
	if (strcmp(abs, "/Users/alice/ln") == 0)
		return (*ret = strdup("/Volumes/x*y")) ? 0 : -ENOMEM;
	return (*ret = strdup(abs)) ? 0 : -ENOMEM;
}

static void test_from_settings(void)
{
	const char *json =
	    "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[],"
	    "\"allowUnixSockets\":[\"/var/run/x.sock\"]},"
	    "\"filesystem\":{\"denyRead\":[\"/tmp/**/*.pem\",\"~/ln/a?\",\"/\",\"/**\"],"
	    "\"allowWrite\":[\"/tmp\",\"sub/\\\\*lit\"],\"denyWrite\":[\"/e\"]}}";
	struct srt_settings *s = NULL;
	struct seatbelt_rules *rules = NULL;
	struct seatbelt_params p = {0};
	srt_error *err = NULL;
	char *reason = NULL;

	is_int(settings_parse(json, strlen(json), "t", &s, &err), 0, "settings parse");
	if (!s) {
		srt_error_free(err);
		return;
	}
	/* "/e" cannot be resolved: the error goes up */
	is_int(seatbelt_rules_from_settings(s, HOME, CWD, NULL, fake_canonical, &rules, &reason),
	       -EACCES, "a path that cannot be resolved is an error");
	free(reason);
	reason = NULL;
	strv_free(s->deny_write);
	s->deny_write = NULL;
	strv_push(&s->deny_write, "/ok");
	is_int(seatbelt_rules_from_settings(s, HOME, CWD, "/tmp/srt-1", fake_canonical, &rules,
					    &reason),
	       0, "rules from settings (%s)", reason ? reason : "-");
	if (rules) {
		seatbelt_rules_params(rules, &p);
		is_str(p.rules[0].pattern, "/private/tmp/**/*.pem",
		       "glob: literal prefix resolved");
		is_str(p.rules[1].pattern, "/Volumes/x\\*y/a?",
		       "resolved prefix with a '*' escaped, the glob part kept");
		is_str(p.rules[2].pattern, "/", "the root stays the root");
		is_str(p.rules[3].pattern, "/**", "a pattern without literal prefix is kept");
		is_str(p.rules[4].pattern, "/private/tmp", "literal resolved");
		is_str(p.rules[5].pattern, CWD "/sub/\\*lit", "relative, escaped star kept");
		is_str(p.rules[6].pattern, "/ok", "denyWrite");
		is_str(p.rules[7].pattern, HOME "/.npm/_logs", "default write path");
		is_str(p.rules[9].pattern, "/private/tmp/srt-1", "TMPDIR a write root");
		is_int(p.n_rules, 10, "ten rules");
		is_str(p.unix_sockets[0], "/private/var/run/x.sock", "unix socket resolved");
	}
	seatbelt_rules_free(rules);
	free(reason);
	settings_free(s);
}

static void test_argv(void)
{
	char *cmd[] = {"-rf", "a b", NULL};
	const char **v = seatbelt_exec_argv("(version 1)", cmd);

	ok(v && strcmp(v[0], "/usr/bin/sandbox-exec") == 0 && strcmp(v[1], "-p") == 0 &&
	       strcmp(v[2], "(version 1)") == 0 && strcmp(v[3], "--") == 0 &&
	       strcmp(v[4], "-rf") == 0 && strcmp(v[5], "a b") == 0 && v[6] == NULL,
	   "sandbox-exec -p PROFILE -- ARGV, a leading '-' protected by '--'");
	free(v);

	char **l = seatbelt_log_argv(UINT64_C(0xab));
	ok(l && strv_length(l) == 6 && strcmp(l[0], "/usr/bin/log") == 0 &&
	       strcmp(l[1], "stream") == 0 && strcmp(l[3], "compact") == 0,
	   "log stream --style compact");
	is_str(l ? l[5] : NULL, "eventMessage CONTAINS \"srt_00000000000000ab_\"",
	       "the predicate selects this session's tags");
	strv_free(l);

	char tag[SEATBELT_TAG_MAX + 1];
	is_int(seatbelt_tag(UINT64_MAX, UINT64_MAX, tag, sizeof(tag)), 0, "largest tag fits");
	is_str(tag, "srt_ffffffffffffffff_18446744073709551615", "tag format");
	is_int(seatbelt_tag(1, 1, tag, 8), -ENOSPC, "short buffer refused");
}

int main(void)
{
	test_from_settings();
	test_argv();
	test_golden("default");
	test_golden("typical");
	test_golden("globs");
	test_golden("hostile");
	test_escaping();
	test_regex_text();
	test_regex_agrees();
	test_refusals();
	test_limits();
	test_structure();
	return tap_exit();
}
