/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend interface (backend.h) on Linux: the backend chosen at compile time, the Linux
 * backend's probe refusing a missing bubblewrap with a sentence, and the platform-independent
 * preparation the macOS backend builds its profile from: git's configuration files
 * (git_config_files()), the targets of their includes (git_include_targets(), the same walk as
 * the Linux backend's) reaching the Seatbelt profile as literal deny-write paths
 * (seatbelt_prepare()), with the directories above them kept from being renamed. Real files in
 * a temporary directory; nothing is mocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

#include "backend.h"
#include "path-resolve.h"
#include "git-config.h"
#include "git-includes.h"
#include "macos/seatbelt-prepare.h"
#include "manager-internal.h"
#include "settings.h"
#include "shared/fs-util.h"
#include "shared/strv.h"

#define TAG_SUFFIX "(with message \"srt_00000000000000ab_7\"))"

static char root[PATH_MAX];

static char *at(const char *rel)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", root, rel) < 0)
		abort();
	return p;
}

static void put(const char *rel, const char *text)
{
	char *p = at(rel);
	FILE *f = fopen(p, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
	free(p);
}

static void dir(const char *rel)
{
	char *p = at(rel);

	if (mkdir(p, 0755) < 0)
		abort();
	free(p);
}

static void test_selection(void)
{
	is_str(backend_current.name, "linux-bwrap", "the Linux build runs the Linux backend");
	srt_config *c = NULL;
	srt_manager *m = NULL;
	srt_child *ch = NULL;
	srt_error *err = NULL;
	char *const argv[] = {(char *)"true", NULL};
	int r;

	is_int(srt_config_new_default(&c), 0, "default config");
	r = srt_manager_new(c, &m, &err);
	is_int(r, 0, "a manager (bubblewrap found): %s", err ? srt_error_message(err) : "ok");
	err = srt_error_free(err);
	if (m) {
		ok(m->backend == &backend_linux, "the manager drives the Linux backend");
		/* through the interface: the probe at spawn time refuses, with the sentence */
		ok(srt_manager_set_bwrap_path(m, "/nonexistent/srt-test/bwrap") < 0,
		   "set_bwrap_path() to a missing program fails");
		r = srt_manager_spawn(m, argv, NULL, &ch, &err);
		ok(r < 0 && !ch, "and a spawn is refused before anything runs");
		like_str(srt_error_message(err), "bubblewrap ('/nonexistent/srt-test/bwrap') was not "
						 "found",
			 "with the Linux backend's reason");
		err = srt_error_free(err);
		srt_manager_free(m);
	}
	srt_config_free(c);
	ok(backend_linux.probe && backend_linux.spawn && backend_linux.monitor_start &&
		   backend_linux.monitor_stop && backend_linux.kill && backend_linux.exit_status &&
		   backend_linux.child_free && backend_linux.manager_free &&
		   backend_linux.set_bwrap_path,
	   "the Linux backend implements every operation");
}

static void test_linux_probe(void)
{
	srt_manager m;
	srt_error *err = NULL;
	int r;

	memset(&m, 0, sizeof(m));
	m.bwrap_path = strdup("/nonexistent/srt-test/bwrap");
	r = backend_linux.probe(&m, NULL, &err);
	ok(r < 0, "a bwrap path that does not exist: refused (%d)", r);
	like_str(srt_error_message(err), "bubblewrap ('/nonexistent/srt-test/bwrap') was not found",
		 "the reason names bubblewrap and the path");
	like_str(srt_error_message(err), "Hint: install it", "and says what to do");
	is_int(srt_error_code(err), SRT_E_DEPENDENCY, "a missing dependency");
	err = srt_error_free(err);
	backend_linux.manager_free(&m);

	memset(&m, 0, sizeof(m));
	r = backend_linux.probe(&m, "/nonexistent/srt-test", &err);
	ok(r < 0, "no bwrap in PATH: refused");
	like_str(srt_error_message(err), "bubblewrap ('bwrap') was not found",
		 "the reason names the program looked up in PATH");
	err = srt_error_free(err);
	backend_linux.manager_free(&m);
}

/* macOS's resolver, as seatbelt-exec.c's: the real path of the longest existing prefix */
static int resolve_real(const char *abs, char **ret)
{
	enum node_type t;

	return path_canonical(abs, ret, &t);
}

static void test_config_files(void)
{
	char **configs = NULL, **named = NULL, *home = at("home"), *cwd = at("home/proj");
	char *want_global = at("home/proj/global.cfg"), *a = at("home/.gitconfig"),
	     *c = at("home/.config/git/config");

	unsetenv("XDG_CONFIG_HOME");
	unsetenv("GIT_CONFIG_SYSTEM");
	setenv("GIT_CONFIG_GLOBAL", "global.cfg", 1);
	is_int(git_config_files(home, cwd, &configs, &named), 0, "git_config_files()");
	is_int(strv_length(configs), 4, "four files");
	is_str(configs[0], a, "~/.gitconfig first");
	is_str(configs[1], c, "then ~/.config/git/config");
	is_str(configs[2], "/etc/gitconfig", "then the system file");
	is_str(configs[3], want_global, "then $GIT_CONFIG_GLOBAL, made absolute against the cwd");
	is_int(strv_length(named), 2, "two never-writable files: the XDG one, and the one named by $GIT_CONFIG_*");
	is_str(named ? named[0] : NULL, c, "~/.config/git/config (core.hooksPath there runs code)");
	is_str(named ? named[1] : NULL, want_global, "the global one");
	strv_free(configs);
	strv_free(named);
	configs = named = NULL;
	is_int(git_config_files(NULL, cwd, &configs, &named), 0, "without a home directory");
	is_str(configs[0], "/etc/gitconfig", "no per-user file");
	strv_free(configs);
	strv_free(named);
	unsetenv("GIT_CONFIG_GLOBAL");
	free(home);
	free(cwd);
	free(want_global);
	free(a);
	free(c);
}

/* The walk's refusals reach the caller as sentences. */
static void test_targets_refused(void)
{
	char *cfg = at("odd.cfg"), *home = at("home");
	char *const configs[] = {cfg, NULL};
	char **targets = NULL;
	srt_error *err = NULL;

	put("odd.cfg", "[include]\n\tpath = ~/nodir/../x.cfg\n");
	ok(git_include_targets(configs, home, &targets, &err) < 0,
	   "an include through a missing directory and '..': refused");
	like_str(srt_error_message(err), "Refusing to run", "with a sentence");
	like_str(srt_error_message(err), "odd.cfg", "naming the configuration");
	err = srt_error_free(err);
	free(cfg);
	free(home);
}

static void test_profile(void)
{
	static const char json[] =
		"{\"network\": {\"allowedDomains\": [], \"deniedDomains\": []},"
		" \"filesystem\": {\"denyRead\": [], \"allowWrite\": [\".\"], \"denyWrite\": []}}";
	char *home = at("home"), *cwd = at("home/proj");
	char **configs = NULL, **named = NULL, *profile = NULL;
	struct srt_settings *s = NULL;
	srt_error *err = NULL;
	char *const argv[] = {(char *)"true", NULL};
	int r;

	/* ~/.gitconfig → inc1.cfg → sub/inc2.cfg → link.cfg (→ real/target.cfg); a conditional
	 * include of a file that does not exist; the repository's config → ../../shared.cfg */
	put("home/.gitconfig", "[include]\n\tpath = inc1.cfg\n"
			       "[includeIf \"gitdir:~/proj/\"]\n\tpath = ~/missing.cfg\n");
	put("home/inc1.cfg", "[include]\n\tpath = sub/inc2.cfg\n");
	put("home/sub/inc2.cfg", "[include]\n\tpath = ../link.cfg\n");
	put("home/real/target.cfg", "[user]\n\tname = x\n");
	{
		char *l = at("home/link.cfg"), *t = at("home/real/target.cfg");
		if (symlink(t, l) < 0)
			abort();
		free(l);
		free(t);
	}
	put("home/proj/.git/config", "[include]\n\tpath = ../../shared.cfg\n");
	put("home/shared.cfg", "");
	put("home/proj/global.cfg", "");
	put("home/unrelated.cfg", "[include]\n\tpath = never.cfg\n");
	setenv("GIT_CONFIG_GLOBAL", "global.cfg", 1);

	is_int(settings_parse(json, strlen(json), "test", &s, &err), 0, "settings: %s",
	       err ? srt_error_message(err) : "ok");
	if (!s)
		abort();
	if (strv_push(&s->protected_paths, "~/.srt-settings.json") < 0)
		abort();
	is_int(git_config_files(home, cwd, &configs, &named), 0, "the manager's git files");
	unsetenv("GIT_CONFIG_GLOBAL");

	struct backend_spawn bs = {
		.settings = s,
		.fs = s,
		.home = home,
		.cwd = cwd,
		.argv = argv,
		.git_configs = configs,
		.git_named = named,
	};
	r = seatbelt_prepare(&bs, NULL, 0, 0, 0xab, 7, &profile, &err);
	is_int(r, 0, "seatbelt_prepare(): %s", err ? srt_error_message(err) : "ok");
	err = srt_error_free(err);

	static const char *const protected[] = {
	    "home/inc1.cfg",	      "home/missing.cfg",  "home/sub/inc2.cfg", "home/link.cfg",
	    "home/real/target.cfg", "home/shared.cfg",	   "home/proj/global.cfg",
	    "home/.srt-settings.json", "home/.config/git/config",
	};
	for (size_t i = 0; i < sizeof(protected) / sizeof(*protected); i++) {
		char *p = at(protected[i]), *rule = NULL;

		if (asprintf(&rule, "(deny file-write* (subpath \"%s\") " TAG_SUFFIX, p) < 0)
			abort();
		like_str(profile, rule, "%s: a literal deny-write path in the profile", protected[i]);
		free(rule);
		free(p);
	}
	/* inc2.cfg's directory lies in the write root: it must not be renamed away (and
	 * replaced by one holding a file of the command's) */
	{
		char *p = at("home/sub"), *rule = NULL;

		if (asprintf(&rule, "(deny file-write-unlink (literal \"%s\") " TAG_SUFFIX, p) < 0)
			abort();
		like_str(profile, rule, "the directory above an include target cannot be renamed");
		free(rule);
		free(p);
	}
	{
		char *p = at("home/unrelated.cfg");
		ok(profile && !strstr(profile, p), "a file nothing includes is not in the profile");
		free(p);
	}
	like_str(profile, "; The settings files and git include targets: never writable.",
		 "under their heading");
	{
		/* with macOS's resolver (real paths): a link on the way to a target stays a
		 * link in the profile (resolved, it would protect only where it points now) */
		char *prof2 = NULL, *dir = at("home"), *real = realpath(dir, NULL), *rule = NULL;

		is_int(seatbelt_prepare(&bs, resolve_real, 0, 0, 0xab, 7, &prof2, &err), 0,
		       "seatbelt_prepare() with a resolver: %s", err ? srt_error_message(err) : "ok");
		err = srt_error_free(err);
		if (!real || asprintf(&rule, "(deny file-write* (subpath \"%s/link.cfg\") " TAG_SUFFIX,
				      real) < 0)
			abort();
		like_str(prof2, rule, "the link itself is protected, not only its target");
		free(rule);
		free(real);
		free(dir);
		free(prof2);
	}

	free(profile);
	profile = NULL;
	/* a per-command configuration gives the filesystem rules; the terminal and network keys
	 * stay the manager's (as on Linux) */
	{
		static const char json2[] =
			"{\"network\": {\"allowedDomains\": [], \"deniedDomains\": []},"
			" \"filesystem\": {\"denyRead\": [], \"allowWrite\": [], \"denyWrite\": []},"
			" \"allowPty\": true}";
		struct srt_settings *mgr = NULL;
		struct backend_spawn b2 = bs;

		is_int(settings_parse(json2, strlen(json2), "test", &mgr, &err), 0,
		       "the manager's settings");
		if (!mgr)
			abort();
		b2.settings = mgr;
		is_int(seatbelt_prepare(&b2, NULL, 0, 0, 0xab, 7, &profile, &err), 0,
		       "per-command configuration");
		like_str(profile, "(allow pseudo-tty)", "allowPty: the manager's");
		{
			char *rule = NULL;
			if (asprintf(&rule, "(allow file-write* (subpath \"%s\"))", cwd) < 0)
				abort();
			like_str(profile, rule, "allowWrite: the command's ('.')");
			free(rule);
		}
		free(profile);
		profile = NULL;
		settings_free(mgr);
		b2.fs = b2.settings = s;
		is_int(seatbelt_prepare(&b2, NULL, 0, 0, 0xab, 7, &profile, &err), 0, "without");
		ok(profile && !strstr(profile, "pseudo-tty"), "no pty when nobody asked for one");
		free(profile);
		profile = NULL;
	}
	/* the same through a configuration git refuses to read past its limit: refused */
	{
		char *big = malloc(GIT_CONFIG_MAX_SIZE + 2);
		if (!big)
			abort();
		memset(big, '#', GIT_CONFIG_MAX_SIZE + 1);
		big[GIT_CONFIG_MAX_SIZE + 1] = '\0';
		put("home/inc1.cfg", big);
		free(big);
		r = seatbelt_prepare(&bs, NULL, 0, 0, 0xab, 7, &profile, &err);
		ok(r < 0 && !profile, "an include larger than git's limit: no profile");
		like_str(srt_error_message(err), "larger than", "the reason says why");
		err = srt_error_free(err);
	}
	strv_free(configs);
	strv_free(named);
	settings_free(s);
	free(home);
	free(cwd);
}

int main(void)
{
	/* in the working directory (meson's build tree), not in /tmp: integration tests that
	 * run at the same time use /tmp as a write root and scan it, and this tree has
	 * repositories, git configurations and symbolic links */
	char tmpl[] = "srt-test-backend-XXXXXX";

	plan_no_plan();
	if (!mkdtemp(tmpl) || !realpath(tmpl, root))
		abort();
	dir("home");
	dir("home/proj");
	dir("home/proj/.git");
	dir("home/sub");
	dir("home/real");
	test_selection();
	test_linux_probe();
	test_config_files();
	test_targets_refused();
	test_profile();
	{
		char *cmd = NULL;
		if (asprintf(&cmd, "rm -rf '%s'", root) < 0 || system(cmd) != 0)
			printf("# could not remove %s\n", root);
		free(cmd);
	}
	return tap_exit();
}
