/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt-bench-net-client: the client of bench/network, run on the host (direct) or inside an srt
 * sandbox (through srt's HTTP CONNECT or SOCKS5 proxy). It times what it does itself, so srt's
 * start-up never enters a number.
 *
 *	srt-bench-net-client MODE --port P [--via direct|connect|socks5] [--dest NAME]
 *	                     [--proxy-port N] [mode options]
 *
 * --via direct connects to 127.0.0.1:P. --via connect connects to 127.0.0.1:N (default 3128),
 * sends "CONNECT NAME:P" (NAME default "localhost") and reads the 200; --via socks5 connects to
 * 127.0.0.1:N (default 1080) and asks for NAME:P (no authentication, domain-name address type).
 * Then one HTTP/1.1 GET goes over the connection and the response (Content-Length framing) is
 * read to its last byte. All sockets are blocking with TCP_NODELAY and 15 s time-outs.
 *
 * Modes (results on stdout as "key value..." lines; errors as "error ..." lines; exit 1 when a
 * measurement could not be made):
 *
 *   bulk --bytes B [--runs R] [--checkpoints]
 *	R times: a new connection, then "GET /B"; prints "bulk B SECONDS" per run, timed from the
 *	request (after the tunnel is up) to the last body byte, then "cpu_s SECONDS", the client's
 *	own CPU time (user + system) for the R runs. With --checkpoints, "checkpoint start" before
 *	the first run and "checkpoint end" after the last (see hold).
 *   lat --count N [--keepalive K]
 *	N times: a new connection (socket, connect, CONNECT/SOCKS5 handshake), a small GET, close;
 *	prints "lat_us" and the N latencies in microseconds, from socket() to close(). Then K small
 *	GETs on one connection: "rtt_us" and their latencies.
 *   hold --count N [--probes K] [--live-every E] [--stall-bytes B] [--bulk-bytes B2]
 *        [--idle-ms T]
 *	Prints "checkpoint start" and waits for a line on stdin (at each checkpoint the benchmark
 *	samples srt's memory, descriptors and CPU time, then answers). Opens N connections
 *	(tunnels) one after the other and keeps them open: "held n SECONDS" (n < N after a
 *	failure, then "hold_error i MESSAGE"), "checkpoint held", T ms (default 1000) of nothing,
 *	"checkpoint idle". Then, with the tunnels held: K new-connection requests ("probe_us"), a
 *	small GET on every E-th held tunnel ("live_us"), and a "stalled" tunnel that asks for B
 *	bytes and never reads them ("stall_queued BYTES": its receive queue after 300 ms);
 *	"checkpoint stall", T ms of nothing, "checkpoint stall-idle"; while it stays stalled: K
 *	new-connection requests ("stallprobe_us"), a GET of B2 bytes on a new tunnel ("stallbulk
 *	B2 SECONDS"), the held tunnels again ("stalllive_us"), "stall_queued_end BYTES";
 *	"checkpoint stalled"; everything is closed and "done" printed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum via { VIA_DIRECT, VIA_CONNECT, VIA_SOCKS5 };

static enum via via = VIA_DIRECT;
static unsigned port, proxy_port;
static const char *dest = "localhost";
static char errmsg[256];
static unsigned char rbuf[256 * 1024];

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return fail("send: %s", strerror(errno));
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int recv_exact(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t r = recv(fd, p, len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail("recv: %s", strerror(errno));
		if (r == 0)
			return fail("connection closed by the peer");
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Reads a head ending in CRLF CRLF into buf; returns its length. Bytes after the head are an
 * error (the callers read heads only when the peer has nothing else to send yet). */
static long recv_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	for (;;) {
		ssize_t r;
		char *end;

		if (len + 1 >= cap)
			return fail("response head over %zu bytes", cap);
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail("recv: %s", strerror(errno));
		if (r == 0)
			return fail("connection closed before the end of the response head");
		len += (size_t)r;
		buf[len] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			if ((size_t)(end + 4 - buf) != len)
				return fail("unexpected bytes after the proxy's answer");
			return (long)len;
		}
	}
}

static int socket_to(unsigned p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 15 };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		fail("connect 127.0.0.1:%u: %s", p, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int handshake_connect(int fd)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n\r\n", dest,
			 port, dest, port);

	if (send_all(fd, buf, (size_t)n) < 0 || recv_head(fd, buf, sizeof(buf)) < 0)
		return -1;
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0 && strncmp(buf, "HTTP/1.0 200", 12) != 0)
		return fail("CONNECT refused: %.*s", (int)strcspn(buf, "\r\n"), buf);
	return 0;
}

static int handshake_socks5(int fd)
{
	unsigned char b[300];
	size_t nlen = strlen(dest), n = 0, rest;

	if (send_all(fd, "\x05\x01\x00", 3) < 0 || recv_exact(fd, b, 2) < 0)
		return -1;
	if (b[0] != 5 || b[1] != 0)
		return fail("SOCKS5 greeting refused: %02x %02x", b[0], b[1]);
	b[n++] = 5;
	b[n++] = 1;
	b[n++] = 0;
	b[n++] = 3;
	b[n++] = (unsigned char)nlen;
	memcpy(b + n, dest, nlen);
	n += nlen;
	b[n++] = (unsigned char)(port >> 8);
	b[n++] = (unsigned char)port;
	if (send_all(fd, b, n) < 0 || recv_exact(fd, b, 5) < 0)
		return -1;
	if (b[0] != 5 || b[1] != 0)
		return fail("SOCKS5 CONNECT refused: reply %u", b[1]);
	switch (b[3]) {
	case 1: /* IPv4 address and port; b[4] is the address' first byte */
		rest = 4 + 2 - 1;
		break;
	case 4: /* IPv6 */
		rest = 16 + 2 - 1;
		break;
	case 3: /* b[4] is the name's length */
		rest = (size_t)b[4] + 2;
		break;
	default:
		return fail("SOCKS5 reply with address type %u", b[3]);
	}
	return recv_exact(fd, b + 5, rest);
}

/* A connection to the server, direct or through the proxy; -1 and errmsg on failure. */
static int open_conn(void)
{
	int fd = socket_to(via == VIA_DIRECT ? port : proxy_port);
	int r = 0;

	if (fd < 0)
		return -1;
	if (via == VIA_CONNECT)
		r = handshake_connect(fd);
	else if (via == VIA_SOCKS5)
		r = handshake_socks5(fd);
	if (r < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_get(int fd, uint64_t bytes)
{
	char req[128];
	int n;

	if (bytes)
		n = snprintf(req, sizeof(req), "GET /%llu HTTP/1.1\r\nHost: %s:%u\r\n\r\n",
			     (unsigned long long)bytes, dest, port);
	else
		n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s:%u\r\n\r\n", dest, port);
	return send_all(fd, req, (size_t)n);
}

/* Reads one response (head, then Content-Length body bytes, discarded); returns the body size. */
static int64_t read_response(int fd)
{
	size_t len = 0, head_len;
	uint64_t clen, have;
	const char *cl;
	char *end;

	for (;;) {
		ssize_t r;

		if (len + 1 >= sizeof(rbuf))
			return fail("response head too long");
		r = recv(fd, rbuf + len, sizeof(rbuf) - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail("recv: %s", strerror(errno));
		if (r == 0)
			return fail("connection closed before the response head ended");
		len += (size_t)r;
		rbuf[len] = 0;
		end = strstr((char *)rbuf, "\r\n\r\n");
		if (end)
			break;
	}
	head_len = (size_t)(end + 4 - (char *)rbuf);
	if (strncmp((char *)rbuf, "HTTP/1.1 200", 12) != 0)
		return fail("response: %.*s", (int)strcspn((char *)rbuf, "\r\n"), (char *)rbuf);
	*end = 0;
	cl = strcasestr((char *)rbuf, "\r\nContent-Length:");
	if (!cl)
		return fail("response without Content-Length");
	clen = strtoull(cl + 17, NULL, 10);
	have = len - head_len;
	if (have > clen)
		return fail("more bytes than Content-Length");
	while (have < clen) {
		uint64_t want = clen - have;
		ssize_t r = recv(fd, rbuf, want < sizeof(rbuf) ? (size_t)want : sizeof(rbuf), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail("recv body: %s", strerror(errno));
		if (r == 0)
			return fail("connection closed after %llu of %llu body bytes",
				    (unsigned long long)have, (unsigned long long)clen);
		have += (uint64_t)r;
	}
	return (int64_t)clen;
}

static int get(int fd, uint64_t bytes)
{
	int64_t got;

	if (send_get(fd, bytes) < 0)
		return -1;
	got = read_response(fd);
	if (got < 0)
		return -1;
	if (bytes && (uint64_t)got != bytes)
		return fail("got %lld bytes, asked for %llu", (long long)got,
			    (unsigned long long)bytes);
	return 0;
}

/* One request on a new connection, closed afterwards; its latency in seconds, or -1. */
static double one_request(void)
{
	double t0 = now_s();
	int fd = open_conn();

	if (fd < 0)
		return -1;
	if (get(fd, 0) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return now_s() - t0;
}

static void print_samples(const char *key, const double *v, size_t n)
{
	printf("%s", key);
	for (size_t i = 0; i < n; i++)
		printf(" %.3f", v[i] * 1e6);
	printf("\n");
	fflush(stdout);
}

/* K new-connection requests; prints KEY and the latencies, and KEY_errors when some failed. */
static void probes(const char *key, unsigned k)
{
	double *v = calloc(k ? k : 1, sizeof(*v));
	size_t n = 0;
	unsigned errors = 0;

	if (!v)
		exit(1);
	for (unsigned i = 0; i < k; i++) {
		double t = one_request();

		if (t < 0) {
			if (errors++ == 0)
				printf("%s_error %s\n", key, errmsg);
			continue;
		}
		v[n++] = t;
	}
	print_samples(key, v, n);
	if (errors)
		printf("%s_errors %u\n", key, errors);
	free(v);
}

static void checkpoint(const char *name)
{
	char line[64];

	printf("checkpoint %s\n", name);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		clearerr(stdin);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int mode_bulk(uint64_t bytes, unsigned runs, bool checkpoints)
{
	double cpu0;

	if (checkpoints)
		checkpoint("start");
	cpu0 = cpu_seconds();
	for (unsigned i = 0; i < runs; i++) {
		double t0;
		int fd = open_conn();

		if (fd < 0) {
			printf("error %s\n", errmsg);
			return 1;
		}
		t0 = now_s();
		if (get(fd, bytes) < 0) {
			printf("error %s\n", errmsg);
			close(fd);
			return 1;
		}
		printf("bulk %llu %.6f\n", (unsigned long long)bytes, now_s() - t0);
		fflush(stdout);
		close(fd);
	}
	printf("cpu_s %.6f\n", cpu_seconds() - cpu0);
	if (checkpoints)
		checkpoint("end");
	return 0;
}

static int mode_lat(unsigned count, unsigned keepalive)
{
	double *v = calloc((count > keepalive ? count : keepalive) + 1, sizeof(*v));
	int fd;

	if (!v)
		return 1;
	for (unsigned i = 0; i < count; i++) {
		v[i] = one_request();
		if (v[i] < 0) {
			printf("error request %u: %s\n", i, errmsg);
			return 1;
		}
	}
	print_samples("lat_us", v, count);
	if (keepalive == 0)
		return 0;
	fd = open_conn();
	if (fd < 0) {
		printf("error %s\n", errmsg);
		return 1;
	}
	for (unsigned i = 0; i < keepalive; i++) {
		double t0 = now_s();

		if (get(fd, 0) < 0) {
			printf("error keep-alive request %u: %s\n", i, errmsg);
			return 1;
		}
		v[i] = now_s() - t0;
	}
	close(fd);
	print_samples("rtt_us", v, keepalive);
	free(v);
	return 0;
}

/* A small GET on every `every`-th held connection. */
static void live(const char *key, const int *fds, unsigned n, unsigned every)
{
	double *v = calloc(n / every + 1, sizeof(*v));
	size_t k = 0;
	unsigned errors = 0;

	if (!v)
		exit(1);
	for (unsigned i = 0; i < n; i += every) {
		double t0 = now_s();

		if (get(fds[i], 0) < 0) {
			if (errors++ == 0)
				printf("%s_error tunnel %u: %s\n", key, i, errmsg);
			continue;
		}
		v[k++] = now_s() - t0;
	}
	print_samples(key, v, k);
	if (errors)
		printf("%s_errors %u\n", key, errors);
	free(v);
}

static int mode_hold(unsigned count, unsigned nprobes, unsigned every, uint64_t stall_bytes,
		     uint64_t bulk_bytes, unsigned idle_ms)
{
	int *fds = calloc(count + 1, sizeof(*fds));
	unsigned n = 0;
	double t0;
	int sfd, bfd, queued = 0;

	if (!fds)
		return 1;
	checkpoint("start");
	t0 = now_s();
	for (; n < count; n++) {
		fds[n] = open_conn();
		if (fds[n] < 0) {
			printf("hold_error %u %s\n", n, errmsg);
			break;
		}
	}
	printf("held %u %.6f\n", n, now_s() - t0);
	checkpoint("held");
	if (n == 0)
		return 1;
	sleep_ms(idle_ms);
	checkpoint("idle");

	probes("probe_us", nprobes);
	live("live_us", fds, n, every);

	sfd = open_conn();
	if (sfd < 0 || send_get(sfd, stall_bytes) < 0) {
		printf("error stalled client: %s\n", errmsg);
		return 1;
	}
	sleep_ms(300);
	(void)ioctl(sfd, FIONREAD, &queued);
	printf("stall_queued %d\n", queued);
	checkpoint("stall");
	sleep_ms(idle_ms);
	checkpoint("stall-idle");

	probes("stallprobe_us", nprobes);
	bfd = open_conn();
	if (bfd < 0) {
		printf("stallbulk_error %s\n", errmsg);
	} else {
		t0 = now_s();
		if (get(bfd, bulk_bytes) < 0)
			printf("stallbulk_error %s\n", errmsg);
		else
			printf("stallbulk %llu %.6f\n", (unsigned long long)bulk_bytes,
			       now_s() - t0);
		close(bfd);
	}
	live("stalllive_us", fds, n, every);
	queued = 0;
	(void)ioctl(sfd, FIONREAD, &queued);
	printf("stall_queued_end %d\n", queued);
	checkpoint("stalled");
	close(sfd);
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	printf("done\n");
	return 0;
}

static unsigned long long num(const char *s, const char *opt)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s ? s : "", &end, 10);
	if (!s || errno || end == s || *end) {
		fprintf(stderr, "srt-bench-net-client: %s needs a number\n", opt);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: srt-bench-net-client bulk|lat|hold --port P [--via direct|connect|socks5]\n"
		"         [--dest NAME] [--proxy-port N] [--bytes B] [--runs R] [--count N]\n"
		"         [--keepalive K] [--probes K] [--live-every E] [--stall-bytes B]\n"
		"         [--bulk-bytes B] [--idle-ms T] [--checkpoints]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long bytes = 1 << 20, runs = 1, count = 100, keepalive = 0, nprobes = 20;
	unsigned long long every = 100, stall_bytes = 256ull << 20, bulk_bytes = 64ull << 20;
	unsigned long long idle_ms = 1000;
	const char *mode;
	struct rlimit rl;
	bool checkpoints = false;

	if (argc < 2)
		usage();
	mode = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--checkpoints") == 0) {
			checkpoints = true;
			continue;
		}
		if (strcmp(o, "--via") == 0 && v) {
			if (strcmp(v, "direct") == 0)
				via = VIA_DIRECT;
			else if (strcmp(v, "connect") == 0)
				via = VIA_CONNECT;
			else if (strcmp(v, "socks5") == 0)
				via = VIA_SOCKS5;
			else
				usage();
		} else if (strcmp(o, "--dest") == 0 && v) {
			if (strlen(v) > 255)
				usage();
			dest = v;
		} else if (strcmp(o, "--port") == 0) {
			port = (unsigned)num(v, o);
		} else if (strcmp(o, "--proxy-port") == 0) {
			proxy_port = (unsigned)num(v, o);
		} else if (strcmp(o, "--bytes") == 0) {
			bytes = num(v, o);
		} else if (strcmp(o, "--runs") == 0) {
			runs = num(v, o);
		} else if (strcmp(o, "--count") == 0) {
			count = num(v, o);
		} else if (strcmp(o, "--keepalive") == 0) {
			keepalive = num(v, o);
		} else if (strcmp(o, "--probes") == 0) {
			nprobes = num(v, o);
		} else if (strcmp(o, "--live-every") == 0) {
			every = num(v, o);
		} else if (strcmp(o, "--stall-bytes") == 0) {
			stall_bytes = num(v, o);
		} else if (strcmp(o, "--bulk-bytes") == 0) {
			bulk_bytes = num(v, o);
		} else if (strcmp(o, "--idle-ms") == 0) {
			idle_ms = num(v, o);
		} else {
			usage();
		}
		i++;
	}
	if (port == 0 || port > 65535 || proxy_port > 65535 || every == 0 || count > 1000000 ||
	    keepalive > 1000000 || nprobes > 1000000 || bytes == 0 || stall_bytes == 0 ||
	    bulk_bytes == 0 || idle_ms > 60000)
		usage();
	if (proxy_port == 0)
		proxy_port = via == VIA_SOCKS5 ? 1080 : 3128;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	if (strcmp(mode, "bulk") == 0)
		return mode_bulk(bytes, (unsigned)runs, checkpoints);
	if (strcmp(mode, "lat") == 0)
		return mode_lat((unsigned)count, (unsigned)keepalive);
	if (strcmp(mode, "hold") == 0)
		return mode_hold((unsigned)count, (unsigned)nprobes, (unsigned)every, stall_bytes,
				 bulk_bytes, (unsigned)idle_ms);
	usage();
	return 2;
}
