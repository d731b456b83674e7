/* SPDX-License-Identifier: Apache-2.0 */
/* The mandatory-deny walk on a real temporary tree: what it finds, at which depth, and that it
 * never follows symlinks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/mandatory-deny.h"
#include "tap.h"

static char root[64];
static char found[256][256];
static int nfound;

static int add(void *ud, const char *path, enum node_type type, enum node_type want,
	       const char *why)
{
	(void)ud;
	(void)why;
	if (nfound < 256) {
		snprintf(found[nfound], sizeof(found[0]), "%s%s%s", path + strlen(root),
			 type == NODE_MISSING ? (want == NODE_DIR ? " missing-dir" : " missing-file")
					      : "",
			 type == NODE_DIR ? " dir" : "");
		nfound++;
	}
	return 0;
}

static bool has(const char *s)
{
	for (int i = 0; i < nfound; i++)
		if (strcmp(found[i], s) == 0)
			return true;
	return false;
}

static void mk(const char *rel, bool dir)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (dir)
		mkdir(p, 0755);
	else
		close(open(p, O_CREAT | O_WRONLY, 0644));
}

int main(void)
{
	struct mandatory_opts o = {.depth = 3};
	char cmd[128];
	long n;

	snprintf(root, sizeof(root), "/tmp/srt-test-md-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	mk(".bashrc", false);
	mk(".git", true);
	mk(".git/hooks", true);
	mk(".git/config", false);
	mk("a", true);
	mk("a/.zshrc", false);
	mk("a/b", true);
	mk("a/b/.profile", false);
	mk("a/b/c", true);
	mk("a/b/c/.bashrc", false); /* depth 4: beyond the default */
	mk("nested", true);
	mk("nested/.git", true);
	mk("nested/.git/hooks", true);
	mk("nested/.git/config", false);
	mk("wt", true);
	mk("wt/.git", false); /* worktree pointer */
	mk("a/.vscode", true);
	mk("a/.claude", true);
	mk("a/.claude/commands", true);
	mk("outside", true);
	mk("outside/.bashrc", false);
	{
		char l[256], t[256];
		snprintf(l, sizeof(l), "%s/a/link", root);
		snprintf(t, sizeof(t), "%s/outside", root);
		if (symlink(t, l) < 0)
			return 1;
	}

	n = mandatory_deny_scan(root, &o, add, NULL);
	ok(n > 0, "scan examined %ld entries", n);
	ok(has("/.bashrc"), "root .bashrc");
	ok(has("/.zshrc missing-file"), "missing .zshrc at the root reported for a placeholder");
	ok(has("/.vscode missing-dir"), "missing .vscode at the root reported as a directory");
	ok(has("/.git/hooks dir"), "root .git/hooks");
	ok(has("/.git/config"), "root .git/config");
	ok(has("/.claude/commands missing-dir"), "missing .claude/commands at the root");
	ok(has("/a/.zshrc"), "depth 2 file");
	ok(has("/a/b/.profile"), "depth 3 file");
	ok(!has("/a/b/c/.bashrc"), "depth 4 file not found at depth 3");
	ok(has("/nested/.git/hooks dir") && has("/nested/.git/config"),
	   "nested repository hooks and config (deeper than the depth: reference bug S8)");
	ok(has("/wt/.git"), "worktree .git file protected");
	ok(has("/a/.vscode dir"), "nested .vscode");
	ok(has("/a/.claude/commands dir"), "nested .claude/commands dir protected as a whole");
	ok(!has("/a/.claude/agents missing-dir"), "nothing missing reported below the root");
	ok(!has("/a/link/.bashrc"), "symlinks are not followed");

	/* git: a worktree's .git file leads to its git directory, and its commondir to the
	 * repository's hooks and config, also outside the write root; a bare repository */
	{
		char p[256];
		FILE *f;

		snprintf(p, sizeof(p), "%s-gd", root);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s-gd/hooks", root);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s-gd/wtmeta", root);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s-gd/wtmeta/commondir", root);
		if ((f = fopen(p, "w"))) {
			fputs("..\n", f);
			fclose(f);
		}
		snprintf(p, sizeof(p), "%s/wt/.git", root);
		if ((f = fopen(p, "w"))) {
			fprintf(f, "gitdir: %s-gd/wtmeta\n", root);
			fclose(f);
		}
		mk("bare.git", true);
		mk("bare.git/HEAD", false);
		mk("bare.git/objects", true);
		mk("bare.git/refs", true);
		nfound = 0;
		o.depth = 3;
		mandatory_deny_scan(root, &o, add, NULL);
		ok(has("/wt/.git"), "worktree .git file still protected");
		ok(has("-gd/wtmeta/commondir"), "its git directory's commondir, outside the root");
		ok(has("-gd/hooks dir") && has("-gd/config missing-file"),
		   "the common directory's hooks and (missing) config");
		ok(has("/bare.git/hooks missing-dir") && has("/bare.git/config missing-file"),
		   "a bare repository's hooks and config");
		snprintf(cmd, sizeof(cmd), "rm -rf %s-gd", root);
		if (system(cmd) != 0)
			printf("# cleanup failed\n");
	}

	nfound = 0;
	o.allow_git_config = true;
	o.depth = 1;
	mandatory_deny_scan(root, &o, add, NULL);
	ok(!has("/.git/config"), "allowGitConfig: .git/config not protected");
	ok(has("/.git/hooks dir"), "allowGitConfig: hooks still protected");
	ok(!has("/a/.zshrc"), "depth 1: only the root");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (fork() == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(1);
	}
	return tap_exit();
}
