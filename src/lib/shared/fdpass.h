/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sending a message with descriptors over a unix socket (SCM_RIGHTS). Header-only: srt-exec,
 * which is built apart from libsrt (src/exec/meson.build), uses it as well as libsrt.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#define FD_SEND_MAX 8

/* Sends len bytes of buf with n_fds (0..FD_SEND_MAX) descriptors, retrying on EINTR, without
 * SIGPIPE. The number of bytes sent, or -errno (-EINVAL for too many descriptors). */
static inline ssize_t fd_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(FD_SEND_MAX * sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (n_fds > FD_SEND_MAX)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	if (n_fds > 0) {
		struct cmsghdr *c;

		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
	}
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}
