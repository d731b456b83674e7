/* SPDX-License-Identifier: Apache-2.0 */
/* The mount planner: what each rule combination makes visible, writable or hidden, and the
 * exact mount list (golden) for representative settings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mount-plan.h"
#include "tap.h"

static const char *op_str(const struct mount_op *o)
{
	static char b[512];
	const char *k = o->kind == OP_BIND_RW	? "rw"
			: o->kind == OP_BIND_RO ? "ro"
			: o->kind == OP_MASK_DIR ? (o->traverse ? "maskdir+x" : "maskdir")
						 : "maskfile";
	snprintf(b, sizeof(b), "%s %s%s", k, o->path, o->pin ? " pin" : "");
	return b;
}

/* Joins the compiled ops as "kind path; kind path; ..." for golden comparison. */
static char *compile_str(const struct mount_plan *p)
{
	struct mount_op *ops = NULL;
	size_t n = 0;
	static char out[8192];

	out[0] = '\0';
	if (plan_compile(p, &ops, &n) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, "; ", sizeof(out) - strlen(out) - 1);
		strncat(out, op_str(&ops[i]), sizeof(out) - strlen(out) - 1);
	}
	mount_ops_free(ops, n);
	return out;
}

static void test_reads_and_writes_default(void)
{
	struct mount_plan p = {0};
	is_int(plan_access(&p, "/etc/passwd"), ACCESS_RO, "no rules: everything read-only");
	is_str(compile_str(&p), "", "no rules: no extra mounts");
	plan_free(&p);
}

static void test_allow_write_and_deny_write(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/home/u/proj", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/home/u/proj/dist", RULE_DENY_WRITE, NODE_DIR, "denyWrite");
	is_int(plan_access(&p, "/home/u/proj/src/a.c"), ACCESS_RW, "inside write root: rw");
	is_int(plan_access(&p, "/home/u/proj"), ACCESS_RW, "write root itself: rw");
	is_int(plan_access(&p, "/home/u/projx"), ACCESS_RO, "sibling with common prefix: ro");
	is_int(plan_access(&p, "/home/u/proj/dist/x"), ACCESS_RO, "denyWrite wins inside");
	is_str(compile_str(&p), "rw /home/u/proj; ro /home/u/proj/dist", "golden: write + deny");
	plan_free(&p);
}

static void test_deny_write_equal_path_wins(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/w", RULE_DENY_WRITE, NODE_DIR, "denyWrite");
	is_int(plan_access(&p, "/w/x"), ACCESS_RO, "denyWrite on the same path as allowWrite wins");
	plan_free(&p);
}

static void test_root_write_keeps_denies(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/home/u/.bashrc", RULE_DENY_WRITE, NODE_OTHER, "mandatory");
	is_int(plan_access(&p, "/home/u/.bashrc"), ACCESS_RO,
	       "allowWrite [\"/\"] does not disable denies (reference bug S7)");
	is_str(compile_str(&p), "rw /; rw /home pin; rw /home/u pin; ro /home/u/.bashrc",
	       "golden: / writable, ancestors pinned, file read-only");
	plan_free(&p);
}

static void test_pins_between_root_and_deny(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/p", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/p/a/.git/hooks", RULE_DENY_WRITE, NODE_DIR, "mandatory");
	plan_add(&p, "/p/a/.git/config", RULE_DENY_WRITE, NODE_OTHER, "mandatory");
	is_str(compile_str(&p),
	       "rw /p; rw /p/a pin; rw /p/a/.git pin; ro /p/a/.git/config; ro /p/a/.git/hooks",
	       "golden: every directory between the write root and a deny is pinned once");
	plan_free(&p);
}

static void test_deny_read(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/home/u/.ssh", RULE_DENY_READ, NODE_DIR, "denyRead");
	plan_add(&p, "/home/u/token.txt", RULE_DENY_READ, NODE_OTHER, "denyRead");
	is_int(plan_access(&p, "/home/u/.ssh/id_rsa"), ACCESS_HIDDEN, "below denyRead: hidden");
	is_int(plan_access(&p, "/home/u/.sshx"), ACCESS_RO, "prefix sibling not hidden");
	is_str(compile_str(&p), "maskdir /home/u/.ssh; maskfile /home/u/token.txt",
	       "golden: masks for a dir and a file");
	plan_free(&p);
}

static void test_deny_read_implies_no_write(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/w/secret", RULE_DENY_READ, NODE_DIR, "denyRead");
	is_int(plan_access(&p, "/w/secret/k"), ACCESS_HIDDEN, "denyRead inside a write root");
	is_str(compile_str(&p), "rw /w; maskdir /w/secret", "golden: mask inside write root");
	plan_free(&p);
}

static void test_allow_read_carve_out(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/home/u", RULE_DENY_READ, NODE_DIR, "denyRead");
	plan_add(&p, "/home/u/pub", RULE_ALLOW_READ, NODE_DIR, "allowRead");
	is_int(plan_access(&p, "/home/u/pub/x"), ACCESS_RO, "allowRead re-allows reads");
	is_int(plan_access(&p, "/home/u/other"), ACCESS_HIDDEN, "rest stays hidden");
	is_str(compile_str(&p), "maskdir+x /home/u; ro /home/u/pub",
	       "golden: the mask is traversable when something below is visible");
	plan_free(&p);
}

static void test_allow_read_same_path_beats_deny(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/d", RULE_DENY_READ, NODE_DIR, "denyRead");
	plan_add(&p, "/d", RULE_ALLOW_READ, NODE_DIR, "allowRead");
	is_int(plan_access(&p, "/d/x"), ACCESS_RO, "allowRead beats denyRead on a tie");
	plan_free(&p);
}

static void test_write_root_under_denied_read(void)
{
	struct mount_plan p = {0};
	/* reference bug B5: denyRead ["~"] with allowWrite ["."] hid the cwd */
	plan_add(&p, "/home/u", RULE_DENY_READ, NODE_DIR, "denyRead");
	plan_add(&p, "/home/u/proj", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	is_int(plan_access(&p, "/home/u/proj/f"), ACCESS_RW, "write root inside denied read: rw");
	is_int(plan_access(&p, "/home/u/.aws"), ACCESS_HIDDEN, "the rest hidden");
	is_str(compile_str(&p), "maskdir+x /home/u; rw /home/u/proj",
	       "golden: write root bound back over the mask");
	plan_free(&p);
}

static void test_write_equal_deny_read(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/x", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/x", RULE_DENY_READ, NODE_DIR, "denyRead");
	is_int(plan_access(&p, "/x/y"), ACCESS_HIDDEN, "denyRead beats allowWrite on a tie");
	plan_free(&p);
}

static void test_missing_rules_ignored(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/nope", RULE_DENY_READ, NODE_MISSING, "denyRead");
	is_str(compile_str(&p), "", "missing paths produce no mount");
	plan_free(&p);
}

static void test_deny_outside_write_root_no_mount(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/etc/x", RULE_DENY_WRITE, NODE_OTHER, "denyWrite");
	is_str(compile_str(&p), "rw /w", "a denyWrite outside every write root needs no mount");
	plan_free(&p);
}

static void test_nested_write_in_deny_write(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/w/ro", RULE_DENY_WRITE, NODE_DIR, "denyWrite");
	plan_add(&p, "/w/ro/rw", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	is_int(plan_access(&p, "/w/ro/rw/f"), ACCESS_RW, "more specific allowWrite wins");
	is_str(compile_str(&p), "rw /w; ro /w/ro; rw /w/ro/rw", "golden: nested alternation");
	plan_free(&p);
}

static void test_duplicates_merged(void)
{
	struct mount_plan p = {0};
	plan_add(&p, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	is_int(p.n, 1, "duplicate rule stored once");
	is_int(plan_add(&p, "rel", RULE_ALLOW_WRITE, NODE_DIR, "x"), -EINVAL,
	       "relative path refused");
	plan_free(&p);
}

static void test_ordering_parents_first(void)
{
	struct mount_plan p = {0};
	struct mount_op *ops = NULL;
	size_t n = 0;
	bool sorted = true;

	plan_add(&p, "/a/b-c", RULE_ALLOW_WRITE, NODE_DIR, "w");
	plan_add(&p, "/a/b/c", RULE_ALLOW_WRITE, NODE_DIR, "w");
	plan_add(&p, "/a", RULE_DENY_READ, NODE_DIR, "r");
	plan_add(&p, "/a/b", RULE_ALLOW_READ, NODE_DIR, "ar");
	plan_compile(&p, &ops, &n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			size_t li = strlen(ops[j].path);
			if (strncmp(ops[i].path, ops[j].path, li) == 0 && ops[i].path[li] == '/')
				sorted = false; /* a descendant came before its ancestor */
		}
	ok(sorted && n == 4, "every op follows its ancestors (%zu ops)", n);
	mount_ops_free(ops, n);
	plan_free(&p);
}

int main(void)
{
	test_reads_and_writes_default();
	test_allow_write_and_deny_write();
	test_deny_write_equal_path_wins();
	test_root_write_keeps_denies();
	test_pins_between_root_and_deny();
	test_deny_read();
	test_deny_read_implies_no_write();
	test_allow_read_carve_out();
	test_allow_read_same_path_beats_deny();
	test_write_root_under_denied_read();
	test_write_equal_deny_read();
	test_missing_rules_ignored();
	test_deny_outside_write_root_no_mount();
	test_nested_write_in_deny_write();
	test_duplicates_merged();
	test_ordering_parents_first();
	return tap_exit();
}
