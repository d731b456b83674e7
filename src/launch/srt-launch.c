/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-launch SOCKET TOKEN -- COMMAND [ARG...]
 *
 * The program a command line from srt_manager_wrap() starts. It hands its command line,
 * environment, working directory and standard descriptors to the manager listening on SOCKET
 * (in the caller's process: the proxy, observer and placeholders live there), which runs the
 * command in a sandbox with exactly those descriptors. It then stands in for the command:
 * signals it receives are forwarded, and it exits with the command's status (the exit code,
 * or 128+N after signal N). It never runs the command itself: if the manager is gone or
 * refuses, it prints why and exits 125 (126, 127 for a command that cannot run). Runs on the
 * host; libc only, plus the pure protocol code (lib/launch-proto.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "launch-proto.h"

extern char **environ;

static int sigpipe_w = -1;

static void on_signal(int sig)
{
	int e = errno;
	unsigned char b = (unsigned char)sig;

	(void)!write(sigpipe_w, &b, 1);
	errno = e;
}

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "srt-launch: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 125;
}

static int send_request(int s, const struct buf *req)
{
	int fds[3];
	char cbuf[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = {.iov_base = req->data, .iov_len = req->len};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	size_t off;

	for (int k = 0; k < 3; k++) {
		fds[k] = k;
		if (fcntl(k, F_GETFD) < 0) /* closed: the command gets /dev/null there */
			fds[k] = open("/dev/null", (k ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		if (fds[k] < 0)
			return -errno;
	}
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&mh);
	if (!c) /* cannot happen: msg_controllen holds one header */
		return -EINVAL;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	/* the descriptors ride on the first bytes; the rest is a plain stream */
	iov.iov_len = req->len < 4096 ? req->len : 4096;
	for (;;) {
		ssize_t n = sendmsg(s, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off = (size_t)n;
		break;
	}
	while (off < req->len) {
		ssize_t n = send(s, req->data + off, req->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct buf req = BUF_INIT;
	char line[LAUNCH_MAX_LINE];
	size_t have = 0;
	int s, sp[2], r;
	char *cwd;
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

	if (argc < 5 || strcmp(argv[3], "--") != 0)
		return die("%s", "usage: srt-launch SOCKET TOKEN -- COMMAND [ARG...] (started by a "
				 "command line from srt_manager_wrap())");
	if (strlen(argv[1]) >= sizeof(sa.sun_path))
		return die("socket path too long: %s", argv[1]);
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);

	/* signals before connecting: none may be lost once the command runs */
	if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) < 0)
		return die("pipe: %s", strerror(errno));
	sigpipe_w = sp[1];
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
		struct sigaction sa_ = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
		sigemptyset(&sa_.sa_mask);
		sigaction(fwd[i], &sa_, NULL);
	}
	{
		struct sigaction ign = {.sa_handler = SIG_IGN};
		sigaction(SIGPIPE, &ign, NULL);
	}

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return die("socket: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return die("cannot reach the sandbox manager (%s): the program that wrapped this "
			   "command must still be running",
			   strerror(errno));
	cwd = getcwd(NULL, 0);
	r = launch_request_build(argv[2], cwd && cwd[0] == '/' ? cwd : "", argv + 4, environ, &req);
	free(cwd);
	if (r < 0)
		return die("cannot send the command: %s", strerror(-r));
	r = send_request(s, &req);
	buf_free(&req);
	if (r < 0)
		return die("cannot send the command: %s", strerror(-r));

	for (;;) {
		struct pollfd p[2] = {{.fd = s, .events = POLLIN}, {.fd = sp[0], .events = POLLIN}};
		unsigned char sigs[64];
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return die("poll: %s", strerror(errno));
		}
		if (p[1].revents & POLLIN) {
			while ((n = read(sp[0], sigs, sizeof(sigs))) > 0)
				for (ssize_t i = 0; i < n; i++) {
					char out[LAUNCH_MAX_LINE];
					size_t k =
					    launch_line_format(out, LAUNCH_SIGNAL, sigs[i], NULL);
					(void)!send(s, out, k, MSG_NOSIGNAL);
				}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(s, line + have, sizeof(line) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return die("%s", "the sandbox manager went away before the command ended");
		have += (size_t)n;
		for (;;) {
			char *nl = memchr(line, '\n', have);
			enum launch_line_kind kind;
			const char *text;
			size_t tlen, used;
			long num;

			if (!nl) {
				if (have == sizeof(line))
					return die("%s",
						   "malformed reply from the sandbox manager");
				break;
			}
			used = (size_t)(nl - line) + 1;
			if (launch_line_parse(line, used - 1, &kind, &num, &text, &tlen) < 0)
				return die("%s", "malformed reply from the sandbox manager");
			if (kind == LAUNCH_ERROR) {
				fprintf(stderr, "srt: %.*s\n", (int)tlen, text);
				return num >= 1 && num <= 255 ? (int)num : 125;
			}
			if (kind == LAUNCH_EXIT)
				return num <= 255 ? (int)num : 255;
			memmove(line, line + used, have - used);
			have -= used;
		}
	}
}
