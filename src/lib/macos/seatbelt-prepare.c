/* SPDX-License-Identifier: Apache-2.0 */
/* backend_spawn → Seatbelt profile (seatbelt-prepare.h). Portable: built on every platform. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "git-includes.h"
#include "macos/seatbelt-prepare.h"
#include "path-resolve.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/strv.h"

int seatbelt_repo_configs(const char *cwd, char ***configs)
{
	_cleanup_free_ char *dir = strdup(cwd ? cwd : "");
	int r;

	if (!dir)
		return -ENOMEM;
	if (dir[0] != '/')
		return 0;
	for (;;) {
		_cleanup_free_ char *git = path_join(*dir ? dir : "/", ".git");
		struct stat st;

		if (!git)
			return -ENOMEM;
		if (lstat(git, &st) == 0) {
			static const char *const names[] = {"config", "config.worktree"};

			if (!S_ISDIR(st.st_mode))
				return 0; /* a gitdir: file; see the header */
			for (size_t i = 0; i < 2; i++) {
				_cleanup_free_ char *c = path_join(git, names[i]);

				if (!c)
					return -ENOMEM;
				if (!strv_contains(*configs, c) && (r = strv_push(configs, c)) < 0)
					return r;
			}
			return 0;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || !*dir)
			return 0;
		*slash = '\0'; /* "/a" → "" (the root, last) */
	}
}

static bool is_symlink(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

/* *path (allocated, replaced): its directory resolved by canonical, its last name kept. */
static int canonical_parent(const char *abs, seatbelt_canonical_fn canonical, char **path)
{
	const char *slash = strrchr(abs, '/');
	_cleanup_free_ char *dir = strndup(abs, slash > abs ? (size_t)(slash - abs) : 1);
	_cleanup_free_ char *real = NULL;
	char *joined;
	int r;

	if (!dir)
		return -ENOMEM;
	r = canonical(dir, &real);
	if (r < 0)
		return r;
	joined = path_join(real ? real : dir, slash + 1);
	if (!joined)
		return -ENOMEM;
	free(*path);
	*path = joined;
	return 0;
}

/* Adds each path of `list` (made absolute against home and cwd) as a protected path. */
static int add_protected(struct seatbelt_rules *rules, char *const *list, const char *home,
			 const char *cwd, seatbelt_canonical_fn canonical, srt_error **reterr)
{
	for (size_t i = 0; list && list[i]; i++) {
		_cleanup_free_ char *abs = NULL, *reason = NULL;
		int r;

		r = path_absolute(list[i], home, cwd, &abs);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return srt_error_set(reterr, SRT_E_CONFIG, -r,
					     "the protected path '%s' cannot be made absolute (is "
					     "HOME set?)",
					     list[i]);
		if (canonical && is_symlink(abs)) {
			/* a link (on the way to an include target): the link itself is to stay,
			 * so its directory is resolved, not the link (its target is in the list
			 * on its own) */
			r = canonical_parent(abs, canonical, &abs);
			if (r < 0)
				return r;
			r = seatbelt_rules_add_protected(rules, abs, NULL, &reason);
		} else {
			r = seatbelt_rules_add_protected(rules, abs, canonical, &reason);
		}
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return srt_error_set(reterr, SRT_E_CONFIG, -r, "%s",
					     reason ? reason : "a protected path cannot be used");
	}
	return 0;
}

int seatbelt_prepare(const struct backend_spawn *s, seatbelt_canonical_fn canonical,
		     uint16_t http_port, uint16_t socks_port, uint64_t session, uint64_t child,
		     char **ret_profile, srt_error **reterr)
{
	_cleanup_strv_free_ char **configs = NULL, **targets = NULL;
	_cleanup_free_ char *reason = NULL;
	struct seatbelt_rules *rules = NULL, *net_rules = NULL;
	struct seatbelt_params p = {0};
	char tag[SEATBELT_TAG_MAX + 1];
	int r;

	r = seatbelt_tag(session, child, tag, sizeof(tag));
	if (r < 0)
		return r;
	r = seatbelt_rules_from_settings(s->fs, s->home, s->cwd, s->tmpdir, canonical, &rules,
					 &reason);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return srt_error_set(reterr, SRT_E_CONFIG, -r, "%s",
				     reason ? reason : "the filesystem settings cannot be enforced");

	/* the manager's settings files too, under a per-command configuration */
	if (s->fs != s->settings)
		r = add_protected(rules, s->settings->protected_paths, s->home, s->cwd, canonical,
				  reterr);
	/* git's configuration named by $GIT_CONFIG_*: configuration like ~/.gitconfig */
	if (r >= 0)
		r = add_protected(rules, s->git_named, s->home, s->cwd, canonical, reterr);
	/* what the protected git configurations include (docs/macos.md) */
	if (r >= 0 && s->git_configs && !(configs = strv_copy(s->git_configs)))
		r = -ENOMEM;
	if (r >= 0)
		r = seatbelt_repo_configs(s->cwd, &configs);
	if (r >= 0)
		r = git_include_targets(configs, s->home, &targets, reterr);
	if (r >= 0)
		r = add_protected(rules, targets, s->home, s->cwd, canonical, reterr);
	if (r < 0)
		goto out;

	seatbelt_rules_params(rules, &p);
	if (s->fs != s->settings) {
		/* the network and terminal keys are the manager's, as on Linux; the per-command
		 * configuration gives the filesystem rules only */
		struct seatbelt_params np = {0};

		r = seatbelt_rules_from_settings(s->settings, s->home, s->cwd, s->tmpdir, canonical,
						 &net_rules, &reason);
		if (r < 0) {
			if (r != -ENOMEM)
				r = srt_error_set(reterr, SRT_E_CONFIG, -r, "%s",
						  reason ? reason : "the settings cannot be enforced");
			goto out;
		}
		seatbelt_rules_params(net_rules, &np);
		p.unix_sockets = np.unix_sockets;
		p.allow_all_unix_sockets = np.allow_all_unix_sockets;
		p.allow_local_binding = np.allow_local_binding;
		p.allow_pty = np.allow_pty;
	}
	p.http_port = http_port;
	p.socks_port = socks_port;
	p.tag = tag;
	free(reason);
	reason = NULL;
	r = seatbelt_profile(&p, ret_profile, &reason);
	if (r == -EINVAL || r == -E2BIG)
		r = srt_error_set(reterr, r == -E2BIG ? SRT_E_UNSUPPORTED : SRT_E_CONFIG, -r, "%s",
				  reason ? reason : "the settings cannot be expressed as a profile");
out:
	seatbelt_rules_free(rules);
	seatbelt_rules_free(net_rules);
	return r;
}
