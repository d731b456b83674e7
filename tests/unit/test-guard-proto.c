/* SPDX-License-Identifier: Apache-2.0 */
/* guard-proto: the creation guard's pure parts. Path splitting as the kernel walks a creating
 * call's path, joining, the decisions (a new name; a rename, with what could lie below it), and
 * the message checks (sizes, magic, enums, terminated strings, descriptors only with success). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "guard-proto.h"

static void split(const char *path, int want_r, const char *want_parent, const char *want_name,
		  bool want_slash)
{
	char parent[GUARD_PATH_MAX], name[GUARD_PATH_MAX];
	bool slash = false;
	int r = guard_split(path, parent, name, &slash);

	is_int(r, want_r, "split '%s': result", path);
	if (r < 0)
		return;
	is_str(parent, want_parent, "split '%s': parent", path);
	is_str(name, want_name, "split '%s': name", path);
	is_int(slash, want_slash, "split '%s': trailing slash", path);
}

static struct path_glob *compile(const char *p)
{
	struct path_glob *g = NULL;

	if (path_glob_compile(p, &g, NULL) < 0) {
		printf("Bail out! cannot compile %s\n", p);
		exit(1);
	}
	return g;
}

int main(void)
{
	char out[GUARD_PATH_MAX], *longp;
	struct path_glob *rules[4];

	split("b", 0, ".", "b", false);
	split("a/b", 0, "a", "b", false);
	split("a//b", 0, "a", "b", false);
	split("/b", 0, "/", "b", false);
	split("//b", 0, "/", "b", false);
	split("/a/b/", 0, "/a", "b", true);
	split("a/b//", 0, "a", "b", true);
	split("/", 0, "/", "", false);
	split("//", 0, "/", "", false);
	split("a/.", 0, "a", ".", false);
	split("..", 0, ".", "..", false);
	split("../x.pem", 0, "..", "x.pem", false);
	split("", -ENOENT, NULL, NULL, false);
	longp = malloc(GUARD_PATH_MAX + 1);
	memset(longp, 'a', GUARD_PATH_MAX);
	longp[GUARD_PATH_MAX] = '\0';
	split(longp, -ENAMETOOLONG, NULL, NULL, false);

	is_int(guard_join("/", "x", out), 0, "join at the root");
	is_str(out, "/x", "join at the root: one slash");
	is_int(guard_join("/a/b", "x", out), 0, "join");
	is_str(out, "/a/b/x", "join: parent/name");
	longp[GUARD_PATH_MAX - 3] = '\0';
	longp[0] = '/';
	is_int(guard_join(longp, "xyz", out), -ENAMETOOLONG, "join: too long");
	free(longp);

	rules[0] = compile("/w/**/*.pem");
	rules[1] = compile("/w/**/.env");
	rules[2] = compile("/w/**/keys/*.key");
	rules[3] = compile("/w/lit\\*");
	is_int(guard_check_name(rules, 4, "/w/a/b/x.pem"), 0, "name: *.pem deep down");
	is_int(guard_check_name(rules, 4, "/w/.env"), 1, "name: .env in the root");
	is_int(guard_check_name(rules, 4, "/w/.env.example"), -1, "name: .env.example is fine");
	is_int(guard_check_name(rules, 4, "/other/x.pem"), -1, "name: outside the prefix");
	is_int(guard_check_name(rules, 4, "/w/keys/a.key"), 2, "name: keys/a.key");
	is_int(guard_check_name(rules, 4, "/w/keys"), -1, "name: the directory keys itself");
	is_int(guard_check_name(rules, 4, "/w/lit*"), 3, "name: an escaped literal");
	is_int(guard_check_name(rules, 4, "/w/litx"), -1, "name: ... only itself");

	is_int(guard_check_move(rules, 4, "/w/a.txt", "/w/b.txt"), -1, "move: plain rename");
	is_int(guard_check_move(rules, 4, "/w/a.txt", "/w/sub/b.pem"), 0, "move: to a denied name");
	is_int(guard_check_move(rules, 4, "/w/dir1", "/w/dir2"), -1,
	       "move: a directory to a name the patterns treat alike");
	is_int(guard_check_move(rules, 4, "/w/dir1", "/w/x/keys"), 2,
	       "move: a directory to keys (what it holds could match)");
	is_int(guard_check_move(rules, 4, "/w/a/keys", "/w/b/keys"), -1,
	       "move: keys to keys elsewhere (same state)");
	is_int(guard_check_move(rules, 4, "/w/keys", "/w/other"), -1,
	       "move: keys away (nothing new can match below)");
	is_int(guard_check_move(rules, 4, "/elsewhere/d", "/w/d"), 0,
	       "move: from outside every prefix into the tree (states differ)");
	is_int(guard_check_move(rules, 4, "/w/d", "/tmp/d"), -1, "move: out of every prefix");

	/* messages */
	{
		struct guard_req *q = calloc(1, sizeof(*q));
		struct guard_resp *p = calloc(1, sizeof(*p));
		struct guard_ready g = {.magic = GUARD_MAGIC};

		q->magic = GUARD_MAGIC;
		q->op = GUARD_OP_OPEN;
		ok(guard_req_valid(q, sizeof(*q)), "req: a valid request");
		ok(!guard_req_valid(q, sizeof(*q) - 1), "req: short");
		ok(!guard_req_valid(NULL, sizeof(*q)), "req: NULL");
		q->op = GUARD_OP_MAX_;
		ok(!guard_req_valid(q, sizeof(*q)), "req: unknown op");
		q->op = GUARD_OP_OPEN;
		q->has_dir2 = 1;
		ok(!guard_req_valid(q, sizeof(*q)), "req: a second descriptor for open");
		q->op = GUARD_OP_RENAME;
		ok(guard_req_valid(q, sizeof(*q)), "req: a second descriptor for rename");
		q->has_dir1 = 2;
		ok(!guard_req_valid(q, sizeof(*q)), "req: has_dir1 not 0 or 1");
		q->has_dir1 = 0;
		memset(q->path1, 'a', sizeof(q->path1));
		ok(!guard_req_valid(q, sizeof(*q)), "req: unterminated path1");
		q->path1[0] = '\0';
		memset(q->path2, 'a', sizeof(q->path2));
		ok(!guard_req_valid(q, sizeof(*q)), "req: unterminated path2");
		q->path2[5] = '\0';
		q->magic = 1;
		ok(!guard_req_valid(q, sizeof(*q)), "req: bad magic");

		p->magic = GUARD_MAGIC;
		p->rule = -1;
		ok(guard_resp_valid(p, sizeof(*p)), "resp: a valid reply");
		p->has_fd = 1;
		p->result = -EACCES;
		ok(!guard_resp_valid(p, sizeof(*p)), "resp: a descriptor with an error");
		p->has_fd = 0;
		p->result = -5000;
		ok(!guard_resp_valid(p, sizeof(*p)), "resp: error out of range");
		p->result = 0;
		p->rule = GUARD_MAX_RULES;
		ok(!guard_resp_valid(p, sizeof(*p)), "resp: rule out of range");
		p->rule = 0;
		memset(p->why, 'x', sizeof(p->why));
		ok(!guard_resp_valid(p, sizeof(*p)), "resp: unterminated why");
		p->why[0] = '\0';
		p->denied = 2;
		ok(!guard_resp_valid(p, sizeof(*p)), "resp: denied not 0 or 1");

		ok(guard_ready_valid(&g, sizeof(g)), "ready: valid");
		g.error = -1;
		ok(!guard_ready_valid(&g, sizeof(g)), "ready: negative error");
		g.error = 0;
		memset(g.why, 'x', sizeof(g.why));
		ok(!guard_ready_valid(&g, sizeof(g)), "ready: unterminated why");
		free(q);
		free(p);
	}
	for (int i = 0; i < 4; i++)
		path_glob_free(rules[i]);
	return tap_exit();
}
