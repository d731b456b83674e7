/* SPDX-License-Identifier: Apache-2.0 */
/* The git configuration include extractor (git-config.c): what counts as an include, git's
 * syntax (verified against git 2.39's "git config --file F --get-regexp '^include'"), hostile
 * and malformed inputs, limits, and how an include path is resolved. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "git-config.h"
#include "shared/strv.h"
#include "tap.h"

/* The includes of data joined with '|', after "L<line>:" when git rejects a line; "E<errno>"
 * on error. */
static char *incs(const char *data, size_t len)
{
	char **v = NULL, *s = NULL;
	unsigned line = 0;
	struct buf b = BUF_INIT;
	int r;

	r = git_config_includes(data, len, &v, &line);
	if (r < 0) {
		if (asprintf(&s, "E%d", -r) < 0)
			abort();
		return s;
	}
	if (line)
		buf_printf(&b, "L%u:", line);
	for (size_t i = 0; v && v[i]; i++)
		if ((i && buf_puts(&b, "|") < 0) || buf_puts(&b, v[i]) < 0)
			abort();
	strv_free(v);
	s = buf_steal(&b);
	return s ? s : strdup("");
}

static void check(const char *data, const char *want, const char *what)
{
	char *got = incs(data, strlen(data));
	is_str(got, want, "%s", what);
	free(got);
}

static void check_n(const char *data, size_t len, const char *want, const char *what)
{
	char *got = incs(data, len);
	is_str(got, want, "%s", what);
	free(got);
}

static void test_sections(void)
{
	check("", "", "empty file");
	check("[include]\n\tpath = a\n", "a", "[include] path");
	check("[Include]\nPath = a\n[INCLUDE]\nPATH=b\n", "a|b", "section and key any case");
	check("[includeIf \"gitdir:~/work/\"]\n\tpath = w.inc\n", "w.inc", "includeIf gitdir");
	check("[includeif \"onbranch:main\"]path=x\n", "x", "includeIf onbranch, same line");
	check("[includeIf \"hasconfig:remote.*.url:https://x/**\"]\npath = h\n", "h",
	      "includeIf hasconfig: every condition counts");
	check("[include \"sub\"]\npath = s\n", "s", "include with a subsection (conservative)");
	check("[includeIf]\npath = t\n", "t", "includeIf without a condition (conservative)");
	check("[include.old]\npath = o\n", "o", "old [section.subsection] syntax");
	check("[INCLUDEIF.x.y]\npath = o2\n", "o2", "old syntax, upper case, two dots");
	check("[include] path = one-line\n", "one-line", "variable after the header");
	check("[include]path=a\n[core]\npath = notme\n[include]\npath = b\n", "a|b",
	      "other sections' path ignored");
	check("[includes]\npath = no\n[xinclude]\npath = no\n[include-if]\npath = no\n", "",
	      "look-alike section names are not includes");
	check("[include]\npaths = no\npat = no\npath-x = no\n", "", "look-alike keys");
	check("[include]\npath\n", "", "path without value (boolean) includes nothing");
	check("[include]\npath =\npath = \"\"\n", "", "empty values include nothing");
	check("[include]\n  path = a\n\tpath = b\n", "a|b", "indented keys");
	check("path = top\n[include]\npath = a\n", "a", "variable before any section");
	check("[include \"a\\\"b]\"]\npath = q\n", "q", "subsection with escaped quote and ]");
	check("[include \"x\" ]\npath = z\n", "L1:z", "space after subsection: git refuses; the unknown section counts");
	check("[core \"a\nb\"]\n", "L1:", "newline in subsection refused");
	check("[include  \t \"sp\"]\npath = sp\n", "sp", "blanks before the subsection");
	check("[include]\n[core]\npath = nope\n", "", "section ends at the next header");
	check("[include]\npath = a\n[include]\npath = a\n", "a|a", "repeats kept");
}

static void test_values(void)
{
	check("[include]\npath = \"quoted path\"\n", "quoted path", "quoted value");
	check("[include]\npath = a\"b c\"d\n", "ab cd", "quotes in the middle");
	check("[include]\npath = a # comment\n", "a", "# comment after value");
	check("[include]\npath = a ; comment\n", "a", "; comment after value");
	check("[include]\npath = \"a # b\" ; c\n", "a # b", "comment chars inside quotes");
	check("[include]\npath = a\\\\b\n", "a\\b", "escaped backslash");
	check("[include]\npath = a\\\"b\n", "a\"b", "escaped quote");
	check("[include]\npath = a\\tb\\nc\\bd\n", "a\tb\nc\bd", "\\t \\n \\b");
	check("[include]\npath = a\\q\n", "L2:", "unknown escape refused");
	check("[include]\npath = ab\\\ncd\n", "abcd", "continuation line");
	check("[include]\npath = ab \\\n  cd\n", "ab   cd", "continuation keeps inner blanks");
	check("[include]\npath = \"ab\\\ncd\"\n", "abcd", "continuation inside quotes");
	check("[include]\npath = a # c \\\nb = 1\n", "a", "no continuation inside a comment");
	check("[include]\npath =   lead and trail   \n", "lead and trail", "blanks trimmed");
	check("[include]\npath = a\tb\n", "a b", "an inner tab reads as a space");
	check("[include]\npath = \"  in  \"\n", "  in  ", "blanks kept in quotes");
	check("[include]\npath = \"open\n", "L2:", "unterminated quote refused");
	check("[include]\npath = \"open", "L2:", "unterminated quote at end of file");
	check("[include]\npath = end\\", "end", "backslash at end of file");
	check("[include]\r\npath = crlf\r\n", "crlf", "CRLF lines");
	check("[include]\npath = a\rb\n", "a b", "a lone CR is a blank");
	check("\xef\xbb\xbf[include]\npath = bom\n", "bom", "UTF-8 BOM skipped");
	check("[include]\npath = no-newline", "no-newline", "no final newline");
	check("[include]\npath=a=b\n", "a=b", "= in the value");
	check("[include]\npath \t = spaced\n", "spaced", "blanks before =");
	check_n("[include]\npath = ab\0cd\n", 20, "ab", "NUL cuts the value");
	check_n("[include]\npath = \0x\n", 18, "", "value starting with NUL includes nothing");
}

static void test_refused(void)
{
	check("[include\npath = a\n", "L1:a", "unterminated header: reading goes on at line 2");
	check("[inc lude]\n", "L1:", "space then no quote in header");
	check("[inc_lude]\n", "L1:", "_ in a section name");
	check("[include]\n1path = a\n", "L2:", "key starting with a digit");
	check("[include]\npa_th = a\n", "L2:", "_ in a key");
	check("[include]\npath a\n", "L2:", "missing =");
	check("[include]\npath # c\n", "L2:", "comment after a bare key");
	check("[a]\n\x0bk = 1\n", "L2:", "vertical tab is not a blank for git");
	check("[a]\n\x0ck = 1\n", "L2:", "form feed is not a blank for git");
	check("[include]\npath = a\n@\n", "L3:a", "stray character, line reported");
	check("# c\n; c\n\n   \n[include]  # c\n path = x ; y\n", "x", "comments and blank lines");
	check_n("[in\0clude]\n", 11, "L1:", "NUL in a header");
	check("[include]\npath = ok\n[", "L3:ok", "[ at end of file");
	/* after a line git rejects, the rest is still read for includes */
	check("[include]\npath = \"open\npath = b\n", "L2:b", "recovery after an open quote");
	check("[bad header\npath = x\n[core]\npath = y\n", "L1:x",
	      "after a bad header the section counts as an include, until the next one");
	check("[include]\n@@@\npath = a\n@\npath = b\n", "L2:a|b", "first bad line reported");
	check("[core]\nx = \"a\\q [include] path = no\npath = no\n", "L2:",
	      "the rest of a bad line is skipped, the section stays");
}

static void test_limits(void)
{
	size_t big = (size_t)GIT_CONFIG_MAX_SIZE + 1;
	char *data = malloc(big);
	char **v = NULL;
	unsigned line = 0;
	struct buf b = BUF_INIT;

	memset(data, '#', big);
	is_int(git_config_includes(data, big, &v, &line), -EFBIG, "one byte above the size cap");
	ok(v == NULL, "nothing returned above the cap");
	memset(data, '\n', big);
	is_int(git_config_includes(data, big - 1, &v, &line), 0, "exactly the cap is read");
	free(data);

	buf_puts(&b, "[include]\n");
	for (int i = 0; i < GIT_CONFIG_MAX_INCLUDES; i++)
		buf_puts(&b, "path = x\n");
	is_int(git_config_includes(b.data, b.len, &v, &line), 0, "256 includes accepted");
	is_int(strv_length(v), GIT_CONFIG_MAX_INCLUDES, "256 returned");
	strv_free(v);
	v = NULL;
	buf_puts(&b, "path = one-too-many\n");
	is_int(git_config_includes(b.data, b.len, &v, &line), -E2BIG, "257 includes refused");
	buf_free(&b);

	is_int(git_config_includes(NULL, 0, &v, &line), 0, "NULL, 0: empty");
}

static void test_resolve(void)
{
	char *p = NULL, *u = NULL;
	const char *rest = NULL;

	is_int(git_config_include_resolve("~/inc", "/home/u", "/r/.git/config", &p), 0, "~/");
	is_str(p, "/home/u/inc", "~/ below home");
	free(p);
	is_int(git_config_include_resolve("~", "/home/u", "/r/.git/config", &p), 0, "~");
	is_str(p, "/home/u", "~ alone is home");
	free(p);
	is_int(git_config_include_resolve("rel/x", "/home/u", "/r/.git/config", &p), 0, "rel");
	is_str(p, "/r/.git/rel/x", "relative to the config's directory");
	free(p);
	is_int(git_config_include_resolve("../x", "/home/u", "/r/.git/config", &p), 0, "..");
	is_str(p, "/r/.git/../x", "not normalised");
	free(p);
	is_int(git_config_include_resolve("/abs", NULL, "/r/c", &p), 0, "absolute");
	is_str(p, "/abs", "absolute as is");
	free(p);
	is_int(git_config_include_resolve("x", NULL, "/c", &p), 0, "config at /");
	is_str(p, "/x", "relative to /");
	free(p);
	is_int(git_config_include_resolve("~/x", NULL, "/c", &p), -EINVAL, "~ without home");
	is_int(git_config_include_resolve("x", "/h", "rel/c", &p), -EINVAL, "relative config");
	is_int(git_config_include_resolve("~bob/x", "/h", "/c", &p), -EOPNOTSUPP, "~user");
	is_int(git_config_split_user("~bob/x/y", &u, &rest), 0, "split ~bob/x/y");
	is_str(u, "bob", "user");
	is_str(rest, "/x/y", "rest");
	free(u);
	is_int(git_config_split_user("~bob", &u, &rest), 0, "split ~bob");
	is_str(rest, "", "empty rest");
	free(u);
	is_int(git_config_split_user("~/x", &u, &rest), -EINVAL, "~/ is not ~user");
}

int main(void)
{
	plan_no_plan();
	test_sections();
	test_values();
	test_refused();
	test_limits();
	test_resolve();
	return tap_exit();
}
