/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Property test of the macOS profile generator against the shared rule table
 * (tests/data/rule-table.txt, format described there). For every rule set the profile is
 * generated and read back by a small evaluator of the SBPL subset srt emits, written here:
 *   - forms (allow|deny OPERATION... FILTER...) in order; the last form that matches an
 *     operation and a path decides (Seatbelt's documented rule: later rules take precedence);
 *   - an operation "default" matches everything, "file-read*" and "file-write*" their families,
 *     anything else itself; a form without filters matches every path, with several any of them;
 *   - filters literal (equal), subpath (equal or below), regex (POSIX extended regexec(3), byte
 *     by byte in the C locale), require-all, vnode-type DIRECTORY (the query says whether the
 *     path is a directory); every other filter (ip, global-name, ...) never matches a path.
 * For every check line three answers must agree: the line's expectation, an independent
 * oracle built on path_glob_match() (the rule semantics of seatbelt-profile.h, no SBPL), and
 * the evaluator on the profile, for reading (file-read-data) and writing (file-write-data).
 * Then rename blocking: for every deny rule, unlinking each path of the set that the rule's
 * pattern matches and that the rule still denies (no deeper allow carves it out), and each
 * literal ancestor of the pattern (as a directory), is refused.
 *
 * SRT_REGENERATE_GOLDEN=1 prints the table with the oracle's answers to stdout as TAP comments
 * ("# table: ...") so that a changed rule set can be re-checked by hand.
 */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "macos/seatbelt-profile.h"
#include "mandatory-names.h"
#include "path-glob.h"
#include "shared/cleanup.h"
#include "shared/macro.h"
#include "shared/strv.h"

#define TAG "srt_0000000000000001_1"

/* ---- a tiny s-expression reader ---- */

enum node_kind { N_ATOM, N_STRING, N_LIST };
struct node {
	enum node_kind kind;
	char *text; /* atom or string (unescaped) */
	struct node **kids;
	size_t n;
	regex_t re;
	bool re_ok;
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	if (n->re_ok)
		regfree(&n->re);
	free(n);
}

static void skip_ws(const char **p)
{
	for (;;) {
		while (**p == ' ' || **p == '\n' || **p == '\t')
			(*p)++;
		if (**p != ';')
			return;
		while (**p && **p != '\n')
			(*p)++;
	}
}

/* NULL on a syntax error */
static struct node *parse_node(const char **p)
{
	struct node *n = calloc(1, sizeof(*n));

	skip_ws(p);
	if (**p == '(') {
		(*p)++;
		n->kind = N_LIST;
		for (;;) {
			skip_ws(p);
			if (**p == ')') {
				(*p)++;
				return n;
			}
			if (!**p)
				goto bad;
			struct node *k = parse_node(p);
			if (!k)
				goto bad;
			n->kids = realloc(n->kids, (n->n + 1) * sizeof(*n->kids));
			n->kids[n->n++] = k;
		}
	}
	if (**p == '"') {
		struct buf b = BUF_INIT;
		(*p)++;
		n->kind = N_STRING;
		while (**p != '"') {
			if (!**p || **p == '\n') {
				buf_free(&b);
				goto bad;
			}
			if (**p == '\\') {
				(*p)++;
				if (**p != '\\' && **p != '"') {
					buf_free(&b);
					goto bad;
				}
			}
			buf_append(&b, *p, 1);
			(*p)++;
		}
		(*p)++;
		buf_reserve(&b, 1);
		n->text = buf_steal(&b);
		return n;
	}
	const char *s = *p;
	while (**p && !strchr(" \n\t()\";", **p))
		(*p)++;
	if (*p == s)
		goto bad;
	n->kind = N_ATOM;
	n->text = strndup(s, (size_t)(*p - s));
	return n;
bad:
	node_free(n);
	return NULL;
}

struct profile {
	struct node **forms;
	size_t n;
};

static int profile_parse(const char *text, struct profile *pr)
{
	const char *p = text;

	*pr = (struct profile){0};
	for (;;) {
		skip_ws(&p);
		if (!*p)
			return 0;
		struct node *f = parse_node(&p);
		if (!f || f->kind != N_LIST)
			return -EINVAL;
		pr->forms = realloc(pr->forms, (pr->n + 1) * sizeof(*pr->forms));
		pr->forms[pr->n++] = f;
	}
}

static void profile_free(struct profile *pr)
{
	for (size_t i = 0; i < pr->n; i++)
		node_free(pr->forms[i]);
	free(pr->forms);
}

static bool op_matches(const char *rule_op, const char *op)
{
	size_t n = strlen(rule_op);

	if (strcmp(rule_op, "default") == 0 || strcmp(rule_op, op) == 0)
		return true;
	return n > 1 && rule_op[n - 1] == '*' && strncmp(rule_op, op, n - 1) == 0;
}

static bool filter_matches(struct node *f, const char *path, bool is_dir)
{
	if (f->kind != N_LIST || f->n == 0 || f->kids[0]->kind != N_ATOM)
		return false;
	const char *k = f->kids[0]->text;
	struct node *arg = f->n > 1 ? f->kids[1] : NULL;

	if (strcmp(k, "require-all") == 0) {
		for (size_t i = 1; i < f->n; i++)
			if (!filter_matches(f->kids[i], path, is_dir))
				return false;
		return true;
	}
	if (strcmp(k, "vnode-type") == 0)
		return arg && strcmp(arg->text, "DIRECTORY") == 0 && is_dir;
	if (!arg || arg->kind != N_STRING)
		return false;
	if (strcmp(k, "literal") == 0)
		return strcmp(arg->text, path) == 0;
	if (strcmp(k, "subpath") == 0) {
		size_t n = strlen(arg->text);
		if (strcmp(arg->text, "/") == 0)
			return path[0] == '/';
		return strncmp(path, arg->text, n) == 0 && (path[n] == '\0' || path[n] == '/');
	}
	if (strcmp(k, "regex") == 0) {
		if (!f->re_ok) {
			if (regcomp(&f->re, arg->text, REG_EXTENDED | REG_NOSUB) != 0) {
				printf("# bad regex %s\n", arg->text);
				return false;
			}
			f->re_ok = true;
		}
		return regexec(&f->re, path, 0, NULL, 0) == 0;
	}
	return false; /* ip, global-name, with message, ... */
}

/* 1 allowed, 0 denied (also when nothing matches: the profile starts with deny default). */
static int evaluate(const struct profile *pr, const char *op, const char *path, bool is_dir)
{
	int decision = 0;

	for (size_t i = 0; i < pr->n; i++) {
		struct node *f = pr->forms[i];
		bool allow, any_op = false, has_filter = false, hit = false;

		if (f->n < 2 || f->kids[0]->kind != N_ATOM)
			continue;
		if (strcmp(f->kids[0]->text, "allow") == 0)
			allow = true;
		else if (strcmp(f->kids[0]->text, "deny") == 0)
			allow = false;
		else
			continue;
		for (size_t j = 1; j < f->n; j++) {
			struct node *k = f->kids[j];
			if (k->kind == N_ATOM) {
				any_op = any_op || op_matches(k->text, op);
				continue;
			}
			if (k->kind == N_LIST && k->n > 0 && k->kids[0]->kind == N_ATOM &&
			    strcmp(k->kids[0]->text, "with") == 0)
				continue;
			has_filter = true;
			hit = hit || filter_matches(k, path, is_dir);
		}
		if (any_op && (!has_filter || hit))
			decision = allow;
	}
	return decision;
}

/* ---- the oracle: the semantics of seatbelt-profile.h with path_glob_match() ---- */

struct orule {
	enum sb_kind kind;
	char *pattern;
	struct path_glob *g;
	size_t rank;
};

static bool covers(const struct path_glob *g, const char *path)
{
	char tmp[8192];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (;;) {
		if (path_glob_match(g, tmp))
			return true;
		if (strcmp(tmp, "/") == 0)
			return false;
		char *sl = strrchr(tmp, '/');
		if (sl == tmp)
			sl[1] = '\0';
		else
			*sl = '\0';
	}
}

static bool oracle_mandatory(const struct orule *rs, size_t n, bool allow_git_config,
			     const char *path)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_free_ char **names = NULL;

		if (rs[i].kind != SB_ALLOW_WRITE)
			continue;
		for (size_t k = 0; k < mandatory_n_dangerous_files; k++)
			strv_push(&names, mandatory_dangerous_files[k]);
		for (size_t k = 0; k < mandatory_n_dangerous_dirs; k++)
			strv_push(&names, mandatory_dangerous_dirs[k]);
		for (size_t k = 0; k < mandatory_n_claude_children; k++) {
			char *s = NULL;
			if (asprintf(&s, ".claude/%s", mandatory_claude_children[k].name) < 0)
				abort();
			strv_consume(&names, s);
		}
		strv_push(&names, ".git/hooks");
		if (!allow_git_config)
			strv_push(&names, ".git/config");
		for (size_t k = 0; names[k]; k++) {
			char pat[8192];
			struct path_glob *g = NULL;
			bool hit;

			snprintf(pat, sizeof(pat), "%s/**/%s",
				 strcmp(rs[i].pattern, "/") == 0 ? "" : rs[i].pattern, names[k]);
			if (path_glob_compile(pat, &g, NULL) < 0)
				abort();
			hit = covers(g, path);
			path_glob_free(g);
			if (hit)
				return true;
		}
	}
	return false;
}

static bool is_device(const char *p)
{
	static const char *const dev[] = {"/dev/null",	       "/dev/zero",   "/dev/tty",
					  "/dev/dtracehelper", "/dev/stdout", "/dev/stderr"};
	for (size_t i = 0; i < ELEMENTSOF(dev); i++)
		if (strcmp(p, dev[i]) == 0)
			return true;
	if (strncmp(p, "/dev/fd/", 8) != 0 || !p[8])
		return false;
	for (p += 8; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static void oracle(const struct orule *rs, size_t n, bool allow_git_config, const char *path,
		   bool *ret_read, bool *ret_write)
{
	static const int read_tie[] = {
	    [SB_ALLOW_WRITE] = 0, [SB_DENY_READ] = 1, [SB_ALLOW_READ] = 2, [SB_DENY_WRITE] = -1};
	static const int write_tie[] = {
	    [SB_ALLOW_WRITE] = 0, [SB_DENY_READ] = 1, [SB_DENY_WRITE] = 1, [SB_ALLOW_READ] = -1};
	const struct orule *br = NULL, *bw = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!covers(rs[i].g, path))
			continue;
		int rt = read_tie[rs[i].kind], wt = write_tie[rs[i].kind];
		if (rt >= 0 && (!br || rs[i].rank > br->rank ||
				(rs[i].rank == br->rank && rt >= read_tie[br->kind])))
			br = &rs[i];
		if (wt >= 0 && (!bw || rs[i].rank > bw->rank ||
				(rs[i].rank == bw->rank && wt >= write_tie[bw->kind])))
			bw = &rs[i];
	}
	*ret_read = !br || br->kind != SB_DENY_READ;
	*ret_write =
	    bw ? bw->kind == SB_ALLOW_WRITE && !oracle_mandatory(rs, n, allow_git_config, path)
	       : is_device(path);
}

/* ---- the table ---- */

struct check {
	bool read, write;
	char *path;
};

struct rename_check {
	bool allowed;
	char *path;
};

struct set {
	char name[64];
	struct rename_check renames[32];
	size_t n_renames;
	bool allow_git_config;
	struct orule rules[32];
	size_t n_rules;
	struct check checks[128];
	size_t n_checks;
};

static enum sb_kind kind_of(const char *s)
{
	for (int k = 0; k < _SB_KIND_MAX; k++)
		if (strcmp(s, sb_kind_name((enum sb_kind)k)) == 0)
			return (enum sb_kind)k;
	return _SB_KIND_MAX;
}

static size_t total_checks, total_rules, rename_checks;

static void run_set(struct set *st)
{
	struct sb_rule rules[32];
	struct seatbelt_params p = {.tag = TAG, .allow_git_config = st->allow_git_config};
	char *text = NULL, *reason = NULL;
	struct profile pr;
	size_t bad = 0;

	for (size_t i = 0; i < st->n_rules; i++)
		rules[i] = (struct sb_rule){st->rules[i].kind, st->rules[i].pattern};
	p.rules = rules;
	p.n_rules = st->n_rules;
	is_int(seatbelt_profile(&p, &text, &reason), 0, "set %s: profile built (%s)", st->name,
	       reason ? reason : "-");
	if (!text)
		return;
	is_int(profile_parse(text, &pr), 0, "set %s: profile reads back as s-expressions",
	       st->name);

	for (size_t i = 0; i < st->n_checks; i++) {
		const struct check *c = &st->checks[i];
		bool orr, ow;
		int er = evaluate(&pr, "file-read-data", c->path, false);
		int ew = evaluate(&pr, "file-write-data", c->path, false);

		oracle(st->rules, st->n_rules, st->allow_git_config, c->path, &orr, &ow);
		if (getenv("SRT_REGENERATE_GOLDEN"))
			printf("# table: check %c%c %s\n", orr ? 'r' : '-', ow ? 'w' : '-',
			       c->path);
		if (orr != c->read || ow != c->write || er != c->read || ew != c->write) {
			printf("# set %s, %s: table %c%c, oracle %c%c, profile %c%c\n", st->name,
			       c->path, c->read ? 'r' : '-', c->write ? 'w' : '-', orr ? 'r' : '-',
			       ow ? 'w' : '-', er ? 'r' : '-', ew ? 'w' : '-');
			bad++;
		}
		total_checks++;
	}
	is_int(bad, 0, "set %s: table, oracle and profile agree on %zu paths", st->name,
	       st->n_checks);

	/* rename blocking */
	size_t bad_unlink = 0;
	for (size_t r = 0; r < st->n_rules; r++) {
		const struct orule *o = &st->rules[r];
		_cleanup_free_ char *prefix = NULL;

		if (o->kind != SB_DENY_READ && o->kind != SB_DENY_WRITE)
			continue;
		for (size_t i = 0; i < st->n_checks; i++) {
			bool rd, wr;

			if (!path_glob_match(o->g, st->checks[i].path))
				continue;
			/* only where the deny holds (a deeper allow may carve a path out) */
			oracle(st->rules, st->n_rules, st->allow_git_config, st->checks[i].path,
			       &rd, &wr);
			if (o->kind == SB_DENY_READ ? rd : wr)
				continue;
			rename_checks++;
			if (evaluate(&pr, "file-write-unlink", st->checks[i].path, false) ||
			    evaluate(&pr, "file-write-unlink", st->checks[i].path, true)) {
				printf("# set %s: %s (matched by %s) can be unlinked\n", st->name,
				       st->checks[i].path, o->pattern);
				bad_unlink++;
			}
		}
		prefix = path_glob_literal_prefix(o->g);
		if (path_glob_is_literal(o->g)) {
			char *sl = strrchr(prefix, '/');
			*sl = '\0'; /* ancestors only */
		}
		for (char *sl; prefix[0] && strcmp(prefix, "/") != 0;) {
			rename_checks++;
			if (evaluate(&pr, "file-write-unlink", prefix, true)) {
				printf("# set %s: ancestor %s of %s can be renamed\n", st->name,
				       prefix, o->pattern);
				bad_unlink++;
			}
			sl = strrchr(prefix, '/');
			*sl = '\0';
		}
	}
	for (size_t i = 0; i < st->n_renames; i++) {
		int e = evaluate(&pr, "file-write-unlink", st->renames[i].path, true);

		rename_checks++;
		if (e != st->renames[i].allowed) {
			printf("# set %s: rename %s: table %c, profile %c\n", st->name,
			       st->renames[i].path, st->renames[i].allowed ? '+' : '-',
			       e ? '+' : '-');
			bad_unlink++;
		}
	}
	is_int(bad_unlink, 0, "set %s: denied paths and their ancestors cannot be renamed",
	       st->name);
	profile_free(&pr);
	free(text), free(reason);
}

static void set_clear(struct set *st)
{
	for (size_t i = 0; i < st->n_rules; i++) {
		free(st->rules[i].pattern);
		path_glob_free(st->rules[i].g);
	}
	for (size_t i = 0; i < st->n_checks; i++)
		free(st->checks[i].path);
	for (size_t i = 0; i < st->n_renames; i++)
		free(st->renames[i].path);
	memset(st, 0, sizeof(*st));
}

int main(void)
{
	const char *d = getenv("SRT_TEST_DATA");
	char path[4096], line[8192];
	struct set st = {0};
	bool have = false;
	size_t sets = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../rule-table.txt", d ? d : "tests/data/settings");
	f = fopen(path, "re");
	if (!ok(f != NULL, "rule table %s opened", path))
		return tap_exit();
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "set ", 4) == 0) {
			if (have)
				run_set(&st), sets++;
			set_clear(&st);
			snprintf(st.name, sizeof(st.name), "%.*s", (int)sizeof(st.name) - 1, line + 4);
			have = true;
		} else if (strcmp(line, "option allowGitConfig") == 0) {
			st.allow_git_config = true;
		} else if (strncmp(line, "rule ", 5) == 0 && st.n_rules < 32) {
			char *sp = strchr(line + 5, ' ');
			struct orule *o = &st.rules[st.n_rules];
			const char *why = NULL;

			if (!sp)
				goto bad_line;
			*sp = '\0';
			o->kind = kind_of(line + 5);
			o->pattern = strdup(sp + 1);
			if (o->kind == _SB_KIND_MAX ||
			    path_glob_compile(o->pattern, &o->g, &why) < 0) {
				printf("# %s\n", why ? why : "bad kind");
				goto bad_line;
			}
			o->rank = path_glob_n_components(o->g);
			while (o->rank > 0) { /* trailing "**" components do not count */
				size_t na;
				bool sat;
				if (path_glob_component(o->g, o->rank - 1, &na, &sat) !=
				    PATH_GLOB_COMP_TREE)
					break;
				o->rank--;
			}
			st.n_rules++;
			total_rules++;
		} else if (strncmp(line, "check ", 6) == 0 && strlen(line) >= 10 &&
			   st.n_checks < 128) {
			struct check *c = &st.checks[st.n_checks++];

			c->read = line[6] == 'r';
			c->write = line[7] == 'w';
			c->path = strdup(line + 9);
		} else if (strncmp(line, "rename ", 7) == 0 && strlen(line) >= 11 &&
			   (line[7] == '+' || line[7] == '-') && st.n_renames < 32) {
			struct rename_check *c = &st.renames[st.n_renames++];

			c->allowed = line[7] == '+';
			c->path = strdup(line + 9);
		} else {
		bad_line:
			ok(0, "table line understood: %s", line);
		}
	}
	fclose(f);
	if (have)
		run_set(&st), sets++;
	set_clear(&st);
	ok(sets >= 6 && total_checks >= 200, "%zu sets, %zu rules, %zu paths, %zu rename checks",
	   sets, total_rules, total_checks, rename_checks);
	return tap_exit();
}
