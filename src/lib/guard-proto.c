/* SPDX-License-Identifier: Apache-2.0 */
/* Pure: the creation guard's messages and decisions (guard-proto.h). */
#include "guard-proto.h"

#include <errno.h>
#include <string.h>

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

bool guard_req_valid(const void *buf, size_t len)
{
	const struct guard_req *q = buf;

	if (!buf || len != sizeof(*q) || q->magic != GUARD_MAGIC || q->op < GUARD_OP_OPEN ||
	    q->op >= GUARD_OP_MAX_ || q->has_dir1 > 1 || q->has_dir2 > 1)
		return false;
	if (!terminated(q->path1, sizeof(q->path1)) || !terminated(q->path2, sizeof(q->path2)))
		return false;
	/* only LINK and RENAME have a second descriptor */
	if (q->has_dir2 && q->op != GUARD_OP_LINK && q->op != GUARD_OP_RENAME)
		return false;
	return true;
}

bool guard_resp_valid(const void *buf, size_t len)
{
	const struct guard_resp *p = buf;

	if (!buf || len != sizeof(*p) || p->magic != GUARD_MAGIC || p->denied > 1 || p->has_fd > 1)
		return false;
	if (!terminated(p->why, sizeof(p->why)) || !terminated(p->path, sizeof(p->path)))
		return false;
	/* a descriptor comes with a success only; errors are -1 .. -4095 */
	if (p->has_fd && p->result < 0)
		return false;
	if (p->result < -4095 || p->rule < -1 || p->rule >= GUARD_MAX_RULES)
		return false;
	return true;
}

bool guard_ready_valid(const void *buf, size_t len)
{
	const struct guard_ready *g = buf;

	return buf && len == sizeof(*g) && g->magic == GUARD_MAGIC && g->error >= 0 &&
	       g->error < 4096 && terminated(g->why, sizeof(g->why));
}

int guard_split(const char *path, char *parent, char *name, bool *ret_slash)
{
	size_t len = strlen(path), end, start;

	*ret_slash = false;
	if (len == 0)
		return -ENOENT;
	if (len >= GUARD_PATH_MAX)
		return -ENAMETOOLONG;
	end = len;
	while (end > 0 && path[end - 1] == '/')
		end--;
	if (end == 0) { /* "/", "//": the root itself */
		memcpy(parent, "/", 2);
		name[0] = '\0';
		return 0;
	}
	*ret_slash = end < len;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	memcpy(name, path + start, end - start);
	name[end - start] = '\0';
	if (start == 0) {
		memcpy(parent, ".", 2);
		return 0;
	}
	/* drop the slashes between the parent and the name; keep "/" for the root */
	while (start > 1 && path[start - 1] == '/' && path[start - 2] == '/')
		start--;
	if (start == 1) {
		memcpy(parent, "/", 2);
		return 0;
	}
	memcpy(parent, path, start - 1);
	parent[start - 1] = '\0';
	return 0;
}

int guard_join(const char *parent, const char *name, char *out)
{
	size_t pl = strlen(parent), nl = strlen(name);
	bool root = pl == 1 && parent[0] == '/';

	if (pl + nl + 2 > GUARD_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, parent, pl);
	if (!root)
		out[pl++] = '/';
	memcpy(out + pl, name, nl + 1);
	return 0;
}

int guard_check_name(struct path_glob *const *rules, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i] && path_glob_match(rules[i], path))
			return (int)i;
	return -1;
}

/* The automaton state of g after the components of path; false when no position is left. */
static bool state_of(const struct path_glob *g, const char *path, struct path_glob_state *st)
{
	struct path_glob_state next;
	const char *p = path;

	path_glob_state_init(g, st);
	for (;;) {
		size_t l;

		while (*p == '/')
			p++;
		if (!*p)
			return true;
		l = strcspn(p, "/");
		if (!path_glob_state_step(g, st, p, l, &next)) {
			memset(st, 0, sizeof(*st));
			return false;
		}
		*st = next;
		p += l;
	}
}

int guard_check_move(struct path_glob *const *rules, size_t n, const char *from, const char *to)
{
	for (size_t i = 0; i < n; i++) {
		struct path_glob_state a, b;
		bool alive;

		if (!rules[i])
			continue;
		if (path_glob_match(rules[i], to))
			return (int)i;
		alive = state_of(rules[i], to, &b);
		if (!alive || !path_glob_state_may_match_below(rules[i], &b))
			continue; /* nothing below `to` can match */
		/* a path below `to` matches when some position of b's set accepts the rest; if
		 * every position of b is also in a's set, the same path below `from` matched
		 * already: nothing new. Otherwise refuse. */
		(void)state_of(rules[i], from, &a);
		for (size_t w = 0; w < PATH_GLOB_STATE_WORDS; w++)
			if (b.w[w] & ~a.w[w])
				return (int)i;
	}
	return -1;
}
