/* SPDX-License-Identifier: Apache-2.0 */
#include "mount-plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/fs-util.h"
#include "shared/macro.h"

int plan_add(struct mount_plan *p, const char *path, enum rule_kind kind, enum node_type type,
	     const char *why)
{
	char *c;

	if (!path || path[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < p->n; i++)
		if (p->rules[i].kind == kind && strcmp(p->rules[i].path, path) == 0) {
			if (p->rules[i].type == NODE_MISSING)
				p->rules[i].type = type;
			return 0;
		}
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct plan_rule *nr = realloc(p->rules, ncap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		p->rules = nr;
		p->cap = ncap;
	}
	c = strdup(path);
	if (!c)
		return -ENOMEM;
	p->rules[p->n++] = (struct plan_rule){.path = c, .kind = kind, .type = type, .why = why};
	return 0;
}

/* Precedence on a tie (same path) for the read decision: higher wins. */
static int read_rank(enum rule_kind k)
{
	switch (k) {
	case RULE_ALLOW_READ:
		return 3;
	case RULE_DENY_READ:
		return 2;
	case RULE_ALLOW_WRITE:
		return 1;
	case RULE_DENY_WRITE:
		break;
	}
	return 0; /* not a read rule */
}

/* For writes every deny (denyWrite, denyRead) beats allowWrite on a tie. */
static int write_rank(enum rule_kind k)
{
	switch (k) {
	case RULE_DENY_WRITE:
	case RULE_DENY_READ:
		return 2;
	case RULE_ALLOW_WRITE:
		return 1;
	case RULE_ALLOW_READ:
		break;
	}
	return 0;
}

static const struct plan_rule *best_rule(const struct mount_plan *p, const char *path,
					 int (*rank)(enum rule_kind), bool existing_only)
{
	const struct plan_rule *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_rule *r = &p->rules[i];
		size_t l;

		if (rank(r->kind) == 0 || !path_is_under(path, r->path) ||
		    (existing_only && r->type == NODE_MISSING))
			continue;
		l = strlen(r->path);
		if (!best || l > best_len || (l == best_len && rank(r->kind) > rank(best->kind))) {
			best = r;
			best_len = l;
		}
	}
	return best;
}

enum access_state plan_access(const struct mount_plan *p, const char *path)
{
	const struct plan_rule *r = best_rule(p, path, read_rank, false), *w;

	if (r && r->kind == RULE_DENY_READ)
		return ACCESS_HIDDEN;
	w = best_rule(p, path, write_rank, false);
	return (w && w->kind == RULE_ALLOW_WRITE) ? ACCESS_RW : ACCESS_RO;
}

enum access_state plan_explain(const struct mount_plan *p, const char *path,
			       const struct plan_rule **ret_rule)
{
	const struct plan_rule *r = best_rule(p, path, read_rank, true), *w;

	if (r && r->kind == RULE_DENY_READ) {
		*ret_rule = r;
		return ACCESS_HIDDEN;
	}
	w = best_rule(p, path, write_rank, true);
	*ret_rule = w;
	return (w && w->kind == RULE_ALLOW_WRITE) ? ACCESS_RW : ACCESS_RO;
}

struct point {
	char *path;
	enum node_type type;
	bool pin;
	const char *why;
};

static char *take_str(char **p)
{
	char *t = *p;
	*p = NULL;
	return t;
}

static int cmp_point(const void *a, const void *b)
{
	return path_compare(((const struct point *)a)->path, ((const struct point *)b)->path);
}

static int points_add(struct point **v, size_t *n, size_t *cap, const char *path,
		      enum node_type type, bool pin, const char *why)
{
	char *c;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct point *nv = realloc(*v, ncap * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	c = strdup(path);
	if (!c)
		return -ENOMEM;
	(*v)[(*n)++] = (struct point){.path = c, .type = type, .pin = pin, .why = why};
	return 0;
}

static bool is_write_root(const struct mount_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->rules[i].kind == RULE_ALLOW_WRITE && p->rules[i].type != NODE_MISSING &&
		    strcmp(p->rules[i].path, path) == 0)
			return true;
	return false;
}

/* Adds a pin for every writable directory strictly between a denied path and the write root
 * that contains it, so "mv parent elsewhere; mkdir parent; write parent/denied" fails. */
static int add_pins(const struct mount_plan *p, const char *denied, struct point **v, size_t *n,
		    size_t *cap)
{
	char *cur = strdup(denied);
	int r = 0;

	if (!cur)
		return -ENOMEM;
	for (;;) {
		char *slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			break; /* reached "/" */
		*slash = '\0';
		if (is_write_root(p, cur))
			break;
		if (plan_access(p, cur) != ACCESS_RW)
			break;
		r = points_add(v, n, cap, cur, NODE_DIR, true, "pin");
		if (r < 0)
			break;
	}
	free(cur);
	return r;
}

void mount_ops_free(struct mount_op *ops, size_t n)
{
	for (size_t i = 0; ops && i < n; i++)
		free(ops[i].path);
	free(ops);
}

void plan_free(struct mount_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->rules[i].path);
	free(p->rules);
	*p = (struct mount_plan){0};
}

int plan_compile(const struct mount_plan *p, struct mount_op **ret_ops, size_t *ret_n)
{
	struct point *pts = NULL;
	size_t npts = 0, cappts = 0, nops = 0, nstack = 0;
	struct mount_op *ops = NULL;
	size_t *stack = NULL; /* indices into ops of emitted ancestors */
	int r = 0;

	for (size_t i = 0; i < p->n && r >= 0; i++) {
		const struct plan_rule *rule = &p->rules[i];
		if (rule->type == NODE_MISSING)
			continue;
		r = points_add(&pts, &npts, &cappts, rule->path, rule->type, false, rule->why);
		if (r >= 0 && (rule->kind == RULE_DENY_WRITE || rule->kind == RULE_DENY_READ))
			r = add_pins(p, rule->path, &pts, &npts, &cappts);
	}
	if (r < 0)
		goto out;

	if (npts > 0)
		qsort(pts, npts, sizeof(*pts), cmp_point);

	ops = calloc(npts ? npts : 1, sizeof(*ops));
	stack = calloc(npts ? npts : 1, sizeof(*stack));
	if (!ops || !stack) {
		r = -ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < npts; i++) {
		struct point *pt = &pts[i];
		enum access_state want, inherited = ACCESS_RO;
		bool pin = pt->pin;
		enum op_kind kind;

		/* merge duplicates (a rule path that is also a pin, the same path twice) */
		while (i + 1 < npts && strcmp(pts[i + 1].path, pt->path) == 0) {
			pin = pin || pts[i + 1].pin;
			if (pt->pin && !pts[i + 1].pin)
				pt->why = pts[i + 1].why;
			i++;
		}

		while (nstack > 0 && !path_is_under(pt->path, ops[stack[nstack - 1]].path))
			nstack--;
		if (nstack > 0) {
			switch (ops[stack[nstack - 1]].kind) {
			case OP_BIND_RW:
				inherited = ACCESS_RW;
				break;
			case OP_BIND_RO:
				inherited = ACCESS_RO;
				break;
			case OP_MASK_DIR:
			case OP_MASK_FILE:
				inherited = ACCESS_HIDDEN;
				break;
			}
		}

		want = plan_access(p, pt->path);
		if (want == inherited && !(pin && want == ACCESS_RW))
			continue;

		switch (want) {
		case ACCESS_RW:
			kind = OP_BIND_RW;
			break;
		case ACCESS_RO:
			kind = OP_BIND_RO;
			break;
		case ACCESS_HIDDEN:
		default:
			kind = pt->type == NODE_DIR ? OP_MASK_DIR : OP_MASK_FILE;
			break;
		}
		ops[nops] = (struct mount_op){.kind = kind,
					      .path = take_str(&pt->path),
					      .pin = pin && want == inherited,
					      .why = pt->why};
		stack[nstack++] = nops;
		nops++;
	}

	/* A masked directory that has visible mounts below it must be traversable. */
	for (size_t i = 0; i < nops; i++) {
		if (ops[i].kind != OP_MASK_DIR)
			continue;
		for (size_t j = i + 1; j < nops && path_is_under(ops[j].path, ops[i].path); j++)
			if (ops[j].kind == OP_BIND_RO || ops[j].kind == OP_BIND_RW) {
				ops[i].traverse = true;
				break;
			}
	}

	*ret_ops = ops;
	*ret_n = nops;
	ops = NULL;
	nops = 0;
out:
	for (size_t i = 0; i < npts; i++)
		free(pts[i].path);
	free(pts);
	free(stack);
	mount_ops_free(ops, nops);
	return r;
}
