/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-exec --status FD [--seccomp FD] [--landlock FD] -- COMMAND [ARGS...]
 *
 * Runs inside the sandbox as the last step before the command (bubblewrap executes it in place
 * of the command), after bubblewrap has built every mount. In this order it:
 *
 *  1. applies the Landlock layer described by the spec in --landlock FD (landlock-spec.h): the
 *     write rights only below the write roots, TCP connect only to the listed ports and bind to
 *     none, abstract unix sockets and signals scoped to the sandbox, each as far as the kernel's
 *     ABI allows; with "require 1" any part it cannot apply stops it;
 *  2. with --seccomp FD, installs srt's seccomp filter once more, with a user-notification
 *     listener (SECCOMP_FILTER_FLAG_NEW_LISTENER): the calls srt observes return USER_NOTIF,
 *     and srt answers every one with EPERM after recording it (if srt is gone the kernel
 *     fails them with ENOSYS), so the listener reports, it does not decide;
 *  3. sends srt its status (landlock-spec.h: ABI, parts applied, error) over --status FD, the
 *     listener, a pidfd of itself and descriptors of its user and mount namespaces attached
 *     (the creation guard's helper joins this process's namespaces through the pidfd and
 *     checks that they are these, the sandbox's, whatever the command does after execve),
 *     and executes the command, which inherits both layers.
 *
 * srt-exec --guard ... is a different program sharing this binary: the creation guard's
 * helper, started by srt on the host (guard-helper.c).
 *
 * Fails closed: if anything here fails the command is not run (status 125, one line on
 * stderr, and the status with the error sent to srt when possible). Standalone, libc only
 * (with the pure landlock-spec.c compiled in), so that nothing more than this runs inside.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guard-helper.h"
#include "shared/fdpass.h"
#include "landlock-abi.h"
#include "landlock-spec.h"

#define MAX_INSNS 4096 /* BPF_MAXINSNS */

static int status_sock = -1;
static struct landlock_status status;

/* gfds: a pidfd of this process, its user and its mount namespace (all or none) */
static void send_status(int listener, const int gfds[3])
{
	unsigned char msg[LANDLOCK_STATUS_SIZE];
	int fds[4] = {listener, gfds[0], gfds[1], gfds[2]};
	ssize_t n;

	landlock_status_encode(&status, msg);
	n = fd_send(status_sock, msg, sizeof(msg), fds,
		    listener < 0 ? 0 : gfds[0] < 0 || gfds[1] < 0 || gfds[2] < 0 ? 1 : 4);
	if (n != (ssize_t)sizeof(msg)) {
		fprintf(stderr, "srt-exec: sending the status to srt: %s\n",
			strerror(n < 0 ? (int)-n : EIO));
		_exit(125);
	}
}

static void die(const char *what, int err)
{
	fprintf(stderr, "srt-exec: %s: %s\n", what, strerror(err));
	if (status_sock >= 0 && !status.error) {
		status.error = err > 0 && err < 4096 ? err : EIO;
		status.applied = 0;
		send_status(-1, (const int[3]){-1, -1, -1});
	}
	_exit(125);
}

static int parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 3 || v > 1 << 20)
		return -1;
	return (int)v;
}

/* The whole content of a sealed memfd (or file), at most max bytes, NUL-safe. */
static char *read_fd(int fd, size_t max, size_t *ret_len)
{
	struct stat st;
	char *p;
	size_t len = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		die("reading srt's description", errno);
	if (st.st_size < 0 || (size_t)st.st_size > max)
		die("reading srt's description", E2BIG);
	p = malloc((size_t)st.st_size + 1);
	if (!p)
		die("reading srt's description", ENOMEM);
	while (len < (size_t)st.st_size) {
		n = pread(fd, p + len, (size_t)st.st_size - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("reading srt's description", n < 0 ? errno : EIO);
		len += (size_t)n;
	}
	*ret_len = len;
	return p;
}

#define LL_WRITE_DIR                                                                               \
	(SRT_LL_FS_WRITE_FILE | SRT_LL_FS_REMOVE_DIR | SRT_LL_FS_REMOVE_FILE |                     \
	 SRT_LL_FS_MAKE_CHAR | SRT_LL_FS_MAKE_DIR | SRT_LL_FS_MAKE_REG | SRT_LL_FS_MAKE_SOCK |     \
	 SRT_LL_FS_MAKE_FIFO | SRT_LL_FS_MAKE_BLOCK | SRT_LL_FS_MAKE_SYM | SRT_LL_FS_REFER)
#define LL_WRITE_FILE (SRT_LL_FS_WRITE_FILE) /* a rule on a file takes file rights only */

static uint64_t fs_rights(unsigned parts, bool dir)
{
	uint64_t a = dir ? LL_WRITE_DIR : LL_WRITE_FILE;

	if (parts & LL_PART_TRUNCATE)
		a |= SRT_LL_FS_TRUNCATE;
	if (parts & LL_PART_IOCTL_DEV)
		a |= SRT_LL_FS_IOCTL_DEV;
	return a;
}

static void add_path_rule(int ruleset, int fd, unsigned parts, bool dir, const char *what)
{
	struct srt_ll_path_beneath_attr pb = {.allowed_access = fs_rights(parts, dir),
					      .parent_fd = fd};

	if (syscall(__NR_landlock_add_rule, ruleset, SRT_LL_RULE_PATH_BENEATH, &pb, 0) < 0)
		die(what, errno);
}

/* A write root: directories get the directory rights, files (allowWrite of one file) and
 * device nodes the file rights. A root that vanished since srt planned it is skipped: that only
 * forbids more. */
static void add_root(int ruleset, const char *path, unsigned parts)
{
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path, errno);
	add_path_rule(ruleset, fd, parts, S_ISDIR(st.st_mode), path);
	close(fd);
}

/* The caller's stdout and stderr, when they are files or terminals opened for writing: a
 * program may reopen them through /dev/stdout (/proc/self/fd/N), which leads to the file on
 * the caller's mount, outside every root; it can write there through the descriptor anyway.
 * Pipes and sockets are not subject to Landlock. stdin opened read-only gets no rule, so it
 * cannot be reopened for writing. */
static void add_stdio(int ruleset, unsigned parts)
{
	struct srt_ll_path_beneath_attr pb = {.allowed_access = fs_rights(parts, false)};

	for (int i = 0; i <= 2; i++) {
		struct stat st;
		int fl = fcntl(i, F_GETFL);

		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat(i, &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
			continue;
		pb.parent_fd = i;
		/* EBADFD: a file on an internal mount (a memfd), which has no path to reopen by */
		if (syscall(__NR_landlock_add_rule, ruleset, SRT_LL_RULE_PATH_BENEATH, &pb, 0) < 0 &&
		    errno != EBADFD)
			die("a rule for the standard descriptors", errno);
	}
}

static void apply_landlock(const struct landlock_spec *sp, bool stdio)
{
	struct srt_ll_ruleset_attr ra = {0};
	size_t ra_size = SRT_LL_RULESET_ATTR_SIZE_V1;
	unsigned parts;
	int ruleset;

	status.abi = srt_ll_abi_version();
	parts = sp->parts & landlock_parts_for_abi(status.abi);
	if (sp->require && parts != sp->parts) {
		char want[160];

		landlock_parts_describe(sp->parts & ~parts, want, sizeof(want));
		fprintf(stderr,
			"srt-exec: Landlock is required but this kernel (ABI %d) cannot "
			"apply: %s\n",
			status.abi, want);
		die("Landlock", EOPNOTSUPP);
	}
	if (!parts)
		return;

	if (parts & LL_PART_FS)
		ra.handled_access_fs = fs_rights(parts, true);
	if (parts & LL_PART_NET) {
		ra.handled_access_net = SRT_LL_NET_BIND_TCP | SRT_LL_NET_CONNECT_TCP;
		ra_size = SRT_LL_RULESET_ATTR_SIZE_V4;
	}
	if (parts & LL_PART_SCOPE) {
		ra.scoped = SRT_LL_SCOPE_ABSTRACT_UNIX_SOCKET | SRT_LL_SCOPE_SIGNAL;
		ra_size = SRT_LL_RULESET_ATTR_SIZE_V6;
	}
	ruleset = (int)syscall(__NR_landlock_create_ruleset, &ra, ra_size, 0);
	if (ruleset < 0)
		die("creating the Landlock ruleset", errno);
	if (parts & LL_PART_FS) {
		for (size_t i = 0; i < sp->n_write; i++)
			add_root(ruleset, sp->write[i], parts);
		if (stdio)
			add_stdio(ruleset, parts);
	}
	if (parts & LL_PART_NET)
		for (size_t i = 0; i < sp->n_connect; i++) {
			struct srt_ll_net_port_attr np = {.allowed_access = SRT_LL_NET_CONNECT_TCP,
							  .port = sp->connect[i]};

			if (syscall(__NR_landlock_add_rule, ruleset, SRT_LL_RULE_NET_PORT, &np, 0) <
			    0)
				die("adding a Landlock port rule", errno);
		}
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0)
		die("applying the Landlock ruleset", errno);
	close(ruleset);
	status.applied = parts;
}

/* Applies the ruleset srt describes on ll_fd; stdio: with the rules for the standard
 * descriptors (the command's; the guard helper's are srt's, so it goes without them). */
static void apply_landlock_from(int ll_fd, bool stdio)
{
	struct landlock_spec sp;
	size_t len;
	char *text = read_fd(ll_fd, LANDLOCK_SPEC_MAX_SIZE, &len);
	int r = landlock_spec_parse(text, len, &sp);

	free(text);
	if (r < 0)
		die("the Landlock description from srt", -r);
	apply_landlock(&sp, stdio);
	landlock_spec_free(&sp);
}

/* For the guard helper. */
static void apply_landlock_fd(int ll_fd)
{
	apply_landlock_from(ll_fd, false);
}

static void usage(void)
{
	fprintf(stderr, "usage: srt-exec --status FD [--seccomp FD] [--landlock FD] -- COMMAND "
			"[ARGS...] (run by srt inside the sandbox)\n");
	_exit(125);
}

int main(int argc, char **argv)
{
	static struct sock_filter insns[MAX_INSNS];
	int bpf_fd = -1, ll_fd = -1, listener = -1, gfds[3] = {-1, -1, -1}, i;

	if (argc > 1 && strcmp(argv[1], "--guard") == 0)
		return guard_main(argc, argv, apply_landlock_fd);
	for (i = 1; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		int *slot = strcmp(argv[i], "--status") == 0	 ? &status_sock
			    : strcmp(argv[i], "--seccomp") == 0	 ? &bpf_fd
			    : strcmp(argv[i], "--landlock") == 0 ? &ll_fd
								 : NULL;
		if (!slot || *slot >= 0 || (*slot = parse_fd(argv[i + 1])) < 0)
			usage();
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || status_sock < 0)
		usage();
	i++;

	/* Landlock needs no_new_privs (or CAP_SYS_ADMIN, which nothing here has) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS", errno);

	status.abi = srt_ll_abi_version();
	if (ll_fd >= 0) {
		apply_landlock_from(ll_fd, true);
		close(ll_fd);
	}

	if (bpf_fd >= 0) {
		struct sock_fprog prog;
		size_t len;
		char *p = read_fd(bpf_fd, sizeof(insns), &len);

		if (len == 0 || len % sizeof(insns[0]))
			die("the filter", EINVAL);
		memcpy(insns, p, len);
		free(p);
		prog.len = (unsigned short)(len / sizeof(insns[0]));
		prog.filter = insns;
		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (listener < 0)
			die("installing the seccomp filter", errno);
		close(bpf_fd);
		/* srt's creation guard joins this process's namespaces through the pidfd (guard.h;
		 * pidfds keep the process's identity across execve) and checks that they are
		 * these, opened before the command runs: a command that makes namespaces of its
		 * own first (allowNestedUserNamespaces) is not guarded from inside them */
		gfds[0] = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (gfds[0] < 0)
			die("pidfd_open", errno);
		gfds[1] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
		if (gfds[1] < 0)
			die("opening /proc/self/ns/user", errno);
		gfds[2] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (gfds[2] < 0)
			die("opening /proc/self/ns/mnt", errno);
	}

	send_status(listener, gfds);
	if (listener >= 0)
		close(listener);
	for (int k = 0; k < 3; k++)
		if (gfds[k] >= 0)
			close(gfds[k]);
	close(status_sock);

	execvp(argv[i], argv + i);
	fprintf(stderr, "srt-exec: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
