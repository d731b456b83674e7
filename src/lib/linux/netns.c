/* SPDX-License-Identifier: Apache-2.0 */
#include "netns.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/macro.h"

/* Backlog of each listener: a burst of parallel connections from a build must not be refused. */
#define NETNS_BACKLOG 4096

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

static int listen_on(const struct netns_listener *l)
{
	int fd, one = 1;

	fd = socket(l->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->family == AF_INET6) {
		struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(l->port),
					 .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			goto fail;
	} else if (l->family == AF_INET) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(l->port),
					.sin_addr = {htonl(INADDR_LOOPBACK)}};
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			goto fail;
	} else {
		close(fd);
		return -EAFNOSUPPORT;
	}
	if (listen(fd, NETNS_BACKLOG) < 0)
		goto fail;
	return fd;
fail:
	{
		int e = errno;
		close(fd);
		return -e;
	}
}

int netns_child_setup(int sock, const struct netns_listener *l, size_t n)
{
	int fds[NETNS_MAX_LISTENERS];
	char cbuf[CMSG_SPACE(sizeof(fds))];
	char byte = 'L';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	int r;

	if (n == 0 || n > NETNS_MAX_LISTENERS)
		return -EINVAL;
	r = lo_up();
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		fds[i] = listen_on(&l[i]);
		if (fds[i] < 0) {
			r = fds[i];
			for (size_t k = 0; k < i; k++)
				close(fds[k]);
			return r;
		}
	}
	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	r = sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
	/* our copies go: only srt holds the listeners from now on */
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	return r;
}

int netns_receive_listeners(int sock, int *ret_fds, size_t n)
{
	char cbuf[CMSG_SPACE(NETNS_MAX_LISTENERS * sizeof(int))];
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t k;

	if (n == 0 || n > NETNS_MAX_LISTENERS)
		return -EINVAL;
	do
		k = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	if (k == 0)
		return -EPIPE;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(n * sizeof(int)) || (msg.msg_flags & MSG_CTRUNC)) {
		/* close whatever arrived */
		for (; c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				size_t m = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				int tmp[NETNS_MAX_LISTENERS];
				memcpy(tmp, CMSG_DATA(c), (m < ELEMENTSOF(tmp) ? m : ELEMENTSOF(tmp)) * sizeof(int));
				for (size_t i = 0; i < m && i < ELEMENTSOF(tmp); i++)
					close(tmp[i]);
			}
		return -EPROTO;
	}
	memcpy(ret_fds, CMSG_DATA(c), n * sizeof(int));
	return 0;
}
