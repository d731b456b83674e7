/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-bench-net-relay: the smallest useful TCP relay, as a reference for bench/network's bulk
 * rows: what any user-space relay costs on this machine, without a sandbox, a policy, a
 * handshake or an event loop.
 *
 *	srt-bench-net-relay --to PORT [--copy] [--pipe-kib K]
 *
 * Listens on 127.0.0.1 (a free port, printed as "port N" on stdout) and relays each accepted
 * connection, one at a time, to 127.0.0.1:PORT: blocking sockets, one thread per direction,
 * splice() through a pipe of K KiB (default 256, srt's RELAY_PIPE_SIZE), or read()/write()
 * through a K KiB buffer with --copy. Ends when its standard input reaches EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool copy_mode;
static size_t chunk = 256 * 1024;

struct dir {
	int from, to;
};

/* Moves bytes from d->from to d->to until EOF or an error, then shuts d->to down for writing. */
static void *pump(void *arg)
{
	const struct dir *d = arg;
	char *buf = NULL;
	int p[2] = { -1, -1 };

	if (copy_mode) {
		buf = malloc(chunk);
		if (!buf)
			goto out;
	} else {
		if (pipe2(p, O_CLOEXEC) < 0)
			goto out;
		(void)fcntl(p[1], F_SETPIPE_SZ, (int)chunk);
	}
	for (;;) {
		ssize_t n = copy_mode ? read(d->from, buf, chunk)
				      : splice(d->from, NULL, p[1], NULL, chunk, SPLICE_F_MOVE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = copy_mode ? write(d->to, buf + off, (size_t)(n - off))
					      : splice(p[0], NULL, d->to, NULL, (size_t)(n - off),
						       SPLICE_F_MOVE);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	shutdown(d->to, SHUT_WR);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	free(buf);
	return NULL;
}

static void relay_one(int c, int to_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)to_port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct dir up, down;
	pthread_t t;
	int one = 1;
	int u = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (u < 0 || connect(u, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "srt-bench-net-relay: connect: %s\n", strerror(errno));
		if (u >= 0)
			close(u);
		return;
	}
	(void)setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	up = (struct dir){ .from = c, .to = u };
	down = (struct dir){ .from = u, .to = c };
	if (pthread_create(&t, NULL, pump, &up) != 0) {
		close(u);
		return;
	}
	pump(&down);
	pthread_join(t, NULL);
	close(u);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	int to_port = 0, l;
	bool bad = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to_port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--copy") == 0)
			copy_mode = true;
		else if (strcmp(argv[i], "--pipe-kib") == 0 && i + 1 < argc)
			chunk = (size_t)atoi(argv[++i]) * 1024;
		else
			bad = true;
	}
	if (bad || to_port <= 0 || to_port > 65535 || chunk < 4096 || chunk > (64u << 20)) {
		fprintf(stderr, "usage: srt-bench-net-relay --to PORT [--copy] [--pipe-kib K]\n");
		return 2;
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 64) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &salen) < 0) {
		fprintf(stderr, "srt-bench-net-relay: listen: %s\n", strerror(errno));
		return 1;
	}
	printf("port %u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);
	for (;;) {
		struct pollfd fds[2] = { { .fd = l, .events = POLLIN },
					 { .fd = STDIN_FILENO, .events = POLLIN } };
		char b[64];
		int c;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fds[1].revents) {
			ssize_t r = read(STDIN_FILENO, b, sizeof(b));

			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				return 0;
		}
		if (!(fds[0].revents & POLLIN))
			continue;
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		relay_one(c, to_port);
		close(c);
	}
}
