/* SPDX-License-Identifier: Apache-2.0 */
/* The filesystem scan on real temporary trees: glob rules (matches, coverage, pruning, links
 * never followed, limits), git metadata (worktrees, submodules, bare repositories, commondir),
 * and the scan cache (hits, what makes it stale, damaged or foreign cache files). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linux/fs-scan.h"
#include "linux/mandatory-deny.h"
#include "tap.h"

static char base[64];
static char cachedir[128];
static struct fs_scan_result res;

static void mk(const char *rel, bool dir)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (dir)
		mkdir(p, 0755);
	else
		close(open(p, O_CREAT | O_WRONLY, 0644));
}

static void put(const char *rel, const char *content)
{
	char p[512];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void lnk(const char *target, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (symlink(target, p) < 0)
		perror("symlink");
}

/* A hit for base/rel ("" for base itself), of the given kind (and rule, for FS_HIT_RULE;
 * -1: any rule), with type t (-1: any). */
static int count_hit(const char *rel, int kind, int rule, int t)
{
	char p[512];
	int n = 0;

	snprintf(p, sizeof(p), "%s%s%s", base, rel[0] ? "/" : "", rel);
	for (size_t i = 0; i < res.n_hits; i++) {
		const struct fs_scan_hit *h = &res.hits[i];
		if (strcmp(h->path, p) != 0 || h->kind != kind)
			continue;
		if (kind == FS_HIT_RULE && rule >= 0 && h->rule != (uint32_t)rule)
			continue;
		if (t >= 0 && h->type != t)
			continue;
		n++;
	}
	return n;
}

static bool has_rule(const char *rel, int rule) { return count_hit(rel, FS_HIT_RULE, rule, -1) > 0; }
static bool has_mand(const char *rel, int t) { return count_hit(rel, FS_HIT_MANDATORY, 0, t) > 0; }

static size_t rule_hits(int rule)
{
	size_t n = 0;
	for (size_t i = 0; i < res.n_hits; i++)
		if (res.hits[i].kind == FS_HIT_RULE && res.hits[i].rule == (uint32_t)rule)
			n++;
	return n;
}

struct ruleset {
	struct fs_scan_rule r[8];
	struct path_glob *g[8];
	char text[8][512];
	size_t n;
};

static void rule(struct ruleset *rs, const char *fmt_rel)
{
	const char *why = NULL;
	snprintf(rs->text[rs->n], sizeof(rs->text[0]), "%s/%s", base, fmt_rel);
	if (path_glob_compile(rs->text[rs->n], &rs->g[rs->n], &why) < 0) {
		printf("# bad pattern %s: %s\n", rs->text[rs->n], why);
		exit(1);
	}
	rs->r[rs->n] = (struct fs_scan_rule){.glob = rs->g[rs->n], .pattern = rs->text[rs->n]};
	rs->n++;
}

static void ruleset_free(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		path_glob_free(rs->g[i]);
	rs->n = 0;
}

static int scan(const struct ruleset *rs, const char *const *roots, const char *cache)
{
	struct fs_scan_opts o = {
		.rules = rs ? rs->r : NULL,
		.n_rules = rs ? rs->n : 0,
		.mandatory_roots = roots,
		.mandatory = {.depth = 3},
		.cache_dir = cache,
	};
	fs_scan_result_free(&res);
	return fs_scan(&o, &res);
}

static void wait_past_racy_window(void)
{
	/* directories changed less than a second before a scan are not cached (same timestamp
	 * tick): give the tree that second (this waits, it asserts nothing about time) */
	struct timespec ts = {1, 200 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static void test_globs(void)
{
	struct ruleset rs = {0};
	char p[512];
	int r;

	mk("g", true);
	mk("g/a", true);
	mk("g/a/k.pem", false);
	mk("g/a/b", true);
	mk("g/a/b/.env", false);
	mk("g/.secret.pem", false);
	mk("g/node_modules", true);
	mk("g/node_modules/x", true);
	mk("g/node_modules/x/node_modules", true);
	mk("g/node_modules/x/node_modules/y.js", false);
	mk("g/node_modules/pub", true);
	mk("g/node_modules/pub/node_modules", true);
	mk("g/sub", true);
	mk("outside", true);
	mk("outside/o.pem", false);
	lnk("../outside", "g/a/linkdir");
	lnk("../outside/o.pem", "g/a/link.pem");

	rule(&rs, "g/**/*.pem");		 /* 0 */
	rule(&rs, "g/**/.env");		 /* 1 */
	rule(&rs, "g/**/node_modules/**"); /* 2 */
	rule(&rs, "g/sub/**");		 /* 3: matches its own start */
	r = scan(&rs, NULL, NULL);
	ok(r == 0, "glob scan: %d", r);
	ok(has_rule("g/a/k.pem", 0) && has_rule("g/.secret.pem", 0),
	   "**/*.pem: nested file and a dot file (leading dots are not special)");
	ok(has_rule("g/a/b/.env", 1), "**/.env found three levels down");
	ok(count_hit("g/a/link.pem", FS_HIT_RULE, 0, NODE_SYMLINK) == 1,
	   "a symlink named *.pem is reported as a link");
	ok(!has_rule("g/a/linkdir/o.pem", 0) && !has_rule("outside/o.pem", 0),
	   "a symlinked directory is never entered");
	ok(has_rule("g/node_modules", 2), "node_modules/** matches the directory itself");
	ok(rule_hits(2) == 1, "...and covers everything below it: 1 hit, not %zu", rule_hits(2));
	ok(has_rule("g/sub", 3), "a rule matching its own walk start reports it");
	ok(res.n_watched == 0 && !res.from_cache, "no cache asked for: none used");
	ruleset_free(&rs);

	/* coverage stops where another rule matched on the way */
	rule(&rs, "g/**/node_modules/**"); /* 0 */
	rule(&rs, "g/node_modules/pub");   /* 1 */
	r = scan(&rs, NULL, NULL);
	ok(r == 0 && has_rule("g/node_modules", 0) && has_rule("g/node_modules/pub", 1),
	   "two rules: both matches");
	ok(has_rule("g/node_modules/pub/node_modules", 0),
	   "a match below another rule's match is reported again (most specific rule wins)");
	ok(!has_rule("g/node_modules/x/node_modules", 0),
	   "a match with no other rule on the way stays covered");
	ruleset_free(&rs);

	/* a symbolic link in a rule's literal prefix */
	lnk("g", "glink");
	rule(&rs, "glink/**/*.pem");
	r = scan(&rs, NULL, NULL);
	ok(r == -ELOOP, "a symlink in a rule's prefix: -ELOOP (%d)", r);
	snprintf(p, sizeof(p), "%s/glink", base);
	ok(res.failed_at && strcmp(res.failed_at, p) == 0, "failed_at names the start");
	ruleset_free(&rs);

	/* a prefix that does not exist matches nothing */
	rule(&rs, "nonexistent/**/*.pem");
	ok(scan(&rs, NULL, NULL) == 0 && res.n_hits == 0, "a missing prefix: no hits, no error");
	ruleset_free(&rs);

	/* the entry limit fails closed */
	{
		struct ruleset r2 = {0};
		struct fs_scan_opts o = {.mandatory = {.depth = 3}, .max_entries = 5};
		rule(&r2, "g/**/*.pem");
		o.rules = r2.r;
		o.n_rules = r2.n;
		fs_scan_result_free(&res);
		ok(fs_scan(&o, &res) == -E2BIG, "more entries than max_entries: -E2BIG");
		ruleset_free(&r2);
	}
}

static void test_combined(void)
{
	struct ruleset rs = {0};
	char root[256];
	const char *roots[] = {root, NULL};
	long mand_only;

	snprintf(root, sizeof(root), "%s/c", base);
	mk("c", true);
	mk("c/d", true);
	mk("c/d/.bashrc", false);
	mk("c/d/x.pem", false);
	mk("c/d/e", true);
	mk("c/d/e/f", true);
	mk("c/d/e/f/deep.pem", false);
	mk("c/d/e/f/.zshrc", false); /* depth 4: beyond the mandatory depth */
	ok(scan(NULL, roots, NULL) == 0, "mandatory only");
	mand_only = res.entries;
	rule(&rs, "c/**/*.pem");
	ok(scan(&rs, roots, NULL) == 0, "mandatory and a glob in one pass");
	ok(has_mand("c/d/.bashrc", NODE_OTHER) && has_mand("c/.bashrc", NODE_MISSING),
	   "mandatory results as before");
	ok(!has_mand("c/d/e/f/.zshrc", -1), "mandatory depth kept although the walk goes deeper");
	ok(has_rule("c/d/x.pem", 0) && has_rule("c/d/e/f/deep.pem", 0), "glob hits at every depth");
	ok(res.entries == mand_only + 2, "each entry examined once (%ld = %ld + 2 deeper ones)",
	   res.entries, mand_only);
	ruleset_free(&rs);
}

static void test_git(void)
{
	char root[256], p[512];
	const char *roots[] = {root, NULL};

	snprintf(root, sizeof(root), "%s/repo", base);
	/* the main repository, with a linked worktree's metadata and a submodule's git dir */
	mk("repo", true);
	mk("repo/.git", true);
	mk("repo/.git/hooks", true);
	put("repo/.git/config", "[core]\n");
	put("repo/.git/HEAD", "ref: refs/heads/main\n");
	mk("repo/.git/worktrees", true);
	mk("repo/.git/worktrees/wt", true);
	put("repo/.git/worktrees/wt/commondir", "../..\n");
	mk("repo/.git/modules", true);
	mk("repo/.git/modules/lib", true);
	mk("repo/.git/modules/lib/a", true);
	put("repo/.git/modules/lib/a/HEAD", "x\n"); /* submodule named "lib/a" */
	mk("repo/.git/modules/lib/a/hooks", true);
	put("repo/.git/modules/lib/a/config", "[core]\n");
	/* the submodule's worktree: a .git file */
	mk("repo/lib", true);
	mk("repo/lib/a", true);
	put("repo/lib/a/.git", "gitdir: ../../.git/modules/lib/a\n");
	/* a linked worktree of a repository outside the root */
	mk("ext", true);
	mk("ext/.git", true);
	mk("ext/.git/hooks", true);
	put("ext/.git/config", "");
	mk("ext/.git/worktrees", true);
	mk("ext/.git/worktrees/w2", true);
	put("ext/.git/worktrees/w2/commondir", "../..\r\n");
	mk("repo/w2", true);
	snprintf(p, sizeof(p), "gitdir: %s/ext/.git/worktrees/w2\n", base);
	put("repo/w2/.git", p);
	/* a bare repository */
	mk("repo/bare.git", true);
	put("repo/bare.git/HEAD", "ref: refs/heads/main\n");
	mk("repo/bare.git/objects", true);
	mk("repo/bare.git/refs", true);
	put("repo/bare.git/config", "[core]\n\tbare = true\n");
	/* a .git file pointing nowhere, and one git refuses */
	mk("repo/dangling", true);
	put("repo/dangling/.git", "gitdir: ../nowhere\n");
	mk("repo/bad", true);
	put("repo/bad/.git", "not a pointer\n");

	ok(scan(NULL, roots, NULL) == 0, "git scan");
	ok(has_mand("repo/.git/hooks", NODE_DIR) && has_mand("repo/.git/config", NODE_OTHER),
	   "main repository: hooks and config");
	ok(has_mand("repo/.git/config.worktree", NODE_MISSING),
	   "main repository: a missing config.worktree is protected (extensions.worktreeConfig)");
	{
		/* git reads commondir in the main git directory too: a missing one is protected,
		 * labelled so that its placeholder names the git directory itself */
		char cd[512];
		bool labelled = false;

		snprintf(cd, sizeof(cd), "%s/repo/.git/commondir", base);
		for (size_t i = 0; i < res.n_hits; i++)
			if (strcmp(res.hits[i].path, cd) == 0 &&
			    strcmp(fs_scan_hit_why(&res.hits[i]), MANDATORY_WHY_MISSING_COMMONDIR) == 0)
				labelled = true;
		ok(has_mand("repo/.git/commondir", NODE_MISSING) && labelled,
		   "main repository: a missing commondir is protected (placeholder '.')");
	}
	ok(has_mand("repo/.git/worktrees/wt/commondir", NODE_OTHER) &&
	   has_mand("repo/.git/worktrees/wt/config.worktree", NODE_MISSING),
	   "linked worktree metadata: commondir and config.worktree");
	ok(has_mand("repo/.git/modules/lib/a/hooks", NODE_DIR) &&
	   has_mand("repo/.git/modules/lib/a/config", NODE_OTHER),
	   "submodule git directory below modules/ (name with a slash): hooks and config");
	ok(has_mand("repo/lib/a/.git", NODE_OTHER), "the submodule's .git file");
	ok(has_mand("repo/w2/.git", NODE_OTHER), "the linked worktree's .git file");
	ok(has_mand("ext/.git/worktrees/w2/commondir", NODE_OTHER),
	   "gitdir: outside the write root: its commondir");
	ok(has_mand("ext/.git/hooks", NODE_DIR) && has_mand("ext/.git/config", NODE_OTHER),
	   "...and the common directory's hooks and config, outside the write root");
	ok(has_mand("repo/bare.git/hooks", NODE_MISSING) &&
	   has_mand("repo/bare.git/config", NODE_OTHER),
	   "bare repository: hooks (missing) and config");
	ok(has_mand("repo/nowhere", NODE_MISSING), "a missing gitdir: target is protected too");
	ok(has_mand("repo/bad/.git", NODE_OTHER), "a .git file git refuses is still protected");

	/* allowGitConfig: hooks only */
	{
		struct fs_scan_opts o = {.mandatory_roots = roots,
					 .mandatory = {.depth = 3, .allow_git_config = true}};
		fs_scan_result_free(&res);
		ok(fs_scan(&o, &res) == 0 && has_mand("repo/.git/hooks", NODE_DIR) &&
		   !has_mand("repo/.git/config", -1) && !has_mand("repo/.git/config.worktree", -1),
		   "allowGitConfig: hooks protected, config and config.worktree not");
	}
}

static char *cache_file(void)
{
	static char p[256];
	char cmd[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls %s/fscache-* 2>/dev/null | head -1", cachedir);
	f = popen(cmd, "r");
	p[0] = '\0';
	if (f) {
		if (!fgets(p, sizeof(p), f))
			p[0] = '\0';
		pclose(f);
	}
	p[strcspn(p, "\n")] = '\0';
	return p;
}

static void test_cache(void)
{
	struct ruleset rs = {0};
	char root[256], p[512];
	const char *roots[] = {root, NULL};
	size_t n_first;

	snprintf(root, sizeof(root), "%s/k", base);
	mk("k", true);
	mk("k/.git", true);
	mk("k/.git/hooks", true);
	mk("k/src", true);
	mk("k/src/a", true);
	mk("k/src/a/one.pem", false);
	rule(&rs, "k/**/*.pem");
	wait_past_racy_window();

	ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache && res.cacheable,
	   "first scan: full walk, stored");
	n_first = res.n_hits;
	ok(scan(&rs, roots, cachedir) == 0 && res.from_cache, "second scan: from the cache");
	ok(res.n_hits == n_first && has_rule("k/src/a/one.pem", 0), "with the same hits");
	{
		struct stat st;
		ok(stat(cache_file(), &st) == 0 && (st.st_mode & 0777) == 0600 &&
		   st.st_uid == geteuid(), "the cache file is 0600 and ours");
	}

	/* a new file in an unchanged-looking tree changes its directory's mtime */
	mk("k/src/a/two.pem", false);
	ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache && has_rule("k/src/a/two.pem", 0),
	   "a file created in a scanned directory: full scan, found");
	ok(!res.cacheable, "...and not stored: the directory changed less than a second ago");
	wait_past_racy_window();
	ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache && res.cacheable, "stored again");

	/* placeholders come and go in a write root: its listing, not its times, decides */
	mk("k/.bashrc", false);
	snprintf(p, sizeof(p), "%s/.bashrc", root);
	unlink(p);
	ok(scan(&rs, roots, cachedir) == 0 && res.from_cache,
	   "a file created and removed again in the write root: the cache still holds");
	mk("k/.bashrc", false);
	ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache && has_mand("k/.bashrc", NODE_OTHER),
	   "a file left in the write root: full scan");
	unlink(p);
	wait_past_racy_window();
	(void)scan(&rs, roots, cachedir);

	/* ... and in a .git directory, which a "**" glob walks too (.git/config placeholders) */
	mk("k/.git/config", false);
	snprintf(p, sizeof(p), "%s/.git/config", root);
	unlink(p);
	ok(scan(&rs, roots, cachedir) == 0 && res.from_cache,
	   "a placeholder created and removed in .git: the cache still holds");
	mk("k/.git/x.pem", false);
	ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache && has_rule("k/.git/x.pem", 0),
	   "a file left in .git: full scan, found");
	snprintf(p, sizeof(p), "%s/.git/x.pem", root);
	unlink(p);
	wait_past_racy_window();
	(void)scan(&rs, roots, cachedir);

	/* a lookup inside .git changes */
	mk("k/.git/commondir", false);
	ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache &&
	   has_mand("k/.git/commondir", NODE_OTHER), "a new .git/commondir: full scan, protected");
	snprintf(p, sizeof(p), "%s/.git/commondir", root);
	unlink(p);
	wait_past_racy_window();
	(void)scan(&rs, roots, cachedir);

	/* a directory renamed away and another put in its place */
	{
		char a[512], b2[512];
		snprintf(a, sizeof(a), "%s/k/src/a", base);
		snprintf(b2, sizeof(b2), "%s/k/src/a-old", base);
		rename(a, b2);
		mkdir(a, 0755);
		ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache &&
		   !has_rule("k/src/a/one.pem", 0), "a directory replaced: full scan");
		rmdir(a);
		rename(b2, a);
		wait_past_racy_window();
		(void)scan(&rs, roots, cachedir);
	}

	/* different rules, different cache */
	{
		struct ruleset r2 = {0};
		rule(&r2, "k/**/*.key");
		ok(scan(&r2, roots, cachedir) == 0 && !res.from_cache, "another rule set: its own scan");
		ruleset_free(&r2);
	}

	/* a damaged cache file is refused */
	ok(scan(&rs, roots, cachedir) == 0 && res.from_cache, "cache valid before damaging it");
	{
		/* damage every cache file at the same offset (which one is ours does not matter) */
		for (int k = 0; k < 4; k++) {
			char cmd[600];
			snprintf(cmd, sizeof(cmd), "for f in %s/fscache-*; do printf 'X' | dd of=$f bs=1 seek=%d conv=notrunc 2>/dev/null; done", cachedir, 40 + k);
			if (system(cmd) != 0)
				break;
		}
		ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache && has_rule("k/src/a/one.pem", 0),
		   "a damaged cache file: full scan, same result");
		ok(scan(&rs, roots, cachedir) == 0 && res.from_cache, "...and a good cache again");
		{
			char cmd[300];
			snprintf(cmd, sizeof(cmd), "chmod 0644 %s/fscache-*", cachedir);
			if (system(cmd) != 0)
				printf("# chmod failed\n");
		}
		ok(scan(&rs, roots, cachedir) == 0 && !res.from_cache,
		   "a cache file readable by others is not trusted");
	}
	ruleset_free(&rs);
}

int main(void)
{
	char cmd[128];

	snprintf(base, sizeof(base), "/tmp/srt-test-fss-XXXXXX");
	if (!mkdtemp(base))
		return 1;
	snprintf(cachedir, sizeof(cachedir), "%s/cache", base);
	mkdir(cachedir, 0700);

	test_globs();
	test_combined();
	test_git();
	test_cache();
	fs_scan_result_free(&res);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return tap_exit();
}
