/* SPDX-License-Identifier: Apache-2.0 */
#include "fs-scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "linux/seccomp-filter.h"
#include "mandatory-names.h"
#include "srt-build-config.h"
#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/macro.h"

#define RSET_WORDS (FS_SCAN_MAX_RULES / 64)
struct rset {
	uint64_t w[RSET_WORDS];
};

static void rset_add(struct rset *s, size_t i) { s->w[i / 64] |= UINT64_C(1) << (i % 64); }
static bool rset_has(const struct rset *s, size_t i) { return (s->w[i / 64] >> (i % 64)) & 1; }
static bool rset_empty(const struct rset *s)
{
	for (size_t i = 0; i < RSET_WORDS; i++)
		if (s->w[i])
			return false;
	return true;
}
static unsigned rset_count(const struct rset *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < RSET_WORDS; i++)
		n += (unsigned)__builtin_popcountll(s->w[i]);
	return n;
}
/* a \ b */
static struct rset rset_minus(const struct rset *a, const struct rset *b)
{
	struct rset r;
	for (size_t i = 0; i < RSET_WORDS; i++)
		r.w[i] = a->w[i] & ~b->w[i];
	return r;
}

#define DENTS_BUF (32 * 1024)

struct scan {
	const struct fs_scan_opts *o;
	long max;
	long entries;
	struct fs_scan_hit *hits;
	size_t n_hits, cap_hits;
	struct fs_cache_watch *watch;
	size_t n_watch, cap_watch;
	bool cacheable;
	bool mand_hit; /* a mandatory hit was added since the flag was cleared */
	dev_t fs_checked_dev;
	bool fs_checked;
	char **starts;
	bool *start_mroot, *start_visited;
	size_t n_starts;
	char path[PATH_MAX];
	size_t path_len;
	struct path_glob_state *states[FS_SCAN_MAX_DEPTH + 2];
	char *dents[FS_SCAN_MAX_DEPTH + 1];
	struct mandatory_sink sink;
};

const char *fs_scan_hit_why(const struct fs_scan_hit *h)
{
	if (h->kind == FS_HIT_MANDATORY && h->why < mandatory_whys_count)
		return mandatory_whys[h->why];
	return "glob rule";
}

void fs_scan_result_free(struct fs_scan_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_hits; i++)
		free(r->hits[i].path);
	free(r->hits);
	free(r->failed_at);
	*r = (struct fs_scan_result){0};
}

static int add_hit(struct scan *sc, const char *path, enum fs_hit_kind kind, uint32_t rule,
		   enum node_type type, enum node_type want, uint8_t why)
{
	if (sc->n_hits == sc->cap_hits) {
		size_t nc = sc->cap_hits ? sc->cap_hits * 2 : 64;
		struct fs_scan_hit *n;

		if (sc->n_hits >= FS_CACHE_MAX_HITS)
			return -E2BIG;
		n = realloc(sc->hits, nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		sc->hits = n;
		sc->cap_hits = nc;
	}
	sc->hits[sc->n_hits] = (struct fs_scan_hit){
		.path = strdup(path),
		.rule = rule,
		.kind = (uint8_t)kind,
		.type = (uint8_t)type,
		.want = (uint8_t)want,
		.why = why,
	};
	if (!sc->hits[sc->n_hits].path)
		return -ENOMEM;
	sc->n_hits++;
	if (kind == FS_HIT_MANDATORY)
		sc->mand_hit = true;
	return 0;
}

static int sink_add(void *ud, const char *path, enum node_type type, enum node_type want,
		    const char *why)
{
	struct scan *sc = ud;
	unsigned w = 0;

	while (w < mandatory_whys_count && strcmp(mandatory_whys[w], why) != 0)
		w++;
	if (w == mandatory_whys_count)
		return -EINVAL; /* a label outside the table: a programming error */
	return add_hit(sc, path, FS_HIT_MANDATORY, 0, type, want, (uint8_t)w);
}

/* The file systems on which a changed directory always gets a new mtime and ctime from this
 * kernel's clock; others (network, FUSE) are not cached. */
static bool fs_type_trusted(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC: /* also ext2, ext3 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
	case OVERLAYFS_SUPER_MAGIC:
	case F2FS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

static int record_watch(struct scan *sc, const char *path, const struct stat *st,
			enum fs_watch_kind kind)
{
	struct fs_cache_watch *w;

	if (!sc->cacheable)
		return 0;
	if (sc->n_watch == sc->cap_watch) {
		size_t nc = sc->cap_watch ? sc->cap_watch * 2 : 256;
		struct fs_cache_watch *n;

		if (sc->n_watch >= FS_CACHE_MAX_WATCH) {
			sc->cacheable = false;
			return 0;
		}
		n = realloc(sc->watch, nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		sc->watch = n;
		sc->cap_watch = nc;
	}
	w = &sc->watch[sc->n_watch];
	*w = (struct fs_cache_watch){
		.kind = (uint8_t)kind,
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.size = S_ISDIR(st->st_mode) ? 0 : (uint64_t)st->st_size,
		.mode = (uint32_t)st->st_mode,
		.mtime_sec = (int64_t)st->st_mtim.tv_sec,
		.mtime_nsec = (int64_t)st->st_mtim.tv_nsec,
		.ctime_sec = (int64_t)st->st_ctim.tv_sec,
		.ctime_nsec = (int64_t)st->st_ctim.tv_nsec,
		.path = strdup(path),
	};
	if (!w->path)
		return -ENOMEM;
	sc->n_watch++;
	return 0;
}

/* The mandatory checks' watch: a path looked into or read (NULL: cannot be cached). */
static int sink_watch(void *ud, const char *path)
{
	struct scan *sc = ud;
	struct stat st;

	if (!sc->cacheable)
		return 0;
	if (!path || lstat(path, &st) < 0) {
		sc->cacheable = false;
		return 0;
	}
	return record_watch(sc, path, &st, FS_WATCH_STAT);
}

/* The mandatory checks' lookups: only the type found at the path matters. */
static void sink_lookup(void *ud, const char *dir, const char *rel, enum node_type t)
{
	struct scan *sc = ud;
	_cleanup_free_ char *p = NULL;
	struct stat st = {0};

	if (!sc->cacheable)
		return;
	p = rel ? path_join(dir, rel) : strdup(dir);
	if (!p || record_watch(sc, p, &st, FS_WATCH_LOOKUP) < 0) {
		sc->cacheable = false; /* out of memory: just no cache */
		return;
	}
	sc->watch[sc->n_watch - 1].type = (uint8_t)t;
}

/* A directory the walk reads: watched through its open descriptor (*ret_st: its stat). */
static int watch_dir_fd(struct scan *sc, int fd, enum fs_watch_kind kind)
{
	struct stat st;

	if (!sc->cacheable)
		return 0;
	if (fstat(fd, &st) < 0) {
		sc->cacheable = false;
		return 0;
	}
	if (!sc->fs_checked || st.st_dev != sc->fs_checked_dev) {
		sc->fs_checked = true;
		sc->fs_checked_dev = st.st_dev;
		if (!fs_type_trusted(fd)) {
			sc->cacheable = false;
			return 0;
		}
	}
	return record_watch(sc, sc->path, &st, kind);
}

/* Appends "/name" to sc->path; returns the old length to restore. */
static int path_push(struct scan *sc, const char *name, size_t len, size_t *old)
{
	size_t add = len + (sc->path_len > 1 ? 1 : 0);

	*old = sc->path_len;
	if (sc->path_len + add >= sizeof(sc->path))
		return -ENAMETOOLONG;
	if (sc->path_len > 1)
		sc->path[sc->path_len++] = '/';
	memcpy(sc->path + sc->path_len, name, len);
	sc->path_len += len;
	sc->path[sc->path_len] = '\0';
	return 0;
}

static void path_pop(struct scan *sc, size_t old)
{
	sc->path_len = old;
	sc->path[old] = '\0';
}

static struct path_glob_state *states_at(struct scan *sc, int level)
{
	if (!sc->o->n_rules)
		return NULL;
	if (!sc->states[level])
		sc->states[level] = calloc(sc->o->n_rules, sizeof(struct path_glob_state));
	return sc->states[level];
}

/* Is there an unvisited start strictly below sc->path (or equal, when `or_equal`)? */
static bool start_below(struct scan *sc, bool or_equal, size_t *which)
{
	const char *p = sc->path;
	size_t n = sc->path_len;

	for (size_t i = 0; i < sc->n_starts; i++) {
		const char *s = sc->starts[i];

		if (sc->start_visited[i])
			continue;
		if (n == 1) { /* "/" */
			if (s[1] != '\0' || or_equal) {
				if (which)
					*which = i;
				return true;
			}
			continue;
		}
		if (strncmp(s, p, n) != 0)
			continue;
		if (s[n] == '/' || (or_equal && s[n] == '\0')) {
			if (which)
				*which = i;
			return true;
		}
	}
	return false;
}

static bool is_start(struct scan *sc, size_t *which)
{
	for (size_t i = 0; i < sc->n_starts; i++)
		if (!sc->start_visited[i] && strcmp(sc->starts[i], sc->path) == 0) {
			*which = i;
			return true;
		}
	return false;
}

struct frame {
	int level;	  /* directory depth below the walk's start (states and buffers) */
	int mdepth;	  /* mandatory depth of this directory's entries (0: no mandatory walk) */
	struct rset below; /* rules that may match below this directory */
	struct rset covered;
	bool mroot; /* a mandatory root: its listing is kept in the cache (placeholders come and
		     * go there, changing its times but not its listing) */
};

static int walk(struct scan *sc, int dfd, const struct frame *f);
static int walk_entries(struct scan *sc, int dfd, const struct frame *f, struct buf *list,
			uint32_t *list_n, unsigned *ret_saw);

static int dt_of(int dfd, const char *name, unsigned char dt)
{
	struct stat st;

	if (dt != DT_UNKNOWN)
		return dt;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return DT_UNKNOWN;
	if (S_ISLNK(st.st_mode))
		return DT_LNK;
	return S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
}

static enum node_type node_of(unsigned char dt)
{
	return dt == DT_DIR ? NODE_DIR : dt == DT_LNK ? NODE_SYMLINK : NODE_OTHER;
}

/* One entry of the directory at sc->path (open as dfd). */
static int walk_entry(struct scan *sc, int dfd, const struct frame *f, const char *n,
		      unsigned char dt)
{
	const struct fs_scan_opts *o = sc->o;
	struct path_glob_state *cur = states_at(sc, f->level), *next = NULL;
	struct rset matched = {{0}}, child_below = {{0}}, child_covered = {{0}};
	size_t nlen = strlen(n), old, which;
	bool mand_here = false, descend, at_fs_root = sc->path_len == 1;
	int child_m = 0, r;

	/* Mandatory names among the entries (entries at depth > 1; the root's are checked by
	 * mandatory_check_root()). A link is never followed; a protected name that is a link is
	 * reported as such: the link itself could be replaced, so the caller must refuse. */
	if (f->mdepth > 1) {
		bool file = mandatory_is_dangerous_file(n), dir = mandatory_is_dangerous_dir(n);
		enum node_type t = NODE_MISSING;

		if (dt == DT_LNK && (file || dir))
			t = NODE_SYMLINK;
		else if (dt != DT_DIR && dt != DT_LNK && file)
			t = NODE_OTHER;
		else if (dt == DT_DIR && dir)
			t = NODE_DIR;
		if (t != NODE_MISSING) {
			size_t o2;
			if ((r = path_push(sc, n, nlen, &o2)) < 0)
				return r;
			r = add_hit(sc, sc->path, FS_HIT_MANDATORY, 0, t, NODE_OTHER, 0);
			path_pop(sc, o2);
			if (r < 0)
				return r;
			mand_here = true;
		}
	}

	if ((r = path_push(sc, n, nlen, &old)) < 0)
		return r;

	/* Rules: advance each live one over this name. */
	if (!rset_empty(&f->below)) {
		next = states_at(sc, f->level + 1);
		if (!cur || !next) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < o->n_rules; i++) {
			if (!rset_has(&f->below, i))
				continue;
			if (!path_glob_state_step(o->rules[i].glob, &cur[i], n, nlen, &next[i]))
				continue;
			if (path_glob_state_matches(o->rules[i].glob, &next[i]))
				rset_add(&matched, i);
			if (dt == DT_DIR && path_glob_state_may_match_below(o->rules[i].glob, &next[i]))
				rset_add(&child_below, i);
		}
	}
	if (!rset_empty(&matched)) {
		unsigned nm = rset_count(&matched);

		for (size_t i = 0; i < o->n_rules; i++) {
			if (!rset_has(&matched, i))
				continue;
			if (nm == 1 && !mand_here && rset_has(&f->covered, i)) {
				rset_add(&child_covered, i); /* still covered by the same match */
				continue;
			}
			r = add_hit(sc, sc->path, FS_HIT_RULE, (uint32_t)i, node_of(dt), NODE_OTHER,
				    0);
			if (r < 0)
				goto out;
			/* with two rules matching here, the tie is decided for one of them, so
			 * neither covers what lies below */
			if (nm == 1 && !mand_here)
				rset_add(&child_covered, i);
		}
	} else if (!mand_here) {
		child_covered = f->covered; /* no other rule on the way: coverage continues */
	}
	if (dt != DT_DIR) {
		r = 0;
		goto out;
	}

	/* Would the mandatory walk go down here? (mandatory-deny's depth semantics) */
	if (f->mdepth > 0 && f->mdepth < o->mandatory.depth &&
	    !(f->mdepth > 1 && mandatory_is_dangerous_dir(n)) && strcmp(n, ".git") != 0 &&
	    strcmp(n, ".claude") != 0)
		child_m = f->mdepth + 1;
	if (at_fs_root && (strcmp(n, "proc") == 0 || strcmp(n, "sys") == 0 || strcmp(n, "dev") == 0) &&
	    !start_below(sc, true, NULL)) {
		r = 0; /* replaced by fresh instances inside the sandbox */
		goto out;
	}
	descend = child_m > 0;
	if (!descend && !rset_empty(&child_below)) {
		struct rset open_rules = rset_minus(&child_below, &child_covered);
		descend = !rset_empty(&open_rules) || rset_count(&child_below) >= 2;
	}
	if (!descend)
		descend = start_below(sc, true, NULL);
	if (descend) {
		_cleanup_close_ int cfd = -EBADF;
		struct frame cf = {
			.level = f->level + 1,
			.mdepth = child_m,
			.below = child_below,
			.covered = child_covered,
		};

		if (f->level + 1 >= FS_SCAN_MAX_DEPTH) {
			r = -ELOOP;
			goto out;
		}
		cfd = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			r = errno == EACCES || errno == ENOENT || errno == ELOOP || errno == ENOTDIR
				    ? 0 /* unreadable by us (and the sandbox): nothing to protect */
				    : -errno;
			goto out;
		}
		if (is_start(sc, &which)) {
			sc->start_visited[which] = true;
			if (sc->start_mroot[which]) {
				cf.mdepth = 1;
				cf.mroot = true;
				r = mandatory_check_root(cfd, sc->path, &o->mandatory, &sc->sink);
				if (r < 0)
					goto out;
			}
		}
		r = walk(sc, cfd, &cf);
		goto out;
	}
	r = 0;
out:
	path_pop(sc, old);
	return r;
}

/* Directories in which placeholders are created and removed by every run (.git/hooks,
 * .git/config, .claude/commands, ...): like a mandatory root, their times prove nothing, their
 * listing is kept. A glob walk reads them (a "**" pattern descends everywhere); with a plain
 * time record a repeated run would never find its cache valid. */
static bool placeholder_parent(const struct scan *sc)
{
	const char *base = strrchr(sc->path, '/');

	base = base ? base + 1 : sc->path;
	return strcmp(base, ".git") == 0 || strcmp(base, ".claude") == 0;
}

static int walk(struct scan *sc, int dfd, const struct frame *f)
{
	struct buf list = BUF_INIT;
	uint32_t list_n = 0;
	size_t watch_idx = sc->n_watch;
	bool keep_list, listed = f->mroot || placeholder_parent(sc);
	unsigned saw = 0;
	int r;

	r = watch_dir_fd(sc, dfd, listed ? FS_WATCH_LIST : FS_WATCH_STAT);
	if (r < 0)
		return r;
	keep_list = listed && sc->cacheable && sc->n_watch == watch_idx + 1;
	r = walk_entries(sc, dfd, f, keep_list ? &list : NULL, &list_n, &saw);
	if (r >= 0 && keep_list && sc->cacheable) {
		struct fs_cache_watch *w = &sc->watch[watch_idx];

		if (list_n > FS_CACHE_MAX_LIST || fs_cache_list_sort(&list, list_n) < 0) {
			sc->cacheable = false;
		} else {
			w->list_n = list_n;
			w->list_len = list.len;
			w->list = TAKE_PTR(list.data);
		}
	}
	buf_free(&list);
	if (r < 0)
		return r;
	if (f->mdepth > 1 && saw)
		return mandatory_check_dir(dfd, sc->path, &sc->o->mandatory, &sc->sink, saw);
	return 0;
}

static int walk_entries(struct scan *sc, int dfd, const struct frame *f, struct buf *list,
			uint32_t *list_n, unsigned *ret_saw)
{
	unsigned saw = 0;
	char *buf;
	int r;

	if (!sc->dents[f->level]) {
		sc->dents[f->level] = malloc(DENTS_BUF);
		if (!sc->dents[f->level])
			return -ENOMEM;
	}
	buf = sc->dents[f->level];
	for (;;) {
		ssize_t k = getdents64(dfd, buf, DENTS_BUF);

		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		for (ssize_t off = 0; off < k;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
			const char *n = de->d_name;
			unsigned char dt;

			off += de->d_reclen;
			if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
				continue;
			if (++sc->entries > sc->max)
				return -E2BIG;
			dt = (unsigned char)dt_of(dfd, n, de->d_type);
			if (dt == DT_UNKNOWN)
				continue; /* vanished */
			if (list) {
				if (fs_cache_list_add(list, n, dt) < 0)
					return -ENOMEM;
				++*list_n;
			}
			if (strcmp(n, ".git") == 0)
				saw |= MANDATORY_SAW_GIT;
			else if (strcmp(n, ".claude") == 0)
				saw |= MANDATORY_SAW_CLAUDE;
			else if (strcmp(n, "HEAD") == 0)
				saw |= MANDATORY_SAW_HEAD;
			r = walk_entry(sc, dfd, f, n, dt);
			if (r < 0)
				return r;
		}
	}
	*ret_saw = saw;
	return 0;
}

/* Opens the directory `path` without following any symbolic link on the way. 0 with *ret_fd;
 * -ENOENT (then *ret_deepest_len is the length of the deepest existing ancestor in sc->path,
 * which is left holding it), -ELOOP, -ENOTDIR, -EACCES, ... */
static int open_start(struct scan *sc, const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	const char *s = path;

	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	sc->path[0] = '/';
	sc->path[1] = '\0';
	sc->path_len = 1;
	for (;;) {
		const char *end;
		char name[NAME_MAX + 1];
		size_t old;
		int nfd, r;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		end = strchrnul(s, '/');
		if ((size_t)(end - s) > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, s, (size_t)(end - s));
		name[end - s] = '\0';
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			struct stat st;
			int e = errno;

			if (e == ENOTDIR && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				e = ELOOP;
			if (e == ENOENT) {
				/* nothing to match: its nearest ancestor is what could change */
				r = watch_dir_fd(sc, fd, FS_WATCH_STAT);
				return r < 0 ? r : -ENOENT;
			}
			return -e;
		}
		close(fd);
		fd = nfd;
		r = path_push(sc, name, strlen(name), &old);
		if (r < 0)
			return r;
		s = end;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int walk_start(struct scan *sc, size_t idx)
{
	const struct fs_scan_opts *o = sc->o;
	_cleanup_close_ int fd = -EBADF;
	struct frame f = {.level = 0};
	struct path_glob_state *st = states_at(sc, 0);
	const char *start = sc->starts[idx];
	int r;

	if (o->n_rules && !st)
		return -ENOMEM;
	sc->start_visited[idx] = true;
	r = open_start(sc, start, &fd);
	if (r == -ENOENT && !sc->start_mroot[idx])
		return 0;
	if (r == -EACCES && !sc->start_mroot[idx])
		return 0; /* neither we nor the sandbox can look inside */
	if (r < 0)
		return r;

	/* the rules' states at the start itself; a rule matching the start is reported */
	for (size_t i = 0; i < o->n_rules; i++) {
		const struct path_glob *g = o->rules[i].glob;
		bool alive = true;

		path_glob_state_init(g, &st[i]);
		for (const char *c = start; *c && alive;) {
			const char *e;

			while (*c == '/')
				c++;
			if (!*c)
				break;
			e = strchrnul(c, '/');
			alive = path_glob_state_step(g, &st[i], c, (size_t)(e - c), &st[i]);
			c = e;
		}
		if (!alive)
			continue;
		if (path_glob_state_matches(g, &st[i])) {
			r = add_hit(sc, sc->path, FS_HIT_RULE, (uint32_t)i, NODE_DIR, NODE_OTHER, 0);
			if (r < 0)
				return r;
			rset_add(&f.covered, i);
		}
		if (path_glob_state_may_match_below(g, &st[i]))
			rset_add(&f.below, i);
	}
	if (rset_count(&f.covered) > 1)
		f.covered = (struct rset){{0}}; /* a tie at the start: nothing covered below */
	if (sc->start_mroot[idx]) {
		f.mdepth = 1;
		f.mroot = true;
		r = mandatory_check_root(fd, sc->path, &o->mandatory, &sc->sink);
		if (r < 0)
			return r;
	}
	if (f.mdepth == 0 && rset_empty(&f.below) && !start_below(sc, false, NULL))
		return watch_dir_fd(sc, fd, FS_WATCH_STAT); /* only the start itself mattered */
	return walk(sc, fd, &f);
}

struct start {
	char *path;
	bool mroot;
};

static int cmp_start(const void *a, const void *b)
{
	const struct start *x = a, *y = b;
	int c = path_compare(x->path, y->path);
	return c ? c : (int)y->mroot - (int)x->mroot;
}

/* The walk starts: mandatory roots and rule prefixes, sorted so that outer ones come first,
 * without duplicates (a mandatory root wins over an equal prefix). */
static int collect_starts(struct scan *sc)
{
	const struct fs_scan_opts *o = sc->o;
	struct start *v;
	size_t nm = 0, n = 0, k = 0;
	int r = 0;

	while (o->mandatory_roots && o->mandatory_roots[nm])
		nm++;
	v = calloc(nm + o->n_rules + 1, sizeof(*v));
	sc->starts = calloc(nm + o->n_rules + 1, sizeof(char *));
	sc->start_mroot = calloc(nm + o->n_rules + 1, sizeof(bool));
	sc->start_visited = calloc(nm + o->n_rules + 1, sizeof(bool));
	if (!v || !sc->starts || !sc->start_mroot || !sc->start_visited) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nm && r == 0; i++) {
		if (o->mandatory_roots[i][0] != '/')
			r = -EINVAL;
		else if (!(v[n].path = path_normalize(o->mandatory_roots[i])))
			r = -ENOMEM;
		else
			v[n++].mroot = true;
	}
	for (size_t i = 0; i < o->n_rules && r == 0; i++)
		if (!(v[n++].path = path_glob_literal_prefix(o->rules[i].glob)))
			r = -ENOMEM;
	if (r < 0)
		goto out;
	qsort(v, n, sizeof(*v), cmp_start);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && strcmp(sc->starts[k - 1], v[i].path) == 0)
			continue; /* the first of equal paths is the mandatory root, if any */
		sc->starts[k] = TAKE_PTR(v[i].path);
		sc->start_mroot[k] = v[i].mroot;
		k++;
	}
	sc->n_starts = k;
out:
	for (size_t i = 0; v && i < n + 1; i++)
		free(v[i].path);
	free(v);
	return r;
}

/* ---- cache ---- */

#define CACHE_PREFIX "fscache-"
#define CACHE_MAX_FILES 16
/* A directory changed less than this before the scan started may change again within the
 * same timestamp tick without its times changing: such a scan is not stored. */
#define CACHE_RACY_NSEC INT64_C(1000000000)

static int cache_key(const struct fs_scan_opts *o, struct buf *key)
{
	char bid[41];

	if (!libsrt_build_id(bid))
		return -ENOENT; /* without a build-id, nothing ties the cache to this code */
	if (buf_printf(key, "srt-fs-scan 1\n%s\n%s\ndepth %d git-config %d max %ld\n",
		       SRT_VERSION, bid, o->mandatory.depth, o->mandatory.allow_git_config ? 1 : 0,
		       o->max_entries) < 0)
		return -ENOMEM;
	for (size_t i = 0; o->mandatory_roots && o->mandatory_roots[i]; i++)
		if (buf_puts(key, "root ") < 0 || buf_put_arg(key, o->mandatory_roots[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < o->n_rules; i++)
		if (buf_puts(key, "rule ") < 0 || buf_put_arg(key, o->rules[i].pattern) < 0)
			return -ENOMEM;
	return 0;
}

static void cache_name(const struct buf *key, char *name, size_t size)
{
	snprintf(name, size, CACHE_PREFIX "%016llx",
		 (unsigned long long)fs_cache_fnv1a(key->data, key->len));
}

static int64_t ts_ns(int64_t s, int64_t ns) { return s * INT64_C(1000000000) + ns; }

/* The directory's listing now, as stored (sorted); compared with the cached one. */
static bool listing_unchanged(const struct fs_cache_wview *w)
{
	_cleanup_close_ int fd = -EBADF;
	struct buf list = BUF_INIT;
	uint32_t n = 0;
	bool same = false;
	char *buf = malloc(DENTS_BUF);

	fd = open(w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !buf)
		goto out;
	for (;;) {
		ssize_t k = getdents64(fd, buf, DENTS_BUF);

		if (k < 0)
			goto out;
		if (k == 0)
			break;
		for (ssize_t off = 0; off < k;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
			const char *nm = de->d_name;
			int dt;

			off += de->d_reclen;
			if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
				continue;
			dt = dt_of(fd, nm, de->d_type);
			if (dt == DT_UNKNOWN)
				continue;
			if (++n > FS_CACHE_MAX_LIST || fs_cache_list_add(&list, nm, (unsigned char)dt) < 0)
				goto out;
		}
	}
	same = n == w->rec.list_n && fs_cache_list_sort(&list, n) == 0 &&
	       list.len == w->rec.list_len &&
	       (list.len == 0 || memcmp(list.data, w->list, list.len) == 0);
out:
	free(buf);
	buf_free(&list);
	return same;
}

/* Watched paths are looked up relative to a descriptor of the walk start that holds them (one
 * path walk fewer per component of the start's path; lstat() of the full path means the same:
 * it too follows symbolic links before the last component). */
struct bases {
	const char *path[FS_SCAN_MAX_RULES + 16];
	size_t len[FS_SCAN_MAX_RULES + 16];
	int fd[FS_SCAN_MAX_RULES + 16];
	size_t n;
};

static int lstat_rel(const struct bases *b, const char *path, struct stat *st)
{
	size_t best = SIZE_MAX, best_len = 0;

	for (size_t i = 0; b && i < b->n; i++)
		if (b->fd[i] >= 0 && b->len[i] > best_len && strncmp(path, b->path[i], b->len[i]) == 0 &&
		    path[b->len[i]] == '/' && path[b->len[i] + 1] != '\0') {
			best = i;
			best_len = b->len[i];
		}
	if (best == SIZE_MAX)
		return lstat(path, st);
	return fstatat(b->fd[best], path + best_len + 1, st, AT_SYMLINK_NOFOLLOW);
}

static enum node_type node_type_now(const struct bases *b, const char *path)
{
	struct stat st;

	if (lstat_rel(b, path, &st) < 0)
		return NODE_MISSING;
	if (S_ISLNK(st.st_mode))
		return NODE_SYMLINK;
	return S_ISDIR(st.st_mode) ? NODE_DIR : NODE_OTHER;
}

static bool watch_unchanged(const struct bases *b, const struct fs_cache_wview *v)
{
	const struct fs_cache_wrec *w = &v->rec;
	struct stat st;
	bool same_times;

	if (w->kind == FS_WATCH_LOOKUP)
		return node_type_now(b, v->path) == (enum node_type)w->type;
	if (lstat_rel(b, v->path, &st) < 0)
		return false;
	if ((uint64_t)st.st_dev != w->dev || (uint64_t)st.st_ino != w->ino ||
	    (uint32_t)st.st_mode != w->mode)
		return false;
	same_times = (int64_t)st.st_mtim.tv_sec == w->mtime_sec &&
		     (int64_t)st.st_mtim.tv_nsec == w->mtime_nsec &&
		     (int64_t)st.st_ctim.tv_sec == w->ctime_sec &&
		     (int64_t)st.st_ctim.tv_nsec == w->ctime_nsec;
	if (w->kind == FS_WATCH_LIST)
		return (same_times && !w->racy) || listing_unchanged(v);
	return same_times && (S_ISDIR(st.st_mode) || (uint64_t)st.st_size == w->size);
}

/* Checking the watches is one lstat() each, and a system call costs microseconds on a virtual
 * machine: tens of thousands of directories are checked on up to VALIDATE_THREADS threads. */
#define VALIDATE_THREADS 4
#define VALIDATE_PER_THREAD 2048 /* fewer watches than this per thread: not worth a thread */

struct validate_part {
	const struct bases *b;
	const struct fs_cache_view *v;
	size_t from, n;
	atomic_bool *stale;
};

static void *validate_part(void *arg)
{
	struct validate_part *p = arg;
	struct fs_cache_wview w;

	for (size_t i = p->from; i < p->from + p->n &&
				 !atomic_load_explicit(p->stale, memory_order_relaxed); i++) {
		if (!fs_cache_view_watch(p->v, i, &w) || !watch_unchanged(p->b, &w))
			atomic_store(p->stale, true);
	}
	return NULL;
}

static bool watches_unchanged(const struct bases *b, const struct fs_cache_view *v)
{
	size_t n = v->n_watch;
	struct validate_part parts[VALIDATE_THREADS];
	pthread_t tids[VALIDATE_THREADS];
	bool started[VALIDATE_THREADS] = {false};
	atomic_bool stale = false;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k = n / VALIDATE_PER_THREAD, per, off = 0;

	if (cpus < 1)
		cpus = 1;
	if (k > (size_t)cpus)
		k = (size_t)cpus;
	if (k > VALIDATE_THREADS)
		k = VALIDATE_THREADS;
	if (k < 1)
		k = 1;
	per = (n + k - 1) / k;
	for (size_t i = 0; i < k; i++) {
		parts[i] = (struct validate_part){.b = b, .v = v, .from = off,
						  .n = off + per <= n ? per : n - off,
						  .stale = &stale};
		off += parts[i].n;
		/* part 0 runs here; a thread that cannot be started is run here too */
		if (i > 0 && pthread_create(&tids[i], NULL, validate_part, &parts[i]) == 0)
			started[i] = true;
	}
	validate_part(&parts[0]);
	for (size_t i = 1; i < k; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			validate_part(&parts[i]);
	}
	return !atomic_load(&stale);
}

static void bases_open(struct bases *b, const struct fs_scan_opts *o, char **prefixes)
{
	b->n = 0;
	for (size_t i = 0; o->mandatory_roots && o->mandatory_roots[i] && b->n < ELEMENTSOF(b->fd); i++)
		b->path[b->n++] = o->mandatory_roots[i];
	for (size_t i = 0; i < o->n_rules && b->n < ELEMENTSOF(b->fd); i++)
		if (prefixes[i])
			b->path[b->n++] = prefixes[i];
	for (size_t i = 0; i < b->n; i++) {
		b->len[i] = strlen(b->path[i]);
		b->fd[i] = b->len[i] > 1 ? open(b->path[i], O_PATH | O_DIRECTORY | O_CLOEXEC) : -EBADF;
	}
}

static void bases_close(struct bases *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->fd[i] >= 0)
			close(b->fd[i]);
	b->n = 0;
}

/* 1 with ret filled from a valid cache, 0 when there is none (or any doubt). The file is
 * mapped, not read: its watches are checked in place (see fs-cache-format.h for why). srt only
 * ever replaces these files by rename(); another process of the same user that rewrites one in
 * place gets, at worst, a stale verdict (every record is checked again as it is used), and one
 * that truncates it can make this process fault (SIGBUS): both need the user's own rights
 * outside every sandbox, where the state directory is hidden. */
static int cache_load(const struct fs_scan_opts *o, const struct buf *key, const char *name,
		      struct fs_scan_result *ret)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	struct fs_cache_limits lim = {.n_rules = (uint32_t)o->n_rules,
				      .n_whys = (uint8_t)mandatory_whys_count};
	struct fs_cache_view c = {0};
	struct timespec now;
	struct stat st;
	void *data;
	size_t len;
	int r, res = 0;

	dfd = open(o->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0077) != 0 || st.st_size <= 0 || st.st_size > (off_t)FS_CACHE_MAX_SIZE)
		return 0;
	len = (size_t)st.st_size;
	/* MAP_POPULATE: one call maps every page, instead of a fault per 64 KiB */
	data = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (data == MAP_FAILED)
		return 0; /* (no address space for it: scan without the cache) */
	r = fs_cache_parse(data, len, &lim, &c);
	if (r < 0) {
		res = r == -ENOMEM ? r : 0;
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (c.key_len != key->len || memcmp(c.key, key->data, key->len) != 0 ||
	    (int64_t)now.tv_sec < c.scan_start || c.n_watch == 0)
		goto out;
	{
		struct bases *bs = calloc(1, sizeof(*bs));
		char **prefixes = calloc(o->n_rules + 1, sizeof(char *));
		bool same;

		if (bs && prefixes) {
			for (size_t i = 0; i < o->n_rules; i++)
				prefixes[i] = path_glob_literal_prefix(o->rules[i].glob);
			bases_open(bs, o, prefixes);
		}
		same = watches_unchanged(bs, &c);
		if (bs)
			bases_close(bs);
		for (size_t i = 0; prefixes && i < o->n_rules; i++)
			free(prefixes[i]);
		free(prefixes);
		free(bs);
		if (!same)
			goto out;
	}
	ret->hits = c.hits;
	ret->n_hits = c.n_hits;
	ret->entries = (long)c.entries;
	ret->n_watched = c.n_watch;
	ret->from_cache = true;
	ret->cacheable = true;
	c.hits = NULL;
	c.n_hits = 0;
	res = 1;
out:
	fs_cache_view_free(&c);
	munmap(data, len);
	return res;
}

/* A writer's temporary file ".fscache-....PID" whose process is gone. */
static bool dead_tmp(const char *n)
{
	const char *dot = strrchr(n, '.');
	char *end;
	long pid;

	if (strncmp(n, "." CACHE_PREFIX, sizeof(CACHE_PREFIX)) != 0 || !dot || dot == n)
		return false;
	errno = 0;
	pid = strtol(dot + 1, &end, 10);
	if (errno || end == dot + 1 || *end || pid <= 0 || pid > INT32_MAX)
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Keeps at most CACHE_MAX_FILES caches (the most recently written), removes dead temporaries. */
static void cache_prune(int dfd)
{
	_cleanup_close_ int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	struct {
		char name[64];
		int64_t t;
	} files[CACHE_MAX_FILES + 1];
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd)))
		return;
	fd = -EBADF;
	while ((de = readdir(d))) {
		struct stat st;

		if (dead_tmp(de->d_name)) {
			(void)unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (strncmp(de->d_name, CACHE_PREFIX, strlen(CACHE_PREFIX)) != 0 ||
		    strlen(de->d_name) >= sizeof(files[0].name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (n == CACHE_MAX_FILES + 1) { /* drop the oldest kept so far */
			size_t old = 0;
			for (size_t i = 1; i < n; i++)
				if (files[i].t < files[old].t)
					old = i;
			if (ts_ns(st.st_mtim.tv_sec, st.st_mtim.tv_nsec) < files[old].t) {
				(void)unlinkat(dirfd(d), de->d_name, 0);
				continue;
			}
			(void)unlinkat(dirfd(d), files[old].name, 0);
			files[old] = files[--n];
		}
		memcpy(files[n].name, de->d_name, strlen(de->d_name) + 1);
		files[n].t = ts_ns(st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		n++;
	}
	if (n > CACHE_MAX_FILES) {
		size_t old = 0;
		for (size_t i = 1; i < n; i++)
			if (files[i].t < files[old].t)
				old = i;
		(void)unlinkat(dirfd(d), files[old].name, 0);
	}
	closedir(d);
}

/* Best effort: a cache that cannot be written only costs the next run a full scan. */
static void cache_store(const struct fs_scan_opts *o, const struct buf *key, const char *name,
			struct scan *sc, int64_t start_ns)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	struct fs_cache c = {
		.key = key->data,
		.key_len = key->len,
		.scan_start = start_ns / INT64_C(1000000000),
		.entries = sc->entries,
		.watch = sc->watch,
		.n_watch = sc->n_watch,
		.hits = sc->hits,
		.n_hits = sc->n_hits,
	};
	struct buf out = BUF_INIT;
	char tmp[128];
	bool okay;

	for (size_t i = 0; i < sc->n_watch; i++) {
		struct fs_cache_watch *w = &sc->watch[i];
		bool racy = ts_ns(w->ctime_sec, w->ctime_nsec) >= start_ns - CACHE_RACY_NSEC ||
			    ts_ns(w->mtime_sec, w->mtime_nsec) >= start_ns - CACHE_RACY_NSEC;

		if (w->kind == FS_WATCH_LOOKUP || !racy)
			continue;
		if (w->kind == FS_WATCH_LIST) {
			w->racy = 1; /* its times prove nothing: the listing is compared */
			continue;
		}
		sc->cacheable = false;
		return;
	}
	if (fs_cache_serialize(&c, &out) < 0) {
		buf_free(&out);
		sc->cacheable = false;
		return;
	}
	dfd = open(o->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		goto done;
	cache_prune(dfd);
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto done;
	okay = write_all(fd, out.data, out.len) == 0;
	/* no fsync: a torn file after a crash fails the checksum and means a full scan */
	if (!okay || renameat(dfd, tmp, dfd, name) < 0)
		(void)unlinkat(dfd, tmp, 0);
done:
	buf_free(&out);
}

int fs_scan(const struct fs_scan_opts *o, struct fs_scan_result *ret)
{
	struct scan sc = {
		.o = o,
		.max = o->max_entries > 0 ? o->max_entries : FS_SCAN_MAX_ENTRIES,
		.cacheable = o->cache_dir != NULL,
	};
	struct buf key = BUF_INIT;
	char name[64] = "";
	struct timespec t0;
	int64_t start_ns;
	int r;

	*ret = (struct fs_scan_result){0};
	if (o->n_rules > FS_SCAN_MAX_RULES || o->mandatory.depth < 1)
		return -EINVAL;
	for (size_t i = 0; i < o->n_rules; i++)
		if (!o->rules[i].glob || !o->rules[i].pattern)
			return -EINVAL;
	sc.sink = (struct mandatory_sink){
		.add = sink_add, .watch = sink_watch, .lookup = sink_lookup, .ud = &sc};

	if (sc.cacheable) {
		r = cache_key(o, &key);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			sc.cacheable = false;
		} else {
			cache_name(&key, name, sizeof(name));
			r = cache_load(o, &key, name, ret);
			if (r != 0)
				goto out; /* 1: a valid cache; or -ENOMEM */
		}
	}

	clock_gettime(CLOCK_REALTIME, &t0);
	start_ns = ts_ns(t0.tv_sec, t0.tv_nsec);
	r = collect_starts(&sc);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < sc.n_starts; i++) {
		if (sc.start_visited[i])
			continue;
		r = walk_start(&sc, i);
		if (r < 0) {
			ret->failed_at = strdup(sc.starts[i]);
			goto out;
		}
	}
	if (sc.cacheable)
		cache_store(o, &key, name, &sc, start_ns);
	ret->hits = TAKE_PTR(sc.hits);
	ret->n_hits = sc.n_hits;
	ret->entries = sc.entries;
	ret->n_watched = sc.n_watch;
	ret->cacheable = sc.cacheable;
	r = 0;
out:
	buf_free(&key);
	for (size_t i = 0; sc.hits && i < sc.n_hits; i++)
		free(sc.hits[i].path);
	free(sc.hits);
	for (size_t i = 0; i < sc.n_watch; i++) {
		free(sc.watch[i].path);
		free(sc.watch[i].list);
	}
	free(sc.watch);
	for (size_t i = 0; i < sc.n_starts; i++)
		free(sc.starts[i]);
	free(sc.starts);
	free(sc.start_mroot);
	free(sc.start_visited);
	for (size_t i = 0; i < ELEMENTSOF(sc.states); i++)
		free(sc.states[i]);
	for (size_t i = 0; i < ELEMENTSOF(sc.dents); i++)
		free(sc.dents[i]);
	return r < 0 ? r : 0;
}
