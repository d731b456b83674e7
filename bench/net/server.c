/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-bench-net-server: the HTTP server of bench/network. One thread, one level-triggered epoll
 * loop, any number of connections (it raises its descriptor soft limit to the hard one).
 *
 *	srt-bench-net-server [--port P] [--chunk-mib M]
 *
 * Listens on 127.0.0.1:P (0, the default, picks a free port), prints "port N" on stdout and
 * serves until its standard input reaches EOF (the benchmark closes the pipe) or SIGTERM/SIGINT.
 *
 * Requests: "GET /N HTTP/1.1" answers 200 with a body of N bytes (Content-Length framing); any
 * other path ("GET /") answers a 64-byte body. Connections are kept alive: after a response
 * the next request is read, and the connection is closed when the client closes it. A
 * connection that never sends anything is simply held (the idle-tunnel test).
 *
 * Bodies come from a memfd of M MiB (default 8) filled once, sent with sendfile() and wrapped
 * around as often as needed, so serving 1 GiB costs no more memory than M MiB and no copy
 * through user space.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 2048
#define SMALL_BODY 64
#define MAX_EVENTS 256
#define SENDFILE_STEP (4u << 20)

struct client {
	int fd;
	char head[HEAD_MAX];
	size_t head_len;
	/* response in progress: header bytes, then body bytes from the memfd */
	char rhead[128];
	size_t rhead_len, rhead_off;
	uint64_t body_left;
	uint64_t body_pos;
	bool sending;
};

static volatile sig_atomic_t stop;
static int body_fd = -1;
static uint64_t body_chunk;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "srt-bench-net-server: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void make_body(uint64_t bytes)
{
	unsigned char *map;

	body_fd = memfd_create("srt-bench-body", MFD_CLOEXEC);
	if (body_fd < 0)
		die("memfd_create");
	if (ftruncate(body_fd, (off_t)bytes) < 0)
		die("ftruncate");
	map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, body_fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	for (uint64_t i = 0; i < bytes; i++)
		map[i] = (unsigned char)('a' + (i * 7 + i / 4096) % 26);
	munmap(map, bytes);
	body_chunk = bytes;
}

static int ep_mod(int ep, struct client *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void client_close(int ep, struct client *c)
{
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Parses the request head in c->head (complete, ending with CRLF CRLF); sets up the response. */
static void start_response(struct client *c)
{
	uint64_t n = SMALL_BODY;
	const char *p;
	int len;

	if (c->head_len > 5 && memcmp(c->head, "GET /", 5) == 0) {
		p = c->head + 5;
		if (*p >= '0' && *p <= '9') {
			n = 0;
			while (*p >= '0' && *p <= '9')
				n = n * 10 + (uint64_t)(*p++ - '0');
		}
	}
	len = snprintf(c->rhead, sizeof(c->rhead),
		       "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
		       "Content-Length: %llu\r\n\r\n",
		       (unsigned long long)n);
	c->rhead_len = (size_t)len;
	c->rhead_off = 0;
	c->body_left = n;
	c->body_pos = 0;
	c->sending = true;
	c->head_len = 0;
}

/* Writes as much of the response as the socket takes. Returns -1 to close, 0 otherwise. */
static int pump(int ep, struct client *c)
{
	while (c->rhead_off < c->rhead_len) {
		ssize_t w = send(c->fd, c->rhead + c->rhead_off, c->rhead_len - c->rhead_off,
				 MSG_NOSIGNAL | (c->body_left ? MSG_MORE : 0));

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return ep_mod(ep, c, EPOLLOUT);
			return -1;
		}
		c->rhead_off += (size_t)w;
	}
	while (c->body_left > 0) {
		off_t off = (off_t)(c->body_pos % body_chunk);
		uint64_t want = body_chunk - (uint64_t)off;
		ssize_t w;

		if (want > c->body_left)
			want = c->body_left;
		if (want > SENDFILE_STEP)
			want = SENDFILE_STEP;
		w = sendfile(c->fd, body_fd, &off, (size_t)want);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return ep_mod(ep, c, EPOLLOUT);
			return -1;
		}
		if (w == 0)
			return -1;
		c->body_pos += (uint64_t)w;
		c->body_left -= (uint64_t)w;
	}
	c->sending = false;
	return ep_mod(ep, c, EPOLLIN);
}

static void on_readable(int ep, struct client *c)
{
	for (;;) {
		ssize_t r;
		char *end;

		if (c->head_len == sizeof(c->head)) {
			client_close(ep, c); /* a head this long is not from our client */
			return;
		}
		r = recv(c->fd, c->head + c->head_len, sizeof(c->head) - c->head_len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			client_close(ep, c);
			return;
		}
		c->head_len += (size_t)r;
		end = memmem(c->head, c->head_len, "\r\n\r\n", 4);
		if (end) {
			/* one request at a time: no pipelining, nothing expected after the head */
			start_response(c);
			if (pump(ep, c) < 0)
				client_close(ep, c);
			return;
		}
	}
}

static void on_accept(int ep, int lfd)
{
	for (int i = 0; i < 256; i++) {
		struct epoll_event ev;
		struct client *c;
		int one = 1;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				fprintf(stderr, "srt-bench-net-server: accept: %s\n",
					strerror(errno));
			return;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
		}
	}
}

static unsigned long parse_num(const char *s, const char *opt)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "srt-bench-net-server: %s: not a number: %s\n", opt, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	struct epoll_event ev, evs[MAX_EVENTS];
	struct sigaction act = { .sa_handler = on_signal };
	unsigned long port = 0, chunk_mib = 8;
	int lfd, ep, one = 1;
	char stdin_tag, listen_tag;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = parse_num(argv[++i], "--port");
		else if (strcmp(argv[i], "--chunk-mib") == 0 && i + 1 < argc)
			chunk_mib = parse_num(argv[++i], "--chunk-mib");
		else {
			fprintf(stderr, "usage: srt-bench-net-server [--port P] [--chunk-mib M]\n");
			return 2;
		}
	}
	if (port > 65535 || chunk_mib == 0 || chunk_mib > 1024) {
		fprintf(stderr, "srt-bench-net-server: bad --port or --chunk-mib\n");
		return 2;
	}

	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	make_body((uint64_t)chunk_mib << 20);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");
	if (getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0)
		die("getsockname");

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &listen_tag };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl listen");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &stdin_tag };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0)
		die("epoll_ctl stdin"); /* a pipe or a socket: its EOF ends the server */

	printf("port %u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);

	while (!stop) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;
			struct client *c;

			if (tag == &listen_tag) {
				on_accept(ep, lfd);
				continue;
			}
			if (tag == &stdin_tag) {
				char b[64];
				ssize_t r = read(STDIN_FILENO, b, sizeof(b));

				if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
					stop = 1;
				continue;
			}
			c = tag;
			if (c->sending) {
				uint32_t e = evs[i].events;
				bool gone = (e & (EPOLLERR | EPOLLHUP)) && !(e & EPOLLOUT);

				if (gone || pump(ep, c) < 0)
					client_close(ep, c);
			} else {
				on_readable(ep, c);
			}
		}
	}
	return 0;
}
