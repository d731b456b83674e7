/* SPDX-License-Identifier: Apache-2.0 */
#include "mandatory-deny.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mandatory-names.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/macro.h"

static enum node_type type_at(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return NODE_MISSING;
	if (S_ISLNK(st.st_mode))
		return NODE_SYMLINK;
	return S_ISDIR(st.st_mode) ? NODE_DIR : NODE_OTHER;
}

static int report_want(mandatory_add_fn add, void *ud, const char *dir, const char *rel,
		       enum node_type type, enum node_type want, const char *why)
{
	_cleanup_free_ char *p = path_join(dir, rel);
	if (!p)
		return -ENOMEM;
	return add(ud, p, type, want, why);
}

static int report(mandatory_add_fn add, void *ud, const char *dir, const char *rel,
		  enum node_type type, const char *why)
{
	return report_want(add, ud, dir, rel, type, NODE_OTHER, why);
}

/* Protects the git metadata of the repository whose ".git" entry is in dir. */
static int protect_git(int dfd, const char *dir, const struct mandatory_opts *o,
		       mandatory_add_fn add, void *ud, bool at_root)
{
	enum node_type t = type_at(dfd, ".git");
	int r;

	if (t == NODE_OTHER || t == NODE_SYMLINK)
		/* a worktree or submodule: ".git" is a "gitdir:" pointer, and rewriting it
		 * redirects git to attacker-controlled metadata. */
		return report(add, ud, dir, ".git", t, "mandatory (.git file)");
	if (t == NODE_MISSING && !at_root)
		return 0;
	r = report_want(add, ud, dir, ".git/" MANDATORY_GIT_HOOKS,
			t == NODE_DIR ? type_at(dfd, ".git/" MANDATORY_GIT_HOOKS) : NODE_MISSING,
			NODE_DIR, "mandatory");
	if (r < 0 || o->allow_git_config)
		return r;
	return report(add, ud, dir, ".git/" MANDATORY_GIT_CONFIG,
		      t == NODE_DIR ? type_at(dfd, ".git/" MANDATORY_GIT_CONFIG) : NODE_MISSING,
		      "mandatory");
}

static int protect_claude(int dfd, const char *dir, mandatory_add_fn add, void *ud, bool at_root)
{
	enum node_type t = type_at(dfd, ".claude");
	int r = 0;

	if (t == NODE_SYMLINK)
		return report(add, ud, dir, ".claude", t, "mandatory");
	if (t == NODE_OTHER || (t == NODE_MISSING && !at_root))
		return 0;
	for (size_t i = 0; i < mandatory_n_claude_children && r >= 0; i++) {
		_cleanup_free_ char *rel = path_join(".claude", mandatory_claude_children[i].name);
		enum node_type ct;
		if (!rel)
			return -ENOMEM;
		ct = t == NODE_DIR ? type_at(dfd, rel) : NODE_MISSING;
		if (ct == NODE_MISSING && !at_root)
			continue;
		r = report_want(add, ud, dir, rel, ct,
				(mandatory_claude_children[i].is_dir ? NODE_DIR : NODE_OTHER),
				"mandatory");
	}
	return r;
}

static void closedirp_local(DIR **d)
{
	if (*d)
		closedir(*d);
}

struct walk {
	const struct mandatory_opts *o;
	mandatory_add_fn add;
	void *ud;
	long entries;
};

static int walk_dir(struct walk *w, int dfd, const char *path, int depth)
{
	_cleanup_(closedirp_local) DIR *d = NULL;
	struct dirent *de;
	int r, fd;

	/* Entries of `path` are at `depth`. Protected names directly in a write root are handled
	 * by the caller, missing ones included. */
	if (depth > 1) {
		r = protect_git(dfd, path, w->o, w->add, w->ud, false);
		if (r < 0)
			return r;
		r = protect_claude(dfd, path, w->add, w->ud, false);
		if (r < 0)
			return r;
	}

	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d))) {
		const char *n = de->d_name;
		unsigned char dt = de->d_type;

		if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
			continue;
		if (++w->entries > MANDATORY_SCAN_MAX_ENTRIES)
			return -E2BIG;
		if (dt == DT_UNKNOWN) {
			enum node_type t = type_at(dfd, n);
			dt = t == NODE_DIR	 ? DT_DIR
			     : t == NODE_SYMLINK ? DT_LNK
			     : t == NODE_MISSING ? DT_UNKNOWN
						 : DT_REG;
		}
		if (dt == DT_LNK) {
			/* Never followed. A protected name that is a link is reported as such:
			 * the link itself could be replaced, so the caller must refuse. */
			if (depth > 1 &&
			    (mandatory_is_dangerous_file(n) || mandatory_is_dangerous_dir(n))) {
				r = report(w->add, w->ud, path, n, NODE_SYMLINK, "mandatory");
				if (r < 0)
					return r;
			}
			continue;
		}

		if (depth > 1 && dt != DT_DIR && mandatory_is_dangerous_file(n)) {
			r = report(w->add, w->ud, path, n, NODE_OTHER, "mandatory");
			if (r < 0)
				return r;
			continue;
		}
		if (dt != DT_DIR)
			continue;
		if (depth > 1 && mandatory_is_dangerous_dir(n)) {
			r = report(w->add, w->ud, path, n, NODE_DIR, "mandatory");
			if (r < 0)
				return r;
			continue;
		}
		if (strcmp(n, ".git") == 0 || strcmp(n, ".claude") == 0)
			continue; /* handled above, nothing to find inside */
		if (depth == 1 && strcmp(path, "/") == 0 &&
		    (strcmp(n, "proc") == 0 || strcmp(n, "sys") == 0 || strcmp(n, "dev") == 0))
			continue; /* replaced by fresh instances inside the sandbox */
		if (depth < w->o->depth) {
			_cleanup_close_ int cfd = -EBADF;
			_cleanup_free_ char *cp = NULL;

			cfd = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				if (errno == EACCES || errno == ENOENT || errno == ELOOP ||
				    errno == ENOTDIR)
					continue; /* unreadable by us: nothing we could protect */
				return -errno;
			}
			cp = path_join(path, n);
			if (!cp)
				return -ENOMEM;
			r = walk_dir(w, cfd, cp, depth + 1);
			if (r < 0)
				return r;
		}
	}
	if (errno != 0)
		return -errno;
	return 0;
}

long mandatory_deny_scan(const char *root, const struct mandatory_opts *o, mandatory_add_fn add,
			 void *userdata)
{
	_cleanup_close_ int dfd = -EBADF;
	struct walk w = {.o = o, .add = add, .ud = userdata};
	int r;

	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;

	/* Directly in the write root every protected name is reported, existing or not. */
	for (size_t i = 0; i < mandatory_n_dangerous_files; i++) {
		enum node_type t = type_at(dfd, mandatory_dangerous_files[i]);
		r = report(add, userdata, root, mandatory_dangerous_files[i], t, "mandatory");
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < mandatory_n_dangerous_dirs; i++) {
		enum node_type t = type_at(dfd, mandatory_dangerous_dirs[i]);
		r = report_want(add, userdata, root, mandatory_dangerous_dirs[i], t, NODE_DIR,
				"mandatory");
		if (r < 0)
			return r;
	}
	r = protect_git(dfd, root, o, add, userdata, true);
	if (r < 0)
		return r;
	r = protect_claude(dfd, root, add, userdata, true);
	if (r < 0)
		return r;

	r = walk_dir(&w, dfd, root, 1);
	if (r < 0)
		return r;
	return w.entries;
}
