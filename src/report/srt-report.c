/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-report.so: a report-only LD_PRELOAD shim for the sandboxed command (issue 4, filesystem
 * violations). srt binds it read-only into the private TMPDIR and names it in LD_PRELOAD.
 *
 * Every wrapper calls the real function (dlsym(RTLD_NEXT)) and returns exactly what it
 * returned, with the same errno. Only when the call failed with EACCES, EPERM or EROFS does
 * the shim describe it in one line and write that line, with raw system calls, to the FIFO
 * named by SRT_REPORT_FIFO (opened non-blocking for each report and closed again; a full FIFO
 * loses the report). Nothing is ever written to stdout or stderr, and no memory is allocated.
 *
 * Line: "F1 OP ERRNO FLAGS PATH [PATH2]\n", FLAGS in hex, paths absolute (relative ones are
 * joined to getcwd() or to /proc/self/fd/N of the directory descriptor), every byte outside
 * 0x21-0x7e and the backslash written as \xNN. A line is at most PIPE_BUF bytes, so one
 * write() is atomic; a longer one is not sent.
 *
 * The shim decides nothing and protects nothing: the mounts and the filter do. A sandboxed
 * program can unset LD_PRELOAD, make system calls directly or write lines of its own; srt
 * treats what arrives as advisory (docs/architecture.md, "Filesystem violations").
 *
 * Built without sanitizers (it is loaded into ordinary programs) and without libsrt.
 */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS /* open and open64, stat and stat64 are wrapped apart */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define LINE_MAX_BYTES PIPE_BUF
#define FIFO_MAX 512

static char fifo_path[FIFO_MAX]; /* empty: reporting off */

__attribute__((constructor)) static void srt_report_init(void)
{
	const char *f = getenv("SRT_REPORT_FIFO");
	size_t n = f ? strlen(f) : 0;

	if (n > 0 && n < sizeof(fifo_path) && f[0] == '/')
		memcpy(fifo_path, f, n + 1);
}

/* The next definition of `name` (lazily; a race only looks it up twice). */
static void *real_fn(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!p) {
		p = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	}
	return p;
}

#define REAL(name)                                                                              \
	({                                                                                      \
		static void *slot_;                                                             \
		(__typeof__(&name))real_fn(&slot_, #name);                                      \
	})

/* Calls the real function, or fails with ENOSYS if there is none (never happens with glibc). */
#define CALL(fail, name, ...)                                                                   \
	({                                                                                      \
		__typeof__(&name) f_ = REAL(name);                                              \
		f_ ? f_(__VA_ARGS__) : (errno = ENOSYS, (fail));                                \
	})

struct out {
	char *p;
	size_t len, cap;
	int overflow;
};

static void put_raw(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_str(struct out *o, const char *s)
{
	put_raw(o, s, strlen(s));
}

static void put_hex(struct out *o, unsigned long v)
{
	char b[2 * sizeof(v)];
	size_t i = sizeof(b);

	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i);
	put_raw(o, b + i, sizeof(b) - i);
}

static void put_dec(struct out *o, unsigned v)
{
	char b[12];
	size_t i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i);
	put_raw(o, b + i, sizeof(b) - i);
}

static void put_escaped(struct out *o, const char *s)
{
	for (; *s && !o->overflow; s++) {
		unsigned char c = (unsigned char)*s;

		if (c > 0x20 && c < 0x7f && c != '\\') {
			put_raw(o, (const char *)&c, 1);
		} else {
			char e[4] = {'\\', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
			put_raw(o, e, 4);
		}
	}
}

/* The path as an absolute one: relative paths joined to the directory of dirfd. */
static void put_path(struct out *o, int dirfd, const char *path)
{
	char base[PATH_MAX];

	put_raw(o, " ", 1);
	if (path[0] != '/') {
		ssize_t n;

		if (dirfd == AT_FDCWD) {
			n = syscall(SYS_getcwd, base, sizeof(base));
			if (n > 0)
				n = (ssize_t)strlen(base);
		} else {
			char link[40];
			struct out l = {.p = link, .cap = sizeof(link) - 1};

			put_str(&l, "/proc/self/fd/");
			put_dec(&l, (unsigned)dirfd);
			link[l.len] = 0;
			n = syscall(SYS_readlinkat, AT_FDCWD, link, base, sizeof(base) - 1);
			if (n > 0)
				base[n] = 0;
		}
		if (n <= 0 || base[0] != '/') {
			o->overflow = 1; /* unknown base: no report rather than a wrong path */
			return;
		}
		put_escaped(o, base);
		if (strcmp(base, "/") != 0)
			put_raw(o, "/", 1);
	}
	put_escaped(o, path);
}

/* Reports a failed call when its errno is one the sandbox's rules cause. Keeps errno. */
static void report(const char *op, unsigned long flags, int dirfd, const char *path, int dirfd2,
		   const char *path2)
{
	int err = errno, fd;
	char line[LINE_MAX_BYTES];
	struct out o = {.p = line, .cap = sizeof(line)};

	if (!fifo_path[0] || !path || !path[0] ||
	    (err != EACCES && err != EPERM && err != EROFS))
		return;
	put_str(&o, "F1 ");
	put_str(&o, op);
	put_raw(&o, " ", 1);
	put_dec(&o, (unsigned)err);
	put_raw(&o, " ", 1);
	put_hex(&o, flags);
	put_path(&o, dirfd, path);
	if (path2 && path2[0])
		put_path(&o, dirfd2, path2);
	put_raw(&o, "\n", 1);
	if (!o.overflow) {
		fd = (int)syscall(SYS_openat, AT_FDCWD, fifo_path,
				  O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0) {
			(void)syscall(SYS_write, fd, line, o.len);
			(void)syscall(SYS_close, fd);
		}
	}
	errno = err;
}

/* ---- opening ---------------------------------------------------------------------------- */

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, unsigned)
								   : 0;
}

#define OPEN_WRAPPER(name)                                                                      \
	EXPORT int name(const char *path, int flags, ...)                                       \
	{                                                                                       \
		va_list ap;                                                                     \
		mode_t mode;                                                                    \
		int r;                                                                          \
		va_start(ap, flags);                                                            \
		mode = mode_arg(flags, ap);                                                     \
		va_end(ap);                                                                     \
		r = CALL(-1, name, path, flags, mode);                                          \
		if (r < 0)                                                                      \
			report("open", (unsigned)flags, AT_FDCWD, path, AT_FDCWD, NULL);        \
		return r;                                                                       \
	}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

#define OPENAT_WRAPPER(name)                                                                    \
	EXPORT int name(int dirfd, const char *path, int flags, ...)                            \
	{                                                                                       \
		va_list ap;                                                                     \
		mode_t mode;                                                                    \
		int r;                                                                          \
		va_start(ap, flags);                                                            \
		mode = mode_arg(flags, ap);                                                     \
		va_end(ap);                                                                     \
		r = CALL(-1, name, dirfd, path, flags, mode);                                   \
		if (r < 0)                                                                      \
			report("open", (unsigned)flags, dirfd, path, AT_FDCWD, NULL);           \
		return r;                                                                       \
	}
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

/* _FORTIFY_SOURCE entry points */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

#define OPEN2_WRAPPER(name)                                                                     \
	EXPORT int name(const char *path, int flags)                                            \
	{                                                                                       \
		int r = CALL(-1, name, path, flags);                                            \
		if (r < 0)                                                                      \
			report("open", (unsigned)flags, AT_FDCWD, path, AT_FDCWD, NULL);        \
		return r;                                                                       \
	}
OPEN2_WRAPPER(__open_2)
OPEN2_WRAPPER(__open64_2)

#define OPENAT2_WRAPPER(name)                                                                   \
	EXPORT int name(int dirfd, const char *path, int flags)                                 \
	{                                                                                       \
		int r = CALL(-1, name, dirfd, path, flags);                                     \
		if (r < 0)                                                                      \
			report("open", (unsigned)flags, dirfd, path, AT_FDCWD, NULL);           \
		return r;                                                                       \
	}
OPENAT2_WRAPPER(__openat_2)
OPENAT2_WRAPPER(__openat64_2)

#define CREAT_WRAPPER(name)                                                                     \
	EXPORT int name(const char *path, mode_t mode)                                          \
	{                                                                                       \
		int r = CALL(-1, name, path, mode);                                             \
		if (r < 0)                                                                      \
			report("open", O_WRONLY | O_CREAT | O_TRUNC, AT_FDCWD, path, AT_FDCWD,  \
			       NULL);                                                           \
		return r;                                                                       \
	}
CREAT_WRAPPER(creat)
CREAT_WRAPPER(creat64)

/* fopen's mode string as open flags (only what tells reading from writing). */
static unsigned fopen_flags(const char *mode)
{
	unsigned f;

	if (!mode)
		return 0;
	switch (mode[0]) {
	case 'w':
		f = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		f = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		f = O_RDONLY;
		break;
	}
	if (strchr(mode, '+'))
		f = (f & ~(unsigned)O_WRONLY) | O_RDWR;
	return f;
}

#define FOPEN_WRAPPER(name)                                                                     \
	EXPORT FILE *name(const char *path, const char *mode)                                   \
	{                                                                                       \
		FILE *r = CALL(NULL, name, path, mode);                                         \
		if (!r)                                                                         \
			report("open", fopen_flags(mode), AT_FDCWD, path, AT_FDCWD, NULL);      \
		return r;                                                                       \
	}
FOPEN_WRAPPER(fopen)
FOPEN_WRAPPER(fopen64)

#define FREOPEN_WRAPPER(name)                                                                   \
	EXPORT FILE *name(const char *path, const char *mode, FILE *stream)                     \
	{                                                                                       \
		FILE *r = CALL(NULL, name, path, mode, stream);                                 \
		if (!r)                                                                         \
			report("open", fopen_flags(mode), AT_FDCWD, path, AT_FDCWD, NULL);      \
		return r;                                                                       \
	}
FREOPEN_WRAPPER(freopen)
FREOPEN_WRAPPER(freopen64)

EXPORT DIR *opendir(const char *path)
{
	DIR *r = CALL(NULL, opendir, path);

	if (!r)
		report("opendir", O_RDONLY | O_DIRECTORY, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int chdir(const char *path)
{
	int r = CALL(-1, chdir, path);

	if (r < 0)
		report("chdir", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

/* ---- executing -------------------------------------------------------------------------- */

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	int r = CALL(-1, execve, path, argv, envp);

	report("exec", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int execv(const char *path, char *const argv[])
{
	int r = CALL(-1, execv, path, argv);

	report("exec", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

/* Not inlined: glibc declares the argument non-null, a NULL must still not crash here. */
__attribute__((noinline)) static int has_slash(const char *s)
{
	return s && strchr(s, '/');
}

/* execvp and execvpe search PATH for a bare name: only a name with a slash is a path. */
EXPORT int execvp(const char *file, char *const argv[])
{
	int r = CALL(-1, execvp, file, argv);

	if (has_slash(file))
		report("exec", 0, AT_FDCWD, file, AT_FDCWD, NULL);
	return r;
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	int r = CALL(-1, execvpe, file, argv, envp);

	if (has_slash(file))
		report("exec", 0, AT_FDCWD, file, AT_FDCWD, NULL);
	return r;
}

/* ---- changing names and metadata -------------------------------------------------------- */

EXPORT int mkdir(const char *path, mode_t mode)
{
	int r = CALL(-1, mkdir, path, mode);

	if (r < 0)
		report("mkdir", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	int r = CALL(-1, mkdirat, dirfd, path, mode);

	if (r < 0)
		report("mkdir", 0, dirfd, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int rmdir(const char *path)
{
	int r = CALL(-1, rmdir, path);

	if (r < 0)
		report("rmdir", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int unlink(const char *path)
{
	int r = CALL(-1, unlink, path);

	if (r < 0)
		report("unlink", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	int r = CALL(-1, unlinkat, dirfd, path, flags);

	if (r < 0)
		report((flags & AT_REMOVEDIR) ? "rmdir" : "unlink", 0, dirfd, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int rename(const char *from, const char *to)
{
	int r = CALL(-1, rename, from, to);

	if (r < 0)
		report("rename", 0, AT_FDCWD, from, AT_FDCWD, to);
	return r;
}

EXPORT int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	int r = CALL(-1, renameat, fromfd, from, tofd, to);

	if (r < 0)
		report("rename", 0, fromfd, from, tofd, to);
	return r;
}

EXPORT int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	int r = CALL(-1, renameat2, fromfd, from, tofd, to, flags);

	if (r < 0)
		report("rename", flags, fromfd, from, tofd, to);
	return r;
}

/* link and symlink: the new name is what is written (first); link's existing file second */
EXPORT int link(const char *from, const char *to)
{
	int r = CALL(-1, link, from, to);

	if (r < 0)
		report("link", 0, AT_FDCWD, to, AT_FDCWD, from);
	return r;
}

EXPORT int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	int r = CALL(-1, linkat, fromfd, from, tofd, to, flags);

	if (r < 0)
		report("link", (unsigned)flags, tofd, to, fromfd, from);
	return r;
}

EXPORT int symlink(const char *target, const char *path)
{
	int r = CALL(-1, symlink, target, path);

	if (r < 0)
		report("symlink", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int symlinkat(const char *target, int dirfd, const char *path)
{
	int r = CALL(-1, symlinkat, target, dirfd, path);

	if (r < 0)
		report("symlink", 0, dirfd, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int truncate(const char *path, off_t len)
{
	int r = CALL(-1, truncate, path, len);

	if (r < 0)
		report("truncate", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int truncate64(const char *path, off_t len)
{
	int r = CALL(-1, truncate64, path, len);

	if (r < 0)
		report("truncate", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int chmod(const char *path, mode_t mode)
{
	int r = CALL(-1, chmod, path, mode);

	if (r < 0)
		report("chmod", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	int r = CALL(-1, fchmodat, dirfd, path, mode, flags);

	if (r < 0)
		report("chmod", 0, dirfd, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int chown(const char *path, uid_t uid, gid_t gid)
{
	int r = CALL(-1, chown, path, uid, gid);

	if (r < 0)
		report("chown", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int lchown(const char *path, uid_t uid, gid_t gid)
{
	int r = CALL(-1, lchown, path, uid, gid);

	if (r < 0)
		report("chown", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	int r = CALL(-1, fchownat, dirfd, path, uid, gid, flags);

	if (r < 0)
		report("chown", 0, dirfd, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	int r = CALL(-1, utimensat, dirfd, path, times, flags);

	/* utimensat(fd, NULL, ...) works on the descriptor: no path to report (report() checks
	 * for NULL; glibc declares the argument non-null, hence -fno-delete-null-pointer-checks) */
	if (r < 0)
		report("utimes", 0, dirfd, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int utimes(const char *path, const struct timeval times[2])
{
	int r = CALL(-1, utimes, path, times);

	if (r < 0)
		report("utimes", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

EXPORT int mknod(const char *path, mode_t mode, dev_t dev)
{
	int r = CALL(-1, mknod, path, mode, dev);

	if (r < 0)
		report("mknod", 0, AT_FDCWD, path, AT_FDCWD, NULL);
	return r;
}

/* ---- looking (reads) -------------------------------------------------------------------- */

#define STAT_WRAPPER(name, type)                                                                \
	EXPORT int name(const char *path, type *buf)                                            \
	{                                                                                       \
		int r = CALL(-1, name, path, buf);                                              \
		if (r < 0)                                                                      \
			report("stat", 0, AT_FDCWD, path, AT_FDCWD, NULL);                      \
		return r;                                                                       \
	}
STAT_WRAPPER(stat, struct stat)
STAT_WRAPPER(lstat, struct stat)
STAT_WRAPPER(stat64, struct stat64)
STAT_WRAPPER(lstat64, struct stat64)

#define FSTATAT_WRAPPER(name, type)                                                             \
	EXPORT int name(int dirfd, const char *path, type *buf, int flags)                      \
	{                                                                                       \
		int r = CALL(-1, name, dirfd, path, buf, flags);                                \
		if (r < 0)                                                                      \
			report("stat", 0, dirfd, path, AT_FDCWD, NULL);                         \
		return r;                                                                       \
	}
FSTATAT_WRAPPER(fstatat, struct stat)
FSTATAT_WRAPPER(fstatat64, struct stat64)

EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	int r = CALL(-1, statx, dirfd, path, flags, mask, buf);

	if (r < 0)
		report("stat", 0, dirfd, path, AT_FDCWD, NULL);
	return r;
}

/* The versioned entry points that programs built against glibc before 2.33 call. */
int __xstat(int ver, const char *path, struct stat *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);

#define XSTAT_WRAPPER(name, type)                                                               \
	EXPORT int name(int ver, const char *path, type *buf)                                   \
	{                                                                                       \
		int r = CALL(-1, name, ver, path, buf);                                         \
		if (r < 0)                                                                      \
			report("stat", 0, AT_FDCWD, path, AT_FDCWD, NULL);                      \
		return r;                                                                       \
	}
XSTAT_WRAPPER(__xstat, struct stat)
XSTAT_WRAPPER(__lxstat, struct stat)
XSTAT_WRAPPER(__xstat64, struct stat64)
XSTAT_WRAPPER(__lxstat64, struct stat64)

#define FXSTATAT_WRAPPER(name, type)                                                            \
	EXPORT int name(int ver, int dirfd, const char *path, type *buf, int flags)             \
	{                                                                                       \
		int r = CALL(-1, name, ver, dirfd, path, buf, flags);                           \
		if (r < 0)                                                                      \
			report("stat", 0, dirfd, path, AT_FDCWD, NULL);                         \
		return r;                                                                       \
	}
FXSTATAT_WRAPPER(__fxstatat, struct stat)
FXSTATAT_WRAPPER(__fxstatat64, struct stat64)
