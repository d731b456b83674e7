/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-exec BPF_FD SOCK_FD -- COMMAND [ARGS...]
 *
 * Runs inside the sandbox as the last step before the command (bubblewrap executes it in place
 * of the command). It installs srt's seccomp filter itself, with a user-notification listener
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER), hands the listener to srt over SOCK_FD (SCM_RIGHTS),
 * closes both descriptors and executes the command, which inherits the filter.
 *
 * The filter denies as it would without a listener: the calls srt observes return USER_NOTIF,
 * and srt answers every one with EPERM after recording it; srt never lets such a call through.
 * If srt is gone, the kernel fails them (ENOSYS). So the listener reports, it does not decide.
 *
 * Fails closed: if anything here fails the command is not run (status 125, one line on
 * stderr). Standalone, libc only (no libsrt), so that nothing more than this file runs
 * unfiltered inside the sandbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 4096 /* BPF_MAXINSNS */

static void die(const char *what, int err)
{
	fprintf(stderr, "srt-exec: %s: %s\n", what, strerror(err));
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

static void send_fd(int sock, int fd)
{
	char dummy = 'L';
	struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die("sending the listener to srt", n < 0 ? errno : EIO);
}

int main(int argc, char **argv)
{
	static struct sock_filter insns[MAX_INSNS];
	struct sock_fprog prog;
	struct stat st;
	int bpf_fd, sock, listener;
	ssize_t n;
	size_t len = 0;

	if (argc < 5 || strcmp(argv[3], "--") != 0 || (bpf_fd = parse_fd(argv[1])) < 0 ||
	    (sock = parse_fd(argv[2])) < 0) {
		fprintf(stderr, "usage: srt-exec BPF_FD SOCK_FD -- COMMAND [ARGS...] "
				"(run by srt inside the sandbox)\n");
		return 125;
	}
	if (fstat(bpf_fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(insns[0]) ||
	    (size_t)st.st_size > sizeof(insns))
		die("the filter", fstat(bpf_fd, &st) < 0 ? errno : EINVAL);
	while (len < (size_t)st.st_size) {
		n = pread(bpf_fd, (char *)insns + len, (size_t)st.st_size - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("reading the filter", n < 0 ? errno : EIO);
		len += (size_t)n;
	}
	prog.len = (unsigned short)(len / sizeof(insns[0]));
	prog.filter = insns;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS", errno);
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		die("installing the seccomp filter", errno);
	send_fd(sock, listener);
	close(listener);
	close(sock);
	close(bpf_fd);

	execvp(argv[4], argv + 4);
	fprintf(stderr, "srt-exec: %s: %s\n", argv[4], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
