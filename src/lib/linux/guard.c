/* SPDX-License-Identifier: Apache-2.0 */
/* The creation guard, srt's side: see guard.h. */
#include "linux/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard-proto.h"
#include "shared/fdpass.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef SECCOMP_IOCTL_NOTIF_ADDFD
#error "seccomp ADDFD is required (Linux 5.9 headers)"
#endif

struct guard {
	int sock;
	pid_t pid;
	uint64_t root_dev, root_ino, root_mnt;
	guard_report_fn fn;
	void *ud;
	struct guard_req req;
	struct guard_resp resp;
};

enum call_kind { C_NONE, C_OPEN, C_OPENAT, C_CREAT, C_MKDIR, C_MKDIRAT, C_MKNOD, C_MKNODAT,
		 C_RENAME, C_RENAMEAT, C_RENAMEAT2, C_LINK, C_LINKAT, C_SYMLINK, C_SYMLINKAT };

static const struct {
	const char *name;
	enum call_kind kind;
} calls[] = {
	{"open", C_OPEN},	  {"openat", C_OPENAT},	    {"creat", C_CREAT},
	{"mkdir", C_MKDIR},	  {"mkdirat", C_MKDIRAT},   {"mknod", C_MKNOD},
	{"mknodat", C_MKNODAT},	  {"rename", C_RENAME},	    {"renameat", C_RENAMEAT},
	{"renameat2", C_RENAMEAT2}, {"link", C_LINK},	    {"linkat", C_LINKAT},
	{"symlink", C_SYMLINK},	  {"symlinkat", C_SYMLINKAT},
};

int guard_attach(int sock, pid_t pid, guard_report_fn fn, void *ud, struct guard **ret,
		 char *why, size_t size)
{
	struct guard_ready ready;
	struct guard *g;
	ssize_t n;

	do
		n = recv(sock, &ready, sizeof(ready), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		snprintf(why, size, "no answer from the guard helper: %s", strerror(e));
		close(sock);
		return -e;
	}
	if (n == 0) {
		snprintf(why, size, "the guard helper exited before it was ready (see its message)");
		close(sock);
		return -ECHILD;
	}
	if (!guard_ready_valid(&ready, (size_t)n)) {
		snprintf(why, size, "malformed ready message from the guard helper");
		close(sock);
		return -EBADMSG;
	}
	if (ready.error) {
		snprintf(why, size, "%s", ready.why);
		close(sock);
		return -ready.error;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		close(sock);
		return -ENOMEM;
	}
	g->sock = sock;
	g->pid = pid;
	g->root_dev = ready.root_dev;
	g->root_ino = ready.root_ino;
	g->root_mnt = ready.root_mnt_id;
	g->fn = fn;
	g->ud = ud;
	*ret = g;
	return 0;
}

void guard_kill(struct guard *g)
{
	if (g && g->pid > 0)
		(void)kill(g->pid, SIGKILL); /* a zombie until guard_free() reaps it: no reuse */
}

struct guard *guard_free(struct guard *g)
{
	if (!g)
		return NULL;
	close(g->sock);
	if (g->pid > 0) {
		(void)kill(g->pid, SIGKILL);
		(void)waitpid(g->pid, NULL, 0);
	}
	free(g);
	return NULL;
}

static bool compat_arch(uint32_t arch)
{
	return arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_X32 || arch == SCMP_ARCH_ARM;
}

/* A NUL-terminated string of at most GUARD_PATH_MAX bytes (NUL included) from the caller's
 * memory, read page by page (a string may end just before an unmapped page). */
static int read_string(pid_t tid, uint64_t addr, char *out)
{
	size_t got = 0;
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		page = 4096;
	if (addr == 0)
		return -EFAULT;
	while (got < GUARD_PATH_MAX) {
		uint64_t a = addr + got;
		size_t chunk = (size_t)page - (size_t)(a % (uint64_t)page);
		struct iovec local, remote;
		ssize_t n;
		char *nul;

		if (chunk > GUARD_PATH_MAX - got)
			chunk = GUARD_PATH_MAX - got;
		local = (struct iovec){.iov_base = out + got, .iov_len = chunk};
		remote = (struct iovec){.iov_base = (void *)(uintptr_t)a, .iov_len = chunk};
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return n < 0 && errno != EFAULT ? -errno : -EFAULT;
		nul = memchr(out + got, '\0', (size_t)n);
		if (nul)
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/* A descriptor for the caller's dirfd (or working directory): an O_PATH open of its /proc link
 * (the same mount and directory; srt is the sandbox's ancestor and owns its user namespace, so
 * it may), or pidfd_getfd() for a file that must be the very same (AT_EMPTY_PATH links). */
static int caller_fd(pid_t tid, int pidfd, int dirfd, bool same_file)
{
	char p[64];
	int fd;

	if (dirfd == AT_FDCWD) {
		snprintf(p, sizeof(p), "/proc/%d/cwd", (int)tid);
		fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (dirfd < 0)
		return -EBADF;
	if (same_file && pidfd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, dirfd, 0);
		if (fd >= 0)
			return fd;
	}
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)tid, dirfd);
	fd = open(p, O_PATH | O_CLOEXEC);
	return fd < 0 ? (errno == ENOENT ? -EBADF : -errno) : fd;
}

static int caller_umask(pid_t tid, uint32_t *ret)
{
	char p[64], buf[4096], *u, *end;
	ssize_t n;
	long v;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	u = strstr(buf, "\nUmask:\t");
	if (!u)
		return -EIO;
	errno = 0;
	v = strtol(u + 8, &end, 8);
	if (errno || end == u + 8 || *end != '\n' || v < 0 || v > 0777)
		return -EIO;
	*ret = (uint32_t)v;
	return 0;
}

/* Is the caller's root the sandbox's root (the helper's)? */
static int same_root(const struct guard *g, pid_t tid)
{
	char p[64];
	struct statx sx;

	snprintf(p, sizeof(p), "/proc/%d/root", (int)tid);
	if (statx(AT_FDCWD, p, 0, STATX_INO | STATX_MNT_ID, &sx) < 0)
		return -errno;
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	return makedev(sx.stx_dev_major, sx.stx_dev_minor) == g->root_dev &&
	       sx.stx_ino == g->root_ino && sx.stx_mnt_id == g->root_mnt;
}

/* "/proc/self/fd/N" or "/proc/thread-self/fd/N": N, else -1. */
static int proc_self_fd(const char *path)
{
	const char *p;
	char *end;
	long v;

	if (strncmp(path, "/proc/self/fd/", 14) == 0)
		p = path + 14;
	else if (strncmp(path, "/proc/thread-self/fd/", 21) == 0)
		p = path + 21;
	else
		return -1;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno || *end || v < 0 || v > INT32_MAX)
		return -1;
	return (int)v;
}

/* The descriptor number a path names the caller's own descriptor by: /dev/stdin, /dev/stdout,
 * /dev/stderr, /dev/fd/N, /proc/self/fd/N, /proc/thread-self/fd/N; else -1. */
static int self_fd_path(const char *path)
{
	char *end;
	long v;

	if (strcmp(path, "/dev/stdin") == 0)
		return 0;
	if (strcmp(path, "/dev/stdout") == 0)
		return 1;
	if (strcmp(path, "/dev/stderr") == 0)
		return 2;
	if (strncmp(path, "/dev/fd/", 8) == 0 && path[8] >= '0' && path[8] <= '9') {
		errno = 0;
		v = strtol(path + 8, &end, 10);
		return errno || *end || v > INT32_MAX ? -1 : (int)v;
	}
	return proc_self_fd(path);
}

/* fds[0] = the caller's descriptor n itself (pidfd_getfd), *nfds = 1, when its access mode
 * allows what flags ask; returns 1 (answer with the descriptor) or -errno. */
static int reopen_self(pid_t tid, int n, uint32_t flags, int fds[2], int *nfds)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD), fd, fl;
	bool want_w = (flags & O_ACCMODE) != O_RDONLY, want_r = (flags & O_ACCMODE) != O_WRONLY;
	struct stat st;

	if (pidfd < 0)
		return errno == ESRCH ? -ESRCH : -EPERM;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
	close(pidfd);
	if (fd < 0)
		return errno == EBADF ? -ENOENT : -EPERM;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0) {
		close(fd);
		return -EPERM;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	if ((fl & O_PATH) || (want_w && (fl & O_ACCMODE) == O_RDONLY) ||
	    (want_r && (fl & O_ACCMODE) == O_WRONLY)) {
		close(fd);
		return -EACCES;
	}
	fds[0] = fd;
	*nfds = 1;
	return 1;
}

static void answer(int listener, uint64_t id, int err)
{
	struct seccomp_notif_resp resp = {.id = id, .error = err < 0 ? err : 0, .val = 0};

	(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* Answers with a new descriptor in the caller (a copy of fd), atomically (ADDFD_FLAG_SEND). */
static void answer_fd(int listener, uint64_t id, int fd, bool cloexec)
{
	struct seccomp_notif_addfd add = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};

	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 && errno != ENOENT)
		answer(listener, id, errno == EMFILE ? -EMFILE : -EPERM);
}

/* Sends the request with its descriptors and receives the reply (and a descriptor). */
static int exchange(struct guard *g, const int *fds, int nfds, int *ret_fd)
{
	struct iovec iov;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct msghdr m;
	ssize_t n;

	*ret_fd = -1;
	if (nfds < 0 || fd_send(g->sock, &g->req, sizeof(g->req), fds, (size_t)nfds) !=
				(ssize_t)sizeof(g->req))
		return -EPIPE;

	iov = (struct iovec){.iov_base = &g->resp, .iov_len = sizeof(g->resp)};
	m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	memset(&u, 0, sizeof(u));
	do
		n = recvmsg(g->sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*ret_fd < 0)
					*ret_fd = fd;
				else
					close(fd);
			}
		}
	if (n <= 0 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    !guard_resp_valid(&g->resp, (size_t)n) || (g->resp.has_fd != (*ret_fd >= 0))) {
		if (*ret_fd >= 0)
			close(*ret_fd);
		*ret_fd = -1;
		return -EPROTO;
	}
	return 0;
}

/* Fills g->req and the descriptors for the call; returns 0 or -errno (the caller's answer). */
static int prepare(struct guard *g, const struct seccomp_notif *req, enum call_kind k,
		   int fds[2], int *nfds, bool *cloexec)
{
	const __u64 *a = req->data.args;
	bool compat = compat_arch(req->data.arch);
	pid_t tid = (pid_t)req->pid;
	struct guard_req *q = &g->req;
	int dir1 = AT_FDCWD, dir2 = AT_FDCWD, pidfd = -1, r;
	uint64_t p1 = 0, p2 = 0;
	bool has2 = false, same2 = false;

#define PTR(i) (compat ? (uint64_t)(uint32_t)a[i] : a[i])
#define INT(i) ((int)(uint32_t)a[i])
	memset(q, 0, sizeof(*q));
	q->magic = GUARD_MAGIC;
	switch (k) {
	case C_OPEN:
	case C_OPENAT:
	case C_CREAT: {
		int base = k == C_OPENAT ? 1 : 0;

		q->op = GUARD_OP_OPEN;
		if (k == C_OPENAT)
			dir1 = INT(0);
		p1 = PTR(base);
		q->flags = k == C_CREAT ? (uint32_t)(O_CREAT | O_WRONLY | O_TRUNC)
					: (uint32_t)a[base + 1];
		q->mode = (uint32_t)a[k == C_CREAT ? 1 : base + 2] & 07777;
		*cloexec = q->flags & O_CLOEXEC;
		q->flags &= ~(uint32_t)O_CLOEXEC;
		break;
	}
	case C_MKDIR:
	case C_MKDIRAT:
		q->op = GUARD_OP_MKDIR;
		if (k == C_MKDIRAT)
			dir1 = INT(0);
		p1 = PTR(k == C_MKDIRAT);
		q->mode = (uint32_t)a[k == C_MKDIRAT ? 2 : 1] & 07777;
		break;
	case C_MKNOD:
	case C_MKNODAT:
		q->op = GUARD_OP_MKNOD;
		if (k == C_MKNODAT)
			dir1 = INT(0);
		p1 = PTR(k == C_MKNODAT);
		q->mode = (uint32_t)a[k == C_MKNODAT ? 2 : 1];
		q->dev = (uint32_t)a[k == C_MKNODAT ? 3 : 2];
		break;
	case C_RENAME:
	case C_LINK:
		q->op = k == C_RENAME ? GUARD_OP_RENAME : GUARD_OP_LINK;
		p2 = PTR(0);
		p1 = PTR(1);
		has2 = true;
		break;
	case C_RENAMEAT:
	case C_RENAMEAT2:
	case C_LINKAT:
		q->op = k == C_LINKAT ? GUARD_OP_LINK : GUARD_OP_RENAME;
		dir2 = INT(0);
		p2 = PTR(1);
		dir1 = INT(2);
		p1 = PTR(3);
		q->flags = k == C_RENAMEAT ? 0 : (uint32_t)a[4];
		has2 = true;
		break;
	case C_SYMLINK:
	case C_SYMLINKAT:
		q->op = GUARD_OP_SYMLINK;
		p2 = PTR(0);
		if (k == C_SYMLINKAT)
			dir1 = INT(1);
		p1 = PTR(k == C_SYMLINKAT ? 2 : 1);
		break;
	default:
		return -ENOSYS;
	}
#undef PTR
#undef INT
	if (q->op == GUARD_OP_LINK && (q->flags & ~(uint32_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;

	r = read_string(tid, p1, q->path1);
	if (r < 0)
		return r;
	if (p2 || q->op == GUARD_OP_SYMLINK || has2) {
		r = read_string(tid, p2, q->path2);
		if (r < 0)
			return r;
	}
	/* link(/proc/self/fd/N) without AT_SYMLINK_FOLLOW links the magic link itself: EXDEV
	 * from the kernel; the helper has no /proc/self in the sandbox's /proc */
	if (q->op == GUARD_OP_LINK && !(q->flags & (AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) &&
	    proc_self_fd(q->path2) >= 0)
		return -EXDEV;
	/* link(/proc/self/fd/N): the file behind the caller's descriptor N */
	if (q->op == GUARD_OP_LINK && (q->flags & AT_SYMLINK_FOLLOW)) {
		int n = proc_self_fd(q->path2);

		if (n >= 0) {
			dir2 = n;
			q->path2[0] = '\0';
			q->flags = AT_EMPTY_PATH;
		}
	}
	if (q->op == GUARD_OP_LINK && (q->flags & AT_EMPTY_PATH)) {
		if (q->path2[0])
			q->flags &= ~(uint32_t)AT_EMPTY_PATH; /* ignored by the kernel then */
		else
			same2 = true;
	}
	if (q->op == GUARD_OP_LINK && !(q->flags & AT_EMPTY_PATH) && !q->path2[0])
		return -ENOENT;

	/* An O_CREAT open of the caller's own descriptor by name (`> /dev/stderr`): the helper
	 * is in no pid namespace of the sandbox, its /proc/self names nothing there. The name
	 * creates nothing; answer with the caller's own file (dup semantics: no new open, so no
	 * O_TRUNC, the same offset and flags), and only when it allows the asked access. */
	if (q->op == GUARD_OP_OPEN && self_fd_path(q->path1) >= 0) {
		*nfds = 0;
		return reopen_self(tid, self_fd_path(q->path1), q->flags, fds, nfds);
	}
	r = same_root(g, tid);
	if (r < 0)
		return r;
	if (r == 0) {
		if (g->fn)
			g->fn(g->ud, q->path1, "create", -1,
			      "the calling process has another root or mount namespace than the "
			      "sandbox's; the creation guard refuses its creations");
		return -EACCES;
	}
	r = caller_umask(tid, &q->umask);
	if (r < 0)
		return r;

	if (same2) {
		pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
		/* without a pidfd, the /proc link is the same file too (an O_PATH open) */
	}
	*nfds = 0;
	if (q->path1[0] != '/') {
		r = caller_fd(tid, -1, dir1, false);
		if (r < 0)
			goto out;
		fds[(*nfds)++] = r;
		q->has_dir1 = 1;
	}
	if (has2 && (q->path2[0] != '/' || same2)) {
		r = caller_fd(tid, pidfd, dir2, same2);
		if (r < 0)
			goto out;
		fds[(*nfds)++] = r;
		q->has_dir2 = 1;
	}
	r = 0;
out:
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

bool guard_handle(struct guard *g, int listener, const struct seccomp_notif *req)
{
	char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
	enum call_kind k = C_NONE;
	int fds[2] = {-1, -1}, nfds = 0, fd = -1, r;
	bool cloexec = false;

	for (size_t i = 0; name && i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(name, calls[i].name) == 0)
			k = calls[i].kind;
	if (k == C_NONE || !g) {
		free(name);
		if (k != C_NONE) /* a guarded call and no guard: refuse */
			answer(listener, req->id, -EPERM);
		return k != C_NONE;
	}

	r = prepare(g, req, k, fds, &nfds, &cloexec);
	/* everything read from the caller is in hand: is it still the same waiting call? */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		goto done; /* the caller is gone (or was interrupted): nothing to answer */
	if (r < 0) {
		answer(listener, req->id, r);
		goto done;
	}
	if (r == 1) { /* the caller's own descriptor (reopen_self()) */
		answer_fd(listener, req->id, fds[0], cloexec);
		goto done;
	}
	r = exchange(g, fds, nfds, &fd);
	if (r < 0) {
		answer(listener, req->id, -EPERM);
		goto done;
	}
	if (g->resp.denied && g->fn)
		g->fn(g->ud, g->resp.path, name, g->resp.rule, g->resp.why);
	if (g->resp.has_fd)
		answer_fd(listener, req->id, fd, cloexec);
	else if (g->req.op == GUARD_OP_OPEN && g->resp.result >= 0)
		answer(listener, req->id, -EPERM); /* an open that succeeded without a descriptor */
	else
		answer(listener, req->id, g->resp.result);
done:
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	free(name);
	return true;
}
