/* SPDX-License-Identifier: Apache-2.0 */
#include "mandatory-deny.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-scan.h"
#include "mandatory-names.h"
#include "git-pointer.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/macro.h"

#define WHY_MANDATORY "mandatory"
#define WHY_GIT_FILE "mandatory (.git file)"
#define WHY_GIT_DIR "mandatory (git directory named by a .git file)"
#define WHY_GIT_COMMON "mandatory (git common directory)"
#define WHY_GIT_MODULE "mandatory (submodule git directory)"
#define WHY_GIT_WORKTREE "mandatory (linked worktree metadata)"
#define WHY_GIT_BARE "mandatory (bare repository)"
#define WHY_GIT_COMMONDIR_SELF MANDATORY_WHY_MISSING_COMMONDIR

const char *const mandatory_whys[] = {
	WHY_MANDATORY,	WHY_GIT_FILE,	  WHY_GIT_DIR,	WHY_GIT_COMMON,
	WHY_GIT_MODULE, WHY_GIT_WORKTREE, WHY_GIT_BARE, WHY_GIT_COMMONDIR_SELF,
};
const unsigned mandatory_whys_count = ELEMENTSOF(mandatory_whys);

/* Submodules inside submodules: git allows any depth; a deeper chain is refused (fail closed)
 * rather than left half protected. Also bounds the directories searched below "modules/". */
#define GIT_MODULES_MAX_DEPTH 16
#define GIT_MODULES_MAX_ENTRIES 100000

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static enum node_type type_at(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return NODE_MISSING;
	if (S_ISLNK(st.st_mode))
		return NODE_SYMLINK;
	return S_ISDIR(st.st_mode) ? NODE_DIR : NODE_OTHER;
}

/* type_at(), recorded for the scan cache */
static enum node_type tl(const struct mandatory_sink *s, int dfd, const char *dir, const char *rel)
{
	enum node_type t = type_at(dfd, rel ? rel : dir);

	if (s->lookup)
		s->lookup(s->ud, dir, rel, t);
	return t;
}

static int report(const struct mandatory_sink *s, const char *dir, const char *rel,
		  enum node_type type, enum node_type want, const char *why)
{
	_cleanup_free_ char *p = rel ? path_join(dir, rel) : strdup(dir);
	if (!p)
		return -ENOMEM;
	return s->add(s->ud, p, type, want, why);
}

static int watch(const struct mandatory_sink *s, const char *dir, const char *rel)
{
	_cleanup_free_ char *p = NULL;

	if (!s->watch)
		return 0;
	if (!dir)
		return s->watch(s->ud, NULL);
	p = rel ? path_join(dir, rel) : strdup(dir);
	if (!p)
		return -ENOMEM;
	return s->watch(s->ud, p);
}

/* Reads a small file next to dfd without following a symbolic link. */
static int read_small_at(int dfd, const char *name, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	char *buf;
	size_t len = 0;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	buf = malloc(GIT_POINTER_MAX_SIZE + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k = read(fd, buf + len, GIT_POINTER_MAX_SIZE + 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > GIT_POINTER_MAX_SIZE) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* The directory git ends up in for joined (a pointer's target): realpath, as git does. When
 * resolving it went through a symbolic link, the scan cannot be cached (a link outside every
 * watched directory could change). *ret is NULL when it does not exist (then *ret_lexical is
 * the normalised path, for a placeholder). */
static int resolve_target(const struct mandatory_sink *s, const char *joined, char **ret,
			  char **ret_lexical)
{
	_cleanup_free_ char *lex = path_normalize(joined);
	char real[PATH_MAX];
	int r;

	*ret = *ret_lexical = NULL;
	if (!lex)
		return -ENOMEM;
	if (!realpath(joined, real)) {
		if (errno != ENOENT && errno != ENOTDIR && errno != EACCES && errno != ELOOP)
			return -errno;
		/* a missing target: watched through its nearest existing ancestor? Simpler and
		 * safe: no cache for this tree. */
		r = watch(s, NULL, NULL);
		if (r < 0)
			return r;
		*ret_lexical = TAKE_PTR(lex);
		return 0;
	}
	if (strcmp(real, lex) != 0 && (r = watch(s, NULL, NULL)) < 0)
		return r;
	(void)tl(s, AT_FDCWD, real, NULL);
	*ret = strdup(real);
	return *ret ? 0 : -ENOMEM;
}

static int protect_gitdir(const struct mandatory_sink *s, const struct mandatory_opts *o,
			  const char *gdir, const char *why, int level);

/* A git directory's hooks and configuration (not its pointers). */
static int protect_hooks_config(const struct mandatory_sink *s, const struct mandatory_opts *o,
				int gfd, const char *gdir, const char *why)
{
	int r;

	r = report(s, gdir, "hooks", tl(s, gfd, gdir, "hooks"), NODE_DIR, why);
	if (r < 0 || o->allow_git_config)
		return r;
	r = report(s, gdir, "config", tl(s, gfd, gdir, "config"), NODE_OTHER, why);
	if (r < 0)
		return r;
	/* read when extensions.worktreeConfig is set (git sparse-checkout sets it): core.hooksPath
	 * or core.fsmonitor there run code, so a missing one must not be creatable either */
	return report(s, gdir, "config.worktree", tl(s, gfd, gdir, "config.worktree"), NODE_OTHER, why);
}

/* "commondir" in the git directory gdir: the file itself, and the directory it names, whose
 * hooks and config git uses instead of gdir's. */
static int protect_commondir(const struct mandatory_sink *s, const struct mandatory_opts *o,
			     int gfd, const char *gdir, const char *why)
{
	_cleanup_free_ char *data = NULL, *raw = NULL, *joined = NULL, *target = NULL, *lex = NULL;
	_cleanup_close_ int cfd = -EBADF;
	enum node_type t = tl(s, gfd, gdir, "commondir");
	size_t len = 0;
	int r;

	if (t == NODE_MISSING)
		/* git reads commondir in every git directory, the main one's too: created from
		 * inside, it would hand hooks and config to a directory of the command's choosing.
		 * An empty placeholder makes git die, so this one names the git directory itself
		 * (".", which git resolves to what it uses without the file). */
		return report(s, gdir, "commondir", t, NODE_OTHER, WHY_GIT_COMMONDIR_SELF);
	r = report(s, gdir, "commondir", t, NODE_OTHER, why);
	if (r < 0 || t != NODE_OTHER)
		return r;
	r = watch(s, gdir, "commondir");
	if (r < 0)
		return r;
	r = read_small_at(gfd, "commondir", &data, &len);
	if (r == -EFBIG)
		return -EFBIG; /* git would read it; we will not: fail closed */
	if (r < 0)
		return r == -ENOMEM ? r : 0; /* gone or unreadable: git cannot use it either */
	r = git_parse_commondir(data, len, &raw);
	if (r == -ENOMEM || r == -EFBIG)
		return r;
	if (r < 0)
		return 0; /* git dies on it */
	joined = git_pointer_join(gdir, raw);
	if (!joined)
		return -ENOMEM;
	r = resolve_target(s, joined, &target, &lex);
	if (r < 0)
		return r;
	if (!target)
		return report(s, lex, NULL, NODE_MISSING, NODE_DIR, WHY_GIT_COMMON);
	if (strcmp(target, gdir) == 0)
		return 0;
	cfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (cfd < 0)
		return report(s, target, NULL, tl(s, AT_FDCWD, target, NULL), NODE_DIR, WHY_GIT_COMMON);
	r = watch(s, target, NULL);
	if (r < 0)
		return r;
	return protect_hooks_config(s, o, cfd, target, WHY_GIT_COMMON);
}

/* Below gdir/modules: every directory with a HEAD is a submodule's git directory (names may
 * contain '/', so they are searched for, not listed). */
static int find_modules(const struct mandatory_sink *s, const struct mandatory_opts *o, int dfd,
			const char *path, int level, long *budget)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	if (level > GIT_MODULES_MAX_DEPTH)
		return -ELOOP;
	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	r = watch(s, path, NULL);
	if (r < 0)
		return r;
	while ((errno = 0, de = readdir(d))) {
		_cleanup_close_ int cfd = -EBADF;
		_cleanup_free_ char *cp = NULL;
		const char *n = de->d_name;

		if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
			continue;
		if (--*budget < 0)
			return -E2BIG;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		cfd = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;
		cp = path_join(path, n);
		if (!cp)
			return -ENOMEM;
		if (tl(s, cfd, cp, "HEAD") != NODE_MISSING)
			r = protect_gitdir(s, o, cp, WHY_GIT_MODULE, level + 1);
		else
			r = find_modules(s, o, cfd, cp, level + 1, budget);
		if (r < 0)
			return r;
	}
	return errno ? -errno : 0;
}

/* gdir/worktrees/NAME: each linked worktree's commondir and config.worktree. */
static int protect_worktrees(const struct mandatory_sink *s, const struct mandatory_opts *o,
			     int wfd, const char *wpath)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	long budget = GIT_MODULES_MAX_ENTRIES;
	int fd, r;

	fd = fcntl(wfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	r = watch(s, wpath, NULL);
	if (r < 0)
		return r;
	while ((errno = 0, de = readdir(d))) {
		_cleanup_close_ int cfd = -EBADF;
		_cleanup_free_ char *cp = NULL;
		const char *n = de->d_name;

		if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
			continue;
		if (--budget < 0)
			return -E2BIG;
		cfd = openat(wfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;
		cp = path_join(wpath, n);
		if (!cp)
			return -ENOMEM;
		r = protect_commondir(s, o, cfd, cp, WHY_GIT_WORKTREE);
		if (r >= 0 && !o->allow_git_config)
			r = report(s, cp, "config.worktree", tl(s, cfd, cp, "config.worktree"),
				   NODE_OTHER, WHY_GIT_WORKTREE);
		if (r < 0)
			return r;
	}
	return errno ? -errno : 0;
}

/* Everything of the git directory gdir (absolute, no symbolic links) that runs code or
 * redirects git: hooks, config, config.worktree, commondir and where it leads, the git
 * directories of its submodules and the metadata of its linked worktrees. */
static int protect_gitdir(const struct mandatory_sink *s, const struct mandatory_opts *o,
			  const char *gdir, const char *why, int level)
{
	_cleanup_close_ int gfd = -EBADF, mfd = -EBADF, wfd = -EBADF;
	_cleanup_free_ char *mpath = NULL, *wpath = NULL;
	long budget = GIT_MODULES_MAX_ENTRIES;
	int r;

	gfd = open(gdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (gfd < 0)
		return errno == ENOENT || errno == EACCES || errno == ELOOP || errno == ENOTDIR
			       ? 0
			       : -errno;
	r = protect_hooks_config(s, o, gfd, gdir, why);
	if (r < 0)
		return r;
	r = protect_commondir(s, o, gfd, gdir, why);
	if (r < 0)
		return r;
	mfd = tl(s, gfd, gdir, "modules") == NODE_DIR
		      ? openat(gfd, "modules", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
		      : -EBADF;
	if (mfd >= 0) {
		mpath = path_join(gdir, "modules");
		if (!mpath)
			return -ENOMEM;
		r = find_modules(s, o, mfd, mpath, level, &budget);
		if (r < 0)
			return r;
	}
	wfd = tl(s, gfd, gdir, "worktrees") == NODE_DIR
		      ? openat(gfd, "worktrees", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
		      : -EBADF;
	if (wfd >= 0) {
		wpath = path_join(gdir, "worktrees");
		if (!wpath)
			return -ENOMEM;
		r = protect_worktrees(s, o, wfd, wpath);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A ".git" file in dir: the file, and the git directory it names. */
static int protect_gitfile(int dfd, const char *dir, const struct mandatory_opts *o,
			   const struct mandatory_sink *s)
{
	_cleanup_free_ char *data = NULL, *raw = NULL, *joined = NULL, *target = NULL, *lex = NULL;
	size_t len = 0;
	int r;

	/* rewriting it redirects git to attacker-controlled metadata */
	r = report(s, dir, ".git", NODE_OTHER, NODE_OTHER, WHY_GIT_FILE);
	if (r < 0)
		return r;
	r = watch(s, dir, ".git");
	if (r < 0)
		return r;
	r = read_small_at(dfd, ".git", &data, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* too large (git refuses it too), gone, unreadable */
	r = git_parse_gitfile(data, len, &raw);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* git refuses it */
	joined = git_pointer_join(dir, raw);
	if (!joined)
		return -ENOMEM;
	r = resolve_target(s, joined, &target, &lex);
	if (r < 0)
		return r;
	if (!target) /* could be created (when writable) and then used by git */
		return report(s, lex, NULL, NODE_MISSING, NODE_DIR, WHY_GIT_DIR);
	return protect_gitdir(s, o, target, WHY_GIT_DIR, 0);
}

static int protect_git(int dfd, const char *dir, const struct mandatory_opts *o,
		       const struct mandatory_sink *s, bool at_root)
{
	enum node_type t = tl(s, dfd, dir, ".git");
	_cleanup_free_ char *g = NULL;
	int r;

	if (t == NODE_OTHER)
		return protect_gitfile(dfd, dir, o, s);
	if (t == NODE_SYMLINK)
		return report(s, dir, ".git", t, NODE_OTHER, WHY_GIT_FILE);
	if (t == NODE_DIR) {
		g = path_join(dir, ".git");
		if (!g)
			return -ENOMEM;
		return protect_gitdir(s, o, g, WHY_MANDATORY, 0);
	}
	if (!at_root)
		return 0;
	/* no repository yet: its hooks and config must not appear during the run */
	r = report(s, dir, ".git/hooks", NODE_MISSING, NODE_DIR, WHY_MANDATORY);
	if (r < 0 || o->allow_git_config)
		return r;
	return report(s, dir, ".git/config", NODE_MISSING, NODE_OTHER, WHY_MANDATORY);
}

/* dir itself is a git directory (a bare repository, or a write root inside one)? git's test,
 * loosely: HEAD, objects/ and refs/. */
static int protect_bare(int dfd, const char *dir, const struct mandatory_opts *o,
			const struct mandatory_sink *s)
{
	if (tl(s, dfd, dir, "HEAD") == NODE_MISSING || tl(s, dfd, dir, "objects") != NODE_DIR ||
	    tl(s, dfd, dir, "refs") != NODE_DIR)
		return 0;
	return protect_gitdir(s, o, dir, WHY_GIT_BARE, 0);
}

static int protect_claude(int dfd, const char *dir, const struct mandatory_sink *s, bool at_root)
{
	enum node_type t = tl(s, dfd, dir, ".claude");
	int r = 0;

	if (t == NODE_SYMLINK)
		return report(s, dir, ".claude", t, NODE_OTHER, WHY_MANDATORY);
	if (t == NODE_OTHER || (t == NODE_MISSING && !at_root))
		return 0;
	for (size_t i = 0; i < mandatory_n_claude_children && r >= 0; i++) {
		_cleanup_free_ char *rel = path_join(".claude", mandatory_claude_children[i].name);
		enum node_type ct;
		if (!rel)
			return -ENOMEM;
		ct = t == NODE_DIR ? tl(s, dfd, dir, rel) : NODE_MISSING;
		if (ct == NODE_MISSING && !at_root)
			continue;
		r = report(s, dir, rel, ct, (mandatory_claude_children[i].is_dir ? NODE_DIR : NODE_OTHER), WHY_MANDATORY);
	}
	return r;
}

int mandatory_check_root(int dfd, const char *root, const struct mandatory_opts *o,
			 const struct mandatory_sink *s)
{
	int r;

	/* Directly in the write root every protected name is reported, existing or not. */
	for (size_t i = 0; i < mandatory_n_dangerous_files; i++) {
		r = report(s, root, mandatory_dangerous_files[i], tl(s, dfd, root, mandatory_dangerous_files[i]),
			   NODE_OTHER, WHY_MANDATORY);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < mandatory_n_dangerous_dirs; i++) {
		r = report(s, root, mandatory_dangerous_dirs[i], tl(s, dfd, root, mandatory_dangerous_dirs[i]), NODE_DIR,
			   WHY_MANDATORY);
		if (r < 0)
			return r;
	}
	r = protect_git(dfd, root, o, s, true);
	if (r < 0)
		return r;
	r = protect_claude(dfd, root, s, true);
	if (r < 0)
		return r;
	return protect_bare(dfd, root, o, s);
}

int mandatory_check_dir(int dfd, const char *dir, const struct mandatory_opts *o,
			const struct mandatory_sink *s, unsigned saw)
{
	int r = 0;

	if (saw & MANDATORY_SAW_GIT)
		r = protect_git(dfd, dir, o, s, false);
	if (r >= 0 && (saw & MANDATORY_SAW_CLAUDE))
		r = protect_claude(dfd, dir, s, false);
	if (r >= 0 && (saw & MANDATORY_SAW_HEAD))
		r = protect_bare(dfd, dir, o, s);
	return r;
}

long mandatory_deny_scan(const char *root, const struct mandatory_opts *o, mandatory_add_fn add,
			 void *userdata)
{
	const char *roots[] = {root, NULL};
	struct fs_scan_opts so = {
		.mandatory_roots = roots,
		.mandatory = *o,
	};
	struct fs_scan_result res = {0};
	long n;
	int r;

	r = fs_scan(&so, &res);
	if (r < 0) {
		fs_scan_result_free(&res);
		return r;
	}
	for (size_t i = 0; i < res.n_hits && r >= 0; i++)
		if (res.hits[i].kind == FS_HIT_MANDATORY)
			r = add(userdata, res.hits[i].path, res.hits[i].type, res.hits[i].want,
				fs_scan_hit_why(&res.hits[i]));
	n = res.entries;
	fs_scan_result_free(&res);
	return r < 0 ? r : n;
}
