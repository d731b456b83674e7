/* SPDX-License-Identifier: Apache-2.0 */
#include "placeholders.h"

#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/strv.h"

/*
 * Locking protocol (open file description locks, released by the kernel when a run dies):
 *  - "STATE/lock" stands for every protected path: byte hash(path) of it is read-locked by each
 *    run whose sandbox mounts that path, for the sandbox's whole life. A placeholder is removed
 *    only by whoever can take the write lock on its byte: nobody mounts it any more. (Hash
 *    collisions only make a placeholder live longer.)
 *  - each run write-locks its own journal "STATE/journal-PID-RANDOM"; a journal whose lock can
 *    be taken belongs to a dead run, and any later run finishes its work.
 * Journal records, NUL-terminated (paths may contain newlines, never NUL):
 *   "I <D|F|C> <unix time> <path>" intent, written before the path is created
 *   "<D|F|C> <dev> <ino> <path>"    the created directory, empty file, or file holding
 *                                   PLACEHOLDER_COMMONDIR_SELF
 */
#define JOURNAL_MAX_SIZE (16 * 1024 * 1024)

struct placeholders {
	int dir_fd;
	int lock_fd;
	int journal_fd;
	char *journal_name;
	size_t count;
};

int state_dir_ensure(char **ret_path, srt_error **reterr)
{
	char *p = NULL;
	struct stat st;

	if (asprintf(&p, "/tmp/srt-%u", (unsigned)geteuid()) < 0)
		return -ENOMEM;
	if (mkdir(p, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		srt_error_set(reterr, SRT_E_SYSTEM, e, "cannot create state directory '%s': %s", p,
			      strerror(e));
		free(p);
		return -e;
	}
	/* Another local user may have created it first (or planted a symlink): refuse. */
	if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0077) != 0) {
		srt_error_set(reterr, SRT_E_SYSTEM, EPERM,
			      "state directory '%s' is not a private directory owned by uid %u. "
			      "Hint: remove it and run srt again",
			      p, (unsigned)geteuid());
		free(p);
		return -EPERM;
	}
	*ret_path = p;
	return 0;
}

/* Appends one NUL-terminated record to this run's journal. */
static int journal_record(struct placeholders *ph, const char *fmt, ...) SRT_PRINTF(2, 3);
static int journal_record(struct placeholders *ph, const char *fmt, ...)
{
	char *rec = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&rec, fmt, ap) < 0 ? -ENOMEM : 0;
	va_end(ap);
	if (r >= 0)
		r = write_all(ph->journal_fd, rec, strlen(rec) + 1); /* with its NUL */
	free(rec);
	return r;
}

static int journal_append(struct placeholders *ph, char kind, const struct stat *st,
			  const char *path)
{
	return journal_record(ph, "%c %llu %llu %s", kind, (unsigned long long)st->st_dev,
			      (unsigned long long)st->st_ino, path);
}

static int journal_intent(struct placeholders *ph, char kind, const char *path)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return journal_record(ph, "I %c %lld %s", kind, (long long)now.tv_sec, path);
}

static off_t path_slot(const char *path)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return (off_t)(h & 0x7fffffffffffULL);
}

static int ofd_lock(int fd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* Whether no other run mounts `path` right now. On success this run holds the write lock on
 * the path's slot until it releases it (or exits). */
static bool path_unused(int lock_fd, const char *path)
{
	return ofd_lock(lock_fd, F_WRLCK, path_slot(path), 1) == 0;
}

/* Whether the regular file `path` (lstat'ed as *st) still holds exactly
 * PLACEHOLDER_COMMONDIR_SELF: the user did not replace its content. */
static bool holds_commondir_self(const char *path, const struct stat *st)
{
	_cleanup_close_ int fd = -EBADF;
	const size_t want = strlen(PLACEHOLDER_COMMONDIR_SELF);
	char b[8];
	struct stat fst;
	ssize_t k;

	if ((size_t)st->st_size != want)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &fst) < 0 || fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)
		return false;
	k = read(fd, b, sizeof(b));
	return k == (ssize_t)want && memcmp(b, PLACEHOLDER_COMMONDIR_SELF, want) == 0;
}

/* Creates the file p holding `content`, atomically where the file system has O_TMPFILE: an
 * unnamed file in p's directory, written, then linked at p (fails if p exists). Elsewhere
 * created, then written (a reader could see it empty for a moment). Returns 0 or -errno. */
static int create_with_content(const char *p, const char *content)
{
	_cleanup_free_ char *dir = strdup(p);
	_cleanup_close_ int fd = -EBADF;
	char *slash = dir ? strrchr(dir, '/') : NULL;
	char fdpath[64];
	size_t len = strlen(content);

	if (!dir)
		return -ENOMEM;
	if (!slash)
		return -EINVAL;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0) {
		int r = write_all(fd, content, len);
		if (r < 0)
			return r;
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, fdpath, AT_FDCWD, p, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != ENOENT && errno != EXDEV && errno != EPERM)
			return -errno; /* EEXIST, EACCES, ... as a plain creation would */
		/* no /proc: fall through to the plain creation */
	} else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		return -errno;
	}
	if (fd >= 0)
		close(TAKE_FD(fd));
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	return write_all(fd, content, len);
}

/* Undoes one journal, newest record first (children before parents). Returns true when
 * nothing is left to do for it (every placeholder removed, gone, reused by someone, or
 * filled with content by the user). */
static bool journal_undo(int dir_fd, int lock_fd, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	struct buf b = BUF_INIT;
	char chunk[4096];
	char **recs = NULL, **done = NULL;
	bool finished = true;
	ssize_t k;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return true;
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		if (b.len + (size_t)k > JOURNAL_MAX_SIZE || buf_append(&b, chunk, (size_t)k) < 0)
			break;
	for (size_t off = 0; off < b.len;) {
		size_t l = strnlen(b.data + off, b.len - off);
		if (off + l >= b.len)
			break; /* torn last record */
		if (strv_push(&recs, b.data + off) < 0)
			break;
		off += l + 1;
	}
	for (size_t i = strv_length(recs); i > 0; i--) {
		char kind, ik;
		unsigned long long dev, ino;
		long long t;
		int n = 0;
		struct stat st;
		const char *path;
		bool intent = recs[i - 1][0] == 'I';

		if (intent) {
			if (sscanf(recs[i - 1], "I %c %lld %n", &ik, &t, &n) != 2 || n == 0)
				continue;
			kind = ik;
		} else if (sscanf(recs[i - 1], "%c %llu %llu %n", &kind, &dev, &ino, &n) != 3 ||
			   n == 0) {
			continue;
		}
		path = recs[i - 1] + n;
		if (path[0] != '/' || strv_contains(done, path))
			continue;
		(void)strv_push(&done, path);
		if (lstat(path, &st) < 0)
			continue;
		if (intent) {
			/* srt died between creating it and recording its inode: it is ours only
			 * if it is still empty and was created around the time of the intent */
			if (st.st_ctime < t - 2 || st.st_ctime > t + 120)
				continue;
		} else if (st.st_dev != dev || st.st_ino != ino) {
			continue;
		}
		if (!path_unused(lock_fd, path)) {
			finished = false; /* a running sandbox mounts it: later */
			continue;
		}
		if (kind == 'D' && S_ISDIR(st.st_mode))
			(void)rmdir(path); /* fails if someone put something in it: keep it */
		else if (kind == 'F' && S_ISREG(st.st_mode) && st.st_size == 0)
			(void)unlink(path);
		else if (kind == 'C' && S_ISREG(st.st_mode) && holds_commondir_self(path, &st))
			(void)unlink(path);
		/* let others use the slot again */
		(void)ofd_lock(lock_fd, F_UNLCK, path_slot(path), 1);
	}
	strv_free(done);
	strv_free(recs);
	buf_free(&b);
	return finished;
}

/* Finishes the journals of runs that are gone (their journal lock is free). */
static void cleanup_dead_journals(struct placeholders *ph)
{
	int fd = fcntl(ph->dir_fd, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	char **names = NULL;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	rewinddir(d); /* the duplicate shares the offset of earlier scans */
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "journal-", 8) == 0 &&
		    !streq_ptr(de->d_name, ph->journal_name))
			(void)strv_push(&names, de->d_name);
	closedir(d);
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_close_ int jfd =
			openat(ph->dir_fd, names[i], O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (jfd < 0 || ofd_lock(jfd, F_WRLCK, 0, 0) < 0)
			continue; /* its run is alive */
		if (journal_undo(ph->dir_fd, ph->lock_fd, names[i]))
			(void)unlinkat(ph->dir_fd, names[i], 0);
	}
	strv_free(names);
}

int placeholders_open(const char *state_dir, struct placeholders **ret, srt_error **reterr)
{
	struct placeholders *ph = calloc(1, sizeof(*ph));
	int r;

	if (!ph)
		return -ENOMEM;
	ph->dir_fd = ph->lock_fd = ph->journal_fd = -EBADF;

	ph->dir_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ph->dir_fd < 0) {
		r = srt_error_set(reterr, SRT_E_SYSTEM, errno, "cannot open '%s': %s", state_dir,
				  strerror(errno));
		goto fail;
	}
	ph->lock_fd = openat(ph->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (ph->lock_fd < 0) {
		r = srt_error_set(reterr, SRT_E_SYSTEM, errno, "cannot open '%s/lock': %s",
				  state_dir, strerror(errno));
		goto fail;
	}
	cleanup_dead_journals(ph);
	*ret = ph;
	return 0;
fail:
	placeholders_close(ph);
	return r;
}

int placeholders_use(struct placeholders *ph, const char *path)
{
	/* F_OFD_SETLK never waits: a cleaner holding the write lock only does so while it
	 * removes the placeholder; retry briefly, then the caller re-checks the path. */
	for (int i = 0; i < 100; i++) {
		int r = ofd_lock(ph->lock_fd, F_RDLCK, path_slot(path), 1);
		if (r != -EAGAIN && r != -EACCES)
			return r;
		usleep(1000);
	}
	return -EBUSY;
}

static int open_journal(struct placeholders *ph, srt_error **reterr)
{
	char name[64];
	unsigned rnd;

	if (ph->journal_fd >= 0)
		return 0;
	for (int attempt = 0; attempt < 16; attempt++) {
		int fd;
		if (getentropy(&rnd, sizeof(rnd)) < 0)
			rnd = (unsigned)attempt;
		snprintf(name, sizeof(name), "journal-%d-%08x", (int)getpid(), rnd);
		fd = openat(ph->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			    0600);
		if (fd >= 0) {
			struct stat st;

			/* Held while this run lives: tells others the journal is not stale. Until
			 * it is taken, another run's cleanup may find the new journal unlocked,
			 * take it for a dead run's and remove it: a journal that is no longer
			 * linked once locked is given up (its records would go nowhere, and this
			 * run's placeholders would stay behind after it). */
			if (ofd_lock(fd, F_WRLCK, 0, 0) < 0 || fstat(fd, &st) < 0 || st.st_nlink == 0) {
				close(fd);
				(void)unlinkat(ph->dir_fd, name, 0);
				continue;
			}
			ph->journal_fd = fd;
			ph->journal_name = strdup(name);
			return ph->journal_name ? 0 : -ENOMEM;
		}
		if (errno != EEXIST)
			break;
	}
	return srt_error_set(reterr, SRT_E_SYSTEM, errno, "cannot create placeholder journal: %s",
			     strerror(errno));
}

/* Whether errno says "this uid may not create it here": then the sandbox, which runs as the
 * same uid without any capability, cannot create it either, and no placeholder is needed. */
static bool not_creatable_errno(int e)
{
	return e == EACCES || e == EPERM || e == EROFS;
}

/* Creates one missing path component: intent record, creation, confirmation record. The
 * intent comes first so that a SIGKILL between creation and confirmation still leaves a trace
 * for the next run (which removes it only if it is still empty and was created around the
 * time of the intent). Returns 0, 1 when not creatable by this uid, or -errno. */
static int create_one(struct placeholders *ph, const char *p, bool dir, const char *content)
{
	char kind = dir ? 'D' : content ? 'C' : 'F';
	struct stat st;
	int r;

	r = journal_intent(ph, kind, p);
	if (r < 0)
		return r;
	r = placeholders_use(ph, p);
	if (r < 0)
		return r;
	if (dir) {
		if (mkdir(p, 0755) < 0)
			return not_creatable_errno(errno) ? 1 : -errno;
	} else if (content) {
		r = create_with_content(p, content);
		if (r < 0)
			return not_creatable_errno(-r) ? 1 : r;
	} else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return not_creatable_errno(errno) ? 1 : -errno;
		close(fd);
	}
	if (lstat(p, &st) < 0)
		return -errno;
	r = journal_append(ph, kind, &st, p);
	if (r < 0)
		return r;
	ph->count++;
	return 0;
}

int placeholders_create(struct placeholders *ph, const char *path, enum node_type type,
			const char *content, srt_error **reterr)
{
	_cleanup_free_ char *cur = NULL;
	char *slash;
	struct stat st;
	int r;

	r = open_journal(ph, reterr);
	if (r < 0)
		return r;

	/* Create missing ancestors first, outermost first. */
	cur = strdup(path);
	if (!cur)
		return -ENOMEM;
	for (slash = strchr(cur + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (lstat(cur, &st) < 0) {
			if (errno != ENOENT)
				goto fail;
			r = create_one(ph, cur, true, NULL);
			if (r != 0)
				goto done;
		} else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail;
		}
		*slash = '/';
	}
	if (content && (type == NODE_DIR || strcmp(content, PLACEHOLDER_COMMONDIR_SELF) != 0))
		return -EINVAL; /* journal_undo() recognises this one content only */
	r = create_one(ph, path, type == NODE_DIR, type == NODE_DIR ? NULL : content);
done:
	if (r < 0) {
		errno = -r;
		goto fail;
	}
	return r;

fail:
	return srt_error_set(reterr, SRT_E_UNSUPPORTED, errno,
			     "cannot protect '%s', which does not exist yet: creating its mount "
			     "point failed: %s",
			     path, strerror(errno));
}

struct placeholders *placeholders_close(struct placeholders *ph)
{
	if (!ph)
		return NULL;
	if (ph->journal_fd >= 0 && ph->lock_fd >= 0) {
		/* Our own placeholders: removed now unless another sandbox mounts them. */
		if (journal_undo(ph->dir_fd, ph->lock_fd, ph->journal_name))
			(void)unlinkat(ph->dir_fd, ph->journal_name, 0);
	}
	if (ph->journal_fd >= 0)
		close(ph->journal_fd);
	if (ph->lock_fd >= 0) {
		/* Releasing our read locks may have freed placeholders of dead runs. */
		cleanup_dead_journals(ph);
		close(ph->lock_fd);
	}
	if (ph->dir_fd >= 0)
		close(ph->dir_fd);
	free(ph->journal_name);
	free(ph);
	return NULL;
}
