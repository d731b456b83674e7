/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the glob patterns of path-glob.h. A pattern compiles into one allocation holding its
 * components, the atoms of every component (a byte, '?', a class or '*') and the 256-bit
 * classes; matching allocates nothing (see the header for the rules and the cost).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path-glob.h"

enum atom_kind {
	ATOM_BYTE,  /* exactly .byte */
	ATOM_ANY,   /* '?' */
	ATOM_CLASS, /* one byte of classes[.cls] */
	ATOM_STAR,  /* '*': any run, never two in a row */
};

struct atom {
	uint8_t kind;
	uint8_t byte;
	uint16_t cls;
};

struct glob_class {
	uint64_t bits[4];
};

enum comp_kind {
	COMP_LITERAL, /* only ATOM_BYTE atoms */
	COMP_GLOB,    /* some '?', '[...]' or '*' */
	COMP_TREE,    /* "**": zero or more whole components, no atoms */
};

struct comp {
	uint32_t first; /* index of the first atom */
	uint16_t n;	/* number of atoms (a component has at most PATH_GLOB_MAX_LEN bytes) */
	uint8_t kind;
	bool satisfiable; /* some name (non-empty, no '/') matches it */
	bool tail_ok;	  /* this and every later component are satisfiable */
};

struct path_glob {
	size_t n_comps, n_atoms, n_classes;
	bool literal;
	struct comp *comps;
	struct glob_class *classes;
	struct atom *atoms;
};

/* The pattern positions 0..n_comps reached so far; one bit each. */
#define STATE_WORDS PATH_GLOB_STATE_WORDS
struct states {
	uint64_t w[STATE_WORDS];
};
_Static_assert(sizeof(struct states) == sizeof(struct path_glob_state), "state layout");

static void class_set(struct glob_class *c, uint8_t b)
{
	c->bits[b >> 6] |= UINT64_C(1) << (b & 63);
}

static bool class_has(const struct glob_class *c, uint8_t b)
{
	return (c->bits[b >> 6] >> (b & 63)) & 1;
}

/* Parsing runs twice: once with g == NULL to validate and count, once to fill g. */
struct builder {
	struct path_glob *g;
	size_t n_comps, n_atoms, n_classes;
};

static void emit_atom(struct builder *b, enum atom_kind kind, uint8_t byte, size_t cls)
{
	if (b->g)
		b->g->atoms[b->n_atoms] = (struct atom){
		    .kind = (uint8_t)kind,
		    .byte = byte,
		    .cls = (uint16_t)cls,
		};
	b->n_atoms++;
}

/* One member byte of a class at *p, escapes resolved. */
static int class_member(const char **p, uint8_t *ret, const char **reason)
{
	const char *s = *p;

	if (*s == '\\') {
		s++;
		if (*s == '\0') {
			*reason = "trailing backslash";
			return -EINVAL;
		}
	}
	if (*s == '\0') {
		*reason = "unbalanced '['";
		return -EINVAL;
	}
	if (*s == '/') {
		*reason = "'/' inside '[...]' (a class matches one byte of a name)";
		return -EINVAL;
	}
	*ret = (uint8_t)*s;
	*p = s + 1;
	return 0;
}

/* A class whose text starts at *p, just after its '['; moves *p past the closing ']'. Fills c
 * (if not NULL) and says whether any byte of a name (not NUL, not '/') is in it. */
static int parse_class(const char **p, struct glob_class *c, bool *ret_satisfiable,
		       const char **reason)
{
	struct glob_class set = {{0}};
	const char *s = *p;
	bool negate = false, any = false;

	if (*s == '!' || *s == '^') {
		negate = true;
		s++;
	}
	for (bool first = true;; first = false) {
		uint8_t lo, hi;
		int r;

		if (*s == ']' && !first) {
			s++;
			break;
		}
		if (*s == '[' && (s[1] == ':' || s[1] == '=' || s[1] == '.')) {
			*reason = "POSIX classes ('[:alpha:]', '[=a=]', '[.a.]') are not supported";
			return -EINVAL;
		}
		r = class_member(&s, &lo, reason);
		if (r < 0)
			return r;
		hi = lo;
		if (s[0] == '-' && s[1] != ']' && s[1] != '\0') {
			s++;
			r = class_member(&s, &hi, reason);
			if (r < 0)
				return r;
			if (hi < lo) {
				*reason = "reversed range in '[...]'";
				return -EINVAL;
			}
		}
		for (unsigned b = lo; b <= hi; b++)
			class_set(&set, (uint8_t)b);
	}
	if (negate)
		for (size_t i = 0; i < 4; i++)
			set.bits[i] = ~set.bits[i];
	/* names never hold these two, so the class can never take them */
	set.bits[0] &= ~(UINT64_C(1) | (UINT64_C(1) << '/'));
	for (size_t i = 0; i < 4; i++)
		any = any || set.bits[i] != 0;
	if (c)
		*c = set;
	*ret_satisfiable = any;
	*p = s;
	return 0;
}

/* One component at *p (not empty, not starting with '/'); moves *p to the '/' or NUL after it. */
static int parse_component(struct builder *b, const char **p, const char **reason)
{
	struct comp c = {
	    .first = (uint32_t)b->n_atoms,
	    .kind = COMP_LITERAL,
	    .satisfiable = true,
	};
	const char *s = *p;
	bool after_star = false;
	size_t dots = 0; /* literal '.' atoms, escaped or not */

	if (s[0] == '*' && s[1] == '*' && (s[2] == '/' || s[2] == '\0')) {
		c.kind = COMP_TREE;
		s += 2;
	}
	while (c.kind != COMP_TREE && *s && *s != '/') {
		bool satisfiable;
		int r;

		switch (*s) {
		case '*':
			if (!after_star)
				emit_atom(b, ATOM_STAR, 0, 0);
			after_star = true;
			c.kind = COMP_GLOB;
			s++;
			continue;
		case '?':
			emit_atom(b, ATOM_ANY, 0, 0);
			c.kind = COMP_GLOB;
			s++;
			break;
		case '[':
			s++;
			r = parse_class(&s, b->g ? &b->g->classes[b->n_classes] : NULL,
					&satisfiable, reason);
			if (r < 0)
				return r;
			emit_atom(b, ATOM_CLASS, 0, b->n_classes++);
			c.kind = COMP_GLOB;
			c.satisfiable = c.satisfiable && satisfiable;
			break;
		case '\\':
			s++;
			if (*s == '\0') {
				*reason = "trailing backslash";
				return -EINVAL;
			}
			if (*s == '/') {
				*reason = "a '/' cannot be escaped";
				return -EINVAL;
			}
			dots += *s == '.';
			emit_atom(b, ATOM_BYTE, (uint8_t)*s, 0);
			s++;
			break;
		default:
			dots += *s == '.';
			emit_atom(b, ATOM_BYTE, (uint8_t)*s, 0);
			s++;
			break;
		}
		after_star = false;
	}
	c.n = (uint16_t)(b->n_atoms - c.first);
	if (c.kind == COMP_LITERAL && dots == c.n && (c.n == 1 || c.n == 2)) {
		*reason = "'.' or '..' component (patterns must be normalised)";
		return -EINVAL;
	}
	if (b->n_comps >= PATH_GLOB_MAX_COMPONENTS) {
		*reason = "too many components";
		return -EINVAL;
	}
	if (b->g)
		b->g->comps[b->n_comps] = c;
	b->n_comps++;
	*p = s;
	return 0;
}

/* pattern starts with '/'. */
static int parse_pattern(struct builder *b, const char *pattern, const char **reason)
{
	const char *s = pattern + 1;

	if (*s == '\0')
		return 0; /* "/": the root, no components */
	for (;;) {
		int r;

		if (*s == '/' || *s == '\0') {
			*reason = "empty component ('//' or a trailing '/')";
			return -EINVAL;
		}
		r = parse_component(b, &s, reason);
		if (r < 0)
			return r;
		if (*s == '\0')
			return 0;
		s++; /* the '/' */
	}
}

static size_t align_up(size_t n)
{
	size_t a = _Alignof(max_align_t);

	return (n + a - 1) / a * a;
}

int path_glob_compile(const char *pattern, struct path_glob **ret, const char **ret_reason)
{
	struct builder count = {0}, fill = {0};
	const char *reason = NULL;
	struct path_glob *g;
	size_t len, off_comps, off_classes, off_atoms, total;
	int r;

	if (!ret)
		return -EINVAL;
	*ret = NULL;
	if (!pattern) {
		reason = "no pattern";
		goto invalid;
	}
	len = strnlen(pattern, PATH_GLOB_MAX_LEN + 1);
	if (len == 0) {
		reason = "empty pattern";
		goto invalid;
	}
	if (len > PATH_GLOB_MAX_LEN) {
		reason = "too long";
		goto invalid;
	}
	if (pattern[0] != '/') {
		reason = "not absolute";
		goto invalid;
	}
	r = parse_pattern(&count, pattern, &reason);
	if (r < 0)
		goto invalid;

	off_comps = align_up(sizeof(struct path_glob));
	off_classes = align_up(off_comps + count.n_comps * sizeof(struct comp));
	off_atoms = align_up(off_classes + count.n_classes * sizeof(struct glob_class));
	total = off_atoms + count.n_atoms * sizeof(struct atom);
	g = calloc(1, total);
	if (!g)
		return -ENOMEM;
	g->comps = (struct comp *)(void *)((char *)g + off_comps);
	g->classes = (struct glob_class *)(void *)((char *)g + off_classes);
	g->atoms = (struct atom *)(void *)((char *)g + off_atoms);
	fill.g = g;
	r = parse_pattern(&fill, pattern, &reason);
	if (r < 0 || fill.n_comps != count.n_comps || fill.n_atoms != count.n_atoms ||
	    fill.n_classes != count.n_classes) {
		/* the two passes read the same text; they cannot disagree */
		free(g);
		reason = reason ? reason : "internal error";
		goto invalid;
	}
	g->n_comps = fill.n_comps;
	g->n_atoms = fill.n_atoms;
	g->n_classes = fill.n_classes;
	g->literal = true;
	for (size_t i = g->n_comps; i > 0; i--) {
		struct comp *c = &g->comps[i - 1];

		c->tail_ok = c->satisfiable && (i == g->n_comps || g->comps[i].tail_ok);
		if (c->kind != COMP_LITERAL)
			g->literal = false;
	}
	*ret = g;
	return 0;

invalid:
	if (ret_reason)
		*ret_reason = reason;
	return -EINVAL;
}

struct path_glob *path_glob_free(struct path_glob *g)
{
	free(g);
	return NULL;
}

static bool atom_matches(const struct path_glob *g, const struct atom *a, uint8_t c)
{
	switch (a->kind) {
	case ATOM_BYTE:
		return a->byte == c;
	case ATOM_ANY:
		return true;
	case ATOM_CLASS:
		return class_has(&g->classes[a->cls], c);
	default:
		return false;
	}
}

/*
 * Does the component match the name (len > 0 bytes, no '/')? Greedy two pointers: on a
 * mismatch go back to just after the last '*' and let it take one more byte. Every atom but
 * '*' takes exactly one byte, so retrying only from the last '*' is enough, and the loop runs
 * at most (atoms + 1) * (len + 1) times.
 */
static bool comp_matches(const struct path_glob *g, const struct comp *c, const char *name,
			 size_t len)
{
	const struct atom *a = &g->atoms[c->first];
	size_t n = c->n, p = 0, s = 0, star_p = SIZE_MAX, star_s = 0;

	if (c->kind == COMP_TREE)
		return true;
	if (c->kind == COMP_LITERAL && n != len)
		return false;
	while (s < len) {
		if (p < n && a[p].kind == ATOM_STAR) {
			star_p = p++;
			star_s = s;
		} else if (p < n && atom_matches(g, &a[p], (uint8_t)name[s])) {
			p++;
			s++;
		} else if (star_p != SIZE_MAX) {
			p = star_p + 1;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (p < n && a[p].kind == ATOM_STAR)
		p++;
	return p == n;
}

static void states_set(struct states *st, size_t i) { st->w[i / 64] |= UINT64_C(1) << (i % 64); }

static bool states_has(const struct states *st, size_t i)
{
	return (st->w[i / 64] >> (i % 64)) & 1;
}

/* Adds the positions reachable by letting "**" components match zero components. */
static void states_close(const struct path_glob *g, struct states *st)
{
	for (size_t i = 0; i < g->n_comps; i++)
		if (g->comps[i].kind == COMP_TREE && states_has(st, i))
			states_set(st, i + 1);
}

/* Advances every position over one path component; false if none is left. */
static bool states_step(const struct path_glob *g, struct states *st, const char *name, size_t len)
{
	struct states next = {{0}};
	bool any = false;

	for (size_t w = 0; w < STATE_WORDS; w++) {
		for (uint64_t bits = st->w[w]; bits; bits &= bits - 1) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct comp *c;

			if (i >= g->n_comps)
				continue; /* the whole pattern is used up: nothing may follow */
			c = &g->comps[i];
			if (c->kind == COMP_TREE) {
				states_set(&next, i);
				any = true;
			} else if (comp_matches(g, c, name, len)) {
				states_set(&next, i + 1);
				any = true;
			}
		}
	}
	states_close(g, &next);
	*st = next;
	return any;
}

/* Runs the automaton over every component of path; false if path is not absolute or no
 * position survives. */
static bool states_run(const struct path_glob *g, const char *path, struct states *st)
{
	const char *s = path;

	if (!g || !path || path[0] != '/')
		return false;
	*st = (struct states){{0}};
	states_set(st, 0);
	states_close(g, st);
	for (;;) {
		const char *end;

		while (*s == '/')
			s++;
		if (*s == '\0')
			return true;
		end = strchrnul(s, '/');
		if (!states_step(g, st, s, (size_t)(end - s)))
			return false;
		s = end;
	}
}

static bool states_may_continue(const struct path_glob *g, const struct states *st);

bool path_glob_match(const struct path_glob *g, const char *path)
{
	struct states st;

	return states_run(g, path, &st) && states_has(&st, g->n_comps);
}

bool path_glob_may_match_below(const struct path_glob *g, const char *dir)
{
	struct states st;

	if (!states_run(g, dir, &st))
		return false;
	/* From a position i < n_comps the rest of the pattern takes at least one more component
	 * ("**" takes any) and can be met exactly when each of its components can. */
	return states_may_continue(g, &st);
}

static bool states_may_continue(const struct path_glob *g, const struct states *st)
{
	for (size_t i = 0; i < g->n_comps; i++)
		if (states_has(st, i) && g->comps[i].tail_ok)
			return true;
	return false;
}

void path_glob_state_init(const struct path_glob *g, struct path_glob_state *st)
{
	struct states s = {{0}};

	states_set(&s, 0);
	states_close(g, &s);
	memcpy(st, &s, sizeof(s));
}

bool path_glob_state_step(const struct path_glob *g, const struct path_glob_state *from,
			  const char *name, size_t len, struct path_glob_state *to)
{
	struct states s;
	bool any;

	memcpy(&s, from, sizeof(s));
	any = len > 0 && states_step(g, &s, name, len);
	if (!any)
		s = (struct states){{0}};
	memcpy(to, &s, sizeof(s));
	return any;
}

bool path_glob_state_matches(const struct path_glob *g, const struct path_glob_state *st)
{
	struct states s;

	memcpy(&s, st, sizeof(s));
	return states_has(&s, g->n_comps);
}

bool path_glob_state_may_match_below(const struct path_glob *g, const struct path_glob_state *st)
{
	struct states s;

	memcpy(&s, st, sizeof(s));
	return states_may_continue(g, &s);
}

bool path_glob_is_literal(const struct path_glob *g) { return g && g->literal; }

/* "/" followed by the first n (literal) components joined with '/'. */
static char *join_literal(const struct path_glob *g, size_t n)
{
	size_t len = 1, k = 0;
	char *buf;

	for (size_t i = 0; i < n; i++)
		len += g->comps[i].n + 1u;
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	if (n == 0)
		buf[k++] = '/';
	for (size_t i = 0; i < n; i++) {
		const struct comp *c = &g->comps[i];

		buf[k++] = '/';
		for (size_t j = 0; j < c->n; j++)
			buf[k++] = (char)g->atoms[c->first + j].byte;
	}
	buf[k] = '\0';
	return buf;
}

char *path_glob_literal_prefix(const struct path_glob *g)
{
	size_t n = 0;

	if (!g)
		return NULL;
	while (n < g->n_comps && g->comps[n].kind == COMP_LITERAL)
		n++;
	return join_literal(g, n);
}

char *path_glob_literal_path(const struct path_glob *g)
{
	if (!g || !g->literal)
		return NULL;
	return join_literal(g, g->n_comps);
}

size_t path_glob_n_components(const struct path_glob *g) { return g ? g->n_comps : 0; }

enum path_glob_comp_kind path_glob_component(const struct path_glob *g, size_t i,
					     size_t *ret_n_atoms, bool *ret_satisfiable)
{
	const struct comp *c = &g->comps[i];

	*ret_n_atoms = c->n;
	*ret_satisfiable = c->satisfiable;
	return c->kind == COMP_TREE  ? PATH_GLOB_COMP_TREE
	       : c->kind == COMP_GLOB ? PATH_GLOB_COMP_GLOB
				      : PATH_GLOB_COMP_LITERAL;
}

void path_glob_atom_at(const struct path_glob *g, size_t i, size_t j, struct path_glob_atom *ret)
{
	const struct atom *a = &g->atoms[g->comps[i].first + j];

	*ret = (struct path_glob_atom){.byte = a->byte};
	switch (a->kind) {
	case ATOM_BYTE:
		ret->kind = PATH_GLOB_ATOM_BYTE;
		break;
	case ATOM_ANY:
		ret->kind = PATH_GLOB_ATOM_ANY;
		break;
	case ATOM_CLASS:
		ret->kind = PATH_GLOB_ATOM_CLASS;
		ret->class_bits = g->classes[a->cls].bits;
		break;
	default:
		ret->kind = PATH_GLOB_ATOM_STAR;
		break;
	}
}

bool path_pattern_dots_after_glob(const char *raw)
{
	bool glob = false;

	for (const char *s = raw; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (glob && ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')))
			return true;
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\\') {
				i++;
				continue;
			}
			glob = glob || s[i] == '*' || s[i] == '?' || s[i] == '[';
		}
		s += n;
		while (*s == '/')
			s++;
	}
	return false;
}
