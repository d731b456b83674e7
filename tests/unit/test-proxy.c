/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy core (src/lib/net/proxy.c) with real clients over 127.0.0.1: curl through the HTTP
 * and SOCKS5 proxies to a tiny origin server running in a thread of this test, and raw sockets
 * for the exact reply bytes. Name resolution goes through the resolver's test seam so that one
 * allowed name ("rebind.example.com") resolves to 127.0.0.1 without touching /etc/hosts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/domain-match.h"
#include "net/http-parse.h"
#include "net/proxy.h"
#include "net/relay.h"
#include "shared/compat.h"
#include "loopback.h"
#include "tap.h"

extern char **environ;

#define BODY "hello from the origin\n"
#define IO_TIMEOUT_MS 5000
#define HANDSHAKE_MS 1000

static const char RESP_403[] = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
			       "X-Proxy-Error: blocked-by-allowlist\r\n\r\n"
			       "Connection blocked by network allowlist";
static const char RESP_200[] = "HTTP/1.1 200 Connection Established\r\n\r\n";

/* ---- log collector ---- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[1 << 16];
static size_t log_len;

static void collect_log(void *ud, const char *line)
{
	size_t n = strlen(line);

	(void)ud;
	pthread_mutex_lock(&log_lock);
	if (log_len + n + 2 < sizeof(log_buf)) {
		memcpy(log_buf + log_len, line, n);
		log_len += n;
		log_buf[log_len++] = '\n';
		log_buf[log_len] = '\0';
	}
	pthread_mutex_unlock(&log_lock);
	if (getenv("TEST_PROXY_VERBOSE"))
		printf("# log: %s\n", line);
}

static bool log_has(const char *needle)
{
	bool r;

	pthread_mutex_lock(&log_lock);
	r = strstr(log_buf, needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return r;
}

/* ---- denial collector ---- */

static unsigned n_denials;
static char last_denial[512];

static void collect_denial(void *ud, const struct proxy_denial *d)
{
	(void)ud;
	pthread_mutex_lock(&log_lock);
	n_denials++;
	snprintf(last_denial, sizeof(last_denial), "%s %s %u %s", d->protocol, d->host, d->port,
		 d->reason);
	pthread_mutex_unlock(&log_lock);
}

static unsigned denials(char *last, size_t size)
{
	unsigned n;

	pthread_mutex_lock(&log_lock);
	n = n_denials;
	snprintf(last, size, "%s", last_denial);
	pthread_mutex_unlock(&log_lock);
	return n;
}

/* ---- resolver seam ---- */

static int fake_lookup(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	if (strcmp(node, "rebind.example.com") == 0)
		node = "127.0.0.2"; /* loopback, but not an allowed literal */
	return getaddrinfo(node, service, hints, res);
}

/* Sends req (len bytes) to the proxy at port and reads the whole answer. */
static size_t exchange(uint16_t port, const void *req, size_t len, char *buf, size_t cap)
{
	int fd = connect_lo(port);
	size_t n;

	if (len > 0 && send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		buf[0] = '\0';
		close(fd);
		return 0;
	}
	n = read_all(fd, buf, cap, IO_TIMEOUT_MS);
	close(fd);
	return n;
}

/* ---- origin server ---- */

static int origin_fd;
static volatile bool origin_stop;

static void *origin_thread(void *arg)
{
	(void)arg;
	while (!origin_stop) {
		struct pollfd pfd = { .fd = origin_fd, .events = POLLIN };
		char req[4096];
		size_t len = 0;
		int c;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		c = accept4(origin_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		while (len + 1 < sizeof(req)) {
			struct pollfd cp = { .fd = c, .events = POLLIN };
			ssize_t n;

			if (poll(&cp, 1, IO_TIMEOUT_MS) <= 0)
				break;
			n = recv(c, req + len, sizeof(req) - 1 - len, 0);
			if (n <= 0)
				break;
			len += (size_t)n;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		if (len > 0 && strncmp(req, "GET /smuggle ", 13) == 0) {
			static const char bad[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
						  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";

			(void)!send(c, bad, sizeof(bad) - 1, MSG_NOSIGNAL);
		} else if (len > 0 && strncmp(req, "GET /file ", 10) == 0) {
			char resp[256];
			int n = snprintf(resp, sizeof(resp),
					 "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n"
					 "Content-Type: text/plain\r\n\r\n" BODY,
					 sizeof(BODY) - 1);

			(void)!send(c, resp, (size_t)n, MSG_NOSIGNAL);
		} else {
			static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";

			(void)!send(c, nf, sizeof(nf) - 1, MSG_NOSIGNAL);
		}
		close(c);
	}
	return NULL;
}

/* ---- echo server (one connection) and the process's pipes ---- */

static void *echo_thread(void *arg)
{
	int lfd = *(int *)arg, c;
	char b[4096];
	ssize_t n;

	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return NULL;
	while ((n = recv(c, b, sizeof(b), 0)) > 0)
		if (send(c, b, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	close(c);
	return NULL;
}

/* The pipes open in this process (the proxy runs in it): "pipe:[...]" links in /proc/self/fd. */
static int count_pipes(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char p[300], t[64];
		ssize_t k;

		snprintf(p, sizeof(p), "/proc/self/fd/%s", de->d_name);
		k = readlink(p, t, sizeof(t) - 1);
		if (k > 5 && strncmp(t, "pipe:", 5) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* ---- curl ---- */

static int run_curl(char *const argv[], char *out, size_t cap)
{
	posix_spawn_file_actions_t fa;
	int pfd[2], status;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	if (!getenv("TEST_PROXY_VERBOSE"))
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "curl", &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	read_all(pfd[0], out, cap, 15000);
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	char *allowed[] = { "localhost", "127.0.0.1", "*.example.com", NULL };
	struct net_policy policy;
	struct proxy_config cfg = { 0 };
	struct proxy *p = NULL;
	uint16_t http_port, socks_port, origin_port;
	pthread_t ot;
	char buf[65536], url[128], proxy_url[64], socks_url[64], req[1024];
	int r, n;

	plan_no_plan();
	setvbuf(stdout, NULL, _IOLBF, 0);

	r = net_policy_build(allowed, NULL, &policy, NULL, NULL);
	is_int(r, 0, "policy builds");

	origin_fd = listen_lo(&origin_port, false);
	if (pthread_create(&ot, NULL, origin_thread, NULL) != 0)
		return 99;

	cfg.policy = &policy;
	cfg.http_fds[0] = listen_lo(&http_port, true);
	cfg.n_http = 1;
	cfg.socks_fds[0] = listen_lo(&socks_port, true);
	cfg.n_socks = 1;
	cfg.log = collect_log;
	cfg.deny = collect_denial;
	cfg.handshake_timeout_ms = HANDSHAKE_MS;
	cfg.lookup = fake_lookup;
	r = proxy_start(&cfg, &p);
	is_int(r, 0, "proxy_start");
	if (r < 0)
		return tap_exit();
	/* the portable build (-Dportable_net=true) must really run the poll() loop */
	is_str(proxy_event_loop(p), SRT_NET_LINUX ? "epoll" : "poll",
	       "the event loop is %s's (%s build)", SRT_NET_LINUX ? "epoll" : "poll",
	       compat_net_flavour());

	snprintf(proxy_url, sizeof(proxy_url), "http://127.0.0.1:%u", http_port);
	snprintf(socks_url, sizeof(socks_url), "127.0.0.1:%u", socks_port);

	/* curl through the HTTP CONNECT proxy */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/file", origin_port);
	{
		char *argv[] = { "curl", "-s", "-m", "10", "-p", "-x", proxy_url, url, NULL };

		r = run_curl(argv, buf, sizeof(buf));
		is_int(r, 0, "curl -p -x: exit status 0");
		is_str(buf, BODY, "curl -p -x: the origin's file");
	}

	/* curl through SOCKS5 with a name the proxy resolves (localhost) */
	snprintf(url, sizeof(url), "http://localhost:%u/file", origin_port);
	{
		char *argv[] = { "curl", "-s", "-m", "10", "--socks5-hostname", socks_url, url, NULL };

		r = run_curl(argv, buf, sizeof(buf));
		is_int(r, 0, "curl --socks5-hostname localhost: exit status 0");
		is_str(buf, BODY, "curl --socks5-hostname localhost: the origin's file");
	}

	/* a denied host: curl reports 56 */
	{
		char *argv[] = { "curl", "-s", "-m", "10", "-p", "-x", proxy_url,
				 "http://denied.test:80/", NULL };

		r = run_curl(argv, buf, sizeof(buf));
		is_int(r, 56, "curl to a denied host: exit status 56");
	}

	/* the exact 403 bytes */
	n = snprintf(req, sizeof(req), "CONNECT denied.test:80 HTTP/1.1\r\nHost: denied.test:80\r\n\r\n");
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	is_str(buf, RESP_403, "denied CONNECT: exact 403 reply");

	/* a denied name is never resolved */
	n = snprintf(req, sizeof(req),
		     "CONNECT denied.invalid:80 HTTP/1.1\r\nHost: denied.invalid:80\r\n\r\n");
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	is_str(buf, RESP_403, "denied .invalid name: 403");
	ok(log_has("denied.invalid:80 denied"), "denied .invalid name: the denial is logged");
	ok(!log_has("resolve denied.invalid"), "denied .invalid name: no resolve attempted");
	ok(!log_has("resolve localhost"),
	   "localhost is loopback without asking a resolver (RFC 6761)");
	n = snprintf(req, sizeof(req), "CONNECT rebind.example.com:1 HTTP/1.1\r\n\r\n");
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	ok(log_has("resolve rebind.example.com"), "an allowed name is resolved (log check is live)");

	/* malformed CONNECT → 400 */
	n = snprintf(req, sizeof(req), "CONNECT nohostport HTTP/1.1\r\nHost: x\r\n\r\n");
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	is_str(buf, "HTTP/1.1 400 Bad Request\r\n\r\n", "CONNECT without a port: 400");
	n = snprintf(req, sizeof(req), "CONNECT\r\n\r\n");
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	is_str(buf, "HTTP/1.1 400 Bad Request\r\n\r\n", "malformed request line: 400");

	/* oversized head → 431 */
	{
		static char big[HTTP_MAX_HEAD + 4096];
		size_t off = (size_t)snprintf(big, sizeof(big),
					      "CONNECT 127.0.0.1:%u HTTP/1.1\r\nX-Pad: ", origin_port);

		memset(big + off, 'a', sizeof(big) - off);
		exchange(http_port, big, sizeof(big), buf, sizeof(buf));
		like_str(buf, "HTTP/1.1 431 ", "oversized head: 431");
	}

	/* pipelined bytes after the CONNECT head reach the origin */
	n = snprintf(req, sizeof(req),
		     "CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n"
		     "GET /file HTTP/1.0\r\n\r\n",
		     origin_port, origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	ok(strncmp(buf, RESP_200, sizeof(RESP_200) - 1) == 0, "pipelined CONNECT: 200 first");
	like_str(buf, "\r\n\r\nHTTP/1.0 200 OK",
		 "pipelined CONNECT: the origin answered the pipelined request");
	like_str(buf, BODY, "pipelined CONNECT: with the file");

	/* an allowed name resolving to loopback is refused by vetting */
	n = snprintf(req, sizeof(req), "CONNECT rebind.example.com:%u HTTP/1.1\r\n\r\n",
		     origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	is_str(buf, RESP_403, "allowed name resolving to 127.0.0.2: 403");
	ok(log_has("via 127.0.0.2: resolved to a loopback"),
	   "vetting refusal is logged with the address class");

	/* localhost by name over CONNECT: loopback is fine for localhost names */
	n = snprintf(req, sizeof(req), "CONNECT localhost:%u HTTP/1.1\r\n\r\nGET /file HTTP/1.0\r\n\r\n",
		     origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	like_str(buf, BODY, "CONNECT localhost: tunnel works");

	/* an IP literal not on the list */
	n = snprintf(req, sizeof(req), "CONNECT 127.0.0.2:%u HTTP/1.1\r\n\r\n", origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	is_str(buf, RESP_403, "IP literal not allowed: 403");
	/* spelled differently, the allowed literal is the same host */
	n = snprintf(req, sizeof(req), "CONNECT 127.1:%u HTTP/1.1\r\n\r\nGET /file HTTP/1.0\r\n\r\n",
		     origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	like_str(buf, BODY, "CONNECT 127.1 canonicalises to the allowed 127.0.0.1");

	/* allowed, but nothing listens: 502 */
	n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n");
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	is_str(buf, "HTTP/1.1 502 Bad Gateway\r\n\r\n", "connection refused upstream: 502");

	/* absolute-form: forwarded, the Host field must match the target */
	n = snprintf(req, sizeof(req),
		     "GET http://127.0.0.1:%u/file HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
		     origin_port, origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	like_str(buf, "HTTP/1.0 200 OK\r\n", "absolute-form GET: the origin's status line");
	like_str(buf, "\r\n\r\n" BODY, "absolute-form GET: the origin's body");
	n = snprintf(req, sizeof(req), "GET http://127.0.0.1:%u/file HTTP/1.1\r\nHost: x\r\n\r\n",
		     origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	like_str(buf, "HTTP/1.1 421 Misdirected Request\r\n", "absolute-form GET, other Host: 421");
	{
		char last[512];

		ok(denials(last, sizeof(last)) > 0 &&
			   strstr(last, "HTTP 127.0.0.1") == last && strstr(last, "Host field"),
		   "the Host mismatch is reported as a denial (%s)", last);
	}
	n = snprintf(req, sizeof(req),
		     "GET http://127.0.0.1:%u/smuggle HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
		     origin_port, origin_port);
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	like_str(buf, "HTTP/1.1 502 Bad Gateway\r\n",
		 "a response with both Content-Length and Transfer-Encoding: 502");
	n = snprintf(req, sizeof(req), "GET http://denied.test/ HTTP/1.1\r\nHost: denied.test\r\n\r\n");
	exchange(http_port, req, (size_t)n, buf, sizeof(buf));
	like_str(buf, "HTTP/1.1 403 Forbidden\r\n", "absolute-form GET to a denied host: 403");
	{
		char last[512];

		denials(last, sizeof(last));
		is_str(last, "HTTP denied.test 80 host is not on the allow list",
		       "the denial callback gets protocol, host, port and reason");
	}

	/* SOCKS5: NUL byte in the name */
	{
		static const uint8_t nul[] = "\x05\x01\x00"
					     "\x05\x01\x00\x03\x16localhost\0.example.com\x00\x50";

		r = (int)exchange(socks_port, nul, sizeof(nul) - 1, buf, sizeof(buf));
		ok(r == 12 && memcmp(buf, "\x05\x00\x05\x02\x00\x01\0\0\0\0\0\0", 12) == 0,
		   "SOCKS5 name with a NUL: 05 00, then 05 02 (got %d bytes)", r);
		ok(log_has("SOCKS5 (invalid):80 denied"), "SOCKS5 NUL name: denial logged");
	}

	/* SOCKS5: BIND */
	{
		static const uint8_t bind_req[] = "\x05\x01\x00\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50";

		r = (int)exchange(socks_port, bind_req, sizeof(bind_req) - 1, buf, sizeof(buf));
		ok(r == 12 && memcmp(buf + 2, "\x05\x07\x00\x01\0\0\0\0\0\0", 10) == 0,
		   "SOCKS5 BIND: 05 07");
	}

	/* SOCKS5: no acceptable method */
	{
		static const uint8_t g[] = "\x05\x01\x02";

		r = (int)exchange(socks_port, g, sizeof(g) - 1, buf, sizeof(buf));
		ok(r == 2 && memcmp(buf, "\x05\xff", 2) == 0, "SOCKS5 without no-auth: 05 FF");
	}

	/* SOCKS5: denied IPv4 address, and an allowed one whose port is closed */
	{
		static const uint8_t d[] = "\x05\x01\x00\x05\x01\x00\x01\x7f\x00\x00\x02\x00\x50";
		static const uint8_t c[] = "\x05\x01\x00\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x01";

		r = (int)exchange(socks_port, d, sizeof(d) - 1, buf, sizeof(buf));
		ok(r == 12 && buf[3] == 0x02, "SOCKS5 127.0.0.2 not allowed: 05 02");
		r = (int)exchange(socks_port, c, sizeof(c) - 1, buf, sizeof(buf));
		ok(r == 12 && buf[3] == 0x05, "SOCKS5 refused port: 05 05");
	}

	/* hostile neighbours (slow heads, binary garbage on both ports, an oversized head, a
	 * SOCKS greeting cut short) do not hold up a well-behaved client meanwhile */
	{
		int bad[60];
		char junk[512], huge[HTTP_MAX_HEAD + 100];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(i * 37 + 11);
		memset(huge, 'a', sizeof(huge));
		for (int i = 0; i < 60; i++) {
			bad[i] = connect_lo(i % 2 ? socks_port : http_port);
			switch (i % 4) {
			case 0:
				(void)!send(bad[i], "CONNECT 127.0.0.1", 17, MSG_NOSIGNAL);
				break;
			case 1:
				(void)!send(bad[i], "\x05\x02", 2, MSG_NOSIGNAL);
				break;
			case 2:
				(void)!send(bad[i], i % 8 == 2 ? huge : junk,
					    i % 8 == 2 ? sizeof(huge) : sizeof(junk),
					    MSG_NOSIGNAL | MSG_DONTWAIT);
				break;
			default:
				(void)!send(bad[i], junk, sizeof(junk), MSG_NOSIGNAL);
				break;
			}
		}
		n = snprintf(req, sizeof(req),
			     "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\nGET /file HTTP/1.0\r\n\r\n",
			     origin_port);
		exchange(http_port, req, (size_t)n, buf, sizeof(buf));
		like_str(buf, BODY, "with 60 hostile connections open, a good client is served");
		for (int i = 0; i < 60; i++)
			close(bad[i]);
	}

	/* handshake timeout: a client that never finishes its head is closed */
	{
		struct timespec t0, t1;
		int fd = connect_lo(http_port);
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		(void)!send(fd, "CONNECT 127.0.0.1", 17, MSG_NOSIGNAL);
		n = (int)read_all(fd, buf, sizeof(buf), HANDSHAKE_MS * 4);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		close(fd);
		ok(n == 0 && ms >= HANDSHAKE_MS - 50 && ms < HANDSHAKE_MS * 3,
		   "incomplete head closed after the handshake timeout (%ld ms)", ms);
	}

	/* a tunnel stays usable after the handshake timeout has passed */
	n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", origin_port);
	{
		int fd = connect_lo(http_port);
		size_t got;

		(void)!send(fd, req, (size_t)n, MSG_NOSIGNAL);
		got = read_all(fd, buf, sizeof(RESP_200), IO_TIMEOUT_MS);
		ok(got == sizeof(RESP_200) - 1 && strcmp(buf, RESP_200) == 0, "tunnel: 200");
		usleep((HANDSHAKE_MS + 500) * 1000);
		(void)!send(fd, "GET /file HTTP/1.0\r\n\r\n", 22, MSG_NOSIGNAL);
		read_all(fd, buf, sizeof(buf), IO_TIMEOUT_MS);
		like_str(buf, BODY, "tunnel outlives the handshake timeout");
		close(fd);
	}

	/* out of descriptors: accept() fails with EMFILE while the listener stays readable; the
	 * proxy must pause instead of spinning, and serve again once descriptors are free */
	{
		struct rlimit saved, low;
		struct rusage r0, r1;
		int fds[16], nfd = 0, maxfd = 0, fillers[256], nfill = 0;
		long cpu_ms;

		/* the client socket exists before the limit drops: connecting needs no new
		 * descriptor, accepting it does */
		int cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(http_port),
					 .sin_addr = {htonl(INADDR_LOOPBACK)}};

		for (int fd = 0; fd < 65536; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				maxfd = fd;
		getrlimit(RLIMIT_NOFILE, &saved);
		low = saved;
		low.rlim_cur = (rlim_t)maxfd + 1;
		setrlimit(RLIMIT_NOFILE, &low);
		/* fill every free slot below the limit */
		while (nfill < 256) {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				break;
			fillers[nfill++] = fd;
		}
		if (cs >= 0 && connect(cs, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			fds[nfd++] = cs;
		else if (cs >= 0)
			close(cs);
		usleep(100000);
		getrusage(RUSAGE_SELF, &r0);
		usleep(300000);
		getrusage(RUSAGE_SELF, &r1);
		cpu_ms = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000 +
			 (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1000 +
			 (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000 +
			 (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1000;
		ok(log_has("pausing new connections"), "EMFILE on accept: the proxy pauses listening");
		ok(cpu_ms < 150, "and does not spin meanwhile (%ld ms CPU in 300 ms)", cpu_ms);
		for (int i = 0; i < nfd; i++)
			close(fds[i]);
		for (int i = 0; i < nfill; i++)
			close(fillers[i]);
		setrlimit(RLIMIT_NOFILE, &saved);
		usleep(300000);
		n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n",
			     origin_port);
		{
			int fd = connect_lo(http_port);
			size_t got;

			(void)!send(fd, req, (size_t)n, MSG_NOSIGNAL);
			got = read_all(fd, buf, sizeof(RESP_200), IO_TIMEOUT_MS);
			ok(got == sizeof(RESP_200) - 1 && strcmp(buf, RESP_200) == 0,
			   "after descriptors are free again, new connections are served");
			close(fd);
		}
	}

	/* An idle tunnel gives its relay pipes back: the proxy's sweep trims them (the relay's
	 * own trimming is in test-relay); traffic afterwards makes new ones. */
	{
		uint16_t eport;
		int efd = listen_lo(&eport, false), fd, base, busy = -1, idle = -1;
		pthread_t et;
		size_t got;

		pthread_create(&et, NULL, echo_thread, &efd);
		base = count_pipes();
		n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", eport);
		fd = connect_lo(http_port);
		(void)!send(fd, req, (size_t)n, MSG_NOSIGNAL);
		got = read_all(fd, buf, sizeof(RESP_200), IO_TIMEOUT_MS);
		ok(got == sizeof(RESP_200) - 1, "trim: a tunnel to an echo server");
		(void)!send(fd, "ping", 4, MSG_NOSIGNAL);
		got = read_all(fd, buf, 5, IO_TIMEOUT_MS);
		ok(got == 4 && memcmp(buf, "ping", 4) == 0, "trim: bytes go through it and back");
		busy = count_pipes();
		if (relay_can_splice())
			ok(busy > base, "trim: the tunnel's relay holds pipes (%d, before %d)", busy,
			   base);
		else
			ok(busy == base, "trim: without splice (portable build) no pipes (%d, before %d)",
			   busy, base);
		/* several sweeps (every 250 ms) of an idle tunnel; give up after 10 s */
		for (int i = 0; i < 200 && (idle = count_pipes()) > base; i++)
			usleep(50000);
		/* at most the count before: pipes of earlier tests' tunnels may be swept too */
		ok(idle >= 0 && idle <= base,
		   "trim: idle, the tunnel gives its pipes back (sweep: %d, before %d)", idle, base);
		(void)!send(fd, "pong", 4, MSG_NOSIGNAL);
		got = read_all(fd, buf, 5, IO_TIMEOUT_MS);
		ok(got == 4 && memcmp(buf, "pong", 4) == 0, "trim: the trimmed tunnel still relays");
		close(fd);
		pthread_join(et, NULL);
		close(efd);
	}

	/* bring-your-own proxy: a forward listener relays to a fixed host port, no policy */
	{
		struct proxy_config fc = { 0 };
		struct proxy *fp = NULL;
		uint16_t fport;

		fc.policy = &policy;
		fc.http_fds[0] = listen_lo(&fport, true);
		fc.n_http = 1;
		fc.http_forward_port = origin_port;
		fc.log = collect_log;
		is_int(proxy_start(&fc, &fp), 0, "proxy_start with a forward listener");
		n = snprintf(req, sizeof(req), "GET /file HTTP/1.0\r\n\r\n");
		exchange(fport, req, (size_t)n, buf, sizeof(buf));
		like_str(buf, "\r\n\r\n" BODY,
			 "forward listener: the bytes reach the external proxy's port as they are");
		fp = proxy_stop(fp);
		close(fc.http_fds[0]);
	}

	p = proxy_stop(p);
	ok(p == NULL, "proxy_stop");
	ok(fcntl(cfg.http_fds[0], F_GETFD) >= 0, "listeners stay open after proxy_stop");
	close(cfg.http_fds[0]);
	close(cfg.socks_fds[0]);
	origin_stop = true;
	pthread_join(ot, NULL);
	close(origin_fd);
	net_policy_free(&policy);
	return tap_exit();
}
