/* SPDX-License-Identifier: Apache-2.0 */
/*
 * git configuration files and their includes, for both backends (git-includes.h). Moved here
 * from manager.c so that the macOS backend follows the includes with the same code as Linux.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "git-config.h"
#include "git-includes.h"
#include "path-resolve.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/macro.h"
#include "shared/strv.h"

static bool under_virtual_fs(const char *p)
{
	/* /dev and /proc are replaced by fresh instances inside the sandbox. */
	return path_is_under(p, "/dev") || path_is_under(p, "/proc");
}

int git_config_files(const char *home, const char *cwd, char ***ret_configs, char ***ret_named)
{
	const char *env[] = {"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"};
	const char *xdg = getenv("XDG_CONFIG_HOME");
	_cleanup_strv_free_ char **configs = NULL, **named = NULL;
	int r = 0;

	if (home) {
		_cleanup_free_ char *a = path_join(home, ".gitconfig");
		_cleanup_free_ char *c = path_join(home, ".config/git/config");
		_cleanup_free_ char *x = xdg && xdg[0] == '/' ? path_join(xdg, "git/config") : NULL;

		if (!a || !c || (xdg && xdg[0] == '/' && !x))
			return -ENOMEM;
		/* the XDG files are never writable either (core.hooksPath or core.fsmonitor there
		 * run code in every repository of the user; ~/.gitconfig is a protected name of
		 * the home directory on both backends already) */
		r = strv_push(&configs, a);
		if (r >= 0)
			r = strv_push(&configs, c);
		if (r >= 0)
			r = strv_push(&named, c);
		if (r >= 0 && x && strcmp(x, c) != 0) {
			r = strv_push(&configs, x);
			if (r >= 0)
				r = strv_push(&named, x);
		}
	}
	if (r >= 0)
		r = strv_push(&configs, "/etc/gitconfig");
	for (size_t i = 0; i < ELEMENTSOF(env) && r >= 0; i++) {
		const char *v = getenv(env[i]);
		_cleanup_free_ char *abs = NULL;

		if (!v || !v[0] || path_absolute(v, home, cwd, &abs) < 0 || under_virtual_fs(abs))
			continue;
		if (!strv_contains(named, abs))
			r = strv_push(&named, abs);
		if (r >= 0 && !strv_contains(configs, abs))
			r = strv_push(&configs, abs);
	}
	if (r < 0)
		return r;
	*ret_configs = TAKE_PTR(configs);
	*ret_named = TAKE_PTR(named);
	return 0;
}

/* Reads a configuration file for its includes: 0 with *ret (NUL-terminated, caller frees),
 * 1 when there is nothing git could read as a file (missing, unreadable by this user, not a
 * regular file), -EFBIG above GIT_CONFIG_MAX_SIZE. */
static int git_config_read(const char *path, char **ret, size_t *ret_len)
{
	int r = read_file_max(path, GIT_CONFIG_MAX_SIZE, ret, ret_len);

	if (r == -ENOENT || r == -ENOTDIR || r == -EACCES || r == -ELOOP || r == -ENXIO ||
	    r == -EINVAL)
		return 1;
	return r;
}

/* The include paths of one configuration file, resolved as git does (git-config.h), relative
 * ones against the path git opens it by and, when that is a link, against its target too. */
static int git_config_targets(const char *home, const char *config, const char *canon,
			      char **raws, char ***ret)
{
	for (size_t i = 0; raws && raws[i]; i++) {
		const char *bases[2] = {config, canon && strcmp(canon, config) != 0 ? canon : NULL};
		for (size_t k = 0; k < 2; k++) {
			_cleanup_free_ char *p = NULL, *user = NULL;
			const char *rest = NULL;
			int r;

			if (!bases[k])
				continue;
			r = git_config_include_resolve(raws[i], home, bases[k], &p);
			if (r == -EOPNOTSUPP && git_config_split_user(raws[i], &user, &rest) == 0) {
				struct passwd pw, *res = NULL;
				char pbuf[4096];

				if (getpwnam_r(user, &pw, pbuf, sizeof(pbuf), &res) != 0 || !res ||
				    !pw.pw_dir || pw.pw_dir[0] != '/')
					continue; /* git fails to expand it too */
				r = asprintf(&p, "%s%s", pw.pw_dir, rest) < 0 ? -ENOMEM : 0;
			}
			if (r == -ENOMEM)
				return r;
			if (r < 0)
				continue; /* git cannot expand it either ("~/" without a home) */
			if (!strv_contains(*ret, p) && (r = strv_push(ret, p)) < 0)
				return r;
		}
	}
	return 0;
}

int git_includes_follow(char *const *configs, const char *home, git_include_fn fn,
			git_include_warn_fn warn, void *ud, srt_error **reterr)
{
	_cleanup_strv_free_ char **level = strv_copy(configs), **seen = NULL;
	unsigned n_read = 0;
	int r = 0;

	if (configs && !level)
		return -ENOMEM;
	for (unsigned depth = 0; level; depth++) {
		_cleanup_strv_free_ char **next = NULL;

		for (size_t i = 0; level[i]; i++) {
			_cleanup_free_ char *canon = NULL, *data = NULL;
			_cleanup_strv_free_ char **raws = NULL, **targets = NULL;
			char resolved[PATH_MAX];
			unsigned line = 0;
			size_t len = 0;

			/* The includes of a file depend on its content and on the name it is read
			 * by (relative paths): one reading per name. A cycle repeats names. */
			if (strv_contains(seen, level[i]))
				continue;
			if (++n_read > GIT_INCLUDE_MAX_FILES)
				return srt_error_set(
					reterr, SRT_E_UNSUPPORTED, E2BIG,
					"the git configurations include more than %d files (at '%s'); "
					"refusing to run",
					GIT_INCLUDE_MAX_FILES, level[i]);
			if ((r = strv_push(&seen, level[i])) < 0)
				return r;
			if (!realpath(level[i], resolved))
				continue; /* missing (or a placeholder's parent): no includes */
			canon = strdup(resolved);
			if (!canon)
				return -ENOMEM;
			r = git_config_read(canon, &data, &len);
			if (r == -EFBIG)
				return srt_error_set(
					reterr, SRT_E_UNSUPPORTED, EFBIG,
					"the git configuration '%s' is larger than %d bytes: srt "
					"cannot check which files it includes (and must protect "
					"them). Refusing to run",
					level[i], GIT_CONFIG_MAX_SIZE);
			if (r < 0)
				return srt_error_set(reterr, SRT_E_SYSTEM, r,
						     "cannot read the git configuration '%s': %s",
						     level[i], strerror(-r));
			if (r > 0)
				continue;
			r = git_config_includes(data, len, &raws, &line);
			if (r == -ENOMEM)
				return r;
			if (r >= 0 && line && warn)
				warn(ud, level[i], line);
			if (r < 0)
				return srt_error_set(reterr, SRT_E_UNSUPPORTED, -r,
						     "the git configuration '%s' has more than %d "
						     "include directives; refusing to run",
						     level[i], GIT_CONFIG_MAX_INCLUDES);
			if (!raws)
				continue;
			if (depth >= GIT_CONFIG_MAX_DEPTH)
				return srt_error_set(
					reterr, SRT_E_UNSUPPORTED, ELOOP,
					"the git configuration '%s' includes files more than %d levels "
					"deep (git's own limit); refusing to run",
					level[i], GIT_CONFIG_MAX_DEPTH);
			r = git_config_targets(home, level[i], canon, raws, &targets);
			for (size_t k = 0; r >= 0 && targets && targets[k]; k++)
				r = fn(ud, targets[k], level[i], &next);
			if (r < 0)
				return r;
		}
		strv_free(level);
		level = TAKE_PTR(next);
	}
	return 0;
}

struct collect_ctx {
	char **targets;
	srt_error **reterr;
};

static int collect_push(struct collect_ctx *c, const char *p)
{
	return strv_contains(c->targets, p) ? 0 : strv_push(&c->targets, p);
}

/* Every symbolic link on the way to a target is protected too: replaced, it would point the
 * include elsewhere. */
static int collect_link(void *ud, const char *dir, const char *link)
{
	const char *base = strrchr(link, '/');
	_cleanup_free_ char *p = path_join(dir, base ? base + 1 : link);

	if (!p)
		return -ENOMEM;
	return under_virtual_fs(p) ? 0 : collect_push(ud, p);
}

/* git_include_fn of git_include_targets(): every target as the kernel would resolve it (links
 * followed, dangling ones too) and every link on the way, each once; existing regular files
 * are read in turn. */
static int collect_target(void *ud, const char *path, const char *config, char ***next)
{
	struct collect_ctx *c = ud;
	_cleanup_free_ char *canon = NULL;
	enum node_type t;
	int r;

	if (under_virtual_fs(path))
		return 0;
	r = path_canonical_follow(path, collect_link, c, &canon, &t);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* not reachable by this user, so not by git as this user */
	if (under_virtual_fs(canon))
		return 0;
	if (t == NODE_MISSING && path_has_dot_component(canon))
		/* ".." after a directory that does not exist: whoever creates it (as a link to
		 * anywhere) decides where the include points */
		return srt_error_set(c->reterr, SRT_E_UNSUPPORTED, EINVAL,
				     "the git configuration '%s' includes '%s', which goes through "
				     "a directory that does not exist and '.' or '..': srt cannot "
				     "tell which file to protect. Refusing to run. Hint: give the "
				     "include an absolute path without '..'",
				     config, path);
	r = collect_push(c, canon);
	if (r >= 0 && t == NODE_OTHER && !strv_contains(*next, path))
		r = strv_push(next, path);
	return r;
}

int git_include_targets(char *const *configs, const char *home, char ***ret,
			srt_error **reterr)
{
	struct collect_ctx c = {NULL, reterr};
	int r;

	r = git_includes_follow(configs, home, collect_target, NULL, &c, reterr);
	if (r < 0) {
		strv_free(c.targets);
		return r;
	}
	*ret = c.targets;
	return 0;
}
