/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-connect HOST PORT: a ProxyCommand for ssh inside an srt sandbox.
 *
 * It opens a TCP connection to srt's SOCKS5 proxy (127.0.0.1:1080 unless --proxy says
 * otherwise), asks it for HOST:PORT (a domain name, so the proxy resolves it and applies the
 * domain policy; an IPv4 or IPv6 literal is sent as an address) and then copies stdin to the
 * connection and the connection to stdout until both directions have ended.
 *
 * Standalone on purpose: libc only, no libsrt, so it can be installed next to srt and run by any
 * ssh inside the sandbox. Errors go to stderr as one "srt-connect: ..." line, with status 1.
 *
 * Relay rules:
 *   - only the proxy socket is made non-blocking; stdin and stdout may be shared with other
 *     processes (a terminal), so their file status flags are left alone. poll() says when they
 *     are ready; a read after POLLIN does not block, and a write after POLLOUT does not block
 *     either: a socket stdout gets send(MSG_DONTWAIT), a pipe stdout at most PIPE_BUF bytes
 *     (which fit once poll reports a free slot);
 *   - stdin at EOF: the buffered bytes are sent, then shutdown(SHUT_WR) on the socket, and the
 *     other direction keeps going;
 *   - the socket at EOF: the buffered bytes are written, then stdout is closed, and the other
 *     direction keeps going. The program ends when both have ended.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "srt-connect"
#define DEFAULT_PROXY "127.0.0.1:1080"
#define HANDSHAKE_TIMEOUT_MS 30000
#define RELAY_BUF_SIZE (64 * 1024)
#define HOST_MAX 255 /* a SOCKS5 domain name is at most 255 bytes */

/* SOCKS5 (RFC 1928) constants used here. */
#define SOCKS_VER 0x05
#define SOCKS_METHOD_NOAUTH 0x00
#define SOCKS_METHOD_NONE 0xff
#define SOCKS_CMD_CONNECT 0x01
#define SOCKS_ATYP_IPV4 0x01
#define SOCKS_ATYP_DOMAIN 0x03
#define SOCKS_ATYP_IPV6 0x04

struct target {
	char host[HOST_MAX + 1]; /* without brackets; NUL-terminated */
	size_t host_len;
	uint8_t atyp;
	uint8_t addr[16]; /* IPv4: 4 bytes, IPv6: 16 */
	uint16_t port;
	char shown[HOST_MAX + 16]; /* "host:port" or "[v6]:port", for messages */
};

struct proxy_addr {
	struct sockaddr_storage sa;
	socklen_t sa_len;
	char shown[INET6_ADDRSTRLEN + 16];
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--proxy ADDRESS:PORT] HOST PORT\n"
		"\n"
		"Connects to HOST:PORT through srt's SOCKS5 proxy and relays stdin and stdout, for\n"
		"use as ssh's ProxyCommand inside an srt sandbox:\n"
		"  ssh -o ProxyCommand='" PROG " %%h %%p' user@host\n"
		"\n"
		"  --proxy ADDRESS:PORT  the proxy (default " DEFAULT_PROXY "); an IPv4 address or a\n"
		"                        bracketed IPv6 address, e.g. [::1]:1080\n"
		"  -h, --help            this text\n");
}

/* Decimal 1..65535: one to five digits, nothing else (no sign, no white space). */
static int parse_port(const char *s, uint16_t *ret)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || v < 1 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* "A.B.C.D:PORT" or "[IPv6]:PORT"; no names (there is no resolver to ask before the proxy). */
static int parse_proxy(const char *s, struct proxy_addr *ret)
{
	char addr[INET6_ADDRSTRLEN];
	const char *port_s;
	size_t alen;
	uint16_t port;

	memset(ret, 0, sizeof(*ret));
	if (s[0] == '[') {
		const char *close_br = strchr(s, ']');

		if (!close_br || close_br[1] != ':')
			return -EINVAL;
		alen = (size_t)(close_br - (s + 1));
		if (alen == 0 || alen >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, s + 1, alen);
		addr[alen] = '\0';
		port_s = close_br + 2;
		if (parse_port(port_s, &port) < 0)
			return -EINVAL;

		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ret->sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -EINVAL;
		ret->sa_len = sizeof(*sin6);
		snprintf(ret->shown, sizeof(ret->shown), "[%s]:%u", addr, (unsigned)port);
		return 0;
	}

	const char *colon = strrchr(s, ':');

	if (!colon)
		return -EINVAL;
	alen = (size_t)(colon - s);
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (parse_port(colon + 1, &port) < 0)
		return -EINVAL;

	struct sockaddr_in *sin = (struct sockaddr_in *)&ret->sa;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return -EINVAL;
	ret->sa_len = sizeof(*sin);
	snprintf(ret->shown, sizeof(ret->shown), "%s:%u", addr, (unsigned)port);
	return 0;
}

/* Validates HOST and PORT and decides how HOST goes on the wire. Prints its own message. */
static int parse_target(const char *host, const char *port_s, struct target *ret)
{
	size_t len = strlen(host);
	bool bracketed = false;

	memset(ret, 0, sizeof(*ret));
	if (len == 0 || len > HOST_MAX)
		return fail("invalid host: it must be 1 to %d bytes long (got %zu)", HOST_MAX, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c <= 0x20 || c == 0x7f)
			return fail("invalid host: control character or white space (byte 0x%02x "
				    "at offset %zu)",
				    c, i);
	}
	if (parse_port(port_s, &ret->port) < 0)
		return fail("invalid port: expected a decimal number from 1 to 65535");

	/* ssh passes an IPv6 address without brackets; accept both spellings. */
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return fail("invalid host: unbalanced '[' in an IPv6 literal");
		host++;
		len -= 2;
		bracketed = true;
	}
	memcpy(ret->host, host, len);
	ret->host[len] = '\0';
	ret->host_len = len;

	if (!bracketed && inet_pton(AF_INET, ret->host, ret->addr) == 1)
		ret->atyp = SOCKS_ATYP_IPV4;
	else if (strchr(ret->host, ':') && inet_pton(AF_INET6, ret->host, ret->addr) == 1)
		ret->atyp = SOCKS_ATYP_IPV6;
	else if (bracketed)
		return fail("invalid host: not an IPv6 address between '[' and ']'");
	else
		ret->atyp = SOCKS_ATYP_DOMAIN;

	snprintf(ret->shown, sizeof(ret->shown),
		 ret->atyp == SOCKS_ATYP_IPV6 ? "[%s]:%u" : "%s:%u", ret->host,
		 (unsigned)ret->port);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline: 0 when ready, -ETIMEDOUT, or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n > 0)
			return 0; /* ready, or POLLERR/POLLHUP: the next call reports it */
	}
}

/* Non-blocking connect with a deadline. Returns the socket, or -errno. */
static int proxy_connect(const struct proxy_addr *pa, int64_t deadline)
{
	int fd, one = 1, err = 0;
	socklen_t elen = sizeof(err);

	fd = socket(pa->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&pa->sa, pa->sa_len) < 0) {
		if (errno != EINPROGRESS && errno != EINTR) {
			err = errno;
			close(fd);
			return -err;
		}
		/* After EINTR the connection still completes in the background, as after
		 * EINPROGRESS: wait for it either way. */
		int r = wait_fd(fd, POLLOUT, deadline);

		if (r < 0) {
			close(fd);
			return r;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err != 0) {
			close(fd);
			return -err;
		}
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int send_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				int r = wait_fd(fd, POLLOUT, deadline);

				if (r < 0)
					return r;
				continue;
			}
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes (never more: what follows the reply belongs to the tunnel).
 * Returns 0, 1 when the proxy closed the connection first, or -errno (-ETIMEDOUT). */
static int recv_exact(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				int r = wait_fd(fd, POLLIN, deadline);

				if (r < 0)
					return r;
				continue;
			}
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *socks_reply_text(uint8_t rep)
{
	switch (rep) {
	case 0x01:
		return "general SOCKS server failure";
	case 0x02:
		return "connection not allowed by ruleset (sandbox network policy)";
	case 0x03:
		return "network unreachable";
	case 0x04:
		return "host unreachable";
	case 0x05:
		return "connection refused";
	case 0x06:
		return "TTL expired";
	case 0x07:
		return "command not supported";
	case 0x08:
		return "address type not supported";
	default:
		return NULL;
	}
}

/* Message for a failed handshake I/O step (r from send_all/recv_exact). Returns 1. */
static int handshake_io_fail(const struct proxy_addr *pa, int r)
{
	if (r == 1)
		return fail("the proxy at %s closed the connection during the SOCKS5 handshake",
			    pa->shown);
	if (r == -ETIMEDOUT)
		return fail("the proxy at %s did not answer within %d s", pa->shown,
			    HANDSHAKE_TIMEOUT_MS / 1000);
	return fail("SOCKS5 handshake with the proxy at %s failed: %s", pa->shown, strerror(-r));
}

/* Greeting (no authentication only), then CONNECT. Returns 0, or 1 after printing why not. */
static int socks_handshake(int fd, const struct proxy_addr *pa, const struct target *t,
			   int64_t deadline)
{
	static const uint8_t greeting[] = { SOCKS_VER, 1, SOCKS_METHOD_NOAUTH };
	uint8_t req[4 + 1 + HOST_MAX + 2];
	uint8_t rep[4 + 1 + 255 + 2];
	size_t n = 0, rest;
	int r;

	r = send_all(fd, greeting, sizeof(greeting), deadline);
	if (r == 0)
		r = recv_exact(fd, rep, 2, deadline);
	if (r != 0)
		return handshake_io_fail(pa, r);
	if (rep[0] != SOCKS_VER)
		return fail("%s is not a SOCKS5 proxy (version byte 0x%02x)", pa->shown, rep[0]);
	if (rep[1] == SOCKS_METHOD_NONE)
		return fail("the proxy at %s wants authentication; srt-connect offers none",
			    pa->shown);
	if (rep[1] != SOCKS_METHOD_NOAUTH)
		return fail("the proxy at %s chose method 0x%02x, which was not offered", pa->shown,
			    rep[1]);

	req[n++] = SOCKS_VER;
	req[n++] = SOCKS_CMD_CONNECT;
	req[n++] = 0x00;
	req[n++] = t->atyp;
	switch (t->atyp) {
	case SOCKS_ATYP_IPV4:
		memcpy(req + n, t->addr, 4);
		n += 4;
		break;
	case SOCKS_ATYP_IPV6:
		memcpy(req + n, t->addr, 16);
		n += 16;
		break;
	default:
		req[n++] = (uint8_t)t->host_len;
		memcpy(req + n, t->host, t->host_len);
		n += t->host_len;
		break;
	}
	req[n++] = (uint8_t)(t->port >> 8);
	req[n++] = (uint8_t)(t->port & 0xff);

	r = send_all(fd, req, n, deadline);
	if (r == 0)
		r = recv_exact(fd, rep, 4, deadline); /* VER REP RSV ATYP */
	if (r != 0)
		return handshake_io_fail(pa, r);
	if (rep[0] != SOCKS_VER)
		return fail("%s is not a SOCKS5 proxy (version byte 0x%02x)", pa->shown, rep[0]);
	if (rep[1] != 0x00) {
		const char *text = socks_reply_text(rep[1]);

		if (text)
			return fail("proxy refused %s: %s", t->shown, text);
		return fail("proxy refused %s: unknown SOCKS5 reply code 0x%02x", t->shown, rep[1]);
	}

	/* BND.ADDR and BND.PORT: read and dropped. */
	switch (rep[3]) {
	case SOCKS_ATYP_IPV4:
		rest = 4 + 2;
		break;
	case SOCKS_ATYP_IPV6:
		rest = 16 + 2;
		break;
	case SOCKS_ATYP_DOMAIN:
		r = recv_exact(fd, rep + 4, 1, deadline);
		if (r != 0)
			return handshake_io_fail(pa, r);
		rest = (size_t)rep[4] + 2;
		break;
	default:
		return fail("the proxy at %s sent a reply with address type 0x%02x", pa->shown,
			    rep[3]);
	}
	r = recv_exact(fd, rep + 5, rest, deadline);
	if (r != 0)
		return handshake_io_fail(pa, r);
	return 0;
}

/* One direction of the relay. */
struct flow {
	int src, dst;
	enum { DST_SOCKET, DST_PIPE, DST_OTHER } dst_kind;
	uint8_t *buf;
	size_t off, len;
	bool eof;  /* src ended */
	bool done; /* eof, everything written, dst shut down or closed */
};

static int classify_dst(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return DST_OTHER;
	if (S_ISSOCK(st.st_mode))
		return DST_SOCKET;
	if (S_ISFIFO(st.st_mode))
		return DST_PIPE;
	return DST_OTHER;
}

/* One read into an empty buffer. 0, or -errno (EAGAIN included). */
static int flow_read(struct flow *f)
{
	ssize_t n = read(f->src, f->buf, RELAY_BUF_SIZE);

	if (n < 0)
		return -errno;
	if (n == 0)
		f->eof = true;
	f->off = 0;
	f->len = (size_t)n;
	return 0;
}

/* One write that does not block (see the top of the file). 0, or -errno (EAGAIN included). */
static int flow_write(struct flow *f)
{
	size_t len = f->len - f->off;
	ssize_t n;

	switch (f->dst_kind) {
	case DST_SOCKET:
		n = send(f->dst, f->buf + f->off, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		break;
	case DST_PIPE:
		n = write(f->dst, f->buf + f->off, len > PIPE_BUF ? PIPE_BUF : len);
		break;
	default:
		n = write(f->dst, f->buf + f->off, len);
		break;
	}
	if (n < 0)
		return -errno;
	f->off += (size_t)n;
	if (f->off == f->len)
		f->off = f->len = 0;
	return 0;
}

static bool transient(int r)
{
	return r == -EINTR || r == -EAGAIN || r == -EWOULDBLOCK;
}

static int relay(int sock, const struct target *t)
{
	static uint8_t up_buf[RELAY_BUF_SIZE], down_buf[RELAY_BUF_SIZE];
	struct flow up = { .src = STDIN_FILENO, .dst = sock, .dst_kind = DST_SOCKET,
			   .buf = up_buf };
	struct flow down = { .src = sock, .dst = STDOUT_FILENO,
			     .dst_kind = classify_dst(STDOUT_FILENO), .buf = down_buf };

	while (!up.done || !down.done) {
		struct pollfd p[3];
		short sock_ev = 0;
		int r;

		if (!up.eof && up.len == 0)
			p[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		else
			p[0] = (struct pollfd){ .fd = -1 };
		if (up.len > 0)
			sock_ev |= POLLOUT;
		if (!down.eof && down.len == 0)
			sock_ev |= POLLIN;
		p[1] = (struct pollfd){ .fd = sock_ev ? sock : -1, .events = sock_ev };
		if (down.len > 0)
			p[2] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
		else
			p[2] = (struct pollfd){ .fd = -1 };

		/* A descriptor with nothing wanted is left out (fd -1): a pipe whose reader has
		 * gone would otherwise report POLLERR forever and spin this loop. */
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail("poll: %s", strerror(errno));
		}

		if (p[0].revents) {
			r = flow_read(&up);
			if (r < 0 && !transient(r))
				return fail("reading stdin: %s", strerror(-r));
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (sock_ev & POLLIN) {
				r = flow_read(&down);
				if (r < 0 && !transient(r))
					return fail("connection to %s: %s", t->shown, strerror(-r));
			}
		}
		if (p[1].revents && up.len > 0) {
			r = flow_write(&up);
			if (r < 0 && !transient(r))
				return fail("connection to %s: %s", t->shown, strerror(-r));
		}
		if (p[2].revents) {
			r = flow_write(&down);
			if (r < 0 && !transient(r))
				return fail("writing stdout: %s", strerror(-r));
		}

		if (up.eof && up.len == 0 && !up.done) {
			/* ENOTCONN: the peer reset the connection; the read side reports it. */
			if (shutdown(sock, SHUT_WR) < 0 && errno != ENOTCONN)
				return fail("connection to %s: shutdown: %s", t->shown,
					    strerror(errno));
			up.done = true;
		}
		if (down.eof && down.len == 0 && !down.done) {
			/* Tells the reader (ssh) that the remote side has finished. */
			if (close(STDOUT_FILENO) < 0 && errno != EINTR)
				return fail("closing stdout: %s", strerror(errno));
			down.done = true;
		}
	}
	return 0;
}

/* The relay uses 0 and 1 by number: a closed one must not become the proxy socket. */
static int ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int nfd = open("/dev/null", (fd == 0 ? O_RDONLY : O_WRONLY));

		if (nfd < 0)
			return -errno;
		if (nfd != fd) { /* cannot happen: the lowest free number is fd */
			close(nfd);
			return -EBADF;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "proxy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *proxy_s = DEFAULT_PROXY;
	struct sigaction sa = { .sa_handler = SIG_IGN };
	struct proxy_addr pa;
	struct target t;
	int64_t deadline;
	int c, fd, rc;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			proxy_s = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 1;
	}
	if (parse_proxy(proxy_s, &pa) < 0)
		return fail("invalid --proxy: expected IPv4:PORT or [IPv6]:PORT, e.g. %s",
			    DEFAULT_PROXY);
	if (parse_target(argv[optind], argv[optind + 1], &t) != 0)
		return 1;

	/* A write to a peer that has gone must be an EPIPE to report, not a silent death. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return fail("sigaction: %s", strerror(errno));
	if (ensure_std_fds() < 0)
		return fail("cannot open /dev/null for a closed standard descriptor");

	deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
	fd = proxy_connect(&pa, deadline);
	if (fd == -ETIMEDOUT)
		return fail("cannot reach the SOCKS5 proxy at %s: no answer within %d s",
			    pa.shown, HANDSHAKE_TIMEOUT_MS / 1000);
	if (fd < 0)
		return fail("cannot reach the SOCKS5 proxy at %s: %s (srt-connect works inside an "
			    "srt sandbox with network.allowedDomains set)",
			    pa.shown, strerror(-fd));
	if (socks_handshake(fd, &pa, &t, deadline) != 0) {
		close(fd);
		return 1;
	}
	rc = relay(fd, &t);
	close(fd);
	return rc;
}
