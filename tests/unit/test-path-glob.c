/* SPDX-License-Identifier: Apache-2.0 */
/* path_glob: the rules of path-glob.h row by row, refused patterns with their reasons, the
 * literal prefix and path, may_match_below() checked against a brute-force walk of a tree, a
 * comparison with fnmatch(3) on random components, and pathological inputs. */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "path-glob.h"

struct row {
	const char *pattern;
	const char *path;
	bool match;
};

/* clang-format off */
static const struct row rows[] = {
	/* literal paths */
	{"/", "/", true},
	{"/", "/a", false},
	{"/a", "/a", true},
	{"/a", "/", false},
	{"/a", "/b", false},
	{"/a", "/ab", false},
	{"/ab", "/a", false},
	{"/a", "/a/b", false},
	{"/a/b", "/a", false},
	{"/a/b", "/a/b", true},
	{"/home/u/proj/file.txt", "/home/u/proj/file.txt", true},
	{"/home/u/proj/file.txt", "/home/u/proj/file.tx", false},
	{"/home/u/proj/file.txt", "/home/u/proj/file.txt/x", false},
	/* case-sensitive, byte-wise */
	{"/A", "/a", false},
	{"/a", "/A", false},
	{"/Makefile", "/makefile", false},
	{"/*.PEM", "/k.pem", false},
	{"/*.pem", "/k.PEM", false},
	{"/[a-z]", "/Q", false},
	{"/[A-Z]", "/Q", true},
	{"/caf\xc3\xa9", "/caf\xc3\xa9", true},
	{"/caf?", "/caf\xc3\xa9", false}, /* '?' is one byte, not one character */
	{"/caf??", "/caf\xc3\xa9", true},
	{"/[\x80-\xff]", "/\xc3", true},
	{"/[\x80-\xff]", "/c", false},
	/* '*' within one component */
	{"/*", "/", false},
	{"/*", "/a", true},
	{"/*", "/abc", true},
	{"/*", "/a/b", false},
	{"/a/*", "/a", false},
	{"/a/*", "/a/b", true},
	{"/a/*", "/a/b/c", false},
	{"/a*", "/a", true},
	{"/a*", "/abc", true},
	{"/a*", "/ba", false},
	{"/*a", "/a", true},
	{"/*a", "/bba", true},
	{"/*a", "/ab", false},
	{"/a*b", "/ab", true},
	{"/a*b", "/axxb", true},
	{"/a*b", "/axxbx", false},
	{"/a*b*c", "/abc", true},
	{"/a*b*c", "/aXbYbZc", true},
	{"/a*b*c", "/acb", false},
	{"/*.c", "/main.c", true},
	{"/*.c", "/main.h", false},
	{"/*.c", "/dir/main.c", false},
	{"/src/*.c", "/src/x/main.c", false},
	{"/*/b", "/a/b", true},
	{"/*/b", "/a/c/b", false},
	{"/*/*", "/a/b", true},
	{"/*/*", "/a", false},
	{"/*/*", "/a/b/c", false},
	{"/x*y*", "/xy", true},
	{"/*x*", "/x", true},
	{"/*x*", "/aaa", false},
	/* '?' */
	{"/?", "/a", true},
	{"/?", "/", false},
	{"/?", "/ab", false},
	{"/a?c", "/abc", true},
	{"/a?c", "/ac", false},
	{"/a?c", "/a/c", false},
	{"/??", "/ab", true},
	{"/?*", "/a", true},
	{"/?*", "/", false},
	{"/*?", "/abc", true},
	/* "**" as a whole component */
	{"/**", "/", true},
	{"/**", "/a", true},
	{"/**", "/a/b/c", true},
	{"/**", "/.git/config", true},
	{"/a/**", "/a", true},
	{"/a/**", "/a/b", true},
	{"/a/**", "/a/b/c", true},
	{"/a/**", "/b", false},
	{"/a/**", "/ab", false},
	{"/a/**", "/", false},
	{"/a/**", "/b/a/c", false},
	{"/a/b/**", "/a", false},
	{"/a/b/**", "/a/b", true},
	{"/**/x", "/x", true},
	{"/**/x", "/a/x", true},
	{"/**/x", "/a/b/c/x", true},
	{"/**/x", "/a/b/c/y", false},
	{"/**/x", "/x/y", false},
	{"/**/x", "/ax", false},
	{"/a/**/b", "/a/b", true},
	{"/a/**/b", "/a/x/b", true},
	{"/a/**/b", "/a/x/y/z/b", true},
	{"/a/**/b", "/a/x/y/z/c", false},
	{"/a/**/b", "/a", false},
	{"/a/**/b", "/b", false},
	{"/a/**/b", "/x/a/b", false},
	{"/a/**/b/**", "/a/b", true},
	{"/a/**/b/**", "/a/q/b/r/s", true},
	{"/a/**/b/**", "/a/q/r/s", false},
	{"/**/**", "/", true},
	{"/**/**", "/a/b", true},
	{"/**/**/a", "/a", true},
	{"/**/**/a", "/x/y/a", true},
	{"/**/a/**", "/a", true},
	{"/**/a/**", "/x/a/y", true},
	{"/**/a/**", "/x/b/y", false},
	{"/**/*.pem", "/k.pem", true},
	{"/**/*.pem", "/home/u/k.pem", true},
	{"/**/*.pem", "/home/u/k.pem.bak", false},
	{"/**/*.pem", "/home/u/pem", false},
	{"/**/*/x", "/x", false},
	{"/**/*/x", "/a/x", true},
	{"/home/u/proj/**/*.pem", "/home/u/proj/a/b/k.pem", true},
	{"/home/u/proj/**/*.pem", "/home/u/proj/k.pem", true},
	{"/home/u/proj/**/*.pem", "/home/u/other/k.pem", false},
	{"/**/node_modules/**", "/p/node_modules", true},
	{"/**/node_modules/**", "/p/node_modules/x/y", true},
	{"/**/node_modules/**", "/p/node_module/x", false},
	/* "**" inside a component is '*' */
	{"/a**b", "/ab", true},
	{"/a**b", "/axxb", true},
	{"/a**b", "/ax/xb", false},
	{"/**a", "/a", true},
	{"/**a", "/xa", true},
	{"/**a", "/x/a", false},
	{"/a**", "/a", true},
	{"/a**", "/a/b", false},
	{"/***", "/abc", true},
	{"/***", "/a/b", false},
	{"/x/***/y", "/x/q/y", true},
	{"/x/***/y", "/x/y", false},
	/* dotfiles are not special */
	{"/*", "/.env", true},
	{"/home/u/*", "/home/u/.bashrc", true},
	{"/?env", "/.env", true},
	{"/[.]env", "/.env", true},
	{"/**/*.pem", "/home/u/.secret.pem", true},
	{"/**/*.pem", "/home/.cache/.secret.pem", true},
	{"/**/.git/**", "/repo/.git/config", true},
	{"/**", "/.hidden/.deeper", true},
	{"/.*", "/.env", true},
	{"/.*", "/env", false},
	/* classes */
	{"/[abc]", "/a", true},
	{"/[abc]", "/c", true},
	{"/[abc]", "/d", false},
	{"/[abc]", "/ab", false},
	{"/[a-c]", "/b", true},
	{"/[a-c]", "/d", false},
	{"/[a-cx-z]", "/y", true},
	{"/[a-cx-z]", "/m", false},
	{"/[0-9][0-9]", "/42", true},
	{"/[0-9][0-9]", "/4x", false},
	{"/[!abc]", "/d", true},
	{"/[!abc]", "/a", false},
	{"/[^abc]", "/d", true},
	{"/[^abc]", "/b", false},
	{"/[!a-z]", "/Q", true},
	{"/[!a-z]", "/q", false},
	{"/[]]", "/]", true},
	{"/[]]", "/a", false},
	{"/[]a]", "/a", true},
	{"/[]a]", "/]", true},
	{"/[!]]", "/]", false},
	{"/[!]]", "/a", true},
	{"/[^]a]", "/b", true},
	{"/[]-a]", "/^", true}, /* ']' (0x5d) to 'a' (0x61) */
	{"/[]-a]", "/b", false},
	{"/[-a]", "/-", true},
	{"/[a-]", "/-", true},
	{"/[a-]", "/b", false},
	{"/[!-]", "/-", false},
	{"/[\\]]", "/]", true},
	{"/[\\]a]", "/a", true},
	{"/[\\\\]", "/\\", true},
	{"/[\\\\]", "/a", false},
	{"/[\\-a]", "/-", true},
	{"/[a\\-c]", "/b", false},
	{"/[a\\-c]", "/-", true},
	{"/[\\!a]", "/!", true},
	{"/[!\\!]", "/!", false},
	{"/[*]", "/*", true},
	{"/[*]", "/a", false},
	{"/[?]", "/?", true},
	{"/[?]", "/a", false},
	{"/[[]", "/[", true},
	{"/[a[]", "/[", true},
	{"/[.]", "/.", true},
	{"/x[!.]", "/xa", true},
	{"/x[!.]", "/x.", false},
	{"/*[0-9]", "/file7", true},
	{"/*[0-9]", "/file", false},
	{"/[a-c]*", "/banana", true},
	{"/[a-c]/[x-z]", "/b/y", true},
	{"/[a-c]/[x-z]", "/b/b", false},
	/* escapes outside classes */
	{"/\\*", "/*", true},
	{"/\\*", "/a", false},
	{"/a\\*b", "/a*b", true},
	{"/a\\*b", "/axb", false},
	{"/\\?", "/?", true},
	{"/\\?", "/a", false},
	{"/\\[a]", "/[a]", true},
	{"/\\[a]", "/a", false},
	{"/\\\\", "/\\", true},
	{"/\\a", "/a", true},
	{"/\\*\\*", "/**", true},
	{"/\\*\\*", "/ab", false},
	{"/\\**", "/*abc", true},
	{"/\\**", "/abc", false},
	{"/*\\*", "/abc*", true},
	{"/*\\*", "/abc", false},
	{"/\\*/**", "/*/x", true},
	{"/a]", "/a]", true}, /* a lone ']' is a plain byte */
	/* paths that are not normalised: empty components are skipped, nothing crashes */
	{"/a", "/a/", true},
	{"/a/b", "//a//b", true},
	{"/a/b", "/a/b//", true},
	{"/", "//", true},
	{"/**", "//", true},
	{"/a/**", "/a/", true},
	{"/*", "//", false},
	{"/a/*", "/a//", false},
	/* "." and ".." in a path are plain names */
	{"/a/*", "/a/..", true},
	{"/a/b", "/a/./b", false},
	{"/a/?", "/a/.", true},
	/* paths that are not absolute never match */
	{"/**", "", false},
	{"/**", "a", false},
	{"/a", "a", false},
	{"/*", "relative/path", false},
};

struct bad {
	const char *pattern;
	const char *reason; /* a substring of the reason */
};

static const struct bad bads[] = {
	{"", "empty"},
	{"a", "not absolute"},
	{"a/b", "not absolute"},
	{"*/a", "not absolute"},
	{"~/x", "not absolute"},
	{"**", "not absolute"},
	{"/a/", "empty component"},
	{"//", "empty component"},
	{"//a", "empty component"},
	{"/a//b", "empty component"},
	{"/**/", "empty component"},
	{"/.", "'.' or '..'"},
	{"/..", "'.' or '..'"},
	{"/a/./b", "'.' or '..'"},
	{"/a/../b", "'.' or '..'"},
	{"/a/\\.", "'.' or '..'"},
	{"/a/\\.\\.", "'.' or '..'"},
	{"/\\", "trailing backslash"},
	{"/a\\", "trailing backslash"},
	{"/a/b\\", "trailing backslash"},
	{"/[a\\", "trailing backslash"},
	{"/a\\/b", "cannot be escaped"},
	{"/[", "unbalanced '['"},
	{"/[a", "unbalanced '['"},
	{"/[]", "unbalanced '['"},
	{"/[!]", "unbalanced '['"},
	{"/[^", "unbalanced '['"},
	{"/[a-", "unbalanced '['"},
	{"/a[b/c]", "'/' inside"},
	{"/[\\/]", "'/' inside"},
	{"/x[!/]", "'/' inside"},
	{"/[z-a]", "reversed range"},
	{"/[9-0]", "reversed range"},
	{"/[[:alpha:]]", "POSIX"},
	{"/[[:digit:]x]", "POSIX"},
	{"/[![:space:]]", "POSIX"},
	{"/[a[=b=]]", "POSIX"},
	{"/[[.a.]]", "POSIX"},
};

struct literal_row {
	const char *pattern;
	bool literal;
	const char *prefix;
	const char *path; /* NULL if not literal */
};

static const struct literal_row literals[] = {
	{"/", true, "/", "/"},
	{"/a", true, "/a", "/a"},
	{"/home/u/.ssh/id_rsa", true, "/home/u/.ssh/id_rsa", "/home/u/.ssh/id_rsa"},
	{"/a/\\*b", true, "/a/*b", "/a/*b"},
	{"/\\[x]/\\?", true, "/[x]/?", "/[x]/?"},
	{"/a\\\\b", true, "/a\\b", "/a\\b"},
	{"/\\*\\*", true, "/**", "/**"},
	{"/a]", true, "/a]", "/a]"},
	{"/**", false, "/", NULL},
	{"/*.c", false, "/", NULL},
	{"/home/u/proj/**/*.pem", false, "/home/u/proj", NULL},
	{"/home/u/proj/*.pem", false, "/home/u/proj", NULL},
	{"/home/u/proj/**", false, "/home/u/proj", NULL},
	{"/home/u/pr?j/x", false, "/home/u", NULL},
	{"/home/[u]/x", false, "/home", NULL},
	{"/a\\*/b*/c", false, "/a*", NULL},
	{"/a**b/c", false, "/", NULL},
	{"/**/x/y", false, "/", NULL},
};
/* clang-format on */

/* Patterns shown in TAP descriptions stay on one line and printable. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t k = 0;

	for (; *s && k + 5 < size; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			k += (size_t)snprintf(buf + k, size - k, "\\x%02x", (unsigned char)*s);
		else
			buf[k++] = *s;
	}
	buf[k] = '\0';
	return buf;
}

static void test_rows(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct path_glob *g = NULL;
		const char *reason = NULL;
		char a[96], b[96];
		int rc = path_glob_compile(r->pattern, &g, &reason);

		if (rc < 0) {
			ok(0, "'%s' compiles (%s)", shown(r->pattern, a, sizeof(a)),
			   reason ? reason : "?");
			continue;
		}
		ok(path_glob_match(g, r->path) == r->match, "'%s' %s '%s'",
		   shown(r->pattern, a, sizeof(a)), r->match ? "matches" : "does not match",
		   shown(r->path, b, sizeof(b)));
		path_glob_free(g);
	}
}

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct path_glob *g = NULL;
		const char *reason = NULL;
		char a[96];
		int rc = path_glob_compile(bads[i].pattern, &g, &reason);

		is_int(rc, -EINVAL, "'%s' refused", shown(bads[i].pattern, a, sizeof(a)));
		like_str(reason, bads[i].reason, "'%s': reason says '%s'",
			 shown(bads[i].pattern, a, sizeof(a)), bads[i].reason);
		ok(g == NULL, "'%s': nothing returned", shown(bads[i].pattern, a, sizeof(a)));
		path_glob_free(g);
	}
}

static void test_literal(void)
{
	for (size_t i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
		const struct literal_row *r = &literals[i];
		struct path_glob *g = NULL;
		char *prefix, *path;
		char a[96];

		shown(r->pattern, a, sizeof(a));
		if (path_glob_compile(r->pattern, &g, NULL) < 0) {
			ok(0, "'%s' compiles", a);
			continue;
		}
		is_int(path_glob_is_literal(g), r->literal, "'%s' is %sliteral", a,
		       r->literal ? "" : "not ");
		prefix = path_glob_literal_prefix(g);
		path = path_glob_literal_path(g);
		is_str(prefix, r->prefix, "'%s': literal prefix", a);
		is_str(path, r->path, "'%s': literal path", a);
		if (path)
			ok(path_glob_match(g, path), "'%s' matches its literal path", a);
		free(prefix);
		free(path);
		path_glob_free(g);
	}
}

static void test_limits(void)
{
	struct path_glob *g = NULL;
	const char *reason = NULL;
	char *p = malloc(PATH_GLOB_MAX_LEN + 2);
	size_t k = 0;

	if (!p)
		abort();
	/* exactly the maximum length */
	memset(p, 'x', PATH_GLOB_MAX_LEN);
	p[0] = '/';
	p[PATH_GLOB_MAX_LEN] = '\0';
	is_int(path_glob_compile(p, &g, &reason), 0, "a %d-byte pattern compiles",
	       PATH_GLOB_MAX_LEN);
	ok(path_glob_match(g, p), "and matches itself");
	g = path_glob_free(g);
	p[PATH_GLOB_MAX_LEN] = 'x';
	p[PATH_GLOB_MAX_LEN + 1] = '\0';
	is_int(path_glob_compile(p, &g, &reason), -EINVAL, "a %d-byte pattern is refused",
	       PATH_GLOB_MAX_LEN + 1);
	is_str(reason, "too long", "reason: too long");

	/* exactly the maximum number of components, then one more */
	for (int i = 0; i < PATH_GLOB_MAX_COMPONENTS; i++) {
		p[k++] = '/';
		p[k++] = 'a';
	}
	p[k] = '\0';
	is_int(path_glob_compile(p, &g, &reason), 0, "%d components compile",
	       PATH_GLOB_MAX_COMPONENTS);
	ok(path_glob_match(g, p), "and match themselves");
	ok(!path_glob_may_match_below(g, p), "nothing below the whole literal path");
	g = path_glob_free(g);
	memcpy(p + k, "/a", 3);
	is_int(path_glob_compile(p, &g, &reason), -EINVAL, "%d components are refused",
	       PATH_GLOB_MAX_COMPONENTS + 1);
	is_str(reason, "too many components", "reason: too many components");
	free(p);

	/* NULL everywhere */
	reason = NULL;
	is_int(path_glob_compile(NULL, &g, &reason), -EINVAL, "NULL pattern refused");
	ok(reason && *reason, "with a reason");
	is_int(path_glob_compile("/a", NULL, NULL), -EINVAL, "NULL ret refused");
	is_int(path_glob_compile("[", &g, NULL), -EINVAL, "a NULL reason pointer is fine");
	ok(!path_glob_match(NULL, "/a"), "NULL glob matches nothing");
	ok(!path_glob_may_match_below(NULL, "/a"), "NULL glob prunes everything");
	ok(!path_glob_is_literal(NULL), "NULL glob is not literal");
	ok(path_glob_literal_prefix(NULL) == NULL, "NULL glob has no prefix");
	ok(path_glob_free(NULL) == NULL, "freeing NULL is fine");
	path_glob_compile("/**", &g, NULL);
	ok(!path_glob_match(g, NULL), "NULL path matches nothing");
	ok(!path_glob_may_match_below(g, NULL), "nothing below a NULL dir");
	g = path_glob_free(g);
}

/* ---- may_match_below() against a brute-force walk ---- */

#define TREE_MAX 512
static char *tree[TREE_MAX];
static size_t tree_n;

static void tree_add(const char *parent, int depth)
{
	static const char *const names[] = {"a", "b", ".git", "k.pem", "src", "x*"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char buf[256];

		if (snprintf(buf, sizeof(buf), "%s/%s", strcmp(parent, "/") == 0 ? "" : parent,
			     names[i]) >= (int)sizeof(buf))
			abort(); /* the tree is a few levels of short names */
		if (tree_n >= TREE_MAX)
			abort();
		tree[tree_n++] = strdup(buf);
		if (depth > 1)
			tree_add(buf, depth - 1);
	}
}

/* Is p strictly below dir? (both normalised) */
static bool is_below(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return strcmp(p, "/") != 0;
	return strncmp(p, dir, n) == 0 && p[n] == '/';
}

static void test_may_match_below(void)
{
	static const char *const patterns[] = {
	    "/",
	    "/**",
	    "/a",
	    "/a/**",
	    "/a/b",
	    "/a/b/src",
	    "/**/*.pem",
	    "/**/.git/**",
	    "/**/.git",
	    "/a/**/k.pem",
	    "/*/b",
	    "/*/*/*",
	    "/?/src/**",
	    "/[ab]/**/x\\*",
	    "/[!a]/*",
	    "/**/**/b",
	    "/b/**/a/**/src",
	    "/*.pem/**",
	    "/x\\*/**",
	    "/a/[!a-z.]*",
	    "/nothere/**",
	    "/**/nothere",
	    "/a/b/src/a/b",
	    "/*/*/*/*",
	    "/**/src/*",
	    "/a*/b*",
	    "/*/.git/*",
	};
	size_t checked = 0, pruned = 0;

	tree[tree_n++] = strdup("/");
	tree_add("/", 3);
	ok(tree_n > 250, "a tree of %zu paths", tree_n);

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		struct path_glob *g = NULL;
		char *prefix;
		bool fine = true, prefix_fine = true;
		size_t matches = 0;

		if (path_glob_compile(patterns[i], &g, NULL) < 0)
			continue;
		prefix = path_glob_literal_prefix(g);
		for (size_t d = 0; d < tree_n; d++) {
			bool below = false;

			for (size_t p = 0; p < tree_n && !below; p++)
				below = is_below(tree[p], tree[d]) && path_glob_match(g, tree[p]);
			if (!path_glob_may_match_below(g, tree[d])) {
				pruned++;
				if (below) {
					fine = false;
					printf("#   %s: a match below %s, but pruned\n",
					       patterns[i], tree[d]);
				}
			}
			checked++;
			if (path_glob_match(g, tree[d])) {
				matches++;
				if (!prefix ||
				    (strcmp(prefix, tree[d]) != 0 && !is_below(tree[d], prefix)))
					prefix_fine = false;
			}
		}
		ok(fine, "'%s': may_match_below() true above each of its %zu matches in the tree",
		   patterns[i], matches);
		ok(prefix_fine, "'%s': every match is at or below the literal prefix '%s'",
		   patterns[i], prefix ? prefix : "(null)");
		free(prefix);
		path_glob_free(g);
	}
	ok(pruned > checked / 4, "pruning is useful: %zu of %zu directories pruned", pruned,
	   checked);

	/* exact cases */
	{
		struct path_glob *g = NULL;

		path_glob_compile("/a/b", &g, NULL);
		ok(path_glob_may_match_below(g, "/"), "'/a/b': below '/' may match");
		ok(path_glob_may_match_below(g, "/a"), "'/a/b': below '/a' may match");
		ok(!path_glob_may_match_below(g, "/a/b"), "'/a/b': nothing below '/a/b'");
		ok(!path_glob_may_match_below(g, "/b"), "'/a/b': nothing below '/b'");
		ok(!path_glob_may_match_below(g, "a"), "'/a/b': nothing below a relative dir");
		g = path_glob_free(g);
		path_glob_compile("/a/**", &g, NULL);
		ok(path_glob_may_match_below(g, "/a/b/c/d"), "'/a/**': below '/a/b/c/d' may match");
		ok(!path_glob_may_match_below(g, "/b"), "'/a/**': nothing below '/b'");
		g = path_glob_free(g);
		path_glob_compile("/", &g, NULL);
		ok(!path_glob_may_match_below(g, "/"), "'/': nothing below '/'");
		g = path_glob_free(g);
		path_glob_compile("/a/[/]", &g, NULL);
		ok(g == NULL, "'/a/[/]' is refused");
		path_glob_compile("/a/[!\x01-.0-\xff]/**", &g, NULL);
		ok(g && !path_glob_may_match_below(g, "/a"),
		   "a class that only holds '/' can never match: nothing below '/a'");
		g = path_glob_free(g);
	}
}

/* ---- random components against fnmatch(3) ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* fnmatch(3) without flags reads '*', '?', '[...]' and '\' like a component here; "**" is
 * handled by trying every split. Exponential, so only for small inputs. */
static bool ref_match(char **pc, size_t pn, char **sc, size_t sn)
{
	if (pn == 0)
		return sn == 0;
	if (strcmp(pc[0], "**") == 0) {
		for (size_t k = 0; k <= sn; k++)
			if (ref_match(pc + 1, pn - 1, sc + k, sn - k))
				return true;
		return false;
	}
	return sn > 0 && fnmatch(pc[0], sc[0], 0) == 0 && ref_match(pc + 1, pn - 1, sc + 1, sn - 1);
}

static size_t split(char *s, char **out, size_t max)
{
	size_t n = 0;

	for (char *t = strtok_r(s, "/", &s); t && n < max; t = strtok_r(NULL, "/", &s))
		out[n++] = t;
	return n;
}

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s", s);
}

static void test_against_fnmatch(void)
{
	static const char *const atoms[] = {"a",    "b",     ".",   "*",  "?",	  "[ab]",
					    "[!a]", "[a-c]", "\\*", "*a", "[]a]", "**"};
	static const char *const chars[] = {"a", "b", "c", ".", "*", "]"};
	size_t agree = 0, tried = 0, disagree = 0;

	for (int round = 0; round < 20000; round++) {
		char pat[128] = "", path[128] = "", pcopy[128], scopy[128];
		char *pc[16], *sc[16];
		size_t pn, sn;
		unsigned ncomp = 1 + rnd(4), scomp = rnd(5);
		struct path_glob *g = NULL;

		for (unsigned c = 0; c < ncomp; c++) {
			append(pat, sizeof(pat), "/");
			if (rnd(5) == 0) {
				append(pat, sizeof(pat), "**");
				continue;
			}
			for (unsigned k = 1 + rnd(3); k > 0; k--)
				append(pat, sizeof(pat),
				       atoms[rnd(sizeof(atoms) / sizeof(atoms[0]))]);
		}
		for (unsigned c = 0; c < scomp; c++) {
			append(path, sizeof(path), "/");
			for (unsigned k = 1 + rnd(4); k > 0; k--)
				append(path, sizeof(path),
				       chars[rnd(sizeof(chars) / sizeof(chars[0]))]);
		}
		if (scomp == 0)
			append(path, sizeof(path), "/");
		if (path_glob_compile(pat, &g, NULL) < 0)
			continue; /* "." / ".." components */
		memcpy(pcopy, pat, sizeof(pat));
		memcpy(scopy, path, sizeof(path));
		pn = split(pcopy, pc, 16);
		sn = split(scopy, sc, 16);
		tried++;
		if (path_glob_match(g, path) == ref_match(pc, pn, sc, sn)) {
			agree++;
		} else if (disagree++ < 5) {
			printf("#   '%s' on '%s': %d\n", pat, path, path_glob_match(g, path));
		}
		path_glob_free(g);
	}
	ok(tried > 15000 && agree == tried, "agrees with fnmatch(3) on %zu of %zu random cases",
	   agree, tried);
}

/* ---- pathological inputs: these must simply finish ---- */

static void test_pathological(void)
{
	struct path_glob *g = NULL;
	char *pat = malloc(PATH_GLOB_MAX_LEN + 1), *path = malloc(65536);
	size_t k = 0;

	if (!pat || !path)
		abort();
	/* 40 "**" components then "a", against 200 components */
	for (int i = 0; i < 40; i++) {
		memcpy(pat + k, "/**", 3);
		k += 3;
	}
	memcpy(pat + k, "/a", 3);
	k = 0;
	for (int i = 0; i < 200; i++) {
		memcpy(path + k, "/b", 2);
		k += 2;
	}
	path[k] = '\0';
	is_int(path_glob_compile(pat, &g, NULL), 0, "40 '**' components and 'a' compile");
	ok(!path_glob_match(g, path), "no match on 200 components without 'a'");
	ok(path_glob_may_match_below(g, path), "but something below them may match");
	memcpy(path + k - 2, "/a", 3);
	ok(path_glob_match(g, path), "a match when the 200th component is 'a'");
	g = path_glob_free(g);

	/* "*a*a*a*a*b" against a long run of 'a' */
	is_int(path_glob_compile("/*a*a*a*a*a*a*a*a*b", &g, NULL), 0, "'*a*a*...*b' compiles");
	path[0] = '/';
	memset(path + 1, 'a', 4000);
	path[4001] = '\0';
	ok(!path_glob_match(g, path), "no match on 4000 'a'");
	path[4001] = 'b';
	path[4002] = '\0';
	ok(path_glob_match(g, path), "a match on 4000 'a' and 'b'");
	g = path_glob_free(g);

	/* 128 components of '*' against a long path, and 128 of "**" mixed with "*a*" */
	k = 0;
	for (int i = 0; i < 128; i++) {
		memcpy(pat + k, i % 2 ? "/*a*" : "/**", i % 2 ? 4 : 3);
		k += i % 2 ? 4 : 3;
	}
	pat[k] = '\0';
	is_int(path_glob_compile(pat, &g, NULL), 0, "64 '**' and 64 '*a*' compile");
	k = 0;
	for (int i = 0; i < 2000; i++) {
		const char *name = i % 3 ? "/xxxxxxxxxxxxxxxxxxxxa" : "/bbbbbbbbbbbbbbbbbbbb";

		memcpy(path + k, name, strlen(name) + 1);
		k += strlen(name);
	}
	ok(path_glob_match(g, path), "and match a 2000-component path with enough 'a'");
	ok(!path_glob_match(g, "/xa/xa/xa"), "but not a path with too few 'a' components");
	g = path_glob_free(g);
	free(pat);
	free(path);
}

int main(void)
{
	test_rows();
	ok(sizeof(rows) / sizeof(rows[0]) >= 150, "%zu match rows", sizeof(rows) / sizeof(rows[0]));
	test_bad();
	test_literal();
	test_limits();
	test_may_match_below();
	test_against_fnmatch();
	test_pathological();
	for (size_t i = 0; i < tree_n; i++)
		free(tree[i]);
	/* "." and ".." after a glob component (refused by the settings and the macOS profile) */
	ok(path_pattern_dots_after_glob("/a/*/../b"), "dots after glob: /a/*/../b");
	ok(path_pattern_dots_after_glob("**/."), "dots after glob: **/.");
	ok(path_pattern_dots_after_glob("/x/[ab]/./c"), "dots after glob: a class, then .");
	ok(!path_pattern_dots_after_glob("/a/../b/*"), "no dots after glob: .. before the glob");
	ok(!path_pattern_dots_after_glob("/a/\\*/../b"), "no dots after glob: an escaped star");
	ok(!path_pattern_dots_after_glob("/a/*.../b"), "no dots after glob: '...' is a name");
	ok(!path_pattern_dots_after_glob(""), "no dots after glob: empty");
	return tap_exit();
}
