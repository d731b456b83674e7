/* SPDX-License-Identifier: Apache-2.0 */
#include "path-rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "path-resolve.h"
#include "settings.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/strv.h"

static void path_glob_freep(struct path_glob **g)
{
	path_glob_free(*g);
}

/* The text of pattern after its first n components ("" when there is nothing after them). */
static const char *after_components(const char *pattern, size_t n)
{
	const char *s = pattern;

	for (size_t i = 0; i < n && *s; i++) {
		const char *next = strchr(s + 1, '/');
		s = next ? next : s + strlen(s);
	}
	return s;
}

int path_rule_resolve(const char *raw, enum rule_kind kind, const char *what, const char *home,
		      const char *cwd, struct path_rule *ret, const char **ret_reason)
{
	_cleanup_(path_glob_freep) struct path_glob *g = NULL;
	_cleanup_free_ char *abs = NULL, *prefix = NULL, *real = NULL, *esc = NULL;
	struct path_rule r = {.kind = kind, .what = what, .raw = raw};
	enum node_type t;
	size_t n_lit = 0;
	const char *why = NULL;
	int k;

	k = settings_path_pattern(raw, home, cwd, &abs, &why);
	if (k < 0) {
		if (ret_reason)
			*ret_reason = why;
		return k;
	}
	k = path_glob_compile(abs, &g, &why);
	if (k < 0) {
		if (ret_reason)
			*ret_reason = why;
		return k;
	}
	if (path_glob_is_literal(g)) {
		r.literal = path_glob_literal_path(g);
		if (!r.literal)
			return -ENOMEM;
		*ret = r;
		return 0;
	}

	/* A glob: resolve the symbolic links of its literal prefix (the scan follows none). */
	while (n_lit < path_glob_n_components(g)) {
		size_t na;
		bool sat;

		if (path_glob_component(g, n_lit, &na, &sat) != PATH_GLOB_COMP_LITERAL)
			break;
		n_lit++;
	}
	prefix = path_glob_literal_prefix(g);
	if (!prefix)
		return -ENOMEM;
	k = path_canonical(prefix, &real, &t);
	if (k == -ENOENT || k == -ENOTDIR) {
		/* nothing of it exists, not even "/"'s child: keep the pattern as written */
		real = strdup(prefix);
		if (!real)
			return -ENOMEM;
		t = NODE_MISSING;
	} else if (k < 0) {
		return k;
	}
	r.prefix_missing = t == NODE_MISSING;
	esc = settings_glob_escape(strcmp(real, "/") == 0 ? "" : real);
	if (!esc)
		return -ENOMEM;
	if (asprintf(&r.pattern, "%s%s", esc, after_components(abs, n_lit)) < 0) {
		r.pattern = NULL;
		return -ENOMEM;
	}
	k = path_glob_compile(r.pattern, &r.glob, &why);
	if (k < 0) {
		/* the real prefix made it too long or too deep */
		free(r.pattern);
		if (ret_reason)
			*ret_reason = why;
		return k;
	}
	*ret = r;
	return 0;
}

void path_rule_clear(struct path_rule *r)
{
	free(r->literal);
	free(r->pattern);
	path_glob_free(r->glob);
	*r = (struct path_rule){0};
}

bool path_rule_may_match_at_or_below(const struct path_rule *r, const char *root)
{
	if (r->glob)
		return path_glob_match(r->glob, root) || path_glob_may_match_below(r->glob, root);
	return r->literal && path_is_under(r->literal, root);
}
