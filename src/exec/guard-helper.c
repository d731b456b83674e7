/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-exec --guard --sock FD --pidfd FD --userns FD --mntns FD [--landlock FD] [--deny PATTERN]... : the creation guard's
 * helper (see src/lib/linux/guard.h for the design, guard-proto.h for the messages).
 *
 * Started by srt on the host, as a fresh program (nothing inherited but the descriptors
 * named). It:
 *  1. opens /proc/self/fd of the host (to read back the real path of a descriptor later);
 *  2. joins the user and mount namespaces of the sandbox (setns on the pidfd srt-exec sent, then
 *     a check that they are the ones srt-exec opened before the command ran: the command may
 *     have made its own since), so that paths resolve as they do for it: its mounts,
 *     its root; the helper is in no pid namespace of the sandbox, so nothing there can signal
 *     or trace it;
 *  3. drops every capability (bounding, ambient, permitted, effective, inheritable), sets
 *     no_new_privs and makes itself non-dumpable, and applies the same Landlock ruleset as the
 *     command's (the standard descriptors excepted): it can do no more than the command;
 *  4. sends srt its ready message (its root's identity), then serves requests one at a time
 *     until the socket closes.
 * Each request is decided on the real path of the new name's parent directory plus the name:
 * the parent is opened as the kernel would walk it (following links), its path read back from
 * /proc, and the name matched against the deny patterns. The call is then made on the opened
 * parent with the last component never followed (O_NOFOLLOW; link and rename do not follow it
 * anyway), with the caller's umask.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "guard-proto.h"
#include "shared/fdpass.h"
#include "landlock-spec.h"
#include "path-glob.h"

#include "guard-helper.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

static struct path_glob **rules;
static size_t n_rules;
static int proc_fd = -1;

static void ready_fail(int sock, int err, const char *what)
{
	struct guard_ready g = {.magic = GUARD_MAGIC, .error = err > 0 && err < 4096 ? err : EIO};

	snprintf(g.why, sizeof(g.why), "%s: %s", what, strerror(err));
	fprintf(stderr, "srt-exec --guard: %s\n", g.why);
	(void)send(sock, &g, sizeof(g), MSG_NOSIGNAL);
	_exit(125);
}

static int drop_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	/* check */
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (d[0].effective || d[0].permitted || d[0].inheritable || d[1].effective ||
	    d[1].permitted || d[1].inheritable)
		return -EPERM;
	return 0;
}

/* Is our namespace `name` (ns_dir: our /proc/self/ns, opened before setns) the one fd is? */
static bool same_ns(int ns_dir, const char *name, int fd)
{
	struct stat a, b;

	return fstatat(ns_dir, name, &a, 0) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Is `path`, walked from our root without following any link, the directory fd is (device,
 * inode and mount)? A descriptor the caller holds can come from a mount namespace of its own
 * (allowNestedUserNamespaces: a bind mount, or a detached tree from open_tree()), where the path
 * read back from /proc names another directory in ours: deciding on that path would be
 * deciding on a directory that is not the one the file is created in. */
static bool same_dir_at(int fd, const char *path)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	struct statx a, b;
	int pfd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	bool same;

	if (pfd < 0)
		return false;
	same = statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &a) == 0 &&
	       statx(pfd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &b) == 0 &&
	       (a.stx_mask & STATX_MNT_ID) && (b.stx_mask & STATX_MNT_ID) &&
	       a.stx_dev_major == b.stx_dev_major && a.stx_dev_minor == b.stx_dev_minor &&
	       a.stx_ino == b.stx_ino && a.stx_mnt_id == b.stx_mnt_id;
	close(pfd);
	return same;
}

/* The real path of descriptor fd, as the helper (in the sandbox's mount namespace) sees it. */
static int fd_path(int fd, char *out)
{
	char num[16];
	ssize_t n;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_nlink == 0)
		return -ENOENT; /* a removed directory: nothing can be created in it */
	snprintf(num, sizeof(num), "%d", fd);
	n = readlinkat(proc_fd, num, out, GUARD_PATH_MAX);
	if (n < 0)
		return -errno;
	if (n >= GUARD_PATH_MAX)
		return -ENAMETOOLONG;
	out[n] = '\0';
	/* outside our root, or not a path */
	if (out[0] != '/')
		return -EACCES;
	return same_dir_at(fd, out) ? 0 : -EACCES;
}

/* Resolves the parent of `path` (from dirfd) into *ret_pfd, the final name into name and
 * parent path + name into full. */
static int resolve(int dirfd, const char *path, int *ret_pfd, char *name, char *full,
		   bool *ret_slash)
{
	char parent[GUARD_PATH_MAX], real[GUARD_PATH_MAX];
	int pfd, r;

	r = guard_split(path, parent, name, ret_slash);
	if (r < 0)
		return r;
	pfd = openat(dirfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	r = fd_path(pfd, real);
	if (r >= 0 && name[0] && strcmp(name, ".") && strcmp(name, ".."))
		r = guard_join(real, name, full);
	else if (r >= 0)
		memcpy(full, real, strlen(real) + 1);
	if (r < 0) {
		close(pfd);
		return r;
	}
	*ret_pfd = pfd;
	return 0;
}

static bool no_new_name(const char *name)
{
	return !name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static void deny(struct guard_resp *p, int rule, const char *full, const char *why)
{
	p->result = -EACCES;
	p->denied = 1;
	p->rule = rule;
	snprintf(p->path, sizeof(p->path), "%s", full);
	snprintf(p->why, sizeof(p->why), "%s", why);
}

/* Does a deny pattern match the new name `full`? Then p says so and -EACCES; else 0. */
static int refused(struct guard_resp *p, const char *full)
{
	int rule = guard_check_name(rules, n_rules, full);

	if (rule < 0)
		return 0;
	deny(p, rule, full, "a deny pattern matches the new name");
	return -EACCES;
}

static int do_open(const struct guard_req *q, int pfd, const char *name, bool slash,
		   const char *full, struct guard_resp *p)
{
	int flags = (int)q->flags & ~O_CLOEXEC, fd, rule;

	if (flags & O_PATH) {
		/* the kernel ignores O_CREAT with O_PATH: nothing is created, open as asked */
		fd = openat(pfd, name[0] ? name : ".", flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (no_new_name(name) || slash)
		return -EISDIR;
	if ((flags & O_DIRECTORY) && (flags & O_CREAT))
		return -EINVAL;
	rule = guard_check_name(rules, n_rules, full);
	if (rule >= 0) {
		/* an existing file is only opened; nothing new gets the name */
		if (!(flags & O_EXCL)) {
			fd = openat(pfd, name, (flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 && errno == ELOOP && !(flags & O_NOFOLLOW))
				fd = openat(pfd, name, (flags & ~O_CREAT) | O_CLOEXEC);
			if (fd >= 0)
				return fd;
			/* it exists (a read-only or hidden mount says no): the kernel's answer */
			if (errno != ENOENT)
				return -errno;
		}
		deny(p, rule, full, "a deny pattern matches the new name");
		return -EACCES;
	}
	umask((mode_t)q->umask);
	fd = openat(pfd, name, flags | O_NOFOLLOW | O_CLOEXEC, (mode_t)q->mode);
	if (fd < 0 && errno == ELOOP && !(flags & O_NOFOLLOW)) {
		/* the last component is a symbolic link: open what it points to if that exists;
		 * create nothing through it (where it points was not decided on) */
		fd = openat(pfd, name, (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			deny(p, -1, full,
			     "O_CREAT through a dangling symbolic link is refused by the guard");
			return -EACCES;
		}
		if (fd >= 0 && (flags & O_EXCL)) {
			close(fd);
			return -EEXIST;
		}
	}
	return fd < 0 ? -errno : fd;
}

static int serve(const struct guard_req *q, int dir1, int dir2, struct guard_resp *p)
{
	char name[GUARD_PATH_MAX], full[GUARD_PATH_MAX];
	char name2[GUARD_PATH_MAX], full2[GUARD_PATH_MAX];
	int pfd = -1, pfd2 = -1, r, rule;
	bool slash, slash2;

	r = resolve(dir1 >= 0 ? dir1 : AT_FDCWD, q->path1, &pfd, name, full, &slash);
	if (r < 0)
		return r;
	switch (q->op) {
	case GUARD_OP_OPEN:
		r = do_open(q, pfd, name, slash, full, p);
		break;
	case GUARD_OP_MKDIR:
		if (no_new_name(name)) {
			r = -EEXIST;
			break;
		}
		if ((r = refused(p, full)) < 0)
			break;
		umask((mode_t)q->umask);
		r = mkdirat(pfd, name, (mode_t)q->mode) < 0 ? -errno : 0;
		break;
	case GUARD_OP_MKNOD:
	case GUARD_OP_SYMLINK:
		if (no_new_name(name) || slash) {
			r = no_new_name(name) ? -EEXIST : -ENOENT;
			break;
		}
		if ((r = refused(p, full)) < 0)
			break;
		umask((mode_t)q->umask);
		if (q->op == GUARD_OP_MKNOD)
			r = mknodat(pfd, name, (mode_t)q->mode, (dev_t)q->dev) < 0 ? -errno : 0;
		else
			r = symlinkat(q->path2, pfd, name) < 0 ? -errno : 0;
		break;
	case GUARD_OP_LINK:
		if (no_new_name(name)) {
			r = -EEXIST;
			break;
		}
		if ((r = refused(p, full)) < 0)
			break;
		if (q->flags & AT_EMPTY_PATH) {
			/* the file behind the descriptor (an O_TMPFILE file): linkat(AT_EMPTY_PATH)
			 * would want the opener's credentials (Linux 6.10) or CAP_DAC_READ_SEARCH;
			 * /proc/self/fd/N with AT_SYMLINK_FOLLOW is what anyone may do */
			char num[16];

			if (dir2 < 0 || q->path2[0]) {
				r = -EINVAL;
				break;
			}
			snprintf(num, sizeof(num), "%d", dir2);
			r = linkat(proc_fd, num, pfd, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
			break;
		}
		r = linkat(dir2 >= 0 ? dir2 : AT_FDCWD, q->path2, pfd, name,
			   (int)q->flags & AT_SYMLINK_FOLLOW) < 0
			    ? -errno
			    : 0;
		break;
	case GUARD_OP_RENAME:
		if (no_new_name(name)) {
			r = -EBUSY;
			break;
		}
		r = resolve(dir2 >= 0 ? dir2 : AT_FDCWD, q->path2, &pfd2, name2, full2, &slash2);
		if (r < 0)
			break;
		if (no_new_name(name2)) {
			r = -EBUSY;
			break;
		}
		rule = guard_check_move(rules, n_rules, full2, full);
		if (rule >= 0) {
			deny(p, rule, full, "a deny pattern matches the new name or could match below it");
			r = -EACCES;
			break;
		}
		if (q->flags & RENAME_EXCHANGE) {
			rule = guard_check_move(rules, n_rules, full, full2);
			if (rule >= 0) {
				deny(p, rule, full2,
				     "a deny pattern matches the new name or could match below it");
				r = -EACCES;
				break;
			}
		}
		/* a trailing slash on either side: the kernel wants directories; keep it */
		{
			char n1[GUARD_PATH_MAX + 1], n2[GUARD_PATH_MAX + 1];

			snprintf(n1, sizeof(n1), "%s%s", name, slash ? "/" : "");
			snprintf(n2, sizeof(n2), "%s%s", name2, slash2 ? "/" : "");
			r = (int)syscall(SYS_renameat2, pfd2, n2, pfd, n1, q->flags) < 0 ? -errno : 0;
		}
		break;
	default:
		r = -EINVAL;
	}
	if (pfd >= 0)
		close(pfd);
	if (pfd2 >= 0)
		close(pfd2);
	return r;
}

static void send_resp(int sock, struct guard_resp *p, int fd)
{
	if (fd_send(sock, p, sizeof(*p), &fd, fd >= 0 ? 1 : 0) != (ssize_t)sizeof(*p))
		_exit(0); /* srt is gone */
}

static void loop(int sock)
{
	static struct guard_req q;
	static struct guard_resp p;

	for (;;) {
		struct iovec iov = {.iov_base = &q, .iov_len = sizeof(q)};
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(2 * sizeof(int))];
		} u;
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = u.buf,
				   .msg_controllen = sizeof(u.buf)};
		int fds[2] = {-1, -1}, nfds = 0, want, r;
		ssize_t n;

		memset(&u, 0, sizeof(u));
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				for (size_t i = 0; i < k; i++) {
					int fd;

					memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
					if (nfds < 2)
						fds[nfds++] = fd;
					else
						close(fd);
				}
			}
		memset(&p, 0, sizeof(p));
		p.magic = GUARD_MAGIC;
		p.rule = -1;
		want = guard_req_valid(&q, (size_t)n) ? (int)(q.has_dir1 + q.has_dir2) : -1;
		if (want != nfds || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
			p.result = -EINVAL;
			r = -1;
		} else {
			int d1 = q.has_dir1 ? fds[0] : -1;
			int d2 = q.has_dir2 ? fds[q.has_dir1 ? 1 : 0] : -1;

			r = serve(&q, d1, d2, &p);
			p.result = r < 0 ? r : (q.op == GUARD_OP_OPEN ? 0 : r);
			p.has_fd = r >= 0 && q.op == GUARD_OP_OPEN;
		}
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		send_resp(sock, &p, p.has_fd ? r : -1);
		if (p.has_fd)
			close(r);
	}
}

int guard_main(int argc, char **argv, void (*apply)(int ll_fd))
{
	int sock = -1, pidfd = -1, userns = -1, mntns = -1, ll_fd = -1, ns_dir;
	struct guard_ready g = {.magic = GUARD_MAGIC};
	struct statx sx;
	pid_t parent;
	int r;

	rules = calloc((size_t)argc, sizeof(*rules));
	if (!rules)
		return 125;
	for (int i = 2; i + 1 < argc; i += 2) {
		char *end;
		long v;

		if (strcmp(argv[i], "--deny") == 0) {
			const char *why = NULL;

			if (n_rules >= GUARD_MAX_RULES ||
			    path_glob_compile(argv[i + 1], &rules[n_rules], &why) < 0) {
				fprintf(stderr, "srt-exec --guard: bad pattern '%s': %s\n", argv[i + 1],
					why ? why : "too many");
				return 125;
			}
			n_rules++;
			continue;
		}
		errno = 0;
		v = strtol(argv[i + 1], &end, 10);
		if (errno || end == argv[i + 1] || *end || v < 3 || v > 1 << 20)
			return 125;
		if (strcmp(argv[i], "--sock") == 0)
			sock = (int)v;
		else if (strcmp(argv[i], "--pidfd") == 0)
			pidfd = (int)v;
		else if (strcmp(argv[i], "--userns") == 0)
			userns = (int)v;
		else if (strcmp(argv[i], "--mntns") == 0)
			mntns = (int)v;
		else if (strcmp(argv[i], "--landlock") == 0)
			ll_fd = (int)v;
		else
			return 125;
	}
	if (sock < 0 || pidfd < 0 || userns < 0 || mntns < 0) {
		fprintf(stderr, "usage: srt-exec --guard --sock FD --pidfd FD --userns FD --mntns FD "
				"[--landlock FD] "
				"[--deny PATTERN]... (run by srt)\n");
		return 125;
	}

	/* No controlling terminal: the helper must never open srt's terminal for a command that
	 * opens /dev/tty (the sandbox runs in a session of its own, without srt's). Not a
	 * session leader (srt made it a process group leader), so TIOCNOTTY detaches just it. */
	{
		int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

		if (tty >= 0) {
			if (ioctl(tty, TIOCNOTTY) < 0)
				ready_fail(sock, errno, "TIOCNOTTY");
			close(tty);
			tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (tty >= 0)
				ready_fail(sock, EBUSY, "still a controlling terminal after TIOCNOTTY");
		}
	}
	parent = getppid();
	proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		ready_fail(sock, errno, "opening /proc/self/fd");
	/* one setns() for both (joined separately, the mount namespace would be checked against
	 * the sandbox's user namespace, bwrap's inner one, which does not own it) */
	ns_dir = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns_dir < 0)
		ready_fail(sock, errno, "opening /proc/self/ns");
	if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0)
		ready_fail(sock, errno, "joining the sandbox's namespaces");
	close(pidfd);
	if (!same_ns(ns_dir, "user", userns) || !same_ns(ns_dir, "mnt", mntns))
		ready_fail(sock, EPERM, "the command's namespaces are not the sandbox's any more");
	close(ns_dir);
	close(userns);
	close(mntns);
	if (chdir("/") < 0)
		ready_fail(sock, errno, "chdir /");
	r = drop_caps();
	if (r < 0)
		ready_fail(sock, -r, "dropping capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		ready_fail(sock, errno, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		ready_fail(sock, errno, "PR_SET_DUMPABLE");
	/* srt armed PDEATHSIG, but changing credentials (the user namespace, the capabilities)
	 * cleared it; a helper stuck in a call (a FIFO) must not outlive srt */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		ready_fail(sock, errno, "PR_SET_PDEATHSIG");
	if (getppid() != parent)
		_exit(0);
	if (ll_fd >= 0) {
		apply(ll_fd); /* exits 125 on failure: srt sees no ready message */
		close(ll_fd);
	}
	if (statx(AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID, &sx) < 0)
		ready_fail(sock, errno, "statx /");
	if (!(sx.stx_mask & STATX_MNT_ID))
		ready_fail(sock, EOPNOTSUPP, "statx gives no mount id");
	g.root_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	g.root_ino = sx.stx_ino;
	g.root_mnt_id = sx.stx_mnt_id;
	if (send(sock, &g, sizeof(g), MSG_NOSIGNAL) != (ssize_t)sizeof(g))
		return 125;
	loop(sock);
	return 0;
}
